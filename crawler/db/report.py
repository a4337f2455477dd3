"""Named read-only queries behind `scrapy report`: the site's headline numbers.

Every query reads ``open_postings`` (or ``postings`` for history) and
``crawl_runs``; nothing here writes. Columns the enrichment stages fill
(role_family, seniority, workplace) may be null: null is reported as "unknown".

Definitions the numbers rely on:
- software postings: role_family in ``SOFTWARE_FAMILIES``;
- annual pay: the midpoint of salary_min/salary_max (either alone when the other is
  missing) times ``ANNUAL_FACTORS[salary_period]``; other periods (day, week) are left
  out rather than guessed, and currencies are never mixed;
- change since the previous crawl: per company, the postings first seen / closed since
  its latest crawl run started (companies crawled only once are counted apart);
- trend: a posting is open in week W when ``first_seen_at <= end of W`` and
  ``closed_at`` is null or ``> end of W`` (weeks start on Monday, UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

SOFTWARE_FAMILIES: tuple[str, ...] = (
    "backend", "frontend", "fullstack", "mobile", "infrastructure", "sre", "security",
    "qa", "data", "ai_ml", "engineering_management",
)  # fmt: skip
SENIORITY_ORDER: tuple[str, ...] = (
    "intern", "entry", "mid", "senior", "staff", "principal", "manager", "director",
    "executive",
)  # fmt: skip
# Only periods with a conventional full-time conversion: 2080 hours, 12 months.
ANNUAL_FACTORS: dict[str, int] = {"year": 1, "month": 12, "hour": 2080}
UNKNOWN = "unknown"
WEEKS_PER_YEAR = 52

# Annual pay of a posting: the midpoint of its range times its period's factor.
_ANNUAL_PAY = sql.SQL(
    "((coalesce(salary_min, salary_max) + coalesce(salary_max, salary_min)) / 2"
    " * CASE salary_period {factors} END)::float8"
).format(factors=sql.SQL(" ").join(
    sql.SQL("WHEN {} THEN {}").format(sql.Literal(period), sql.Literal(factor))
    for period, factor in ANNUAL_FACTORS.items()
))  # fmt: skip

# Trend dimensions: a name the command accepts -> the SQL expression it groups by.
TREND_DIMENSIONS: dict[str, sql.Composable] = {
    "total": sql.SQL("'all'"),
    "role_family": sql.SQL("coalesce(p.role_family, {})").format(sql.Literal(UNKNOWN)),
    "seniority": sql.SQL("coalesce(p.seniority, {})").format(sql.Literal(UNKNOWN)),
    "ai_role": sql.SQL("CASE WHEN p.is_ai_role THEN 'AI/ML role' ELSE 'other' END"),
    "asks_for_ai": sql.SQL("CASE WHEN p.asks_for_ai THEN 'asks for AI' ELSE 'other' END"),
}


@dataclass(frozen=True)
class Trend:
    """Open postings per week for each value of one dimension (weeks oldest first)."""

    dimension: str
    weeks: list[date]
    series: dict[str, list[int]] = field(default_factory=dict)

    def year_over_year(self) -> dict[str, float | None]:
        """Change of the latest week against the same week a year before, per series.

        Empty when there is less than a year of history; None for a series that had
        no open posting a year ago (no ratio to give).
        """
        if len(self.weeks) <= WEEKS_PER_YEAR:
            return {}
        changes: dict[str, float | None] = {}
        for name, counts in self.series.items():
            before, now = counts[-1 - WEEKS_PER_YEAR], counts[-1]
            changes[name] = (now - before) / before if before else None
        return changes


def connect(database_url: str) -> psycopg.Connection:
    """A read-only connection whose clock and week boundaries are UTC."""
    conn = psycopg.connect(database_url, row_factory=dict_row, autocommit=True)
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET default_transaction_read_only = on")
    return conn


def database_now(conn: psycopg.Connection) -> Any:
    """The database's clock (UTC): the report's "as of"."""
    return conn.execute("SELECT now() AS now").fetchone()["now"]


def has_postings(conn: psycopg.Connection) -> bool:
    return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM postings) AS any").fetchone()["any"])


def has_schema(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "SELECT to_regclass('public.postings') IS NOT NULL"
        " AND to_regclass('public.crawl_runs') IS NOT NULL AS ok"
    ).fetchone()
    return bool(row["ok"])


def headline(conn: psycopg.Connection) -> dict[str, Any]:
    """Counts over open postings: totals, AI shares (all and software), remote."""
    return conn.execute(
        """SELECT
             (SELECT count(*) FROM (SELECT slug FROM companies
                                    UNION SELECT company FROM postings) c) AS companies_tracked,
             count(DISTINCT company) AS companies_hiring,
             count(*) AS open_postings,
             count(*) FILTER (WHERE asks_for_ai) AS asks_for_ai,
             count(*) FILTER (WHERE mentions_ai) AS mentions_ai,
             count(*) FILTER (WHERE role_family = ANY(%(software)s)) AS software,
             count(*) FILTER (WHERE role_family = ANY(%(software)s) AND asks_for_ai)
                 AS software_asks_for_ai,
             count(*) FILTER (WHERE role_family = ANY(%(software)s) AND mentions_ai)
                 AS software_mentions_ai,
             count(*) FILTER (WHERE is_ai_role) AS ai_roles,
             count(*) FILTER (WHERE workplace = 'remote') AS remote,
             count(*) FILTER (WHERE workplace IS NOT NULL) AS workplace_known
           FROM open_postings""",
        {"software": list(SOFTWARE_FAMILIES)},
    ).fetchone()


def seniority_split(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Open postings per seniority, the career ladder's order, unknown last."""
    return conn.execute(
        """SELECT coalesce(seniority, %(unknown)s) AS seniority, count(*) AS postings
           FROM open_postings GROUP BY seniority
           ORDER BY array_position(%(order)s::text[], seniority) NULLS LAST""",
        {"unknown": UNKNOWN, "order": list(SENIORITY_ORDER)},
    ).fetchall()


