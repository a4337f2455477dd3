"""Workday: the candidate-experience (CXS) JSON API of each tenant's careers site.

Per tenant: the host is the company's careers URL's
(``https://{tenant}.wd{N}.myworkdayjobs.com/[en-US/]{site}``, or
``https://wd{N}.myworkdaysite.com/recruiting/{tenant}/{site}``), and the board token is
``{tenant}/{site}``. A registry entry therefore needs a careers_url, and it must be
the Workday site's own URL, not a company page that links to it (the ``wd{N}`` host
cannot be guessed); ``WORKDAY_BASE_URL``, when set, stands in for a company without
one (``{board}`` and ``{tenant}`` are filled in).

List: ``POST {host}/wday/cxs/{tenant}/{site}/jobs`` with
``{"appliedFacets": {...}, "limit": 20, "offset": n, "searchText": ""}``. Workday
refuses a limit above 20 (HTTP 400), and its ``total`` is only trustworthy on the
first page (later pages often say 0 or leave it out), so a listing pages until a
page comes back short. Some tenants stop answering at 2,000 results
(``WORKDAY_RESULT_CAP``): when a listing's first page reports a total at that cap,
the listing is split by a facet of that page (job family group, country, location,
...; nested facets are flattened), each slice being a listing of its own that may
split again. A posting in several slices is fetched once (Scrapy's duplicate
filter) and stored once (the dedupe stage). After a split, the crawl is complete only
if the slices together listed at least the first page's total of distinct postings,
so a facet that leaves postings out never lets anything be closed.

List rows carry "Posted 30+ Days Ago" and "3 Locations", so every posting's detail
is fetched: ``GET {host}/wday/cxs/{tenant}/{site}{externalPath}``. Its
``jobPostingInfo`` gives the description (HTML), the locations, ``startDate`` (the
posting date), ``timeType`` and ``remoteType``. external_id is the ``jobReqId``
(the externalPath when there is none): a requisition posted twice under one req id
is stored once. The company's crawl is complete only when every list page and
every detail succeeded.

Settings read: ``WORKDAY_BASE_URL`` (unset), ``WORKDAY_RESULT_CAP`` (2000).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scrapy.http import Request, Response

from crawler.registry import Company
from crawler.spiders.base import MalformedResponse, PlatformSpider, Target

PAGE_SIZE = 20  # the most Workday accepts
RESULT_CAP = 2000  # where some tenants stop paging
# Facets to split a capped listing by, best first: a job family group partitions
# postings (one each), locations overlap (a posting in 3 cities is in 3 slices).
SPLIT_FACETS = ("jobFamilyGroup", "locationCountry", "locations", "timeType", "workerSubType")
# English descriptors ("Posted Yesterday", "Full time") whatever the tenant's default.
JSON_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json",
    "Accept-Language": "en-US",
}
DETAIL_HEADERS = {k: v for k, v in JSON_HEADERS.items() if k != "Content-Type"}
CAREERS_URL = "https://{tenant}.wd{N}.myworkdayjobs.com/{site}"

_TENANT_HOST = re.compile(
    r"^https?://(?P<tenant>[\w-]+)\.wd\d+\.myworkdayjobs\.com/"
    r"(?:[a-z]{2}-[A-Z]{2}/)?(?P<site>[\w-]+)"
)
_SITE_HOST = re.compile(
    r"^https?://wd\d+\.myworkdaysite\.com/(?:[a-z]{2}-[A-Z]{2}/)?"
    r"recruiting/(?P<tenant>[\w-]+)/(?P<site>[\w-]+)"
)
_API_URL = re.compile(
    r"^https?://[\w.-]+\.myworkday(?:jobs|site)\.com/wday/cxs/(?P<tenant>[\w-]+)/(?P<site>[\w-]+)"
)
_BOARD = re.compile(r"^(?P<tenant>[\w-]+)/(?P<site>[\w-]+)$")
_N_LOCATIONS = re.compile(r"^\s*\d+\s+locations?\s*$", re.IGNORECASE)
_NOT_SITES = frozenset({"wday", "job", "details", "recruiting"})


@dataclass
class TenantListing:
    """One company's walk through its listing and the slices it was split into."""

    open_listings: int = 0
    expected_total: int | None = None  # the first page's total, when the crawl was split
    listed_paths: set[str] = field(default_factory=set)


