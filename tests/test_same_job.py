"""Same job listed twice by a company: stored once, the other ids kept, the same
listing kept whatever the order (whole crawls: tests/test_completion.py)."""

from __future__ import annotations

import asyncio

import pytest
from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler import signals as jobs_signals
from crawler.crawl_state import CrawlLedger
from crawler.items import JobPosting
from crawler.pipelines.same_job import SameJobPipeline, same_job_key
from crawler.registry import Company

TEXT = "Build the payments platform.\n\nYou have 5+ years of Go."


def posting(external_id, board="acme", company="acme", **fields):
    values = {"title": "Backend Engineer", "locations": ["Berlin, Germany"],
              "description_text": TEXT, **fields}  # fmt: skip
    return JobPosting(platform="p", board=board, external_id=external_id, company=company,
                      **values)  # fmt: skip


class Stage:
    """The stage in a crawler whose ledger follows the acme boards; nothing stored yet."""

    def __init__(self, stored: dict[str, tuple[str, str]] | None = None) -> None:
        self.crawler = get_crawler(Spider)
        self.crawler.stats.open_spider()
        self.ledger = CrawlLedger.for_crawler(self.crawler)
        for board in ("acme", "acme-eu", "other-co"):
            company = Company(slug=board, name=board, platform="p", board=board)
            self.ledger.company_started(company, "p", board)
        self.pipeline = SameJobPipeline.from_crawler(self.crawler)
        # What the database would say (whole crawls read it: tests/test_completion.py).
        known = {"acme": {k: (v, True) for k, v in (stored or {}).items()}}

        async def company_keepers(company: str) -> dict:
            return known.setdefault(company, {})

        self.pipeline._company_keepers = company_keepers

    def process(self, item):
        return asyncio.run(self.pipeline.process_item(item))

    def alternates(self, board="acme"):
        crawl = self.ledger.crawl_of("p", board)
        return {kept: sorted(ids) for kept, ids in crawl.alternates.items()}


@pytest.fixture
def stage():
    return Stage()


def test_repeat_is_dropped_and_its_id_kept_for_the_first(stage):
    stage.process(posting("1"))
    with pytest.raises(DropItem):
        stage.process(posting("2"))
    with pytest.raises(DropItem):
        stage.process(posting("9", board="acme-eu"))
    assert stage.alternates() == {("acme", "1"): ["acme:2"]}
    assert stage.alternates("acme-eu") == {("acme", "1"): ["acme-eu:9"]}
    assert stage.crawler.stats.get_value("jobs/same_job") == 2


def test_a_smaller_id_arriving_later_takes_the_job_over(stage):
    stage.process(posting("20"))
    assert stage.process(posting("10")) is not None  # kept instead
    with pytest.raises(DropItem):
        stage.process(posting("30"))
    crawl = stage.ledger.crawl_of("p", "acme")
    assert crawl.retracted == {("acme", "20")}
    assert stage.alternates() == {("acme", "10"): ["acme:20", "acme:30"]}


def test_a_stored_listing_keeps_the_job_over_a_smaller_new_id():
    first = posting("20")


    stage = Stage(stored={same_job_key(ItemAdapter(first)): ("acme", "20")})
    with pytest.raises(DropItem):
        stage.process(posting("10"))
    assert stage.process(posting("20")) is not None
    assert stage.alternates() == {("acme", "20"): ["acme:10"]}


def test_numbers_compare_as_numbers(stage):
    stage.process(posting("10"))
    with pytest.raises(DropItem):
        stage.process(posting("11"))
    assert stage.process(posting("9")) is not None  # 9 < 10


def test_same_job_ignores_title_case_spacing_and_location_order(stage):
    stage.process(posting("1", locations=["Berlin, Germany", "London, UK"]))
    with pytest.raises(DropItem):
        stage.process(posting("2", title="backend  engineer",
                              locations=["London, UK", "Berlin, Germany"]))  # fmt: skip


@pytest.mark.parametrize(
    "other",
    [
        {"external_id": "2", "title": "Frontend Engineer"},
        {"external_id": "2", "locations": ["Paris, France"]},
        {"external_id": "2", "description_text": TEXT + " And Rust."},
        {"external_id": "2", "company": "other-co", "board": "other-co"},
    ],
)
def test_different_jobs_are_both_kept(stage, other):
    stage.process(posting("1"))
    assert stage.process(posting(**other)) is not None
    assert stage.alternates() == {}


def test_postings_without_a_description_are_never_merged(stage):
    stage.process(posting("1", description_text=None))
    assert stage.process(posting("2", description_text=None)) is not None


def test_the_same_posting_again_is_left_to_dedupe(stage):
    stage.process(posting("1"))
    assert stage.process(posting("1")) is not None
    assert stage.alternates() == {}


def test_a_finished_company_is_forgotten(stage):
    company = Company(slug="acme", name="acme", platform="p", board="acme")
    stage.pipeline.keepers["acme"] = "loaded"  # as _company_keepers leaves it
    stage.crawler.signals.send_catch_log(
        jobs_signals.company_finished, company=company, platform="p", board="acme",
        status="ok", reason="complete", run_id=None,
    )  # fmt: skip
    assert "acme" not in stage.pipeline.keepers
