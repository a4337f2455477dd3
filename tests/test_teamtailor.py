"""Teamtailor: the RSS feed's shape, its pages, and whole crawls into Postgres."""

from __future__ import annotations

import pytest

from crawler.spiders.base import MalformedResponse
from crawler.spiders.teamtailor import TeamtailorSpider, rfc822_to_iso
from tests.support import (
    fake_response,
    fixture_text,
    make_spider,
    query,
    run_scrapy,
    write_registry,
)
from tests.support import stored_postings as postings

FEED = "/jobs.rss"
RSS = "application/rss+xml"


def tibber(replay) -> dict:
    """Tibber's career site is on its own domain: here, the replay server."""
    return {"slug": "tibber", "name": "Tibber", "platform": "teamtailor", "board": "tibber",
            "careers_url": f"{replay.url}/jobs"}  # fmt: skip


def serve_tibber_in_two_pages(replay) -> None:
    replay.add(FEED, fixture_text("teamtailor/tibber_jobs_page1.rss"), query={"offset": "0"},
               content_type=RSS)  # fmt: skip
    replay.add(FEED, fixture_text("teamtailor/tibber_jobs_page2.rss"), query={"offset": "2"},
               content_type=RSS)  # fmt: skip


def crawl(replay, database_url, tmp_path, **settings):
    registry = write_registry(tmp_path / "companies.toml", [tibber(replay)])
    return run_scrapy(
        "crawl", "teamtailor", "-a", "company=tibber",
        settings={"DATABASE_URL": database_url, "COMPANIES_FILE": registry,
                  "RETRY_TIMES": 0, "TEAMTAILOR_PAGE_SIZE": 2, **settings},
    )  # fmt: skip


def last_run(database_url) -> dict:
    return query(database_url, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]


# --- parsing ------------------------------------------------------------------------


def parse(body: str, offset: int = 0, seen: frozenset[str] = frozenset(), page_size: int = 100):
    spider = make_spider(TeamtailorSpider, {"TEAMTAILOR_PAGE_SIZE": page_size}, board="lunar")
    target = spider.targets[0]
    assert target.base_url == "https://lunar.teamtailor.com"
    spider.ledger.company_started(target.company, "teamtailor", target.board)
    spider.listing_started(target)
    response = fake_response(f"{target.base_url}/jobs.rss?offset={offset}", body,
                             meta={"target": target})  # fmt: skip
    return spider, list(spider.parse_feed(response, offset=offset, seen=seen))


def test_parse_reads_the_rss_and_teamtailor_tags():
    _, items = parse(fixture_text("teamtailor/tibber_jobs_page1.rss"))
    backend, scientist = items
    assert backend.external_id == "5532101"
    assert backend.title == "Senior Backend Engineer, Smart Charging"
    assert (
        backend.url == "https://jobs.tibber.com/jobs/5532101-senior-backend-engineer-smart-charging"
    )
    assert backend.department == "Engineering" and backend.team == "Backend"
    assert backend.locations == ["Stockholm HQ", "Berlin"]
    assert backend.description_html.startswith("<p>Build the platform that shifts <strong>EV")
    assert backend.posted_at == "2026-10-14T09:00:00+02:00"
    assert backend.extra == {
        "workplace": "hybrid",
        "remote_status": "hybrid",
        "location_parts": [
            {"city": "Stockholm", "region": None, "country": "Sweden"},
            {"city": "Berlin", "region": None, "country": "Germany"},
        ],
        "role": "Backend",
    }
    assert scientist.locations == ["Oslo, Norway"]  # no tt:name: city and country
    assert scientist.team is None and scientist.extra["workplace"] == "onsite"
    assert "machine learning &amp; statistics" in scientist.description_html


def test_fully_remote_without_locations_and_missing_tags():
    _, [support] = parse(fixture_text("teamtailor/tibber_jobs_page2.rss"))
    assert support.locations == [] and support.extra["workplace"] == "remote"
    _, [engineer, compliance] = parse(fixture_text("teamtailor/lunar_jobs.rss"))
    assert engineer.extra["workplace"] == "hybrid"
    assert compliance.external_id == "6120046"  # from the link: the guid is empty
    assert compliance.description_html is None and compliance.locations == []
    assert compliance.posted_at == "not a date"  # the clean stage counts it as unparsed
    assert compliance.extra == {}


