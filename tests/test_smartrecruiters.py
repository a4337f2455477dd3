"""SmartRecruiters: the Posting API's list and detail shapes, offset pagination, and
whole crawls through a replay server into Postgres."""

from __future__ import annotations

import copy
import json

import pytest
from scrapy.http import Request

from crawler.spiders.smartrecruiters import SmartRecruitersSpider, salary_of
from tests.support import fake_response, fixture_text, make_spider, query, run_scrapy
from tests.support import stored_postings as postings

VISA = "/v1/companies/Visa/postings"
BOSCH = "/v1/companies/BoschGroup/postings"
ML_ENGINEER = "744000091202311"
FAST = {"RETRY_TIMES": 0, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}


def fixture_json(name: str) -> dict:
    return json.loads(fixture_text(f"smartrecruiters/{name}"))


# --- parsing ------------------------------------------------------------------------


@pytest.fixture
def spider():
    spider = make_spider(SmartRecruitersSpider, board="Visa")
    target = spider.targets[0]
    spider.ledger.company_started(target.company, "smartrecruiters", target.board)
    spider.listing_started(target)
    return spider


def list_page(spider, body: str, offset: int = 0) -> list:
    target = spider.targets[0]
    response = fake_response(
        f"https://api.smartrecruiters.com{VISA}?limit=100&offset={offset}", body,
        meta={"target": target, "offset": offset},
    )  # fmt: skip
    return list(spider.parse_postings(response))


def detail(spider, posting_id: str, row: dict | None = None):
    target = spider.targets[0]
    if row is None:
        rows = fixture_json("visa_postings.json")["content"]
        row = next(r for r in rows if r["id"] == posting_id)
    response = fake_response(
        f"https://api.smartrecruiters.com{VISA}/{posting_id}",
        fixture_text(f"smartrecruiters/visa/{posting_id}.json"),
        meta={"target": target, "row": row},
    )  # fmt: skip
    [item] = spider.parse_detail(response)
    return item


def test_list_page_fetches_each_detail_and_finishes_on_total_found(spider):
    target = spider.targets[0]
    [first] = spider.company_requests(target)
    assert first.url == f"https://api.smartrecruiters.com{VISA}?limit=100&offset=0"
    requests = list_page(spider, fixture_text("smartrecruiters/visa_postings.json"))
    assert [r.url for r in requests] == [
        f"https://api.smartrecruiters.com{VISA}/{row['id']}"
        for row in fixture_json("visa_postings.json")["content"]
    ]
    crawl = spider.ledger.crawls()[0]
    assert crawl.listings_finished == 1 and crawl.listings_pending == 1  # 2 started here


def test_a_full_page_short_of_total_found_asks_for_the_next(spider):
    page = fixture_json("visa_postings.json")
    template = page["content"][0]
    page["content"] = [{**template, "id": str(n)} for n in range(100)]
    page["totalFound"] = 130
    *details, next_page = list_page(spider, json.dumps(page))
    assert len(details) == 100 and next_page.url.endswith("?limit=100&offset=100")
    assert spider.ledger.crawls()[0].listings_finished == 0
    # the last page: 30 of 130, the listing ends
    page.update(offset=100, content=page["content"][:30])
    assert all(isinstance(r, Request) for r in list_page(spider, json.dumps(page), 100))
    assert spider.ledger.crawls()[0].listings_finished == 1
    # an empty page ends a listing whose totalFound is missing
    spider.listing_started(spider.targets[0])
    assert list_page(spider, json.dumps({"offset": 0, "limit": 100, "content": []})) == []
    assert spider.ledger.crawls()[0].listings_finished == 2


def test_detail_joins_the_sections_and_keeps_structured_values_raw(spider):
    item = detail(spider, ML_ENGINEER)
    assert item.external_id == ML_ENGINEER
    assert item.title == "Senior Machine Learning Engineer"
    assert item.url == f"https://jobs.smartrecruiters.com/Visa/{ML_ENGINEER}"
    assert item.apply_url == f"https://jobs.smartrecruiters.com/Visa/{ML_ENGINEER}-apply?oga=true"
    assert item.department == "Technology"
    assert item.locations == ["San Francisco, CA, United States"]
    assert item.posted_at == "2026-11-18T17:05:44.187Z"
    html = item.description_html
    headings = ["Company Description", "Job Description", "Qualifications",
                "Additional Information"]  # fmt: skip
    positions = [html.index(f"<h2>{h}</h2>") for h in headings]
    assert positions == sorted(positions)  # in the ad's order
    assert "retrieval-augmented generation (RAG)" in html
    assert item.extra == {
        "workplace": "hybrid", "employment_type": "Full-time", "seniority": "Mid-Senior Level",
        "country_codes": ["US"],
        "location_parts": [{"city": "San Francisco", "region": "CA", "country": "US"}],
        "function": "Information Technology", "industry": "Financial Services",
        "ref_number": "REF081234W", "uuid": "4f0c8e2a-7c1b-4c55-9d0e-2b6f1e9a3c01",
        "language": "en",
    }  # fmt: skip
    assert item.workplace is None and item.seniority is None  # the enrichment's job


