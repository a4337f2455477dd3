"""Bare Scrapy against the project's full crawl, on the same generated Greenhouse pages.

    .venv/bin/python bench/bench_crawl.py [--postings 5000] [--boards 50] [--repeat 5]
                                          [--profile]

A local replay server serves ``--boards`` Greenhouse board responses holding
``--postings`` jobs with ~5 KB descriptions (bench/common.py). Each repetition runs,
in fresh processes and in alternating order:

- bare: plain Scrapy, json-parse and yield dicts, no pipelines;
- spider: the project's greenhouse spider and middlewares, no pipelines (breakdown);
- full (new): the greenhouse spider, every stage of ITEM_PIPELINES, Postgres, into an
  empty database (every posting is inserted);
- full (unchanged): the same crawl again into that database (nothing changed: the
  path of a daily re-crawl).

Prints medians and the ratios full / bare (goal <= 2.0). Databases are created on
BENCH_DATABASE_URL or TEST_DATABASE_URL (or the tests' embedded server) and dropped.
With ``--profile`` (or when a ratio is above the goal) one more full crawl runs under
cProfile and the hot spots are printed. This is a script, never a test: timings on a
shared machine are figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
import scrapy

from bench.common import (
    PROJECT_ROOT,
    BenchDatabases,
    generate_boards,
    serve_boards,
    server_url,
    write_registry,
)
from crawler.replay import ReplayServer

RUNNER = Path(__file__).with_name("run_crawl.py")
GOAL = 2.0


def run_once(mode: str, replay: str, boards: int, **options: str) -> dict:
    command = [sys.executable, str(RUNNER), mode, "--replay", replay, "--boards", str(boards)]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", value]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{mode} crawl failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    if "Traceback" in done.stderr:
        raise SystemExit(f"{mode} crawl logged a traceback:\n{done.stderr[-3000:]}")
    return result


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()};"
        f" Python {platform.python_version()}, Scrapy {scrapy.__version__}"
    )


def pipeline_stages() -> list[str]:
    """ITEM_PIPELINES as the full crawl will load it, in order."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.conf import build_component_list
    from scrapy.utils.project import get_project_settings

    stages = build_component_list(get_project_settings().getwithbase("ITEM_PIPELINES"))
    return [path.rsplit(".", 1)[-1] for path in stages]


def stored_postings(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM postings").fetchone()[0]


def print_profile(path: str, limit: int = 25) -> None:
    stats = pstats.Stats(path)
    stats.sort_stats("tottime")
    print(f"\nHot spots of one full crawl (cProfile, by own time, top {limit}):")
    stats.print_stats(limit)
    stats.sort_stats("cumulative")
    print("By cumulative time, project code only:")
    stats.print_stats(r"crawler/", limit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=5000)
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    responses = generate_boards(args.postings, args.boards)
    size = sum(len(json.dumps(r)) for r in responses.values())
    databases = BenchDatabases(server_url())
    times: dict[str, list[dict]] = {
        "bare": [], "spider": [], "full (new)": [], "full (unchanged)": [],
    }  # fmt: skip
    with ReplayServer() as replay, tempfile.TemporaryDirectory() as tmp:
        serve_boards(replay, responses)
        registry = str(write_registry(Path(tmp) / "companies.toml", list(responses)))

        def full_pair() -> tuple[dict, dict]:
            url = databases.fresh()
            new = run_once("full", replay.url, args.boards, database_url=url,
                           companies_file=registry)  # fmt: skip
            unchanged = run_once("full", replay.url, args.boards, database_url=url,
                                 companies_file=registry)  # fmt: skip
            if stored_postings(url) != new["items"]:
                raise SystemExit(f"stored {stored_postings(url)} postings, crawled {new['items']}")
            return new, unchanged

        def spider_only() -> dict:
            return run_once("spider", replay.url, args.boards, companies_file=registry)

        try:
            print(f"{args.postings} postings on {args.boards} boards ({size / 1e6:.1f} MB of JSON)")
            print(f"machine: {machine()}")
            print(f"stages: {', '.join(pipeline_stages())}")
            for _ in range(args.warmup):
                run_once("bare", replay.url, args.boards)
                full_pair()
            for rep in range(args.repeat):
                bare_first = rep % 2 == 0
                if bare_first:
                    times["bare"].append(run_once("bare", replay.url, args.boards))
                times["spider"].append(spider_only())
                new, unchanged = full_pair()
                times["full (new)"].append(new)
                times["full (unchanged)"].append(unchanged)
                if not bare_first:
                    times["bare"].append(run_once("bare", replay.url, args.boards))
                latest = (f"{mode} {runs[-1]['seconds']:.2f}s" for mode, runs in times.items())
                print(f"  rep {rep + 1}: " + ", ".join(latest))
            report(times, args.postings)
            ratios = ratio_of(times)
            if args.profile or max(ratios.values()) > GOAL:
                profile_file = str(Path(tmp) / "full.prof")
                run_once("full", replay.url, args.boards, database_url=databases.fresh(),
                         companies_file=registry, profile=profile_file)  # fmt: skip
                print_profile(profile_file)
        finally:
            databases.drop_all()


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def ratio_of(times: dict[str, list[dict]]) -> dict[str, float]:
    bare = median(times["bare"], "seconds")
    return {
        mode: median(runs, "seconds") / bare
        for mode, runs in times.items()
        if mode.startswith("full")
    }


def report(times: dict[str, list[dict]], postings: int) -> None:
    bare = median(times["bare"], "seconds")
    print(f"\nmedian of {len(times['bare'])} interleaved repetitions (crawl s: in-process,"
          " from crawl() to the end; wall s: the whole process, start-up included)")  # fmt: skip
    print(f"  {'run':<18}{'items':>7}{'crawl s':>9}{'wall s':>9}{'postings/s':>12}{'x bare':>8}")
    for mode, runs in times.items():
        seconds = median(runs, "seconds")
        print(
            f"  {mode:<18}{runs[-1]['items']:>7}{seconds:>9.2f}{median(runs, 'wall'):>9.2f}"
            f"{postings / seconds:>12.0f}{seconds / bare:>8.2f}"
        )
    for mode, ratio in ratio_of(times).items():
        verdict = "within" if ratio <= GOAL else "ABOVE"
        print(f"  ratio {mode} / bare = {ratio:.2f}x ({verdict} the {GOAL:.1f}x goal)")


if __name__ == "__main__":
    main()
