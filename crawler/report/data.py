"""Everything one report shows, gathered in one read of the database (every query is a
named operation of crawler.db.report), and the article's four numbers derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crawler.db import report as queries
from crawler.db.report import ROLE_GROUPS, SENIORITY_ORDER, WEEKS_PER_YEAR, Trend

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
    seniority_mix: list[dict[str, Any]] = field(default_factory=list)
    pay_by_seniority: list[dict[str, Any]] = field(default_factory=list)


def collect(database_url: str, skills_limit: int = 10) -> Report:
    """Run every report query; NothingToReport when there is nothing to count yet."""
    with queries.connect(database_url) as conn:
        if not queries.has_schema(conn):
            raise NothingToReport(
                "The database has no careers-crawler schema yet: run `scrapy migrate`"
                " or a crawl (`scrapy crawl greenhouse -a company=<slug>`) first."
            )
        if not queries.has_postings(conn):
            raise NothingToReport(
                "No postings in the database yet: crawl some companies first"
                " (`scrapy crawlall`, or `scrapy crawl greenhouse -a company=<slug>`)."
            )
        return Report(
            generated_at=queries.database_now(conn),
            headline=queries.headline(conn),
            change=queries.change_since_previous_crawl(conn),
            latest_runs=queries.latest_runs_by_status(conn),
            seniority=queries.seniority_split(conn),
            role_families=queries.role_families(conn),
            pay=queries.median_pay(conn),
            ai_skills=queries.top_ai_skills(conn, skills_limit),
            trends=queries.weekly_trends(conn, list(TREND_DIMENSIONS)),
            seniority_mix=queries.seniority_mix(conn),
            pay_by_seniority=queries.median_pay_by_seniority(conn),
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


# --- the article's numbers --------------------------------------------------------------

AI_ROLE_SERIES = "AI/ML role"  # the ai_role trend's series of AI/ML roles
ACCURACY_NOTE = (
    "How far to trust them: on 917 labelled postings of 203 companies the rules were never"
    " tuned on, asks_for_ai precision 0.88 / recall 0.97 (so the share asking for AI runs"
    " high), is_ai_role 0.97 / 0.86 (AI/ML roles are a floor), seniority accuracy 0.99;"
    " README, 'How far to trust the numbers'."
)


@dataclass(frozen=True)
class Growth:
    """AI/ML roles open in the latest week against an earlier week of the trend."""

    latest_week: date
    latest: int
    earlier_week: date | None  # None: only one week stored
    earlier: int
    basis: str  # "the same week a year earlier" or "the earliest week stored"

    @property
    def change(self) -> float | None:
        if self.earlier_week is None or not self.earlier:
            return None
        return (self.latest - self.earlier) / self.earlier


def ai_role_growth(report: Report) -> Growth | None:
    """AI/ML roles now against the same week a year earlier, or against the earliest
    week stored when the history is shorter than a year."""
    trend = report.trends.get("ai_role")
    if trend is None or not trend.weeks:
        return None
    counts = trend.series.get(AI_ROLE_SERIES, [0] * len(trend.weeks))
    if len(trend.weeks) > WEEKS_PER_YEAR:
        index, basis = -1 - WEEKS_PER_YEAR, "the same week a year earlier"
    else:
        index, basis = 0, "the earliest week stored"
    earlier_week = trend.weeks[index] if len(trend.weeks) > 1 else None
    return Growth(trend.weeks[-1], counts[-1], earlier_week, counts[index], basis)


def growth_sentence(growth: Growth | None) -> str:
    if growth is None:
        return "no weekly history yet"
    now = f"{growth.latest:,} AI/ML roles open in the week of {growth.latest_week:%Y-%m-%d}"
    if growth.earlier_week is None:
        return f"{now}; only one week stored, nothing to compare with yet"
    return (
        f"{now}, against {growth.earlier:,} in the week of {growth.earlier_week:%Y-%m-%d}"
        f" ({growth.basis}): {signed_percent(growth.change)}"
    )


def software_ask_share(report: Report) -> str:
    h = report.headline
    return (
        f"{share(h['software_asks_for_ai'], h['software'])} of open software postings ask for"
        f" AI skills ({h['software_asks_for_ai']:,} of {h['software']:,})"
    )


def seniority_mix_rows(report: Report) -> list[list[object]]:
    """(seniority, then postings and share for AI/ML roles and other software roles)."""
    groups = ROLE_GROUPS[:2]
    counts: dict[str, dict[str, int]] = {}
    for row in report.seniority_mix:
        counts.setdefault(row["seniority"], {})[row["role_group"]] = row["postings"]
    totals = {g: sum(c.get(g, 0) for c in counts.values()) for g in groups}
    ladder = {level: index for index, level in enumerate(SENIORITY_ORDER)}
    rows: list[list[object]] = []
    for seniority, by_group in sorted(counts.items(), key=lambda i: ladder.get(i[0], 99)):
        if not any(by_group.get(g) for g in groups):
            continue  # only non-software roles at this level
        rows.append([seniority, *(cell for g in groups
                                  for cell in (by_group.get(g, 0),
                                               share(by_group.get(g, 0), totals[g])))])  # fmt: skip
    return rows


def pay_by_seniority_rows(report: Report) -> list[list[object]]:
    """(currency, seniority, then 'median (n)' for each role group): n is the postings
    each median rests on; blank where no posting of that group states pay."""
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for row in report.pay_by_seniority:
        key = (row["currency"], row["seniority"])
        cells.setdefault(key, {})[row["role_group"]] = (
            f"{round(row['median_annual']):,} (n={row['postings']})"
        )
    return [[currency, seniority, *(by_group.get(g, "") for g in ROLE_GROUPS)]
            for (currency, seniority), by_group in cells.items()]  # fmt: skip
