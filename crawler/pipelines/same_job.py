"""Same-job stage: one job listed twice by a company is stored once.

Reads no settings. Two postings of one company with the same title, the same places
and the same description (under two ids, or on two boards) are one job: the first
seen is kept, each repeat is dropped (DEBUG, ``jobs/same_job``) and its identity
("board:external_id") is added to the kept posting's ``alternate_ids``. The store
builds a batch's rows when it writes them, so an id added here after the kept
posting passed on is still written with it (within the crawl, before its batch is
written; later, the repeat is still dropped and ``jobs/same_job/alternate_late`` counted).
Kept postings are held weakly: a crawl of thousands of postings keeps only their keys.
A posting without a description text is never merged: the same title in
the same city may be two openings.
"""

from __future__ import annotations

import contextlib
import hashlib
import weakref
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.pipelines.unchanged import is_source_unchanged

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


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


class SameJobPipeline:
    runs_on_unchanged = True  # an unchanged posting brings its stored key

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.kept_ids: dict[str, str] = {}
        self.kept: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if is_source_unchanged(item):
            key = adapter.get("same_job_key")
        else:
            key = adapter["same_job_key"] = same_job_key(adapter)
        if key is None:
            return item
        identity = posting_identity(adapter)
        kept_id = self.kept_ids.get(key)
        if kept_id is None:
            self.kept_ids[key] = identity
            with contextlib.suppress(TypeError):  # a plain dict item cannot be held weakly
                self.kept[key] = item
            return item
        if identity == kept_id:
            return item  # the same posting again: the dedupe stage's business
        self.stats.inc_value("jobs/same_job")
        kept = self.kept.get(key)
        if kept is None:  # already written and let go
            self.stats.inc_value("jobs/same_job/alternate_late")
            raise DropItem(f"same job as {kept_id}: {identity}", log_level="DEBUG")
        kept_adapter = ItemAdapter(kept)
        alternates = kept_adapter.get("alternate_ids")
        if alternates is None:
            alternates = kept_adapter["alternate_ids"] = []
        # Mutated in place: the kept posting may already wait in the store's batch.
        for other in [identity, *(adapter.get("alternate_ids") or [])]:
            if other not in alternates:
                alternates.append(other)
        alternates.sort()
        raise DropItem(f"same job as {kept_id}: {identity}", log_level="DEBUG")
