"""The site's reads (crawler/db/site.py) on a postings table at ten times the fleet.

    .venv/bin/python bench/bench_queries.py [--postings 138060] [--companies 1180]
                                            [--repeat 15] [--markdown FILE]

Fills a fresh, migrated database (on BENCH_DATABASE_URL or TEST_DATABASE_URL) with
``--postings`` open postings (and a tenth as many closed ones, the table's history),
generated in SQL with generate_series under realistic shares (half in the US, a
quarter senior, 42% mentioning AI, ~4% of titles on machine learning, 0.5% on compilers, ~5 KB
descriptions drawn from a pool, so rows are as wide as real ones), VACUUM ANALYZEs
it, then runs each query of SITE_QUERIES ``--repeat`` times and prints the median
and the plan (EXPLAIN ANALYZE). Each target is under 10 ms. The database is dropped
at the end. A script, never a test: tests/test_site.py checks the plans, not times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from psycopg import sql

from bench.common import BenchDatabases, server_url
from crawler.db.site import (
    OPEN_COUNTS_BY_COMPANY,
    PostingFilters,
    open_postings_query,
)

TARGET_MS = 10.0


@dataclass(frozen=True)
class SiteQuery:
    name: str
    statement: Callable[[], sql.Composable]


SITE_QUERIES: tuple[SiteQuery, ...] = (
    SiteQuery("newest open postings", lambda: open_postings_query(PostingFilters())),
    SiteQuery("asks for AI, US, senior", lambda: open_postings_query(
        PostingFilters(country="US", seniority="senior", asks_for_ai=True))),
    SiteQuery("AI roles, remote", lambda: open_postings_query(
        PostingFilters(is_ai_role=True, workplace="remote"))),
    SiteQuery("backend, hybrid, Germany", lambda: open_postings_query(
        PostingFilters(country="DE", workplace="hybrid", role_family="backend"))),
    SiteQuery("entry-level data, mentions AI", lambda: open_postings_query(
        PostingFilters(seniority="entry", role_family="data", mentions_ai=True))),
    SiteQuery("tag llm, GB, staff", lambda: open_postings_query(
        PostingFilters(ai_skill="llm", country="GB", seniority="staff"))),
    SiteQuery("tagged pytorch", lambda: open_postings_query(PostingFilters(ai_skill="pytorch"))),
    SiteQuery("title ILIKE '%machine learning%'", lambda: open_postings_query(
        PostingFilters(title_contains="machine learning"))),
    SiteQuery("title ILIKE '%compiler%'", lambda: open_postings_query(
        PostingFilters(title_contains="compiler"))),
    SiteQuery("one company's postings", lambda: open_postings_query(
        PostingFilters(company="company0042"))),
    SiteQuery("counts per company", lambda: OPEN_COUNTS_BY_COMPANY),
)  # fmt: skip


# Weighted picks in SQL: r is a uniform draw per row; the thresholds are cumulative.
def pick(draw: str, choices: list[tuple[str | None, float]]) -> str:
    cases, total = [], 0.0
    for value, share in choices:
        total += share
        literal = "NULL" if value is None else "'" + value.replace("'", "''") + "'"
        cases.append(f"WHEN {draw} < {total:.4f} THEN {literal}")
    return f"(CASE {' '.join(cases)} ELSE NULL END)"


COUNTRIES = [("US", 0.48), ("GB", 0.1), ("IN", 0.08), ("DE", 0.06), ("CA", 0.05),
             ("FR", 0.04), ("IE", 0.03), ("NL", 0.03), ("PL", 0.03), ("SG", 0.03),
             ("AU", 0.02), ("JP", 0.02), ("BR", 0.02), ("ES", 0.02)]  # fmt: skip
WORKPLACES = [("onsite", 0.45), ("hybrid", 0.3), ("remote", 0.17), (None, 0.08)]
SENIORITIES = [(None, 0.3), ("senior", 0.25), ("mid", 0.1), ("entry", 0.06), ("staff", 0.08),
               ("principal", 0.03), ("manager", 0.08), ("director", 0.05), ("intern", 0.03),
               ("executive", 0.02)]  # fmt: skip
# (role family, title stem): machine learning titles are about 4% of all.
ROLES = [("backend", "Backend Engineer", 0.14), ("backend", "Software Engineer", 0.115),
         ("backend", "Compiler Engineer", 0.005),
         ("frontend", "Frontend Engineer", 0.06), ("fullstack", "Full Stack Engineer", 0.05),
         ("mobile", "iOS Engineer", 0.02), ("infrastructure", "Platform Engineer", 0.05),
         ("sre", "Site Reliability Engineer", 0.03), ("security", "Security Engineer", 0.03),
         ("data", "Data Engineer", 0.05), ("data", "Data Scientist", 0.03),
         ("ai_ml", "Machine Learning Engineer", 0.03), ("ai_ml", "Research Scientist", 0.02),
         ("ai_ml", "Applied Machine Learning Scientist", 0.01),
         ("engineering_management", "Engineering Manager", 0.04),
         ("product", "Product Manager", 0.06), ("design", "Product Designer", 0.03),
         ("sales", "Account Executive", 0.1), ("marketing", "Marketing Manager", 0.04),
         ("operations", "Recruiter", 0.05), ("other", "Nurse Practitioner", 0.04)]  # fmt: skip
TEAMS = ["Payments", "Platform", "Growth", "Infrastructure", "Search", "Ads", "Core",
         "Identity", "Developer Experience", "Data Platform", "Enterprise", "Mobile",
         "Trust & Safety", "Billing", "Inference", "Training", "Risk", "Checkout"]  # fmt: skip
AI_TAGS = [("llm", 0.45), ("ai-general", 0.5), ("machine-learning", 0.3), ("pytorch", 0.12),
           ("rag", 0.1), ("ai-agents", 0.08), ("deep-learning", 0.1), ("mlops", 0.06),
           ("tensorflow", 0.05), ("computer-vision", 0.04), ("nlp", 0.05),
           ("llm-frameworks", 0.06), ("vector-search", 0.04)]  # fmt: skip
_WORD_TEXT = (
    "we build reliable services customers teams python go java postgres kafka design review"
    " ship small changes often ownership mentor engineers product infrastructure cloud"
    " kubernetes observability data pipelines benefits health insurance parental leave"
    " equity salary remote hybrid office collaborate clear writing experience years scale"
    " millions requests latency security privacy"
)
WORDS = _WORD_TEXT.split()


def fill_postings(conn: psycopg.Connection, postings: int, companies: int,
                  description_words: int = 700, seed: float = 0.42) -> None:  # fmt: skip
    """Insert ``postings`` open postings (and a tenth as many closed) into an empty,
    migrated database; deterministic for a seed. The counts per company
    (company_open_postings) are kept by the same triggers as the store's writes."""
    roles = [(family, stem, share) for family, stem, share in ROLES]
    role_index = pick("d.role", [(str(i + 1), share) for i, (_, _, share) in enumerate(roles)])
    families = "ARRAY[" + ",".join(f"'{f}'" for f, _, _ in roles) + "]"
    stems = "ARRAY[" + ",".join(f"'{s}'" for _, s, _ in roles) + "]"
    teams = "ARRAY[" + ",".join("'" + t.replace("'", "''") + "'" for t in TEAMS) + "]"
    tags = ", ".join(
        f"CASE WHEN r.mentions AND random() < {share} THEN '{tag}' END" for tag, share in AI_TAGS
    )
    words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    total = postings + postings // 10
    conn.execute("SELECT setseed(%s)", (seed,))
    conn.execute(
        f"""CREATE TEMP TABLE description_pool AS
            SELECT d AS slot,
                   (SELECT string_agg(({words})[1 + floor(random() * {len(WORDS)})::int], ' ')
                      FROM generate_series(1, {description_words} + d * 0)) AS body
            FROM generate_series(0, 199) AS d"""
    )
    conn.execute(
        f"""INSERT INTO postings (
                platform, board, external_id, company, title, url, locations, countries,
                workplace, employment_type, seniority, role_family, is_ai_role, mentions_ai,
                asks_for_ai, ai_skills, salary_min, salary_max, salary_currency, salary_period,
                description_html, description_text, posted_at, first_seen_at, last_seen_at,
                closed_at, content_hash)
            SELECT 'greenhouse', 'company' || lpad(r.company::text, 4, '0'), g::text,
                   'company' || lpad(r.company::text, 4, '0'),
                   concat_ws(' ', CASE r.seniority WHEN 'senior' THEN 'Senior'
                       WHEN 'staff' THEN 'Staff' WHEN 'principal' THEN 'Principal'
                       WHEN 'entry' THEN 'Junior' WHEN 'intern' THEN 'Intern' END,
                       ({stems})[r.role]) || ', ' || ({teams})[1 + g % {len(TEAMS)}],
                   'https://example.com/jobs/' || g, ARRAY[r.country], ARRAY[r.country],
                   r.workplace, 'full_time', r.seniority, ({families})[r.role],
                   ({families})[r.role] = 'ai_ml', r.mentions, r.mentions AND r.asks,
                   CASE WHEN r.mentions THEN array_remove(ARRAY[{tags}], NULL)
                        ELSE '{{}}' END,
                   CASE WHEN r.paid THEN 90000 + (g % 90) * 1000 END,
                   CASE WHEN r.paid THEN 150000 + (g % 90) * 1500 END,
                   CASE WHEN r.paid THEN 'USD' END, CASE WHEN r.paid THEN 'year' END,
                   '<p>' || p.body || '</p><ul><li>' || left(p.body, 400) || '</li></ul>',
                   p.body, r.seen - interval '3 days', r.seen, now(),
                   CASE WHEN g > {postings} THEN now() - random() * interval '60 days' END,
                   md5(g::text)
            FROM generate_series(1, {total}) AS g
            CROSS JOIN LATERAL (  -- one draw per column and row (OFFSET 0: not inlined)
                SELECT random() + g * 0 AS country, random() + g * 0 AS workplace,
                       random() + g * 0 AS seniority, random() + g * 0 AS role,
                       random() + g * 0 AS mentions, random() + g * 0 AS asks,
                       random() + g * 0 AS paid, random() + g * 0 AS age OFFSET 0
            ) AS d
            CROSS JOIN LATERAL (
                SELECT 1 + (g * 7919) % {companies} AS company,
                       {pick("d.country", COUNTRIES)} AS country,
                       {pick("d.workplace", WORKPLACES)} AS workplace,
                       {pick("d.seniority", SENIORITIES)} AS seniority,
                       {role_index}::int AS role,
                       d.mentions < 0.42 AS mentions, d.asks < 0.6 AS asks,
                       d.paid < 0.35 AS paid,
                       now() - d.age * interval '120 days' AS seen OFFSET 0
            ) AS r
            JOIN description_pool p ON p.slot = g % 200"""
    )
    conn.execute("INSERT INTO companies (slug, name, platform, board) SELECT DISTINCT company,"
                 " company, platform, board FROM postings")  # fmt: skip


