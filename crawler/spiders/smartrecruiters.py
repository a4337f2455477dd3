"""SmartRecruiters: the public Posting API, a listing plus one detail per posting.

List: ``GET {SMARTRECRUITERS_BASE_URL}/v1/companies/{id}/postings?limit=100&offset=n``
answers ``{offset, limit, totalFound, content: [...]}``; the listing pages by offset
until ``offset + len(content)`` reaches ``totalFound`` or a page comes back short.
The rows carry the structured fields (location with a lowercase ISO country and
remote/hybrid flags, department, function, type of employment, experience level)
but no description: that is in each posting's detail,
``GET /v1/companies/{id}/postings/{postingId}``, as ``jobAd.sections`` (company
description, job description, qualifications, additional information; HTML), with
``postingUrl`` and ``applyUrl``. The sections are joined in that order, each under
its own heading, so later stages can tell the role's part from the boilerplate.

The board is the company identifier (``jobs.smartrecruiters.com/{id}``,
``careers.smartrecruiters.com/{id}``, ``api.smartrecruiters.com/v1/companies/{id}``);
it is case-sensitive (``BoschGroup``). The company's crawl is complete only when every
list page and every detail succeeded.

Settings read: ``SMARTRECRUITERS_BASE_URL``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Request, Response

from crawler.spiders.base import MalformedResponse, PlatformSpider, Target

PAGE_SIZE = 100  # the most the Posting API returns per page
SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")

_CAREERS_URL = re.compile(
    r"^https?://(?:jobs|careers)\.smartrecruiters\.com/"
    r"(?:oneclick-ui/company/)?(?P<token>[A-Za-z0-9_.-]+)"
)
_API_URL = re.compile(
    r"^https?://api\.smartrecruiters\.com/v1/companies/(?P<token>[A-Za-z0-9_.-]+)"
)
_NOT_COMPANIES = frozenset({"oneclick-ui", "sr-jobs", "static", "api", "v1", "company"})


class SmartRecruitersSpider(PlatformSpider):
    name = "smartrecruiters"
    board_shape = r"[A-Za-z0-9][A-Za-z0-9_-]*"
    base_url_setting = "SMARTRECRUITERS_BASE_URL"
    default_base_url = "https://api.smartrecruiters.com"

    @classmethod
    def board_from_url(cls, url: str) -> str | None:
        for pattern in (_API_URL, _CAREERS_URL):
            match = pattern.match(url)
            if match and match["token"] not in _NOT_COMPANIES:
                return match["token"]
        return None

    def company_requests(self, target: Target) -> Iterable[Request]:
        self.listing_started(target)
        yield self.list_request(target, 0)

    def company_url(self, target: Target) -> str:
        return f"{target.base_url}/v1/companies/{quote(target.board)}/postings"

    def list_request(self, target: Target, offset: int) -> Request:
        url = f"{self.company_url(target)}?limit={PAGE_SIZE}&offset={offset}"
        return self.request(url, target, callback=self.parse_postings, meta={"offset": offset})

    def parse_postings(self, response: Response) -> Iterator[Any]:
        target: Target = response.meta["target"]
        offset: int = response.meta["offset"]
        data = self.load_json(response)
        content = self.json_records(data, "content", f"{target.board}'s postings")
        for row in content:
            posting_id = row.get("id")
            if posting_id is None or not str(posting_id).strip():
                # Nothing to fetch and no identity: validate drops it with a reason.
                item = self.parse_item(self.posting_from(target, row, {}), row)
                if item is not None:
                    yield item
                continue
            yield self.detail_request(
                f"{self.company_url(target)}/{quote(str(posting_id))}", target,
                callback=self.parse_detail, meta={"row": row},
            )  # fmt: skip

        total = data.get("totalFound")
        next_offset = offset + len(content)
        listed_all = isinstance(total, int) and next_offset >= total
        if listed_all or len(content) < PAGE_SIZE:
            self.listing_finished(target)
        else:
            yield self.list_request(target, next_offset)

    def parse_detail(self, response: Response) -> Iterator[Any]:
        target: Target = response.meta["target"]
        detail = self.load_json(response)
        if not isinstance(detail, dict) or not isinstance(detail.get("jobAd", {}), dict):
            raise MalformedResponse(f"not a posting: {response.url}")
        item = self.parse_item(self.posting_from(target, response.meta["row"], detail), detail)
        if item is not None:
            yield item

    def posting_from(self, target: Target, row: dict[str, Any], detail: dict[str, Any]):
        raw = {**row, **detail}  # the detail is the fuller record of the same posting
        posting_id = raw.get("id")
        location = mapping(raw.get("location"))
        return self.posting(
            target,
            posting_id,
            title=text_or_none(raw.get("name")),
            url=text_or_none(raw.get("postingUrl")) or public_url(target.board, posting_id),
            apply_url=text_or_none(raw.get("applyUrl")),
            department=label(raw.get("department")),
            locations=location_names(location),
            description_html=description_of(mapping(raw.get("jobAd"))),
            posted_at=text_or_none(raw.get("releasedDate")),
            extra=extra_of(raw, location),
        )


def public_url(board: str, posting_id: Any) -> str | None:
    """The public job page, for a posting whose detail gave no postingUrl."""
    if posting_id is None:
        return None
    return f"https://jobs.smartrecruiters.com/{board}/{posting_id}"


def description_of(job_ad: dict[str, Any]) -> str | None:
    """The job ad's sections as one HTML document, each under its own heading."""
    sections = mapping(job_ad.get("sections"))
    parts = []
    for key in SECTIONS:
        section = mapping(sections.get(key))
        text = text_or_none(section.get("text"))
        if not text:
            continue
        title = text_or_none(section.get("title"))
        parts.append(f"<h2>{html.escape(title)}</h2>\n{text}" if title else text)
    return "\n".join(parts) or None


