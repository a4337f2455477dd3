"""`scrapy demo`: the README's offline crawl lands recorded postings in Postgres."""

from __future__ import annotations

from crawler.commands.demo import demo_registry_text
from crawler.registry import load_registry
from tests.support import PROJECT_ROOT, query, run_scrapy


def test_demo_crawls_the_recordings_into_the_database(database_url, tmp_path):
    log_file = PROJECT_ROOT / ".data" / "logs" / "demo.log"
    logged_before = log_file.stat().st_size if log_file.exists() else 0
    result = run_scrapy("demo", settings={"DATABASE_URL": database_url}, quiet=True)
    assert result.returncode == 0, result.log[-3000:]
    assert "requests with no recording" not in result.log
    assert "open postings from" in result.log
    # Quiet by default: the table and where the log went, not Scrapy's INFO log.
    assert "] INFO:" not in result.log and len(result.log.splitlines()) < 40, result.log[:3000]
    assert f"Scrapy's log: {log_file}" in result.log
    with log_file.open(encoding="utf-8") as log:
        log.seek(logged_before)
        assert "Spider closed (finished)" in log.read()
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
