"""Cost of each pipeline stage per posting, in-process, for whatever ITEM_PIPELINES holds.

    .venv/bin/python bench/bench_stages.py [--postings 5000] [--boards 50] [--repeat 3]

The generated Greenhouse pages (bench/common.py) are parsed by the greenhouse spider
into items; then each stage configured in ITEM_PIPELINES at run time (read from the
project settings, so stages added later are measured too) is built as Scrapy builds
it and its ``process_item`` runs over the items the previous stage let through,
timed per stage. ``open_spider``/``close_spider`` are timed apart (a per-crawl cost:
a gazetteer load, the store's last flush and its per-company closing), from the first
run, as a crawl process pays them (a stage may cache across runs in one process). The store
writes into a fresh database each repetition (every posting new). Median of
``--repeat`` repetitions, each with fresh stages and fresh copies of the items.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import inspect
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"

from scrapy.exceptions import DropItem
from scrapy.http import Request, TextResponse
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from bench.common import (
    BenchDatabases,
    generate_boards,
    server_url,
    write_registry,
)
from crawler.spiders.greenhouse import GreenhouseSpider


@dataclass
class StageTiming:
    name: str
    seconds: list[float] = field(default_factory=list)  # process_item over all items
    fixed: list[float] = field(default_factory=list)  # open_spider + close_spider
    items_in: int = 0
    dropped: int = 0


def parse_items(crawler, responses: dict[str, dict]) -> list:
    """The spider's items for every board, as the pipelines would receive them."""
    import json

    spider = crawler.spider
    items = []
    for target in spider.targets:
        spider.ledger.company_started(target.company, spider.name, target.board)
        spider.listing_started(target)
        url = f"https://boards-api.greenhouse.io/v1/boards/{target.board}/jobs?content=true"
        body = json.dumps(responses[target.board]).encode()
        response = TextResponse(url, body=body, encoding="utf-8",
                                request=Request(url, meta={"target": target}))  # fmt: skip
        items += list(spider.parse_jobs(response))
    return items


async def call(method, *args):
    result = method(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


async def run_stages(crawler, stage_paths: list[str], items: list,
                     timings: dict[str, StageTiming]) -> None:  # fmt: skip
    stages = [build_from_crawler(load_object(path), crawler) for path in stage_paths]
    for path, stage in zip(stage_paths, stages, strict=True):
        timing = timings.setdefault(path, StageTiming(path.rsplit(".", 1)[-1]))
        fixed = 0.0
        if hasattr(stage, "open_spider"):
            started = time.perf_counter()
            await call(stage.open_spider)
            fixed += time.perf_counter() - started
        passed, dropped = [], 0
        started = time.perf_counter()
        for item in items:
            try:
                passed.append(await call(stage.process_item, item))
            except DropItem:
                dropped += 1
        timing.seconds.append(time.perf_counter() - started)
        timing.items_in, timing.dropped = len(items), dropped
        timing.fixed.append(fixed)
        items = passed
    for path, stage in zip(stage_paths, stages, strict=True):
        if hasattr(stage, "close_spider"):
            started = time.perf_counter()
            await call(stage.close_spider)
            timings[path].fixed[-1] += time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=5000)
    parser.add_argument("--boards", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--recrawl", action="store_true",
        help="one database for every run: the first inserts, the next ones find every"
        " posting unchanged (a daily re-crawl); prints each run's open+close times",
    )  # fmt: skip
    args = parser.parse_args()

    responses = generate_boards(args.postings, args.boards)
    databases = BenchDatabases(server_url())
    timings: dict[str, StageTiming] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            registry = write_registry(Path(tmp) / "companies.toml", list(responses))
            project = get_project_settings()
            stage_paths = build_component_list(project.getwithbase("ITEM_PIPELINES"))
            # The project's own settings only: Scrapy's defaults (reactor) stay get_crawler's.
            settings = {
                name: project[name]
                for name in project.attributes
                if project.getpriority(name) >= SETTINGS_PRIORITIES["project"]
            }
            settings.update(COMPANIES_FILE=str(registry), LOG_LEVEL="WARNING")
            database_url = databases.fresh()
            for _ in range(args.repeat):
                settings["DATABASE_URL"] = database_url if args.recrawl else databases.fresh()
                crawler = get_crawler(GreenhouseSpider, settings)
                crawler.spider = crawler._create_spider(company=",".join(responses))
                items = copy.deepcopy(parse_items(crawler, responses))
                asyncio.run(run_stages(crawler, stage_paths, items, timings))
    finally:
        databases.drop_all()
    print_table(timings, args)


def print_table(timings: dict[str, StageTiming], args: argparse.Namespace) -> None:
    print(f"{args.postings} postings ({args.boards} boards, ~5 KB descriptions),"
          f" median of {args.repeat} runs; stages in ITEM_PIPELINES order")  # fmt: skip
    print(f"  {'stage':<26}{'ms/posting':>11}{'total s':>9}{'open+close s':>14}"
          f"{'ms/posting incl.':>18}{'dropped':>9}")  # fmt: skip
    total_ms = total_fixed = total_incl = 0.0
    for timing in timings.values():
        seconds = statistics.median(timing.seconds)
        fixed = timing.fixed[0]  # paid once per crawl process: caches make later runs free
        per_posting = 1000 * seconds / max(timing.items_in, 1)
        # open+close spread over the postings: the store's last flush is most of its work
        including = 1000 * (seconds + fixed) / max(timing.items_in, 1)
        total_ms += per_posting
        total_fixed += fixed
        total_incl += including
        print(f"  {timing.name:<26}{per_posting:>11.3f}{seconds:>9.2f}{fixed:>14.2f}"
              f"{including:>18.3f}{timing.dropped:>9}")  # fmt: skip
    print(f"  {'all stages':<26}{total_ms:>11.3f}{'':>9}{total_fixed:>14.2f}{total_incl:>18.3f}")
    if args.recrawl:
        print("  open+close per run (first: every posting new; then unchanged):")
        for timing in timings.values():
            print(f"    {timing.name:<24}" + "".join(f"{t:>8.2f}" for t in timing.fixed))


if __name__ == "__main__":
    main()
