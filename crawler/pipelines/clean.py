"""Clean stage: tidy text fields, sanitize the description once, parse dates.

Every string of the item (lists and the nested ``extra`` values included) loses its
C0 control characters first: Postgres refuses a NUL, which would cost the whole batch
(crawler.text.without_control_chars). The description is sanitized with an allow-list
(the site renders it), its links resolved against the posting's ``url``, and a plain
text copy is kept for search and for the enrichment stages. Dates become aware
datetimes (see crawler.text.dates). Nothing is dropped here.

Reads no settings. Stats: ``jobs/clean/control_chars`` (characters removed) with
``jobs/clean/control_chars/<field>``, ``jobs/field/description/missing``,
``jobs/field/<date field>/unparsed``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from crawler.text import without_control_chars
from crawler.text.dates import parse_date
from crawler.text.html import sanitize_html, serialized_to_text

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

_SPACES = re.compile(r"\s+")
TEXT_FIELDS = ("title", "department", "team", "url", "apply_url", "external_id")
DATE_FIELDS = ("posted_at", "source_updated_at")
# Fields of running text, where line breaks belong; in every other field (titles,
# locations, ids) a control character becomes a space.
MULTILINE_FIELDS = frozenset({"description_html", "description_text", "extra"})


def tidy(value: Any) -> Any:
    """Collapse whitespace in text; empty text becomes None."""
    if isinstance(value, str):
        value = _SPACES.sub(" ", value).strip()
        return value or None
    return value


class CleanPipeline:
    runs_in_pool = True  # a function of the posting (crawler/pipelines/stage_pool.py)

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.crawl_time = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        self.remove_control_chars(adapter)
        for name in TEXT_FIELDS:
            adapter[name] = tidy(adapter.get(name))
        if adapter.get("external_id") is not None:
            adapter["external_id"] = str(adapter["external_id"])
        adapter["locations"] = _unique(tidy(loc) for loc in adapter.get("locations") or [])

        raw_html = adapter.get("description_html")
        given_text = adapter.get("description_text")
        if raw_html:
            clean_html = sanitize_html(raw_html, base_url=adapter.get("url"))
            adapter["description_html"] = clean_html or None
        else:
            clean_html = None
            adapter["description_html"] = None
            self.stats.inc_value("jobs/field/description/missing")
        if given_text or not clean_html:
            adapter["description_text"] = tidy_text(given_text)
        else:  # read from the sanitizer's own serialization: no tree walk, no second
            # serialization; tidy already (no trailing spaces, never two blank lines)
            adapter["description_text"] = serialized_to_text(clean_html) or None

        for name in DATE_FIELDS:
            raw = adapter.get(name)
            parsed = parse_date(raw, self.crawl_time)
            if raw not in (None, "") and parsed is None:
                self.stats.inc_value(f"jobs/field/{name}/unparsed")
            adapter[name] = parsed
        return item

    def remove_control_chars(self, adapter: ItemAdapter) -> None:
        """Strip C0 control characters from every string of the item, counted per field."""
        for name in adapter.field_names():
            value = adapter.get(name)
            single_line = name not in MULTILINE_FIELDS
            if isinstance(value, str):
                cleaned, removed = without_control_chars(value, single_line)
                if removed:
                    adapter[name] = cleaned
            elif isinstance(value, list | dict):
                removed = _remove_nested_control_chars(value, single_line)
            else:
                continue
            if removed:
                self.stats.inc_value("jobs/clean/control_chars", removed)
                self.stats.inc_value(f"jobs/clean/control_chars/{name}", removed)


def _remove_nested_control_chars(value: Any, single_line: bool) -> int:
    """Strip control characters from the strings in lists and dicts, in place; how many."""
    if isinstance(value, dict):
        keys: Any = list(value)
    elif isinstance(value, list):
        keys = range(len(value))
    else:
        return 0
    removed = 0
    for key in keys:
        inner = value[key]
        if isinstance(inner, str):
            value[key], count = without_control_chars(inner, single_line)
        else:
            count = _remove_nested_control_chars(inner, single_line)
        removed += count
    return removed


def tidy_text(text: str | None) -> str | None:
    """Plain text with trailing spaces and runs of blank lines removed."""
    if not text:
        return None
    lines = [line.rstrip() for line in text.splitlines()]
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return cleaned or None


def _unique(values: Any) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)
