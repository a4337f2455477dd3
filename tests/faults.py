"""Fault-injecting pipeline stages for whole-crawl tests (never in a real crawl).

``FAULT_RAISE_IDS``: the stage raises on postings with these external ids (a bug in a
stage). ``FAULT_BAD_VALUE_IDS``: it gives them a currency Postgres refuses (char(3)),
a value the cleaning cannot know is bad. ``PoolFaultStage`` does the same among the
stages that run in the stage pool (JOBS_STAGE_PROCESSES), and also ends its process on
``FAULT_EXIT_IDS`` (a child killed, e.g. out of memory).
"""

from __future__ import annotations

import json
import os
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


class PoolFaultStage(FaultStage):
    runs_on_unchanged = False
    runs_in_pool = True

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.exit_ids = set(crawler.settings.getlist("FAULT_EXIT_IDS"))

    def process_item(self, item: Any) -> Any:
        if ItemAdapter(item)["external_id"] in self.exit_ids:
            os._exit(1)
        return super().process_item(item)


def pipelines_with_fault_stage(stage: str = "FaultStage", priority: int = 850) -> str:
    """ITEM_PIPELINES (as -s takes it) with a fault stage, by default just before the
    store."""
    return json.dumps({**ITEM_PIPELINES, f"tests.faults.{stage}": priority})
