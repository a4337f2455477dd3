"""Distributed runs in Postgres (migration 0007): what `scrapy enqueue` queued, and
where each company of a run stands.

Redis holds the queue and the leases (crawler/distributed/); these rows are the
record: `scrapy runs` reads them, and a worker asks them whether a run has work left.
Every change of a company's state is conditional on the state it expects, so two
workers (or two reapers) racing for the same company cannot both win.

States: ``queued`` -> ``in_progress`` (a worker took it) -> ``ok``, ``partial`` or
``failed``; ``in_progress`` -> ``queued`` again when its worker's lease expired.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

if TYPE_CHECKING:
    from crawler.registry import Company

OPEN_STATES = ("queued", "in_progress")
FINAL_STATES = ("ok", "partial", "failed")


@dataclass(frozen=True)
class QueuedCompany:
    company: str
    platform: str
    work_item: dict[str, Any]


def connect(database_url: str) -> psycopg.Connection:
    """A connection for run bookkeeping (autocommit: each statement stands alone)."""
    return psycopg.connect(database_url, autocommit=True, row_factory=dict_row)


def create_run(
    conn: psycopg.Connection,
    run_id: str,
    companies: Iterable[QueuedCompany],
    max_attempts: int,
    platforms: list[str] | None = None,
    company_filter: list[str] | None = None,
) -> None:
    """Record a run and its companies, all ``queued``, in one transaction."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO runs (id, platforms, companies, max_attempts) VALUES (%s, %s, %s, %s)",
            (run_id, platforms or [], company_filter or [], max_attempts),
        )
        with conn.cursor() as cur:
            cur.executemany(
                """INSERT INTO run_companies (run_id, company, platform, work_item)
                   VALUES (%s, %s, %s, %s)""",
                [(run_id, c.company, c.platform, Jsonb(c.work_item)) for c in companies],
            )


def largest_first(conn: psycopg.Connection, companies: list[Company]) -> list[Company]:
    """The companies in the order workers should take them: those never crawled first
    (their size is unknown), then by their open postings, largest first, so that no
    worker is left crawling a big board alone at the end of a run while the others have
    nothing to take (a company is never split). Ties keep the registry's order."""
    rows = conn.execute(
        "SELECT company, open_postings FROM company_open_postings WHERE company = ANY(%s)",
        ([c.slug for c in companies],),
    ).fetchall()
    open_postings = {row["company"]: row["open_postings"] for row in rows}
    known = [c for c in companies if c.slug in open_postings]
    return [c for c in companies if c.slug not in open_postings] + sorted(
        known, key=lambda c: -open_postings[c.slug]
    )


def take_company(conn: psycopg.Connection, run_id: str, company: str, worker: str) -> int | None:
    """Mark a queued company in progress on ``worker``: its attempt number, or None when
    it is not queued (already taken, finished or failed)."""
    row = conn.execute(
        """UPDATE run_companies
           SET state = 'in_progress', worker = %s, attempts = attempts + 1,
               started_at = now(), finished_at = NULL
           WHERE run_id = %s AND company = %s AND state = 'queued'
           RETURNING attempts""",
        (worker, run_id, company),
    ).fetchone()
    return row["attempts"] if row else None


def finish_company(
    conn: psycopg.Connection, run_id: str, company: str, worker: str, status: str, reason: str
) -> bool:
    """Record the outcome of a company ``worker`` holds; close the run when it was its
    last open company. False when the worker no longer held it (its lease was lost)."""
    if status not in FINAL_STATES:
        raise ValueError(f"not a final state: {status!r}")
    with conn.transaction():
        row = conn.execute(
            # An earlier attempt's fate (a lost lease) stays readable after the outcome.
            """UPDATE run_companies
               SET state = %s, finished_at = now(),
                   reason = CASE WHEN reason IS NULL THEN %s
                                 ELSE %s || ' (earlier: ' || reason || ')' END
               WHERE run_id = %s AND company = %s AND state = 'in_progress' AND worker = %s
               RETURNING company""",
            (status, reason, reason, run_id, company, worker),
        ).fetchone()
        _close_run_if_done(conn, run_id)
    return row is not None


def fail_company(
    conn: psycopg.Connection, run_id: str, company: str, reason: str, attempts: int | None = None
) -> bool:
    """Record an open company ``failed`` (it cannot be crawled, or too many attempts
    were lost; with ``attempts``, only if it was not taken again meanwhile); close the
    run when it was its last open company."""
    with conn.transaction():
        row = conn.execute(
            """UPDATE run_companies SET state = 'failed', reason = %s, finished_at = now()
               WHERE run_id = %s AND company = %s AND state IN ('queued', 'in_progress')
                 AND (%s::int IS NULL OR attempts = %s::int)
               RETURNING company""",
            (reason, run_id, company, attempts, attempts),
        ).fetchone()
        _close_run_if_done(conn, run_id)
    return row is not None


