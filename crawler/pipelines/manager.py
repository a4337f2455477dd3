"""The item processor (Scrapy's ITEM_PROCESSOR): the stages of ITEM_PIPELINES in order,
except that a posting whose source is unchanged since it was stored (see
crawler/pipelines/unchanged.py) passes only the stages that declare
``runs_on_unchanged = True``: recomputing what is already stored is the most expensive
part of a re-crawl.

A stage that returns the item itself (not an awaitable) is not wrapped in a coroutine,
and what each stage needs (its flag, its arguments, its name for warnings) is looked
up once: per posting and stage, Scrapy's own chain costs more than a cheap stage.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.defer import ensure_awaitable
from scrapy.utils.python import global_object_name
from twisted.internet.defer import Deferred

from crawler.pipelines.unchanged import is_source_unchanged


class Stage(NamedTuple):
    process_item: Callable[..., Any]
    runs_on_unchanged: bool
    args: tuple[Any, ...]
    name: str


class PostingPipelineManager(ItemPipelineManager):
    _stages: list[Stage] | None = None

    def stages(self) -> list[Stage]:
        if self._stages is None:
            self._stages = [
                Stage(
                    method,
                    bool(getattr(getattr(method, "__self__", None), "runs_on_unchanged", False)),
                    (self._spider,) if method in self._mw_methods_requiring_spider else (),
                    global_object_name(method),
                )
                for method in self.methods["process_item"]
            ]
        return self._stages

    async def process_item_async(self, item: Any) -> Any:
        for stage in self.stages():
            if not stage.runs_on_unchanged and is_source_unchanged(item):
                continue
            result = stage.process_item(item, *stage.args)
            if isinstance(result, Deferred) or inspect.isawaitable(result):
                result = await ensure_awaitable(result, _warn=stage.name)
            item = result
        return item
