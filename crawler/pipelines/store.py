"""Store stage: batched upserts into Postgres, then per-company closing and run records.

Settings read: ``DATABASE_URL`` (unset: the embedded Postgres), ``JOBS_DB_BATCH_SIZE``.

The schema is migrated when the crawl opens. Items are buffered per board and
written in batches; a posting whose source is unchanged (crawler/pipelines/unchanged.py)
only has its ``last_seen_at`` moved, in one bulk update per batch. When the crawl
ends, every company the spider crawled gets a ``crawl_runs`` row, and, if the crawl
ledger calls its crawl complete and successful, its open postings that were not seen
are closed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

import psycopg
from itemadapter import ItemAdapter
from psycopg import AsyncConnection

from crawler.crawl_state import CrawlLedger, CrawlStatus
from crawler.db import postings as db
from crawler.db.connection import DatabaseUnavailable, describe_database, resolve_database_url
from crawler.db.migrate import apply_migrations
from crawler.pipelines.unchanged import is_source_unchanged

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def content_hash(row: dict[str, Any]) -> str:
    """A stable hash of everything stored about a posting except its identity."""
    content = {
        column: row.get(column)
        for column in db.POSTING_COLUMNS
        if column not in db.IDENTITY_COLUMNS and column != "content_hash"
    }
    encoded = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def posting_row(item: Any) -> dict[str, Any]:
    """The stored columns of an item, with its content hash."""
    adapter = ItemAdapter(item)
    row = {column: adapter.get(column) for column in db.POSTING_COLUMNS}
    row["content_hash"] = content_hash(row)
    return row


@dataclass
class BoardTally:
    seen: int = 0
    counts: db.UpsertCounts = field(default_factory=db.UpsertCounts)


class PostgresPipeline:
    runs_on_unchanged = True

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.batch_size = crawler.settings.getint("JOBS_DB_BATCH_SIZE")
        self.ledger = CrawlLedger.for_crawler(crawler)
        self.conn: AsyncConnection | None = None
        self.crawl_started_at: datetime | None = None
        self.buffers: dict[tuple[str, str], list[Any]] = defaultdict(list)
        self.unchanged: dict[tuple[str, str], list[Any]] = defaultdict(list)
        self.tallies: dict[tuple[str, str], BoardTally] = defaultdict(BoardTally)
        # Items are processed concurrently; one connection runs one transaction at a time.
        self.write_lock = asyncio.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def open_spider(self) -> None:
        url = resolve_database_url(self.crawler.settings)
        try:
            apply_migrations(url)
            self.conn = await AsyncConnection.connect(url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(
                f"cannot use the database {describe_database(url)}: {exc}".strip()
                + " (set DATABASE_URL, or unset it for the embedded Postgres)"
            ) from None
        self.crawl_started_at = await db.database_now(self.conn)

    async def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        key = (adapter["platform"], adapter["board"])
        # Rows are built when the batch is written: an earlier stage may still add to a
        # buffered posting (the same-job stage records a later repeat's id on it).
        buffer = self.unchanged[key] if is_source_unchanged(item) else self.buffers[key]
        buffer.append(item)
        self.tallies[key].seen += 1
        if len(buffer) >= self.batch_size:
            await self._flush(key)
        return item

    async def _flush(self, key: tuple[str, str]) -> None:
        items, self.buffers[key] = self.buffers[key], []
        unchanged, self.unchanged[key] = self.unchanged[key], []
        rows = [posting_row(item) for item in items]
        async with self.write_lock:
            counts = await db.upsert_postings(self.conn, rows)
            counts.unchanged += await db.touch_postings(
                self.conn, *key, [ItemAdapter(item)["external_id"] for item in unchanged]
            )
            for item in unchanged:
                adapter = ItemAdapter(item)
                if adapter.get("alternate_ids"):  # a new repeat of it was seen this crawl
                    await db.record_alternates(
                        self.conn, *key, adapter["external_id"], adapter["alternate_ids"]
                    )
        self.tallies[key].counts.add(counts)
        self.crawler.stats.inc_value("jobs/db/new", counts.new)
        self.crawler.stats.inc_value("jobs/db/updated", counts.updated)
        self.crawler.stats.inc_value("jobs/db/unchanged", counts.unchanged)

    async def close_spider(self) -> None:
        if self.conn is None:
            return
        try:
            for key in list(self.buffers.keys() | self.unchanged.keys()):
                await self._flush(key)
            for crawl in self.ledger.crawls():
                await self._finish_company(crawl)
        finally:
            await self.conn.close()

    async def _finish_company(self, crawl) -> None:
        key = (crawl.platform, crawl.board)
        tally = self.tallies[key]
        await db.upsert_company(self.conn, crawl.company)
        await db.touch_postings(self.conn, crawl.platform, crawl.board, crawl.dropped_ids)
        open_before = await db.count_open_before(
            self.conn, crawl.platform, crawl.board, self.crawl_started_at
        )
        outcome = self.ledger.outcome(crawl, seen=tally.seen, open_before=open_before)
        closed = 0
        if outcome.may_close_missing:
            closed = await db.close_missing_postings(
                self.conn, crawl.platform, crawl.board, self.crawl_started_at
            )
        else:
            logger.warning(
                "%s (%s/%s): crawl %s, closing nothing: %s",
                crawl.company.slug, crawl.platform, crawl.board,
                outcome.status, outcome.reason,
            )  # fmt: skip
        stats = self.crawler.stats
        stats.inc_value("jobs/db/closed", closed)
        stats.inc_value(f"jobs/companies/{outcome.status}")
        if outcome.status is not CrawlStatus.OK:
            stats.inc_value("jobs/companies/not_ok")
        await db.record_crawl_run(
            self.conn,
            db.CrawlRun(
                spider=self.crawler.spider.name,
                company=crawl.company.slug,
                platform=crawl.platform,
                board=crawl.board,
                started_at=self.crawl_started_at,  # the database clock, as first_seen_at
                status=outcome.status.value,
                reason=outcome.reason,
                seen=tally.seen,
                new=tally.counts.new,
                updated=tally.counts.updated,
                unchanged=tally.counts.unchanged,
                closed=closed,
                dropped=sum(crawl.dropped.values()),
                errors=len(crawl.errors),
                board_search=crawl.board_search,
            ),
        )
