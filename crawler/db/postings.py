"""Named operations on postings, companies and crawl runs (async, psycopg 3).

Writes are batched: a batch is COPYed into a temporary table, then one
``INSERT ... ON CONFLICT DO UPDATE ... WHERE content_hash IS DISTINCT FROM`` rewrites
only new or changed rows, and one bulk UPDATE moves ``last_seen_at`` of the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from psycopg import AsyncConnection, sql
from psycopg.types.json import Jsonb

from crawler.registry import Company

if TYPE_CHECKING:
    from crawler.detect import BoardSearch

# Stored columns a crawl writes, in COPY order (identity first).
POSTING_COLUMNS: tuple[str, ...] = (
    "platform", "board", "external_id", "company", "title", "url", "apply_url",
    "department", "team", "locations", "countries", "workplace", "employment_type",
    "seniority", "role_family", "is_ai_role", "mentions_ai", "asks_for_ai", "ai_skills",
    "ai_evidence", "salary_min", "salary_max", "salary_currency", "salary_period",
    "description_html", "description_text", "posted_at", "source_updated_at",
    "source_hash", "same_job_key", "content_hash",
)  # fmt: skip
# alternate_ids is not written by the upsert: the same-job merge at a company's finish
# owns it (merge_same_job), so a rewrite of the kept posting never loses them.
IDENTITY_COLUMNS = ("platform", "board", "external_id")
JSON_COLUMNS = frozenset({"ai_evidence"})


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


BoardKey = tuple[str, str]


@dataclass(frozen=True)
class CrawlRun:
    spider: str
    company: str
    platform: str
    board: str
    started_at: datetime
    status: str
    reason: str
    seen: int
    new: int
    updated: int
    unchanged: int
    closed: int
    dropped: int
    errors: int
    run_id: str | None = None
    board_search: BoardSearch | None = None  # the careers page read after a failed board


async def database_now(conn: AsyncConnection) -> datetime:
    """The database's clock: every seen/closed decision uses this one clock."""
    row = await (await conn.execute("SELECT now()")).fetchone()
    return row[0]


def _row_values(row: dict[str, Any]) -> list[Any]:
    return [Jsonb(row[c]) if c in JSON_COLUMNS else row[c] for c in POSTING_COLUMNS]


_COLUMNS = sql.SQL(", ").join(map(sql.Identifier, POSTING_COLUMNS))
# Only the written columns, no constraints: the real table checks them on INSERT.
_CREATE_INCOMING = sql.SQL(
    "CREATE TEMP TABLE IF NOT EXISTS incoming_postings ON COMMIT DELETE ROWS "
    "AS SELECT {columns} FROM postings WITH NO DATA"
).format(columns=_COLUMNS)
_IDENTITY_MATCH = sql.SQL(" AND ").join(
    sql.SQL("p.{c} = i.{c}").format(c=sql.Identifier(c)) for c in IDENTITY_COLUMNS
)
_UPSERT = sql.SQL(
    """
    WITH written AS (
        INSERT INTO postings ({columns})
        SELECT DISTINCT ON (platform, board, external_id) {columns} FROM incoming_postings
        ON CONFLICT (platform, board, external_id) DO UPDATE SET
            {assignments}, last_seen_at = now(), updated_at = now(), closed_at = NULL
        WHERE postings.content_hash IS DISTINCT FROM EXCLUDED.content_hash
           OR postings.closed_at IS NOT NULL
        RETURNING platform, board, (xmax = 0) AS inserted
    )
    SELECT platform, board, count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
    FROM written GROUP BY platform, board
    """
).format(
    columns=_COLUMNS,
    assignments=sql.SQL(", ").join(
        sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c))
        for c in POSTING_COLUMNS
        if c not in IDENTITY_COLUMNS
    ),
)
_TOUCH_UNCHANGED = sql.SQL(
    """
    UPDATE postings p SET last_seen_at = now()
    FROM incoming_postings i
    WHERE {match} AND p.content_hash = i.content_hash
      AND p.closed_at IS NULL AND p.last_seen_at < now()
    RETURNING p.platform, p.board
    """
).format(match=_IDENTITY_MATCH)


async def upsert_postings(
    conn: AsyncConnection, rows: Sequence[dict[str, Any]]
) -> dict[BoardKey, UpsertCounts]:
    """Write a batch of postings in one transaction; only new and changed rows are
    rewritten. Returns the counts per (platform, board)."""
    counts: dict[BoardKey, UpsertCounts] = defaultdict(UpsertCounts)
    if not rows:
        return counts
    async with conn.transaction():
        await conn.execute(_CREATE_INCOMING)
        async with conn.cursor() as cur:
            copy_sql = sql.SQL("COPY incoming_postings ({}) FROM STDIN").format(_COLUMNS)
            async with cur.copy(copy_sql) as copy:
                for row in rows:
                    await copy.write_row(_row_values(row))
            await cur.execute(_UPSERT)
            written = 0
            for platform, board, new, updated in await cur.fetchall():
                counts[(platform, board)].new += new
                counts[(platform, board)].updated += updated
                written += new + updated
            if written == len({tuple(row[c] for c in IDENTITY_COLUMNS) for row in rows}):
                # Every posting was new or changed (a first crawl's batches): none is
                # left to touch, and the join below would scan postings for nothing.
                return counts
            await cur.execute(_TOUCH_UNCHANGED)
            for platform, board in await cur.fetchall():
                counts[(platform, board)].unchanged += 1
    return counts


