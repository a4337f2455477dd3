"""The stage pool (crawler/pipelines/stage_pool.py, JOBS_STAGE_PROCESSES): whole crawls
through the replay server store what one process stores, count the same stats, and
lose nothing but the posting a pool stage fails on, or the ones a dead child held."""

from __future__ import annotations

import re
import signal

from tests.faults import pipelines_with_fault_stage
from tests.support import (
    fixture_text,
    latest_runs,
    run_scrapy,
    start_scrapy,
    stored_postings,
    write_registry,
)
from tests.test_completion import crawl as crawl_anthropic
from tests.test_completion import jobs, serve_visa, wait_for_details
from tests.test_enrich_crawl import anthropic_with_a_repeat

COMPANIES = [
    {"slug": "anthropic", "name": "Anthropic", "platform": "greenhouse", "board": "anthropic"},
    {"slug": "stripe", "name": "Stripe", "platform": "greenhouse", "board": "stripe"},
    {"slug": "lumenlabs", "name": "Lumen Labs", "platform": "greenhouse", "board": "lumenlabs"},
]  # fmt: skip
# Columns a second crawl cannot repeat: the row's id and when it was written.
WRITTEN_AT = ("id", "first_seen_at", "last_seen_at", "updated_at")
STAT_LINE = re.compile(r"^\s*'([^']+)': (\d+),?\}?$")


def anthropic_board() -> dict:
    """Anthropic's board with a repeated job (same job, two ids), a posting listed twice
    (one id), one without a title (dropped by validate) and a control character."""
    board = anthropic_with_a_repeat()
    board["jobs"].append(dict(board["jobs"][1]))  # listed twice: dedupe drops it
    untitled = dict(board["jobs"][2], id=4020300001, title="  ")
    board["jobs"].append(untitled)
    board["jobs"][3]["title"] += "\u0007"
    return board


def crawl(replay, database_url, tmp_path, **settings):
    replay.add("/v1/boards/anthropic/jobs", anthropic_board(), query={"content": "true"})
    for slug in ("stripe", "lumenlabs"):
        replay.add(f"/v1/boards/{slug}/jobs", fixture_text(f"greenhouse/{slug}_jobs.json"),
                   query={"content": "true"})  # fmt: skip
    registry = write_registry(tmp_path / "companies.toml", COMPANIES)
    result = run_scrapy(
        "crawl", "greenhouse",
        settings={"DATABASE_URL": database_url, "COMPANIES_FILE": registry,
                  "GREENHOUSE_BASE_URL": replay.url, "RETRY_TIMES": 0, **settings},
    )  # fmt: skip
    result.assert_clean()
    return result


def dumped_stats(log: str) -> dict[str, int]:
    """The counts of the crawl's stats dump that depend on the postings alone."""
    dump = log.split("Dumping Scrapy stats:", 1)[1]
    stats = {}
    for line in dump.splitlines()[1:]:
        match = STAT_LINE.match(line)
        if match and match[1].startswith(("jobs/", "item_", "log_count/WARNING")):
            stats[match[1]] = int(match[2])
        if line.rstrip().endswith("}"):
            break
    return stats


def rows(database_url) -> dict[str, dict]:
    return {
        key: {name: value for name, value in row.items() if name not in WRITTEN_AT}
        for key, row in stored_postings(database_url).items()
    }