def test_detail_survives_empty_sections_and_missing_fields(spider):
    remote = detail(spider, "744000091455870")
    assert remote.description_html.count("<h2>") == 2  # empty sections are left out
    assert remote.department is None  # department: {}
    assert remote.locations == ["London, GB"]  # no fullLocation: built from the parts
    assert remote.extra["workplace"] == "remote"
    assert remote.extra["location_parts"] == [{"city": "London", "region": None, "country": "GB"}]

    intern = detail(spider, "744000090977415")
    assert intern.url == "https://jobs.smartrecruiters.com/Visa/744000090977415"  # built
    assert intern.department is None  # department: null
    assert intern.extra["workplace"] == "On-site"
    assert intern.extra["seniority"] == "Internship" and "ref_number" not in intern.extra

    untitled = detail(spider, "744000091500001")
    assert untitled.title is None  # validate drops it, with a reason
    assert "workplace" not in untitled.extra  # remote false, hybrid unknown: no guess


def test_malformed_responses_raise(spider):
    from crawler.spiders.base import MalformedResponse

    with pytest.raises(MalformedResponse):
        list_page(spider, '{"message": "Company not found"}')
    with pytest.raises(MalformedResponse):
        list_page(spider, "<html>Service Unavailable</html>")
    target = spider.targets[0]
    response = fake_response(f"https://api.smartrecruiters.com{VISA}/1", '{"jobAd": "none"}',
                             meta={"target": target, "row": {"id": "1"}})  # fmt: skip
    with pytest.raises(MalformedResponse):
        list(spider.parse_detail(response))


def test_salary_only_from_numbers():
    assert salary_of({"min": 90000, "max": 120000.5, "currency": "EUR", "period": "yearly"}) == {
        "min": 90000, "max": 120000.5, "currency": "EUR", "period": "yearly"}  # fmt: skip
    assert salary_of({"min": "competitive"}) is None
    assert salary_of(None) is None and salary_of({"min": True}) is None


@pytest.mark.parametrize(
    ("url", "board"),
    [
        ("https://jobs.smartrecruiters.com/Visa", "Visa"),
        ("https://jobs.smartrecruiters.com/BoschGroup/744000089912345-software-engineer",
         "BoschGroup"),
        ("https://careers.smartrecruiters.com/WesternDigital", "WesternDigital"),
        ("https://api.smartrecruiters.com/v1/companies/Ubisoft2/postings", "Ubisoft2"),
        ("https://jobs.smartrecruiters.com/oneclick-ui/company/Experian/publication/x",
         "Experian"),
        ("https://jobs.smartrecruiters.com/", None),
        ("https://www.smartrecruiters.com/resources/", None),
        ("https://boards.greenhouse.io/visa", None),
        ("https://nvidia.wd5.myworkdayjobs.com/NVIDIAExternalCareerSite", None),
    ],
)  # fmt: skip
def test_board_from_url(url, board):
    assert SmartRecruitersSpider.board_from_url(url) == board


def test_registry_companies_use_the_api_host():
    spider = make_spider(SmartRecruitersSpider, company="visa")
    [target] = spider.targets
    assert (target.board, target.base_url) == ("Visa", "https://api.smartrecruiters.com")


# --- whole crawls through a local replay server into Postgres -------------------------


def serve(replay, visa: dict | None = None) -> None:
    visa = visa or fixture_json("visa_postings.json")
    replay.add(VISA, visa, query={"offset": "0", "limit": "100"})
    for row in fixture_json("visa_postings.json")["content"]:
        replay.add(f"{VISA}/{row['id']}", fixture_text(f"smartrecruiters/visa/{row['id']}.json"))
    replay.add(BOSCH, fixture_text("smartrecruiters/bosch_postings.json"), query={"offset": "0"})
    for row in fixture_json("bosch_postings.json")["content"]:
        replay.add(f"{BOSCH}/{row['id']}", fixture_text(f"smartrecruiters/bosch/{row['id']}.json"))


