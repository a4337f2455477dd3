"""BambooHR: the careers list and job details, and whole crawls into Postgres."""

from __future__ import annotations

import json

import pytest

from crawler.spiders.bamboohr import BambooHRSpider
from crawler.spiders.base import MalformedResponse
from tests.support import (
    fake_response,
    fixture_text,
    make_spider,
    query,
    run_scrapy,
    write_registry,
)
from tests.support import stored_postings as postings

LIST = "/careers/list"
JOB_IDS = ("412", "415", "419")


def g2(replay) -> dict:
    return {"slug": "g2", "name": "G2", "platform": "bamboohr", "board": "g2",
            "careers_url": f"{replay.url}/careers"}  # fmt: skip


def serve_g2(replay, listing=None) -> None:
    replay.add(LIST, listing if listing is not None else fixture_text("bamboohr/g2_list.json"))
    for job_id in JOB_IDS:
        replay.add(f"/careers/{job_id}/detail", fixture_text(f"bamboohr/g2_detail_{job_id}.json"))


def crawl(replay, database_url, tmp_path, **settings):
    registry = write_registry(tmp_path / "companies.toml", [g2(replay)])
    return run_scrapy(
        "crawl", "bamboohr", "-a", "company=g2",
        settings={"DATABASE_URL": database_url, "COMPANIES_FILE": registry,
                  "RETRY_TIMES": 0, **settings},
    )  # fmt: skip


def last_run(database_url) -> dict:
    return query(database_url, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]


# --- parsing ------------------------------------------------------------------------


@pytest.fixture
def spider():
    spider = make_spider(BambooHRSpider, board="g2", name="G2")
    target = spider.targets[0]
    assert target.base_url == "https://g2.bamboohr.com"
    spider.ledger.company_started(target.company, "bamboohr", target.board)
    spider.listing_started(target)
    return spider


def parse_list(spider, body: str) -> list:
    target = spider.targets[0]
    response = fake_response(f"{target.base_url}{LIST}", body, meta={"target": target})
    return list(spider.parse_list(response))


def parse_detail(spider, request):
    target = spider.targets[0]
    job_id = request.cb_kwargs["listed"]["id"]
    body = fixture_text(f"bamboohr/g2_detail_{job_id}.json")
    response = fake_response(request.url, body, meta={"target": target})
    [item] = spider.parse_detail(response, **request.cb_kwargs)
    return item


def test_the_list_asks_for_each_detail_and_skips_entries_without_id(spider):
    requests = parse_list(spider, fixture_text("bamboohr/g2_list.json"))
    assert [r.url for r in requests] == [
        f"https://g2.bamboohr.com/careers/{job_id}/detail" for job_id in JOB_IDS
    ]
    assert spider.crawler.stats.get_value("jobs/dropped/no_id_in_list") == 1
    assert spider.ledger.crawls()[0].listings_finished == 1


def test_a_posting_joins_the_list_entry_and_its_detail(spider):
    requests = parse_list(spider, fixture_text("bamboohr/g2_list.json"))
    search, sales, intern = (parse_detail(spider, r) for r in requests)
    assert search.external_id == "412"
    assert search.title == "Senior Software Engineer, AI Search"
    assert search.url == search.apply_url == "https://g2.bamboohr.com/careers/412"
    assert search.department == "Engineering"
    assert search.locations == ["Chicago, Illinois, United States"]
    assert search.posted_at == "2026-11-02"
    assert search.description_html.startswith("<p>Build <strong>LLM-powered search</strong>")
    assert search.extra == {
        "workplace": "hybrid",
        "employment_type": "Full-Time",
        "seniority": "Senior Level",
        "salary_text": "$165,000 - $210,000 per year",
        "location_parts": [{"city": "Chicago", "region": "Illinois", "country": "United States"}],
    }
    # no share URL: the job page is built; no location at all, remote
    assert sales.url == "https://g2.bamboohr.com/careers/415"
    assert sales.locations == [] and sales.extra["workplace"] == "remote"
    assert "salary_text" not in sales.extra
    assert intern.locations == ["Bengaluru, Karnataka, India"]  # province for the region
    assert intern.department is None and intern.description_html is None
    assert intern.posted_at is None
    assert intern.extra["workplace"] == "onsite" and intern.extra["seniority"] == "Entry-level"


