"""The clean stage: control characters out of every field, links resolved; whole crawls."""

from __future__ import annotations

import json

from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.items import JobPosting
from crawler.pipelines.clean import CleanPipeline
from tests.support import fixture_text, run_scrapy
from tests.support import latest_runs as runs
from tests.support import stored_postings as postings


def clean(**fields):
    crawler = get_crawler(Spider)
    crawler.stats.open_spider()
    item = JobPosting(platform="p", board="b", company="c", **fields)
    CleanPipeline.from_crawler(crawler).process_item(item)
    return item, crawler.stats


def test_control_chars_leave_every_string_of_the_item_and_are_counted():
    item, stats = clean(
        external_id="42\x00",
        title="Senior\x00Engineer,\x1bPlatform",
        locations=["Berlin\x0b", "London\x00; Paris"],
        description_text="First line\x0bsecond line\x07\n\nTab\there",
        extra={"salary_text": "$100k\x00 - $120k", "metadata": {"Level": ["Senior\x01"]}},
        url="https://jobs.example.com/1\x1f",
    )
    assert item.external_id == "42"
    assert item.title == "Senior Engineer, Platform"  # a space, as in a single line
    assert item.locations == ["Berlin", "London ; Paris"]
    assert item.description_text == "First line\nsecond line\n\nTab\there"
    assert item.extra["salary_text"] == "$100k - $120k"
    assert item.extra["metadata"] == {"Level": ["Senior"]}
    assert item.url == "https://jobs.example.com/1"
    assert stats.get_value("jobs/clean/control_chars") == 10
    assert {
        key.rsplit("/", 1)[1]: value
        for key, value in stats.get_stats().items()
        if key.startswith("jobs/clean/control_chars/")
    } == {"external_id": 1, "title": 2, "locations": 2, "description_text": 2, "extra": 2,
          "url": 1}  # fmt: skip


def test_a_clean_item_counts_nothing():
    item, stats = clean(external_id="1", title="Engineer", locations=["Berlin"])
    assert item.title == "Engineer"
    assert not any(key.startswith("jobs/clean/") for key in stats.get_stats())


def test_description_links_resolve_against_the_posting_url():
    item, _ = clean(
        external_id="1",
        url="https://jobs.example.com/acme/1",
        description_html='<p><a href="/acme/2">next</a> <a href="javascript:x()">bad</a></p>',
    )
    assert item.description_html == (
        '<p><a href="https://jobs.example.com/acme/2" rel="noopener noreferrer nofollow">next'
        '</a> <a rel="noopener noreferrer nofollow">bad</a></p>'
    )


# --- a whole crawl through the replay server into Postgres ------------------------------


def test_control_chars_in_a_board_cost_no_posting(replay, database_url, tmp_path):
    """A NUL in a title used to make Postgres refuse the whole batch's COPY."""
    board = json.loads(fixture_text("greenhouse/anthropic_jobs.json"))
    first, second = board["jobs"][0], board["jobs"][1]
    first["title"] = "Senior Software\u0000Engineer, Inference"
    first["location"]["name"] = "San Francisco, CA\u0000 | New York City, NY"
    first["content"] = first["content"].replace(
        "reliable, interpretable", "reliable,\u0007 interpretable\u001b\u0000"
    ) + "&lt;p&gt;See &lt;a href=&quot;/anthropic/jobs/4456789008&quot;&gt;that role&lt;/a&gt;"
    second["metadata"][0]["value"] = "Hybrid\u0000"
    replay.add("/v1/boards/anthropic/jobs", board, query={"content": "true"})
    result = run_scrapy(
        "crawl", "greenhouse", "-a", "company=anthropic",
        settings={"DATABASE_URL": database_url, "GREENHOUSE_BASE_URL": replay.url,
                  "RETRY_TIMES": 0, "JOBS_DATA_DIR": tmp_path / "data"},
    )  # fmt: skip
    result.assert_clean()

    rows = postings(database_url)
    assert len(rows) == 4  # the batch landed whole
    inference = rows["4020305008"]
    assert inference["title"] == "Senior Software Engineer, Inference"
    assert inference["locations"] == ["San Francisco, CA", "New York City, NY"]
    assert "reliable, interpretable" in inference["description_text"]
    assert "reliable, interpretable" in inference["description_html"]
    assert not any(
        ord(c) < 0x20 and c not in "\t\n\r" for c in inference["description_html"]
    )
    # the relative link points at the board's job page, not into the site
    assert 'href="https://job-boards.greenhouse.io/anthropic/jobs/4456789008"' in (
        inference["description_html"]
    )
    assert rows["4456789008"]["workplace"] == "hybrid"
    assert runs(database_url)["anthropic"]["status"] == "ok"
    # counted per field ("Hybrid\0" is in extra twice: the custom field and the workplace)
    for key, count in [("", 7), ("/title", 1), ("/locations", 1), ("/description_html", 3),
                       ("/extra", 2)]:  # fmt: skip
        assert f"'jobs/clean/control_chars{key}': {count}," in result.log
    # the gazetteer's cache file went to JOBS_DATA_DIR, not to the project's folder
    assert list((tmp_path / "data" / "cache").glob("gazetteer-*.marshal"))
