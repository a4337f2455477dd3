"""Lever: parsing of the Postings API's shape, paging, EU routing, whole crawls into Postgres."""

from __future__ import annotations

import json

import pytest
from scrapy.http import Request

from crawler.spiders.base import MalformedResponse
from crawler.spiders.lever import LeverSpider
from tests.support import (
    fake_response,
    fixture_text,
    make_spider,
    query,
    run_scrapy,
    write_registry,
)
from tests.support import latest_runs as last_runs
from tests.support import stored_postings as postings

MISTRAL = "/v0/postings/mistral"
PALANTIR = "/v0/postings/palantir"
NORDWIND_EU = "/eu/v0/postings/nordwind"  # LEVER_EU_BASE_URL is the replay server + /eu
PAGE_SIZE = 3

COMPANIES = [
    {"slug": "mistral-ai", "name": "Mistral AI", "platform": "lever", "board": "mistral",
     "careers_url": "https://jobs.lever.co/mistral"},
    {"slug": "palantir", "name": "Palantir", "platform": "lever", "board": "palantir"},
    {"slug": "nordwind", "name": "Nordwind", "platform": "lever",
     "careers_url": "https://jobs.eu.lever.co/nordwind"},
]  # fmt: skip


def page(name: str) -> list:
    return json.loads(fixture_text(f"lever/{name}.json"))


def page_query(skip: int) -> dict[str, str]:
    return {"mode": "json", "skip": str(skip), "limit": str(PAGE_SIZE)}


def serve(replay, mistral_page1=None, mistral_page2=None) -> None:
    replay.add(MISTRAL, page("mistral_page1") if mistral_page1 is None else mistral_page1,
               query=page_query(0))  # fmt: skip
    replay.add(MISTRAL, page("mistral_page2") if mistral_page2 is None else mistral_page2,
               query=page_query(3))  # fmt: skip
    replay.add(PALANTIR, page("palantir"), query=page_query(0))
    replay.add(NORDWIND_EU, page("eu_site"), query=page_query(0))


def crawl(replay, database_url, tmp_path, **settings):
    registry = write_registry(tmp_path / "companies.toml", COMPANIES)
    return run_scrapy(
        "crawl", "lever", "-a", "company=mistral-ai,palantir,nordwind",
        settings={"DATABASE_URL": database_url, "COMPANIES_FILE": registry,
                  "LEVER_BASE_URL": replay.url, "LEVER_EU_BASE_URL": replay.url + "/eu",
                  "LEVER_PAGE_SIZE": PAGE_SIZE, "RETRY_TIMES": 0, **settings},
    )  # fmt: skip


# --- parsing ------------------------------------------------------------------------


@pytest.fixture
def spider(tmp_path):
    registry = write_registry(tmp_path / "companies.toml", COMPANIES)
    return make_spider(
        LeverSpider, {"COMPANIES_FILE": str(registry), "LEVER_PAGE_SIZE": PAGE_SIZE},
        company="mistral-ai",
    )  # fmt: skip


def parse(spider, body, skip=0):
    target = spider.targets[0]
    response = fake_response(
        f"https://api.lever.co/v0/postings/mistral?mode=json&skip={skip}&limit={PAGE_SIZE}",
        body, meta={"target": target},
    )  # fmt: skip
    spider.ledger.company_started(target.company, "lever", target.board)
    spider.listing_started(target)
    return list(spider.parse_page(response, skip=skip))


def ledger_entry(spider):
    [crawl] = spider.ledger.crawls()
    return crawl


def test_parse_builds_the_description_from_description_lists_and_additional(spider):
    output = parse(spider, fixture_text("lever/mistral_page1.json"))
    items = [o for o in output if not isinstance(o, Request)]
    first = items[0]
    assert first.external_id == "7f3e1c2a-5b8d-4e21-9a6f-0c1d2e3f4a5b"
    assert (first.platform, first.board, first.company) == ("lever", "mistral", "mistral-ai")
    assert first.title == "Research Scientist, Pre-training"
    assert first.url == "https://jobs.lever.co/mistral/7f3e1c2a-5b8d-4e21-9a6f-0c1d2e3f4a5b"
    assert first.apply_url.endswith("/apply")
    assert (first.department, first.team) == ("Science", "Research")
    assert first.locations == ["Paris", "London"]
    body = first.description_html
    # the lists (left out of descriptionPlain) are in, each under its heading, in order
    assert body.index("About the role") < body.index("<h3>What you will do</h3>")
    assert "<ul><li>Design and run pre-training experiments" in body
    assert "<h3>Research &amp; engineering background</h3>" in body
    assert body.index("</ul>") < body.index("equal opportunity employer")
    assert first.description_text is None  # the HTML is the source; clean derives the text
    assert first.posted_at == 1759392000000
    assert first.extra == {
        "workplace": "hybrid",
        "employment_type": "Full-time",
        "salary": {"min": 90000, "max": 150000, "currency": "EUR", "period": "per-year-salary"},
        "salary_text": "Plus equity.",
        "country_codes": ["FR"],
    }
    # a single-location posting without allLocations; "unspecified" workplace is no value
    accountant = items[1]
    assert accountant.locations == ["New York"]
    assert accountant.extra == {"employment_type": "Full-time"}
    # an empty list section adds nothing
    last_section = "<h3>Requirements</h3><ul><li>Python, Kubernetes</li></ul>"
    assert items[2].description_html.endswith(last_section)


