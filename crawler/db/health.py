"""Read-only queries on crawl runs and board health, for `scrapy crawlall`'s summary
and `scrapy registry check`.

The ``company_health`` view (migrations 0002, 0006) is the source of truth for whether
a board keeps failing or coming back empty, and for the board its careers page names
instead (a proposed move); these functions only read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from crawler.registry import Company, moved_company


@dataclass(frozen=True)
class ProposedMove:
    """The board a company's careers page named when its registry board failed or emptied."""

    platform: str
    board: str | None
    careers_url: str  # the URL the board was read from
    found_on: str  # the careers page
    found_at: datetime

    @classmethod
    def from_health(cls, row: dict[str, Any] | None) -> ProposedMove | None:
        """The proposal in a ``company_health`` row (None: it proposes nothing)."""
        if not row or not row.get("proposed_platform"):
            return None
        return cls(
            platform=row["proposed_platform"], board=row["proposed_board"],
            careers_url=row["proposed_careers_url"], found_on=row["board_search_url"],
            found_at=row["last_run_at"],
        )  # fmt: skip

    def describe(self) -> str:
        board = f"board {self.board!r}" if self.board else "JobPosting markup"
        return f"{self.platform} {board} (named by {self.found_on})"

    def entry(self, company: Company) -> Company:
        """The registry entry to paste in place of ``company``'s."""
        evidence = (
            f"crawler board search: {self.found_on} names it"
            f" ({company.platform} board {company.board_or_url!r} failed or listed nothing),"
            f" {self.found_at:%Y-%m}"
        )
        return moved_company(company, self.platform, self.board, self.careers_url,
                             evidence, self.found_at.date())  # fmt: skip


def last_crawl_run_id(database_url: str) -> int:
    """The id of the newest crawl_runs row (0 when there is none): runs after it are new."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()
    return row[0]


def crawl_runs_after(database_url: str, after_id: int, slugs: Iterable[str]) -> list[dict]:
    """The crawl_runs rows of these companies written after row ``after_id``, oldest first."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(
            """SELECT * FROM crawl_runs WHERE id > %s AND company = ANY(%s) ORDER BY id""",
            (after_id, list(slugs)),
        ).fetchall()


def company_health(database_url: str, slugs: Iterable[str] | None = None) -> dict[str, Any]:
    """The ``company_health`` row of each company (all crawled ones when slugs is None)."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        if slugs is None:
            rows = conn.execute("SELECT * FROM company_health ORDER BY company").fetchall()
        else:
            rows = conn.execute(
                "SELECT * FROM company_health WHERE company = ANY(%s) ORDER BY company",
                (list(slugs),),
            ).fetchall()
    return {row["company"]: row for row in rows}
