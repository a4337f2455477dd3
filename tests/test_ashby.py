"""Ashby: parsing of the Job Posting API's shape, pay and locations, whole crawls into Postgres."""

from __future__ import annotations

import json

import pytest

from crawler.spiders.ashby import AshbySpider, salary_of
from crawler.spiders.base import MalformedResponse
from tests.support import (
    fake_response,
    fixture_text,
    make_spider,
    run_scrapy,
    write_registry,
)
from tests.support import latest_runs as runs
from tests.support import stored_postings as postings

OPENAI = "/posting-api/job-board/openai"
NOTION = "/posting-api/job-board/notion"
WITH_PAY = {"includeCompensation": "true"}

COMPANIES = [
    {"slug": "openai", "name": "OpenAI", "platform": "ashby", "board": "openai"},
    {"slug": "notion", "name": "Notion", "platform": "ashby",
     "careers_url": "https://jobs.ashbyhq.com/notion"},
]  # fmt: skip


def board(name: str) -> dict:
    return json.loads(fixture_text(f"ashby/{name}_jobs.json"))


def serve(replay, openai=None, notion=None) -> None:
    replay.add(OPENAI, board("openai") if openai is None else openai, query=WITH_PAY)
    replay.add(NOTION, board("notion") if notion is None else notion, query=WITH_PAY)


def crawl(replay, database_url, tmp_path, **settings):
    registry = write_registry(tmp_path / "companies.toml", COMPANIES)
    return run_scrapy(
        "crawl", "ashby",
        settings={"DATABASE_URL": database_url, "COMPANIES_FILE": registry,
                  "ASHBY_BASE_URL": replay.url, "RETRY_TIMES": 0, **settings},
    )  # fmt: skip


# --- parsing ------------------------------------------------------------------------


@pytest.fixture
def spider(tmp_path):
    registry = write_registry(tmp_path / "companies.toml", COMPANIES)
    return make_spider(AshbySpider, {"COMPANIES_FILE": str(registry)}, company="openai")


def parse(spider, body):
    target = spider.targets[0]
    response = fake_response(
        f"https://api.ashbyhq.com{OPENAI}?includeCompensation=true", body, meta={"target": target}
    )
    spider.ledger.company_started(target.company, "ashby", target.board)
    spider.listing_started(target)
    items = {item.external_id: item for item in spider.parse_board(response)}
    return items


def test_parse_reads_every_field_and_skips_unlisted_jobs(spider):
    items = parse(spider, fixture_text("ashby/openai_jobs.json"))
    assert "2d7e5b60-3f4c-4e8d-9001-9c8d7e6f5a41" not in items  # isListed: false
    assert spider.crawler.stats.get_value("jobs/skipped/unlisted") == 1
    assert len(items) == 4
    research = items["0b5c3f4e-1d2a-4c6b-9e8f-7a6b5c4d3e2f"]
    assert (research.platform, research.board, research.company) == ("ashby", "openai", "openai")
    assert research.title == "Research Engineer, Post-Training"
    assert research.url == "https://jobs.ashbyhq.com/openai/0b5c3f4e-1d2a-4c6b-9e8f-7a6b5c4d3e2f"
    assert research.apply_url.endswith("/application")
    assert (research.department, research.team) == ("Research", "Post-Training")
    assert research.locations == ["San Francisco"]
    assert research.description_html.startswith("<p><strong>About the team</strong>")
    assert research.description_text is None
    assert research.posted_at == "2026-10-14T17:32:08.912+00:00"
    assert research.extra == {
        "workplace": "Hybrid",
        "employment_type": "FullTime",
        "salary": {"min": 295000, "max": 440000, "currency": "USD", "period": "1 YEAR"},
        "salary_text": "$295K \u2013 $440K \u2022 Offers Equity",
        "location_parts": [
            {"city": "San Francisco", "region": "California", "country": "United States"}
        ],
    }


def test_pay_from_tiers_when_there_is_no_summary(spider):
    payments = parse(spider, fixture_text("ashby/openai_jobs.json"))[
        "1c6d4a5f-2e3b-4d7c-8f90-8b7c6d5e4f30"
    ]
    # two zones' Salary components make one range; the equity component is not pay
    assert payments.extra["salary"] == {"min": 230000, "max": 385000, "currency": "USD",
                                        "period": "1 YEAR"}  # fmt: skip
    assert payments.locations == ["New York City", "Seattle"]
    assert [p["city"] for p in payments.extra["location_parts"]] == ["New York", "Seattle"]
    assert payments.extra["workplace"] == "OnSite"


def test_tiers_in_different_currencies_keep_the_first():
    compensation = {"summaryComponents": [], "compensationTiers": [
        {"components": [{"compensationType": "Salary", "interval": "1 YEAR",
                         "currencyCode": "USD", "minValue": 100, "maxValue": 200}]},
        {"components": [{"compensationType": "Salary", "interval": "1 YEAR",
                         "currencyCode": "EUR", "minValue": 90, "maxValue": 300}]},
    ]}  # fmt: skip
    assert salary_of(compensation) == {"min": 100, "max": 200, "currency": "USD",
                                       "period": "1 YEAR"}  # fmt: skip
    assert salary_of({"compensationTiers": [], "summaryComponents": []}) is None


