"""`scrapy report [--html FILE] [--weeks N]`: the site's headline numbers.

Settings read: ``DATABASE_URL`` (unset: the embedded Postgres, as a crawl uses).
Prints aligned tables; ``--html FILE`` also writes one self-contained page with charts
(plotly.js inlined: it opens offline). Read-only: the report never writes to the
database, and an empty one gets a message saying what to run, not a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.db.connection import resolve_database_url
from crawler.report.data import NothingToReport, collect
from crawler.report.html import render_html
from crawler.report.text import render_text


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--html FILE] [--weeks N]"

    def short_desc(self) -> str:
        return "Print the headline numbers (postings, AI skills, pay, trend) from the database"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--html", metavar="FILE", help="also write an HTML page with charts")
        parser.add_argument(
            "--weeks", type=int, default=8, metavar="N",
            help="weeks of trend shown in the terminal (default 8; the page shows all)",
        )  # fmt: skip

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        if opts.weeks < 1:
            raise UsageError("--weeks must be at least 1")
        try:
            report = collect(resolve_database_url(self.settings))
        except NothingToReport as empty:
            print(empty)
            return
        if opts.html:  # written first: `scrapy report --html f | head` still writes it
            Path(opts.html).write_text(render_html(report), encoding="utf-8")
        try:
            print(render_text(report, trend_weeks=opts.weeks), end="")
            if opts.html:
                print(f"\nwrote {opts.html}")
            sys.stdout.flush()
        except BrokenPipeError:  # the reader (head, less) stopped early: not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
