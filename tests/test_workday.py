"""Workday: the CXS list and detail shapes, pagination quirks, the 2,000 cap split by
facets, and whole crawls through a replay server into Postgres."""

from __future__ import annotations

import copy
import json

import pytest
from scrapy.http import Request

from crawler.spiders.workday import WorkdaySpider, flatten_facets
from tests.support import (
    fake_response,
    fixture_text,
    make_spider,
    query,
    run_scrapy,
    write_registry,
)

NVIDIA_SITE = "NVIDIAExternalCareerSite"
NVIDIA_API = f"/wday/cxs/nvidia/{NVIDIA_SITE}"
SALESFORCE_API = "/wday/cxs/salesforce/External_Career_Site"
FAST = {"RETRY_TIMES": 0, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}


def fixture_json(name: str) -> dict:
    return json.loads(fixture_text(f"workday/{name}"))


def nvidia_rows() -> list[dict]:
    return (
        fixture_json("nvidia_jobs_0.json")["jobPostings"]
        + fixture_json("nvidia_jobs_20.json")["jobPostings"][1:4]
    )


# --- parsing ------------------------------------------------------------------------


@pytest.fixture
def spider(tmp_path):
    registry = write_registry(tmp_path / "companies.toml", [
        {"slug": "nvidia", "name": "NVIDIA", "platform": "workday",
         "careers_url": f"https://nvidia.wd5.myworkdayjobs.com/en-US/{NVIDIA_SITE}"},
    ])  # fmt: skip
    spider = make_spider(WorkdaySpider, {"COMPANIES_FILE": str(registry)}, company="nvidia")
    target = spider.targets[0]
    spider.ledger.company_started(target.company, "workday", target.board)
    return spider


def list_page(spider, name: str, offset: int, facets: dict | None = None) -> list:
    target = spider.targets[0]
    response = fake_response(
        f"{target.base_url}/wday/cxs/{target.board}/jobs", fixture_text(f"workday/{name}"),
        meta={"target": target, "facets": facets or {}, "offset": offset},
    )  # fmt: skip
    return list(spider.parse_jobs(response))


def detail(spider, req_id: str, row: dict) -> list:
    target = spider.targets[0]
    path = row["externalPath"]
    response = fake_response(
        f"{target.base_url}/wday/cxs/{target.board}{path}",
        fixture_text(f"workday/nvidia/{req_id}.json"),
        meta={"target": target, "row": row, "path": path},
    )  # fmt: skip
    return list(spider.parse_detail(response))


def test_careers_url_gives_the_board_and_the_host(spider):
    [target] = spider.targets
    assert target.board == f"nvidia/{NVIDIA_SITE}"
    assert target.base_url == "https://nvidia.wd5.myworkdayjobs.com"


def test_first_page_fetches_every_detail_and_asks_for_the_next_page(spider):
    target = spider.targets[0]
    [first] = list(spider.company_requests(target))
    assert first.method == "POST"
    assert first.url == f"https://nvidia.wd5.myworkdayjobs.com{NVIDIA_API}/jobs"
    assert json.loads(first.body) == {"appliedFacets": {}, "limit": 20, "offset": 0,
                                      "searchText": ""}  # fmt: skip
    assert first.headers["Content-Type"] == b"application/json"

    results = list_page(spider, "nvidia_jobs_0.json", 0)
    details, [next_page] = results[:20], results[20:]
    assert all(isinstance(r, Request) and r.method == "GET" for r in details)
    assert details[0].url == (
        f"https://nvidia.wd5.myworkdayjobs.com{NVIDIA_API}/job/US-CA-Santa-Clara/"
        "Senior-Software-Engineer-Deep-Learning-Inference_JR2004101"
    )
    assert json.loads(next_page.body)["offset"] == 20
    assert json.loads(next_page.body)["limit"] == 20
    crawl = spider.ledger.crawls()[0]
    assert (crawl.listings_pending, crawl.listings_finished) == (1, 0)  # not finished yet


