"""The item processor (Scrapy's ITEM_PROCESSOR): the stages of ITEM_PIPELINES in order,
except that a posting whose source is unchanged since it was stored (see
crawler/pipelines/unchanged.py) passes only the stages that declare
``runs_on_unchanged = True``: recomputing what is already stored is the most expensive
part of a re-crawl.
"""

from __future__ import annotations

from typing import Any

from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.defer import ensure_awaitable
from scrapy.utils.python import global_object_name

from crawler.pipelines.unchanged import is_source_unchanged


class PostingPipelineManager(ItemPipelineManager):
    async def process_item_async(self, item: Any) -> Any:
        for method in self.methods["process_item"]:
            stage = getattr(method, "__self__", None)
            if is_source_unchanged(item) and not getattr(stage, "runs_on_unchanged", False):
                continue
            args = (self._spider,) if method in self._mw_methods_requiring_spider else ()
            item = await ensure_awaitable(method(item, *args), _warn=global_object_name(method))
        return item
