"""The crawl bench: the bare-Scrapy floor against the project's crawls, side by side.

    .venv/bin/python bench/bench_crawl.py [--scale 10] [--repeat 3] [--markdown FILE]
                                          [--profile FILE.prof]

The fleet (bench/fleet.py): 118 companies, 13,806 postings with ~5 KB descriptions,
Greenhouse boards and Workday paged listings with details among them, served from
loopback; ``--scale 10`` is 1,180 companies (138,060 postings). Each repetition runs,
each in a fresh process, in alternating order (the floor first in odd repetitions,
last in even ones):

- floor: bench/floor.py, plain Scrapy that fetches the same boards, parses the JSON
  and strips the tags from each description;
- full: ``scrapy crawlall`` into an empty Postgres database (every posting new);
- full, process pool x1 / x2: the same with ``-s JOBS_STAGE_PROCESSES=1`` (one child
  beside the crawl process: both cores) and ``=2``, each into an empty database; the
  pool's processes are reaped before the crawl exits, so their CPU is in its wait4;
- unchanged: ``scrapy crawlall`` again into that database (the daily re-crawl);
- changed: again, with 5% of the postings changed and 5% removed (a busy day);
- workers: ``scrapy enqueue`` then one ``scrapy crawlall --worker``, and then two at
  once, each into an empty database (REDIS_URL from BENCH_REDIS_URL or
  REDIS_TEST_URL; its database is flushed first, so give the bench its own); "not
  available" while the project has no such commands;
- with ``--scale`` above 1, also the full crawl of the 1x fleet, for the scaling ratio.

For each: wall seconds, CPU seconds (user + sys of the crawl process and its
children, from wait4), peak RSS of the crawl process (its own VmHWM, printed at exit
through bench/peak.py; for two workers, the larger; a stage pool's processes are listed
below the table, from the crawl's log), rows written (new + updated +
closed, from crawl_runs; unchanged postings only have last_seen_at moved), and the
ratio of wall and CPU to the floor's; medians over repetitions. Postgres's own CPU is
not in the crawl's (another process).
Politeness is off in all runs alike (bench.common.FETCH_SETTINGS). Databases are
created on BENCH_DATABASE_URL or TEST_DATABASE_URL (or the tests' embedded server)
and dropped. ``--profile`` runs one more full crawl under cProfile, saves the stats
and prints the per-stage table (bench/profile_stages.py); ``--py-spy FILE.txt`` does
the same with py-spy's sampler (the dev extra installs it). A script, never a test.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from bench.common import FETCH_SETTINGS, PROJECT_ROOT, BenchDatabases, server_url
from bench.fleet import Fleet, FleetServer, build_fleet
from bench.peak import parse_peak_mb
from bench.profile_stages import SAMPLE_RATE, print_stage_table

# Through bench/peak.py, so each crawl reports its own peak RSS (see there why).
PEAK = str(PROJECT_ROOT / "bench" / "peak.py")
SCRAPY = [sys.executable, PEAK, "scrapy"]
TARGETS = {"full": 3.0, "unchanged": 1.3, "workers x2": 2.0, "full, process pool x1": 2.0,
           "full, process pool x2": 2.0}  # fmt: skip
POOL_PEAKS = re.compile(r"Stage pool closed: peak RSS per process ([\d, ]+) MB")
RSS_TARGET_MB = {1: 300, 10: 500}


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    rss_mb: float
    written: int | None = None  # new + updated + closed
    counts: dict[str, int] = field(default_factory=dict)
    failed: bool = False  # a process exited non-zero (its log's tail was printed)
    pool_rss_mb: list[float] = field(default_factory=list)  # a stage pool's processes


def measure(name: str, commands: list[list[str]], env: dict[str, str]) -> Run:
    """Run ``commands`` at once, each a fresh process; wall until the last ends."""
    with contextlib.ExitStack() as stack:
        logs = [stack.enter_context(tempfile.TemporaryFile()) for _ in commands]
        started = time.perf_counter()
        processes = [
            subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                             stderr=subprocess.STDOUT)
            for command, log in zip(commands, logs, strict=True)
        ]  # fmt: skip
        cpu, rss, failed, pool_rss = 0.0, 0.0, [], []
        for process, log in zip(processes, logs, strict=True):
            # wait4: this child's own rusage (RUSAGE_CHILDREN would mix every child's).
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
            log.seek(0)
            output = log.read().decode(errors="replace")
            peak = parse_peak_mb(output)  # its own VmHWM (bench/peak.py)
            rss = max(rss, peak if peak is not None else usage.ru_maxrss / 1024)
            for peaks in POOL_PEAKS.findall(output):
                pool_rss += [float(mb) for mb in peaks.split(",")]
            if process.returncode != 0:
                failed.append(output[-4000:])
        wall = time.perf_counter() - started
    if failed:  # reported, and marked in the table: the other runs still count
        print(f"  FAILED {name}: a process exited non-zero; its log ends:\n{failed[0]}")
    return Run(name, wall, cpu, rss, failed=bool(failed), pool_rss_mb=pool_rss)


def scrapy_env(server: FleetServer, fleet: Fleet, database_url: str, **more: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SCRAPY_SETTINGS_MODULE")}
    env.update(DATABASE_URL=database_url, COMPANIES_FILE=str(fleet.registry),
               GREENHOUSE_BASE_URL=server.url, WORKDAY_BASE_URL=server.url,
               JOBS_PROGRESS_INTERVAL="60", **more)  # fmt: skip
    return env


def fetch_settings(more: dict[str, str] | None = None) -> list[str]:
    settings = {**FETCH_SETTINGS, **(more or {})}
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def crawl_counts(database_url: str, after_id: int) -> dict[str, int]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            """SELECT count(*), coalesce(sum(new), 0), coalesce(sum(updated), 0),
                      coalesce(sum(unchanged), 0), coalesce(sum(closed), 0),
                      count(*) FILTER (WHERE status <> 'ok')
               FROM crawl_runs WHERE id > %s""",
            (after_id,),
        ).fetchone()
        stored = conn.execute("SELECT count(*) FROM open_postings").fetchone()[0]
    names = ("companies", "new", "updated", "unchanged", "closed", "not_ok")
    return {**dict(zip(names, map(int, row), strict=True)), "open": int(stored)}


def last_run_id(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()[0]


def workers_available() -> bool:
    """Whether this checkout has `scrapy enqueue` and `scrapy crawlall --worker`."""
    commands = PROJECT_ROOT / "crawler" / "commands"
    crawlall = (commands / "crawlall.py").read_text(encoding="utf-8")
    return (commands / "enqueue.py").exists() and "--worker" in crawlall


def redis_url() -> str | None:
    return os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_TEST_URL")


class Bench:
    def __init__(self, fleet: Fleet, server: FleetServer, databases: BenchDatabases) -> None:
        self.fleet, self.server, self.databases = fleet, server, databases
        self.runs: dict[str, list[Run]] = {}

    def keep(self, run: Run) -> Run:
        self.runs.setdefault(run.name, []).append(run)
        return run

    def floor(self, fleet: Fleet | None = None, name: str = "floor") -> Run:
        fleet = fleet or self.fleet
        command = [sys.executable, PEAK, str(PROJECT_ROOT / "bench" / "floor.py"),
                   "--registry", str(fleet.registry), "--url", self.server.url]  # fmt: skip
        return self.keep(measure(name, [command], dict(os.environ)))

    def crawl(self, name: str, database_url: str, variant: str = "base",
              fleet: Fleet | None = None, profile: str | None = None,
              settings: dict[str, str] | None = None) -> Run:  # fmt: skip
        fleet = fleet or self.fleet
        after = last_run_id(database_url)
        self.server.root, self.server.variant = fleet.root, variant
        command = [*SCRAPY, "crawlall", *fetch_settings(settings)]
        if profile and profile.endswith(".prof"):
            command = [sys.executable, "-m", "cProfile", "-o", profile, *command[1:]]
        elif profile:  # py-spy: raw collapsed stacks, idle samples included
            command = [str(Path(sys.executable).with_name("py-spy")), "record", "--idle",
                       "--format", "raw", "--rate", str(SAMPLE_RATE), "-o", profile,
                       "--", *command]  # fmt: skip
        try:
            run = measure(name, [command], scrapy_env(self.server, fleet, database_url))
        finally:
            self.server.root, self.server.variant = self.fleet.root, "base"
        run.counts = crawl_counts(database_url, after)
        run.written = run.counts["new"] + run.counts["updated"] + run.counts["closed"]
        if run.counts["open"] != fleet.expected_open(variant) or run.counts["not_ok"]:
            print(f"  WARNING {name}: {run.counts}, expected {fleet.expected_open(variant)} open")
        return run if profile else self.keep(run)

    def crawl_sequence(self) -> None:
        url = self.databases.fresh()
        self.crawl("full", url)
        self.crawl("unchanged", url)
        self.crawl("changed 5%/removed 5%", url, variant="changed")

    def full_pool(self, processes: int) -> Run:
        """The full crawl with the CPU-heavy stages in a pool of processes."""
        return self.crawl(f"full, process pool x{processes}", self.databases.fresh(),
                          settings={"JOBS_STAGE_PROCESSES": str(processes)})  # fmt: skip

    def workers(self, count: int) -> Run | None:
        redis = redis_url()
        if not workers_available() or not redis:
            return None
        import redis as redis_client

        redis_client.Redis.from_url(redis).flushdb()
        url = self.databases.fresh()
        env = scrapy_env(self.server, self.fleet, url, REDIS_URL=redis)
        subprocess.run([*SCRAPY, "enqueue"], cwd=PROJECT_ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip
        commands = [[*SCRAPY, "crawlall", "--worker", *fetch_settings()]] * count
        run = measure(f"workers x{count}", commands, env)
        run.counts = crawl_counts(url, 0)
        run.written = run.counts["new"] + run.counts["updated"] + run.counts["closed"]
        return self.keep(run)


def median(runs: list[Run], key: Callable[[Run], float]) -> float:
    return statistics.median(key(run) for run in runs)


def table(bench: Bench, scale: int, without: set[str] = frozenset()) -> list[str]:
    floor = bench.runs["floor"]
    floor_wall, floor_cpu = median(floor, lambda r: r.wall), median(floor, lambda r: r.cpu)
    lines = ["| run | wall s | CPU s | peak RSS MB | rows written | x floor (wall)"
             " | x floor (CPU) |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    names = ["floor", "full", "full, process pool x1", "full, process pool x2", "unchanged",
             "changed 5%/removed 5%", "workers x1", "workers x2"]  # fmt: skip
    names += [name for name in bench.runs if name not in names]
    for name in names:
        runs = bench.runs.get(name)
        if not runs:
            if name.startswith("workers"):
                why = "left out (--without)" if "workers" in without else "not available"
                lines.append(f"| {name} | {why} | | | | | |")
            continue
        wall, cpu = median(runs, lambda r: r.wall), median(runs, lambda r: r.cpu)
        rss = median(runs, lambda r: r.rss_mb)
        written = "" if runs[-1].written is None else f"{runs[-1].written:,}"
        if any(run.failed for run in runs):
            written += " (a process FAILED)"
        lines.append(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {written} |"
                     f" {wall / floor_wall:.2f} | {cpu / floor_cpu:.2f} |")  # fmt: skip
    lines.append("")
    for name, goal in TARGETS.items():
        if bench.runs.get(name):
            ratio = median(bench.runs[name], lambda r: r.wall) / floor_wall
            verdict = "met" if ratio <= goal else "NOT met"
            lines.append(f"- {name}: {ratio:.2f}x the floor (target <= {goal}x): {verdict}")
    for name, runs in bench.runs.items():
        if any(run.pool_rss_mb for run in runs):
            peaks = ", ".join(f"{mb:.0f}" for mb in runs[-1].pool_rss_mb)
            lines.append(f"- {name}: peak RSS of each stage pool process {peaks} MB")
    rss_goal = RSS_TARGET_MB.get(scale)
    if rss_goal:
        crawls = [r for name, runs in bench.runs.items() if name != "floor" and "1x" not in name
                  for r in runs]  # fmt: skip
        peak = max((max([r.rss_mb, *r.pool_rss_mb]) for r in crawls), default=0)
        verdict = "met" if peak < rss_goal else "NOT met"
        lines.append(f"- peak RSS of a crawl process: {peak:.0f} MB (target < {rss_goal} MB):"
                     f" {verdict}")  # fmt: skip
    if bench.runs.get("full (1x fleet)"):
        ratio = median(bench.runs["full"], lambda r: r.wall) / median(
            bench.runs["full (1x fleet)"], lambda r: r.wall)  # fmt: skip
        verdict = "met" if ratio <= 11 else "NOT met"
        lines.append(f"- {scale}x fleet full crawl: {ratio:.1f}x the time of the 1x fleet"
                     f" (target <= 11x): {verdict}")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--profile", help="profile one more full crawl into this .prof file")
    parser.add_argument("--py-spy", dest="py_spy",
                        help="sample one more full crawl with py-spy into FILE.txt")  # fmt: skip
    parser.add_argument("--without", type=lambda text: set(text.split(",")), default=set(),
                        metavar="pool,workers",
                        help="leave these runs out (a --scale 10 run is long)")  # fmt: skip
    args = parser.parse_args()

    started = time.perf_counter()
    fleet = build_fleet(args.scale)
    small = build_fleet(1) if args.scale > 1 else None
    print(f"fleet: {len(fleet.companies)} companies, {fleet.postings:,} postings"
          f" ({sum(c.platform == 'workday' for c in fleet.companies)} on Workday);"
          f" ready in {time.perf_counter() - started:.0f} s")  # fmt: skip
    databases = BenchDatabases(server_url())
    try:
        with FleetServer(fleet.root) as server:
            bench = Bench(fleet, server, databases)
            for rep in range(args.repeat):
                steps = [bench.crawl_sequence]
                if "pool" not in args.without:
                    steps += [lambda: bench.full_pool(1), lambda: bench.full_pool(2)]
                if "workers" not in args.without:
                    steps += [lambda: bench.workers(1), lambda: bench.workers(2)]
                if small:
                    steps.append(lambda: bench.crawl("full (1x fleet)", databases.fresh(),
                                                     fleet=small))  # fmt: skip
                steps = [bench.floor, *steps] if rep % 2 == 0 else [*steps, bench.floor]
                for step in steps:
                    step()
                latest = ", ".join(f"{name} {r[-1].wall:.1f}s" for name, r in bench.runs.items())
                print(f"  repetition {rep + 1}: {latest}", flush=True)
            if not workers_available():
                print("workers: not available (no `scrapy enqueue` / `crawlall --worker` here)")
            elif not redis_url():
                print("workers: not run (set BENCH_REDIS_URL or REDIS_TEST_URL)")
            lines = table(bench, args.scale, args.without)
            command = " ".join(["bench/bench_crawl.py", *sys.argv[1:]])
            header = [f"`{command}` ({fleet.postings:,} postings, {len(fleet.companies)} companies;"
                      f" median of {args.repeat})", ""]  # fmt: skip
            print("\n".join([*header, *lines]))
            if args.markdown:
                Path(args.markdown).write_text("\n".join([*header, *lines, ""]), encoding="utf-8")
            for profile in (args.profile, args.py_spy):
                if profile:
                    bench.crawl("full", databases.fresh(), profile=profile)
                    print_stage_table(profile)
    finally:
        databases.drop_all()


if __name__ == "__main__":
    main()
