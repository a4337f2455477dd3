"""Recruitee: parsing of the Careers Site API's shape, per-tenant hosts, whole crawls."""

from __future__ import annotations

import json

import pytest

from crawler.replay import ReplayServer
from crawler.spiders.base import MalformedResponse
from crawler.spiders.recruitee import RecruiteeSpider, iso_timestamp
from tests.support import (
    fake_response,
    fixture_text,
    make_spider,
    run_scrapy,
    write_registry,
)
from tests.support import latest_runs as runs
from tests.support import stored_postings as postings

OFFERS = "/api/offers/"


def offers(name: str) -> dict:
    return json.loads(fixture_text(f"recruitee/{name}_offers.json"))


@pytest.fixture
def custom_domain():
    """A second careers host: Vandebron's offers on its own (custom) domain."""
    with ReplayServer() as server:
        server.add(OFFERS, offers("vandebron"))
        yield server


def companies(bunq_host: str, vandebron_host: str) -> list[dict]:
    return [
        {"slug": "bunq", "name": "bunq", "platform": "recruitee", "board": "bunq",
         "careers_url": bunq_host + "/"},
        # a custom careers domain: no board token, the careers URL alone
        {"slug": "vandebron", "name": "Vandebron", "platform": "recruitee",
         "careers_url": vandebron_host},
    ]  # fmt: skip


def crawl(replay, custom_domain, database_url, tmp_path, **settings):
    registry = write_registry(tmp_path / "companies.toml", companies(replay.url, custom_domain.url))
    return run_scrapy(
        "crawl", "recruitee",
        settings={"DATABASE_URL": database_url, "COMPANIES_FILE": registry,
                  "RETRY_TIMES": 0, **settings},
    )  # fmt: skip


# --- parsing ------------------------------------------------------------------------


@pytest.fixture
def spider():
    return make_spider(RecruiteeSpider, board="bunq", name="bunq")


def parse(spider, body):
    target = spider.targets[0]
    response = fake_response(f"{target.base_url}{OFFERS}", body, meta={"target": target})
    spider.ledger.company_started(target.company, "recruitee", target.board)
    spider.listing_started(target)
    return {item.external_id: item for item in spider.parse_offers(response)}


def test_parse_reads_every_field(spider):
    items = parse(spider, fixture_text("recruitee/bunq_offers.json"))
    assert list(items) == ["2104331", "2119870", "2120004", "2121500"]
    ml = items["2104331"]
    assert (ml.platform, ml.board, ml.company) == ("recruitee", "bunq", "bunq")
    assert ml.title == "Machine Learning Engineer - Fraud"
    assert ml.url == "https://bunq.recruitee.com/o/machine-learning-engineer-fraud"
    assert ml.apply_url.endswith("/c/new")
    assert ml.department == "Engineering"
    assert ml.locations == ["Amsterdam HQ"]
    # description, then requirements
    assert ml.description_html.startswith("<p><strong>Why bunq?</strong>")
    assert ml.description_html.endswith("<li>Python and SQL</li></ul>")
    assert ml.posted_at == "2026-11-02T10:12:00+00:00"
    assert ml.source_updated_at == "2026-11-20T09:41:07+00:00"
    assert ml.extra == {
        "workplace": "hybrid",
        "employment_type": "fulltime_permanent",
        "seniority": "mid_level",
        "salary": {"min": 5500.0, "max": 7500.0, "currency": "EUR", "period": "month"},
        "country_codes": ["NL"],
        "location_parts": [{"city": "Amsterdam", "region": "North Holland",
                            "country": "Netherlands"}],
        "hours_per_week": {"min": 40, "max": 40},
    }  # fmt: skip


def test_parse_survives_nulls_and_missing_keys(spider):
    items = parse(spider, fixture_text("recruitee/bunq_offers.json"))
    support = items["2119870"]
    assert support.locations == ["Amsterdam, Netherlands", "Madrid, Community of Madrid, Spain"]
    assert support.extra["country_codes"] == ["NL", "ES"]  # "es" as sent, upper-cased
    assert support.extra["workplace"] == "remote"
    assert "salary" not in support.extra  # salary: null
    assert support.department is None
    assert support.description_html.startswith("<p>Help our users")  # empty requirements

    untitled = items["2120004"]
    assert untitled.title == ""  # validate drops it with a reason
    assert untitled.locations == [] and "salary" not in untitled.extra
    assert untitled.posted_at == "2026-11-21T12:00:00+00:00"  # created_at when unpublished

    backend = items["2121500"]
    # no careers_url: the offer page on the careers host; no locations list: the offer's line
    assert backend.url == "https://bunq.recruitee.com/o/senior-backend-engineer-payments"
    assert backend.locations == ["Amsterdam, Netherlands"]
    assert backend.extra["salary"] == {"min": 7000.0, "max": None, "currency": "EUR",
                                       "period": "month"}  # fmt: skip
    assert backend.extra["workplace"] == "on-site"
    assert "hours_per_week" not in backend.extra


