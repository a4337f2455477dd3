"""Pay stage: salary_min, salary_max, salary_currency (ISO 4217), salary_period.

Reads no settings. The platform's structured pay (``extra["salary"]``) wins, then its
pay text (``extra["salary_text"]``), then the description text the clean stage made
(one regex pass, never the HTML). Stats: ``jobs/field/salary/<source>`` (structured,
text, description), ``jobs/field/salary/unparsed`` (the platform gave pay that could
not be read), ``jobs/field/salary/no_currency``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from crawler.enrich.pay import Pay, parse_pay_text, pay_from_structured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class PayPipeline:
    runs_in_pool = True  # a function of the posting (crawler/pipelines/stage_pool.py)

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if adapter.get("salary_min") is not None or adapter.get("salary_max") is not None:
            return item  # a spider that knows better already filled it
        extra = adapter.get("extra") or {}
        pay, source = self._find_pay(extra, adapter.get("description_text"))
        if pay is None:
            return item
        text_pay = None
        if pay.currency is None or pay.period is None:
            text_pay = parse_pay_text(extra.get("salary_text"), known_pay=True) or parse_pay_text(
                adapter.get("description_text")
            )
        adapter["salary_min"] = pay.min
        adapter["salary_max"] = pay.max
        adapter["salary_currency"] = pay.currency or (text_pay and text_pay.currency)
        adapter["salary_period"] = pay.period or (text_pay and text_pay.period)
        self.stats.inc_value(f"jobs/field/salary/{source}")
        if not adapter["salary_currency"]:
            self.stats.inc_value("jobs/field/salary/no_currency")
        return item

    def _find_pay(self, extra: dict[str, Any], text: str | None) -> tuple[Pay | None, str]:
        structured = extra.get("salary")
        pay = pay_from_structured(structured)
        if pay is not None:
            return pay, "structured"
        salary_text = extra.get("salary_text")
        pay = parse_pay_text(salary_text, known_pay=True) if isinstance(salary_text, str) else None
        if pay is not None:
            return pay, "text"
        if structured or (isinstance(salary_text, str) and salary_text.strip()):
            self.stats.inc_value("jobs/field/salary/unparsed")
        pay = parse_pay_text(text)
        return pay, "description"