def test_short_page_ends_the_listing_whatever_its_total_says(spider):
    list(spider.company_requests(spider.targets[0]))
    list_page(spider, "nvidia_jobs_0.json", 0)
    results = list_page(spider, "nvidia_jobs_20.json", 20)  # total: 0, 5 rows
    requests = [r for r in results if isinstance(r, Request)]
    assert len(requests) == 4  # one row repeated from page 1, no further page
    [no_path] = [r for r in results if not isinstance(r, Request)]
    assert no_path.external_id == "" and no_path.title == "Senior Manager, Compiler Team"
    crawl = spider.ledger.crawls()[0]
    assert (crawl.listings_pending, crawl.listings_finished, crawl.errors) == (0, 1, [])


def test_detail_gives_locations_dates_and_raw_structured_values(spider):
    rows = nvidia_rows()
    [item] = detail(spider, "JR2004101", rows[0])
    assert item.external_id == "JR2004101"
    assert item.title == "Senior Software Engineer, Deep Learning Inference"
    assert (
        item.url
        == item.apply_url
        == (f"https://nvidia.wd5.myworkdayjobs.com/{NVIDIA_SITE}{rows[0]['externalPath']}")
    )
    # the list said "3 Locations"; the detail names them (the repeated one once)
    assert item.locations == ["US, CA, Santa Clara", "US, WA, Redmond", "Taiwan, Taipei"]
    assert item.posted_at == "2026-10-01"  # startDate, not "Posted Today"
    assert "TensorRT &amp; Triton" in item.description_html
    assert item.extra == {
        "workplace": "Hybrid", "employment_type": "Full time", "country_codes": ["US"],
        "country": "United States of America", "req_id": "JR2004101",
        "posting_id": item.extra["posting_id"], "hiring_organization": "NVIDIA",
        "bullet_fields": ["JR2004101"],
    }  # fmt: skip
    assert item.workplace is None and item.employment_type is None  # enrichment's job


def test_detail_survives_missing_fields(spider):
    rows = nvidia_rows()
    [no_req_id] = detail(spider, "JR2004102", rows[1])
    assert no_req_id.external_id == rows[1]["externalPath"]  # the path stands in
    assert no_req_id.posted_at == "Posted Yesterday"
    assert "workplace" not in no_req_id.extra and "bullet_fields" not in no_req_id.extra

    [bare] = detail(spider, "JR2004103", rows[2])
    assert bare.description_html is None
    assert bare.locations == ["US, TX, Austin"]  # the list row's text
    assert "country_codes" not in bare.extra

    [no_url] = detail(spider, "JR2004104", rows[3])
    assert no_url.url == (
        f"https://nvidia.wd5.myworkdayjobs.com/{NVIDIA_SITE}{rows[3]['externalPath']}"
    )
    assert no_url.apply_url is None and "hiring_organization" not in no_url.extra

    row = {**rows[0]}
    body = fixture_json("nvidia/JR2004101.json")
    del body["jobPostingInfo"]["location"], body["jobPostingInfo"]["additionalLocations"]
    target = spider.targets[0]
    response = fake_response("https://nvidia.wd5.myworkdayjobs.com/x", json.dumps(body),
                             meta={"target": target, "row": row, "path": "/job/x"})  # fmt: skip
    [item] = spider.parse_detail(response)
    assert item.locations == []  # "3 Locations" names no place


@pytest.mark.parametrize(
    ("url", "board"),
    [
        (f"https://nvidia.wd5.myworkdayjobs.com/{NVIDIA_SITE}", f"nvidia/{NVIDIA_SITE}"),
        ("https://salesforce.wd12.myworkdayjobs.com/en-US/External_Career_Site/job/X_JR1",
         "salesforce/External_Career_Site"),
        ("https://intel.wd1.myworkdayjobs.com/wday/cxs/intel/External/jobs", "intel/External"),
        ("https://wd3.myworkdaysite.com/en-US/recruiting/acme/Careers_Site", "acme/Careers_Site"),
        ("https://nvidia.wd5.myworkdayjobs.com/", None),
        ("https://boards.greenhouse.io/anthropic", None),
        ("https://jobs.smartrecruiters.com/Visa", None),
        ("https://example.com/myworkdayjobs.com/x", None),
    ],
)  # fmt: skip
def test_board_from_url(url, board):
    assert WorkdaySpider.board_from_url(url) == board


