"""`scrapy crawlall [--platform P ...] [--company SLUG ...]`: the registry in one process.

`scrapy crawlall --worker [--platform P ...] [--wait SECONDS]`: a worker of distributed
runs instead (crawler/distributed/): it crawls companies queued by `scrapy enqueue`
until no run has any of them queued or in progress; its table lists the companies it
crawled, and its exit code is 1 when one of them was not ok.

Settings read: ``COMPANIES_FILE`` (the registry), ``DATABASE_URL`` (unset: the
embedded Postgres, started once here and shared by every crawler),
``JOBS_PROGRESS_INTERVAL`` (seconds between progress updates), ``REDIS_URL`` (a
worker's). Quiet by default: Scrapy's log goes to a file (crawler/commands/quiet.py).

One crawler per platform, each given its platform's companies (``company=a,b,c``),
all in one process. While they run, a progress line (companies done of total,
postings stored) is redrawn on a terminal, or logged every interval otherwise. At the
end a table of every company's crawl_runs row of this run, with boards that keep
failing or coming back empty flagged from the ``company_health`` view. The exit code
is 1 when any company's crawl was not ok (failed, partial, or never recorded).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.crawler import CrawlerProcessBase
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from crawler.commands.quiet import print_log_location, send_log_to_file
from crawler.db.connection import DatabaseUnavailable, prepare_database
from crawler.db.health import ProposedMove, company_health, crawl_runs_after, last_crawl_run_id
from crawler.distributed.process import crawl_as_worker
from crawler.extensions.progress import ProgressDisplay
from crawler.registry import (
    Company,
    RegistryError,
    company_toml,
    load_registry,
    select_companies,
)


@dataclass(frozen=True)
class CompanyResult:
    """One company's line of the summary."""

    company: Company
    run: dict[str, Any] | None  # its crawl_runs row of this run (None: never recorded)
    health: dict[str, Any] | None  # its company_health row

    @property
    def status(self) -> str:
        return self.run["status"] if self.run else "no record"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def note(self) -> str:
        """Why a person should look at this company, or ''."""
        notes = []
        if self.run is None:
            notes.append("the crawl ended without a record for this company")
        elif not self.ok:
            notes.append(self.run["reason"] or "")
        elif self.run["seen"] == 0:
            notes.append("listed nothing")
        health = self.health
        if health and health["broken"]:
            last_good = health["last_good_at"]
            since = f"last postings {last_good:%Y-%m-%d %H:%M}" if last_good else "never listed any"
            notes.append(
                f"BROKEN: {health['consecutive_bad']} runs in a row failed or empty ({since})"
            )
        move = ProposedMove.from_health(health)
        if move is not None:
            notes.append(f"MOVED? now {move.describe()}")
        return "; ".join(n for n in notes if n)


def crawl_registry(
    process: CrawlerProcessBase,
    companies: list[Company],
    display: ProgressDisplay | None = None,
) -> None:
    """Crawl these companies in ``process``: one crawler per platform, then run them all."""
    by_platform: dict[str, list[str]] = defaultdict(list)
    for company in companies:
        by_platform[company.platform].append(company.slug)
    for platform, slugs in sorted(by_platform.items()):
        crawler = process.create_crawler(platform)
        if display is not None:
            display.follow(crawler, len(slugs))
        process.crawl(crawler, company=",".join(slugs))
    if display is not None:
        display.start()
    try:
        process.start()
    finally:
        if display is not None:
            display.stop()


def check_spiders_exist(companies: list[Company], spider_names: list[str]) -> None:
    """A clear error when a company's platform has no spider in this project."""
    missing: dict[str, list[str]] = defaultdict(list)
    for company in companies:
        if company.platform not in spider_names:
            missing[company.platform].append(company.slug)
    if missing:
        described = "; ".join(
            f"{platform} ({', '.join(slugs)})" for platform, slugs in sorted(missing.items())
        )
        raise UsageError(
            f"no spider for platform {described}; known: {', '.join(sorted(spider_names))}",
            print_help=False,
        )


