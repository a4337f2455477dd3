"""Lever: the public Postings API, paged with ``skip``/``limit``.

``GET {LEVER_BASE_URL}/v0/postings/{site}?mode=json&skip=N&limit=M`` returns a JSON
array of published postings (a bare array, not an object). Pages are fetched one
after another until a page comes back shorter than ``limit``; the listing is finished
only then, so a failure on any page leaves the company partial and closes nothing.

Settings read: ``LEVER_BASE_URL``, ``LEVER_EU_BASE_URL`` (EU accounts: a careers URL
on ``jobs.eu.lever.co`` or ``api.eu.lever.co``), ``LEVER_PAGE_SIZE`` (100 unless set).

The board token is the site name: ``jobs.lever.co/{site}``. The description is built
from ``description`` (HTML, opening and body), each of ``lists`` (``{text: heading,
content: "<li>..</li>"}``) as a heading and a ``<ul>``, and ``additional`` (closing
HTML): ``descriptionPlain`` leaves the lists out, so it is never used.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Request, Response

from crawler.registry import Company
from crawler.spiders.base import MalformedResponse, PlatformSpider, Target

DEFAULT_PAGE_SIZE = 100
GLOBAL_JOB_SITE = "https://jobs.lever.co"
EU_JOB_SITE = "https://jobs.eu.lever.co"

_SITE_URL = re.compile(
    r"^https?://(?:jobs|api)(?P<eu>\.eu)?\.lever\.co/(?:v0/postings/)?(?P<site>[A-Za-z0-9_.-]+)"
)
_NOT_A_SITE = frozenset({"v0", "v1", "static", "favicon.ico"})


def is_eu_url(url: str | None) -> bool:
    """Whether a Lever careers or API URL belongs to the EU instance."""
    if not url:
        return False
    host = urlsplit(url).hostname or ""
    return host.endswith(".eu.lever.co")


class LeverSpider(PlatformSpider):
    name = "lever"
    board_shape = r"[a-z0-9][a-z0-9_.-]*"
    base_url_setting = "LEVER_BASE_URL"
    default_base_url = "https://api.lever.co"
    eu_base_url_setting = "LEVER_EU_BASE_URL"
    default_eu_base_url = "https://api.eu.lever.co"

    @classmethod
    def base_url_settings(cls) -> dict[str, str | None]:
        return {**super().base_url_settings(), cls.eu_base_url_setting: cls.default_eu_base_url}

    @classmethod
    def board_from_url(cls, url: str) -> str | None:
        match = _SITE_URL.match(url)
        if match and match["site"] not in _NOT_A_SITE:
            return match["site"]
        return None

    def base_url_for(self, company: Company, board: str) -> str:
        if is_eu_url(company.careers_url):
            template = self.settings.get(self.eu_base_url_setting) or self.default_eu_base_url
            return template.rstrip("/")
        return super().base_url_for(company, board)

    @property
    def page_size(self) -> int:
        return self.settings.getint("LEVER_PAGE_SIZE", DEFAULT_PAGE_SIZE) or DEFAULT_PAGE_SIZE

    def company_requests(self, target: Target) -> Iterable[Request]:
        self.listing_started(target)
        yield self.page_request(target, skip=0)

    def page_request(
        self, target: Target, skip: int, previous_first_id: str | None = None
    ) -> Request:
        url = (
            f"{target.base_url}/v0/postings/{target.board}"
            f"?mode=json&skip={skip}&limit={self.page_size}"
        )
        kwargs = {"skip": skip, "previous_first_id": previous_first_id}
        return self.request(url, target, callback=self.parse_page, cb_kwargs=kwargs)

    def parse_page(
        self, response: Response, skip: int = 0, previous_first_id: str | None = None
    ) -> Iterable[Any]:
        target: Target = response.meta["target"]
        page = self.load_json(response)
        if not isinstance(page, list):
            # Unknown sites answer {"ok": false, "error": "Document not found"}.
            raise MalformedResponse(
                f"expected a JSON array of postings from {target.board} (skip={skip})"
            )
        first_id = _first_id(page)
        if previous_first_id is not None and first_id == previous_first_id:
            # A host that ignores skip would page forever: stop, and close nothing.
            raise MalformedResponse(f"skip={skip} returned the previous page of {target.board}")
        for raw in page:
            if not isinstance(raw, dict):
                self.crawler.stats.inc_value("jobs/dropped/not_an_object")
                continue
            item = self.parse_item(self.posting_from(target, raw), raw)
            if item is not None:
                yield item
        if len(page) < self.page_size:
            self.listing_finished(target)
        else:
            yield self.page_request(target, skip + len(page), previous_first_id=first_id)

    def posting_from(self, target: Target, raw: dict[str, Any]):
        posting_id = raw.get("id")
        categories = raw.get("categories") if isinstance(raw.get("categories"), dict) else {}
        body = description_html(raw)
        return self.posting(
            target,
            posting_id,
            title=raw.get("text"),
            url=raw.get("hostedUrl") or self.job_page_url(target, posting_id),
            apply_url=raw.get("applyUrl"),
            department=categories.get("department"),
            team=categories.get("team"),
            locations=locations_of(categories),
            description_html=body,
            description_text=None if body else (raw.get("descriptionPlain") or None),
            posted_at=raw.get("createdAt"),
            source_updated_at=raw.get("updatedAt"),
            extra=extra_of(raw, categories),
        )

    @staticmethod
    def job_page_url(target: Target, posting_id: Any) -> str | None:
        """The hosted posting page, for a posting listed without ``hostedUrl``."""
        if posting_id is None:
            return None
        site = EU_JOB_SITE if is_eu_url(target.company.careers_url) else GLOBAL_JOB_SITE
        return f"{site}/{target.board}/{posting_id}"


def _first_id(page: list[Any]) -> str | None:
    first = page[0] if page else None
    return str(first.get("id")) if isinstance(first, dict) and first.get("id") else None


def locations_of(categories: dict[str, Any]) -> list[str]:
    """Every location of a multi-location posting, else its one location."""
    every = [loc for loc in categories.get("allLocations") or [] if isinstance(loc, str)]
    if every:
        return every
    location = categories.get("location")
    return [location] if isinstance(location, str) and location else []


def description_html(raw: dict[str, Any]) -> str | None:
    """Opening and body, then each list under its heading, then the closing part."""
    parts = []
    if isinstance(raw.get("description"), str):
        parts.append(raw["description"])
    for section in raw.get("lists") or []:
        if not isinstance(section, dict):
            continue
        heading, content = section.get("text"), section.get("content")
        if isinstance(heading, str) and heading.strip():
            parts.append(f"<h3>{html.escape(heading.strip())}</h3>")
        if isinstance(content, str) and content.strip():
            parts.append(f"<ul>{content}</ul>")
    if isinstance(raw.get("additional"), str):
        parts.append(raw["additional"])
    joined = "".join(part for part in parts if part.strip())
    return joined or None


def extra_of(raw: dict[str, Any], categories: dict[str, Any]) -> dict[str, Any]:
    """Raw structured values for the enrichment stages (see platform-common notes)."""
    extra: dict[str, Any] = {}
    workplace = raw.get("workplaceType")
    if isinstance(workplace, str) and workplace and workplace != "unspecified":
        extra["workplace"] = workplace
    if categories.get("commitment"):
        extra["employment_type"] = categories["commitment"]
    if categories.get("level"):  # some accounts fill a level category
        extra["seniority"] = categories["level"]
    pay = raw.get("salaryRange")
    if isinstance(pay, dict) and (pay.get("min") is not None or pay.get("max") is not None):
        extra["salary"] = {
            "min": pay.get("min"),
            "max": pay.get("max"),
            "currency": pay.get("currency"),
            "period": pay.get("interval"),
        }
    pay_text = raw.get("salaryDescriptionPlain")
    if isinstance(pay_text, str) and pay_text.strip():
        extra["salary_text"] = pay_text.strip()
    country = raw.get("country")
    if isinstance(country, str) and len(country) == 2:
        extra["country_codes"] = [country.upper()]
    return extra
