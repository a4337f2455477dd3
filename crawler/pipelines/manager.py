"""The item processor (Scrapy's ITEM_PROCESSOR): the stages of ITEM_PIPELINES in order,
except that a posting whose source is unchanged since it was stored (see
crawler/pipelines/unchanged.py) passes only the stages that declare
``runs_on_unchanged = True``: recomputing what is already stored is the most expensive
part of a re-crawl.

Reads ``JOBS_STAGE_PROCESSES``: above 0, the stages that declare ``runs_in_pool = True``
run in that many child processes (crawler/pipelines/stage_pool.py says how, and why the
results are exactly those of one process); the others run here, in their order.

A stage that returns the item itself (not an awaitable) is not wrapped in a coroutine,
and what each stage needs (its flags, its arguments, its name for warnings) is looked
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

from crawler.pipelines.stage_pool import (
    PROCESSES_SETTING,
    StagePool,
    apply_effects,
    rebuilt_error,
    resume,
    rewind,
)
from crawler.pipelines.unchanged import is_source_unchanged


class Stage(NamedTuple):
    process_item: Callable[..., Any]
    runs_on_unchanged: bool
    args: tuple[Any, ...]
    name: str
    runs_in_pool: bool = False


def _flag(method: Callable[..., Any], name: str) -> bool:
    return bool(getattr(getattr(method, "__self__", None), name, False))


class PostingPipelineManager(ItemPipelineManager):
    _stages: list[Stage] | None = None
    _pool: StagePool | None = None

    def stages(self) -> list[Stage]:
        if self._stages is None:
            pooled = self.crawler is not None and self.crawler.settings.getint(PROCESSES_SETTING)
            self._stages = [
                Stage(
                    method,
                    _flag(method, "runs_on_unchanged"),
                    (self._spider,) if method in self._mw_methods_requiring_spider else (),
                    global_object_name(method),
                    bool(pooled) and _flag(method, "runs_in_pool"),
                )
                for method in self.methods["process_item"]
            ]
        return self._stages

    async def open_spider_async(self) -> None:
        await super().open_spider_async()
        stages = self.stages()
        pool_stages = [stage for stage in stages if stage.runs_in_pool]
        if not pool_stages:
            return
        for stage in pool_stages:
            if stage.args or inspect.iscoroutinefunction(stage.process_item):
                raise ValueError(
                    f"{stage.name} declares runs_in_pool but needs the spider or is async:"
                    " a pool stage is a plain function of the posting"
                )
        first = stages.index(pool_stages[0])
        # pool stages after which a stage of this process runs before the next pool stage
        boundaries = frozenset(
            number for number, stage in enumerate(pool_stages[:-1])
            if not stages[stages.index(stage) + 1].runs_in_pool
        )  # fmt: skip
        assert self.crawler is not None
        self._pool = StagePool.for_stages(
            self.crawler.settings,
            [global_object_name(type(stage.process_item.__self__)) for stage in pool_stages],  # type: ignore[attr-defined]
            boundaries,
        )
        self._first_pool_stage = first
        self._pool.open()

    async def close_spider_async(self) -> None:
        try:
            await super().close_spider_async()
        finally:
            if self._pool is not None:
                await self._pool.close()

    async def process_item_async(self, item: Any) -> Any:
        stages = self.stages()
        if self._pool is None:
            return await self._run_here(stages, item)
        first = self._first_pool_stage
        item = await self._run_here(stages[:first], item)
        if is_source_unchanged(item):  # skips the pool stages: nothing to send
            return await self._run_here(stages[first:], item)
        return await self._run_pooled(stages[first:], item)

    async def _run_here(self, stages: list[Stage], item: Any) -> Any:
        for stage in stages:
            if not stage.runs_on_unchanged and is_source_unchanged(item):
                continue
            item = await self._run_stage(stage, item)
        return item

    @staticmethod
    async def _run_stage(stage: Stage, item: Any) -> Any:
        result = stage.process_item(item, *stage.args)
        if isinstance(result, Deferred) or inspect.isawaitable(result):
            result = await ensure_awaitable(result, _warn=stage.name)
        return result

    async def _run_pooled(self, stages: list[Stage], item: Any) -> Any:
        """The pool stages' results at their places, the other stages run here."""
        assert self._pool is not None and self.crawler is not None
        outcome = await self._pool.run(item)  # a dead child: an error here, at the first
        item = outcome.item
        forward = rewind(item, outcome.boundaries)
        pool_number = boundary = 0
        previous_in_pool = True
        for stage in stages:
            if not stage.runs_in_pool:
                item = await self._run_stage(stage, item)
                previous_in_pool = False
                continue
            if not previous_in_pool:
                resume(item, forward[boundary])
                boundary += 1
            previous_in_pool = True
            apply_effects(outcome.effects[pool_number], self.crawler.stats)
            if outcome.failure is not None and outcome.failure.index == pool_number:
                raise rebuilt_error(outcome.failure)
            pool_number += 1
        return item
