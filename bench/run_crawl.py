"""One timed crawl in a fresh process (bench_crawl.py runs it, interleaved).

    run_crawl.py bare --replay URL --boards N
    run_crawl.py full --replay URL --boards N --database-url URL --companies-file FILE

``bare``: plain Scrapy (no project settings, middlewares or pipelines), a minimal
spider that json-parses each board response and yields its jobs as dicts.
``full``: the project's greenhouse spider with the project settings, so every
spider middleware and every stage of ITEM_PIPELINES, writing to Postgres.
``spider``: the same without any pipeline (ITEM_PIPELINES empty): what the project's
spider and middlewares cost on their own, for the breakdown.
Both use bench.common.FETCH_SETTINGS. Prints one JSON line: seconds, items.
``--profile FILE`` writes cProfile stats of the crawl.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from bench.common import FETCH_SETTINGS, board_name


class BareGreenhouseSpider(scrapy.Spider):
    """Fetch each board's jobs and yield them as dicts: Scrapy's own cost, nothing else."""

    name = "bare_greenhouse"

    def __init__(self, replay: str, boards: int, **kwargs):
        super().__init__(**kwargs)
        self.replay = replay
        self.boards = int(boards)

    async def start(self):
        for index in range(self.boards):
            url = f"{self.replay}/v1/boards/{board_name(index)}/jobs?content=true"
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        for job in json.loads(response.text)["jobs"]:
            yield dict(job)


def crawl_settings(args: argparse.Namespace) -> Settings:
    if args.mode == "bare":
        settings = Settings({"TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False,
                             "ROBOTSTXT_OBEY": False})  # fmt: skip
    else:
        os.environ["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
        from scrapy.utils.project import get_project_settings

        settings = get_project_settings()
        settings.set("DATABASE_URL", args.database_url, priority="cmdline")
        settings.set("COMPANIES_FILE", args.companies_file, priority="cmdline")
        settings.set("GREENHOUSE_BASE_URL", args.replay, priority="cmdline")
        if args.mode == "spider":
            settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    for name, value in FETCH_SETTINGS.items():
        settings.set(name, value, priority="cmdline")
    return settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["bare", "spider", "full"])
    parser.add_argument("--replay", required=True)
    parser.add_argument("--boards", type=int, required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--companies-file")
    parser.add_argument("--profile")
    args = parser.parse_args()

    process = CrawlerProcess(crawl_settings(args))
    if args.mode == "bare":
        crawler = process.create_crawler(BareGreenhouseSpider)
        kwargs = {"replay": args.replay, "boards": args.boards}
    else:
        crawler = process.create_crawler("greenhouse")
        kwargs = {}
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    process.crawl(crawler, **kwargs)
    process.start()
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    seconds = time.perf_counter() - started
    stats = crawler.stats.get_stats()
    print(json.dumps({
        "mode": args.mode,
        "seconds": seconds,
        "items": stats.get("item_scraped_count", 0),
        "responses": stats.get("response_received_count", 0),
        "dropped": stats.get("item_dropped_count", 0),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
