"""`scrapy crawl <platform> ...`: Scrapy's own command, with an honest exit status.

The database is reached and migrated first, so a wrong DATABASE_URL is one clear
line (without its password), not a crawl that fails in its pipelines. Exits 1,
besides Scrapy's own cases, when the crawl lost its database for longer than
``JOBS_DB_RETRY_SECONDS`` (the store stopped it and closed nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.db.connection import DatabaseUnavailable, prepare_database

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider: scrapy crawl <platform> [-a company=...]")
        assert self.crawler_process is not None and self.settings is not None
        try:
            prepare_database(self.settings)
        except DatabaseUnavailable as exc:
            raise UsageError(str(exc), print_help=False) from None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or (
            crawler.stats and crawler.stats.get_value("jobs/db/unavailable")
        ):
            self.exitcode = 1
