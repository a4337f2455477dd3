"""Progress of a crawl: companies done of total, postings stored so far.

Settings read: ``JOBS_PROGRESS_INTERVAL`` (seconds between two updates; default 1 on
a terminal, 30 in a log).

``CompanyProgress`` follows one crawler through its signals and the crawl ledger.
A company is done when the store has finished it (crawler/crawl_state.py: its last
request settled and its last posting was stored or dropped).
``ProgressDisplay`` adds up the trackers of every crawler in the process (crawlall
runs one per platform) and shows one line, redrawn in place when stderr is a
terminal, else logged every interval. ``ProgressExtension`` is the same for a single
`scrapy crawl` (add it to EXTENSIONS).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING, Any, Self, TextIO

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class CompanyProgress:
    """How far one crawler (one platform) has got."""

    def __init__(self, crawler: Crawler, companies: int) -> None:
        self.crawler = crawler
        self.companies = companies  # how many this crawler was asked to crawl
        self.finished = False
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @property
    def postings(self) -> int:
        """Postings through every stage so far: Scrapy's own count of item_scraped (a
        receiver of our own would cost a task per posting)."""
        stats = self.crawler.stats
        return (stats.get_value("item_scraped_count") if stats else 0) or 0

    def _closed(self) -> None:
        self.finished = True

    def companies_done(self) -> int:
        if self.finished:
            return self.companies
        ledger = getattr(self.crawler, "crawl_ledger", None)
        return ledger.companies_finished if ledger is not None else 0


class ProgressDisplay:
    """One progress line for every crawler of the process."""

    def __init__(self, interval: float | None = None, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.on_terminal = self.stream.isatty()
        self.interval = interval or (1.0 if self.on_terminal else 30.0)
        self.trackers: list[CompanyProgress] = []
        self._next: asyncio.TimerHandle | None = None

    def follow(self, crawler: Crawler, companies: int) -> CompanyProgress:
        tracker = CompanyProgress(crawler, companies)
        self.trackers.append(tracker)
        return tracker

    def line(self) -> str:
        total = sum(t.companies for t in self.trackers)
        done = sum(t.companies_done() for t in self.trackers)
        postings = sum(t.postings for t in self.trackers)
        return f"{done}/{total} companies done, {postings:,} postings stored"

    def start(self) -> None:
        """Show the line every interval from now on (the crawl's event loop runs it)."""
        self._next = asyncio.get_event_loop().call_later(self.interval, self._tick)

    def _clear_line(self, record: logging.LogRecord) -> bool:
        self.stream.write("\r\033[K")
        return True

    def _tick(self) -> None:
        self.show()
        self._next = asyncio.get_event_loop().call_later(self.interval, self._tick)

    def show(self) -> None:
        if self.on_terminal:
            # A log record first wipes the line; the next tick redraws it. (Scrapy
            # replaces the root handler when a crawler starts: hook the current one.)
            for handler in logging.getLogger().handlers:
                handler.addFilter(self._clear_line)
            self.stream.write(f"\r\033[K{self.line()}")
            self.stream.flush()
        else:
            logger.info("progress: %s", self.line())

    def stop(self) -> None:
        if self._next is not None:
            self._next.cancel()
            self._next = None
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self._clear_line)
        if self.on_terminal:
            self.stream.write(f"\r\033[K{self.line()}\n")
            self.stream.flush()
        else:
            logger.info("progress: %s", self.line())


class ProgressExtension:
    """The progress line for a single `scrapy crawl`."""

    def __init__(self, crawler: Crawler) -> None:
        interval = crawler.settings.getfloat("JOBS_PROGRESS_INTERVAL") or None
        self.display = ProgressDisplay(interval)
        self.crawler = crawler
        self.tracker: CompanyProgress | None = None
        crawler.signals.connect(self._opened, signal=signals.spider_opened)
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _opened(self, spider: Any) -> None:
        self.tracker = self.display.follow(self.crawler, len(getattr(spider, "targets", [])))
        self.display.start()

    def _closed(self) -> None:
        if self.tracker is not None:
            self.tracker.finished = True
        self.display.stop()
