"""Dedupe stage: a posting listed twice in one crawl is stored once.

Identity is (platform, board, external_id). Repeats are dropped quietly (DEBUG) and
counted as ``jobs/duplicate``: pagination that shifts under the crawler and boards
that list a job once per location both produce them. The ids seen are kept per
company and dropped when the company finishes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler import signals as jobs_signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class DedupePipeline:
    runs_on_unchanged = True

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.seen: dict[tuple[str, str], set[str]] = {}  # (platform, board) -> ids
        crawler.signals.connect(self._company_finished, signal=jobs_signals.company_finished)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _company_finished(self, platform: str, board: str, **_: Any) -> None:
        self.seen.pop((platform, board), None)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        seen = self.seen.setdefault((adapter["platform"], adapter["board"]), set())
        external_id = adapter["external_id"]
        if external_id in seen:
            self.stats.inc_value("jobs/duplicate")
            raise DropItem(
                f"duplicate posting {adapter['platform']}/{adapter['board']}/{external_id}",
                log_level="DEBUG",
            )
        seen.add(external_id)
        return item
