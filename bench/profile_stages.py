"""Where a profiled crawl's time went, per stage, from cProfile stats or py-spy samples.

    .venv/bin/python bench/profile_stages.py FILE.prof [--top 25]
    .venv/bin/python bench/profile_stages.py FILE.txt   # py-spy's raw (collapsed) output

bench_crawl.py --profile writes FILE.prof (cProfile of one `scrapy crawlall`), and
``--py-spy`` FILE.txt (py-spy samples, 100 a second, idle included: a sampler barely
slows the crawl, where cProfile inflates many small Python calls). With samples, each
one goes to the stage of the outermost stage frame on its stack. With cProfile, a
stage's time is the time spent in its functions and what they call, counted where it
is entered from outside the stage (pstats keeps each caller's share of a callee's
cumulative time), so nested calls are not counted twice and stages added later
(any module of crawler/pipelines/) show up on their own:

- spider parse: crawler/spiders/ (callbacks, building items);
- one row per pipeline module (crawler/pipelines/<stage>.py: its process_item and
  whatever it calls, database included for the store and the unchanged check);
- of which hashing (source and content hashes) and of which DB (crawler/db/ and
  psycopg), shown apart but inside the stages above;
- waiting: the event loop's poll (idle: network and Postgres round trips);
- Scrapy's own machinery: the rest of the crawl (engine, scheduler, downloader, HTTP
  parsing, middlewares, the item processor, signals, Twisted/asyncio);
- outside the crawl: imports, migrations, the registry and the closing summary.
cProfile inflates Python-heavy code more than C code: read shares, not seconds.
"""

from __future__ import annotations

import argparse
import pstats
import re
from collections.abc import Callable
from pathlib import Path

Function = tuple[str, int, str]  # (file, line, name), as pstats keys them

HASH_FUNCTIONS = {"source_hash", "content_hash"}
# The crawl itself, inside the command (crawlall, or a worker's loop).
CRAWL_FUNCTIONS = {"crawl_registry"}
SAMPLE_RATE = 100  # py-spy samples a second (bench_crawl.py --py-spy)


def in_project(part: str) -> Callable[[Function], bool]:
    return lambda fn: f"/crawler/{part}" in fn[0]