def test_a_board_without_a_careers_url_fails_clearly(tmp_path):
    registry = write_registry(tmp_path / "companies.toml", [
        {"slug": "acme", "name": "Acme", "platform": "workday", "board": "acme/Careers"},
    ])  # fmt: skip
    spider = make_spider(WorkdaySpider, {"COMPANIES_FILE": str(registry)}, company="acme")
    target = spider.targets[0]
    spider.ledger.company_started(target.company, "workday", target.board)
    assert list(spider.company_requests(target)) == []
    crawl = spider.ledger.crawls()[0]
    assert crawl.errors == [
        "acme/Careers: no careers URL"
        " (https://{tenant}.wd{N}.myworkdayjobs.com/{site}) to take the host from"
    ]
    assert spider.ledger.outcome(crawl, 0, 0).status == "failed"


def test_board_argument_takes_a_careers_url():
    url = "https://wd3.myworkdaysite.com/en-US/recruiting/acme/Acme_Careers"
    spider = make_spider(WorkdaySpider, board=url, name="Acme Robotics")
    [target] = spider.targets
    assert (target.board, target.base_url) == ("acme/Acme_Careers", "https://wd3.myworkdaysite.com")
    assert target.company.slug == "acme-robotics"
    spider.ledger.company_started(target.company, "workday", target.board)
    [request] = spider.company_requests(target)
    assert request.url == "https://wd3.myworkdaysite.com/wday/cxs/acme/Acme_Careers/jobs"


def test_flatten_facets_reads_nested_groups():
    facets = flatten_facets(fixture_json("nvidia_jobs_0.json")["facets"])
    assert set(facets) == {"jobFamilyGroup", "locationRegionStateProvince", "locations",
                           "timeType"}  # fmt: skip
    assert facets["locations"][1] == ("91336993fab910af6d702d9d2f4dc1a5", 1)
    assert flatten_facets(None) == {} and flatten_facets([{"values": None}, "x"]) == {}


def facet(parameter: str, *counts: int) -> dict:
    values = [{"descriptor": f"{parameter} {i}", "id": f"{parameter}-{i}", "count": c}
              for i, c in enumerate(counts)]  # fmt: skip
    return {"facetParameter": parameter, "descriptor": parameter, "values": values}


def test_split_prefers_a_covering_facet_whose_slices_stay_under_the_cap(spider):
    split_by = spider.split_by
    # jobFamilyGroup misses postings (1900 < 2500): never chosen
    facets = [facet("jobFamilyGroup", 1000, 900), facet("locations", 1500, 1200, 300)]
    assert split_by(facets, {}, 2500) == ("locations", ["locations-0", "locations-1",
                                                        "locations-2"])  # fmt: skip
    # both cover; the job family group partitions under the cap: preferred
    facets = [facet("locations", 1500, 1200), facet("jobFamilyGroup", 1300, 0, 1200)]
    assert split_by(facets, {}, 2500) == ("jobFamilyGroup", ["jobFamilyGroup-0",
                                                             "jobFamilyGroup-2"])  # fmt: skip
    # a facet with a slice over the cap is a last resort; one already applied is skipped
    facets = [facet("jobFamilyGroup", 2100, 400), facet("timeType", 2400, 100)]
    assert split_by(facets, {}, 2500)[0] == "jobFamilyGroup"
    assert split_by(facets, {"jobFamilyGroup": ["x"]}, 2500)[0] == "timeType"
    # no progress (one value holds everything) or nothing covering: no split
    assert split_by([facet("timeType", 2500)], {}, 2500) is None
    assert split_by([], {}, 2500) is None


