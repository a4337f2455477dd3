"""Personio: the XML feed's shape, tenant hosts, and whole crawls into Postgres."""

from __future__ import annotations

import pytest

from crawler.spiders.base import MalformedResponse
from crawler.spiders.personio import PersonioSpider
from tests.support import (
    fake_response,
    fixture_text,
    make_spider,
    run_scrapy,
    write_registry,
)
from tests.support import latest_runs as runs
from tests.support import stored_postings as postings

FEED = "/xml"


def crawl(replay, database_url, tmp_path, companies, **settings):
    registry = write_registry(tmp_path / "companies.toml", companies)
    slugs = ",".join(c["slug"] for c in companies)
    return run_scrapy(
        "crawl", "personio", "-a", f"company={slugs}",
        settings={"DATABASE_URL": database_url, "COMPANIES_FILE": registry,
                  "RETRY_TIMES": 0, **settings},
    )  # fmt: skip


def knime(replay) -> dict:
    """KNIME, its careers URL on the replay server (the careers URL's host wins)."""
    return {"slug": "knime", "name": "KNIME", "platform": "personio", "board": "knime",
            "careers_url": f"{replay.url}/"}  # fmt: skip


# --- parsing ------------------------------------------------------------------------


def parse(body: str) -> list:
    spider = make_spider(PersonioSpider, board="knime", name="KNIME")
    target = spider.targets[0]
    assert target.base_url == "https://knime.jobs.personio.de"
    spider.ledger.company_started(target.company, "personio", target.board)
    spider.listing_started(target)
    response = fake_response(f"{target.base_url}/xml?language=en", body, meta={"target": target})
    return list(spider.parse_feed(response))


def test_parse_reads_every_field_and_joins_the_description_sections():
    items = {i.external_id: i for i in parse(fixture_text("personio/knime_feed.xml"))}
    assert list(items) == ["1834207", "1901122", "1920001", "1920002"]
    engineer = items["1834207"]
    assert engineer.title == "Senior Software Engineer - AI Extensions (m/f/d)"
    assert engineer.url == "https://knime.jobs.personio.de/job/1834207"
    assert engineer.department == "Engineering"
    assert engineer.locations == ["Konstanz", "Berlin", "Konstanz"]  # the clean stage dedupes
    assert engineer.posted_at == "2026-10-14T09:31:05+00:00"
    html = engineer.description_html
    assert html.startswith("<h3>Your mission</h3>\n<p>Build the <strong>KNIME AI extension")
    assert "<h3>Your profile</h3>\n<ul><li>5+ years" in html
    assert "Why us?" not in html  # an empty section adds no heading
    assert engineer.extra == {
        "employment_type": "full-time",  # permanent: the schedule says more
        "seniority": "experienced",
        "contract_type": "permanent",
        "schedule": "full-time",
        "years_of_experience": "5-7",
        "keywords": "Java,Python,LLM",
        "occupation": "software_and_web_development",
        "occupation_category": "it_software",
        "recruiting_category": "Software Development",
        "subcompany": "KNIME GmbH",
    }
    student = items["1901122"]
    assert student.extra["employment_type"] == "working_student"
    assert student.posted_at == "2026-11-02T13:00:00+0100"  # no-colon offset, left to clean
    assert "data science workflows &amp; machine learning" in student.description_html


def test_empty_elements_are_missing_values_not_errors():
    items = {i.external_id: i for i in parse(fixture_text("personio/knime_feed.xml"))}
    open_application = items["1920001"]
    assert open_application.locations == []
    assert open_application.department is None
    assert open_application.description_html is None
    assert open_application.posted_at is None
    assert open_application.extra == {}
    assert items["1920002"].title is None  # blank name: validation drops it


def test_an_empty_feed_is_a_company_with_no_jobs():
    assert parse(fixture_text("personio/empty_feed.xml")) == []


