"""Re-crawls skip the work whose result is stored: a posting whose source is unchanged
passes only validate, dedupe, same-job and the store, and keeps its enriched columns."""

from __future__ import annotations

import copy
import json

from crawler.pipelines.unchanged import enrichment_fingerprint, fields_digest, source_hash
from crawler.spiders.greenhouse import GreenhouseSpider
from tests.support import fake_response, fixture_text, make_spider, query, run_scrapy

ENRICHED = ("countries", "workplace", "seniority", "role_family", "salary_min", "salary_max",
            "mentions_ai", "asks_for_ai", "ai_skills", "ai_evidence", "description_html",
            "description_text", "posted_at", "updated_at", "content_hash")  # fmt: skip


def anthropic_jobs() -> dict:
    return json.loads(fixture_text("greenhouse/anthropic_jobs.json"))


def crawl(replay, database_url, anthropic=None):
    replay.add("/v1/boards/anthropic/jobs", anthropic or anthropic_jobs(),
               query={"content": "true"})  # fmt: skip
    result = run_scrapy(
        "crawl", "greenhouse", "-a", "company=anthropic",
        settings={"DATABASE_URL": database_url, "GREENHOUSE_BASE_URL": replay.url},
    )  # fmt: skip
    result.assert_clean()
    return result


def rows(database_url) -> dict[str, dict]:
    found = query(database_url, "SELECT * FROM postings ORDER BY external_id")
    return {row["external_id"]: row for row in found}


def last_run(database_url) -> dict:
    return query(database_url, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]


def test_unchanged_postings_skip_enrichment_and_keep_their_columns(replay, database_url):
    first = crawl(replay, database_url)
    assert "jobs/unchanged_source" not in first.log  # nothing stored yet
    before = rows(database_url)
    assert before["4020305008"]["seniority"] == "senior"  # enriched on the first crawl
    assert before["4020305008"]["ai_skills"]

    second = crawl(replay, database_url)
    assert "'jobs/unchanged_source': 4" in second.log
    after = rows(database_url)
    for external_id, row in after.items():
        for column in ENRICHED:
            assert row[column] == before[external_id][column], (external_id, column)
        assert row["last_seen_at"] > before[external_id]["last_seen_at"]
    run = last_run(database_url)
    assert (run["status"], run["seen"], run["unchanged"], run["updated"]) == ("ok", 4, 4, 0)


def test_a_changed_source_takes_the_full_path(replay, database_url):
    crawl(replay, database_url)
    changed = anthropic_jobs()
    changed["jobs"][0]["title"] = "Staff Software Engineer, Inference"
    result = crawl(replay, database_url, changed)
    assert "'jobs/unchanged_source': 3" in result.log
    row = rows(database_url)["4020305008"]
    assert (row["title"], row["seniority"]) == ("Staff Software Engineer, Inference", "staff")
    assert (last_run(database_url)["updated"], last_run(database_url)["unchanged"]) == (1, 3)


def test_postings_stored_by_other_enriching_code_are_enriched_again(replay, database_url):
    crawl(replay, database_url)
    # as rows written under other code look: another source hash, so another content hash
    query(database_url, "UPDATE postings SET source_hash = 'older', content_hash = 'older' "
                        "RETURNING 1")  # fmt: skip
    result = crawl(replay, database_url)
    assert "jobs/unchanged_source" not in result.log
    assert last_run(database_url)["updated"] == 4  # rewritten once, with the new hash
    assert "'jobs/unchanged_source': 4" in crawl(replay, database_url).log


def test_a_new_repeat_of_an_unchanged_posting_is_merged_into_it(replay, database_url):
    crawl(replay, database_url)
    with_repeat = anthropic_jobs()
    repeat = copy.deepcopy(with_repeat["jobs"][0])
    repeat["id"] = 4020399999
    with_repeat["jobs"].append(repeat)
    crawl(replay, database_url, with_repeat)

    stored = rows(database_url)
    assert "4020399999" not in stored  # stored once...
    assert stored["4020305008"]["alternate_ids"] == ["anthropic:4020399999"]  # ...ids kept
    # the next crawl takes the full path for both, and keeps them merged
    crawl(replay, database_url, with_repeat)
    stored = rows(database_url)
    assert "4020399999" not in stored
    assert stored["4020305008"]["alternate_ids"] == ["anthropic:4020399999"]
    assert stored["4020305008"]["seniority"] == "senior"


def test_source_hash_follows_the_item_and_the_enriching_code():
    spider = make_spider(GreenhouseSpider, company="anthropic")
    target = spider.targets[0]
    spider.ledger.company_started(target.company, "greenhouse", target.board)
    spider.listing_started(target)
    body = fixture_text("greenhouse/anthropic_jobs.json")
    first, second = (
        list(spider.parse_jobs(fake_response("https://x/v1/boards/anthropic/jobs", body,
                                             meta={"target": target})))
        for _ in range(2)
    )  # fmt: skip
    assert [source_hash(i) for i in first] == [source_hash(i) for i in second]
    assert len({source_hash(i) for i in first}) == len(first)
    first[0].title += " "
    assert source_hash(first[0]) != source_hash(second[0])
    assert len(enrichment_fingerprint()) == 32


def test_fields_digest_frames_long_text_and_ignores_order():
    def digest(html: str, text: str, title: str = "Engineer") -> bytes:
        return fields_digest([("html", html), ("text", text), ("title", title)]).digest()

    long_a, long_b = "a" * 400, "b" * 400
    reordered = fields_digest([("title", "Engineer"), ("text", long_b), ("html", long_a)])
    assert digest(long_a, long_b) == reordered.digest()
    # text moved from one long field to the other is a different posting
    assert digest(long_a, long_b) != digest(long_a + "b", long_b[1:])
    # a long text that changes at its end, and a short field, both change the digest
    assert digest(long_a, long_b) != digest(long_a, long_b + ".")
    assert digest(long_a, long_b) != digest(long_a, long_b, "Engineer ")