def crawl(replay, database_url, **settings):
    return run_scrapy(
        "crawl", "smartrecruiters", "-a", "company=visa,bosch",
        settings={"DATABASE_URL": database_url, "SMARTRECRUITERS_BASE_URL": replay.url,
                  **FAST, **settings},
    )  # fmt: skip


def last_run(database_url, company: str) -> dict:
    return query(database_url, "SELECT * FROM crawl_runs WHERE company = %s ORDER BY id DESC"
                 " LIMIT 1", (company,))[0]  # fmt: skip


def test_crawl_stores_every_posting_with_its_description(replay, database_url):
    serve(replay)
    result = crawl(replay, database_url)
    result.assert_clean()
    assert replay.unmatched == []
    assert ("GET", f"{VISA}?limit=100&offset=0") in replay.requests
    assert ("GET", f"{VISA}/{ML_ENGINEER}") in replay.requests

    rows = postings(database_url)
    assert len(rows) == 5  # 3 of Visa (one untitled is dropped), 2 of Bosch
    ml = rows[ML_ENGINEER]
    assert (ml["company"], ml["board"]) == ("visa", "Visa")
    assert "<script" not in ml["description_html"]
    assert "Train and deploy deep learning models with PyTorch." in ml["description_text"]
    assert ml["posted_at"].isoformat() == "2026-11-18T17:05:44.187000+00:00"
    assert rows["744000089912345"]["title"] == "Software Engineer \u2013 Embedded Linux (w/m/div.)"
    visa = last_run(database_url, "visa")
    assert (visa["status"], visa["seen"], visa["dropped"]) == ("ok", 3, 1)
    assert last_run(database_url, "bosch")["status"] == "ok"


def test_pagination_by_offset_until_total_found(replay, database_url):
    serve(replay)
    page = fixture_json("visa_postings.json")
    template, detail = page["content"][0], fixture_json(f"visa/{ML_ENGINEER}.json")
    content = []
    for n in range(130):
        posting_id = f"7440001{n:08d}"
        content.append({**copy.deepcopy(template), "id": posting_id, "name": f"Engineer {n}"})
        body = {**copy.deepcopy(detail), "id": posting_id, "name": f"Engineer {n}",
                "postingUrl": f"https://jobs.smartrecruiters.com/Visa/{posting_id}"}  # fmt: skip
        replay.add(f"{VISA}/{posting_id}", body)
    replay.add(VISA, {"offset": 0, "limit": 100, "totalFound": 130, "content": content[:100]},
               query={"offset": "0"})  # fmt: skip
    replay.add(VISA, {"offset": 100, "limit": 100, "totalFound": 130, "content": content[100:]},
               query={"offset": "100"})  # fmt: skip
    result = crawl(replay, database_url)
    result.assert_clean()
    list_calls = [p for m, p in replay.requests if p.startswith(f"{VISA}?")]
    assert list_calls == [f"{VISA}?limit=100&offset=0", f"{VISA}?limit=100&offset=100"]
    visa = last_run(database_url, "visa")
    assert (visa["status"], visa["seen"]) == ("ok", 130)


def test_failed_page_or_detail_leaves_the_company_partial_and_closes_nothing(replay, database_url):
    serve(replay)
    crawl(replay, database_url).assert_clean()

    shrunk = fixture_json("visa_postings.json")
    gone = shrunk["content"].pop(1)
    serve(replay, visa=shrunk)
    replay.add(f"{VISA}/{ML_ENGINEER}", "<html>Bad Gateway</html>", status=502,
               content_type="text/html")  # fmt: skip
    replay.add(BOSCH, {"message": "Too many requests"}, status=429, query={"offset": "0"})
    result = crawl(replay, database_url)
    assert result.returncode == 0 and "Traceback" not in result.log
    visa = last_run(database_url, "visa")
    assert (visa["status"], visa["closed"]) == ("partial", 0)
    assert "HTTP 502" in visa["reason"]
    assert last_run(database_url, "bosch")["status"] == "failed"
    assert all(row["closed_at"] is None for row in postings(database_url).values())

    serve(replay, visa=shrunk)  # a complete crawl closes the posting that is gone
    crawl(replay, database_url).assert_clean()
    assert postings(database_url)[gone["id"]]["closed_at"] is not None
    assert last_run(database_url, "visa")["status"] == "ok"
