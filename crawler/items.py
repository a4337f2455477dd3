"""The item every spider yields and every pipeline reads (through itemadapter)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter
from itemadapter.adapter import DataclassAdapter


@dataclass
class JobPosting:
    """One open job posting, named as the Postgres contract names its columns.

    Spiders fill what the platform gives; pipelines clean, validate and enrich the
    rest. Every field but the identity may be missing: a posting without a
    description, location or date is normal.
    """

    # identity: (platform, board, external_id)
    platform: str
    board: str
    external_id: str
    company: str
    title: str | None = None
    url: str | None = None
    apply_url: str | None = None
    department: str | None = None
    team: str | None = None
    locations: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    workplace: str | None = None
    employment_type: str | None = None
    seniority: str | None = None
    role_family: str | None = None
    is_ai_role: bool = False
    mentions_ai: bool = False
    asks_for_ai: bool = False
    ai_skills: list[str] = field(default_factory=list)
    ai_evidence: list[dict[str, Any]] = field(default_factory=list)
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str | None = None
    salary_period: str | None = None
    description_html: str | None = None
    description_text: str | None = None
    # Spiders may put raw values here (ISO text, epoch numbers, "Posted 3 days ago");
    # the clean stage turns them into aware datetimes.
    posted_at: datetime | str | int | float | None = None
    source_updated_at: datetime | str | int | float | None = None
    # The same job listed again by the company under other ids ("board:external_id"),
    # filled by the same-job stage.
    alternate_ids: list[str] = field(default_factory=list)
    # Set by the pipelines: the hash of what the spider read (crawler.pipelines.unchanged)
    # and the same-job key (crawler.pipelines.same_job), stored to skip unchanged postings.
    source_hash: str | None = None
    same_job_key: str | None = None
    # Platform values kept for the enrichment stages, never stored as columns:
    # e.g. {"level": "Senior"} or {"salary_text": "$100k"}.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.platform, self.board, self.external_id)


class JobPostingAdapter(DataclassAdapter):
    """itemadapter's dataclass adapter, with JobPosting's fields read once.

    Every stage wraps each posting in ``ItemAdapter``; the stock adapter looks the
    class's fields up again each time (``dataclasses.fields``), which the profile of a
    full crawl put at ~5% of it. Registered first, for JobPosting only.
    """

    _FIELDS = {f.name: f for f in dataclasses.fields(JobPosting)}

    def __init__(self, item: Any) -> None:
        self.item = item
        self._fields_dict = self._FIELDS

    @classmethod
    def is_item(cls, item: Any) -> bool:
        return type(item) is JobPosting


if JobPostingAdapter not in ItemAdapter.ADAPTER_CLASSES:
    ItemAdapter.ADAPTER_CLASSES.appendleft(JobPostingAdapter)  # type: ignore[attr-defined]