async def touch_seen(
    conn: AsyncConnection, identities: Sequence[tuple[str, str, str]]
) -> dict[BoardKey, int]:
    """Move ``last_seen_at`` of open postings whose source was unchanged, in one
    statement; returns how many per (platform, board)."""
    counts: dict[BoardKey, int] = defaultdict(int)
    if not identities:
        return counts
    platforms, boards, ids = (list(column) for column in zip(*identities, strict=True))
    cur = await conn.execute(
        """UPDATE postings p SET last_seen_at = now()
           FROM unnest(%s::text[], %s::text[], %s::text[]) AS i(platform, board, external_id)
           WHERE p.platform = i.platform AND p.board = i.board
             AND p.external_id = i.external_id AND p.closed_at IS NULL
           RETURNING p.platform, p.board""",
        (platforms, boards, ids),
    )
    for platform, board in await cur.fetchall():
        counts[(platform, board)] += 1
    return counts


async def touch_postings(
    conn: AsyncConnection, platform: str, board: str, external_ids: Iterable[str]
) -> int:
    """Mark postings as still listed without rewriting them (e.g. listed but malformed)."""
    ids = list(external_ids)
    if not ids:
        return 0
    cur = await conn.execute(
        """UPDATE postings SET last_seen_at = now()
           WHERE platform = %s AND board = %s AND external_id = ANY(%s)
             AND closed_at IS NULL""",
        (platform, board, ids),
    )
    return cur.rowcount


@dataclass
class StoredSources:
    """What a re-crawl needs to recognise a board's unchanged postings."""

    # external_id -> (source_hash, same_job_key) of open postings with no alternates
    by_external_id: dict[str, tuple[str, str | None]]
    # "board:external_id" of listings merged into another open posting of the company
    alternates: frozenset[str]


async def stored_sources(
    conn: AsyncConnection, platform: str, board: str, company: str
) -> StoredSources:
    cur = await conn.execute(
        """SELECT external_id, source_hash, same_job_key FROM postings
           WHERE platform = %s AND board = %s AND closed_at IS NULL
             AND source_hash IS NOT NULL""",
        (platform, board),
    )
    by_id = {row[0]: (row[1], row[2]) for row in await cur.fetchall()}
    cur = await conn.execute(
        """SELECT DISTINCT unnest(alternate_ids) FROM postings
           WHERE company = %s AND closed_at IS NULL AND alternate_ids <> '{}'""",
        (company,),
    )
    alternates = frozenset(row[0] for row in await cur.fetchall())
    return StoredSources(by_id, alternates)


async def same_job_keepers(conn: AsyncConnection, company: str) -> dict[str, tuple[str, str]]:
    """same_job_key -> (board, external_id) of the company's open posting that keeps
    that job: the one stored earliest, then the smallest external id."""
    cur = await conn.execute(
        """SELECT DISTINCT ON (same_job_key) same_job_key, board, external_id
           FROM postings
           WHERE company = %s AND closed_at IS NULL AND same_job_key IS NOT NULL
           ORDER BY same_job_key, first_seen_at, length(external_id), external_id""",
        (company,),
    )
    return {row[0]: (row[1], row[2]) for row in await cur.fetchall()}


async def merge_same_job(
    conn: AsyncConnection,
    platform: str,
    alternates: dict[tuple[str, str], set[str]],
) -> int:
    """Add the identities ("board:external_id") a kept posting is also listed under to
    its ``alternate_ids``, and mark it seen (it is listed, under another id at least)."""
    if not alternates:
        return 0
    boards, ids, extra = [], [], []
    for (board, external_id), identities in alternates.items():
        boards.append(board)
        ids.append(external_id)
        extra.append(",".join(sorted(identities)))
    cur = await conn.execute(
        """UPDATE postings p SET
               alternate_ids = ARRAY(SELECT DISTINCT unnest(
                   p.alternate_ids || string_to_array(i.extra, ',')) ORDER BY 1),
               last_seen_at = now()
           FROM unnest(%s::text[], %s::text[], %s::text[]) AS i(board, external_id, extra)
           WHERE p.platform = %s AND p.board = i.board AND p.external_id = i.external_id""",
        (boards, ids, extra, platform),
    )
    return cur.rowcount


