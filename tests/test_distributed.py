"""Distributed runs: `scrapy enqueue`, workers (`scrapy crawlall --worker`) and `scrapy runs`,
with a real Redis (REDIS_TEST_URL) and a real Postgres, against the replay server."""

from __future__ import annotations

import copy
import json
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from scrapy.utils.project import get_project_settings

from crawler.commands.demo import DEMO_DIR, demo_registry_text
from crawler.registry import load_registry
from crawler.replay import ReplayServer, Route, load_routes
from tests.support import (
    finish_scrapy,
    fixture_text,
    query,
    run_scrapy,
    start_scrapy,
    stored_postings,
    write_registry,
)

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL")
pytestmark = pytest.mark.skipif(
    not REDIS_TEST_URL, reason="REDIS_TEST_URL is not set (.ci/run sets it and starts Redis)"
)
BASE_URL_SETTINGS = [name for name in get_project_settings().attributes
                     if name.endswith("_BASE_URL")]  # fmt: skip
# No politeness towards the local replay server; no retries, so a failure shows.
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 0}


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"cc-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    server = redis.Redis.from_url(REDIS_TEST_URL)
    keys = list(server.scan_iter(f"{prefix}:*"))
    if keys:
        server.delete(*keys)


def greenhouse_board(board: str, first_id: int, jobs: int) -> dict:
    """A Greenhouse board response with ``jobs`` postings shaped like the recorded ones."""
    templates = json.loads(fixture_text("greenhouse/anthropic_jobs.json"))["jobs"]
    listed = []
    for number in range(jobs):
        job = copy.deepcopy(templates[number % len(templates)])
        job["id"] = first_id + number
        job["absolute_url"] = f"https://job-boards.greenhouse.io/{board}/jobs/{job['id']}"
        job["title"] = f"{job['title']} ({board} #{number})"
        listed.append(job)
    return {"jobs": listed, "meta": {"total": len(listed)}}


class Fleet:
    """The demo's recorded companies of every platform, plus generated Greenhouse boards,
    served by one replay server; a registry file of them all."""

    def __init__(self, tmp_path: Path, greenhouse_boards: int, jobs_per_board: int = 4):
        routes = [r for path in sorted(DEMO_DIR.glob("*.routes.json")) for r in load_routes(path)]
        self.server = ReplayServer(routes).start()
        names = [f"fleet{index:02d}" for index in range(greenhouse_boards)]
        self.boards = {
            name: greenhouse_board(name, 7_000_000 + index * 100, jobs_per_board)
            for index, name in enumerate(names)
        }
        self.serve_boards()
        registry_text = demo_registry_text(self.server.url) + "\n"
        self.registry = tmp_path / "companies.toml"
        self.registry.write_text(registry_text, encoding="utf-8")
        extra = [{"slug": b, "name": b.title(), "platform": "greenhouse", "board": b}
                 for b in self.boards]  # fmt: skip
        write_registry(tmp_path / "generated.toml", extra)
        with self.registry.open("a", encoding="utf-8") as registry:
            registry.write((tmp_path / "generated.toml").read_text(encoding="utf-8"))
        self.companies = load_registry(self.registry)

    def serve_boards(self, delay: dict[str, float] | None = None) -> None:
        for board, body in self.boards.items():
            self.server.routes.insert(0, Route(
                path=f"/v1/boards/{board}/jobs", body=json.dumps(body).encode(),
                query={"content": "true"}, delay=(delay or {}).get(board, 0.0),
            ))  # fmt: skip

    def settings(self, database_url: str, redis_prefix: str, **more) -> dict:
        return {
            "DATABASE_URL": database_url, "COMPANIES_FILE": self.registry,
            "REDIS_URL": REDIS_TEST_URL, "WORKER_REDIS_PREFIX": redis_prefix,
            **{name: self.server.url for name in BASE_URL_SETTINGS}, **FAST, **more,
        }  # fmt: skip

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture
def fleet_factory(tmp_path) -> Iterator:
    fleets: list[Fleet] = []

    def make(greenhouse_boards: int, jobs_per_board: int = 4) -> Fleet:
        fleets.append(Fleet(tmp_path, greenhouse_boards, jobs_per_board))
        return fleets[-1]

    yield make
    for fleet in fleets:
        fleet.stop()


def enqueue(settings: dict, *args: str) -> str:
    result = run_scrapy("enqueue", *args, settings=settings)
    assert result.returncode == 0, result.log[-3000:]
    line = next(line for line in result.log.splitlines() if line.startswith("run "))
    return line.split()[1].rstrip(":")