def _close_run_if_done(conn: psycopg.Connection, run_id: str) -> None:
    conn.execute(
        """UPDATE runs SET finished_at = now()
           WHERE id = %s AND finished_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM run_companies
                             WHERE run_id = %s AND state IN ('queued', 'in_progress'))""",
        (run_id, run_id),
    )


def requeue_company(
    conn: psycopg.Connection, run_id: str, company: str, attempts: int, reason: str
) -> dict[str, Any] | None:
    """Put an in-progress company whose lease expired back in the queue; its work item,
    or None when another reaper (or its worker) changed it first."""
    row = conn.execute(
        """UPDATE run_companies SET state = 'queued', reason = %s, queued_at = now()
           WHERE run_id = %s AND company = %s AND state = 'in_progress' AND attempts = %s
           RETURNING work_item""",
        (reason, run_id, company, attempts),
    ).fetchone()
    return row["work_item"] if row else None


def in_progress(conn: psycopg.Connection, platforms: Iterable[str]) -> list[dict[str, Any]]:
    """Companies in progress on these platforms, in runs still open, with their run's
    attempt limit."""
    return conn.execute(
        """SELECT rc.run_id, rc.company, rc.platform, rc.worker, rc.attempts, rc.work_item,
                  r.max_attempts
           FROM run_companies rc JOIN runs r ON r.id = rc.run_id
           WHERE rc.state = 'in_progress' AND rc.platform = ANY(%s)""",
        (list(platforms),),
    ).fetchall()


def stale_queued(
    conn: psycopg.Connection, platforms: Iterable[str], older_than_seconds: float
) -> list[dict[str, Any]]:
    """Companies queued for longer than this (their work item may have been lost from
    Redis, say by a Redis restart); touched, so that one reaper re-pushes them at a time."""
    return conn.execute(
        """UPDATE run_companies SET queued_at = now()
           WHERE state = 'queued' AND platform = ANY(%s)
             AND queued_at < now() - make_interval(secs => %s)
           RETURNING run_id, company, work_item""",
        (list(platforms), older_than_seconds),
    ).fetchall()


def open_work(conn: psycopg.Connection, platforms: Iterable[str] | None = None) -> int:
    """How many companies (of these platforms, or all) are queued or in progress."""
    if platforms is None:
        row = conn.execute(
            "SELECT count(*) AS n FROM run_companies WHERE state IN ('queued', 'in_progress')"
        ).fetchone()
    else:
        row = conn.execute(
            """SELECT count(*) AS n FROM run_companies
               WHERE state IN ('queued', 'in_progress') AND platform = ANY(%s)""",
            (list(platforms),),
        ).fetchone()
    return row["n"]


def platforms_with_work(conn: psycopg.Connection) -> list[str]:
    """Platforms with a company queued or in progress in some run."""
    rows = conn.execute(
        """SELECT DISTINCT platform FROM run_companies
           WHERE state IN ('queued', 'in_progress') ORDER BY platform"""
    ).fetchall()
    return [row["platform"] for row in rows]


def run_overview(conn: psycopg.Connection, limit: int = 10) -> list[dict[str, Any]]:
    """The newest runs: counts per state, the workers holding companies, elapsed time."""
    return conn.execute(
        """SELECT r.id, r.created_at, r.finished_at,
                  coalesce(r.finished_at, now()) - r.created_at AS elapsed,
                  count(rc.*) AS companies,
                  count(*) FILTER (WHERE rc.state = 'queued') AS queued,
                  count(*) FILTER (WHERE rc.state = 'in_progress') AS in_progress,
                  count(*) FILTER (WHERE rc.state = 'ok') AS ok,
                  count(*) FILTER (WHERE rc.state = 'partial') AS partial,
                  count(*) FILTER (WHERE rc.state = 'failed') AS failed,
                  coalesce(array_agg(rc.company || ' on ' || rc.worker ORDER BY rc.company)
                           FILTER (WHERE rc.state = 'in_progress'), '{}') AS working
           FROM runs r LEFT JOIN run_companies rc ON rc.run_id = r.id
           GROUP BY r.id ORDER BY r.created_at DESC, r.id DESC LIMIT %s""",
        (limit,),
    ).fetchall()


def run_companies(conn: psycopg.Connection, run_id: str) -> list[dict[str, Any]]:
    """Every company of one run, with its state, worker, attempts and reason."""
    return conn.execute(
        """SELECT company, platform, state, worker, attempts, reason, started_at, finished_at
           FROM run_companies WHERE run_id = %s ORDER BY platform, company""",
        (run_id,),
    ).fetchall()


def work_item_json(item: dict[str, Any]) -> str:
    """A work item as pushed onto Redis (stable key order)."""
    return json.dumps(item, sort_keys=True)