def test_a_full_page_asks_for_the_next_and_a_short_page_finishes(spider):
    output = parse(spider, fixture_text("lever/mistral_page1.json"))
    [next_page] = [o for o in output if isinstance(o, Request)]
    assert "skip=3&limit=3" in next_page.url
    assert next_page.cb_kwargs == {
        "skip": 3, "previous_first_id": "7f3e1c2a-5b8d-4e21-9a6f-0c1d2e3f4a5b"}  # fmt: skip
    assert next_page.meta["target"] == spider.targets[0]
    assert ledger_entry(spider).listings_finished == 0  # not finished after a full page

    output = parse(spider, fixture_text("lever/mistral_page2.json"), skip=3)
    assert not [o for o in output if isinstance(o, Request)]
    assert ledger_entry(spider).listings_finished == 1


def test_a_host_that_ignores_skip_is_not_paged_forever(spider):
    target = spider.targets[0]
    response = fake_response(
        f"https://api.lever.co{MISTRAL}?mode=json&skip=3&limit=3",
        fixture_text("lever/mistral_page1.json"), meta={"target": target},
    )  # fmt: skip
    spider.ledger.company_started(target.company, "lever", target.board)
    spider.listing_started(target)
    pages = spider.parse_page(
        response, skip=3, previous_first_id="7f3e1c2a-5b8d-4e21-9a6f-0c1d2e3f4a5b"
    )
    with pytest.raises(MalformedResponse, match="returned the previous page"):
        list(pages)
    assert ledger_entry(spider).listings_finished == 0


def test_an_empty_page_after_a_full_one_finishes(spider):
    assert parse(spider, "[]", skip=3) == []
    assert ledger_entry(spider).listings_finished == 1


def test_parse_survives_nulls_and_missing_keys(spider):
    output = parse(spider, fixture_text("lever/mistral_page2.json"), skip=3)
    untitled = output[1]
    assert untitled.title is None  # validate drops it with a reason
    assert untitled.locations == [] and untitled.department is None and untitled.team is None
    assert untitled.description_html is None and untitled.description_text is None
    assert untitled.extra == {}
    # a range with only a minimum is kept as given
    assert output[0].extra["salary"] == {"min": 120000, "max": None, "currency": "EUR",
                                         "period": "per-year-salary"}  # fmt: skip


def test_parse_rejects_a_response_that_is_not_a_list_of_postings(spider):
    with pytest.raises(MalformedResponse):
        parse(spider, fixture_text("lever/not_found.json"))
    with pytest.raises(MalformedResponse):
        parse(spider, "<html>502 Bad Gateway</html>")


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://jobs.lever.co/mistral", "mistral"),
        ("https://jobs.lever.co/palantir/5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b/apply", "palantir"),
        ("https://jobs.eu.lever.co/nordwind", "nordwind"),
        ("https://api.lever.co/v0/postings/spotify?mode=json", "spotify"),
        ("https://api.eu.lever.co/v0/postings/nordwind", "nordwind"),
        ("https://www.lever.co/customers", None),
        ("https://job-boards.greenhouse.io/anthropic", None),
        ("https://jobs.ashbyhq.com/openai", None),
    ],
)
def test_board_from_url(url, site):
    assert LeverSpider.board_from_url(url) == site


def test_eu_accounts_use_the_eu_api_host(spider):
    eu = make_spider(LeverSpider, board="https://jobs.eu.lever.co/nordwind", name="Nordwind")
    assert eu.targets[0].base_url == "https://api.eu.lever.co"
    assert eu.targets[0].board == "nordwind"
    assert spider.targets[0].base_url == "https://api.lever.co"
    # a posting listed without hostedUrl gets the EU job page
    item = eu.posting_from(eu.targets[0], page("eu_site")[0])
    assert item.url == "https://jobs.eu.lever.co/nordwind/e0e0e0e0-4444-4555-8666-c77788899900"