def role_families(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Open postings per role family, with how many ask for / mention AI."""
    return conn.execute(
        """SELECT coalesce(role_family, %(unknown)s) AS role_family,
                  role_family = ANY(%(software)s) AS software,
                  count(*) AS postings,
                  count(*) FILTER (WHERE asks_for_ai) AS asks_for_ai,
                  count(*) FILTER (WHERE mentions_ai) AS mentions_ai,
                  count(*) FILTER (WHERE is_ai_role) AS ai_roles
           FROM open_postings GROUP BY role_family
           ORDER BY count(*) DESC, role_family NULLS LAST""",
        {"unknown": UNKNOWN, "software": list(SOFTWARE_FAMILIES)},
    ).fetchall()


# Open postings in three groups: AI/ML roles, the other software roles, the rest.
_ROLE_GROUP = sql.SQL(
    "CASE WHEN is_ai_role THEN {ai} WHEN role_family = ANY(%(software)s) THEN {software}"
    " ELSE {rest} END"
).format(ai=sql.Literal("AI/ML roles"), software=sql.Literal("other software roles"),
         rest=sql.Literal("non-software roles"))  # fmt: skip
ROLE_GROUPS = ("AI/ML roles", "other software roles", "non-software roles")


def seniority_mix(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Open postings per role group (ROLE_GROUPS) and seniority, the ladder's order."""
    query = sql.SQL(
        """SELECT role_group, coalesce(seniority, %(unknown)s) AS seniority,
                  count(*) AS postings
           FROM (SELECT {group} AS role_group, seniority FROM open_postings) grouped
           GROUP BY role_group, seniority
           ORDER BY array_position(%(groups)s::text[], role_group),
                    array_position(%(order)s::text[], seniority) NULLS LAST"""
    ).format(group=_ROLE_GROUP)
    return conn.execute(query, {"unknown": UNKNOWN, "order": list(SENIORITY_ORDER),
                                "software": list(SOFTWARE_FAMILIES),
                                "groups": list(ROLE_GROUPS)}).fetchall()  # fmt: skip


def median_pay_by_seniority(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Median annual pay per currency, seniority and role group, with the postings each
    median rests on (postings with pay in a convertible period only)."""
    query = sql.SQL(
        """WITH paid AS (
             SELECT {group} AS role_group, coalesce(seniority, %(unknown)s) AS seniority,
                    salary_currency AS currency, {annual} AS annual
             FROM open_postings
             WHERE salary_currency IS NOT NULL AND salary_period = ANY(%(periods)s)
               AND coalesce(salary_min, salary_max) IS NOT NULL)
           SELECT currency, seniority, role_group, count(*) AS postings,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY annual) AS median_annual
           FROM paid GROUP BY currency, seniority, role_group
           ORDER BY currency, array_position(%(order)s::text[], seniority) NULLS LAST,
                    array_position(%(groups)s::text[], role_group)"""
    ).format(group=_ROLE_GROUP, annual=_ANNUAL_PAY)
    return conn.execute(query, {"unknown": UNKNOWN, "order": list(SENIORITY_ORDER),
                                "software": list(SOFTWARE_FAMILIES),
                                "groups": list(ROLE_GROUPS),
                                "periods": list(ANNUAL_FACTORS)}).fetchall()  # fmt: skip


def median_pay(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Median annual pay per role family and currency (currencies never mixed)."""
    query = sql.SQL(
        """WITH paid AS (
             SELECT coalesce(role_family, %(unknown)s) AS role_family,
                    salary_currency AS currency, {annual} AS annual
             FROM open_postings
             WHERE salary_currency IS NOT NULL AND salary_period = ANY(%(periods)s)
               AND coalesce(salary_min, salary_max) IS NOT NULL)
           SELECT role_family, currency, count(*) AS postings,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY annual) AS median_annual
           FROM paid GROUP BY role_family, currency
           ORDER BY currency, median_annual DESC, role_family"""
    ).format(annual=_ANNUAL_PAY)
    return conn.execute(query, {"unknown": UNKNOWN, "periods": list(ANNUAL_FACTORS)}).fetchall()


def top_ai_skills(conn: psycopg.Connection, limit: int = 10) -> list[dict[str, Any]]:
    """The AI skills most asked for, as open postings naming each."""
    return conn.execute(
        """SELECT skill, count(*) AS postings
           FROM open_postings, unnest(ai_skills) AS skill
           GROUP BY skill ORDER BY count(*) DESC, skill LIMIT %s""",
        (limit,),
    ).fetchall()


def change_since_previous_crawl(conn: psycopg.Connection) -> dict[str, Any]:
    """Postings new and closed since each company's latest crawl run started.

    Companies whose latest run is their first have no previous crawl: their postings
    are counted as ``first_crawl_postings``, not as new.
    """
    return conn.execute(
        """WITH latest AS (
             SELECT DISTINCT ON (company) company, started_at,
                    count(*) OVER (PARTITION BY company) AS runs
             FROM crawl_runs ORDER BY company, started_at DESC)
           SELECT
             count(*) FILTER (WHERE l.runs > 1 AND p.first_seen_at >= l.started_at) AS new,
             count(*) FILTER (WHERE l.runs > 1 AND p.closed_at >= l.started_at) AS closed,
             count(*) FILTER (WHERE l.runs = 1 AND p.first_seen_at >= l.started_at)
                 AS first_crawl_postings,
             (SELECT count(*) FROM latest WHERE runs > 1) AS companies_recrawled,
             (SELECT count(*) FROM latest WHERE runs = 1) AS companies_first_crawl,
             (SELECT max(started_at) FROM latest) AS latest_run_started_at
           FROM postings p JOIN latest l ON l.company = p.company"""
    ).fetchone()


def latest_runs_by_status(conn: psycopg.Connection) -> dict[str, int]:
    """How each company's latest crawl ended (ok, partial, failed)."""
    rows = conn.execute(
        """SELECT status, count(*) AS companies FROM (
             SELECT DISTINCT ON (company) status FROM crawl_runs
             ORDER BY company, started_at DESC) latest
           GROUP BY status ORDER BY status"""
    ).fetchall()
    return {row["status"]: row["companies"] for row in rows}


def weekly_open_postings(conn: psycopg.Connection, dimension: str) -> Trend:
    """Open postings per week since the first posting was seen, split by ``dimension``."""
    return weekly_trends(conn, [dimension])[dimension]


def weekly_trends(conn: psycopg.Connection, dimensions: list[str]) -> dict[str, Trend]:
    """The weekly trend of each dimension, from one pass over postings x weeks.

    Every dimension's expression is non-null (coalesce/CASE), so in each grouping set
    the one non-null dimension column names the set a row belongs to.
    """
    unknown = [d for d in dimensions if d not in TREND_DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown trend dimension(s) {unknown}: {sorted(TREND_DIMENSIONS)}")
    weeks = [
        row["week"]
        for row in conn.execute(
            """SELECT generate_series(date_trunc('week', min(first_seen_at)),
                                      date_trunc('week', now()), interval '1 week')::date
                      AS week
               FROM postings"""
        ).fetchall()
        if row["week"] is not None
    ]
    columns = [sql.Identifier(f"d{index}") for index in range(len(dimensions))]
    query = sql.SQL(
        """WITH weeks AS (SELECT unnest(%(weeks)s::date[])::timestamptz AS week_start),
           open_weeks AS (
             SELECT w.week_start::date AS week, {expressions}
             FROM weeks w
             JOIN postings p ON p.first_seen_at <= w.week_start + interval '7 days'
                  AND (p.closed_at IS NULL OR p.closed_at > w.week_start + interval '7 days'))
           SELECT week, {columns}, count(*) AS open FROM open_weeks
           GROUP BY GROUPING SETS ({sets})"""
    ).format(
        expressions=sql.SQL(", ").join(
            sql.SQL("{} AS {}").format(TREND_DIMENSIONS[d], column)
            for d, column in zip(dimensions, columns, strict=True)
        ),
        columns=sql.SQL(", ").join(columns),
        sets=sql.SQL(", ").join(sql.SQL("(week, {})").format(c) for c in columns),
    )
    position = {week: index for index, week in enumerate(weeks)}
    series: dict[str, dict[str, list[int]]] = {d: {} for d in dimensions}
    for row in conn.execute(query, {"weeks": weeks}).fetchall():
        for index, dimension in enumerate(dimensions):
            value = row[f"d{index}"]
            if value is not None:
                counts = series[dimension].setdefault(value, [0] * len(weeks))
                counts[position[row["week"]]] = row["open"]
                break
    return {
        dimension: Trend(
            dimension=dimension,
            weeks=weeks,
            series=dict(sorted(values.items(), key=lambda item: (-item[1][-1], item[0]))),
        )
        for dimension, values in series.items()
    }
