"""A crawl never loses a posting or closes one it did not see gone.

Each fault is tried through a real `scrapy crawl` against the replay server into a
real Postgres: a row Postgres refuses, a stage that raises, a crawl stopped early, a
request dropped by a filter, the same job listed twice in either order.
"""

from __future__ import annotations

import copy
import json
import signal
import time

from tests.faults import pipelines_with_fault_stage
from tests.support import fixture_text, query, run_scrapy, start_scrapy, write_registry
from tests.support import latest_runs as runs
from tests.support import stored_postings as postings

BOARD = "/v1/boards/anthropic/jobs"


def jobs(ids: list[int], template_index: int = 0) -> dict:
    """A Greenhouse board listing these job ids, each a different job."""
    template = json.loads(fixture_text("greenhouse/anthropic_jobs.json"))["jobs"][template_index]
    listed = []
    for job_id in ids:
        job = copy.deepcopy(template)
        job["id"] = job_id
        job["title"] = f"Platform Engineer {job_id}"
        job["content"] = f"&lt;p&gt;Job number {job_id}: build the platform.&lt;/p&gt;"
        job["absolute_url"] = f"https://job-boards.greenhouse.io/anthropic/jobs/{job_id}"
        listed.append(job)
    return {"jobs": listed, "meta": {"total": len(listed)}}


def crawl(replay, database_url, board: dict, **settings):
    replay.add(BOARD, board, query={"content": "true"})
    return run_scrapy(
        "crawl", "greenhouse", "-a", "company=anthropic",
        settings={"DATABASE_URL": database_url, "GREENHOUSE_BASE_URL": replay.url,
                  "RETRY_TIMES": 0, "JOBS_CLOSE_MIN_OPEN": 100, **settings},
    )  # fmt: skip


def open_ids(database_url) -> set[str]:
    return {k for k, row in postings(database_url).items() if row["closed_at"] is None}


def test_a_row_postgres_refuses_costs_only_itself(replay, database_url):
    crawl(replay, database_url, jobs([1, 2, 3, 4, 5])).assert_clean()
    board = jobs([1, 2, 3, 4, 6])
    board["jobs"][2]["title"] = "Platform Engineer 3, changed"  # so that it is rewritten
    result = crawl(
        replay, database_url, board,
        ITEM_PIPELINES=pipelines_with_fault_stage(), FAULT_BAD_VALUE_IDS="3",
        JOBS_DB_BATCH_SIZE=100,
    )  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    # The rest of the batch landed; 3 is still listed, so it stays open, and 5, gone
    # from the board, is not closed: a crawl that lost a row is not complete.
    assert open_ids(database_url) == {"1", "2", "3", "4", "5", "6"}
    run = runs(database_url)["anthropic"]
    assert run["status"] == "partial"
    assert "posting 3 not written" in run["reason"]
    assert (run["seen"], run["new"], run["dropped"], run["closed"]) == (4, 1, 1, 0)
    assert postings(database_url)["3"]["title"] == "Platform Engineer 3"  # not rewritten
    [line] = [line for line in result.log.splitlines() if "anthropic/3" in line]
    assert "not written" in line and len(line) <= 260  # with the logger's prefix


def test_a_lone_surrogate_is_replaced_not_fatal(replay, database_url):
    board = json.dumps(jobs([1, 2, 3])).replace("Platform Engineer 2", "Platform \\ud800 2")
    result = crawl(replay, database_url, board)  # a bad JSON escape: not UTF-8 encodable
    result.assert_clean()
    stored = postings(database_url)
    assert set(stored) == {"1", "2", "3"}
    assert stored["2"]["title"].startswith("Platform \ufffd")
    assert runs(database_url)["anthropic"]["status"] == "ok"


def test_a_stage_that_raises_makes_the_company_partial(replay, database_url):
    crawl(replay, database_url, jobs([1, 2, 3])).assert_clean()
    result = crawl(
        replay, database_url, jobs([1, 2]),  # 3 is gone from the board...
        ITEM_PIPELINES=pipelines_with_fault_stage(), FAULT_RAISE_IDS="2",
    )  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    run = runs(database_url)["anthropic"]
    assert run["status"] == "partial"
    assert "a pipeline stage failed on a posting: RuntimeError" in run["reason"]
    assert open_ids(database_url) == {"1", "2", "3"}  # ...but nothing is closed


