"""Personio: the career site's public XML feed, one request per company.

``GET https://{company}.jobs.personio.de/xml?language=en`` returns every published
position in one ``<workzag-jobs>`` document (no paging). Some companies answer on
``.jobs.personio.com`` instead: a registry careers URL's host wins over the template.
Without ``language=en`` the feed answers in German.

The description is a list of named sections (``<jobDescription><name>`` heading and a
CDATA HTML ``<value>``), joined here into one HTML document. The feed has no job URL:
the public job page is ``{host}/job/{id}``. An empty ``<workzag-jobs/>`` is a company
with no open positions, not an error.

Settings read: PERSONIO_BASE_URL (``https://{board}.jobs.personio.de``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from scrapy.http import Request, Response
from scrapy.selector import Selector, SelectorList

from crawler.items import JobPosting
from crawler.spiders.base import MalformedResponse, PlatformSpider, Target

_CAREERS_HOST = re.compile(
    r"^https?://(?P<board>[A-Za-z0-9][A-Za-z0-9-]*)\.jobs\.personio\.(?:de|com)(?:[/?#:]|$)",
    re.IGNORECASE,
)
# Contract types that say more than the schedule does about the kind of job.
_SCHEDULE_SAYS_MORE = frozenset({"", "permanent", "unbefristet"})


class PersonioSpider(PlatformSpider):
    name = "personio"
    board_shape = r"[a-z0-9][a-z0-9-]*"
    base_url_setting = "PERSONIO_BASE_URL"
    default_base_url = "https://{board}.jobs.personio.de"
    per_tenant = True
    board_host = _CAREERS_HOST

    def company_requests(self, target: Target) -> Iterable[Request]:
        self.listing_started(target)
        yield self.request(f"{target.base_url}/xml?language=en", target, callback=self.parse_feed)

    def parse_feed(self, response: Response) -> Iterable[Any]:
        target: Target = response.meta["target"]
        try:
            feed = Selector(text=response.text, type="xml")
        except (ValueError, AttributeError) as exc:
            raise MalformedResponse(f"not XML (HTTP {response.status}): {exc}") from exc
        if not feed.xpath("/workzag-jobs"):
            start = response.body[:80]
            raise MalformedResponse(f"no <workzag-jobs> feed of {target.board}: starts {start!r}")
        for position in feed.xpath("/workzag-jobs/position"):
            item = self.parse_item(self.posting_from(target, position), position)
            if item is not None:
                yield item
        self.listing_finished(target)

    def posting_from(self, target: Target, position: Selector) -> JobPosting:
        def text(path: str) -> str | None:
            return tidy(position.xpath(path))

        job_id = text("id")
        offices = [tidy(office) for office in position.xpath("office | additionalOffices/office")]
        contract, schedule = text("employmentType"), text("schedule")
        extra = {
            "employment_type": schedule if (contract or "").lower() in _SCHEDULE_SAYS_MORE
            else contract,
            "seniority": text("seniority"),
            "contract_type": contract,
            "schedule": schedule,
            "years_of_experience": text("yearsOfExperience"),
            "keywords": text("keywords"),
            "occupation": text("occupation"),
            "occupation_category": text("occupationCategory"),
            "recruiting_category": text("recruitingCategory"),
            "subcompany": text("subcompany"),
        }  # fmt: skip
        url = f"{target.base_url}/job/{job_id}" if job_id else None
        return self.posting(
            target,
            job_id,
            title=text("name"),
            url=url,
            apply_url=url,
            department=text("department"),
            locations=[office for office in offices if office],
            description_html=description_html(position.xpath("jobDescriptions/jobDescription")),
            posted_at=text("createdAt"),
            extra={key: value for key, value in extra.items() if value},
        )


def tidy(nodes: SelectorList | Selector) -> str | None:
    """The element's text (CDATA included), stripped; None when empty."""
    value = (nodes.xpath("string(.)").get() or "").strip()
    return value or None


def description_html(sections: SelectorList) -> str | None:
    """The named sections as one HTML document: a heading, then the section's HTML."""
    parts = []
    for section in sections:
        heading, body = tidy(section.xpath("name")), tidy(section.xpath("value"))
        if not body:
            continue
        if heading:
            parts.append(f"<h3>{html.escape(heading)}</h3>")
        parts.append(body)
    return "\n".join(parts) or None