def format_summary(results: list[CompanyResult]) -> str:
    lines = [
        f"{'company':<24}{'platform':<16}{'status':<10}"
        f"{'seen':>6}{'new':>6}{'upd':>6}{'closed':>7}{'errors':>7}  note"
    ]
    for result in results:
        run = result.run or {}
        counts = [run.get(k, "-") for k in ("seen", "new", "updated", "closed", "errors")]
        lines.append(
            f"{result.company.slug:<24}{result.company.platform:<16}{result.status:<10}"
            f"{counts[0]:>6}{counts[1]:>6}{counts[2]:>6}{counts[3]:>7}{counts[4]:>7}"
            f"  {result.note()}".rstrip()
        )
    not_ok = [r for r in results if not r.ok]
    broken = [r for r in results if r.health and r.health["broken"]]
    lines.append(
        f"\n{len(results) - len(not_ok)} of {len(results)} companies ok, {len(not_ok)} not ok"
        f" ({', '.join(r.company.slug for r in not_ok) or 'none'});"
        f" {len(broken)} broken board(s)"
        f" ({', '.join(r.company.slug for r in broken) or 'none'})"
    )
    for result in results:  # each proposed move as the entry to paste over the old one
        move = ProposedMove.from_health(result.health)
        if move is not None:
            lines.append(f"\n# {result.company.slug} seems to have moved: its registry entry"
                         f" would read (check it, then replace the old one)")  # fmt: skip
            lines.append(company_toml(move.entry(result.company)).rstrip())
    return "\n".join(lines)


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--platform P ...] [--company SLUG ...]"

    def short_desc(self) -> str:
        return "Crawl every registry company (or those chosen) in one process"

    def long_desc(self) -> str:
        return (
            "Crawl the registry (COMPANIES_FILE), one crawler per platform, in one process;"
            " show progress, then a per-company summary that flags broken boards."
            " Exit code 1 when any company's crawl was not ok."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        self.add_filter_options(parser)
        parser.add_argument(
            "--worker", action="store_true",
            help="take companies of runs queued by `scrapy enqueue` on REDIS_URL until no"
                 " run has any queued or in progress (--platform: only those platforms)",
        )  # fmt: skip
        parser.add_argument(
            "--wait", type=float, default=0, metavar="SECONDS",
            help="with --worker: wait up to this long for a run to be queued (a worker host"
                 " started by the same timer as the host that enqueues)",
        )  # fmt: skip

    @staticmethod
    def add_filter_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--platform", action="extend", nargs="+", default=[], metavar="P",
            help="only companies on these platforms (repeatable, or comma-separated)",
        )  # fmt: skip
        parser.add_argument(
            "--company", action="extend", nargs="+", default=[], metavar="SLUG",
            help="only these registry companies (repeatable, or comma-separated)",
        )  # fmt: skip

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if opts.worker:
            # The spider loader then hands out each platform spider in its worker form.
            self.settings.set("WORKER_ENABLED", True, priority="cmdline")
        self.log_file = send_log_to_file(self.settings, "worker" if opts.worker else "crawlall")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments {args}: use --platform / --company")
        assert self.crawler_process is not None and self.settings is not None
        if opts.worker:
            if not self.settings.get("REDIS_URL"):
                raise UsageError("a worker needs REDIS_URL: the Redis its runs are queued on",
                                 print_help=False)  # fmt: skip
        else:
            spider_names = self.crawler_process.spider_loader.list()
            companies = self.chosen_companies(self.settings, opts, spider_names)

        try:
            database_url = prepare_database(self.settings)
            after_id = last_crawl_run_id(database_url)
        except DatabaseUnavailable as exc:
            raise UsageError(str(exc), print_help=False) from None

        if opts.worker:
            crawled = crawl_as_worker(
                self.crawler_process, self.settings, database_url, _split(opts.platform),
                wait=opts.wait,
            )  # fmt: skip
            if crawled is None:
                print("no run has companies queued or in progress: nothing to do", flush=True)
                return
            companies = [company for company, _ in crawled]
        else:
            display = ProgressDisplay(self.settings.getfloat("JOBS_PROGRESS_INTERVAL") or None)
            crawl_registry(self.crawler_process, companies, display)

        results = summarize(database_url, companies, after_id)
        print(format_summary(results), flush=True)
        print_log_location(self.log_file)
        if self.crawler_process.bootstrap_failed or not all(r.ok for r in results):
            self.exitcode = 1

    @staticmethod
    def chosen_companies(
        settings: BaseSettings, opts: argparse.Namespace, spider_names: list[str]
    ) -> list[Company]:
        """The registry companies the --platform / --company options choose."""
        platforms = _split(opts.platform)
        unknown = [p for p in platforms if p not in spider_names]
        if unknown:
            raise UsageError(
                f"unknown platform {', '.join(map(repr, unknown))};"
                f" known: {', '.join(sorted(spider_names))}",
                print_help=False,
            )
        try:
            registry = load_registry(settings.get("COMPANIES_FILE"))
            companies = select_companies(registry, platforms or None, _split(opts.company) or None)
        except RegistryError as exc:
            raise UsageError(str(exc), print_help=False) from exc
        check_spiders_exist(companies, spider_names)
        return companies


def summarize(database_url: str, companies: list[Company], after_id: int) -> list[CompanyResult]:
    """Each company's crawl_runs row written after ``after_id`` (its last), and its health."""
    slugs = [c.slug for c in companies]
    runs = {row["company"]: row for row in crawl_runs_after(database_url, after_id, slugs)}
    health = company_health(database_url, slugs)
    ordered = sorted(companies, key=lambda c: (c.platform, c.slug))
    return [CompanyResult(c, runs.get(c.slug), health.get(c.slug)) for c in ordered]


def _split(values: list[str]) -> list[str]:
    """Values given repeated, space- or comma-separated, as one list."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