def entered_time(stats: pstats.Stats, group: Callable[[Function], bool]) -> float:
    """Cumulative seconds spent in ``group``, counted where callers outside it enter it."""
    total = 0.0
    for function, (_, _, _, cumulative, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if not group(function):
            continue
        if not callers:
            total += cumulative
            continue
        for caller, (_, _, _, caller_cumulative) in callers.items():
            if not group(caller):
                total += caller_cumulative
    return total


def stage_groups(stats: pstats.Stats) -> dict[str, Callable[[Function], bool]]:
    modules = sorted({
        match[1] for fn in stats.stats  # type: ignore[attr-defined]
        if (match := re.search(r"/crawler/pipelines/(\w+)\.py$", fn[0]))
    })  # fmt: skip
    groups: dict[str, Callable[[Function], bool]] = {"spider parse": in_project("spiders/")}
    for module in modules:
        if module not in ("__init__", "manager"):  # manager: the item processor itself
            groups[f"stage {module}"] = in_project(f"pipelines/{module}.py")
    return groups


def is_db(fn: Function) -> bool:
    return "/crawler/db/" in fn[0] or "/psycopg/" in fn[0] or "/psycopg_binary/" in fn[0]


def is_poll(fn: Function) -> bool:
    return fn[0] == "~" and ("'poll' of 'select.epoll'" in fn[2] or "select.select" in fn[2])


def stage_table(path: str) -> list[tuple[str, float]]:
    stats = pstats.Stats(path)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows: list[tuple[str, float]] = []
    for name, group in stage_groups(stats).items():
        rows.append((name, entered_time(stats, group)))
    stages = sum(seconds for _, seconds in rows)
    rows.append(("  of which hashing", entered_time(stats, lambda fn: fn[2] in HASH_FUNCTIONS)))
    rows.append(("  of which DB (crawler/db, psycopg)", entered_time(stats, is_db)))
    crawl = entered_time(stats, lambda fn: fn[2] in CRAWL_FUNCTIONS)
    waiting = entered_time(stats, is_poll)
    rows.append(("waiting (event loop poll)", waiting))
    rows.append(("Scrapy's own machinery (the rest of the crawl)", crawl - stages - waiting))
    rows.append(("outside the crawl: imports, migrations, summary", total - crawl))
    rows.append(("total (profiled wall)", total))
    return rows


def sampled_stage_table(path: str) -> list[tuple[str, float]]:
    """The same rows from py-spy's collapsed stacks ("frame;frame;... count")."""
    counts: dict[str, float] = {}
    total = 0.0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack:
            continue
        samples = float(number)
        frames = stack.split(";")
        if not frames[0].startswith("<module>"):
            continue  # another thread (Twisted's thread pool, idle): not the crawl's
        total += samples
        stage = next((f"stage {m[1]}" for frame in frames
                      if (m := re.search(r"\bcrawler/pipelines/(\w+)\.py:", frame))
                      and m[1] not in ("__init__", "manager")), None)  # fmt: skip
        if stage is None and any("crawler/spiders/" in frame for frame in frames):
            stage = "spider parse"
        in_crawl = any(_function(frame) in CRAWL_FUNCTIONS for frame in frames)
        if stage is None:
            if re.search(r"\bselect \(selectors\.py", frames[-1]):
                stage = "waiting (event loop poll)"
            elif in_crawl:
                stage = "Scrapy's own machinery (the rest of the crawl)"
            else:
                stage = "outside the crawl: imports, migrations, summary"
        counts[stage] = counts.get(stage, 0) + samples
        if any(_function(frame) in HASH_FUNCTIONS for frame in frames):
            counts["  of which hashing"] = counts.get("  of which hashing", 0) + samples
        if any("crawler/db/" in frame or "psycopg/" in frame for frame in frames):
            key = "  of which DB (crawler/db, psycopg)"
            counts[key] = counts.get(key, 0) + samples
    order = sorted(k for k in counts if k.startswith(("spider", "stage")))
    order += ["  of which hashing", "  of which DB (crawler/db, psycopg)",
              "waiting (event loop poll)", "Scrapy's own machinery (the rest of the crawl)",
              "outside the crawl: imports, migrations, summary"]  # fmt: skip
    rows = [(name, counts.get(name, 0.0) / SAMPLE_RATE) for name in order]
    return [*rows, ("total (profiled wall)", total / SAMPLE_RATE)]


def _function(frame: str) -> str:
    """"CleanPipeline.process_item (crawler/pipelines/clean.py:44)" -> "process_item"."""
    return frame.split(" (", 1)[0].rsplit(".", 1)[-1]


def print_stage_table(path: str, top: int = 25) -> None:
    if not path.endswith(".prof"):
        return print_rows(sampled_stage_table(path))
    print_rows(stage_table(path))
    stats = pstats.Stats(path)
    print(f"\nTop {top} project functions by own time:")
    stats.sort_stats("tottime").print_stats(r"/crawler/", top)
    print(f"Top {top} functions overall by own time:")
    stats.sort_stats("tottime").print_stats(top)


def print_rows(rows: list[tuple[str, float]]) -> None:
    total = rows[-1][1]
    busy = total - dict(rows)["waiting (event loop poll)"]
    print("\n| stage | profiled s | share of busy time |\n| --- | ---: | ---: |")
    for name, seconds in rows:
        share = "" if name.startswith(("waiting", "total")) else f"{100 * seconds / busy:.1f}%"
        print(f"| {name.strip()} | {seconds:.2f} | {share} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    print_stage_table(args.profile, args.top)


if __name__ == "__main__":
    main()
