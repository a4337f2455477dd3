"""BambooHR: the careers page's JSON list, then one detail request per job.

``GET https://{company}.bamboohr.com/careers/list`` lists the open jobs (title,
department, location, employment status, remote flags) without descriptions;
``GET .../careers/{id}/detail`` has the description, the posting date, the experience
level and the pay text. A posting is yielded from its detail (with the list entry
merged in), never from the list alone: a job whose detail failed would otherwise be
stored without its description. A failed detail is an error of the company's crawl,
so the company ends partial and nothing of it is closed.

``locationType`` is "0" on-site, "1" remote, "2" hybrid; ``isRemote`` may be null.

Settings read: BAMBOOHR_BASE_URL (``https://{board}.bamboohr.com``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from scrapy.http import Request, Response

from crawler.items import JobPosting
from crawler.spiders.base import MalformedResponse, PlatformSpider, Target

_CAREERS_HOST = re.compile(
    r"^https?://(?P<board>[A-Za-z0-9][A-Za-z0-9-]*)\.bamboohr\.com(?:[/?#:]|$)", re.IGNORECASE
)
_NOT_COMPANIES = frozenset({"www", "api", "app", "help", "partners", "marketplace",
                            "documentation", "status", "developers", "resources",
                            "assets", "static", "cdn", "images"})  # fmt: skip
_WORKPLACE = {"0": "onsite", "1": "remote", "2": "hybrid"}


class BambooHRSpider(PlatformSpider):
    name = "bamboohr"
    board_shape = r"[a-z0-9][a-z0-9-]*"
    base_url_setting = "BAMBOOHR_BASE_URL"
    default_base_url = "https://{board}.bamboohr.com"
    per_tenant = True
    board_host = _CAREERS_HOST
    not_boards = _NOT_COMPANIES

    def company_requests(self, target: Target) -> Iterable[Request]:
        self.listing_started(target)
        yield self.request(f"{target.base_url}/careers/list", target, callback=self.parse_list)

    def parse_list(self, response: Response) -> Iterable[Request]:
        target: Target = response.meta["target"]
        data = self.load_json(response)
        jobs = data.get("result") if isinstance(data, dict) else None
        if not isinstance(jobs, list):
            raise MalformedResponse(f"no 'result' list in the careers list of {target.board}")
        for listed in jobs:
            if not isinstance(listed, dict) or listed.get("id") in (None, ""):
                self.crawler.stats.inc_value("jobs/dropped/no_id_in_list")
                continue
            url = f"{target.base_url}/careers/{listed['id']}/detail"
            yield self.detail_request(url, target, callback=self.parse_detail,
                                      cb_kwargs={"listed": listed})  # fmt: skip
        # The details that follow report their own failures (the errback and the
        # errors middleware), which keep the company from being complete.
        self.listing_finished(target)

    def parse_detail(self, response: Response, listed: dict[str, Any]) -> Iterable[JobPosting]:
        target: Target = response.meta["target"]
        data = self.load_json(response)
        result = data.get("result") if isinstance(data, dict) else None
        opening = result.get("jobOpening") if isinstance(result, dict) else None
        if not isinstance(opening, dict):
            raise MalformedResponse(f"no 'jobOpening' in the detail of job {listed['id']}")
        raw = {**listed, **{k: v for k, v in opening.items() if v not in (None, "", {})}}
        item = self.parse_item(self.posting_from(target, listed["id"], raw), raw)
        if item is not None:
            yield item

    def posting_from(self, target: Target, job_id: Any, raw: dict[str, Any]) -> JobPosting:
        place = location_of(raw)
        location_type = str(raw.get("locationType") or "")
        workplace = _WORKPLACE.get(location_type) or ("remote" if raw.get("isRemote") else None)
        page = raw.get("jobOpeningShareUrl") or f"{target.base_url}/careers/{job_id}"
        extra = {
            "workplace": workplace,
            "employment_type": raw.get("employmentStatusLabel"),
            "seniority": raw.get("minimumExperience"),
            "salary_text": raw.get("compensation"),
            "location_parts": [place["parts"]] if any(place["parts"].values()) else [],
        }
        return self.posting(
            target,
            job_id,
            title=raw.get("jobOpeningName"),
            url=page,
            apply_url=page,
            department=raw.get("departmentLabel"),
            locations=[place["display"]] if place["display"] else [],
            description_html=raw.get("description"),
            posted_at=raw.get("datePosted"),
            extra={key: value for key, value in extra.items() if value},
        )


def location_of(raw: dict[str, Any]) -> dict[str, Any]:
    """The job's place from ``atsLocation`` (country included) or the older ``location``."""
    ats = raw.get("atsLocation") if isinstance(raw.get("atsLocation"), dict) else {}
    old = raw.get("location") if isinstance(raw.get("location"), dict) else {}
    city = ats.get("city") or old.get("city") or None
    region = ats.get("state") or ats.get("province") or old.get("state") or None
    country = ats.get("country") or None
    display = ", ".join(part for part in (city, region, country) if part)
    return {"display": display, "parts": {"city": city, "region": region, "country": country}}
