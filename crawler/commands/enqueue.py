"""`scrapy enqueue [--platform P ...] [--company SLUG ...]`: start a distributed run.

Settings read: ``REDIS_URL`` (required), ``WORKER_REDIS_PREFIX``, ``DATABASE_URL``,
``COMPANIES_FILE``, ``WORKER_MAX_ATTEMPTS`` (recorded with the run).

Records the run in Postgres (its id, when, the filters and every company, all
``queued``), then pushes one JSON work item per company onto its platform's Redis
queue, where workers (`scrapy crawlall --worker`, on any host) take them in that
order: companies never crawled first, then the largest (most open postings) first
(``runs.largest_first``). Prints the run id. Companies are chosen as `scrapy crawlall`
chooses them.
"""

from __future__ import annotations

import argparse
import secrets
from datetime import UTC, datetime

import redis
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.crawlall import Command as CrawlAllCommand
from crawler.commands.crawlall import _split
from crawler.db import runs
from crawler.db.connection import DatabaseUnavailable, prepare_database
from crawler.distributed.queue import WorkItem, WorkQueue


def new_run_id() -> str:
    """Sortable and readable: when it was enqueued, plus a few random characters."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--platform P ...] [--company SLUG ...]"

    def short_desc(self) -> str:
        return "Record a run and queue its companies on Redis for workers to crawl"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        CrawlAllCommand.add_filter_options(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments {args}: use --platform / --company")
        assert self.crawler_process is not None and self.settings is not None
        redis_url = self.settings.get("REDIS_URL")
        if not redis_url:
            raise UsageError("scrapy enqueue needs REDIS_URL: the Redis workers share",
                             print_help=False)  # fmt: skip
        spider_names = self.crawler_process.spider_loader.list()
        companies = CrawlAllCommand.chosen_companies(self.settings, opts, spider_names)
        run_id = new_run_id()

        try:
            database_url = prepare_database(self.settings)
        except DatabaseUnavailable as exc:
            raise UsageError(str(exc), print_help=False) from None
        with runs.connect(database_url) as conn:
            items = [WorkItem(run_id, company) for company in runs.largest_first(conn, companies)]
            runs.create_run(
                conn, run_id,
                [runs.QueuedCompany(i.company.slug, i.company.platform, i.to_dict())
                 for i in items],
                max_attempts=self.settings.getint("WORKER_MAX_ATTEMPTS"),
                platforms=_split(opts.platform), company_filter=_split(opts.company),
            )  # fmt: skip
        queue = WorkQueue.from_url(redis_url, self.settings["WORKER_REDIS_PREFIX"])
        try:
            queue.push(items)
        except redis.RedisError as exc:
            with runs.connect(database_url) as conn:
                for item in items:
                    runs.fail_company(conn, run_id, item.company.slug, f"not queued: {exc}")
            raise UsageError(f"cannot queue on Redis: {exc}", print_help=False) from None
        platforms = sorted({c.platform for c in companies})
        print(f"run {run_id}: {len(items)} companies queued ({', '.join(platforms)})", flush=True)
