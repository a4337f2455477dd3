"""Completion accounting: every request a company issues is counted until it settles,
every item it yields until it is stored or dropped (crawler/crawl_state.py).

Two spider middlewares and a few signals do it:

- ``IssuedMiddleware`` sits next to the spider: each request a callback yields is
  counted for its company (start requests are counted by ``begin_company``), each
  item too, and the request is remembered on the response it came from.
- ``HandedOnMiddleware`` sits next to the engine: it sees what survived the spider
  middlewares in between. When a response's output is exhausted, a remembered request
  that never got here was dropped on the way (URL length, depth limit): the company
  loses it and is not complete. Then the response's own request has settled.
- A request the scheduler refuses (the duplicate filter) settles on
  ``request_dropped``: lost, unless the same company already asked for exactly that
  (a Workday posting listed in two facet slices is fetched once). One that fails to
  download settles in the spider's errback (offsite, size limit, DNS, retries
  exhausted), which records why.
- An item settles on ``item_scraped`` or ``item_dropped``; ``item_error`` (a stage
  raised) settles it and makes the company partial, with the stage's error as reason.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.http import Request

from crawler.crawl_state import CrawlLedger
from crawler.logformatter import one_line

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

CHILDREN_KEY = "company_children"  # request meta: requests its callback yielded
HANDED_ON_KEY = "company_handed_on"  # request meta: it reached the engine


class IssuedMiddleware:
    """Spider side: count what a callback yields."""

    def __init__(self, crawler: Crawler) -> None:
        self.ledger = CrawlLedger.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _issue(self, response: Response, output: Any) -> None:
        if isinstance(output, Request):
            self.ledger.request_issued(output)
            parent = response.request
            if parent is not None:
                parent.meta.setdefault(CHILDREN_KEY, []).append(output)
        elif output is not None:
            self.ledger.item_issued(output)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        for output in result:
            self._issue(response, output)
            yield output

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for output in result:
            self._issue(response, output)
            yield output


class HandedOnMiddleware:
    """Engine side: what reached the engine; a response's request settles after it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ledger = CrawlLedger.for_crawler(crawler)
        connect = crawler.signals.connect
        connect(self._request_scheduled, signal=signals.request_scheduled)
        connect(self._request_dropped, signal=signals.request_dropped)
        connect(self._item_done, signal=signals.item_scraped)
        connect(self._item_done, signal=signals.item_dropped)
        connect(self._item_error, signal=signals.item_error)
        connect(self._spider_error, signal=signals.spider_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        try:
            for output in result:
                if isinstance(output, Request):
                    output.meta[HANDED_ON_KEY] = True
                yield output
        finally:
            self._response_done(response)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        try:
            async for output in result:
                if isinstance(output, Request):
                    output.meta[HANDED_ON_KEY] = True
                yield output
        finally:
            self._response_done(response)

    def _response_done(self, response: Response) -> None:
        request = response.request
        if request is None:
            return
        for child in request.meta.pop(CHILDREN_KEY, ()):
            if not child.meta.get(HANDED_ON_KEY):
                self.crawler.stats.inc_value("jobs/requests_lost/spider_middleware")
                self._lost(child, "dropped before it was scheduled (URL length or depth limit?)")
        self.ledger.request_settled(request)

    def _lost(self, request: Request, why: str) -> None:
        target = request.meta.get("target")
        slug = target.company.slug if target is not None else "?"
        logger.warning("%s: request %s", slug, one_line(f"{why}: {request.url}", 180))
        self.ledger.request_settled(request, problem=one_line(f"request {why}: {request.url}", 160))

    def _fingerprint(self, request: Request) -> bytes:
        return self.crawler.request_fingerprinter.fingerprint(request)

    def _request_scheduled(self, request: Request, **_: Any) -> None:
        if request.meta.get("target") is not None:
            self.ledger.request_scheduled(request, self._fingerprint(request))

    def _request_dropped(self, request: Request, **_: Any) -> None:
        if request.meta.get("target") is None:
            return
        if self.ledger.asked_before(request, self._fingerprint(request)):
            self.crawler.stats.inc_value("jobs/requests_repeated")
            self.ledger.request_settled(request)
            return
        self.crawler.stats.inc_value("jobs/requests_lost/scheduler")
        self._lost(request, "refused by the scheduler (duplicate filter)")

    def _item_done(self, item: Any, **_: Any) -> None:
        self.ledger.item_settled(item)

    def _item_error(self, item: Any, failure: Failure, **_: Any) -> None:
        self.crawler.stats.inc_value("jobs/item_errors")
        error = failure.value
        problem = f"a pipeline stage failed on a posting: {type(error).__name__}: {error}"
        self.ledger.item_settled(item, problem=one_line(problem, 160))

    def _spider_error(self, failure: Failure, response: Response, **_: Any) -> None:
        request = getattr(response, "request", None)
        if request is not None:
            self.ledger.request_settled(
                request, problem=one_line(f"{type(failure.value).__name__} in {response.url}", 160)
            )
