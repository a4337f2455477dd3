"""Fault-injecting pipeline stages for whole-crawl tests (never in a real crawl).

``FAULT_RAISE_IDS``: the stage raises on postings with these external ids (a bug in a
stage). ``FAULT_BAD_VALUE_IDS``: it gives them a currency Postgres refuses (char(3)),
a value the cleaning cannot know is bad.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from crawler.settings import ITEM_PIPELINES

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class FaultStage:
    runs_on_unchanged = True

    def __init__(self, crawler: Crawler) -> None:
        self.raise_ids = set(crawler.settings.getlist("FAULT_RAISE_IDS"))
        self.bad_value_ids = set(crawler.settings.getlist("FAULT_BAD_VALUE_IDS"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if adapter["external_id"] in self.raise_ids:
            raise RuntimeError(f"injected fault on {adapter['external_id']}")
        if adapter["external_id"] in self.bad_value_ids:
            adapter["salary_currency"] = "EURO"
        return item


def pipelines_with_fault_stage() -> str:
    """ITEM_PIPELINES (as -s takes it) with the fault stage just before the store."""
    return json.dumps({**ITEM_PIPELINES, "tests.faults.FaultStage": 850})
