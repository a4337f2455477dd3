"""The site's typical reads of open postings, as named operations.

What a job site asks of the table the crawler keeps: a page of open postings under any
mix of filters (country, workplace, seniority, role family, the AI flags, an AI skill
tag, words in the title), newest first with a limit; and open postings per company.
Each is served by an index of migration 0008 (or 0001), or by the per-company counts
of migration 0009, so it stays in milliseconds at hundreds of thousands of postings;
bench/bench_queries.py times them and shows the plans. Nothing here writes.

Newest first means first_seen_at (when the crawler first saw the posting): unlike
posted_at it is never null, and it is what "new this week" means on the site.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

# What a result list shows; descriptions are read per posting, not per page.
LISTING_COLUMNS: tuple[str, ...] = (
    "id", "company", "title", "url", "locations", "countries", "workplace",
    "employment_type", "seniority", "role_family", "is_ai_role", "asks_for_ai",
    "ai_skills", "salary_min", "salary_max", "salary_currency", "salary_period",
    "posted_at", "first_seen_at",
)  # fmt: skip
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class PostingFilters:
    """What the site filters open postings by; None means "any"."""

    country: str | None = None  # ISO 3166-1 alpha-2, one of the posting's countries
    workplace: str | None = None
    seniority: str | None = None
    role_family: str | None = None
    employment_type: str | None = None
    is_ai_role: bool | None = None
    mentions_ai: bool | None = None
    asks_for_ai: bool | None = None
    ai_skill: str | None = None  # a tag id of AI_SKILLS.md, e.g. "pytorch"
    title_contains: str | None = None  # words in the title, any case
    company: str | None = None

    def conditions(self) -> list[sql.Composable]:
        """The WHERE conditions of these filters, values as parameters."""
        found: list[sql.Composable] = []
        for name in (f.name for f in fields(self)):
            value = getattr(self, name)
            if value is None:
                continue
            if name == "country":
                found.append(sql.SQL("countries @> ARRAY[{}]::text[]").format(value.upper()))
            elif name == "ai_skill":
                found.append(sql.SQL("ai_skills @> ARRAY[{}]::text[]").format(value))
            elif name == "title_contains":
                found.append(sql.SQL("title ILIKE {}").format(f"%{like_escape(value)}%"))
            else:
                found.append(sql.SQL("{} = {}").format(sql.Identifier(name), value))
        return found


def like_escape(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (its % and _ are not wildcards)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def open_postings_query(filters: PostingFilters, limit: int = DEFAULT_LIMIT) -> sql.Composed:
    """The SQL of ``open_postings_page`` (bench/ and the tests EXPLAIN it)."""
    where = [sql.SQL("closed_at IS NULL"), *filters.conditions()]
    return sql.SQL(
        "SELECT {columns} FROM postings WHERE {where}"
        " ORDER BY first_seen_at DESC, id DESC LIMIT {limit}"
    ).format(
        columns=sql.SQL(", ").join(map(sql.Identifier, LISTING_COLUMNS)),
        where=sql.SQL(" AND ").join(where),
        limit=sql.Literal(int(limit)),
    )


def open_postings_page(
    conn: psycopg.Connection, filters: PostingFilters, limit: int = DEFAULT_LIMIT
) -> list[dict[str, Any]]:
    """Open postings matching ``filters``, newest first, at most ``limit``."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(open_postings_query(filters, limit)).fetchall()


def search_titles(
    conn: psycopg.Connection, words: str, limit: int = DEFAULT_LIMIT
) -> list[dict[str, Any]]:
    """Open postings whose title contains ``words`` (any case), newest first."""
    return open_postings_page(conn, PostingFilters(title_contains=words), limit)


def tagged_postings(
    conn: psycopg.Connection, skill: str, limit: int = DEFAULT_LIMIT
) -> list[dict[str, Any]]:
    """Open postings tagged with an AI skill (``pytorch``), newest first."""
    return open_postings_page(conn, PostingFilters(ai_skill=skill), limit)


# Read from the counts the database keeps (migration 0009), not counted from postings:
# counting is a pass over every open posting, this is a read of one row per company.
OPEN_COUNTS_BY_COMPANY = sql.SQL(
    "SELECT company, open_postings FROM company_open_postings WHERE open_postings > 0"
    " ORDER BY open_postings DESC, company"
)


def open_counts_by_company(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Open postings per company, most first, then by company; a company with none
    open is left out.

    The figures are always those of the committed postings: triggers on ``postings``
    (migration 0009) change a company's count in the same transaction that opens,
    closes, deletes or moves one of its postings. So during a crawl a company's count
    grows as its new postings are streamed in (as ``open_postings`` does), and drops
    when its finish closes what disappeared; a crawl stopped early or killed leaves
    the counts equal to the postings it did write.
    """
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(OPEN_COUNTS_BY_COMPANY).fetchall()