def test_a_page_that_is_not_the_feed_is_malformed():
    with pytest.raises(MalformedResponse):
        parse(fixture_text("personio/not_found.html"))
    with pytest.raises(MalformedResponse):
        parse('{"error": "feed disabled"}')


@pytest.mark.parametrize(
    ("url", "board"),
    [
        ("https://knime.jobs.personio.de/", "knime"),
        ("https://knime.jobs.personio.de/job/1834207?language=en", "knime"),
        ("https://stark.jobs.personio.com/xml", "stark"),
        ("https://Personio.jobs.personio.de", "personio"),
        ("https://knime.personio.de/login", None),  # the HR sign-in, not the job page
        ("https://www.personio.de/karriere/", None),
        ("https://jobs.lever.co/mistral", None),
    ],
)
def test_board_from_url(url, board):
    assert PersonioSpider.board_from_url(url) == board


def test_careers_url_host_wins_over_the_template():
    spider = make_spider(PersonioSpider, board="https://stark.jobs.personio.com/", name="Stark")
    [target] = spider.targets
    assert (target.board, target.base_url) == ("stark", "https://stark.jobs.personio.com")


# --- whole crawls through a local replay server into Postgres -------------------------


def test_crawl_stores_the_feed(replay, database_url, tmp_path):
    replay.add(FEED, fixture_text("personio/knime_feed.xml"), query={"language": "en"},
               content_type="text/xml")  # fmt: skip
    result = crawl(replay, database_url, tmp_path, [knime(replay)])
    result.assert_clean()
    assert replay.requests == [("GET", "/xml?language=en")]
    rows = postings(database_url)
    assert set(rows) == {"1834207", "1901122", "1920001"}  # the blank title was dropped
    engineer = rows["1834207"]
    assert engineer["url"] == f"{replay.url}/job/1834207"
    assert engineer["locations"] == ["Konstanz", "Berlin"]
    assert "<script" not in engineer["description_html"]
    assert "Experience with LangChain or the OpenAI API is a plus" in engineer["description_text"]
    assert rows["1901122"]["posted_at"].isoformat() == "2026-11-02T12:00:00+00:00"
    assert engineer["employment_type"] == "full_time"  # "permanent" + "full-time"
    assert engineer["countries"] == ["DE"]
    run = runs(database_url)["knime"]
    assert (run["status"], run["seen"], run["dropped"]) == ("ok", 3, 1)
    assert "'jobs/dropped/missing_title': 1" in result.log


def test_a_feed_now_empty_closes_the_jobs(replay, database_url, tmp_path):
    replay.add(FEED, fixture_text("personio/knime_feed.xml"), content_type="text/xml")
    crawl(replay, database_url, tmp_path, [knime(replay)]).assert_clean()
    replay.add(FEED, fixture_text("personio/empty_feed.xml"), content_type="text/xml")
    crawl(replay, database_url, tmp_path, [knime(replay)]).assert_clean()
    assert all(row["closed_at"] is not None for row in postings(database_url).values())
    assert runs(database_url)["knime"]["status"] == "ok"


def test_a_missing_or_broken_feed_fails_and_closes_nothing(replay, database_url, tmp_path):
    replay.add(FEED, fixture_text("personio/knime_feed.xml"), content_type="text/xml")
    crawl(replay, database_url, tmp_path, [knime(replay)]).assert_clean()

    replay.add(FEED, fixture_text("personio/not_found.html"), status=404,
               content_type="text/html")  # fmt: skip
    result = crawl(replay, database_url, tmp_path, [knime(replay)])
    assert result.returncode == 0 and "HTTP 404" in result.log
    assert runs(database_url)["knime"]["status"] == "failed"

    replay.add(FEED, fixture_text("personio/not_found.html"), content_type="text/html")
    result = crawl(replay, database_url, tmp_path, [knime(replay)])
    assert "MalformedResponse" in result.log
    assert runs(database_url)["knime"]["status"] == "failed"
    assert all(row["closed_at"] is None for row in postings(database_url).values())
