"""Ashby: the public Job Posting API, one request per board, no paging.

``GET {ASHBY_BASE_URL}/posting-api/job-board/{board}?includeCompensation=true``
answers ``{"apiVersion": "1", "jobs": [...]}`` with every published job, its
description as HTML and plain text, and (asked for) its pay. Jobs with
``isListed: false`` are published but hidden from the board: they are skipped
(``jobs/skipped/unlisted``). An unknown board answers HTTP 404.

Settings read: ``ASHBY_BASE_URL``.

The board token is the name in ``jobs.ashbyhq.com/{board}``. Pay: the Salary
component of ``compensation.summaryComponents`` (one range over every tier), else
the Salary components of ``compensationTiers`` combined into one range when their
currency and interval agree; the tier summary text goes to ``salary_text``.
``address.postalAddress`` and ``secondaryLocations[].address`` give the
structured ``location_parts``; their ``addressCountry`` is a name ("USA",
"United Kingdom"), not an ISO code, so it is left to the enrichment stage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from scrapy.http import Request, Response

from crawler.spiders.base import PlatformSpider, Target

_BOARD_URL = re.compile(
    r"^https?://(?:jobs\.ashbyhq\.com/|api\.ashbyhq\.com/posting-api/job-board/)"
    r"(?P<board>[A-Za-z0-9_.%~-]+)"
)
_NOT_A_BOARD = frozenset({"api", "posting-api", "embed", "static", "favicon.ico"})


class AshbySpider(PlatformSpider):
    name = "ashby"
    board_shape = r"[A-Za-z0-9][A-Za-z0-9_.%-]*"
    base_url_setting = "ASHBY_BASE_URL"
    default_base_url = "https://api.ashbyhq.com"

    @classmethod
    def board_from_url(cls, url: str) -> str | None:
        match = _BOARD_URL.match(url)
        if match and match["board"].lower() not in _NOT_A_BOARD:
            return match["board"]
        return None

    def company_requests(self, target: Target) -> Iterable[Request]:
        self.listing_started(target)
        url = f"{target.base_url}/posting-api/job-board/{target.board}?includeCompensation=true"
        yield self.request(url, target, callback=self.parse_board)

    def parse_board(self, response: Response) -> Iterable[Any]:
        target: Target = response.meta["target"]
        jobs = self.json_records(
            self.load_json(response), "jobs", f"the board response of {target.board}"
        )
        for raw in jobs:
            if raw.get("isListed") is False:
                self.crawler.stats.inc_value("jobs/skipped/unlisted")
                continue
            item = self.parse_item(self.posting_from(target, raw), raw)
            if item is not None:
                yield item
        self.listing_finished(target)

    def posting_from(self, target: Target, raw: dict[str, Any]):
        job_id = raw.get("id")
        description = raw.get("descriptionHtml")
        has_html = isinstance(description, str) and bool(description.strip())
        return self.posting(
            target,
            job_id,
            title=raw.get("title"),
            url=raw.get("jobUrl") or self.job_page_url(target, job_id),
            apply_url=raw.get("applyUrl"),
            department=raw.get("department"),
            team=raw.get("team"),
            locations=locations_of(raw),
            description_html=description if has_html else None,
            description_text=None if has_html else (raw.get("descriptionPlain") or None),
            posted_at=raw.get("publishedAt"),
            source_updated_at=raw.get("updatedAt"),
            extra=extra_of(raw),
        )

    @staticmethod
    def job_page_url(target: Target, job_id: Any) -> str | None:
        """The public job page, for a job listed without ``jobUrl``."""
        if job_id is None:
            return None
        return f"https://jobs.ashbyhq.com/{target.board}/{job_id}"


def locations_of(raw: dict[str, Any]) -> list[str]:
    """The primary location, then the secondary ones, as the company wrote them."""
    names = [raw.get("location"), *(s.get("location") for s in _secondary_locations(raw))]
    return [name for name in names if isinstance(name, str) and name.strip()]


def _secondary_locations(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in raw.get("secondaryLocations") or [] if isinstance(s, dict)]


def location_parts_of(raw: dict[str, Any]) -> list[dict[str, Any]]:
    primary = raw.get("address") if isinstance(raw.get("address"), dict) else {}
    addresses = [
        primary.get("postalAddress"),
        *(s.get("address") for s in _secondary_locations(raw)),
    ]
    parts = []
    for address in addresses:
        if not isinstance(address, dict):
            continue
        part = {
            "city": address.get("addressLocality") or None,
            "region": address.get("addressRegion") or None,
            "country": address.get("addressCountry") or None,
        }
        if any(part.values()):
            parts.append(part)
    return parts


def salary_of(compensation: dict[str, Any]) -> dict[str, Any] | None:
    """One salary range from the summary, else from the tiers when they agree."""
    summary = [c for c in compensation.get("summaryComponents") or [] if _is_salary(c)]
    components = summary or [
        component
        for tier in compensation.get("compensationTiers") or []
        if isinstance(tier, dict)
        for component in tier.get("components") or []
        if _is_salary(component)
    ]
    if not components:
        return None
    if len({(c.get("currencyCode"), c.get("interval")) for c in components}) > 1:
        components = components[:1]  # tiers in different currencies: keep the first
    minimums = [c["minValue"] for c in components if isinstance(c.get("minValue"), int | float)]
    maximums = [c["maxValue"] for c in components if isinstance(c.get("maxValue"), int | float)]
    return {
        "min": min(minimums) if minimums else None,
        "max": max(maximums) if maximums else None,
        "currency": components[0].get("currencyCode"),
        "period": components[0].get("interval"),
    }


def _is_salary(component: Any) -> bool:
    return isinstance(component, dict) and component.get("compensationType") == "Salary"


def extra_of(raw: dict[str, Any]) -> dict[str, Any]:
    """Raw structured values for the enrichment stages (see platform-common notes)."""
    extra: dict[str, Any] = {}
    workplace = raw.get("workplaceType")
    if isinstance(workplace, str) and workplace:
        extra["workplace"] = workplace
    elif raw.get("isRemote") is True:
        extra["workplace"] = "remote"
    if raw.get("employmentType"):
        extra["employment_type"] = raw["employmentType"]
    compensation = raw.get("compensation")
    if isinstance(compensation, dict):
        salary = salary_of(compensation)
        if salary is not None:
            extra["salary"] = salary
        text = compensation.get("compensationTierSummary") or compensation.get(
            "scrapeableCompensationSalarySummary"
        )
        if isinstance(text, str) and text.strip():
            extra["salary_text"] = text.strip()
    parts = location_parts_of(raw)
    if parts:
        extra["location_parts"] = parts
    return extra
