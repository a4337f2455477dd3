"""Turns a callback's exception into an error of that company's crawl.

A malformed response must not stop the crawl, lose the postings already parsed, or
let the company's stale postings be closed: the error is recorded in the crawl
ledger (so the company's crawl is not complete), counted in the stats
(``jobs/errors/<ExceptionName>``) and logged once, without a traceback for the
expected MalformedResponse.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from crawler.crawl_state import CrawlLedger
from crawler.spiders.base import MalformedResponse

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class CompanyErrorsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ledger = CrawlLedger.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception) -> Any:
        target = response.meta.get("target")
        if target is None:
            return None  # not a company request: Scrapy's own handling applies
        name = type(exception).__name__
        reason = f"{name} in {response.url}: {exception}"
        self.ledger.record_error(self.crawler.spider.name, target.board, reason)
        self.crawler.stats.inc_value("jobs/errors")
        self.crawler.stats.inc_value(f"jobs/errors/{name}")
        logger.error(
            "%s: %s",
            target.company.slug,
            reason,
            exc_info=not isinstance(exception, MalformedResponse),
        )
        return []