def test_a_huge_field_never_reaches_the_log(replay, database_url):
    board = jobs([1, 2])
    board["jobs"][1]["title"] = "Engineer " * 1200  # 10,800 characters: dropped
    result = crawl(replay, database_url, board)
    result.assert_clean()
    assert set(postings(database_url)) == {"1"}
    [line] = [line for line in result.log.splitlines() if "Dropped: title_too_long" in line]
    assert len(line) <= 260
    assert "Engineer " * 30 not in result.log


def test_same_job_keeps_the_same_posting_whatever_the_order(replay, database_url):
    repeated = jobs([20, 10, 30])
    for job in repeated["jobs"][:2]:  # 20 and 10 are one job listed twice
        job["title"] = "Platform Engineer"
        job["content"] = "&lt;p&gt;Build the platform.&lt;/p&gt;"
    crawl(replay, database_url, repeated).assert_clean()
    first = postings(database_url)
    assert set(first) == {"10", "30"}  # the smallest id keeps the job
    assert first["10"]["alternate_ids"] == ["anthropic:20"]

    repeated["jobs"].reverse()  # the other order: nothing moves
    result = crawl(replay, database_url, repeated)
    result.assert_clean()
    second = postings(database_url)
    assert set(second) == {"10", "30"} and second["10"]["closed_at"] is None
    assert second["10"]["alternate_ids"] == ["anthropic:20"]
    run = runs(database_url)["anthropic"]
    assert (run["status"], run["new"], run["closed"]) == ("ok", 0, 0)


def test_a_stored_posting_keeps_its_job_when_a_smaller_id_repeats_it(replay, database_url):
    board = jobs([20])
    board["jobs"][0]["title"] = "Platform Engineer"
    board["jobs"][0]["content"] = "&lt;p&gt;Build the platform.&lt;/p&gt;"
    crawl(replay, database_url, board).assert_clean()
    repeat = copy.deepcopy(board["jobs"][0])
    repeat["id"] = 10
    board["jobs"].append(repeat)
    crawl(replay, database_url, board).assert_clean()
    stored = postings(database_url)
    assert set(stored) == {"20"}  # stored earliest wins over the smaller id
    assert stored["20"]["alternate_ids"] == ["anthropic:10"]
    assert stored["20"]["closed_at"] is None


def test_only_the_repeat_still_listed_keeps_the_job_open(replay, database_url):
    board = jobs([10, 20])
    for job in board["jobs"]:
        job["title"] = "Platform Engineer"
        job["content"] = "&lt;p&gt;Build the platform.&lt;/p&gt;"
    crawl(replay, database_url, board).assert_clean()
    board["jobs"] = [board["jobs"][1]]  # 10 is gone, 20 (its repeat) is still listed
    crawl(replay, database_url, board).assert_clean()
    assert open_ids(database_url) == {"10"}


# --- crawls with detail pages: stopped early, requests dropped ------------------------

VISA = "/v1/companies/Visa/postings"


def serve_visa(replay, count: int, id_digits: int = 8) -> list[str]:
    """A SmartRecruiters board of ``count`` postings, each with its detail page."""
    page = json.loads(fixture_text("smartrecruiters/visa_postings.json"))
    template = next(row for row in page["content"] if row.get("name"))
    detail = json.loads(fixture_text(f"smartrecruiters/visa/{template['id']}.json"))
    ids, content = [], []
    for n in range(count):
        posting_id = f"7440002{n:0{id_digits}d}"
        ids.append(posting_id)
        content.append({**copy.deepcopy(template), "id": posting_id, "name": f"Engineer {n}"})
        replay.add(f"{VISA}/{posting_id}", {
            **copy.deepcopy(detail), "id": posting_id, "name": f"Engineer {n}",
            "postingUrl": f"https://jobs.smartrecruiters.com/Visa/{posting_id}",
        })  # fmt: skip
    replay.add(VISA, {"offset": 0, "limit": 100, "totalFound": count, "content": content},
               query={"offset": "0"})  # fmt: skip
    return ids


