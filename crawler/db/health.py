"""Read-only queries on crawl runs and board health, for `scrapy crawlall`'s summary.

The ``company_health`` view (migration 0002) is the source of truth for whether a
board keeps failing or coming back empty; these functions only read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg.rows import dict_row


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