# --- whole crawls through a local replay server into Postgres -------------------------


def nvidia_registry(tmp_path, replay, with_salesforce: bool = True):
    companies = [{"slug": "nvidia", "name": "NVIDIA", "platform": "workday",
                  "board": f"nvidia/{NVIDIA_SITE}",
                  "careers_url": f"{replay.url}/en-US/{NVIDIA_SITE}"}]  # fmt: skip
    if with_salesforce:
        companies.append({"slug": "salesforce", "name": "Salesforce", "platform": "workday",
                          "careers_url": f"{replay.url}/External_Career_Site",
                          "board": "salesforce/External_Career_Site"})  # fmt: skip
    return write_registry(tmp_path / "companies.toml", companies)


def serve_nvidia(replay, page2: dict | None = None) -> None:
    replay.add(f"{NVIDIA_API}/jobs", fixture_text("workday/nvidia_jobs_0.json"),
               method="POST", json_body={"offset": 0})  # fmt: skip
    replay.add(f"{NVIDIA_API}/jobs", page2 or fixture_json("nvidia_jobs_20.json"),
               method="POST", json_body={"offset": 20})  # fmt: skip
    for row in nvidia_rows():
        req_id = row["externalPath"].rsplit("_", 1)[1]
        replay.add(NVIDIA_API + row["externalPath"], fixture_text(f"workday/nvidia/{req_id}.json"))


def serve_salesforce(replay) -> None:
    page = fixture_json("salesforce_jobs_0.json")
    replay.add(f"{SALESFORCE_API}/jobs", page, method="POST", json_body={"offset": 0})
    for row in page["jobPostings"]:
        req_id = row["externalPath"].rsplit("_", 1)[1]
        replay.add(SALESFORCE_API + row["externalPath"],
                   fixture_text(f"workday/salesforce/{req_id}.json"))  # fmt: skip


def crawl(registry, database_url, companies: str = "nvidia,salesforce", **settings):
    return run_scrapy(
        "crawl", "workday", "-a", f"company={companies}",
        settings={"DATABASE_URL": database_url, "COMPANIES_FILE": registry, **FAST, **settings},
    )  # fmt: skip


def postings(database_url, company: str | None = None) -> dict[str, dict]:
    sql = "SELECT * FROM postings WHERE %(c)s::text IS NULL OR company = %(c)s"
    rows = query(database_url, sql, {"c": company})
    return {row["external_id"]: row for row in rows}


def last_run(database_url, company: str) -> dict:
    return query(database_url, "SELECT * FROM crawl_runs WHERE company = %s ORDER BY id DESC"
                 " LIMIT 1", (company,))[0]  # fmt: skip


def list_bodies(replay, api: str) -> list[dict]:
    return [json.loads(body) for method, path, body in replay.received
            if method == "POST" and path == f"{api}/jobs"]  # fmt: skip


def test_crawl_pages_until_a_short_page_and_stores_every_detail(replay, database_url, tmp_path):
    serve_nvidia(replay)
    serve_salesforce(replay)
    result = crawl(nvidia_registry(tmp_path, replay), database_url)
    result.assert_clean()
    assert replay.unmatched == []
    # two list pages of 20 (the second's total of 0 did not stop the crawl), no third
    assert [(b["offset"], b["limit"]) for b in list_bodies(replay, NVIDIA_API)] == [
        (0, 20),
        (20, 20),
    ]
    details = [p for m, p in replay.requests if m == "GET" and p.startswith(NVIDIA_API)]
    assert len(details) == len(set(details)) == 23  # the repeated row was fetched once

    nvidia = postings(database_url, "nvidia")
    assert len(nvidia) == 23 and len(postings(database_url, "salesforce")) == 3
    inference = nvidia["JR2004101"]
    assert inference["locations"] == ["US, CA, Santa Clara", "US, WA, Redmond", "Taiwan, Taipei"]
    assert inference["posted_at"].date().isoformat() == "2026-10-01"
    assert "<script" not in inference["description_html"]
    assert "quantization and KV cache reuse" in inference["description_text"]
    assert inference["board"] == f"nvidia/{NVIDIA_SITE}"
    assert nvidia["JR2004103"]["description_html"] is None
    run = last_run(database_url, "nvidia")
    assert (run["status"], run["seen"], run["new"], run["dropped"]) == ("ok", 23, 23, 1)
    assert "'jobs/dropped/missing_external_id': 1" in result.log
    assert last_run(database_url, "salesforce")["status"] == "ok"