def test_parse_survives_nulls_and_missing_keys(spider):
    items = parse(spider, fixture_text("ashby/openai_jobs.json"))
    resident = items["3e8f6c71-4a5d-4f9e-a112-ad9e8f7a6b52"]
    # empty HTML: the plain text is what there is
    assert resident.description_html is None
    assert resident.description_text.startswith("A six-month residency")
    assert resident.locations == ["Remote - US"]  # secondaryLocations null
    # no workplaceType: the remote flag says it; an empty compensation gives no pay
    assert resident.extra == {"workplace": "remote", "employment_type": "Intern"}
    untitled = items["4f907d82-5b6e-4a0f-b223-be0f9a8b7c63"]
    assert untitled.title is None  # validate drops it with a reason
    assert untitled.extra["location_parts"] == [
        {"city": None, "region": None, "country": "United Kingdom"}
    ]
    assert "salary" not in untitled.extra  # compensation: null


def test_a_job_without_job_url_gets_the_public_page(tmp_path):
    registry = write_registry(tmp_path / "companies.toml", COMPANIES)
    spider = make_spider(AshbySpider, {"COMPANIES_FILE": str(registry)}, company="notion")
    assert spider.targets[0].board == "notion"  # from the careers URL
    item = spider.posting_from(spider.targets[0], board("notion")["jobs"][1])
    assert item.url == "https://jobs.ashbyhq.com/notion/8b7c6d5e-4f3a-4b2c-9d1e-0f9a8b7c6d5e"
    assert item.extra["salary"]["period"] == "1 HOUR"
    assert item.extra["salary_text"] == "$60 \u2013 $80 per hour"


def test_parse_rejects_a_response_without_jobs(spider):
    with pytest.raises(MalformedResponse):
        parse(spider, '{"success": false, "errors": ["not found"]}')
    with pytest.raises(MalformedResponse):
        parse(spider, "<!DOCTYPE html><html>Ashby</html>")


@pytest.mark.parametrize(
    ("url", "token"),
    [
        ("https://jobs.ashbyhq.com/openai", "openai"),
        ("https://jobs.ashbyhq.com/notion/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "notion"),
        ("https://jobs.ashbyhq.com/Cohere/embed?version=2", "Cohere"),
        ("https://jobs.ashbyhq.com/the%20company", "the%20company"),
        ("https://api.ashbyhq.com/posting-api/job-board/linear?includeCompensation=true", "linear"),
        ("https://www.ashbyhq.com/customers", None),
        ("https://jobs.lever.co/mistral", None),
        ("https://boards.greenhouse.io/anthropic", None),
    ],
)
def test_board_from_url(url, token):
    assert AshbySpider.board_from_url(url) == token


# --- whole crawls through a local replay server into Postgres -------------------------


def test_crawl_lands_listed_jobs_of_every_registry_company(replay, database_url, tmp_path):
    serve(replay)
    result = crawl(replay, database_url, tmp_path)
    result.assert_clean()
    assert ("GET", OPENAI + "?includeCompensation=true") in replay.requests
    assert ("GET", NOTION + "?includeCompensation=true") in replay.requests

    rows = postings(database_url)
    assert len(rows) == 5  # 3 of OpenAI's 5 (one unlisted, one untitled) + 2 of Notion's
    assert "2d7e5b60-3f4c-4e8d-9001-9c8d7e6f5a41" not in rows
    ai = rows["9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"]
    assert ai["company"] == "notion" and ai["board"] == "notion"
    assert ai["locations"] == ["San Francisco, California", "New York, New York"]
    assert "<script" not in ai["description_html"]
    assert "<h2>What You'll Achieve</h2>" in ai["description_html"]
    assert ai["posted_at"].isoformat() == "2026-10-20T21:11:45.001000+00:00"
    resident = rows["3e8f6c71-4a5d-4f9e-a112-ad9e8f7a6b52"]
    assert resident["description_html"] is None
    assert "deep learning research" in resident["description_text"]

    crawl_runs = runs(database_url)
    assert crawl_runs["openai"]["status"] == "ok" and crawl_runs["notion"]["status"] == "ok"
    assert (crawl_runs["openai"]["seen"], crawl_runs["openai"]["dropped"]) == (3, 1)


def test_a_job_that_becomes_unlisted_is_closed(replay, database_url, tmp_path):
    serve(replay)
    crawl(replay, database_url, tmp_path).assert_clean()
    hidden = board("notion")
    hidden["jobs"][1]["isListed"] = False
    serve(replay, notion=hidden)
    crawl(replay, database_url, tmp_path).assert_clean()
    rows = postings(database_url)
    assert rows["8b7c6d5e-4f3a-4b2c-9d1e-0f9a8b7c6d5e"]["closed_at"] is not None
    assert rows["9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"]["closed_at"] is None
    assert runs(database_url)["notion"]["closed"] == 1


def test_an_unknown_board_fails_and_closes_nothing(replay, database_url, tmp_path):
    serve(replay)
    crawl(replay, database_url, tmp_path).assert_clean()
    replay.add(OPENAI, '{"success": false}', status=404, query=WITH_PAY)
    result = crawl(replay, database_url, tmp_path)
    assert result.returncode == 0 and "HTTP 404" in result.log
    assert all(row["closed_at"] is None for row in postings(database_url).values())
    crawl_runs = runs(database_url)
    assert (crawl_runs["openai"]["status"], crawl_runs["openai"]["closed"]) == ("failed", 0)
    assert crawl_runs["notion"]["status"] == "ok"
