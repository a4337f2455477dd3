"""`scrapy crawl <platform> ...`: Scrapy's own command, with an honest exit status.

Exits 1, besides Scrapy's own cases, when the crawl lost its database for longer than
``JOBS_DB_RETRY_SECONDS`` (the store stopped it and closed nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider: scrapy crawl <platform> [-a company=...]")
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or (
            crawler.stats and crawler.stats.get_value("jobs/db/unavailable")
        ):
            self.exitcode = 1