def test_offers_that_are_not_published_are_skipped(spider):
    data = offers("bunq")
    data["offers"][0]["status"] = "closed"
    items = parse(spider, json.dumps(data))
    assert "2104331" not in items and len(items) == 3
    assert spider.crawler.stats.get_value("jobs/skipped/not_published") == 1


def test_parse_rejects_a_response_without_offers(spider):
    with pytest.raises(MalformedResponse):
        parse(spider, '{"error": "Not found"}')
    with pytest.raises(MalformedResponse):
        parse(spider, "<html><title>Careers</title></html>")


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2026-11-02 10:12:00 UTC", "2026-11-02T10:12:00+00:00"),
        ("2026-11-02T10:12:00.000Z", "2026-11-02T10:12:00.000Z"),
        (None, None),
    ],
)
def test_iso_timestamp(value, iso):
    assert iso_timestamp(value) == iso


@pytest.mark.parametrize(
    ("url", "board"),
    [
        ("https://bunq.recruitee.com", "bunq"),
        ("https://bunq.recruitee.com/o/machine-learning-engineer-fraud", "bunq"),
        ("https://Vandebron.recruitee.com/api/offers/", "vandebron"),
        ("https://www.recruitee.com/", None),
        ("https://docs.recruitee.com/reference/intro", None),
        ("https://careers.vandebron.nl/", None),
        ("https://bunq.recruitee.com.evil.example/", None),
        ("https://jobs.lever.co/mistral", None),
    ],
)
def test_board_from_url(url, board):
    assert RecruiteeSpider.board_from_url(url) == board


def test_hosts_come_from_the_board_or_the_careers_url():
    assert make_spider(RecruiteeSpider, board="bunq").targets[0].base_url == (
        "https://bunq.recruitee.com"
    )
    custom = make_spider(RecruiteeSpider, board="https://careers.acme.example/jobs", name="Acme")
    [target] = custom.targets
    assert target.base_url == "https://careers.acme.example"
    assert target.board == "https://careers.acme.example/jobs"  # no token: the URL is the board


# --- whole crawls through local replay servers into Postgres --------------------------


def test_crawl_fetches_each_company_from_its_own_host(replay, custom_domain, database_url,
                                                      tmp_path):  # fmt: skip
    replay.add(OFFERS, offers("bunq"))
    result = crawl(replay, custom_domain, database_url, tmp_path)
    result.assert_clean()
    assert ("GET", OFFERS) in replay.requests
    assert ("GET", OFFERS) in custom_domain.requests

    rows = postings(database_url)
    assert {r["external_id"] for r in rows.values() if r["company"] == "bunq"} == {
        "2104331", "2119870", "2121500"}  # fmt: skip
    assert {r["title"] for r in rows.values() if r["company"] == "vandebron"} == {
        "Data Engineer", "Energy Trader"}  # fmt: skip
    ml = rows["2104331"]
    assert ml["posted_at"].isoformat() == "2026-11-02T10:12:00+00:00"
    assert "Python and SQL" in ml["description_text"]
    assert "<script" not in rows["2119870"]["description_html"]
    assert rows["1988120"]["board"] == custom_domain.url  # a custom domain is its own board

    crawl_runs = runs(database_url)
    assert crawl_runs["bunq"]["status"] == "ok" and crawl_runs["vandebron"]["status"] == "ok"
    assert (crawl_runs["bunq"]["seen"], crawl_runs["bunq"]["dropped"]) == (3, 1)


def test_a_withdrawn_offer_is_closed_and_a_broken_host_closes_nothing(
    replay, custom_domain, database_url, tmp_path
):
    replay.add(OFFERS, offers("bunq"))
    crawl(replay, custom_domain, database_url, tmp_path).assert_clean()

    fewer = offers("bunq")
    fewer["offers"] = [o for o in fewer["offers"] if o["id"] != 2121500]
    replay.add(OFFERS, fewer)
    custom_domain.add(OFFERS, "<html>Bad gateway</html>", status=502, content_type="text/html")
    result = crawl(replay, custom_domain, database_url, tmp_path)
    assert result.returncode == 0 and "HTTP 502" in result.log

    rows = postings(database_url)
    assert rows["2121500"]["closed_at"] is not None
    assert rows["1988120"]["closed_at"] is None and rows["1990455"]["closed_at"] is None
    crawl_runs = runs(database_url)
    assert (crawl_runs["bunq"]["status"], crawl_runs["bunq"]["closed"]) == ("ok", 1)
    assert (crawl_runs["vandebron"]["status"], crawl_runs["vandebron"]["closed"]) == ("failed", 0)