def run_workers(settings: dict, names: list[str], timeout: int = 120) -> list:
    processes = [start_scrapy("crawlall", "--worker", settings={**settings, "WORKER_NAME": name})
                 for name in names]  # fmt: skip
    # Read every worker's output at once: a worker whose pipe nobody reads blocks once
    # it has logged 64 KB, in the middle of a write, and the others wait for its
    # companies for ever.
    with ThreadPoolExecutor(len(processes)) as readers:
        return list(readers.map(lambda process: finish_scrapy(process, timeout), processes))


def run_states(database_url: str, run_id: str) -> dict[str, dict]:
    rows = query(database_url, "SELECT * FROM run_companies WHERE run_id = %s", (run_id,))
    return {row["company"]: row for row in rows}


def test_two_workers_share_a_run_then_a_second_run_closes_exactly_the_removed_postings(
    fleet_factory, database_url, redis_prefix
):
    fleet = fleet_factory(greenhouse_boards=23)  # + 17 demo companies = 40
    assert len(fleet.companies) == 40
    settings = fleet.settings(database_url, redis_prefix, WORKER_COMPANIES=3)

    run_id = enqueue(settings)
    first, second = run_workers(settings, ["worker-a", "worker-b"])
    for result in (first, second):
        assert result.returncode == 0, result.log[-4000:]
        assert "Traceback" not in result.log and "ScrapyDeprecationWarning" not in result.log

    states = run_states(database_url, run_id)
    assert len(states) == 40
    assert {row["state"] for row in states.values()} == {"ok"}
    assert {row["worker"] for row in states.values()} == {"worker-a", "worker-b"}
    assert {row["attempts"] for row in states.values()} == {1}
    # every request fetched once, by one worker or the other
    fetched = Counter(fleet.server.received)  # (method, path, body): Workday POSTs pages
    assert fleet.server.unmatched == []
    assert [request for request, times in fetched.items() if times > 1] == []
    # every posting stored once: one crawl_runs row per company, new = stored postings
    crawl_runs = query(database_url, "SELECT * FROM crawl_runs")
    assert sorted(r["company"] for r in crawl_runs) == sorted(c.slug for c in fleet.companies)
    postings = stored_postings(database_url)
    assert sum(r["new"] for r in crawl_runs) == len(postings)
    assert {r["run_id"] for r in crawl_runs} == {run_id}
    # each worker's closing table lists only the companies it crawled
    crawled_by_a = {slug for slug, row in states.items() if row["worker"] == "worker-a"}
    assert f"{len(crawled_by_a)} of {len(crawled_by_a)} companies ok" in first.log

    overview = run_scrapy("runs", settings=settings)
    assert overview.returncode == 0, overview.log
    line = next(line for line in overview.log.splitlines() if line.startswith(run_id))
    assert line.split()[3:9] == ["40", "0", "0", "40", "0", "0"]
    assert line.endswith("done")

    # Second run: 5% of the postings are gone from their boards.
    removed = set()
    open_postings = len(postings)
    for board in sorted(fleet.boards)[: round(open_postings * 0.05)]:
        job = fleet.boards[board]["jobs"].pop()
        removed.add(str(job["id"]))
    fleet.serve_boards()
    fleet.server.received.clear()
    second_run = enqueue(settings)
    results = run_workers(settings, ["worker-a", "worker-b"])
    assert [r.returncode for r in results] == [0, 0], results[0].log[-3000:]
    assert {row["state"] for row in run_states(database_url, second_run).values()} == {"ok"}
    closed = {external_id for external_id, row in stored_postings(database_url).items()
              if row["closed_at"] is not None}  # fmt: skip
    assert removed and closed == removed
    assert [r for r, n in Counter(fleet.server.received).items() if n > 1] == []


def test_a_killed_workers_company_is_crawled_by_another_and_nothing_is_closed(
    fleet_factory, database_url, redis_prefix
):
    fleet = fleet_factory(greenhouse_boards=6, jobs_per_board=3)
    only_greenhouse = ("--platform", "greenhouse")
    settings = fleet.settings(database_url, redis_prefix, WORKER_LEASE_SECONDS=2)
    enqueue(settings, *only_greenhouse)
    [seeded] = run_workers(settings, ["seeder"])  # a first run: postings to keep open
    assert seeded.returncode == 0, seeded.log[-3000:]
    open_before = stored_postings(database_url)

    fleet.serve_boards(delay={"fleet03": 4.0})  # the doomed worker is still on it when killed
    fleet.server.requests.clear()
    run_id = enqueue(settings, *only_greenhouse)
    doomed = start_scrapy("crawlall", "--worker", settings={**settings, "WORKER_NAME": "doomed"})
    slow = "/v1/boards/fleet03/jobs?content=true"
    deadline = time.monotonic() + 60
    while ("GET", slow) not in fleet.server.requests and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ("GET", slow) in fleet.server.requests, "the doomed worker never reached fleet03"
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()

    [survivor] = run_workers(settings, ["survivor"])
    assert survivor.returncode == 0, survivor.log[-4000:]
    states = run_states(database_url, run_id)
    assert {slug: row["state"] for slug, row in states.items()} == dict.fromkeys(states, "ok")
    assert (states["fleet03"]["worker"], states["fleet03"]["attempts"]) == ("survivor", 2)
    assert "lease expired on doomed (attempt 1)" in states["fleet03"]["reason"]
    assert fleet.server.requests.count(("GET", slow)) == 2
    after = stored_postings(database_url)
    assert after.keys() == open_before.keys()
    assert [i for i, row in after.items() if row["closed_at"] is not None] == []
    runs_of_fleet03 = query(database_url, "SELECT status, run_id FROM crawl_runs"
                                          " WHERE company = 'fleet03' ORDER BY id")  # fmt: skip
    assert [r["status"] for r in runs_of_fleet03] == ["ok", "ok"]
    assert runs_of_fleet03[-1]["run_id"] == run_id


