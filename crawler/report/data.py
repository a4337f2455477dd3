"""Everything one report shows, gathered in one read of the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.db import report as queries
from crawler.db.report import Trend

TREND_DIMENSIONS = ("total", "ai_role", "asks_for_ai", "role_family", "seniority")


class NothingToReport(Exception):
    """The database has no schema or no postings yet; the message says what to do."""


@dataclass
class Report:
    generated_at: datetime
    headline: dict[str, Any]
    change: dict[str, Any]
    latest_runs: dict[str, int]
    seniority: list[dict[str, Any]]
    role_families: list[dict[str, Any]]
    pay: list[dict[str, Any]]
    ai_skills: list[dict[str, Any]]
    trends: dict[str, Trend] = field(default_factory=dict)


def collect(database_url: str, skills_limit: int = 10) -> Report:
    """Run every report query; NothingToReport when there is nothing to count yet."""
    with queries.connect(database_url) as conn:
        if not queries.has_schema(conn):
            raise NothingToReport(
                "The database has no careers-crawler schema yet: run `scrapy migrate`"
                " or a crawl (`scrapy crawl greenhouse -a company=<slug>`) first."
            )
        if not conn.execute("SELECT EXISTS (SELECT 1 FROM postings) AS any").fetchone()["any"]:
            raise NothingToReport(
                "No postings in the database yet: crawl some companies first"
                " (`scrapy crawlall`, or `scrapy crawl greenhouse -a company=<slug>`)."
            )
        now = conn.execute("SELECT now() AS now").fetchone()["now"]
        return Report(
            generated_at=now,
            headline=queries.headline(conn),
            change=queries.change_since_previous_crawl(conn),
            latest_runs=queries.latest_runs_by_status(conn),
            seniority=queries.seniority_split(conn),
            role_families=queries.role_families(conn),
            pay=queries.median_pay(conn),
            ai_skills=queries.top_ai_skills(conn, skills_limit),
            trends=queries.weekly_trends(conn, list(TREND_DIMENSIONS)),
        )


def share(part: int, whole: int) -> str:
    """A percentage with one decimal, or n/a when there is nothing to divide by."""
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def signed_percent(change: float | None) -> str:
    return "n/a" if change is None else f"{100 * change:+.0f}%"


def headline_rows(report: Report) -> list[list[object]]:
    """(label, postings, share) rows of the headline, shared by the text and the page."""
    h = report.headline
    total, software = h["open_postings"], h["software"]
    return [
        ["companies tracked", h["companies_tracked"], ""],
        ["companies with open postings", h["companies_hiring"], ""],
        ["open postings", total, ""],
        ["asking for AI skills", h["asks_for_ai"], share(h["asks_for_ai"], total)],
        ["mentioning AI", h["mentions_ai"], share(h["mentions_ai"], total)],
        ["software postings", software, share(software, total)],
        ["  of which ask for AI skills", h["software_asks_for_ai"],
         share(h["software_asks_for_ai"], software)],
        ["  of which mention AI", h["software_mentions_ai"],
         share(h["software_mentions_ai"], software)],
        ["AI/ML roles", h["ai_roles"], share(h["ai_roles"], total)],
        ["remote", h["remote"], share(h["remote"], total)],
    ]  # fmt: skip