def location_names(location: dict[str, Any]) -> list[str]:
    full = text_or_none(location.get("fullLocation"))
    if full:
        return [full]
    country = text_or_none(location.get("country"))
    parts = [
        text_or_none(location.get("city")),
        text_or_none(location.get("region")),
        country.upper() if country else None,
    ]
    named = ", ".join(p for p in parts if p)
    return [named] if named else []


def extra_of(raw: dict[str, Any], location: dict[str, Any]) -> dict[str, Any]:
    country = text_or_none(location.get("country"))
    part = {k: text_or_none(location.get(k)) for k in ("city", "region")}
    part["country"] = country.upper() if country else None
    extra = {
        "workplace": workplace_of(location),
        "employment_type": label(raw.get("typeOfEmployment")),
        "seniority": label(raw.get("experienceLevel")),
        "country_codes": [country.upper()] if country and len(country) == 2 else None,
        "location_parts": [part] if any(part.values()) else None,
        "salary": salary_of(raw.get("compensation")),
        "function": label(raw.get("function")),
        "industry": label(raw.get("industry")),
        "ref_number": text_or_none(raw.get("refNumber")),
        "uuid": text_or_none(raw.get("uuid")),
        "language": text_or_none(mapping(raw.get("language")).get("code")),
    }
    return {key: value for key, value in extra.items() if value}


def workplace_of(location: dict[str, Any]) -> str | None:
    """SmartRecruiters' remote/hybrid flags as text; both false (and present) is on-site."""
    if location.get("remote") is True:
        return "remote"
    if location.get("hybrid") is True:
        return "hybrid"
    if location.get("remote") is False and location.get("hybrid") is False:
        return "On-site"
    return None


def salary_of(compensation: Any) -> dict[str, Any] | None:
    """Pay from a compensation object, when it has numbers (its shape is not documented
    publicly, so anything else is left out rather than guessed)."""
    compensation = mapping(compensation)
    low, high = compensation.get("min"), compensation.get("max")
    if not any(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
        return None
    return {
        "min": low if isinstance(low, int | float) else None,
        "max": high if isinstance(high, int | float) else None,
        "currency": text_or_none(compensation.get("currency")),
        "period": text_or_none(compensation.get("period") or compensation.get("interval")),
    }


def label(value: Any) -> str | None:
    return text_or_none(mapping(value).get("label"))


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text_or_none(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