def test_a_failed_detail_leaves_the_company_partial_and_closes_nothing(
    replay, database_url, tmp_path
):
    registry = nvidia_registry(tmp_path, replay, with_salesforce=False)
    serve_nvidia(replay)
    crawl(registry, database_url, "nvidia").assert_clean()

    # JR2004123 is no longer listed, and one detail fails: nothing may be closed
    page2 = fixture_json("nvidia_jobs_20.json")
    gone = page2["jobPostings"].pop(3)
    assert gone["externalPath"].endswith("JR2004123")
    serve_nvidia(replay, page2=page2)
    broken = nvidia_rows()[5]["externalPath"]
    replay.add(NVIDIA_API + broken, "<html>upstream error</html>", status=500,
               content_type="text/html")  # fmt: skip
    result = crawl(registry, database_url, "nvidia")
    assert result.returncode == 0
    assert "HTTP 500" in result.log
    run = last_run(database_url, "nvidia")
    assert (run["status"], run["closed"], run["errors"]) == ("partial", 0, 1)
    assert all(row["closed_at"] is None for row in postings(database_url).values())

    # the next complete crawl closes the posting that is gone
    serve_nvidia(replay, page2=page2)
    crawl(registry, database_url, "nvidia").assert_clean()
    run = last_run(database_url, "nvidia")
    assert (run["status"], run["closed"]) == ("ok", 1)
    assert postings(database_url)["JR2004123"]["closed_at"] is not None


def test_a_detail_gone_since_the_listing_is_left_out_and_closed(replay, database_url, tmp_path):
    registry = nvidia_registry(tmp_path, replay, with_salesforce=False)
    serve_nvidia(replay)
    crawl(registry, database_url, "nvidia").assert_clean()

    # still listed, but taken down before its detail was fetched: 404
    gone_path = nvidia_rows()[5]["externalPath"]
    gone_id = gone_path.rsplit("_", 1)[-1]
    replay.add(NVIDIA_API + gone_path, '{"errorCode": "NOT_FOUND"}', status=404)
    result = crawl(registry, database_url, "nvidia")
    result.assert_clean()
    assert "'jobs/details_gone': 1" in result.log
    run = last_run(database_url, "nvidia")
    assert (run["status"], run["closed"], run["errors"]) == ("ok", 1, 0)
    assert postings(database_url)[gone_id]["closed_at"] is not None


def test_many_details_gone_leave_the_company_partial(replay, database_url, tmp_path):
    registry = nvidia_registry(tmp_path, replay, with_salesforce=False)
    serve_nvidia(replay)
    crawl(registry, database_url, "nvidia").assert_clean()

    for row in nvidia_rows()[:6]:  # more than a tenth of the listing: a broken endpoint
        replay.add(NVIDIA_API + row["externalPath"], '{"errorCode": "NOT_FOUND"}', status=404)
    result = crawl(registry, database_url, "nvidia")
    run = last_run(database_url, "nvidia")
    assert run["status"] == "partial" and run["closed"] == 0
    assert "6 listed postings had no detail (404/410)" in run["reason"]
    assert all(row["closed_at"] is None for row in postings(database_url).values())
    assert result.returncode == 0