# --- whole crawls through a local replay server into Postgres -------------------------


def test_crawl_walks_every_page_and_lands_postings(replay, database_url, tmp_path):
    serve(replay)
    result = crawl(replay, database_url, tmp_path)
    result.assert_clean()
    assert ("GET", f"{MISTRAL}?mode=json&skip=0&limit=3") in replay.requests
    assert ("GET", f"{MISTRAL}?mode=json&skip=3&limit=3") in replay.requests
    assert ("GET", f"{NORDWIND_EU}?mode=json&skip=0&limit=3") in replay.requests
    assert not replay.unmatched

    rows = postings(database_url)
    by_company = {}
    for row in rows.values():
        by_company.setdefault(row["company"], set()).add(row["title"])
    assert by_company["mistral-ai"] == {
        "Research Scientist, Pre-training", "Senior Accountant",
        "Software Engineer Intern, Platform", "Staff Software Engineer, Inference",
    }  # fmt: skip
    assert len(by_company["palantir"]) == 2 and len(by_company["nordwind"]) == 1
    research = rows["7f3e1c2a-5b8d-4e21-9a6f-0c1d2e3f4a5b"]
    assert research["locations"] == ["Paris", "London"]
    assert "<h3>What you will do</h3>" in research["description_html"]
    assert "Write fast CUDA kernels & profile them" in research["description_text"]
    assert research["posted_at"].isoformat() == "2025-10-02T08:00:00+00:00"
    assert "<script" not in rows["a1b2c3d4-0000-4111-8222-933344455566"]["description_html"]

    runs = last_runs(database_url)
    assert {slug: run["status"] for slug, run in runs.items()} == {
        "mistral-ai": "ok", "palantir": "ok", "nordwind": "ok"}  # fmt: skip
    assert (runs["mistral-ai"]["seen"], runs["mistral-ai"]["dropped"]) == (4, 1)


def test_a_failure_on_page_two_leaves_the_company_partial_and_closes_nothing(
    replay, database_url, tmp_path
):
    serve(replay)
    crawl(replay, database_url, tmp_path).assert_clean()

    shrunk = page("mistral_page1")
    removed = shrunk.pop(1)  # gone from page 1, and page 2 fails: nothing may be closed
    serve(replay, mistral_page1=[*shrunk, page("mistral_page2")[0]])
    replay.add(MISTRAL, "<html>Internal Server Error</html>", status=500,
               content_type="text/html", query=page_query(3))  # fmt: skip
    result = crawl(replay, database_url, tmp_path)
    assert result.returncode == 0
    assert "HTTP 500" in result.log
    assert ("GET", f"{MISTRAL}?mode=json&skip=3&limit=3") in replay.requests

    rows = postings(database_url)
    assert rows[removed["id"]]["closed_at"] is None
    assert all(row["closed_at"] is None for row in rows.values())
    run = query(database_url, "SELECT * FROM crawl_runs WHERE company = 'mistral-ai' "
                              "ORDER BY id DESC LIMIT 1")[0]  # fmt: skip
    assert (run["status"], run["closed"], run["errors"]) == ("partial", 0, 1)
    assert last_runs(database_url)["palantir"]["status"] == "ok"


def test_a_posting_gone_from_a_complete_listing_is_closed(replay, database_url, tmp_path):
    serve(replay)
    crawl(replay, database_url, tmp_path).assert_clean()

    second_page = page("mistral_page2")
    removed = second_page.pop(0)
    serve(replay, mistral_page2=second_page)
    crawl(replay, database_url, tmp_path).assert_clean()
    rows = postings(database_url)
    assert rows[removed["id"]]["closed_at"] is not None
    assert sum(row["closed_at"] is None for row in rows.values()) == 6
    run = query(database_url, "SELECT * FROM crawl_runs WHERE company = 'mistral-ai' "
                              "ORDER BY id DESC LIMIT 1")[0]  # fmt: skip
    assert (run["status"], run["closed"], run["unchanged"]) == ("ok", 1, 3)


def test_unknown_site_fails_the_company(replay, database_url, tmp_path):
    serve(replay)
    replay.add(PALANTIR, fixture_text("lever/not_found.json"), status=404, query=page_query(0))
    result = crawl(replay, database_url, tmp_path)
    assert result.returncode == 0 and "HTTP 404" in result.log
    runs = last_runs(database_url)
    assert runs["palantir"]["status"] == "failed"
    assert runs["mistral-ai"]["status"] == "ok"
