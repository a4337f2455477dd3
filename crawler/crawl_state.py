"""Per-company crawl bookkeeping, and the one place that decides a company's outcome.

Spiders tell the ledger what happened to each company (started, a listing finished,
an error); the accounting middleware (crawler/middlewares/accounting.py) counts every
request a company issues until it settles and every item it yields until it is stored
or dropped; pipelines tell it what they dropped or failed to write. When a company's
last request has settled and its last item is done, the ledger tells its listener
(the store stage), which writes the company's last rows and asks ``outcome()``
whether the crawl was complete and successful: only then may the postings it no
longer lists be closed. Nothing else makes that decision.

A finished company is forgotten, so a long crawl keeps only the companies in flight.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request

    from crawler.detect import BoardSearch
    from crawler.registry import Company

logger = logging.getLogger(__name__)

MAX_DETAILS_GONE = 2  # or a tenth of the listing, whichever is more
MAX_REASONS = 5  # the first few reasons of a company's errors are kept, the rest counted
TOKEN_KEY = "company_request"  # request meta: the request's number in its company's ledger

BoardKey = tuple[str, str]  # (platform, board)
Listing = tuple[str, str]  # (board, external_id)


class CrawlStatus(StrEnum):
    OK = "ok"  # every page fetched and parsed: missing postings may be closed
    PARTIAL = "partial"  # something was fetched but not everything: close nothing
    FAILED = "failed"  # nothing usable came back: close nothing


@dataclass
class CompanyCrawl:
    company: Company
    platform: str
    board: str
    run_id: str | None = None  # the distributed run (scrapy enqueue) it was taken from
    listings_pending: int = 0
    listings_finished: int = 0
    error_count: int = 0
    errors: list[str] = field(default_factory=list)  # the first MAX_REASONS reasons
    dropped: Counter[str] = field(default_factory=Counter)
    # Postings still listed but dropped as malformed: they must not be closed.
    dropped_ids: set[str] = field(default_factory=set)
    # Listed postings whose detail answered 404/410: taken down between list and detail.
    details_gone: int = 0
    # Requests issued and not yet settled (by their number), items not yet stored/dropped.
    pending_requests: set[int] = field(default_factory=set)
    pending_items: int = 0
    requests_issued: int = 0
    # Fingerprint -> number of the first request of this company that had it: a request
    # the duplicate filter refuses because the company already asked for the same
    # thing (a Workday posting in two facet slices) loses nothing.
    fingerprints: dict[bytes, int] = field(default_factory=dict)
    # Same-job merges: kept posting's identity -> the identities it is also listed under,
    # and postings first stored in this crawl that turned out to be a repeat of another.
    alternates: dict[Listing, set[str]] = field(default_factory=dict)
    retracted: set[Listing] = field(default_factory=set)
    finishing: bool = False

    @property
    def key(self) -> BoardKey:
        return (self.platform, self.board)

    @property
    def settled(self) -> bool:
        """Every request answered or dropped and every item stored or dropped."""
        return self.requests_issued > 0 and not self.pending_requests and not self.pending_items

    def add_error(self, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REASONS:
            self.errors.append(reason)
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
    """What happened to each company in flight in this crawl. One per crawler."""

    def __init__(self, min_ratio: float = 0.5, min_open: int = 10) -> None:
        self.min_ratio = min_ratio
        self.min_open = min_open
        self._crawls: dict[BoardKey, CompanyCrawl] = {}
        self._numbers = itertools.count(1)
        self.companies_finished = 0
        # Called once per company when it has settled (the store stage finishes it).
        self.on_settled: Callable[[CompanyCrawl], None] | None = None

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

    def company_started(
        self, company: Company, platform: str, board: str, run_id: str | None = None
    ) -> CompanyCrawl:
        key = (platform, board)
        if key not in self._crawls:
            self._crawls[key] = CompanyCrawl(
                company=company, platform=platform, board=board, run_id=run_id
            )
        return self._crawls[key]

    def crawl_of(self, platform: str, board: str) -> CompanyCrawl:
        """The company's crawl in flight (KeyError when it is not: a caller's bug)."""
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
        crawl = self._crawls.get((platform, board))
        if crawl is not None:
            crawl.add_error(reason)

    def record_detail_gone(self, platform: str, board: str) -> None:
        """A listed posting's detail is gone (404/410): the posting was just taken down."""
        self._crawls[(platform, board)].details_gone += 1

    # --- requests and items, until each settles -------------------------------------

    def request_issued(self, request: Request) -> None:
        """Count a company's request until it settles (answered, failed or dropped).

        Retries and redirects copy the request's meta, so they settle the same count.
        """
        crawl = self._crawl_of_request(request)
        if crawl is None:
            return
        number = next(self._numbers)
        request.meta[TOKEN_KEY] = number
        crawl.pending_requests.add(number)
        crawl.requests_issued += 1

    def request_scheduled(self, request: Request, fingerprint: bytes) -> None:
        crawl = self._crawl_of_request(request)
        number = request.meta.get(TOKEN_KEY)
        if crawl is not None and number is not None:
            crawl.fingerprints.setdefault(fingerprint, number)

    def asked_before(self, request: Request, fingerprint: bytes) -> bool:
        """Did another request of the same company ask for exactly this?"""
        crawl = self._crawl_of_request(request)
        if crawl is None:
            return False
        first = crawl.fingerprints.get(fingerprint)
        return first is not None and first != request.meta.get(TOKEN_KEY)

    def request_settled(self, request: Request, problem: str | None = None) -> None:
        """The request was answered and its output handed on, or it failed or was
        dropped (``problem`` says why; the company is then not complete)."""
        crawl = self._crawl_of_request(request)
        number = request.meta.get(TOKEN_KEY)
        if crawl is None or number not in crawl.pending_requests:
            return
        crawl.pending_requests.discard(number)
        if problem:
            crawl.add_error(problem)
        self._check_settled(crawl)

    def item_issued(self, item: Any) -> None:
        crawl = self._crawl_of_item(item)
        if crawl is not None:
            crawl.pending_items += 1

    def item_settled(self, item: Any, problem: str | None = None) -> None:
        crawl = self._crawl_of_item(item)
        if crawl is None:
            return
        crawl.pending_items -= 1
        if problem:
            crawl.add_error(problem)
        self._check_settled(crawl)

    def _check_settled(self, crawl: CompanyCrawl) -> None:
        if crawl.settled and not crawl.finishing:
            crawl.finishing = True
            if self.on_settled is not None:
                self.on_settled(crawl)

    def _crawl_of_request(self, request: Request) -> CompanyCrawl | None:
        target = request.meta.get("target")
        if target is None:
            return None
        # The company's platform is its spider's name (registry and -a board= alike).
        return self._crawls.get((target.company.platform, target.board))

    def _crawl_of_item(self, item: Any) -> CompanyCrawl | None:
        adapter = ItemAdapter(item)
        return self._crawls.get((adapter.get("platform"), adapter.get("board")))

    # --- what pipelines report ----------------------------------------------------

    def record_dropped(
        self, platform: str, board: str, reason: str, external_id: str | None = None
    ) -> None:
        crawl = self._crawls.get((platform, board))
        if crawl is not None:
            crawl.dropped[reason] += 1
            if external_id:
                crawl.dropped_ids.add(external_id)

    def record_write_failure(
        self, platform: str, board: str, external_id: str, reason: str
    ) -> None:
        """A row Postgres refused even alone: dropped, and the company is not complete."""
        self.record_dropped(platform, board, "write_failed", external_id)
        self.record_error(platform, board, f"posting {external_id} not written: {reason}")

    def record_same_job(
        self, platform: str, board: str, kept: Listing, repeat: Listing
    ) -> None:
        """``repeat`` is the same job as the kept listing: its id joins the kept one's."""
        crawl = self._crawls.get((platform, board))
        if crawl is not None:
            crawl.alternates.setdefault(kept, set()).add(":".join(repeat))

    def record_retracted(self, platform: str, board: str, old: Listing, new: Listing) -> None:
        """A listing passed on earlier in this crawl lost the same-job choice to ``new``:
        its row goes, and its id and the ids it had gathered move to ``new``."""
        crawl = self._crawls.get((platform, board))
        if crawl is not None:
            crawl.retracted.add(old)
            moved = crawl.alternates.pop(old, set())
            crawl.alternates.setdefault(new, set()).update(moved, {":".join(old)})

    # --- the decision -------------------------------------------------------------

    def crawls(self) -> list[CompanyCrawl]:
        """The companies still in flight."""
        return list(self._crawls.values())

    def forget(self, crawl: CompanyCrawl) -> None:
        """The company's crawl is recorded: drop its state."""
        if self._crawls.pop(crawl.key, None) is not None:
            self.companies_finished += 1

    def outcome(
        self, crawl: CompanyCrawl, seen: int, open_before: int, stopped: str | None = None
    ) -> Outcome:
        """Was this company's crawl complete and successful?

        ``seen``: postings of the company that reached the database this crawl;
        ``open_before``: postings that were open before it started; ``stopped``: why
        the engine stopped before the company settled (None when it settled).
        """
        # A paged listing that broke after its first pages landed postings is partial.
        if crawl.listings_finished == 0 and seen == 0:
            reason = crawl.errors[0] if crawl.errors else "the listing never finished"
            if stopped:
                reason = f"the crawl ended ({stopped}) before the listing finished"
            return Outcome(CrawlStatus.FAILED, reason)
        if stopped:
            return Outcome(
                CrawlStatus.PARTIAL,
                f"the crawl ended ({stopped}) with {len(crawl.pending_requests)} requests"
                f" and {crawl.pending_items} postings of this company unsettled",
            )
        if crawl.errors or crawl.listings_pending:
            reason = crawl.errors[0] if crawl.errors else "a listing did not finish"
            if crawl.error_count > 1:
                reason += f" (and {crawl.error_count - 1} more)"
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
