"""The database may go away mid-crawl: rows wait and land when it is back; if it does
not come back in time the crawl says so, exits non-zero and closes nothing.

A Postgres of the test's own (tests/throwaway_postgres.py) is stopped and started
again while `scrapy crawl` runs a 40-company registry from the replay server.
"""

from __future__ import annotations

import os
import subprocess
import time

import psycopg
import pytest

from crawler.db.embedded import embedded_database_url
from tests.support import query, start_scrapy, write_registry
from tests.test_completion import jobs
from tests.throwaway_postgres import BIN, SYSTEM_USER, ThrowawayPostgres

COMPANIES = 40
PER_BOARD = 3


@pytest.fixture
def server():
    postgres = ThrowawayPostgres()
    postgres.start()
    yield postgres
    postgres.remove()


def serve_fleet(replay, tmp_path, drop_first: bool = False):
    companies = []
    for n in range(COMPANIES):
        board = f"company{n:02d}"
        companies.append({"slug": board, "name": f"Company {n}", "platform": "greenhouse",
                          "board": board})  # fmt: skip
        ids = [n * 100 + i for i in range(PER_BOARD)]
        listed = jobs(ids[1:] if drop_first else ids)
        for job in listed["jobs"]:
            job["title"] = f"Engineer {job['id']}"
        replay.add(f"/v1/boards/{board}/jobs", listed, query={"content": "true"})
    return write_registry(tmp_path / "companies.toml", companies)


def start_crawl(replay, registry, url, **settings):
    return start_scrapy(
        "crawl", "greenhouse",
        settings={"DATABASE_URL": url, "GREENHOUSE_BASE_URL": replay.url,
                  "COMPANIES_FILE": registry, "RETRY_TIMES": 0, "AUTOTHROTTLE_ENABLED": False,
                  "DOWNLOAD_DELAY": 0.1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                  "DOWNLOAD_DELAY_JITTER": 0, "JOBS_DB_FLUSH_SECONDS": 0.2,
                  "JOBS_DB_BATCH_SIZE": 4, **settings},
    )  # fmt: skip


def wait_for_rows(crawl, url: str, at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if crawl.poll() is not None:
            raise AssertionError(crawl.communicate()[0][-4000:])
        try:
            with psycopg.connect(url) as conn:
                if conn.execute("SELECT count(*) FROM postings").fetchone()[0] >= at_least:
                    return
        except psycopg.Error:
            pass  # not migrated yet
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} postings after {timeout}s")


def test_a_restarted_database_loses_nothing(replay, tmp_path, server):
    registry = serve_fleet(replay, tmp_path)
    crawl = start_crawl(replay, registry, server.url)
    wait_for_rows(crawl, server.url, 6)  # a few companies in
    server.stop()
    time.sleep(2)  # rows keep arriving and wait
    server.start()
    log, _ = crawl.communicate(timeout=180)
    assert crawl.returncode == 0, log[-4000:]
    assert "unreachable while" in log and "retrying" in log
    rows = query(server.url, "SELECT company, closed_at FROM postings")
    assert len(rows) == COMPANIES * PER_BOARD
    runs = query(server.url, "SELECT company, status FROM crawl_runs")
    assert sorted(r["company"] for r in runs) == [f"company{n:02d}" for n in range(COMPANIES)]
    assert {r["status"] for r in runs} == {"ok"}


def test_a_database_that_stays_away_ends_the_crawl_closing_nothing(replay, tmp_path, server):
    registry = serve_fleet(replay, tmp_path)
    first = start_crawl(replay, registry, server.url, DOWNLOAD_DELAY=0)
    log, _ = first.communicate(timeout=180)
    assert first.returncode == 0, log[-4000:]

    registry = serve_fleet(replay, tmp_path, drop_first=True)  # one posting gone per board
    crawl = start_crawl(replay, registry, server.url, JOBS_DB_RETRY_SECONDS=2)
    deadline = time.monotonic() + 60
    while len(query(server.url, "SELECT id FROM crawl_runs")) < COMPANIES + 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    server.stop()
    log, _ = crawl.communicate(timeout=180)
    server.start()
    assert crawl.returncode == 1, log[-4000:]
    assert "did not come back within JOBS_DB_RETRY_SECONDS=2" in log
    assert "nothing is closed" in log
    finished = query(server.url, "SELECT sum(closed) AS closed, count(*) AS n FROM crawl_runs"
                     " WHERE id > %s AND status = 'ok'", (COMPANIES,))[0]  # fmt: skip
    closed = query(server.url, "SELECT count(*) AS n FROM postings WHERE closed_at IS NOT NULL")
    # Only companies recorded ok before the loss closed anything: their one gone posting.
    assert closed[0]["n"] == finished["closed"] == finished["n"] < COMPANIES

    again = start_crawl(replay, registry, server.url, DOWNLOAD_DELAY=0)  # starts clean
    log, _ = again.communicate(timeout=180)
    assert again.returncode == 0, log[-4000:]
    closed = query(server.url, "SELECT count(*) AS n FROM postings WHERE closed_at IS NOT NULL")
    assert closed[0]["n"] == COMPANIES


def test_the_embedded_postgres_is_started_again_when_it_goes_away(replay, tmp_path):
    data_dir = tmp_path / "data"
    registry = serve_fleet(replay, tmp_path)
    crawl = start_scrapy(
        "crawl", "greenhouse",
        settings={"JOBS_DATA_DIR": data_dir, "GREENHOUSE_BASE_URL": replay.url,
                  "COMPANIES_FILE": registry, "RETRY_TIMES": 0, "AUTOTHROTTLE_ENABLED": False,
                  "DOWNLOAD_DELAY": 0.1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                  "DOWNLOAD_DELAY_JITTER": 0, "JOBS_DB_FLUSH_SECONDS": 0.2},
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while len(replay.requests) < 8:  # a few companies in
        assert crawl.poll() is None, crawl.communicate()[0][-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pgdata = data_dir / "postgres"
    stop_embedded(pgdata)  # as a crash or an operator would
    log, _ = crawl.communicate(timeout=300)
    assert crawl.returncode == 0, log[-4000:]
    assert "unreachable while" in log
    url = embedded_database_url(pgdata)  # this process's handle stops it at exit
    assert len(query(url, "SELECT id FROM postings")) == COMPANIES * PER_BOARD
    runs = query(url, "SELECT status FROM crawl_runs")
    assert len(runs) == COMPANIES and {r["status"] for r in runs} == {"ok"}


def stop_embedded(pgdata) -> None:
    """Stop the embedded server in ``pgdata`` from outside the process that runs it."""
    as_user = ["runuser", "-u", SYSTEM_USER, "--"] if os.geteuid() == 0 else []
    subprocess.run([*as_user, str(BIN / "pg_ctl"), "-D", str(pgdata), "-m", "immediate",
                    "-w", "stop"], check=True, capture_output=True)  # fmt: skip