async def delete_retracted(
    conn: AsyncConnection,
    platform: str,
    identities: Iterable[tuple[str, str]],
    since: datetime,
) -> int:
    """Remove postings first stored in this crawl that lost the same-job choice to
    another listing of the same job (their ids live on in its alternate_ids)."""
    pairs = list(identities)
    if not pairs:
        return 0
    boards, ids = (list(column) for column in zip(*pairs, strict=True))
    cur = await conn.execute(
        """DELETE FROM postings p
           USING unnest(%s::text[], %s::text[]) AS i(board, external_id)
           WHERE p.platform = %s AND p.board = i.board AND p.external_id = i.external_id
             AND p.first_seen_at >= %s""",
        (boards, ids, platform, since),
    )
    return cur.rowcount


async def count_open_before(
    conn: AsyncConnection, platform: str, board: str, crawl_started_at: datetime
) -> int:
    cur = await conn.execute(
        """SELECT count(*) FROM postings
           WHERE platform = %s AND board = %s AND closed_at IS NULL
             AND first_seen_at < %s""",
        (platform, board, crawl_started_at),
    )
    return (await cur.fetchone())[0]


async def close_missing_postings(
    conn: AsyncConnection, platform: str, board: str, crawl_started_at: datetime
) -> int:
    """Close the board's open postings that this crawl (started then) did not see."""
    cur = await conn.execute(
        """UPDATE postings SET closed_at = now()
           WHERE platform = %s AND board = %s AND closed_at IS NULL
             AND last_seen_at < %s""",
        (platform, board, crawl_started_at),
    )
    return cur.rowcount


async def close_moved_away(
    conn: AsyncConnection, company: str, platform: str, board: str
) -> int:
    """Close the company's open postings on any other board: the registry moved it
    (an accepted board move), and only its current board is crawled from now on."""
    cur = await conn.execute(
        """UPDATE postings SET closed_at = now()
           WHERE company = %s AND closed_at IS NULL
             AND (platform, board) IS DISTINCT FROM (%s, %s)""",
        (company, platform, board),
    )
    return cur.rowcount


# The planner's statistics of postings are stale once the table holds more than twice
# the pages it held when they were taken (and more than 64 pages, 512 KB): a first crawl
# analyzes the growing table each time it doubles (8 times up to 138,060 postings, about
# 2 s in all), not at every batch. The table's size is read from the file, so every
# worker sees it at once (the cumulative counters autovacuum reads lag by seconds).
STALE_STATISTICS_MIN_PAGES = 64
# One session analyzes at a time; the others go on writing (pg_try_advisory_xact_lock).
_ANALYZE_LOCK = 0x6A6F6273_616E616C  # "jobsanal"


async def refresh_statistics(conn: AsyncConnection) -> bool:
    """ANALYZE postings when it has more than doubled since its statistics were taken;
    True when it did.

    A first crawl fills postings from empty, and without this every per-company query
    keeps the plan made for an empty table (psycopg prepares a statement after five
    runs): at 138,060 postings each company's closing and same-job reads walked the
    whole table, 70 ms apiece. Autovacuum analyzes too when it is on, but it wakes once
    a minute and may be off (it is off on the Postgres of our CI machine).
    """
    row = await (
        await conn.execute(
            """SELECT pg_relation_size(c.oid) / current_setting('block_size')::int, c.relpages
               FROM pg_class c WHERE c.oid = 'postings'::regclass"""
        )
    ).fetchone()
    pages, pages_analyzed = row
    if pages <= max(STALE_STATISTICS_MIN_PAGES, 2 * pages_analyzed):
        return False
    async with conn.transaction():
        locked = await (
            await conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (_ANALYZE_LOCK,))
        ).fetchone()
        if not locked[0]:
            return False
        await conn.execute("ANALYZE postings")
    return True


async def upsert_company(conn: AsyncConnection, company: Company) -> None:
    await conn.execute(
        """INSERT INTO companies (slug, name, platform, board, careers_url)
           VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (slug) DO UPDATE SET
               name = EXCLUDED.name, platform = EXCLUDED.platform, board = EXCLUDED.board,
               careers_url = EXCLUDED.careers_url, updated_at = now()
           WHERE (companies.name, companies.platform, companies.board, companies.careers_url)
                 IS DISTINCT FROM
                 (EXCLUDED.name, EXCLUDED.platform, EXCLUDED.board, EXCLUDED.careers_url)""",
        (company.slug, company.name, company.platform, company.board, company.careers_url),
    )


async def record_crawl_run(conn: AsyncConnection, run: CrawlRun) -> None:
    search = run.board_search
    found = search.found if search else None
    await conn.execute(
        """INSERT INTO crawl_runs (spider, company, platform, board, started_at, status,
               reason, seen, new, updated, unchanged, closed, dropped, errors, run_id,
               board_search_url, board_search_note, proposed_platform, proposed_board,
               proposed_careers_url)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                   %s, %s, %s, %s, %s)""",
        (
            run.spider, run.company, run.platform, run.board, run.started_at, run.status,
            run.reason, run.seen, run.new, run.updated, run.unchanged, run.closed,
            run.dropped, run.errors, run.run_id,
            search and search.url, search and search.note,
            found and found.platform, found and found.board, found and found.evidence,
        ),
    )  # fmt: skip
