"""Per-company crawl bookkeeping, and the one place that decides a company's outcome.

Spiders tell the ledger what happened to each company (started, a listing finished,
an error); pipelines tell it what they dropped. When the crawl ends, ``outcome()``
decides whether the company's crawl was complete and successful, which is what
allows closing the postings it no longer lists. Nothing else makes that decision.

Kept in the crawling process today; with a shared Redis frontier the same
questions move to Redis (several workers fetch one company's pages).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.detect import BoardSearch
    from crawler.registry import Company


MAX_DETAILS_GONE = 2  # or a tenth of the listing, whichever is more


class CrawlStatus(StrEnum):
    OK = "ok"  # every page fetched and parsed: missing postings may be closed
    PARTIAL = "partial"  # something was fetched but not everything: close nothing
    FAILED = "failed"  # nothing usable came back: close nothing


@dataclass
class CompanyCrawl:
    company: Company
    platform: str
    board: str
    listings_pending: int = 0
    listings_finished: int = 0
    errors: list[str] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    # Postings still listed but dropped as malformed: they must not be closed.
    dropped_ids: set[str] = field(default_factory=set)
    # Listed postings whose detail answered 404/410: taken down between list and detail.
    details_gone: int = 0
    # The board failed (404/410) or listed nothing: what its careers page names now.
    board_search: BoardSearch | None = None


@dataclass(frozen=True)
class Outcome:
    status: CrawlStatus
    reason: str

    @property
    def may_close_missing(self) -> bool:
        return self.status is CrawlStatus.OK


class CrawlLedger:
    """What happened to each company in this crawl. One per crawler."""

    def __init__(self, min_ratio: float = 0.5, min_open: int = 10) -> None:
        self.min_ratio = min_ratio
        self.min_open = min_open
        self._crawls: dict[tuple[str, str], CompanyCrawl] = {}

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> CrawlLedger:
        """The crawler's ledger, created on first use (spider and pipelines share it)."""
        ledger = getattr(crawler, "crawl_ledger", None)
        if ledger is None:
            ledger = cls(
                min_ratio=crawler.settings.getfloat("JOBS_CLOSE_MIN_RATIO"),
                min_open=crawler.settings.getint("JOBS_CLOSE_MIN_OPEN"),
            )
            crawler.crawl_ledger = ledger
        return ledger

    # --- what spiders report ------------------------------------------------------

    def company_started(self, company: Company, platform: str, board: str) -> CompanyCrawl:
        key = (platform, board)
        if key not in self._crawls:
            self._crawls[key] = CompanyCrawl(company=company, platform=platform, board=board)
        return self._crawls[key]

    def crawl_of(self, platform: str, board: str) -> CompanyCrawl:
        return self._crawls[(platform, board)]

    def listing_started(self, platform: str, board: str) -> None:
        """A listing (one walk through the board's pages) begins; it must finish."""
        self._crawls[(platform, board)].listings_pending += 1

    def listing_finished(self, platform: str, board: str) -> None:
        """The listing reached its last page without losing any."""
        crawl = self._crawls[(platform, board)]
        crawl.listings_pending -= 1
        crawl.listings_finished += 1

    def record_error(self, platform: str, board: str, reason: str) -> None:
        self._crawls[(platform, board)].errors.append(reason)

    def record_detail_gone(self, platform: str, board: str) -> None:
        """A listed posting's detail is gone (404/410): the posting was just taken down."""
        self._crawls[(platform, board)].details_gone += 1

    # --- what pipelines report ----------------------------------------------------

    def record_dropped(
        self, platform: str, board: str, reason: str, external_id: str | None = None
    ) -> None:
        crawl = self._crawls.get((platform, board))
        if crawl is not None:
            crawl.dropped[reason] += 1
            if external_id:
                crawl.dropped_ids.add(external_id)

    # --- the decision -------------------------------------------------------------

    def crawls(self) -> list[CompanyCrawl]:
        return list(self._crawls.values())

    def outcome(self, crawl: CompanyCrawl, seen: int, open_before: int) -> Outcome:
        """Was this company's crawl complete and successful?

        ``seen``: postings of the company that reached the database this crawl;
        ``open_before``: postings that were open before it started.
        """
        # A paged listing that broke after its first pages landed postings is partial.
        if crawl.listings_finished == 0 and seen == 0:
            reason = crawl.errors[0] if crawl.errors else "the listing never finished"
            return Outcome(CrawlStatus.FAILED, reason)
        if crawl.errors or crawl.listings_pending:
            reason = crawl.errors[0] if crawl.errors else "a listing did not finish"
            return Outcome(CrawlStatus.PARTIAL, reason)
        # A few postings taken down mid-crawl are normal on a busy board; many gone
        # details more likely mean a broken detail endpoint than a mass take-down.
        if crawl.details_gone > max(MAX_DETAILS_GONE, (seen + crawl.details_gone) // 10):
            return Outcome(
                CrawlStatus.PARTIAL,
                f"{crawl.details_gone} listed postings had no detail (404/410)",
            )
        if open_before >= self.min_open and seen < open_before * self.min_ratio:
            return Outcome(
                CrawlStatus.PARTIAL,
                f"suspiciously shrunken: saw {seen} of {open_before} open postings",
            )
        return Outcome(CrawlStatus.OK, "complete")
