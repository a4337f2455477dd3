"""Schema migrations: idempotent, safe when two crawls start at once, contract columns."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from crawler.db.migrate import apply_migrations, available_migrations
from crawler.db.postings import POSTING_COLUMNS
from tests.support import query, run_scrapy

CONTRACT_POSTING_COLUMNS = {
    "id", "platform", "board", "external_id", "company", "title", "url", "apply_url",
    "department", "team", "locations", "countries", "workplace", "employment_type",
    "seniority", "role_family", "is_ai_role", "mentions_ai", "asks_for_ai", "ai_skills",
    "salary_min", "salary_max", "salary_currency", "salary_period", "description_html",
    "description_text", "posted_at", "source_updated_at", "first_seen_at", "last_seen_at",
    "closed_at", "content_hash",
}  # fmt: skip


def columns(url: str, table: str) -> set[str]:
    rows = query(url, "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                 (table,))  # fmt: skip
    return {r["column_name"] for r in rows}


def test_migrations_produce_the_contract_schema(empty_database_url):
    applied = apply_migrations(empty_database_url)
    assert [m.version for m in applied] == [m.version for m in available_migrations()]
    assert columns(empty_database_url, "postings") >= CONTRACT_POSTING_COLUMNS
    assert set(POSTING_COLUMNS) <= columns(empty_database_url, "postings")  # what the code writes
    assert {"slug", "name", "platform", "board", "careers_url"} <= columns(
        empty_database_url, "companies"
    )
    assert {"spider", "company", "started_at", "finished_at", "status", "seen", "new", "updated",
            "unchanged", "closed", "dropped", "errors"} <= columns(empty_database_url,
                                                                   "crawl_runs")  # fmt: skip
    assert columns(empty_database_url, "open_postings") >= CONTRACT_POSTING_COLUMNS


def test_migrating_again_applies_nothing(empty_database_url):
    apply_migrations(empty_database_url)
    assert apply_migrations(empty_database_url) == []


def test_two_crawls_migrating_at_once_both_succeed(empty_database_url):
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(apply_migrations, [empty_database_url] * 4))
    assert sum(len(r) for r in results) == len(available_migrations())
    versions = query(empty_database_url, "SELECT version FROM schema_migrations ORDER BY 1")
    assert [v["version"] for v in versions] == [m.version for m in available_migrations()]


def test_scrapy_migrate_command(empty_database_url):
    result = run_scrapy("migrate", settings={"DATABASE_URL": empty_database_url})
    assert result.returncode == 0, result.log
    assert "schema is at version" in result.log
    assert "postings" in {
        r["table_name"]
        for r in query(
            empty_database_url,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
    }
    again = run_scrapy("migrate", settings={"DATABASE_URL": empty_database_url})
    assert "(0 applied now)" in again.log
