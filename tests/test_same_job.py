"""Same job listed twice by a company: stored once, the other ids kept."""

from __future__ import annotations

import gc

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import JobPosting
from crawler.pipelines.same_job import SameJobPipeline

TEXT = "Build the payments platform.\n\nYou have 5+ years of Go."


def posting(external_id, board="acme", company="acme", **fields):
    values = {"title": "Backend Engineer", "locations": ["Berlin, Germany"],
              "description_text": TEXT, **fields}  # fmt: skip
    return JobPosting(platform="p", board=board, external_id=external_id, company=company,
                      **values)  # fmt: skip


@pytest.fixture
def stage():
    crawler = get_crawler(Spider)
    crawler.stats.open_spider()
    return SameJobPipeline.from_crawler(crawler)


def test_repeat_is_dropped_and_its_id_kept_on_the_first(stage):
    first = stage.process_item(posting("1"))
    with pytest.raises(DropItem):
        stage.process_item(posting("2"))
    with pytest.raises(DropItem):
        stage.process_item(posting("9", board="acme-eu"))
    assert first.alternate_ids == ["acme-eu:9", "acme:2"]
    assert stage.stats.get_value("jobs/same_job") == 2


def test_same_job_ignores_title_case_spacing_and_location_order(stage):
    first = stage.process_item(posting("1", locations=["Berlin, Germany", "London, UK"]))
    with pytest.raises(DropItem):
        stage.process_item(posting("2", title="backend  engineer",
                                   locations=["London, UK", "Berlin, Germany"]))  # fmt: skip
    assert first.alternate_ids == ["acme:2"]


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
    first = stage.process_item(posting("1"))
    assert stage.process_item(posting(**other)) is not None
    assert first.alternate_ids == []


def test_postings_without_a_description_are_never_merged(stage):
    stage.process_item(posting("1", description_text=None))
    assert stage.process_item(posting("2", description_text=None)) is not None


def test_the_same_posting_again_is_left_to_dedupe(stage):
    first = stage.process_item(posting("1"))
    assert stage.process_item(posting("1")) is not None
    assert first.alternate_ids == []


def test_a_kept_posting_already_written_is_not_held_in_memory(stage):
    stage.process_item(posting("1"))  # nobody holds it any more, as after the store wrote it
    gc.collect()
    with pytest.raises(DropItem):
        stage.process_item(posting("2"))
    assert stage.stats.get_value("jobs/same_job/alternate_late") == 1
