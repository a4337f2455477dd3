"""Store stage: streamed upserts into Postgres, and each company finished on its own.

Settings read: ``DATABASE_URL`` (unset: the embedded Postgres), ``JOBS_DB_BATCH_SIZE``
(rows per write), ``JOBS_DB_FLUSH_SECONDS`` (the longest a row waits to be written),
``JOBS_DB_RETRY_SECONDS`` (how long a lost database is waited for, crawler/db/session.py).

Rows from every company share one buffer, written when it holds ``JOBS_DB_BATCH_SIZE``
rows, when its oldest row is ``JOBS_DB_FLUSH_SECONDS`` old, and when a company
finishes; so memory holds what is in flight, never the crawl. A posting whose source
is unchanged (crawler/pipelines/unchanged.py) only has its ``last_seen_at`` moved.

A batch Postgres refuses (a value it cannot take) is written again row by row: a row
refused alone is dropped with its reason (``jobs/db/write_failed``, one short log
line), its company becomes partial, and the rest of the batch lands.

When the crawl ledger says a company has settled (its last request answered or
dropped, its last item stored or dropped), the company is finished: its last rows are
written, then in one transaction its same-job merges are recorded, its missing
postings are closed if the ledger calls its crawl complete, and its ``crawl_runs``
row is written. The ``company_finished`` signal follows. A company still in flight
when the crawl stops is recorded partial and closes nothing.

If the database is lost for longer than ``JOBS_DB_RETRY_SECONDS``, the crawl stops
(finish reason ``database_unavailable``), closes nothing, and the command exits 1.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

import psycopg
from itemadapter import ItemAdapter
from psycopg import AsyncConnection
from scrapy.exceptions import DropItem

from crawler import signals as jobs_signals
from crawler.crawl_state import CompanyCrawl, CrawlLedger, CrawlStatus, Outcome
from crawler.db import postings as db
from crawler.db.connection import DatabaseUnavailable
from crawler.db.session import Database
from crawler.logformatter import one_line
from crawler.pipelines.unchanged import fields_digest, is_source_unchanged

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = "database_unavailable"  # the finish reason when the database is lost

# what the content hash covers: every stored column but the identity
_CONTENT_COLUMNS = tuple(
    column
    for column in db.POSTING_COLUMNS
    if column not in db.IDENTITY_COLUMNS and column != "content_hash"
)


def content_hash(row: dict[str, Any]) -> str:
    """A stable hash of everything stored about a posting except its identity."""
    return fields_digest((column, row.get(column)) for column in _CONTENT_COLUMNS).hexdigest()


def row_key(row: dict[str, Any]) -> tuple[str, str]:
    return (row["platform"], row["board"])


def posting_row(item: Any) -> dict[str, Any]:
    """The stored columns of an item, with its content hash."""
    adapter = ItemAdapter(item)
    row = {column: adapter.get(column) for column in db.POSTING_COLUMNS}
    row["content_hash"] = content_hash(row)
    return row


@dataclass
class BoardTally:
    started_at: datetime | None = None  # database clock, before its first row was written
    seen: int = 0
    counts: db.UpsertCounts = field(default_factory=db.UpsertCounts)


class PostgresPipeline:
    runs_on_unchanged = True

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.batch_size = crawler.settings.getint("JOBS_DB_BATCH_SIZE")
        self.flush_seconds = crawler.settings.getfloat("JOBS_DB_FLUSH_SECONDS")
        self.ledger = CrawlLedger.for_crawler(crawler)
        self.database = Database.for_crawler(crawler)
        self.rows: list[dict[str, Any]] = []
        self.touches: list[tuple[str, str, str]] = []  # unchanged: (platform, board, id)
        self.oldest: float | None = None  # when the oldest buffered row arrived
        self.written_since_check = 0  # rows written or touched since statistics were checked
        self.tallies: dict[tuple[str, str], BoardTally] = {}
        self.flush_lock = asyncio.Lock()
        self.finishing: set[asyncio.Task[None]] = set()
        self.timer: asyncio.Task[None] | None = None
        self.lost: DatabaseUnavailable | None = None
        self.stopping: asyncio.Future[None] | None = None
        self.opened = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def open_spider(self) -> None:
        await self.database.open()
        self.opened = True
        self.ledger.on_settled = self._company_settled
        self.timer = asyncio.ensure_future(self._flush_by_age())

    # --- rows in ------------------------------------------------------------------

    async def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if self.lost is not None:
            raise DropItem("database unavailable", log_level="DEBUG")
        key = (adapter["platform"], adapter["board"])
        tally = self.tallies.get(key)
        if tally is None:
            tally = self.tallies[key] = BoardTally()
            tally.started_at = await self._database_now()
        tally.seen += 1
        if is_source_unchanged(item):
            self.touches.append((*key, adapter["external_id"]))
        else:
            self.rows.append(posting_row(item))
        if self.oldest is None:
            self.oldest = time.monotonic()
        if len(self.rows) + len(self.touches) >= self.batch_size:
            await self.flush()
        return item

    async def _database_now(self) -> datetime | None:
        try:
            return await self.database.run(db.database_now, "reading the clock")
        except DatabaseUnavailable as exc:
            self._database_lost(exc)
            return None

    async def _flush_by_age(self) -> None:
        while True:
            await asyncio.sleep(max(self.flush_seconds / 4, 0.05))
            if self.oldest is not None and time.monotonic() - self.oldest >= self.flush_seconds:
                await self.flush()

    async def flush(self) -> None:
        """Write every buffered row (one upsert, one bulk touch of unchanged ones)."""
        async with self.flush_lock:
            rows, self.rows = self.rows, []
            touches, self.touches = self.touches, []
            self.oldest = None
            if self.lost is not None or not (rows or touches):
                return
            try:
                if rows:
                    counts = await self.database.run(
                        lambda conn: self._upsert(conn, rows), "writing postings"
                    )
                    for key, board_counts in counts.items():
                        self._tally(key).counts.add(board_counts)
                        self.stats.inc_value("jobs/db/new", board_counts.new)
                        self.stats.inc_value("jobs/db/updated", board_counts.updated)
                        self.stats.inc_value("jobs/db/unchanged", board_counts.unchanged)
                if touches:
                    touched = await self.database.run(
                        lambda conn: db.touch_seen(conn, touches), "marking unchanged postings"
                    )
                    for key, count in touched.items():
                        self._tally(key).counts.unchanged += count
                        self.stats.inc_value("jobs/db/unchanged", count)
                self.written_since_check += len(rows) + len(touches)
            except DatabaseUnavailable as exc:
                self._database_lost(exc)
            except Exception as exc:  # a bug, not bad data: never a silent loss
                logger.exception("writing %d postings failed", len(rows) + len(touches))
                reason = one_line(f"a write of postings failed: {type(exc).__name__}: {exc}", 160)
                for key in {row_key(row) for row in rows} | {t[:2] for t in touches}:
                    self.ledger.record_error(*key, reason)
            if self.written_since_check >= self.batch_size and self.lost is None:
                self.written_since_check = 0
                await self._refresh_statistics()

    async def _refresh_statistics(self) -> None:
        """Keep the planner's statistics of postings current (db.refresh_statistics).
        Apart from the writes: the rows are stored whatever this does."""
        try:
            if await self.database.run(db.refresh_statistics, "refreshing statistics"):
                self.stats.inc_value("jobs/db/analyzed")
        except DatabaseUnavailable as exc:
            self._database_lost(exc)
        except Exception:  # only slower plans: no posting is at stake
            logger.exception("refreshing the statistics of postings failed")

    def _tally(self, key: tuple[str, str]) -> BoardTally:
        return self.tallies.setdefault(key, BoardTally())

    async def _upsert(
        self, conn: AsyncConnection, rows: list[dict[str, Any]]
    ) -> dict[tuple[str, str], db.UpsertCounts]:
        try:
            return await db.upsert_postings(conn, rows)
        except psycopg.OperationalError:
            raise  # the connection: retried whole by the session
        except Exception as exc:  # a value Postgres or the encoder refuses (NUL, surrogate)
            if len(rows) == 1:
                self._row_refused(rows[0], exc)
                return {}
        # One row spoiled the batch: each row alone, so only the bad one is lost.
        self.stats.inc_value("jobs/db/batch_retried_by_row")
        counts: dict[tuple[str, str], db.UpsertCounts] = defaultdict(db.UpsertCounts)
        for row in rows:
            for key, row_counts in (await self._upsert(conn, [row])).items():
                counts[key].add(row_counts)
        return counts

    def _row_refused(self, row: dict[str, Any], exc: Exception) -> None:
        platform, board, external_id = (row[c] for c in db.IDENTITY_COLUMNS)
        reason = one_line(f"{type(exc).__name__}: {exc}", 120)
        self.ledger.record_write_failure(platform, board, external_id, reason)
        self._tally((platform, board)).seen -= 1
        self.stats.inc_value("jobs/db/write_failed")
        self.stats.inc_value("jobs/dropped")
        self.stats.inc_value("jobs/dropped/write_failed")
        logger.warning("%s", one_line(f"Dropped: posting {platform}/{board}/{external_id}"
                                   f" ({row.get('company')}) not written: {reason}"))  # fmt: skip

    def _database_lost(self, exc: DatabaseUnavailable) -> None:
        if self.lost is not None:
            return
        self.lost = exc
        self.stats.set_value("jobs/db/unavailable", 1)
        logger.error("%s. Stopping the crawl: nothing is closed; the next crawl starts clean.",
                     exc)  # fmt: skip
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            self.stopping = asyncio.ensure_future(
                engine.close_spider_async(reason=DATABASE_UNAVAILABLE)
            )

    # --- companies out --------------------------------------------------------------

    def _company_settled(self, crawl: CompanyCrawl) -> None:
        task = asyncio.ensure_future(self._finish_company(crawl))
        self.finishing.add(task)
        task.add_done_callback(self.finishing.discard)

    async def _finish_company(self, crawl: CompanyCrawl, stopped: str | None = None) -> None:
        await self.flush()
        tally = self.tallies.pop(crawl.key, None) or BoardTally()
        outcome: Outcome | None = None
        closed = 0
        if self.lost is None:
            try:
                outcome, closed = await self.database.run(
                    lambda conn: self._record_company(conn, crawl, tally, stopped),
                    f"finishing {crawl.company.slug}",
                )
            except DatabaseUnavailable as exc:
                self._database_lost(exc)
        if outcome is None:  # not recorded: the database is gone
            outcome = Outcome(CrawlStatus.FAILED, one_line(str(self.lost)))
        self._count_outcome(crawl, outcome, closed)
        self.ledger.forget(crawl)
        await self.crawler.signals.send_catch_log_async(
            jobs_signals.company_finished,
            company=crawl.company, platform=crawl.platform, board=crawl.board,
            status=outcome.status.value, reason=outcome.reason, run_id=crawl.run_id,
        )  # fmt: skip

    async def _record_company(
        self, conn: AsyncConnection, crawl: CompanyCrawl, tally: BoardTally, stopped: str | None
    ) -> tuple[Outcome, int]:
        """One transaction: same-job merges, the closing if complete, the crawl_runs row."""
        platform, board = crawl.key
        async with conn.transaction():
            started_at = tally.started_at or await db.database_now(conn)
            await db.upsert_company(conn, crawl.company)
            await db.touch_postings(conn, platform, board, crawl.dropped_ids)
            await db.merge_same_job(conn, platform, crawl.alternates)
            retracted = await db.delete_retracted(conn, platform, crawl.retracted, started_at)
            open_before = await db.count_open_before(conn, platform, board, started_at)
            outcome = self.ledger.outcome(
                crawl, seen=tally.seen - retracted, open_before=open_before, stopped=stopped
            )
            closed = 0
            if outcome.may_close_missing:
                closed = await db.close_missing_postings(conn, platform, board, started_at)
                if crawl.company.registered:
                    closed += await db.close_moved_away(
                        conn, crawl.company.slug, platform, board
                    )
            await db.record_crawl_run(
                conn,
                db.CrawlRun(
                    spider=self.crawler.spider.name,
                    company=crawl.company.slug,
                    platform=platform,
                    board=board,
                    started_at=started_at,  # the database clock, as first_seen_at
                    status=outcome.status.value,
                    reason=outcome.reason,
                    seen=tally.seen - retracted,
                    new=tally.counts.new - retracted,
                    updated=tally.counts.updated,
                    unchanged=tally.counts.unchanged,
                    closed=closed,
                    dropped=sum(crawl.dropped.values()),
                    errors=crawl.error_count,
                    run_id=crawl.run_id,
                    board_search=crawl.board_search,
                ),
            )
        return outcome, closed

    def _count_outcome(self, crawl: CompanyCrawl, outcome: Outcome, closed: int) -> None:
        self.stats.inc_value("jobs/db/closed", closed)
        self.stats.inc_value(f"jobs/companies/{outcome.status}")
        if outcome.status is not CrawlStatus.OK:
            self.stats.inc_value("jobs/companies/not_ok")
            logger.warning(
                "%s (%s/%s): crawl %s, closing nothing: %s",
                crawl.company.slug, crawl.platform, crawl.board, outcome.status, outcome.reason,
            )  # fmt: skip

    async def close_spider(self) -> None:
        if not self.opened:
            return
        try:
            while self.finishing:
                await asyncio.gather(*list(self.finishing))
            # Still in flight: the crawl stopped (or lost a request) before they settled.
            for crawl in self.ledger.crawls():
                if not crawl.finishing:
                    crawl.finishing = True
                    await self._finish_company(crawl, stopped=self._stop_reason(crawl))
            await self.flush()
        finally:
            if self.timer is not None:
                self.timer.cancel()
            self.ledger.on_settled = None
            await self.database.close()

    def _stop_reason(self, crawl: CompanyCrawl) -> str | None:
        if crawl.requests_issued == 0 and not crawl.pending_items:
            return None  # it never started a request: its outcome says so
        if self.lost is not None:
            return DATABASE_UNAVAILABLE
        return "stopped early"
