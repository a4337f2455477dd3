"""Unchanged-source stage: a re-crawl skips the work whose result is already stored.

Reads ``DATABASE_URL`` (as the store does). Runs first. It hashes what the spider read
(the item as the spider made it) together with a fingerprint of the code and data
that clean and enrich it; when the stored posting has the same hash, the item is
marked ``source_unchanged`` and the pipeline manager (crawler/pipelines/manager.py)
runs only the stages that declare ``runs_on_unchanged`` (validate, dedupe, same-job,
store): the store then moves its ``last_seen_at`` in bulk, as for any unchanged row.

Postings merged with another listing (alternate ids) always take the full path, so
that the same-job stage sees both. Stats: ``jobs/unchanged_source``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
from collections.abc import Iterable
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from crawler import signals as jobs_signals
from crawler.db import postings as db
from crawler.db.session import Database, load_once

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

PACKAGE = Path(__file__).resolve().parents[1]
# What turns a spider's item into stored columns: a change in any of these files
# re-enriches every posting once.
ENRICHING_CODE = ("items.py", "pipelines", "enrich", "text", "db/postings.py")
UNCHANGED_FLAG = "source_unchanged"


def is_source_unchanged(item: Any) -> bool:
    extra = getattr(item, "extra", None)
    return bool(extra and extra.get(UNCHANGED_FLAG))


@cache
def enrichment_fingerprint() -> str:
    digest = hashlib.blake2b(digest_size=16)
    for name in ENRICHING_CODE:
        path = PACKAGE / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.suffix in (".py", ".toml", ".json", ".sql") and file.is_file():
                digest.update(str(file.relative_to(PACKAGE)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


@cache
def _field_names(item_class: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(item_class))


# Text longer than this goes into the hash as it is: JSON-escaping a 5 KB description
# cost more than hashing it.
RAW_TEXT_LENGTH = 256


def fields_digest(fields: Iterable[tuple[str, Any]]) -> hashlib.blake2b:
    """A digest of named values, the same for the same values in any order.

    Long text (a description) goes in as its bytes, framed by its name and length; the
    rest goes in as one sorted JSON document. Shared by the source hash (what the
    spider read) and the store's content hash (what is stored).
    """
    digest = hashlib.blake2b(digest_size=16)
    small: dict[str, Any] = {}
    for name, value in sorted(fields, key=itemgetter(0)):
        if isinstance(value, str) and len(value) > RAW_TEXT_LENGTH:
            raw = value.encode("utf-8", "surrogatepass")
            digest.update(b"%s:%d:" % (name.encode(), len(raw)))
            digest.update(raw)
        else:
            small[name] = value
    encoded = json.dumps(small, sort_keys=True, default=str, ensure_ascii=False)
    digest.update(encoded.encode("utf-8", "surrogatepass"))
    return digest


def source_hash(item: Any) -> str:
    """The hash of the item as the spider made it, under the current enriching code."""
    if dataclasses.is_dataclass(item):
        fields = [(name, getattr(item, name)) for name in _field_names(type(item))]
    else:
        fields = list(dict(item).items())
    digest = fields_digest(fields)
    digest.update(enrichment_fingerprint().encode())
    return digest.hexdigest()


class UnchangedSourcePipeline:
    runs_on_unchanged = True

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # Per board in flight, dropped when its company finishes.
        self.boards: dict[tuple[str, str], asyncio.Future[db.StoredSources]] = {}
        crawler.signals.connect(self._company_finished, signal=jobs_signals.company_finished)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _company_finished(self, platform: str, board: str, **_: Any) -> None:
        self.boards.pop((platform, board), None)

    async def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        adapter["source_hash"] = source_hash(item)
        stored = await self._stored(adapter)
        identity = f"{adapter.get('board')}:{adapter.get('external_id')}"
        known = stored.by_external_id.get(str(adapter.get("external_id")))
        if known and known[0] == adapter["source_hash"] and identity not in stored.alternates:
            adapter["same_job_key"] = known[1]
            adapter["extra"] = {**(adapter.get("extra") or {}), UNCHANGED_FLAG: True}
            self.crawler.stats.inc_value("jobs/unchanged_source")
        return item

    async def _stored(self, adapter: ItemAdapter) -> db.StoredSources:
        key = (adapter.get("platform"), adapter.get("board"))
        company = adapter.get("company")
        database = Database.for_crawler(self.crawler)  # the store opened it
        return await load_once(
            self.boards, key,
            lambda: database.run(
                lambda conn: db.stored_sources(conn, *key, company), "reading stored sources"
            ),
        )  # fmt: skip