def test_a_full_page_asks_for_the_next_one():
    spider, results = parse(fixture_text("teamtailor/tibber_jobs_page1.rss"), page_size=2)
    *items, next_page = results
    assert [i.external_id for i in items] == ["5532101", "5601877"]
    assert next_page.url == "https://lunar.teamtailor.com/jobs.rss?offset=2&per_page=2"
    assert next_page.cb_kwargs["seen"] == {"5532101", "5601877"}
    crawl_state = spider.ledger.crawls()[0]
    assert crawl_state.listings_finished == 0  # not finished until the last page


def test_a_repeated_page_ends_the_listing_without_duplicates():
    page = fixture_text("teamtailor/tibber_jobs_page1.rss")
    spider, results = parse(page, offset=2, seen=frozenset({"5532101", "5601877"}), page_size=2)
    assert results == []  # the server ignored offset: nothing new, no next page
    assert spider.ledger.crawls()[0].listings_finished == 1


def test_a_page_that_is_not_a_feed_is_malformed():
    with pytest.raises(MalformedResponse):
        parse("<html><body>Career site is down</body></html>")


def test_rfc822_dates_become_iso():
    assert rfc822_to_iso("Mon, 03 Nov 2026 14:30:00 +0100") == "2026-11-03T14:30:00+01:00"
    assert rfc822_to_iso("Mon, 03 Nov 2026 14:30:00 GMT") == "2026-11-03T14:30:00+00:00"
    assert rfc822_to_iso("") is None


@pytest.mark.parametrize(
    ("url", "board"),
    [
        ("https://lunar.teamtailor.com/jobs", "lunar"),
        ("https://career.teamtailor.com/jobs/123-engineer", "career"),
        ("https://acme.na.teamtailor.com/", "acme.na"),
        ("https://app.teamtailor.com/companies/xyz", None),
        ("https://www.teamtailor.com/en/", None),
        ("https://jobs.tibber.com/jobs", None),  # own domain: the careers URL's host is used
        ("https://acme.bamboohr.com/careers", None),
    ],
)
def test_board_from_url(url, board):
    assert TeamtailorSpider.board_from_url(url) == board


def test_regional_board_keeps_its_region_in_the_host():
    spider = make_spider(TeamtailorSpider, board="acme.na")
    assert spider.targets[0].base_url == "https://acme.na.teamtailor.com"


# --- whole crawls through a local replay server into Postgres -------------------------


def test_crawl_walks_every_page(replay, database_url, tmp_path):
    serve_tibber_in_two_pages(replay)
    result = crawl(replay, database_url, tmp_path)
    result.assert_clean()
    assert replay.requests == [("GET", "/jobs.rss?offset=0&per_page=2"),
                               ("GET", "/jobs.rss?offset=2&per_page=2")]  # fmt: skip
    rows = postings(database_url)
    assert set(rows) == {"5532101", "5601877", "5710330"}
    backend = rows["5532101"]
    assert backend["department"] == "Engineering" and backend["team"] == "Backend"
    assert backend["locations"] == ["Stockholm HQ", "Berlin"]
    assert backend["posted_at"].isoformat() == "2026-10-14T07:00:00+00:00"
    assert "onerror" not in backend["description_html"]
    assert "5+ years of Kotlin or Go" in backend["description_text"]
    assert (backend["workplace"], backend["countries"]) == ("hybrid", ["SE", "DE"])
    assert rows["5710330"]["workplace"] == "remote"  # remoteStatus "fully", no locations
    run = last_run(database_url)
    assert (run["status"], run["seen"], run["new"]) == ("ok", 3, 3)


def test_a_failed_second_page_leaves_the_company_partial(replay, database_url, tmp_path):
    serve_tibber_in_two_pages(replay)
    crawl(replay, database_url, tmp_path).assert_clean()

    replay.add(FEED, "<html>502 Bad Gateway</html>", query={"offset": "2"}, status=502,
               content_type="text/html")  # fmt: skip
    result = crawl(replay, database_url, tmp_path)
    assert result.returncode == 0 and "HTTP 502" in result.log
    run = last_run(database_url)
    assert (run["status"], run["closed"]) == ("partial", 0)
    assert all(row["closed_at"] is None for row in postings(database_url).values())
