"""One worker against two, on the 118-company fleet: does a run scale with workers?

    .venv/bin/python bench/bench_workers.py [--companies 118] [--postings 5900] [--repeat 3]
                                            [-s NAME=VALUE ...]

A local replay server serves ``--companies`` generated Greenhouse boards holding
``--postings`` jobs with ~5 KB descriptions (bench/common.py), politeness off (so the
crawl is CPU-bound, not waiting on delays). Each repetition, in alternating order,
queues the whole fleet as one run (`scrapy enqueue`) into a fresh database and times
``scrapy crawlall --worker`` processes until every one has exited: one worker, then
two side by side. Wall-clock seconds include each worker's start-up (an operator's
run does too). Prints medians and the ratio two / one (goal <= 0.65).

Needs Redis (BENCH_REDIS_URL, else REDIS_TEST_URL, else redis://127.0.0.1:6379/15;
keys under a prefix of their own, deleted at the end) and Postgres (BENCH_DATABASE_URL
or TEST_DATABASE_URL, or the tests' embedded server). A script, never a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil
import psycopg
import redis

from bench.common import (
    FETCH_SETTINGS,
    PROJECT_ROOT,
    BenchDatabases,
    board_name,
    generate_boards,
    serve_boards,
    server_url,
    write_registry,
)
from crawler.replay import ReplayServer

GOAL = 0.65


def scrapy(*args: str, settings: dict[str, object], log: Path) -> list[str]:
    command = [sys.executable, "-m", "scrapy", *args, "--logfile", str(log)]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def postgres_cpu() -> float:
    """CPU seconds used so far by this machine's Postgres processes (0 if none is
    visible): what the workers make the database do competes with them for the cores."""
    total = 0.0
    for process in psutil.process_iter(["name", "cpu_times"]):
        times = process.info["cpu_times"]
        if process.info["name"] in ("postgres", "postmaster") and times:
            # A connection's backend is a child of the postmaster: once it exits, its
            # CPU time is in the postmaster's children times.
            total += times.user + times.system + times.children_user + times.children_system
    return total


def timed_run(
    workers: int, settings: dict[str, object], logs: Path
) -> tuple[float, float, float, float]:
    """Queue the fleet, then the seconds until ``workers`` worker processes are done, the
    CPU seconds they used together, and the CPU seconds of Postgres and of this process
    (the fleet's server) meanwhile."""
    subprocess.run(scrapy("enqueue", settings=settings, log=logs / "enqueue.log"),
                   cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    started = time.perf_counter()
    database_before, server_before = postgres_cpu(), time.process_time()
    processes = []
    for index in range(workers):
        command = scrapy("crawlall", "--worker",
                         settings={**settings, "WORKER_NAME": f"bench-{index}"},
                         log=logs / f"worker-{workers}-{index}.log")  # fmt: skip
        processes.append(subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    codes = [process.wait() for process in processes]
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    database, server = postgres_cpu() - database_before, time.process_time() - server_before
    if any(codes):
        raise SystemExit(f"a worker failed ({codes}); logs in {logs}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, database, server


def company_seconds(database_url: str) -> str:
    """How long a company took from taken to recorded (median, 90th percentile), and
    the tail: how long the last worker went on after the first had recorded its last
    company (a core idle, since a company is never split between workers)."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s),
                      percentile_cont(0.9) WITHIN GROUP (ORDER BY s)
               FROM (SELECT extract(epoch FROM finished_at - started_at) AS s
                     FROM run_companies) AS taken"""
        ).fetchone()
        tail = conn.execute(
            """SELECT extract(epoch FROM max(last) - min(last)), count(*)
               FROM (SELECT max(finished_at) AS last FROM run_companies
                     GROUP BY worker) AS workers"""
        ).fetchone()
    text = f"a company {row[0]:.2f} s taken to recorded (p90 {row[1]:.2f} s)"
    if tail[1] > 1:
        text += f"; tail {tail[0]:.2f} s"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--companies", type=int, default=118)
    parser.add_argument("--postings", type=int, default=5900)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for every worker (e.g. WORKER_COMPANIES=16)")
    options = parser.parse_args()

    redis_url = (os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_TEST_URL")
                 or "redis://127.0.0.1:6379/15")  # fmt: skip
    prefix = f"bench-workers-{uuid.uuid4().hex[:8]}"
    databases = BenchDatabases(server_url())
    logs = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    boards = [board_name(b) for b in range(options.companies)]
    registry = write_registry(logs / "companies.toml", boards)
    timings: dict[int, list[float]] = {1: [], 2: []}
    try:
        with ReplayServer() as replay:
            serve_boards(replay, generate_boards(options.postings, options.companies))
            base = {**FETCH_SETTINGS, "COMPANIES_FILE": registry, "REDIS_URL": redis_url,
                    "WORKER_REDIS_PREFIX": prefix, "GREENHOUSE_BASE_URL": replay.url}  # fmt: skip
            base.pop("LOG_LEVEL")
            base.update(setting.split("=", 1) for setting in options.set)
            for repetition in range(options.repeat):
                order = (1, 2) if repetition % 2 == 0 else (2, 1)
                for workers in order:
                    settings = {**base, "DATABASE_URL": databases.fresh()}
                    seconds, cpu, database, server = timed_run(workers, settings, logs)
                    timings[workers].append(seconds)
                    print(f"repetition {repetition + 1}: {workers} worker(s) {seconds:.2f} s"
                          f" (CPU: workers {cpu:.1f} s, Postgres {database:.1f} s, server"
                          f" {server:.1f} s); {company_seconds(settings['DATABASE_URL'])}",
                          flush=True)  # fmt: skip
    finally:
        databases.drop_all()
        server = redis.Redis.from_url(redis_url)
        keys = list(server.scan_iter(f"{prefix}:*"))
        if keys:
            server.delete(*keys)

    one, two = statistics.median(timings[1]), statistics.median(timings[2])
    print(f"\n{options.companies} companies, {options.postings} postings, "
          f"{options.repeat} repetitions; {platform.processor() or platform.machine()},"
          f" {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'workers':<10}{'median s':>10}{'x one':>8}")
    print(f"{'1':<10}{one:>10.2f}{1.0:>8.2f}")
    print(f"{'2':<10}{two:>10.2f}{two / one:>8.2f}   (goal <= {GOAL})")


if __name__ == "__main__":
    main()
