"""`scrapy demo`: the README's offline crawl lands recorded postings in Postgres."""

from __future__ import annotations

from tests.support import query, run_scrapy


def test_demo_crawls_the_recordings_into_the_database(database_url):
    result = run_scrapy("demo", settings={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.log[-3000:]
    assert "requests with no recording" not in result.log
    assert "open postings from" in result.log
    counts = query(database_url, "SELECT company, count(*) AS n FROM open_postings GROUP BY 1")
    assert {row["company"]: row["n"] for row in counts} == {"anthropic": 4, "stripe": 3}
    statuses = query(database_url, "SELECT DISTINCT status FROM crawl_runs")
    assert statuses == [{"status": "ok"}]
