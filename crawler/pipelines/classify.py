"""Classify stage: seniority, employment_type and role_family from title and platform.

Reads no settings. Seniority: the title's own marker, else the platform's level
(``extra["seniority"]``), else None. Employment type: ``extra["employment_type"]``,
else the title. Role family: the title, else the department. Lookups are cached.
Stats: ``jobs/field/seniority/<value>`` (``none`` when unknown),
``jobs/field/employment_type/unparsed`` (a platform value that names no type),
``jobs/field/role_family/<value>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from crawler.enrich.titles import employment_type_from, role_family_from, seniority_from_title

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


class ClassifyPipeline:
    runs_in_pool = True  # a function of the posting (crawler/pipelines/stage_pool.py)

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        extra = adapter.get("extra") or {}
        title = adapter.get("title") or ""
        seniority = seniority_from_title(title, _text(extra.get("seniority")))
        adapter["seniority"] = seniority
        self.stats.inc_value(f"jobs/field/seniority/{seniority or 'none'}")

        raw_type = _text(extra.get("employment_type"))
        employment_type = employment_type_from(raw_type, title)
        if raw_type and employment_type_from(raw_type) is None:
            self.stats.inc_value("jobs/field/employment_type/unparsed")
        adapter["employment_type"] = employment_type

        family = role_family_from(title, _text(adapter.get("department")))
        adapter["role_family"] = family
        self.stats.inc_value(f"jobs/field/role_family/{family}")
        return item
