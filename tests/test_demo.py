"""`scrapy demo`: the README's offline crawl lands recorded postings in Postgres."""

from __future__ import annotations

from crawler.commands.demo import demo_registry_text
from crawler.registry import load_registry
from tests.support import query, run_scrapy


def test_demo_crawls_the_recordings_into_the_database(database_url, tmp_path):
    result = run_scrapy("demo", settings={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.log[-3000:]
    assert "requests with no recording" not in result.log
    assert "open postings from" in result.log
    counts = query(database_url, "SELECT company, count(*) AS n FROM open_postings GROUP BY 1")
    counts = {row["company"]: row["n"] for row in counts}
    registry = tmp_path / "demo.toml"
    registry.write_text(demo_registry_text("http://127.0.0.1:1"))
    demo_companies = {c.slug for c in load_registry(registry)}
    assert set(counts) == demo_companies  # every demo company landed postings
    assert counts["anthropic"] == 4 and counts["stripe"] == 3
    statuses = query(database_url, "SELECT DISTINCT status FROM crawl_runs")
    assert statuses == [{"status": "ok"}]



def test_a_second_demo_finds_everything_unchanged(database_url):
    assert run_scrapy("demo", settings={"DATABASE_URL": database_url}).returncode == 0
    assert run_scrapy("demo", settings={"DATABASE_URL": database_url}).returncode == 0
    second = query(
        database_url,
        "SELECT DISTINCT ON (company) company, seen, new, updated, unchanged FROM crawl_runs "
        "ORDER BY company, id DESC",
    )
    assert second and all(
        (r["new"], r["updated"], r["unchanged"]) == (0, 0, r["seen"]) for r in second
    ), second
