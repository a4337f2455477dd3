"""Workable: the public widget API, one request per account.

``GET {WORKABLE_BASE_URL}/api/v1/widget/accounts/{account}?details=true`` returns the
account's published jobs with their HTML descriptions in one answer. It is chosen over
the v3 list (``POST /api/v3/accounts/{account}/jobs``, paged by a ``nextPage`` token,
then ``GET /api/v2/accounts/{account}/jobs/{shortcode}`` per job) because Workable
rate-limits hard: one request per company instead of one per job, and no paging that
can stop half way.

Quirk: the widget lists a job once per location (same ``shortcode``), so entries are
merged into one posting that keeps every location.

Workable answers bursts with HTTP 429, so this spider runs one request at a time with
a delay, and 429s go through crawler.middlewares.retry_after (which waits Retry-After,
or backs off exponentially) instead of the built-in retry.

Settings read: WORKABLE_BASE_URL (``https://apply.workable.com``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from scrapy.http import Request, Response
from scrapy.settings import BaseSettings

from crawler.items import JobPosting
from crawler.middlewares.retry_after import RetryAfterMiddleware
from crawler.spiders.base import MalformedResponse, PlatformSpider, Target

_APPLY_URL = re.compile(r"^https?://apply\.workable\.com/(?P<token>[A-Za-z0-9_-]+)(?:[/?#]|$)")
_API_URL = re.compile(
    r"^https?://(?:apply|www)\.workable\.com/api/(?:v\d+/)?(?:widget/)?accounts/"
    r"(?P<token>[A-Za-z0-9_-]+)"
)
_SUBDOMAIN_URL = re.compile(r"^https?://(?P<token>[A-Za-z0-9-]+)\.workable\.com(?:[/?#:]|$)")
# Workable's own hosts and paths, never an account.
_NOT_ACCOUNTS = frozenset({
    "api", "j", "www", "apply", "jobs", "help", "resources", "blog", "careers", "static",
    "marketplace", "developers", "workable", "embed", "assets", "cdn", "media", "images",
})  # fmt: skip


class WorkableSpider(PlatformSpider):
    name = "workable"
    board_shape = r"[a-z0-9][a-z0-9-]*"
    base_url_setting = "WORKABLE_BASE_URL"
    default_base_url = "https://apply.workable.com"
    custom_settings = {
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 2.0,
        "AUTOTHROTTLE_START_DELAY": 2.0,
        # 429 is retried by RetryAfterMiddleware with a wait; the built-in retry keeps
        # the server errors, so a 429 is never retried twice.
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408],
    }

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # Added to the project's downloader middlewares, not replacing them; at spider
        # priority, as the crawl command re-applies the project settings afterwards.
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares[RetryAfterMiddleware] = RetryAfterMiddleware.order
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")

    @classmethod
    def board_from_url(cls, url: str) -> str | None:
        for pattern in (_API_URL, _APPLY_URL, _SUBDOMAIN_URL):
            match = pattern.search(url)
            if match:
                token = match["token"]
                return None if token.lower() in _NOT_ACCOUNTS else token
        return None

    def company_requests(self, target: Target) -> Iterable[Request]:
        self.listing_started(target)
        url = f"{target.base_url}/api/v1/widget/accounts/{target.board}?details=true"
        yield self.request(url, target, callback=self.parse_account)

    def parse_account(self, response: Response) -> Iterable[Any]:
        target: Target = response.meta["target"]
        data = self.load_json(response)
        jobs = data.get("jobs") if isinstance(data, dict) else None
        if not isinstance(jobs, list):
            raise MalformedResponse(f"no 'jobs' list in the account response of {target.board}")
        for entries in group_by_shortcode(jobs, self.crawler.stats).values():
            item = self.parse_item(self.posting_from(target, entries), entries[0])
            if item is not None:
                yield item
        self.listing_finished(target)

    def posting_from(self, target: Target, entries: list[dict[str, Any]]) -> JobPosting:
        """One posting from the widget entries of one shortcode (one per location)."""
        raw = entries[0]
        shortcode = raw.get("shortcode")
        places = unique_places(entries)
        extra: dict[str, Any] = {
            "employment_type": raw.get("employment_type") or None,
            "seniority": raw.get("experience") or None,
            "workplace": workplace_of(entries),
            "country_codes": sorted({p["code"] for p in places if p["code"]}),
            "location_parts": [
                {"city": p["city"], "region": p["region"], "country": p["country"]} for p in places
            ],
            "function": raw.get("function") or None,
            "industry": raw.get("industry") or None,
            "education": raw.get("education") or None,
            "job_code": raw.get("code") or None,
        }
        return self.posting(
            target,
            shortcode,
            title=raw.get("title"),
            url=raw.get("url") or raw.get("shortlink") or job_page_url(target, shortcode),
            apply_url=raw.get("application_url"),
            department=raw.get("department") or None,
            locations=[p["display"] for p in places if p["display"]],
            description_html=raw.get("description") or None,
            posted_at=raw.get("published_on") or raw.get("created_at"),
            extra={key: value for key, value in extra.items() if value},
        )


def group_by_shortcode(jobs: list[Any], stats: Any) -> dict[str, list[dict[str, Any]]]:
    """Widget entries by shortcode, in list order (the widget repeats a job per location)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for position, raw in enumerate(jobs):
        if not isinstance(raw, dict):
            stats.inc_value("jobs/dropped/not_an_object")
            continue
        # A job without a shortcode still reaches validation (which counts and drops it).
        key = raw.get("shortcode") or f"#no-shortcode-{position}"
        grouped.setdefault(str(key), []).append(raw)
    return grouped


def unique_places(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every visible location of the entries, from ``locations`` or the flat fields."""
    places: dict[str, dict[str, Any]] = {}
    for raw in entries:
        listed = [loc for loc in raw.get("locations") or [] if isinstance(loc, dict)]
        if not listed:  # older accounts: only the flat city/state/country fields
            listed = [{"city": raw.get("city"), "region": raw.get("state"),
                       "country": raw.get("country"), "countryCode": None}]  # fmt: skip
        for loc in listed:
            if loc.get("hidden") is True:
                continue
            city, region, country = (loc.get(k) or None for k in ("city", "region", "country"))
            display = ", ".join(part for part in (city, region, country) if part)
            place = {"display": display, "city": city, "region": region, "country": country,
                     "code": loc.get("countryCode") or None}  # fmt: skip
            if display or place["code"]:
                places.setdefault(display or place["code"], place)
    return list(places.values())


def workplace_of(entries: list[dict[str, Any]]) -> str | None:
    """Newer accounts say ``workplace_type`` (on_site, hybrid, remote); older ones only
    flag remote jobs with ``telecommuting`` (false says nothing about the office)."""
    for raw in entries:
        if isinstance(raw.get("workplace_type"), str) and raw["workplace_type"].strip():
            return raw["workplace_type"].strip()
    return "remote" if any(raw.get("telecommuting") is True for raw in entries) else None


def job_page_url(target: Target, shortcode: Any) -> str | None:
    if not shortcode:
        return None
    return f"https://apply.workable.com/{target.board}/j/{shortcode}/"