def crawl_visa(replay, database_url, **settings):
    return run_scrapy(
        "crawl", "smartrecruiters", "-a", "company=visa",
        settings={"DATABASE_URL": database_url, "SMARTRECRUITERS_BASE_URL": replay.url,
                  "RETRY_TIMES": 0, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                  "JOBS_CLOSE_MIN_OPEN": 1000, **settings},
    )  # fmt: skip


def test_a_crawl_stopped_early_closes_nothing(replay, database_url):
    ids = serve_visa(replay, 30)
    crawl_visa(replay, database_url).assert_clean()
    assert len(open_ids(database_url)) == 30
    result = crawl_visa(replay, database_url, CLOSESPIDER_ITEMCOUNT=3,
                        CONCURRENT_REQUESTS=1)  # fmt: skip
    assert "closespider_itemcount" in result.log
    run = runs(database_url)["visa"]
    assert run["status"] == "partial", run
    assert "the crawl ended" in run["reason"]
    assert open_ids(database_url) == set(ids)


def test_a_request_dropped_by_a_size_filter_makes_the_company_partial(replay, database_url):
    ids = serve_visa(replay, 5, id_digits=40)
    crawl_visa(replay, database_url).assert_clean()
    # Detail URLs are longer than the listing's: the URL-length filter drops them.
    listing_url = f"{replay.url}{VISA}?limit=100&offset=0"
    result = crawl_visa(replay, database_url, URLLENGTH_LIMIT=len(listing_url) + 2)
    assert "Ignoring link (url length" in result.log
    assert result.returncode == 0, result.log[-3000:]
    run = runs(database_url)["visa"]
    assert run["status"] == "partial"
    assert "dropped before it was scheduled" in run["reason"]
    assert open_ids(database_url) == set(ids)


def test_every_detail_in_flight_is_awaited_before_the_company_finishes(replay, database_url):
    ids = serve_visa(replay, 40)
    result = crawl_visa(replay, database_url, CONCURRENT_REQUESTS=4)
    result.assert_clean()
    run = runs(database_url)["visa"]
    assert (run["status"], run["seen"], run["new"]) == ("ok", 40, 40)
    assert len(query(database_url, "SELECT * FROM crawl_runs")) == 1
    assert open_ids(database_url) == set(ids)


def wait_for_details(replay, crawl, count: int) -> None:
    """Until the running crawl has fetched ``count`` detail pages."""
    deadline = time.monotonic() + 60
    while sum(1 for _, path in replay.requests if path.startswith(f"{VISA}/")) < count:
        assert crawl.poll() is None, crawl.communicate()[0][-3000:]
        assert time.monotonic() < deadline, "the crawl fetched too little"
        time.sleep(0.05)