def test_the_pool_stores_the_same_rows_and_counts_the_same_stats(
    replay, database_url, other_database_url, tmp_path
):
    alone = crawl(replay, database_url, tmp_path)
    pooled = crawl(replay, other_database_url, tmp_path, JOBS_STAGE_PROCESSES=2)

    assert "Stage pool: 2 process(es) run CleanPipeline, LocationPipeline" in pooled.log
    assert re.search(r"Stage pool closed: peak RSS per process \d+", pooled.log)
    stored = rows(other_database_url)
    assert stored == rows(database_url)
    # what each pool stage made of the postings is there, the same-job merge too
    inference = stored["4020305008"]
    assert inference["locations"] == ["San Francisco, CA", "New York City, NY"]
    assert inference["role_family"] == "ai_ml" and inference["salary_currency"] == "USD"
    assert inference["alternate_ids"] == ["anthropic:4020399999"]
    assert any(row["ai_skills"] for row in stored.values())
    stats = dumped_stats(pooled.log)
    assert stats == dumped_stats(alone.log)
    assert stats["jobs/duplicate"] == 1 and stats["jobs/same_job"] == 1
    assert stats["jobs/dropped/missing_title"] == 1 and stats["jobs/clean/control_chars"] == 1
    assert stats["jobs/field/seniority/senior"] >= 1
    # by company: the companies finish in either order
    summary = ["status", "seen", "new", "dropped", "errors"]
    assert {
        slug: [run[k] for k in summary] for slug, run in latest_runs(other_database_url).items()
    } == {slug: [run[k] for k in summary] for slug, run in latest_runs(database_url).items()}


def test_a_pool_stage_that_raises_costs_only_its_posting(replay, database_url):
    crawl_anthropic(replay, database_url, jobs([1, 3])).assert_clean()
    result = crawl_anthropic(
        replay, database_url, jobs([1, 2, 4]),  # 3 is gone from the board...
        ITEM_PIPELINES=pipelines_with_fault_stage("PoolFaultStage", 575),
        FAULT_RAISE_IDS="2", JOBS_STAGE_PROCESSES=1,
    )  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    run = latest_runs(database_url)["anthropic"]
    assert run["status"] == "partial"
    assert (
        "a pipeline stage failed on a posting: RuntimeError: injected fault on 2" in run["reason"]
    )
    assert "ChildTraceback" in result.log and "in process_item" in result.log
    stored = stored_postings(database_url)
    # ...but nothing is closed; 2 is not stored, 4 (new, through the pool) is
    assert {k for k, row in stored.items() if row["closed_at"] is None} == {"1", "3", "4"}
    assert stored["4"]["role_family"] is not None and stored["4"]["description_text"]


def test_a_pool_process_that_dies_fails_its_postings_and_the_crawl_goes_on(replay, database_url):
    result = crawl_anthropic(
        replay, database_url, jobs([1, 2, 3, 4, 5]),
        ITEM_PIPELINES=pipelines_with_fault_stage("PoolFaultStage", 575),
        FAULT_EXIT_IDS="3", JOBS_STAGE_PROCESSES=1,
        CONCURRENT_ITEMS=1,  # one posting in flight: only 3 is in the dead child
    )  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    assert "A stage pool process died" in result.log
    run = latest_runs(database_url)["anthropic"]
    assert run["status"] == "partial" and "BrokenProcessPool" in run["reason"]
    assert (run["new"], run["errors"]) == (4, 1)
    stored = stored_postings(database_url)
    assert set(stored) == {"1", "2", "4", "5"}  # a new pool took 4 and 5
    assert stored["5"]["role_family"] is not None


def test_sigterm_stops_a_pooled_crawl_whole(replay, database_url):
    ids = serve_visa(replay, 20)
    crawl = start_scrapy(
        "crawl", "smartrecruiters", "-a", "company=visa",
        settings={"DATABASE_URL": database_url, "SMARTRECRUITERS_BASE_URL": replay.url,
                  "RETRY_TIMES": 0, "DOWNLOAD_DELAY": 0.2, "DOWNLOAD_DELAY_JITTER": 0,
                  "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                  "JOBS_STAGE_PROCESSES": 1},
    )  # fmt: skip
    wait_for_details(replay, crawl, 5)
    crawl.send_signal(signal.SIGTERM)
    log, _ = crawl.communicate(timeout=60)
    assert crawl.returncode == 0, log[-3000:]
    assert "Closing spider (shutdown)" in log and "Stage pool closed" in log
    assert "Traceback" not in log, log[-3000:]
    # the requests already scheduled are answered: every posting is stored, enriched
    stored = stored_postings(database_url)
    assert set(stored) == set(ids) and all(row["description_text"] for row in stored.values())
    assert latest_runs(database_url)["visa"]["status"] == "ok"
