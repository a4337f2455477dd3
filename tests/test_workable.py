"""Workable: the widget API's shape, Retry-After backoff on 429, whole crawls into Postgres."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawler.middlewares.retry_after import (
    RetryAfterMiddleware,
    backoff_delay,
    retry_after_seconds,
)
from crawler.replay import Route
from crawler.spiders.base import MalformedResponse
from crawler.spiders.workable import WorkableSpider
from tests.support import (
    fake_response,
    fixture_text,
    make_spider,
    run_scrapy,
    write_registry,
)
from tests.support import latest_runs as runs
from tests.support import stored_postings as postings

HUGGINGFACE = "/api/v1/widget/accounts/huggingface"
CLOUDFACTORY = "/api/v1/widget/accounts/cloudfactory"
COMPANIES = [
    {"slug": "hugging-face", "name": "Hugging Face", "platform": "workable",
     "board": "huggingface"},
    {"slug": "cloudfactory", "name": "CloudFactory", "platform": "workable",
     "careers_url": "https://apply.workable.com/cloudfactory/"},
]  # fmt: skip


@dataclass
class FirstTimesRoute(Route):
    """A route that answers only its first ``times`` matching requests."""

    times: int = 1

    def matches(self, *args: Any, **kwargs: Any) -> bool:
        if self.times > 0 and super().matches(*args, **kwargs):
            self.times -= 1
            return True
        return False


def serve_accounts(replay, huggingface=None) -> None:
    body = huggingface if huggingface is not None else fixture_text(
        "workable/huggingface_account.json"
    )  # fmt: skip
    replay.add(HUGGINGFACE, body, query={"details": "true"})
    replay.add(CLOUDFACTORY, fixture_text("workable/cloudfactory_account.json"),
               query={"details": "true"})  # fmt: skip


def crawl(replay, database_url, tmp_path, **settings):
    registry = write_registry(tmp_path / "companies.toml", COMPANIES)
    return run_scrapy(
        "crawl", "workable", "-a", "company=hugging-face,cloudfactory",
        settings={"DATABASE_URL": database_url, "WORKABLE_BASE_URL": replay.url,
                  "COMPANIES_FILE": registry, "DOWNLOAD_DELAY": 0, "RETRY_TIMES": 0,
                  **settings},
    )  # fmt: skip


# --- parsing ------------------------------------------------------------------------


def parse(body: str) -> list:
    spider = make_spider(WorkableSpider, board="huggingface", name="Hugging Face")
    target = spider.targets[0]
    spider.ledger.company_started(target.company, "workable", target.board)
    spider.listing_started(target)
    response = fake_response(
        f"https://apply.workable.com{HUGGINGFACE}?details=true", body, meta={"target": target}
    )
    return list(spider.parse_account(response))


def test_a_job_listed_once_per_location_becomes_one_posting_with_every_location():
    items = {i.external_id: i for i in parse(fixture_text("workable/huggingface_account.json"))}
    assert list(items) == ["A1B2C3D4E5", "F6G7H8J9K0", "L1M2N3P4Q5", "R6S7T8U9V0"]
    llm = items["A1B2C3D4E5"]
    assert llm.title == "Machine Learning Engineer, Open-Source LLMs"
    assert llm.locations == ["Paris, Île-de-France, France", "New York, New York, United States"]
    assert llm.url == "https://apply.workable.com/j/A1B2C3D4E5"
    assert llm.apply_url == "https://apply.workable.com/j/A1B2C3D4E5/apply"
    assert llm.department == "Engineering"
    assert llm.posted_at == "2026-10-01"
    assert llm.description_html.startswith("<p>Help the community fine-tune")
    assert llm.extra["workplace"] == "remote"
    assert llm.extra["employment_type"] == "Full-time"
    assert llm.extra["seniority"] == "Mid-Senior level"
    assert llm.extra["country_codes"] == ["FR", "US"]
    assert llm.extra["location_parts"] == [
        {"city": "Paris", "region": "Île-de-France", "country": "France"},
        {"city": "New York", "region": "New York", "country": "United States"},
    ]


def test_hidden_locations_nulls_and_missing_keys():
    items = {i.external_id: i for i in parse(fixture_text("workable/huggingface_account.json"))}
    advocate = items["F6G7H8J9K0"]
    assert advocate.locations == ["Berlin, Germany"]  # Munich is hidden on the job page
    assert advocate.extra["workplace"] == "hybrid"  # workplace_type, where the account has it
    assert "workplace" not in items["L1M2N3P4Q5"].extra  # telecommuting false says nothing
    office = items["L1M2N3P4Q5"]  # no locations list, null urls and dates
    assert office.locations == ["Paris, France"]
    assert office.url == "https://apply.workable.com/huggingface/j/L1M2N3P4Q5/"
    assert office.apply_url is None and office.department is None
    assert office.description_html is None
    assert office.posted_at == "2026-11-20"  # created_at when published_on is null
    intern = items["R6S7T8U9V0"]
    assert intern.locations == [] and intern.extra["workplace"] == "remote"


def test_parse_rejects_a_response_without_jobs():
    with pytest.raises(MalformedResponse):
        parse('{"error": "Not found"}')
    with pytest.raises(MalformedResponse):
        parse("<html>Just a moment...</html>")


@pytest.mark.parametrize(
    ("url", "account"),
    [
        ("https://apply.workable.com/huggingface/", "huggingface"),
        ("https://apply.workable.com/huggingface/j/A1B2C3D4E5/", "huggingface"),
        ("https://apply.workable.com/api/v1/widget/accounts/cloudfactory?details=true",
         "cloudfactory"),
        ("https://www.workable.com/api/accounts/subscript?details=true", "subscript"),
        ("https://apply.workable.com/api/v3/accounts/blueground/jobs", "blueground"),
        ("https://blueground.workable.com/", "blueground"),
        ("https://apply.workable.com/j/A1B2C3D4E5", None),
        ("https://www.workable.com/careers", None),
        ("https://apply.workable.com/embed/v1/js/embed.js", None),
        ("https://assets.workable.com/widget.js", None),
        ("https://jobs.workable.com/search?query=python", None),
        ("https://boards.greenhouse.io/anthropic", None),
    ],
)  # fmt: skip
def test_board_from_url(url, account):
    assert WorkableSpider.board_from_url(url) == account


# --- rate limits ----------------------------------------------------------------------


def test_workable_adds_the_backoff_middleware_and_leaves_429_to_it():
    settings = get_crawler(WorkableSpider).settings
    assert settings.getdict("DOWNLOADER_MIDDLEWARES")[RetryAfterMiddleware] == 560
    assert 429 not in settings.getlist("RETRY_HTTP_CODES")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1


def test_retry_after_header_in_seconds_or_as_a_date():
    now = datetime(2026, 11, 26, 20, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds(b" 0 ") == 0
    assert retry_after_seconds("Thu, 26 Nov 2026 20:00:30 GMT", now=now) == 30
    assert retry_after_seconds("Thu, 26 Nov 2026 19:00:00 GMT", now=now) == 0  # past
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_backoff_doubles_without_retry_after_and_is_capped():
    assert [backoff_delay(None, n, 2.0, 60.0) for n in range(6)] == [2, 4, 8, 16, 32, 60]
    assert backoff_delay(300.0, 0, 2.0, 60.0) == 60  # the server's wish, capped
    assert backoff_delay(5.0, 3, 2.0, 60.0) == 5


# --- whole crawls through a local replay server into Postgres -------------------------


def test_crawl_stores_one_posting_per_job(replay, database_url, tmp_path):
    serve_accounts(replay)
    result = crawl(replay, database_url, tmp_path)
    result.assert_clean()
    assert ("GET", HUGGINGFACE + "?details=true") in replay.requests
    assert ("GET", CLOUDFACTORY + "?details=true") in replay.requests
    rows = postings(database_url)
    assert len(rows) == 6
    llm = rows["A1B2C3D4E5"]
    assert llm["company"] == "hugging-face" and llm["board"] == "huggingface"
    assert llm["locations"] == ["Paris, Île-de-France, France",
                                "New York, New York, United States"]  # fmt: skip
    assert "onclick" not in llm["description_html"]
    assert "Build training recipes with PyTorch and RLHF" in llm["description_text"]
    assert llm["posted_at"].isoformat() == "2026-10-01T00:00:00+00:00"
    # the platform's raw values, normalized by the enrichment stages
    assert (llm["workplace"], llm["employment_type"]) == ("remote", "full_time")
    assert llm["countries"] == ["FR", "US"]
    assert rows["CF1000AA02"]["company"] == "cloudfactory"
    crawl_runs = runs(database_url)
    assert crawl_runs["hugging-face"]["status"] == "ok"
    assert (crawl_runs["hugging-face"]["seen"], crawl_runs["hugging-face"]["new"]) == (4, 4)
    assert crawl_runs["cloudfactory"]["status"] == "ok"


def test_a_429_is_retried_after_the_wait_the_server_asks(replay, database_url, tmp_path):
    serve_accounts(replay)
    replay.routes.insert(0, FirstTimesRoute(
        path=HUGGINGFACE, body=fixture_text("workable/rate_limited.json").encode(),
        status=429, headers={"Retry-After": "1"},
    ))  # fmt: skip
    result = crawl(replay, database_url, tmp_path, RETRY_TIMES=2)
    result.assert_clean()
    assert replay.requests.count(("GET", HUGGINGFACE + "?details=true")) == 2
    assert "waiting 1.0s before retrying" in result.log
    assert "'retry_after/count': 1" in result.log
    assert runs(database_url)["hugging-face"]["status"] == "ok"
    assert len(postings(database_url)) == 6


def test_an_account_that_stays_rate_limited_fails_and_closes_nothing(
    replay, database_url, tmp_path
):
    serve_accounts(replay)
    crawl(replay, database_url, tmp_path).assert_clean()

    replay.add(HUGGINGFACE, fixture_text("workable/rate_limited.json"), status=429)
    result = crawl(replay, database_url, tmp_path, RETRY_TIMES=1, RETRY_AFTER_BASE_DELAY=0.2)
    assert result.returncode == 0
    assert replay.requests.count(("GET", HUGGINGFACE + "?details=true")) == 3  # 1 + 1 + 1 retry
    assert "HTTP 429" in result.log
    assert runs(database_url)["hugging-face"]["status"] == "failed"
    assert all(row["closed_at"] is None for row in postings(database_url).values())


def test_a_job_gone_from_a_complete_crawl_is_closed(replay, database_url, tmp_path):
    serve_accounts(replay)
    crawl(replay, database_url, tmp_path).assert_clean()
    account = json.loads(fixture_text("workable/huggingface_account.json"))
    account["jobs"] = [j for j in account["jobs"] if j["shortcode"] != "F6G7H8J9K0"]
    del account["jobs"][-1]["title"]  # one that turns malformed is kept open
    serve_accounts(replay, huggingface=account)
    crawl(replay, database_url, tmp_path).assert_clean()
    rows = postings(database_url)
    assert rows["F6G7H8J9K0"]["closed_at"] is not None
    assert rows["R6S7T8U9V0"]["closed_at"] is None
    assert rows["A1B2C3D4E5"]["closed_at"] is None
    assert runs(database_url)["hugging-face"]["closed"] == 1
