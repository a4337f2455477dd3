"""Retry "slow down" answers (HTTP 429) after a wait, instead of at once.

Scrapy's built-in retry sends the request again immediately, which a hard rate limiter
answers with another 429. This middleware waits what the server asks in
``Retry-After`` (seconds or an HTTP date), or else backs off exponentially
(``RETRY_AFTER_BASE_DELAY * 2 ** retries``), both capped at ``RETRY_AFTER_MAX_DELAY``.
While it waits, the host's download slot is held back too, so the spider's other
requests to that host do not run into the same limit.

A spider enables it for itself (see crawler/spiders/workable.py) and drops 429 from
its ``RETRY_HTTP_CODES`` so that a 429 is not retried twice.

Settings read: RETRY_TIMES (attempts, as for the built-in retry; the ``max_retry_times``
meta key overrides it), RETRY_AFTER_HTTP_CODES ([429]), RETRY_AFTER_BASE_DELAY (2.0
seconds), RETRY_AFTER_MAX_DELAY (120 seconds). Stats: ``retry_after/count``,
``retry_after/wait_seconds``, plus Scrapy's ``retry/...`` keys.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import TYPE_CHECKING, ClassVar, Self

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


def retry_after_seconds(header: str | bytes | None, now: datetime | None = None) -> float | None:
    """The wait a Retry-After header asks for (delta seconds or HTTP date), or None."""
    if header is None:
        return None
    text = (header.decode("latin-1") if isinstance(header, bytes) else header).strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(
    retry_after: float | None, retries_so_far: int, base_delay: float, max_delay: float
) -> float:
    """Seconds to wait before the next attempt: the server's wish, else exponential."""
    wait = retry_after if retry_after is not None else base_delay * 2**retries_so_far
    return min(wait, max_delay)


class RetryAfterMiddleware:
    order: ClassVar[int] = 560  # before the built-in RetryMiddleware (550) sees the response

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.http_codes = {int(c) for c in settings.getlist("RETRY_AFTER_HTTP_CODES", [429])}
        self.base_delay = settings.getfloat("RETRY_AFTER_BASE_DELAY", 2.0)
        self.max_delay = settings.getfloat("RETRY_AFTER_MAX_DELAY", 120.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in self.http_codes or request.meta.get("dont_retry"):
            return response
        retries_so_far = request.meta.get("retry_times", 0)
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason=response_status_message(response.status)
        )
        if retry is None:  # out of attempts: the spider's errback reports the 429
            return response
        wait = backoff_delay(
            retry_after_seconds(response.headers.get("Retry-After")),
            retries_so_far, self.base_delay, self.max_delay,
        )  # fmt: skip
        stats = self.crawler.stats
        stats.inc_value("retry_after/count")
        stats.inc_value("retry_after/wait_seconds", round(wait))
        logger.info("HTTP %s from %s: waiting %.1fs before retrying", response.status,
                    request.url, wait)  # fmt: skip
        self._hold_slot(request, wait)
        await sleep(wait)
        return retry

    def _hold_slot(self, request: Request, wait: float) -> None:
        """Keep the host's slot from sending anything else during the wait (best effort:
        the slot is Scrapy's internal state; without it only this request waits)."""
        downloader = getattr(self.crawler.engine, "downloader", None)
        slots = getattr(downloader, "slots", None)
        if downloader is None or not isinstance(slots, dict):
            return
        slot = slots.get(downloader.get_slot_key(request))
        if slot is not None and hasattr(slot, "lastseen"):
            slot.lastseen = max(slot.lastseen, monotonic() + wait)
