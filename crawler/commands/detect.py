"""`scrapy detect <careers-url> [--name NAME]`: the platform and board a careers page uses.

Settings read: ``USER_AGENT`` and ``DOWNLOAD_TIMEOUT`` (for the one page fetch).

Prints what was found, best first, and the ``[[company]]`` entry to paste into the
registry, with what was seen as its ``evidence`` and today as ``checked``
(``verified = false`` until a crawl lands postings). The logic is in
crawler/detect.py; platforms are known only through the project's spiders. Exit
code 1 when nothing was recognised, 2 when the page could not be fetched.
"""

from __future__ import annotations

import argparse
import urllib.error
from dataclasses import replace
from datetime import date

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from crawler.detect import describe, detect, fetch_page
from crawler.registry import company_toml, is_http_url


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "<careers-url> [--name NAME]"

    def short_desc(self) -> str:
        return "Name the platform and board token of a careers URL or page"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--name", help="the company's display name in the printed entry")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or not is_http_url(args[0]):
            raise UsageError("give one careers URL (http or https)")
        url = args[0]
        assert self.settings is not None
        loader = get_spider_loader(self.settings)
        spiders = {name: loader.load(name) for name in loader.list()}
        user_agent = self.settings.get("USER_AGENT")
        timeout = self.settings.getfloat("DOWNLOAD_TIMEOUT")
        try:
            report = detect(url, spiders, lambda u: fetch_page(u, user_agent, timeout))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            if isinstance(exc, urllib.error.HTTPError):
                why = f"HTTP {exc.code} {exc.reason}"
            else:
                why = getattr(exc, "reason", exc)
            print(f"could not fetch {url}: {why}")
            self.exitcode = 2
            return
        if not report.detections:
            print(
                f"no known platform in {url}: the URL is none of {', '.join(sorted(spiders))},"
                f" and none of the {report.urls_checked} URLs in the page names a board,"
                " nor does it hold JobPosting markup (a page that builds its job list with"
                " JavaScript shows neither: look for the job board in a browser)"
            )
            self.exitcode = 1
            return
        for line in describe(report):
            print(line)
        # What was just seen is the entry's evidence (the registry asks for one).
        today = date.today()
        best = replace(report.detections[0].company(opts.name), checked=today,
                       evidence=f"scrapy detect: {url} names it ({today:%Y-%m})")  # fmt: skip
        print("\n# registry entry (crawler/companies.toml); check the name and slug")
        print(company_toml(best), end="")