def test_malformed_list_and_detail(spider):
    with pytest.raises(MalformedResponse):
        parse_list(spider, '{"meta": {"totalCount": 0}}')
    with pytest.raises(MalformedResponse):
        parse_list(spider, "<!DOCTYPE html><html>Careers</html>")
    response = fake_response("https://g2.bamboohr.com/careers/412/detail",
                             '{"meta": {}, "result": null}',
                             meta={"target": spider.targets[0]})  # fmt: skip
    with pytest.raises(MalformedResponse):
        list(spider.parse_detail(response, listed={"id": "412"}))


@pytest.mark.parametrize(
    ("url", "board"),
    [
        ("https://g2.bamboohr.com/careers", "g2"),
        ("https://g2.bamboohr.com/careers/412", "g2"),
        ("https://Atlas.bamboohr.com/jobs/embed2.php?departmentId=0", "atlas"),
        ("https://www.bamboohr.com/careers/", None),
        ("https://g2.bamboohr.com/js/embed.js", "g2"),  # the careers embed script
        ("https://static.bamboohr.com/x.css", None),
        ("https://api.bamboohr.com/api/gateway.php/acme/v1/applicant_tracking/jobs", None),
        ("https://lunar.teamtailor.com/jobs", None),
    ],
)
def test_board_from_url(url, board):
    assert BambooHRSpider.board_from_url(url) == board


# --- whole crawls through a local replay server into Postgres -------------------------


def test_crawl_stores_postings_from_their_details(replay, database_url, tmp_path):
    serve_g2(replay)
    result = crawl(replay, database_url, tmp_path)
    result.assert_clean()
    assert ("GET", LIST) in replay.requests
    for job_id in JOB_IDS:
        assert ("GET", f"/careers/{job_id}/detail") in replay.requests
    rows = postings(database_url)
    assert set(rows) == set(JOB_IDS)
    search = rows["412"]
    assert search["url"] == "https://g2.bamboohr.com/careers/412"
    assert "<iframe" not in search["description_html"]
    assert "Experience with embeddings and vector search" in search["description_text"]
    assert search["posted_at"].isoformat() == "2026-11-02T00:00:00+00:00"
    assert (search["workplace"], search["countries"]) == ("hybrid", ["US"])  # locationType "2"
    assert (search["salary_min"], search["salary_max"], search["salary_currency"]) == (
        165000,
        210000,
        "USD",
    )  # from the compensation text
    assert rows["419"]["employment_type"] == "internship"
    assert rows["415"]["url"] == f"{replay.url}/careers/415"  # built on the tenant's host
    run = last_run(database_url)
    assert (run["status"], run["seen"], run["new"]) == ("ok", 3, 3)


def test_a_failed_detail_leaves_the_company_partial(replay, database_url, tmp_path):
    serve_g2(replay)
    crawl(replay, database_url, tmp_path).assert_clean()

    replay.add("/careers/415/detail", '{"error": "Internal Server Error"}', status=500)
    result = crawl(replay, database_url, tmp_path)
    assert result.returncode == 0 and "HTTP 500" in result.log
    run = last_run(database_url)
    assert (run["status"], run["closed"]) == ("partial", 0)
    assert all(row["closed_at"] is None for row in postings(database_url).values())


def test_a_job_gone_from_the_list_is_closed(replay, database_url, tmp_path):
    serve_g2(replay)
    crawl(replay, database_url, tmp_path).assert_clean()
    listing = json.loads(fixture_text("bamboohr/g2_list.json"))
    listing["result"] = [job for job in listing["result"] if job["id"] != "419"]
    serve_g2(replay, listing=listing)
    crawl(replay, database_url, tmp_path).assert_clean()
    rows = postings(database_url)
    assert rows["419"]["closed_at"] is not None
    assert rows["412"]["closed_at"] is None and rows["415"]["closed_at"] is None
    assert last_run(database_url)["status"] == "ok"
