"""Same-job stage: one job listed twice by a company is stored once.

Reads ``DATABASE_URL`` through the process's shared connection. Two postings of one
company with the same title, the same places and the same description (under two ids,
or on two boards) are one job. Which listing keeps it is a stable rule, whatever order
the listings arrive in: the one stored earliest, then the smallest external id
(numbers compare as numbers). A repeat is dropped (DEBUG, ``jobs/same_job``) and its
identity ("board:external_id") is recorded in the crawl ledger; the store adds it to
the kept posting's ``alternate_ids`` when the company finishes, so an id seen at any
time of the crawl is kept. When a better listing arrives after a worse one already
passed on (both new in this crawl), the new one is kept and the earlier one is
retracted (``jobs/same_job/retracted``): the store removes its row at the finish.
State is per company and dropped when the company finishes.
A posting without a description text is never merged: the same title in the same
city may be two openings.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler import signals as jobs_signals
from crawler.crawl_state import CrawlLedger
from crawler.db import postings as db
from crawler.db.session import Database, load_once
from crawler.pipelines.unchanged import is_source_unchanged

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

Listing = tuple[str, str]  # (board, external_id)


def same_job_key(adapter: ItemAdapter) -> str | None:
    """What makes two postings of a company the same job, or None when unknown.

    A digest of the company, title, places and description (the clean stage already
    tidied its whitespace); it is stored, so that a posting whose source is unchanged
    (and so is not cleaned again) still meets its repeats.
    """
    text = adapter.get("description_text")
    title = adapter.get("title")
    if not text or not title:
        return None
    places = "|".join(
        sorted(" ".join(p.casefold().split()) for p in adapter.get("locations") or [])
    )
    digest = hashlib.blake2b(digest_size=16)
    for part in (adapter.get("company") or "", " ".join(title.casefold().split()), places):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(text.encode())
    return digest.hexdigest()


def posting_identity(adapter: ItemAdapter) -> str:
    return f"{adapter.get('board')}:{adapter.get('external_id')}"


def id_order(external_id: str) -> tuple[int, str]:
    """Smallest first, numbers as numbers ("9" before "10"), as the database orders them."""
    return (len(external_id), external_id)


class SameJobPipeline:
    runs_on_unchanged = True  # an unchanged posting brings its stored key

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.ledger = CrawlLedger.for_crawler(crawler)
        # company -> same_job_key -> (listing that keeps the job, stored before this crawl)
        self.keepers: dict[str, asyncio.Future[dict[str, tuple[Listing, bool]]]] = {}
        crawler.signals.connect(self._company_finished, signal=jobs_signals.company_finished)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _company_finished(self, company: Any, **_: Any) -> None:
        self.keepers.pop(company.slug, None)

    async def _company_keepers(self, company: str) -> dict[str, tuple[Listing, bool]]:
        async def load() -> dict[str, tuple[Listing, bool]]:
            stored = await Database.for_crawler(self.crawler).run(
                lambda conn: db.same_job_keepers(conn, company), "reading stored same jobs"
            )
            return {key: (listing, True) for key, listing in stored.items()}

        return await load_once(self.keepers, company, load)

    async def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if is_source_unchanged(item):
            key = adapter.get("same_job_key")
        else:
            key = adapter["same_job_key"] = same_job_key(adapter)
        if key is None:
            return item
        keepers = await self._company_keepers(adapter["company"])
        listing: Listing = (adapter["board"], str(adapter["external_id"]))
        kept = keepers.get(key)
        if kept is None:
            keepers[key] = (listing, False)
            return item
        kept_listing, stored = kept
        if listing == kept_listing:
            return item  # the same posting again: the dedupe stage's business
        platform = adapter["platform"]
        self.stats.inc_value("jobs/same_job")
        if stored or id_order(kept_listing[1]) <= id_order(listing[1]):
            self.ledger.record_same_job(platform, adapter["board"], kept_listing, listing)
            raise DropItem(
                f"same job as {':'.join(kept_listing)}: {':'.join(listing)}", log_level="DEBUG"
            )
        # This listing wins over one passed on earlier in this crawl: keep it instead.
        keepers[key] = (listing, False)
        self.stats.inc_value("jobs/same_job/retracted")
        self.ledger.record_retracted(platform, adapter["board"], kept_listing, listing)
        return item
