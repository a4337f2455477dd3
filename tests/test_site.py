"""The site's reads (crawler/db/site.py): right rows, and served by migration 0008's
indexes on a table with realistic rows and fresh statistics (never timed here:
bench/bench_queries.py times them)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
import pytest

from bench.bench_queries import SITE_QUERIES, fill_postings, vacuum_analyze
from crawler.db.site import (
    PostingFilters,
    like_escape,
    open_counts_by_company,
    open_postings_page,
    search_titles,
    tagged_postings,
)
from tests.support import query

# Enough rows that a sequential scan is expensive and the planner's estimates are real.
TABLE_POSTINGS = 40_000
TABLE_COMPANIES = 400

# Which index each site query must use (the plan may use others too).
EXPECTED_INDEX = {
    "newest open postings": "postings_open_newest",
    "asks for AI, US, senior": "postings_open_newest",
    "AI roles, remote": "postings_open_ai_roles_newest",
    "backend, hybrid, Germany": "postings_open_filters",
    "entry-level data, mentions AI": "postings_open_filters",
    "tag llm, GB, staff": "postings_open_filters",
    "tagged pytorch": "postings_open_newest",
    "title ILIKE '%compiler%'": "postings_open_title_trgm",
    "one company's postings": "postings_company_open",
}
# Counts per company read the counts the database keeps (migration 0009), a row per
# company: scanning that small table is right; reading postings is not.
COUNTS_TABLE = {"counts per company": "company_open_postings"}


def test_migration_creates_the_site_indexes(database_url):
    indexes = {
        row["indexname"]: row["indexdef"]
        for row in query(
            database_url, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'postings'"
        )
    }
    for name in ("postings_open_newest", "postings_open_ai_roles_newest",
                 "postings_open_filters", "postings_open_title_trgm"):  # fmt: skip
        assert name in indexes, f"migration 0008 did not create {name}"
        assert "(closed_at IS NULL)" in indexes[name].split(" WHERE ", 1)[1], indexes[name]
    assert "USING gin (countries, ai_skills, seniority" in indexes["postings_open_filters"]
    assert "gin_trgm_ops" in indexes["postings_open_title_trgm"]


@pytest.fixture(scope="module")
def site_table(pg_server_url, template_database):
    """One filled table for this module's tests (filling it takes seconds)."""
    from tests.conftest import _create_database, _drop_database

    name = f"cc_site_{uuid.uuid4().hex[:12]}"
    url = _create_database(pg_server_url, name, template=template_database)
    with psycopg.connect(url, autocommit=True) as conn:
        fill_postings(conn, TABLE_POSTINGS, TABLE_COMPANIES, description_words=300)
        vacuum_analyze(conn)
    yield url
    _drop_database(pg_server_url, name)


def plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes += plan_nodes(child)
    return nodes


def planned_nodes(url: str, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    statement = next(q for q in SITE_QUERIES if q.name == name).statement()
    with psycopg.connect(url) as conn:
        raw = conn.execute(b"EXPLAIN (FORMAT JSON) " + statement.as_bytes(conn)).fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    return plan, plan_nodes(plan)


@pytest.mark.parametrize("name", sorted(COUNTS_TABLE))
def test_counts_read_the_counts_table_not_postings(site_table, name):
    plan, nodes = planned_nodes(site_table, name)
    relations = {node["Relation Name"] for node in nodes if "Relation Name" in node}
    assert relations == {COUNTS_TABLE[name]}, json.dumps(plan, indent=1)


@pytest.mark.parametrize("name", sorted(EXPECTED_INDEX))
def test_the_planner_uses_the_indexes(site_table, name):
    plan, nodes = planned_nodes(site_table, name)
    used = {node.get("Index Name") for node in nodes}
    assert EXPECTED_INDEX[name] in used, json.dumps(plan, indent=1)
    assert not any(node["Node Type"] == "Seq Scan" for node in nodes), json.dumps(plan, indent=1)


def all_open(url: str) -> list[dict[str, Any]]:
    return query(url, "SELECT * FROM open_postings ORDER BY first_seen_at DESC, id DESC")


def test_filters_return_the_newest_matching_open_postings(site_table):
    rows = all_open(site_table)
    filters = PostingFilters(country="us", seniority="senior", asks_for_ai=True)
    expected = [
        r["id"]
        for r in rows
        if "US" in r["countries"] and r["seniority"] == "senior" and r["asks_for_ai"]
    ]
    with psycopg.connect(site_table) as conn:
        page = open_postings_page(conn, filters, limit=20)
        pytorch = tagged_postings(conn, "pytorch", limit=10)
        titled = search_titles(conn, "Machine LEARNING", limit=10)
        counts = open_counts_by_company(conn)
    assert [r["id"] for r in page] == expected[:20]
    assert [r["id"] for r in pytorch] == [r["id"] for r in rows if "pytorch" in r["ai_skills"]][:10]
    assert [r["id"] for r in titled] == [
        r["id"] for r in rows if "machine learning" in r["title"].lower()
    ][:10]
    assert len(titled) == 10
    assert sum(c["open_postings"] for c in counts) == len(rows) == TABLE_POSTINGS
    assert counts == sorted(counts, key=lambda c: (-c["open_postings"], c["company"]))


def test_a_title_search_takes_its_words_literally(site_table):
    assert like_escape("100%_done\\") == "100\\%\\_done\\\\"
    with psycopg.connect(site_table) as conn:
        assert search_titles(conn, "%") == []  # no title holds a percent sign
        assert search_titles(conn, "Engineer_") == []
