"""A first crawl keeps the planner's statistics of postings current: without them, every
per-company query of a crawl that fills an empty table keeps the plan made for an empty
table and walks the whole table (bench/README.md, "10x fleet")."""

from __future__ import annotations

import psycopg

from crawler.db.migrate import apply_migrations
from tests.support import query
from tests.test_completion import crawl, jobs

STATISTICS = """SELECT s.last_analyze, c.reltuples FROM pg_stat_user_tables s
                JOIN pg_class c ON c.oid = s.relid WHERE s.relid = 'postings'::regclass"""


def without_autovacuum(database_url: str) -> None:
    """Migrated, and whatever the server's autovacuum does, only the crawl may analyze
    postings."""
    apply_migrations(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE postings SET (autovacuum_enabled = false)")


def test_a_crawl_that_fills_an_empty_table_analyzes_it(replay, database_url):
    without_autovacuum(database_url)
    assert query(database_url, STATISTICS)[0]["last_analyze"] is None
    crawl(replay, database_url, jobs(list(range(1, 1501)))).assert_clean()
    statistics = query(database_url, STATISTICS)[0]
    assert statistics["last_analyze"] is not None
    assert statistics["reltuples"] >= 1000  # taken on a table with rows, not the empty one


def test_a_small_crawl_leaves_the_statistics_to_autovacuum(replay, database_url):
    without_autovacuum(database_url)
    crawl(replay, database_url, jobs(list(range(1, 101)))).assert_clean()
    assert query(database_url, STATISTICS)[0]["last_analyze"] is None