def test_a_failed_page_or_malformed_detail_leaves_the_company_partial(
    replay, database_url, tmp_path
):
    registry = nvidia_registry(tmp_path, replay)
    serve_nvidia(replay)
    serve_salesforce(replay)
    replay.add(f"{NVIDIA_API}/jobs", {"errorCode": "S22", "message": "Service unavailable"},
               method="POST", json_body={"offset": 20}, status=503)  # fmt: skip
    salesforce_row = fixture_json("salesforce_jobs_0.json")["jobPostings"][1]
    replay.add(SALESFORCE_API + salesforce_row["externalPath"], {"jobPostingInfo": None})
    result = crawl(registry, database_url)
    assert result.returncode == 0 and "Traceback" not in result.log
    nvidia = last_run(database_url, "nvidia")
    assert nvidia["status"] == "partial" and "HTTP 503" in nvidia["reason"]
    assert len(postings(database_url, "nvidia")) == 20  # page 1 landed
    salesforce = last_run(database_url, "salesforce")
    assert salesforce["status"] == "partial" and "MalformedResponse" in salesforce["reason"]
    assert len(postings(database_url, "salesforce")) == 2


# --- the result cap: splitting by facets ----------------------------------------------

ACME_API = "/wday/cxs/acme/Careers"
ROW = fixture_json("nvidia_jobs_0.json")["jobPostings"][6]
DETAIL = fixture_json("nvidia/JR2004107.json")


def acme_posting(number: int) -> tuple[dict, dict]:
    req_id = f"R{number:05d}"
    row = {**copy.deepcopy(ROW), "externalPath": f"/job/Somewhere/Engineer_{req_id}",
           "bulletFields": [req_id], "title": f"Engineer {number}"}  # fmt: skip
    body = copy.deepcopy(DETAIL)
    body["jobPostingInfo"].update(jobReqId=req_id, title=f"Engineer {number}",
                                  externalUrl=f"https://acme.wd1.myworkdayjobs.com/Careers"
                                  f"{row['externalPath']}")  # fmt: skip
    return row, body


def serve_listing(replay, facets: dict, numbers: list[int], total, page_facets=()) -> None:
    """One listing (slice) of acme: pages of 20 and a short last page, details too."""
    offsets = range(0, len(numbers) + 1, 20)
    for offset in offsets:
        page_numbers = numbers[offset : offset + 20]
        rows = []
        for number in page_numbers:
            row, body = acme_posting(number)
            rows.append(row)
            replay.add(ACME_API + row["externalPath"], body)
        page = {"total": total if offset == 0 else 0, "jobPostings": rows,
                "facets": list(page_facets) if offset == 0 else []}  # fmt: skip
        replay.add(f"{ACME_API}/jobs", page, method="POST",
                   json_body={"offset": offset, "appliedFacets": facets})  # fmt: skip


def acme_registry(tmp_path, replay):
    return write_registry(tmp_path / "companies.toml", [
        {"slug": "acme", "name": "Acme", "platform": "workday", "board": "acme/Careers",
         "careers_url": f"{replay.url}/en-US/Careers"},
    ])  # fmt: skip