def test_a_worker_stopped_politely_gives_its_company_back_at_once(
    fleet_factory, database_url, redis_prefix
):
    fleet = fleet_factory(greenhouse_boards=0)
    listing = "/wday/cxs/nvidia/NVIDIAExternalCareerSite/jobs"
    for route in fleet.server.routes:
        if route.path == listing and route.json_body == {"offset": 0}:
            route.delay = 3.0  # its details are still to come when the worker is stopped
    settings = fleet.settings(database_url, redis_prefix)  # the default 300 s lease
    run_id = enqueue(settings, "--company", "nvidia")
    worker = start_scrapy("crawlall", "--worker", settings={**settings, "WORKER_NAME": "stopped"})
    deadline = time.monotonic() + 60
    while ("POST", listing) not in fleet.server.requests and time.monotonic() < deadline:
        time.sleep(0.1)
    worker.send_signal(signal.SIGTERM)  # as systemd stops a unit
    finish_scrapy(worker)
    nvidia = run_states(database_url, run_id)["nvidia"]
    assert (nvidia["state"], nvidia["attempts"], nvidia["reason"]) == (
        "queued", 1, "stopped stopped"
    )
    assert redis.Redis.from_url(REDIS_TEST_URL).get(f"{redis_prefix}:lease:nvidia") is None

    [other] = run_workers(settings, ["other"])  # no lease to wait for
    assert other.returncode == 0, other.log[-3000:]
    nvidia = run_states(database_url, run_id)["nvidia"]
    assert (nvidia["state"], nvidia["worker"], nvidia["attempts"]) == ("ok", "other", 2)
    statuses = [r["status"] for r in query(database_url, "SELECT status FROM crawl_runs"
                                                         " ORDER BY id")]  # fmt: skip
    assert statuses[0] in {"partial", "failed"} and statuses[1:] == ["ok"]  # cut short, then whole
    assert [r["closed_at"] for r in stored_postings(database_url).values()] == [None] * 23


def most_at_once(database_url: str, run_id: str) -> int:
    """The most companies of the run that were in progress at the same moment."""
    events = []
    for row in run_states(database_url, run_id).values():
        events += [(row["started_at"], 1), (row["finished_at"], -1)]
    at_once = most = 0
    for _, change in sorted(events):  # at one instant, a finish (-1) sorts first
        at_once += change
        most = max(most, at_once)
    return most


@pytest.mark.parametrize(("setting", "expected"), [({}, 4), ({"WORKER_COMPANIES": 2}, 2)])
def test_a_worker_crawls_a_shared_host_platforms_companies_four_at_a_time(
    fleet_factory, database_url, redis_prefix, setting, expected
):
    fleet = fleet_factory(greenhouse_boards=10, jobs_per_board=1)
    fleet.serve_boards(delay=dict.fromkeys(fleet.boards, 0.4))  # so that companies overlap
    settings = fleet.settings(database_url, redis_prefix, **setting)
    run_id = enqueue(settings, "--company", ",".join(fleet.boards))
    [worker] = run_workers(settings, ["w"])
    assert worker.returncode == 0, worker.log[-3000:]
    assert {row["state"] for row in run_states(database_url, run_id).values()} == {"ok"}
    # Greenhouse's API host serves every company: a few at once keep its slot busy
    # (PlatformSpider.worker_companies), unless WORKER_COMPANIES says otherwise.
    assert most_at_once(database_url, run_id) == expected


