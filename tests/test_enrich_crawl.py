"""Enrichment through a whole Greenhouse crawl: the enriched columns land in Postgres."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

from tests.support import fixture_text, query, run_scrapy, write_registry

COMPANIES = [
    {"slug": "anthropic", "name": "Anthropic", "platform": "greenhouse", "board": "anthropic"},
    {"slug": "stripe", "name": "Stripe", "platform": "greenhouse", "board": "stripe"},
]  # fmt: skip
REPEAT_ID = 4020399999


def anthropic_with_a_repeat() -> dict:
    """The board lists its inference job twice, under two ids."""
    board = json.loads(fixture_text("greenhouse/anthropic_jobs.json"))
    repeat = copy.deepcopy(board["jobs"][0])
    repeat["id"] = REPEAT_ID
    repeat["absolute_url"] = f"https://job-boards.greenhouse.io/anthropic/jobs/{REPEAT_ID}"
    board["jobs"].append(repeat)
    return board


def crawl(replay, database_url, tmp_path):
    replay.add("/v1/boards/anthropic/jobs", anthropic_with_a_repeat(), query={"content": "true"})
    replay.add("/v1/boards/stripe/jobs", fixture_text("greenhouse/stripe_jobs.json"),
               query={"content": "true"})  # fmt: skip
    registry = write_registry(tmp_path / "companies.toml", COMPANIES)
    result = run_scrapy(
        "crawl", "greenhouse",
        settings={"DATABASE_URL": database_url, "COMPANIES_FILE": registry,
                  "GREENHOUSE_BASE_URL": replay.url, "RETRY_TIMES": 0},
    )  # fmt: skip
    result.assert_clean()
    return result


def postings(database_url) -> dict[str, dict]:
    rows = query(database_url, "SELECT * FROM open_postings ORDER BY external_id")
    return {row["external_id"]: row for row in rows}


def salary(row) -> tuple:
    return (row["salary_min"], row["salary_max"], row["salary_currency"], row["salary_period"])


def test_crawl_stores_enriched_columns(replay, database_url, tmp_path):
    result = crawl(replay, database_url, tmp_path)
    rows = postings(database_url)

    inference = rows["4020305008"]
    assert inference["locations"] == ["San Francisco, CA", "New York City, NY"]
    assert inference["countries"] == ["US"]
    assert salary(inference) == (Decimal(300000), Decimal(405000), "USD", "year")
    assert inference["seniority"] == "senior"
    assert inference["role_family"] == "ai_ml"
    assert inference["workplace"] is None  # nothing says remote, hybrid or on-site

    interpretability = rows["4456789008"]
    assert interpretability["countries"] == ["GB"]
    assert interpretability["seniority"] is None  # no marker in the title: never a guess
    assert salary(interpretability) == (None, None, None, None)

    devrel = rows["4510000008"]
    assert devrel["locations"] == ["Remote-Friendly (Travel-Required)", "San Francisco, CA"]
    assert devrel["countries"] == ["US"] and devrel["workplace"] == "remote"
    assert devrel["role_family"] == "marketing" and devrel["seniority"] == "senior"

    assert rows["4501122008"]["role_family"] == "operations"  # "Accountant, Revenue"
    assert rows["4501122008"]["countries"] == []

    dublin = rows["7011223"]
    assert dublin["countries"] == ["IE"] and dublin["role_family"] == "backend"
    assert salary(dublin) == (Decimal(95000), Decimal(140000), "EUR", "year")
    remote_ml = rows["7011224"]
    assert (remote_ml["countries"], remote_ml["workplace"]) == (["US"], "remote")
    assert remote_ml["role_family"] == "ai_ml"
    assert (rows["7011225"]["countries"], rows["7011225"]["role_family"]) == (["SG"], "sales")

    # The repeat of the inference job is stored once, its id kept on the posting.
    assert str(REPEAT_ID) not in rows
    assert inference["alternate_ids"] == [f"anthropic:{REPEAT_ID}"]
    assert "'jobs/same_job': 1" in result.log
    assert "'jobs/field/salary/description': 2" in result.log
    runs = query(database_url, "SELECT company, status, new FROM crawl_runs ORDER BY company")
    assert [(r["company"], r["status"], r["new"]) for r in runs] == [
        ("anthropic", "ok", 4), ("stripe", "ok", 3)]  # fmt: skip


def test_second_identical_crawl_rewrites_nothing(replay, database_url, tmp_path):
    crawl(replay, database_url, tmp_path)
    crawl(replay, database_url, tmp_path)
    runs = query(database_url, "SELECT updated, unchanged, closed FROM crawl_runs "
                               "ORDER BY id DESC LIMIT 2")  # fmt: skip
    assert [(r["updated"], r["unchanged"], r["closed"]) for r in runs] in (
        [(0, 3, 0), (0, 4, 0)], [(0, 4, 0), (0, 3, 0)])  # fmt: skip
    assert postings(database_url)["4020305008"]["alternate_ids"] == [f"anthropic:{REPEAT_ID}"]