def vacuum_analyze(conn: psycopg.Connection) -> None:
    """What autovacuum does to tables the crawler writes daily: stats and the
    visibility map (index-only scans)."""
    conn.execute("VACUUM ANALYZE postings, company_open_postings")


def explain(conn: psycopg.Connection, statement: sql.Composable, analyze: bool) -> list[str]:
    prefix = sql.SQL("EXPLAIN (ANALYZE, COSTS OFF) " if analyze else "EXPLAIN (COSTS OFF) ")
    return [row[0] for row in conn.execute(prefix + statement).fetchall()]


def time_query(conn: psycopg.Connection, statement: sql.Composable, repeat: int) -> float:
    """Median milliseconds of the query and the fetch of its rows, as the site sees it."""
    text = statement.as_string(conn)
    conn.execute(text).fetchall()  # warm the cache, as the site's steady state is
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        conn.execute(text).fetchall()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=138_060)
    parser.add_argument("--companies", type=int, default=1_180)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--markdown", help="write the timings and plans to this file")
    args = parser.parse_args()

    databases = BenchDatabases(server_url())
    try:
        url = databases.fresh()
        with psycopg.connect(url, autocommit=True) as conn:
            started = time.perf_counter()
            fill_postings(conn, args.postings, args.companies)
            vacuum_analyze(conn)
            size = conn.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('postings'))"
            ).fetchone()[0]
            took = time.perf_counter() - started
            print(f"filled {args.postings} open postings (+{args.postings // 10} closed),"
                  f" {args.companies} companies, {size}, in {took:.0f} s")  # fmt: skip
            version = conn.execute("SHOW server_version").fetchone()[0]
            lines = [f"PostgreSQL {version}; {args.postings:,} open postings"
                     f" (+{args.postings // 10:,} closed), {args.companies:,} companies,"
                     f" table with indexes {size}; median of {args.repeat} runs.", "",
                     "| query | median ms | rows | under 10 ms |",
                     "| --- | ---: | ---: | --- |"]  # fmt: skip
            plans = []
            for query in SITE_QUERIES:
                statement = query.statement()
                rows = len(conn.execute(statement).fetchall())
                ms = time_query(conn, statement, args.repeat)
                verdict = "yes" if ms < TARGET_MS else "**no**"
                print(f"{query.name:<36}{ms:>8.2f} ms {rows:>6} rows  {verdict}")
                lines.append(f"| {query.name} | {ms:.2f} | {rows} | {verdict} |")
                plan = explain(conn, statement, analyze=True)
                plans += [f"-- {query.name}", statement.as_string(conn), *plan, ""]
            print("\n".join(plans))
            if args.markdown:
                text = "\n".join([*lines, "", "```", *plans, "```", ""])
                Path(args.markdown).write_text(text, encoding="utf-8")
    finally:
        databases.drop_all()


if __name__ == "__main__":
    main()