def test_a_run_queues_new_companies_first_then_the_largest(
    fleet_factory, database_url, redis_prefix
):
    fleet = fleet_factory(greenhouse_boards=4)
    sizes = {"fleet00": 1, "fleet01": 3, "fleet02": 2, "fleet03": 1}
    for index, (board, jobs) in enumerate(sizes.items()):
        fleet.boards[board] = greenhouse_board(board, 7_000_000 + index * 100, jobs)
    fleet.serve_boards()
    settings = fleet.settings(database_url, redis_prefix)
    enqueue(settings, "--company", "fleet00,fleet01,fleet02")
    [worker] = run_workers(settings, ["w"])
    assert worker.returncode == 0, worker.log[-3000:]

    enqueue(settings, "--company", ",".join(sizes))
    queued = redis.Redis.from_url(REDIS_TEST_URL).lrange(f"{redis_prefix}:queue:greenhouse", 0, -1)
    # fleet03 was never crawled (its size is unknown), then by open postings: so that no
    # worker is left with a big board alone at the end of a run
    assert [json.loads(item)["company"]["slug"] for item in queued] == [
        "fleet03", "fleet01", "fleet02", "fleet00"
    ]


def test_a_company_whose_lease_keeps_expiring_fails_with_its_reason(
    fleet_factory, database_url, redis_prefix
):
    fleet = fleet_factory(greenhouse_boards=2, jobs_per_board=1)
    settings = fleet.settings(database_url, redis_prefix, WORKER_LEASE_SECONDS=1,
                              WORKER_MAX_ATTEMPTS=1)  # fmt: skip
    run_id = enqueue(settings, "--company", "fleet00,fleet01")
    # A worker took fleet00 and vanished without a lease (as if killed long ago).
    query(database_url, """UPDATE run_companies SET state = 'in_progress', worker = 'ghost',
                              attempts = 1 WHERE run_id = %s AND company = 'fleet00'
                           RETURNING company""", (run_id,))  # fmt: skip
    [worker] = run_workers(settings, ["w"])
    assert worker.returncode == 0, worker.log[-3000:]
    states = run_states(database_url, run_id)
    assert states["fleet01"]["state"] == "ok"
    assert states["fleet00"]["state"] == "failed"
    assert states["fleet00"]["reason"] == (
        "lease expired on ghost (attempt 1); gave up after 1 attempts"
    )
    assert ("GET", "/v1/boards/fleet00/jobs?content=true") not in fleet.server.requests
    overview = run_scrapy("runs", run_id, settings=settings)
    assert "fleet00" in overview.log and "gave up after 1 attempts" in overview.log


def test_a_company_another_run_is_crawling_waits_for_it(fleet_factory, database_url,
                                                         redis_prefix):  # fmt: skip
    fleet = fleet_factory(greenhouse_boards=2, jobs_per_board=1)
    settings = fleet.settings(database_url, redis_prefix)
    run_id = enqueue(settings, "--company", "fleet00,fleet01")
    # Another run's worker holds fleet00 until this test lets it go.
    server = redis.Redis.from_url(REDIS_TEST_URL)
    server.set(f"{redis_prefix}:lease:fleet00", "other-run elsewhere:1", px=120_000)
    worker = start_scrapy("crawlall", "--worker", settings={**settings, "WORKER_NAME": "w"})
    deadline = time.monotonic() + 60
    while run_states(database_url, run_id)["fleet01"]["state"] != "ok":
        assert time.monotonic() < deadline and worker.poll() is None, "fleet01 never finished"
        time.sleep(0.2)
    time.sleep(1)  # the worker keeps fleet00 waiting (it is idle, so it tries again)
    assert run_states(database_url, run_id)["fleet00"]["state"] == "queued"
    released_at = time.time()
    server.delete(f"{redis_prefix}:lease:fleet00")
    result = finish_scrapy(worker)
    assert result.returncode == 0, result.log[-3000:]
    states = run_states(database_url, run_id)
    assert {row["state"] for row in states.values()} == {"ok"}
    assert states["fleet00"]["started_at"].timestamp() >= released_at - 0.1


def test_enqueue_and_worker_say_what_is_missing(database_url, tmp_path):
    registry = write_registry(tmp_path / "companies.toml", [
        {"slug": "acme", "name": "Acme", "platform": "greenhouse", "board": "acme"}])
    result = run_scrapy("enqueue", settings={"DATABASE_URL": database_url,
                                             "COMPANIES_FILE": registry})  # fmt: skip
    assert result.returncode != 0 and "scrapy enqueue needs REDIS_URL" in result.log
    result = run_scrapy("crawlall", "--worker", settings={"DATABASE_URL": database_url})
    assert result.returncode != 0 and "a worker needs REDIS_URL" in result.log
    result = run_scrapy("enqueue", "--company", "nope", settings={
        "DATABASE_URL": database_url, "COMPANIES_FILE": registry, "REDIS_URL": REDIS_TEST_URL})
    assert result.returncode != 0 and "not in the registry: 'nope'" in result.log
    assert "Traceback" not in result.log
