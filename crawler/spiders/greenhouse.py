"""Greenhouse: the public Job Board API, one request per board.

``GET {GREENHOUSE_BASE_URL}/v1/boards/{token}/jobs?content=true`` lists every
published job with its description. ``content`` arrives HTML-escaped
("&lt;p&gt;"), so it is unescaped here; the clean stage sanitizes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from scrapy.http import Request, Response

from crawler.spiders.base import PlatformSpider, Target
from crawler.text.html import unescape_html

_BOARD_URL = re.compile(
    r"^https?://(?:job-)?boards(?:\.eu)?\.greenhouse\.io/"
    r"(?:embed/job_board\?for=|v1/boards/)?(?P<token>[A-Za-z0-9_.-]+)"
)
_API_URL = re.compile(r"greenhouse\.io/v1/boards/(?P<token>[A-Za-z0-9_.-]+)")
_EMBED_FOR = re.compile(r"[?&]for=(?P<token>[A-Za-z0-9_.-]+)")


# Custom fields ("metadata") companies commonly add, by lowercased name, mapped to the
# standard `extra` keys the enrichment stages read.
_METADATA_KEYS = {
    "location type": "workplace",
    "workplace type": "workplace",
    "remote status": "workplace",
    "remote": "workplace",
    "employment type": "employment_type",
    "job type": "employment_type",
    "time type": "employment_type",
    "level": "seniority",
    "job level": "seniority",
    "seniority": "seniority",
}


def extra_from_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Standard `extra` keys from a job's metadata; the raw metadata is kept beside them."""
    if not metadata:
        return {}
    extra: dict[str, Any] = {"metadata": metadata}
    for name, value in metadata.items():
        key = _METADATA_KEYS.get(str(name).strip().lower())
        if key is None or value in (None, "", [], False) or key in extra:
            continue
        if value is True:  # a "Remote: yes" checkbox
            value = "remote" if key == "workplace" else None
        if isinstance(value, list):  # multi-select fields
            value = ", ".join(str(v) for v in value if v)
        if value:
            extra[key] = value
    return extra


class GreenhouseSpider(PlatformSpider):
    name = "greenhouse"
    board_shape = r"[a-z0-9][a-z0-9_-]*"
    base_url_setting = "GREENHOUSE_BASE_URL"
    default_base_url = "https://boards-api.greenhouse.io"

    @classmethod
    def board_from_url(cls, url: str) -> str | None:
        for pattern in (_EMBED_FOR, _API_URL, _BOARD_URL):
            match = pattern.search(url)
            if match and match["token"] not in ("embed", "v1"):
                return match["token"]
        return None

    def company_requests(self, target: Target) -> Iterable[Request]:
        self.listing_started(target)
        url = f"{target.base_url}/v1/boards/{target.board}/jobs?content=true"
        yield self.request(url, target, callback=self.parse_jobs)

    def parse_jobs(self, response: Response) -> Iterable[Any]:
        target: Target = response.meta["target"]
        jobs = self.json_records(
            self.load_json(response), "jobs", f"the board response of {target.board}"
        )
        for raw in jobs:
            item = self.parse_item(self.posting_from(target, raw), raw)
            if item is not None:
                yield item
        self.listing_finished(target)

    def posting_from(self, target: Target, raw: dict[str, Any]):
        job_id = raw.get("id")
        departments = [d.get("name") for d in raw.get("departments") or [] if isinstance(d, dict)]
        location = (raw.get("location") or {}).get("name")
        content = raw.get("content")
        metadata = {
            m.get("name"): m.get("value")
            for m in raw.get("metadata") or []
            if isinstance(m, dict) and m.get("name")
        }
        return self.posting(
            target,
            job_id,
            title=raw.get("title"),
            url=raw.get("absolute_url") or self.job_page_url(target, job_id),
            apply_url=raw.get("absolute_url"),
            department=next((d for d in departments if d), None),
            locations=[location] if location else [],
            description_html=unescape_html(content)
            if isinstance(content, str) and content
            else None,
            posted_at=raw.get("first_published"),
            source_updated_at=raw.get("updated_at"),
            extra=extra_from_metadata(metadata),
        )

    @staticmethod
    def job_page_url(target: Target, job_id: Any) -> str | None:
        """The public job page, for the rare job the API lists without absolute_url."""
        if job_id is None:
            return None
        return f"https://job-boards.greenhouse.io/{target.board}/jobs/{job_id}"
