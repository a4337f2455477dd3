"""Clean stage: tidy text fields, sanitize the description once, parse dates.

The description is sanitized with an allow-list (the site renders it) and a plain
text copy is kept for search and for the enrichment stages. Dates become aware
datetimes (see crawler.text.dates). Nothing is dropped here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from crawler.text.dates import parse_date
from crawler.text.html import parse_fragment, sanitize_html, tree_to_text

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

_SPACES = re.compile(r"\s+")
TEXT_FIELDS = ("title", "department", "team", "url", "apply_url", "external_id")
DATE_FIELDS = ("posted_at", "source_updated_at")


def tidy(value: Any) -> Any:
    """Collapse whitespace in text; empty text becomes None."""
    if isinstance(value, str):
        value = _SPACES.sub(" ", value).strip()
        return value or None
    return value


class CleanPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.crawl_time = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for name in TEXT_FIELDS:
            adapter[name] = tidy(adapter.get(name))
        if adapter.get("external_id") is not None:
            adapter["external_id"] = str(adapter["external_id"])
        adapter["locations"] = _unique(tidy(loc) for loc in adapter.get("locations") or [])

        raw_html = adapter.get("description_html")
        given_text = adapter.get("description_text")
        if raw_html:
            clean_html = sanitize_html(raw_html)
            adapter["description_html"] = clean_html or None
            # parsed once: the text comes from this tree, and the AI-skills stage reads
            # its headings from extra["html_tree"] (transient, removed there, never stored)
            tree = parse_fragment(clean_html) if clean_html else None
            if tree is not None and isinstance(adapter.get("extra"), dict):
                adapter["extra"]["html_tree"] = tree
        else:
            tree = None
            adapter["description_html"] = None
            self.stats.inc_value("jobs/field/description/missing")
        if given_text or tree is None:
            adapter["description_text"] = tidy_text(given_text)
        else:  # tree_to_text is tidy already: no trailing spaces, never two blank lines
            adapter["description_text"] = tree_to_text(tree) or None

        for name in DATE_FIELDS:
            raw = adapter.get(name)
            parsed = parse_date(raw, self.crawl_time)
            if raw not in (None, "") and parsed is None:
                self.stats.inc_value(f"jobs/field/{name}/unparsed")
            adapter[name] = parsed
        return item


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
