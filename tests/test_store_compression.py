"""Descriptions are stored lz4-compressed where the server has lz4: two thirds of pglz's
server CPU for each write (bench/README.md, "The database's share"). A server built
without lz4 (the embedded one) keeps pglz, and the crawl works the same."""

from __future__ import annotations

import html
import random

from tests.support import query
from tests.test_completion import crawl, jobs

HAS_LZ4 = """SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings
             WHERE name = 'default_toast_compression'"""


def long_description(seed: int) -> str:
    """~6 KB of varied prose: long enough that Postgres compresses it."""
    rng = random.Random(seed)
    words = ["build", "operate", "services", "Python", "Postgres", "customers", "teams",
             "design", "review", "ship", "latency", "reliable", "mentor", "on-call"]  # fmt: skip
    paragraphs = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(16)]
    return html.escape("".join(f"<p>{p}.</p>" for p in paragraphs))


def test_descriptions_are_stored_with_lz4_where_the_server_has_it(replay, database_url):
    board = jobs([1, 2, 3])
    for job in board["jobs"]:
        job["content"] = long_description(job["id"])
    crawl(replay, database_url, board).assert_clean()

    expected = "lz4" if query(database_url, HAS_LZ4)[0]["lz4"] else "pglz"
    stored = query(
        database_url,
        """SELECT pg_column_compression(description_html) AS html,
                  pg_column_compression(description_text) AS text FROM postings""",
    )
    assert len(stored) == 3
    assert {method for row in stored for method in (row["html"], row["text"])} == {expected}