class WorkdaySpider(PlatformSpider):
    name = "workday"
    board_shape = r"[a-z0-9][a-z0-9-]*/[A-Za-z0-9_-]+"
    base_url_setting = "WORKDAY_BASE_URL"
    default_base_url = None
    per_tenant = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listings: dict[str, TenantListing] = {}

    @classmethod
    def board_from_url(cls, url: str) -> str | None:
        for pattern in (_API_URL, _SITE_HOST, _TENANT_HOST):
            match = pattern.match(url)
            if match and match["site"] not in _NOT_SITES:
                return f"{match['tenant']}/{match['site']}"
        return None

    def base_url_for(self, company: Company, board: str) -> str:
        template = self.settings.get(self.base_url_setting)
        if company.careers_url or not template:
            return super().base_url_for(company, board)
        tenant = board.split("/")[0]
        return template.replace("{board}", board).replace("{tenant}", tenant).rstrip("/")

    @property
    def result_cap(self) -> int:
        return self.settings.getint("WORKDAY_RESULT_CAP") or RESULT_CAP

    # --- listing ---------------------------------------------------------------------

    def company_requests(self, target: Target) -> Iterable[Request]:
        if not _BOARD.match(target.board):
            self.record_error(target, f"{target.board!r} is not a Workday board ({CAREERS_URL})")
            return
        if not target.base_url:
            self.record_error(target, f"{target.board}: no careers URL ({CAREERS_URL}) to"
                              " take the host from")  # fmt: skip
            return
        self.listings[target.board] = TenantListing()
        yield self.start_listing(target, {})

    def api_url(self, target: Target, path: str) -> str:
        return f"{target.base_url}/wday/cxs/{target.board}{path}"

    def start_listing(self, target: Target, facets: dict[str, list[str]]) -> Request:
        self.listing_started(target)
        self.listings[target.board].open_listings += 1
        return self.list_request(target, facets, 0)

    def list_request(self, target: Target, facets: dict[str, list[str]], offset: int) -> Request:
        payload = {"appliedFacets": facets, "limit": PAGE_SIZE, "offset": offset, "searchText": ""}
        return self.request(
            self.api_url(target, "/jobs"), target, callback=self.parse_jobs,
            method="POST", body=json.dumps(payload), headers=JSON_HEADERS,
            meta={"facets": facets, "offset": offset},
        )  # fmt: skip

    def parse_jobs(self, response: Response) -> Iterator[Any]:
        target: Target = response.meta["target"]
        facets: dict[str, list[str]] = response.meta["facets"]
        offset: int = response.meta["offset"]
        data = self.load_json(response)
        rows = data.get("jobPostings") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise MalformedResponse(f"no 'jobPostings' list in {target.board}'s listing")

        total = data.get("total")
        if offset == 0 and isinstance(total, int) and total >= self.result_cap:
            split = self.split_by(data.get("facets"), facets, total)
            if split is not None:
                yield from self.split_listing(target, facets, total, *split)
                return
            self.record_error(
                target, f"{total} postings listed, at the {self.result_cap} cap,"
                f" and no facet to split them by (applied: {sorted(facets)})",
            )  # fmt: skip

        for row in rows:
            if isinstance(row, dict):
                yield self.detail_request_or_drop(target, row)
            else:
                self.crawler.stats.inc_value("jobs/dropped/not_an_object")

        next_offset = offset + PAGE_SIZE
        if len(rows) < PAGE_SIZE:
            self.finish_listing(target)
        elif next_offset >= self.result_cap:
            self.record_error(target, f"listing still full at the {self.result_cap} cap")
            self.finish_listing(target)
        else:
            self.crawler.stats.inc_value("workday/list_pages")
            yield self.list_request(target, facets, next_offset)

    def split_listing(
        self, target: Target, facets: dict, total: int, parameter: str, ids: list[str]
    ) -> Iterator[Request]:
        """Replace a capped listing by one listing per value of a facet."""
        listing = self.listings[target.board]
        if listing.expected_total is None:
            listing.expected_total = total
        self.crawler.stats.inc_value("workday/facet_splits")
        self.logger.info(
            "%s: %s postings, at the cap: split into %s slices by %s",
            target.company.slug, total, len(ids), parameter,
        )  # fmt: skip
        for value_id in ids:
            yield self.start_listing(target, {**facets, parameter: [value_id]})
        self.finish_listing(target)  # after the slices started, so none is left open

    def split_by(
        self, raw_facets: Any, applied: dict[str, list[str]], total: int
    ) -> tuple[str, list[str]] | None:
        """The facet (and its value ids) that splits a capped listing into smaller ones.

        A facet qualifies when its values' counts add up to at least the total (so
        every posting is in some slice); one whose values all stay under the cap is
        preferred, then any that makes the slices smaller than the listing.
        """
        candidates = []
        for parameter, values in flatten_facets(raw_facets).items():
            if parameter in applied:
                continue
            values = [(value_id, count) for value_id, count in values if count > 0]
            if not values or sum(count for _, count in values) < total:
                continue
            largest = max(count for _, count in values)
            if largest >= total:
                continue  # one slice as big as the listing: no progress
            rank = SPLIT_FACETS.index(parameter) if parameter in SPLIT_FACETS else len(SPLIT_FACETS)
            candidates.append((largest >= self.result_cap, rank, parameter, values))
        if not candidates:
            return None
        _, _, parameter, values = min(candidates, key=lambda c: c[:2])
        return parameter, [value_id for value_id, _ in values]

    def finish_listing(self, target: Target) -> None:
        self.listing_finished(target)
        listing = self.listings[target.board]
        listing.open_listings -= 1
        expected = listing.expected_total
        if listing.open_listings == 0 and expected and len(listing.listed_paths) < expected:
            self.record_error(
                target, f"the facet slices listed {len(listing.listed_paths)} of"
                f" {expected} postings",
            )  # fmt: skip

    # --- postings --------------------------------------------------------------------

    def detail_request_or_drop(self, target: Target, row: dict[str, Any]) -> Any:
        path = row.get("externalPath")
        if not isinstance(path, str) or not path.strip("/"):
            # Nothing to fetch and no identity: validate drops it with a reason.
            return self.parse_item(self.posting(target, None, title=row.get("title")), row)
        path = "/" + path.lstrip("/")
        self.listings[target.board].listed_paths.add(path)
        return self.detail_request(
            self.api_url(target, path), target, callback=self.parse_detail,
            headers=DETAIL_HEADERS, meta={"row": row, "path": path},
        )  # fmt: skip

    def parse_detail(self, response: Response) -> Iterator[Any]:
        target: Target = response.meta["target"]
        data = self.load_json(response)
        info = data.get("jobPostingInfo") if isinstance(data, dict) else None
        if not isinstance(info, dict):
            raise MalformedResponse(f"no 'jobPostingInfo' in {response.url}")
        item = self.posting_from(target, response.meta["row"], response.meta["path"], data)
        item = self.parse_item(item, data)
        if item is not None:
            yield item

    def posting_from(self, target: Target, row: dict, path: str, detail: dict):
        info: dict[str, Any] = detail["jobPostingInfo"]
        external_url = text_or_none(info.get("externalUrl"))
        description = info.get("jobDescription")
        return self.posting(
            target,
            text_or_none(info.get("jobReqId")) or path,
            title=text_or_none(info.get("title")) or text_or_none(row.get("title")),
            url=external_url or f"{target.base_url}/{target.board.split('/')[1]}{path}",
            apply_url=external_url,
            locations=locations_of(info, row),
            description_html=description if isinstance(description, str) and description else None,
            posted_at=text_or_none(info.get("startDate"))
            or text_or_none(info.get("postedOn"))
            or text_or_none(row.get("postedOn")),
            extra=extra_of(info, row, detail),
        )