def test_a_listing_at_the_cap_is_split_by_facets_until_each_slice_fits(
    replay, database_url, tmp_path
):
    # cap 40 stands for Workday's 2,000. 45 postings: the job family "eng" (41, over
    # the cap) splits again by location (overlapping: 30 and 12 with one in both).
    root_facets = [facet("jobFamilyGroup", 41, 4), facet("timeType", 45)]
    serve_listing(replay, {}, list(range(20)), 45, root_facets)
    eng = {"jobFamilyGroup": ["jobFamilyGroup-0"]}
    locations = {"facetParameter": "locationMainGroup", "values": [facet("locations", 30, 12)]}
    serve_listing(replay, eng, list(range(20)), 41, [locations, facet("timeType", 41)])
    serve_listing(replay, {**eng, "locations": ["locations-0"]}, list(range(30)), 30)
    serve_listing(replay, {**eng, "locations": ["locations-1"]}, list(range(29, 41)), 12)
    serve_listing(replay, {"jobFamilyGroup": ["jobFamilyGroup-1"]}, list(range(41, 45)), 4)

    result = crawl(acme_registry(tmp_path, replay), database_url, "acme", WORKDAY_RESULT_CAP=40)
    result.assert_clean()
    assert replay.unmatched == []
    bodies = list_bodies(replay, ACME_API)
    assert all(b["limit"] == 20 for b in bodies)
    assert {(json.dumps(b["appliedFacets"], sort_keys=True), b["offset"]) for b in bodies} == {
        ("{}", 0),
        ('{"jobFamilyGroup": ["jobFamilyGroup-0"]}', 0),
        ('{"jobFamilyGroup": ["jobFamilyGroup-0"], "locations": ["locations-0"]}', 0),
        ('{"jobFamilyGroup": ["jobFamilyGroup-0"], "locations": ["locations-0"]}', 20),
        ('{"jobFamilyGroup": ["jobFamilyGroup-0"], "locations": ["locations-1"]}', 0),
        ('{"jobFamilyGroup": ["jobFamilyGroup-1"]}', 0),
    }
    assert len(postings(database_url, "acme")) == 45
    run = last_run(database_url, "acme")
    assert (run["status"], run["seen"]) == ("ok", 45)
    assert "'workday/facet_splits': 2" in result.log


def test_a_split_that_misses_postings_is_partial(replay, database_url, tmp_path):
    # the facet's counts claim to cover all 45, but its slices list only 44
    serve_listing(replay, {}, list(range(20)), 45, [facet("jobFamilyGroup", 25, 20)])
    serve_listing(replay, {"jobFamilyGroup": ["jobFamilyGroup-0"]}, list(range(25)), 25)
    serve_listing(replay, {"jobFamilyGroup": ["jobFamilyGroup-1"]}, list(range(25, 44)), 19)
    result = crawl(acme_registry(tmp_path, replay), database_url, "acme", WORKDAY_RESULT_CAP=40)
    result.assert_clean()
    run = last_run(database_url, "acme")
    assert run["status"] == "partial"
    assert run["reason"] == "the facet slices listed 44 of 45 postings"
    assert len(postings(database_url, "acme")) == 44


def test_a_capped_listing_that_cannot_be_split_is_partial(replay, database_url, tmp_path):
    # no facet covers the 45 postings: the crawl goes as far as the cap and says so
    serve_listing(replay, {}, list(range(45)), 45, [facet("jobFamilyGroup", 10, 10)])
    result = crawl(acme_registry(tmp_path, replay), database_url, "acme", WORKDAY_RESULT_CAP=40)
    result.assert_clean()
    run = last_run(database_url, "acme")
    assert run["status"] == "partial" and "no facet to split them by" in run["reason"]
    assert [b["offset"] for b in list_bodies(replay, ACME_API)] == [0, 20]  # stops at the cap
    assert len(postings(database_url, "acme")) == 40


def test_a_listing_still_full_at_the_cap_is_partial(replay, database_url, tmp_path):
    # no total at all, and pages keep coming full up to the cap
    serve_listing(replay, {}, list(range(45)), None)
    result = crawl(acme_registry(tmp_path, replay), database_url, "acme", WORKDAY_RESULT_CAP=40)
    result.assert_clean()
    run = last_run(database_url, "acme")
    assert (run["status"], run["reason"]) == ("partial", "listing still full at the 40 cap")


@pytest.mark.parametrize("first_total", [45, None])
def test_a_full_page_whose_total_says_0_does_not_end_the_listing(
    replay, database_url, tmp_path, first_total
):
    # pages of 20, 20 and 5; the pages after the first say total 0 (or the first has none)
    serve_listing(replay, {}, list(range(45)), first_total)
    result = crawl(acme_registry(tmp_path, replay), database_url, "acme")
    result.assert_clean()
    assert [b["offset"] for b in list_bodies(replay, ACME_API)] == [0, 20, 40]
    run = last_run(database_url, "acme")
    assert (run["status"], run["seen"]) == ("ok", 45)