def slow_visa_crawl(replay, database_url):
    return start_scrapy(
        "crawl", "smartrecruiters", "-a", "company=visa",
        settings={"DATABASE_URL": database_url, "SMARTRECRUITERS_BASE_URL": replay.url,
                  "RETRY_TIMES": 0, "DOWNLOAD_DELAY": 0.2, "DOWNLOAD_DELAY_JITTER": 0,
                  "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                  "JOBS_DB_FLUSH_SECONDS": 0.1, "JOBS_CLOSE_MIN_OPEN": 1000},
    )  # fmt: skip


def test_sigterm_lets_the_crawl_settle_and_records_the_truth(replay, database_url):
    ids = serve_visa(replay, 30)
    crawl_visa(replay, database_url).assert_clean()
    serve_visa(replay, 20)  # ten postings gone
    replay.requests.clear()
    crawl = slow_visa_crawl(replay, database_url)
    wait_for_details(replay, crawl, 5)
    crawl.send_signal(signal.SIGTERM)
    log, _ = crawl.communicate(timeout=60)
    assert "Closing spider (shutdown)" in log
    # Scrapy 2.19's graceful shutdown still answers the requests already scheduled, so
    # the company settles whole: ok, and exactly the ten gone are closed.
    details = [p for _, p in replay.requests if p.startswith(f"{VISA}/")]
    assert len(details) == 20
    run = runs(database_url)["visa"]
    assert (run["status"], run["closed"]) == ("ok", 10), run
    assert open_ids(database_url) == set(ids[:20])


def test_a_forced_stop_closes_nothing(replay, database_url):
    ids = serve_visa(replay, 30)
    crawl_visa(replay, database_url).assert_clean()
    serve_visa(replay, 20)
    replay.requests.clear()
    crawl = slow_visa_crawl(replay, database_url)
    wait_for_details(replay, crawl, 5)
    crawl.send_signal(signal.SIGINT)
    time.sleep(0.3)
    crawl.send_signal(signal.SIGINT)  # Ctrl-C twice: stop now
    log, _ = crawl.communicate(timeout=60)
    assert "forcing unclean shutdown" in log
    latest = runs(database_url)["visa"]
    assert latest["id"] == 1 or latest["status"] != "ok", latest
    assert open_ids(database_url) == set(ids)


def test_sigkill_closes_nothing_and_the_next_crawl_closes_exactly_what_went(
    replay, database_url
):
    ids = serve_visa(replay, 30)
    crawl_visa(replay, database_url).assert_clean()
    serve_visa(replay, 27)  # the last three are gone
    replay.requests.clear()
    crawl = slow_visa_crawl(replay, database_url)
    wait_for_details(replay, crawl, 5)
    crawl.send_signal(signal.SIGKILL)
    crawl.communicate(timeout=60)
    assert len(query(database_url, "SELECT id FROM crawl_runs")) == 1  # the first crawl's
    assert open_ids(database_url) == set(ids)
    crawl_visa(replay, database_url).assert_clean()
    assert open_ids(database_url) == set(ids[:27])
    assert runs(database_url)["visa"]["closed"] == 3


def test_each_company_is_recorded_as_soon_as_it_is_done(replay, database_url):
    """Two companies in one spider: the first done is in crawl_runs while the other runs."""
    serve_visa(replay, 25)
    bosch = "/v1/companies/BoschGroup/postings"
    listing = json.loads(fixture_text("smartrecruiters/bosch_postings.json"))
    replay.add(bosch, listing, query={"offset": "0"})
    for row in listing["content"]:
        replay.add(f"{bosch}/{row['id']}", fixture_text(f"smartrecruiters/bosch/{row['id']}.json"))
    crawl = start_scrapy(
        "crawl", "smartrecruiters", "-a", "company=visa,bosch",
        settings={"DATABASE_URL": database_url, "SMARTRECRUITERS_BASE_URL": replay.url,
                  "RETRY_TIMES": 0, "DOWNLOAD_DELAY": 0.2, "DOWNLOAD_DELAY_JITTER": 0,
                  "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 1},
    )  # fmt: skip
    deadline = time.monotonic() + 120
    first_done: list[dict] = []
    while not first_done:
        assert crawl.poll() is None, "the crawl ended before any company was recorded"
        assert time.monotonic() < deadline
        first_done = query(database_url, "SELECT company FROM crawl_runs")
        time.sleep(0.05)
    assert len(first_done) == 1  # the other company is still being crawled
    log, _ = crawl.communicate(timeout=120)
    assert crawl.returncode == 0, log[-3000:]
    assert {r["company"]: r["status"] for r in query(
        database_url, "SELECT company, status FROM crawl_runs")} == {"visa": "ok", "bosch": "ok"}


def test_a_registry_move_closes_the_old_boards_postings_once_the_new_board_is_ok(
    replay, database_url, tmp_path
):
    crawl(replay, database_url, jobs([1, 2])).assert_clean()  # anthropic on Greenhouse
    registry = write_registry(tmp_path / "companies.toml", [
        {"slug": "anthropic", "name": "Anthropic", "platform": "smartrecruiters",
         "board": "Visa"},  # moved (an accepted proposal): the new board
    ])  # fmt: skip
    serve_visa(replay, 3)
    result = run_scrapy(
        "crawl", "smartrecruiters", "-a", "company=anthropic",
        settings={"DATABASE_URL": database_url, "SMARTRECRUITERS_BASE_URL": replay.url,
                  "COMPANIES_FILE": registry, "RETRY_TIMES": 0},
    )  # fmt: skip
    result.assert_clean()
    rows = postings(database_url)
    assert {k for k, r in rows.items() if r["closed_at"] is None} == {
        k for k, r in rows.items() if r["platform"] == "smartrecruiters"}  # fmt: skip
    assert rows["1"]["closed_at"] is not None and rows["2"]["closed_at"] is not None
    assert runs(database_url)["anthropic"]["closed"] == 2
