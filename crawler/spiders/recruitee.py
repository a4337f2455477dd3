"""Recruitee: the Careers Site API, answered by each company's own careers host.

``GET https://{board}.recruitee.com/api/offers/`` (or the same path on a company's
custom careers domain) lists every published offer in one response, ``{"offers":
[...]}``, with its description; there is no paging. The company's careers URL
host wins (``per_tenant``), so a custom domain, or a replay server, needs only
``careers_url`` in the registry.

Settings read: ``RECRUITEE_BASE_URL`` (a ``{board}`` template), used when the
registry gives a board and no careers URL.

The board token is the subdomain of ``{board}.recruitee.com``. The description is
``description`` followed by ``requirements`` (both HTML). Offers whose ``status``
is given and is not ``published`` are skipped (``jobs/skipped/not_published``).
``published_at`` comes as ``"2026-11-02 10:12:00 UTC"``; it is rewritten to ISO
8601 here so the clean stage parses it directly. Salary bounds arrive as text
("4500.00"), and are turned into numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from scrapy.http import Request, Response

from crawler.spiders.base import PlatformSpider, Target

_BOARD_HOST = re.compile(r"^https?://(?P<board>[A-Za-z0-9-]+)\.recruitee\.com(?:[/:?#]|$)")
# Recruitee's own hosts, not careers sites.
_NOT_A_BOARD = frozenset({"www", "app", "api", "docs", "support", "help", "blog", "status", "cdn"})
_UTC_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) UTC$")


class RecruiteeSpider(PlatformSpider):
    name = "recruitee"
    board_shape = r"[a-z0-9][a-z0-9-]*"
    base_url_setting = "RECRUITEE_BASE_URL"
    default_base_url = "https://{board}.recruitee.com"
    per_tenant = True
    board_host = _BOARD_HOST
    not_boards = _NOT_A_BOARD


    def company_requests(self, target: Target) -> Iterable[Request]:
        self.listing_started(target)
        yield self.request(f"{target.base_url}/api/offers/", target, callback=self.parse_offers)

    def parse_offers(self, response: Response) -> Iterable[Any]:
        target: Target = response.meta["target"]
        offers = self.json_records(
            self.load_json(response), "offers", f"the careers API of {target.board}"
        )
        for raw in offers:
            if raw.get("status") not in (None, "published"):
                self.crawler.stats.inc_value("jobs/skipped/not_published")
                continue
            item = self.parse_item(self.posting_from(target, raw), raw)
            if item is not None:
                yield item
        self.listing_finished(target)

    def posting_from(self, target: Target, raw: dict[str, Any]):
        return self.posting(
            target,
            raw.get("id"),
            title=raw.get("title"),
            url=raw.get("careers_url") or self.offer_page_url(target, raw.get("slug")),
            apply_url=raw.get("careers_apply_url"),
            department=raw.get("department"),
            locations=locations_of(raw),
            description_html=description_html(raw),
            posted_at=iso_timestamp(raw.get("published_at") or raw.get("created_at")),
            source_updated_at=iso_timestamp(raw.get("updated_at")),
            extra=extra_of(raw),
        )

    @staticmethod
    def offer_page_url(target: Target, slug: Any) -> str | None:
        """The offer's page on the careers host, for an offer listed without careers_url."""
        if not isinstance(slug, str) or not slug or not target.base_url:
            return None
        return f"{target.base_url}/o/{slug}"


def description_html(raw: dict[str, Any]) -> str | None:
    parts = [raw.get("description"), raw.get("requirements")]
    joined = "".join(part for part in parts if isinstance(part, str) and part.strip())
    return joined or None


def iso_timestamp(value: Any) -> Any:
    """Recruitee's "2026-11-02 10:12:00 UTC" as ISO 8601; anything else unchanged."""
    if isinstance(value, str):
        match = _UTC_TIMESTAMP.match(value.strip())
        if match:
            return f"{match[1]}T{match[2]}+00:00"
    return value


def _place(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "city": entry.get("city") or None,
        "region": entry.get("state_name") or entry.get("state") or None,
        "country": entry.get("country") or entry.get("country_code") or None,
    }


def locations_of(raw: dict[str, Any]) -> list[str]:
    """Each assigned location as the careers site names it, else the offer's own line."""
    names = []
    for entry in raw.get("locations") or []:
        if not isinstance(entry, dict):
            continue
        place = _place(entry)
        name = entry.get("name") or ", ".join(v for v in place.values() if isinstance(v, str))
        if name:
            names.append(name)
    if names:
        return names
    location = raw.get("location")
    return [location] if isinstance(location, str) and location.strip() else []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def extra_of(raw: dict[str, Any]) -> dict[str, Any]:
    """Raw structured values for the enrichment stages (see platform-common notes)."""
    extra: dict[str, Any] = {}
    workplace = next(
        (label for key, label in (("remote", "remote"), ("hybrid", "hybrid"),
                                  ("on_site", "on-site")) if raw.get(key) is True),
        None,
    )  # fmt: skip
    if workplace:
        extra["workplace"] = workplace
    if raw.get("employment_type_code"):
        extra["employment_type"] = raw["employment_type_code"]
    if raw.get("experience_code"):
        extra["seniority"] = raw["experience_code"]
    salary = raw.get("salary")
    if isinstance(salary, dict):
        low, high = _number(salary.get("min")), _number(salary.get("max"))
        if low is not None or high is not None:
            extra["salary"] = {
                "min": low,
                "max": high,
                "currency": salary.get("currency") or None,
                "period": salary.get("period") or None,
            }
    entries = [e for e in raw.get("locations") or [] if isinstance(e, dict)] or [raw]
    codes = [e.get("country_code") for e in entries]
    codes = list(dict.fromkeys(c.upper() for c in codes if isinstance(c, str) and len(c) == 2))
    if codes:
        extra["country_codes"] = codes
    parts = [p for p in (_place(e) for e in entries) if any(p.values())]
    if parts:
        extra["location_parts"] = parts
    if raw.get("min_hours") is not None or raw.get("max_hours") is not None:
        extra["hours_per_week"] = {"min": raw.get("min_hours"), "max": raw.get("max_hours")}
    return extra
