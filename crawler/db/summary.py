"""Read-only summaries for commands (the demo's closing table)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row


def open_postings_by_company(database_url: str) -> list[dict[str, Any]]:
    """Per company: open postings and the status of its latest crawl."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(
            """SELECT c.slug, c.name, c.platform,
                      (SELECT count(*) FROM open_postings p WHERE p.company = c.slug) AS open,
                      r.status AS last_status, r.new, r.updated, r.unchanged, r.closed
               FROM companies c
               LEFT JOIN LATERAL (SELECT * FROM crawl_runs r WHERE r.company = c.slug
                                  ORDER BY r.id DESC LIMIT 1) r ON true
               ORDER BY c.platform, c.slug"""
        ).fetchall()
