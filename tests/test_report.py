"""`scrapy report`: the headline numbers and the weekly trend of a known history.

The database is seeded by two real Greenhouse crawls through the replay server (the
first moved 70 weeks into the past, the second closing one posting and finding a
new one), then by SQL for what a crawl cannot make: enrichment values fixed by hand,
and postings of an older history (first seen weeks ago, one closed since).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import psycopg
import pytest

from crawler.db import report as queries
from crawler.db.report import Trend
from crawler.report.data import Report, ai_role_growth, growth_sentence
from tests.support import fixture_text, run_scrapy

ANTHROPIC = "/v1/boards/anthropic/jobs"
STRIPE = "/v1/boards/stripe/jobs"
HISTORY_WEEKS = 70

# (role_family, seniority, is_ai_role, asks_for_ai, mentions_ai, ai_skills, workplace,
#  salary_min, salary_max, salary_currency, salary_period) per crawled posting
ENRICHED = {
    "4020305008": ("ai_ml", "senior", True, True, True, ["llm_inference", "pytorch"],
                   "hybrid", 300000, 405000, "USD", "year"),
    "4456789008": ("ai_ml", "senior", True, True, True, ["interpretability"],
                   "remote", 10000, None, "GBP", "month"),
    "4501122008": ("finance", None, False, False, False, [], None, None, None, None, None),
    "4510000008": ("ai_ml", "staff", True, True, True, ["llm_apis"], None,
                   None, None, None, None),
    "7011223": ("backend", "senior", False, False, True, [], "remote",
                200000, 240000, "USD", "year"),
    "7011224": ("backend", "mid", False, True, True, ["llm_apis"], "onsite",
                50, 70, "USD", "hour"),
    "7011225": (None, None, False, False, False, [], None, 5000, 5000, "USD", "week"),
    "7099999": ("frontend", "entry", False, False, False, [], None, None, None, None, None),
}  # fmt: skip
# Postings of an older history, not from any crawl: (id, weeks since first seen,
# weeks since closed or None, role_family, seniority, is_ai_role, asks, mentions, skills)
HISTORY = [
    ("hist-old", 60, 20, "backend", "mid", False, False, False, []),
    ("hist-ai", 10, None, "ai_ml", "staff", True, True, True, ["llm_apis", "pytorch"]),
    ("hist-frontend", 5, None, "frontend", "entry", False, False, False, []),
    ("hist-data", 3, None, "data", "mid", False, False, False, []),
]


def serve(replay, anthropic: dict, stripe: dict) -> None:
    replay.add(ANTHROPIC, anthropic, query={"content": "true"})
    replay.add(STRIPE, stripe, query={"content": "true"})


def crawl(replay, database_url) -> None:
    run_scrapy(
        "crawl", "greenhouse", "-a", "company=anthropic,stripe",
        settings={"DATABASE_URL": database_url, "GREENHOUSE_BASE_URL": replay.url,
                  "RETRY_TIMES": 0},
    ).assert_clean()  # fmt: skip


def seed_history(replay, database_url) -> None:
    anthropic = json.loads(fixture_text("greenhouse/anthropic_jobs.json"))
    stripe = json.loads(fixture_text("greenhouse/stripe_jobs.json"))
    serve(replay, anthropic, stripe)
    crawl(replay, database_url)
    shift = f"{HISTORY_WEEKS} weeks"
    query_all(database_url, [
        ("UPDATE postings SET first_seen_at = first_seen_at - %s::interval,"
         " last_seen_at = last_seen_at - %s::interval, updated_at = updated_at - %s::interval",
         (shift, shift, shift)),
        ("UPDATE crawl_runs SET started_at = started_at - %s::interval,"
         " finished_at = finished_at - %s::interval", (shift, shift)),
    ])  # fmt: skip

    # The second crawl: Developer Relations Lead is gone, a new Stripe job appears.
    anthropic["jobs"] = [j for j in anthropic["jobs"] if j["id"] != 4510000008]
    new_job = {
        **stripe["jobs"][0],
        "id": 7099999,
        "title": "Frontend Engineer, Checkout",
        "absolute_url": "https://stripe.com/jobs/listing/frontend-engineer/7099999",
    }
    stripe["jobs"].append(new_job)  # fmt: skip
    serve(replay, anthropic, stripe)
    crawl(replay, database_url)

    statements = []
    for external_id, values in ENRICHED.items():
        statements.append((
            """UPDATE postings SET role_family = %s, seniority = %s, is_ai_role = %s,
                   asks_for_ai = %s, mentions_ai = %s, ai_skills = %s, workplace = %s,
                   salary_min = %s, salary_max = %s, salary_currency = %s, salary_period = %s
               WHERE external_id = %s""",
            (*values, external_id),
        ))  # fmt: skip
    for ext_id, seen_weeks, closed_weeks, family, level, ai_role, asks, mentions, skills in HISTORY:
        statements.append((
            """INSERT INTO postings (platform, board, external_id, company, title, url,
                   first_seen_at, last_seen_at, closed_at, role_family, seniority, is_ai_role,
                   asks_for_ai, mentions_ai, ai_skills, content_hash)
               VALUES ('greenhouse', 'historyco', %s, 'historyco', %s, 'https://example.com/j',
                   now() - %s::interval, now(), now() - %s::interval, %s, %s, %s, %s, %s, %s,
                   'seeded')""",
            (ext_id, ext_id, f"{seen_weeks} weeks",
             None if closed_weeks is None else f"{closed_weeks} weeks",
             family, level, ai_role, asks, mentions, skills),
        ))  # fmt: skip
    query_all(database_url, statements)


def query_all(database_url: str, statements: list[tuple[str, tuple]]) -> None:
    with psycopg.connect(database_url) as conn:
        for statement, params in statements:
            conn.execute(statement, params)


@pytest.fixture
def seeded(replay, database_url) -> str:
    seed_history(replay, database_url)
    return database_url


def report_output(database_url: str, *args: str) -> str:
    result = run_scrapy("report", *args, settings={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log, result.log[-3000:]
    return result.log


def row(output: str, label: str, *cells: str) -> None:
    """A table row: the label, then exactly these cells, separated by runs of spaces."""
    pattern = r"^\s*" + re.escape(label) + "".join(r"\s+" + re.escape(c) for c in cells) + "$"
    assert re.search(pattern, output, re.MULTILINE), f"no row {label} {cells} in:\n{output}"


# --- the queries ----------------------------------------------------------------------


def test_queries_count_the_seeded_history(seeded):
    with queries.connect(seeded) as conn:
        headline = queries.headline(conn)
        assert headline["open_postings"] == 10
        assert headline["companies_tracked"] == 3
        assert (headline["asks_for_ai"], headline["mentions_ai"]) == (4, 5)
        assert headline["software"] == 8
        assert (headline["software_asks_for_ai"], headline["software_mentions_ai"]) == (4, 5)
        assert (headline["ai_roles"], headline["remote"]) == (3, 2)

        assert [(r["seniority"], r["postings"]) for r in queries.seniority_split(conn)] == [
            ("entry", 2), ("mid", 2), ("senior", 3), ("staff", 1), ("unknown", 2)
        ]  # fmt: skip
        pay = [(r["currency"], r["role_family"], r["postings"], r["median_annual"])
               for r in queries.median_pay(conn)]  # fmt: skip
        # GBP 10,000 a month; USD (300k+405k)/2; USD median of 220k and 60 an hour x 2080
        assert pay == [("GBP", "ai_ml", 1, 120000.0), ("USD", "ai_ml", 1, 352500.0),
                       ("USD", "backend", 2, 172400.0)]  # fmt: skip
        skills = [(r["skill"], r["postings"]) for r in queries.top_ai_skills(conn)]
        assert skills == [("llm_apis", 2), ("pytorch", 2), ("interpretability", 1),
                          ("llm_inference", 1)]  # fmt: skip

        mix = [(r["role_group"], r["seniority"], r["postings"])
               for r in queries.seniority_mix(conn)]  # fmt: skip
        assert mix == [
            ("AI/ML roles", "senior", 2), ("AI/ML roles", "staff", 1),
            ("other software roles", "entry", 2), ("other software roles", "mid", 2),
            ("other software roles", "senior", 1), ("non-software roles", "unknown", 2),
        ]  # fmt: skip
        pay_levels = [
            (r["currency"], r["seniority"], r["role_group"], r["postings"], r["median_annual"])
            for r in queries.median_pay_by_seniority(conn)
        ]
        assert pay_levels == [
            ("GBP", "senior", "AI/ML roles", 1, 120000.0),
            ("USD", "mid", "other software roles", 1, 124800.0),
            ("USD", "senior", "AI/ML roles", 1, 352500.0),
            ("USD", "senior", "other software roles", 1, 220000.0),
        ]  # fmt: skip

        change = queries.change_since_previous_crawl(conn)
        assert (change["new"], change["closed"], change["companies_recrawled"]) == (1, 1, 2)
        assert change["companies_first_crawl"] == 0


def test_weekly_trend_counts_postings_open_at_each_week_end(seeded):
    with queries.connect(seeded) as conn:
        total = queries.weekly_open_postings(conn, "total")
        ai = queries.weekly_open_postings(conn, "ai_role")
        families = queries.weekly_open_postings(conn, "role_family")
        together = queries.weekly_trends(conn, ["total", "ai_role", "role_family"])
    assert together == {"total": total, "ai_role": ai, "role_family": families}
    assert len(total.weeks) == HISTORY_WEEKS + 1  # from the first crawl's week to this one
    counts = total.series["all"]
    assert counts[0] == 7  # the first crawl's postings
    assert counts[-61] == 8  # + hist-old, first seen 60 weeks ago
    assert counts[-62] == 7
    assert counts[-22] == 8 and counts[-21] == 7  # hist-old closed 20 weeks ago
    assert counts[-11] == 8  # + hist-ai (10 weeks ago)
    assert counts[-2] == 10  # + hist-frontend, hist-data; Developer Relations still open
    assert counts[-1] == 10  # this week: one closed, one new
    assert counts[-53] == 8  # a year ago: the first crawl's 7 and hist-old
    assert total.year_over_year() == {"all": pytest.approx(0.25)}
    assert ai.series["AI/ML role"][-53] == 3 and ai.series["AI/ML role"][-1] == 3
    assert ai.series["AI/ML role"][-2] == 4  # Developer Relations (staff, AI) until now
    assert families.series["frontend"][-2:] == [1, 2]
    assert families.series["unknown"][-1] == 1


def test_year_over_year_needs_a_year_of_history(database_url, replay):
    serve(replay, json.loads(fixture_text("greenhouse/anthropic_jobs.json")),
          json.loads(fixture_text("greenhouse/stripe_jobs.json")))  # fmt: skip
    crawl(replay, database_url)
    with queries.connect(database_url) as conn:
        trend = queries.weekly_open_postings(conn, "seniority")
        change = queries.change_since_previous_crawl(conn)
    assert len(trend.weeks) == 1
    assert trend.year_over_year() == {}
    assert sum(counts[-1] for counts in trend.series.values()) == 7
    assert (change["companies_first_crawl"], change["first_crawl_postings"]) == (2, 7)
    assert change["new"] == 0
    output = report_output(database_url)
    flat = " ".join(output.split())  # notes wrap at 92 columns
    assert re.search(r"2\. \d+ AI/ML roles open in the week of [\d-]+; only one week stored,"
                     r" nothing to compare with yet", flat), output  # fmt: skip


def test_growth_falls_back_on_the_earliest_week_stored():
    weeks = [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]
    trend = Trend("ai_role", weeks, {"AI/ML role": [4, 5, 6], "other": [9, 9, 9]})
    report = Report(datetime(2026, 12, 1, tzinfo=UTC), {}, {}, {}, [], [], [], [],
                    trends={"ai_role": trend})  # fmt: skip
    growth = ai_role_growth(report)
    assert (growth.earlier_week, growth.earlier, growth.latest) == (weeks[0], 4, 6)
    assert growth_sentence(growth) == (
        "6 AI/ML roles open in the week of 2026-11-30, against 4 in the week of 2026-11-16"
        " (the earliest week stored): +50%"
    )


# --- the command ----------------------------------------------------------------------


def test_report_prints_the_headline_tables(seeded):
    output = report_output(seeded, "--weeks", "3")
    row(output, "companies tracked", "3")
    row(output, "open postings", "10")
    row(output, "asking for AI skills", "4", "40.0%")
    row(output, "mentioning AI", "5", "50.0%")
    row(output, "software postings", "8", "80.0%")
    row(output, "of which ask for AI skills", "4", "50.0%")
    row(output, "of which mention AI", "5", "62.5%")
    row(output, "AI/ML roles", "3", "30.0%")
    row(output, "remote", "2", "20.0%")
    row(output, "new", "1")
    row(output, "closed", "1")
    row(output, "senior", "3", "30.0%")
    row(output, "unknown", "2", "20.0%")
    row(output, "USD", "backend", "2", "172,400")
    row(output, "GBP", "ai_ml", "1", "120,000")
    row(output, "llm_apis", "2", "20.0%")
    # trend: the last 3 weeks, then the change against 52 weeks before
    row(output, "all", "10", "10", "10", "+25%")
    row(output, "AI/ML role", "4", "4", "3", "+0%")
    row(output, "other", "6", "6", "7", "+40%")
    assert "Open postings per week: role family" in output


def test_report_leads_with_the_articles_numbers(seeded):
    output = report_output(seeded)
    assert "1. 50.0% of open software postings ask for AI skills (4 of 8)" in output
    flat = " ".join(output.split())  # notes wrap at 92 columns
    growth = (r"2\. 3 AI/ML roles open in the week of [\d-]+, against 3 in the week"
              r" of [\d-]+ \(the same week a year earlier\): \+0%")  # fmt: skip
    assert re.search(growth, flat), output
    # seniority inversion: AI/ML roles beside the other software roles, shares of each
    row(output, "entry", "0", "0.0%", "2", "40.0%")
    row(output, "senior", "2", "66.7%", "1", "20.0%")
    row(output, "staff", "1", "33.3%", "0", "0.0%")
    # pay by seniority, each median with the postings it rests on
    row(output, "USD", "senior", "352,500 (n=1)", "220,000 (n=1)")
    row(output, "USD", "mid", "124,800 (n=1)")
    assert "How far to trust them" in output


def test_report_columns_are_aligned(seeded):
    output = report_output(seeded)
    block = output.split("\nSeniority\n", 1)[1].split("\n\n", 1)[0].splitlines()
    header, rule, *rows = block
    assert set(rule.strip()) == {"-", " "} or set(rule.strip()) == {"-"}
    postings_end = header.index("postings") + len("postings")
    assert len(rows) == 5
    for line in rows:  # numbers are right-aligned under their header
        number = re.match(r"^\s*\S+\s+([\d,]+)", line)
        assert number and number.end(1) == postings_end, block
        assert len(line) == len(rows[0]), block


def test_empty_database_gets_a_message_not_a_traceback(database_url, empty_database_url):
    output = report_output(database_url)
    assert "No postings in the database yet" in output
    output = report_output(empty_database_url)
    assert "no careers-crawler schema yet" in output
    assert "scrapy migrate" in output
