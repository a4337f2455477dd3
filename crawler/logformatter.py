"""Log lines a person reads: a dropped posting is one line naming why, not an item dump.

Scrapy's default "Dropped" message prints the whole item (a 5 KB description and all);
the DropItem message of our pipelines already names the posting and the reason.
"""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class PostingLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any
                ) -> LogFormatterResult:  # fmt: skip
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped: %(exception)s"
        result["args"] = {"exception": exception}
        return result
