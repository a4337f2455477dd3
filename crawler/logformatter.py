"""Log lines a person reads: a dropped posting is one line naming why, not an item dump.

Scrapy's default "Dropped" and "Error processing" messages print the whole item (a
5 KB description and all); here they name the posting and the reason in one line of
at most ``MAX_LINE`` characters, whatever the size of the posting's fields. A stored
posting ("Scraped from") is a log line only when ``LOG_LEVEL`` is DEBUG, and then one
naming the posting: below DEBUG the record was built for every posting and thrown away.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter, is_item
from scrapy.logformatter import LogFormatter, LogFormatterResult

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

MAX_LINE = 200


def one_line(text: Any, limit: int = MAX_LINE) -> str:
    """``text`` on one line of at most ``limit`` characters (for logs and reasons)."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def posting_name(item: Any) -> str:
    """platform/board/external_id of a posting, for a log line."""
    if not is_item(item):
        return one_line(repr(item), 60)
    adapter = ItemAdapter(item)
    return "/".join(str(adapter.get(k)) for k in ("platform", "board", "external_id"))


class PostingLogFormatter(LogFormatter):
    def __init__(self, log_level: int = logging.DEBUG) -> None:
        super().__init__()
        self.logs_items = log_level <= logging.DEBUG

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        level = crawler.settings.get("LOG_LEVEL") or logging.DEBUG
        if isinstance(level, str):
            level = logging.getLevelNamesMapping().get(level.upper(), logging.DEBUG)
        return cls(level)

    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult | None:
        if not self.logs_items:
            return None
        result = super().scraped(item, response, spider)
        result["msg"] = "%(line)s"
        result["args"] = {"line": one_line(f"Scraped {posting_name(item)}")}
        return result

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any
                ) -> LogFormatterResult:  # fmt: skip
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "%(line)s"
        result["args"] = {"line": one_line(f"Dropped: {exception}")}
        return result

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any
                   ) -> LogFormatterResult:  # fmt: skip
        result = super().item_error(item, exception, response, spider)
        result["msg"] = "%(line)s"
        line = f"Error processing posting {posting_name(item)}: {type(exception).__name__}"
        result["args"] = {"line": one_line(f"{line}: {exception}")}
        return result