def flatten_facets(raw_facets: Any) -> dict[str, list[tuple[str, int]]]:
    """``{facetParameter: [(value id, count), ...]}`` from the listing's facets, nested
    groups (e.g. locationMainGroup holding locations) included."""
    found: dict[str, list[tuple[str, int]]] = {}

    def walk(facet: Any) -> None:
        if not isinstance(facet, dict) or not isinstance(facet.get("values"), list):
            return
        parameter = facet.get("facetParameter")
        for value in facet["values"]:
            if not isinstance(value, dict):
                continue
            if "facetParameter" in value:
                walk(value)
            elif isinstance(value.get("id"), str) and isinstance(value.get("count"), int):
                found.setdefault(parameter, []).append((value["id"], value["count"]))

    for facet in raw_facets if isinstance(raw_facets, list) else []:
        walk(facet)
    return found


def locations_of(info: dict[str, Any], row: dict[str, Any]) -> list[str]:
    """The posting's own location and its additional ones, as the company wrote them."""
    additional = info.get("additionalLocations")
    names = [info.get("location"), *(additional if isinstance(additional, list) else [])]
    locations = list(dict.fromkeys(n.strip() for n in names if isinstance(n, str) and n.strip()))
    if not locations:
        listed = text_or_none(row.get("locationsText"))
        if listed and not _N_LOCATIONS.match(listed):  # "3 Locations" names none
            locations = [listed]
    return locations


def extra_of(info: dict[str, Any], row: dict[str, Any], detail: dict[str, Any]) -> dict:
    requisition_country = mapping(mapping(info.get("jobRequisitionLocation")).get("country"))
    alpha2 = text_or_none(requisition_country.get("alpha2Code"))
    bullets = row.get("bulletFields") if isinstance(row.get("bulletFields"), list) else None
    extra = {
        "workplace": text_or_none(info.get("remoteType")),
        "employment_type": text_or_none(info.get("timeType")),
        "country_codes": [alpha2.upper()] if alpha2 else None,
        "country": text_or_none(mapping(info.get("country")).get("descriptor")),
        "req_id": text_or_none(info.get("jobReqId")),
        "posting_id": text_or_none(info.get("id")),
        "hiring_organization": text_or_none(mapping(detail.get("hiringOrganization")).get("name")),
        "bullet_fields": [b for b in bullets if isinstance(b, str)] if bullets else None,
    }
    return {key: value for key, value in extra.items() if value}


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text_or_none(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
