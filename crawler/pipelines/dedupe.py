"""Dedupe stage: a posting listed twice in one crawl is stored once.

Identity is (platform, board, external_id). Repeats are dropped quietly (DEBUG) and
counted as ``jobs/duplicate``: pagination that shifts under the crawler and boards
that list a job once per location both produce them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class DedupePipeline:
    runs_on_unchanged = True

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.seen: set[tuple[str, str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        identity = (adapter["platform"], adapter["board"], adapter["external_id"])
        if identity in self.seen:
            self.stats.inc_value("jobs/duplicate")
            raise DropItem(f"duplicate posting {'/'.join(identity)}", log_level="DEBUG")
        self.seen.add(identity)
        return item
