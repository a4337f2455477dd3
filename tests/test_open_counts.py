"""Open postings per company (company_open_postings, migration 0009) always equal the
postings themselves: after whole crawls through the replay server that add, close,
merge, retract and move postings, after crawls stopped early or killed, and on a
database that had postings before the migration."""

from __future__ import annotations

import signal
import time

import psycopg
import pytest

from bench.bench_queries import fill_postings
from crawler.db.migrate import apply_migrations
from crawler.db.site import open_counts_by_company
from tests.support import latest_runs as runs
from tests.support import query, run_scrapy, write_registry
from tests.test_completion import (
    crawl,
    crawl_visa,
    jobs,
    serve_visa,
    slow_visa_crawl,
    wait_for_details,
)

LIVE_COUNTS = """SELECT company, count(*) AS open_postings FROM postings
                 WHERE closed_at IS NULL GROUP BY company
                 ORDER BY open_postings DESC, company"""


def site_counts(database_url: str) -> list[dict]:
    with psycopg.connect(database_url) as conn:
        return open_counts_by_company(conn)


def assert_counts_true(database_url: str) -> dict[str, int]:
    """The site's counts are the live count; returns them by company."""
    counts = site_counts(database_url)
    assert counts == query(database_url, LIVE_COUNTS)
    return {row["company"]: row["open_postings"] for row in counts}


def test_counts_follow_a_recrawl_that_closes_postings(replay, database_url):
    crawl(replay, database_url, jobs([1, 2, 3, 4, 5])).assert_clean()
    assert assert_counts_true(database_url) == {"anthropic": 5}
    crawl(replay, database_url, jobs([1, 2, 3, 6])).assert_clean()  # 4, 5 gone; 6 new
    assert runs(database_url)["anthropic"]["closed"] == 2
    assert assert_counts_true(database_url) == {"anthropic": 4}
    crawl(replay, database_url, jobs([1, 2, 3, 4, 6])).assert_clean()  # 4 is back
    assert assert_counts_true(database_url) == {"anthropic": 5}
    crawl(replay, database_url, jobs([])).assert_clean()  # an empty board: all close
    assert query(database_url, "SELECT count(*) AS n FROM open_postings")[0]["n"] == 0
    assert assert_counts_true(database_url) == {}  # none open: not listed


def test_counts_after_a_same_job_retraction(replay, database_url):
    repeated = jobs([20, 10, 30])
    for job in repeated["jobs"][:2]:  # 20 is stored first, then 10 (same job) keeps it
        job["title"] = "Platform Engineer"
        job["content"] = "&lt;p&gt;Build the platform.&lt;/p&gt;"
    crawl(replay, database_url, repeated).assert_clean()
    assert {r["external_id"] for r in query(database_url, "SELECT external_id FROM postings")} \
        == {"10", "30"}  # 20's row was deleted at the finish  # fmt: skip
    assert assert_counts_true(database_url) == {"anthropic": 2}


def test_counts_after_a_registry_move_closes_the_old_board(replay, database_url, tmp_path):
    crawl(replay, database_url, jobs([1, 2])).assert_clean()  # anthropic on Greenhouse
    serve_visa(replay, 3)
    crawl_visa(replay, database_url).assert_clean()  # visa: another company
    assert assert_counts_true(database_url) == {"anthropic": 2, "visa": 3}
    registry = write_registry(tmp_path / "companies.toml", [
        {"slug": "anthropic", "name": "Anthropic", "platform": "smartrecruiters",
         "board": "Visa"},  # moved: the new board (Visa's, so it holds visa's postings)
    ])  # fmt: skip
    result = run_scrapy(
        "crawl", "smartrecruiters", "-a", "company=anthropic",
        settings={"DATABASE_URL": database_url, "SMARTRECRUITERS_BASE_URL": replay.url,
                  "COMPANIES_FILE": registry, "RETRY_TIMES": 0},
    )  # fmt: skip
    result.assert_clean()
    assert runs(database_url)["anthropic"]["closed"] == 2  # the old board's postings
    # The Visa board's postings now belong to anthropic: visa lost them without a
    # crawl of its own (a recount at anthropic's finish alone would have kept visa's 3).
    assert assert_counts_true(database_url) == {"anthropic": 3}


def test_counts_after_a_crawl_stopped_early(replay, database_url):
    serve_visa(replay, 30)
    result = crawl_visa(replay, database_url, CLOSESPIDER_ITEMCOUNT=3, CONCURRENT_REQUESTS=1)
    assert "closespider_itemcount" in result.log
    assert runs(database_url)["visa"]["status"] == "partial"
    written = assert_counts_true(database_url)["visa"]
    assert 3 <= written < 30  # what the stopped crawl wrote, and only that
    crawl_visa(replay, database_url).assert_clean()
    assert assert_counts_true(database_url) == {"visa": 30}


def test_counts_after_a_crawl_killed_before_its_finish(replay, database_url):
    serve_visa(replay, 30)
    crawl_visa(replay, database_url).assert_clean()
    # Other ids: the first thirty repeat the stored jobs (same-job merges), the next
    # thirty are new jobs, listed after them.
    serve_visa(replay, 60, id_digits=9)
    replay.requests.clear()
    crawl = slow_visa_crawl(replay, database_url)
    wait_for_details(replay, crawl, 40)
    time.sleep(0.5)  # the rows of those details are streamed in (every 0.1 s)
    crawl.send_signal(signal.SIGKILL)
    crawl.communicate(timeout=60)
    assert len(query(database_url, "SELECT id FROM crawl_runs")) == 1  # no finish
    # Nothing closed (no finish), and the new postings written so far are counted.
    assert 30 < assert_counts_true(database_url)["visa"] <= 60


def test_counts_follow_postings_moved_to_another_slug(replay, database_url):
    crawl(replay, database_url, jobs([1, 2, 3])).assert_clean()
    replay.add("/v1/boards/anthropic/jobs", jobs([1, 2, 3]), query={"content": "true"})
    result = run_scrapy(  # the same board given by hand, under another name
        "crawl", "greenhouse", "-a", "board=anthropic", "-a", "name=Anthropic Labs",
        settings={"DATABASE_URL": database_url, "GREENHOUSE_BASE_URL": replay.url,
                  "RETRY_TIMES": 0},
    )  # fmt: skip
    result.assert_clean()
    assert assert_counts_true(database_url) == {"anthropic-labs": 3}


def test_the_migration_counts_the_postings_already_stored(empty_database_url):
    apply_migrations(empty_database_url, up_to=8)
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        fill_postings(conn, 3_000, 40, description_words=20)  # and 300 closed ones
    applied = apply_migrations(empty_database_url)
    assert [m.version for m in applied] == [9]
    counts = assert_counts_true(empty_database_url)
    assert len(counts) == 40 and sum(counts.values()) == 3_000


def test_a_count_the_triggers_did_not_keep_fails_the_write(database_url):
    """Bypassed triggers (an operator emptying the counts) never go unnoticed."""
    insert = """INSERT INTO postings (platform, board, external_id, company, title, url,
                                      content_hash) VALUES ('p', 'b', '1', 'c', 't', 'u', 'h')"""
    query(database_url, insert + " RETURNING id")
    query(database_url, "DELETE FROM company_open_postings RETURNING company")
    with pytest.raises(psycopg.errors.RaiseException, match="no count for c"):
        query(database_url, "UPDATE postings SET closed_at = now() RETURNING id")
