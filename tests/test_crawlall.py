"""`scrapy crawlall`: the registry in one process, its summary, and broken boards noticed."""

from __future__ import annotations

import io

import pytest
from scrapy import signals
from scrapy.http import Request
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.commands.demo import DEMO_DIR, demo_registry_text
from crawler.crawl_state import CrawlLedger
from crawler.extensions.progress import ProgressDisplay
from crawler.items import JobPosting
from crawler.registry import Company, load_registry
from crawler.replay import ReplayServer, load_routes
from crawler.spiders.base import Target
from crawler.spiders.greenhouse import GreenhouseSpider
from tests.support import fixture_text, query, run_scrapy, write_registry

COMPANIES = [
    {"slug": "anthropic", "name": "Anthropic", "platform": "greenhouse", "board": "anthropic"},
    {"slug": "stripe", "name": "Stripe", "platform": "greenhouse", "board": "stripe"},
    {"slug": "moved-away", "name": "Moved Away", "platform": "greenhouse", "board": "movedaway"},
]


def serve(replay, moved_away: str | None = None, status: int = 200) -> None:
    """Anthropic and Stripe boards as recorded; Moved Away's board as given (else 404)."""
    for board, fixture in (("anthropic", "anthropic_jobs"), ("stripe", "stripe_jobs")):
        replay.add(f"/v1/boards/{board}/jobs", fixture_text(f"greenhouse/{fixture}.json"),
                   query={"content": "true"})  # fmt: skip
    if moved_away is not None:
        replay.add("/v1/boards/movedaway/jobs", moved_away, status=status,
                   query={"content": "true"})  # fmt: skip


def crawlall(replay, database_url, tmp_path, *args: str):
    registry = write_registry(tmp_path / "companies.toml", COMPANIES)
    return run_scrapy(
        "crawlall", *args,
        settings={"DATABASE_URL": database_url, "GREENHOUSE_BASE_URL": replay.url,
                  "COMPANIES_FILE": registry, "RETRY_TIMES": 0},
    )  # fmt: skip


def summary_line(log: str, slug: str) -> str:
    return next(line for line in log.splitlines() if line.startswith(f"{slug} "))


def health(database_url) -> dict[str, dict]:
    return {r["company"]: r for r in query(database_url, "SELECT * FROM company_health")}


def test_crawlall_crawls_the_registry_and_summarizes_each_company(replay, database_url, tmp_path):
    serve(replay)  # no recording for Moved Away: its board answers 404
    result = crawlall(replay, database_url, tmp_path)

    assert result.returncode == 1, result.log[-3000:]  # one company failed
    assert "Traceback" not in result.log and "ScrapyDeprecationWarning" not in result.log
    requested = {path for _, path in replay.requests}
    assert requested == {f"/v1/boards/{b}/jobs?content=true"
                         for b in ("anthropic", "stripe", "movedaway")}  # fmt: skip
    runs = {r["company"]: r for r in query(database_url, "SELECT * FROM crawl_runs")}
    assert {s: r["status"] for s, r in runs.items()} == {
        "anthropic": "ok", "stripe": "ok", "moved-away": "failed",
    }  # fmt: skip
    assert summary_line(result.log, "anthropic").split()[:7] == [
        "anthropic", "greenhouse", "ok", "4", "4", "0", "0",
    ]  # fmt: skip
    failed = summary_line(result.log, "moved-away")
    assert "failed" in failed and "HTTP 404" in failed
    assert "2 of 3 companies ok, 1 not ok (moved-away)" in result.log
    # not a terminal: progress goes to the log, ending with the totals
    assert "progress: 3/3 companies done, 7 postings stored" in result.log


def test_filters_choose_companies_and_all_ok_exits_zero(replay, database_url, tmp_path):
    serve(replay)
    result = crawlall(replay, database_url, tmp_path, "--company", "anthropic,stripe")
    assert result.returncode == 0, result.log[-3000:]
    assert not any("movedaway" in path for _, path in replay.requests)
    assert "2 of 2 companies ok, 0 not ok (none); 0 broken board(s)" in result.log

    result = crawlall(replay, database_url, tmp_path, "--platform", "greenhouse",
                      "--company", "stripe")  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    assert "1 of 1 companies ok" in result.log
    stripe_runs = query(database_url, "SELECT unchanged FROM crawl_runs WHERE company = 'stripe'"
                                      " ORDER BY id")  # fmt: skip
    assert [r["unchanged"] for r in stripe_runs] == [0, 3]  # the summary is of this run only


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--company", "nope"), "not in the registry: 'nope'"),
        (("--platform", "myspace"), "unknown platform 'myspace'"),
        (("--platform", "greenhouse", "--company", "ghost"), "not in the registry: 'ghost'"),
    ],
)
def test_unknown_company_or_platform_is_a_clear_error(replay, database_url, tmp_path, args,
                                                      message):  # fmt: skip
    result = crawlall(replay, database_url, tmp_path, *args)
    assert result.returncode != 0
    assert message in result.log
    assert "Traceback" not in result.log
    assert replay.requests == []


def test_a_board_that_keeps_listing_nothing_is_flagged_broken(replay, database_url, tmp_path):
    empty = fixture_text("greenhouse/empty_board.json")
    serve(replay, moved_away=empty)
    first = crawlall(replay, database_url, tmp_path)
    assert first.returncode == 0, first.log[-3000:]  # empty is not a failure...
    assert "listed nothing" in summary_line(first.log, "moved-away")
    assert "BROKEN" not in first.log  # ...and once is not a pattern
    assert health(database_url)["moved-away"]["consecutive_empty"] == 1

    second = crawlall(replay, database_url, tmp_path)
    line = summary_line(second.log, "moved-away")
    assert "BROKEN: 2 runs in a row failed or empty (never listed any)" in line
    assert "1 broken board(s) (moved-away)" in second.log
    row = health(database_url)["moved-away"]
    assert (row["broken"], row["consecutive_empty"], row["last_status"]) == (True, 2, "ok")
    assert health(database_url)["anthropic"]["broken"] is False

    # the board comes back: healthy again
    serve(replay, moved_away=fixture_text("greenhouse/stripe_jobs.json"))
    third = crawlall(replay, database_url, tmp_path)
    assert third.returncode == 0, third.log[-3000:]
    row = health(database_url)["moved-away"]
    assert (row["broken"], row["consecutive_bad"], row["open_postings"]) == (False, 0, 3)


def test_a_board_that_keeps_failing_is_flagged_broken(replay, database_url, tmp_path):
    serve(replay, moved_away="<html>Bad Gateway</html>", status=502)
    crawlall(replay, database_url, tmp_path)
    serve(replay, moved_away="{}", status=200)  # malformed: no jobs list
    second = crawlall(replay, database_url, tmp_path)
    assert second.returncode == 1
    line = summary_line(second.log, "moved-away")
    assert "failed" in line and "BROKEN: 2 runs in a row failed or empty" in line
    row = health(database_url)["moved-away"]
    assert (row["consecutive_failed"], row["consecutive_bad"], row["broken"]) == (2, 2, True)
    assert row["last_ok_at"] is None and "MalformedResponse" in row["last_reason"]


def test_health_view_counts_streaks_from_the_latest_run(database_url):
    statuses = [("ok", 5), ("failed", 0), ("ok", 4), ("partial", 2), ("ok", 0), ("failed", 0)]
    for status, seen in statuses:
        query(database_url, """INSERT INTO crawl_runs (spider, company, platform, board,
                                   started_at, status, seen)
                               VALUES ('greenhouse', 'acme', 'greenhouse', 'acme', now(), %s, %s)
                               RETURNING id""", (status, seen))  # fmt: skip
    row = health(database_url)["acme"]
    assert row["runs"] == 6 and row["last_status"] == "failed"
    assert row["consecutive_failed"] == 1  # the empty ok run before it breaks the streak
    assert row["consecutive_empty"] == 0  # the latest run failed, it was not empty
    assert row["consecutive_bad"] == 3  # partial, empty, failed since the last good run
    assert row["broken"] is True
    assert row["name"] is None  # crawl runs of a company no longer in companies still show


# --- the progress line ------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_a_company_done_only_when_it_has_settled_and_was_recorded():
    crawler = get_crawler(GreenhouseSpider)
    terminal = FakeTerminal()
    display = ProgressDisplay(stream=terminal)
    tracker = display.follow(crawler, companies=2)
    ledger = CrawlLedger.for_crawler(crawler)
    settled = []
    ledger.on_settled = settled.append  # the store stage's hook
    acme = Company(slug="acme", name="Acme", platform="greenhouse", board="acme")
    target = Target(company=acme, board="acme", base_url="http://x")
    crawl = ledger.company_started(acme, "greenhouse", "acme")

    listing = Request("http://x/jobs", meta={"target": target})
    detail = Request("http://x/jobs/1", meta={"target": target})
    item = JobPosting(platform="greenhouse", board="acme", external_id="1", company="acme")
    ledger.request_issued(listing)
    ledger.request_issued(detail)  # yielded by the listing's callback
    ledger.request_settled(listing)
    assert not settled  # its detail page is still in flight
    ledger.item_issued(item)  # yielded by the detail's callback
    ledger.request_settled(detail)
    assert not settled  # its posting is still in the pipelines
    ledger.item_settled(item)
    assert settled == [crawl]
    assert tracker.companies_done() == 0  # not recorded yet
    ledger.forget(crawl)  # the store recorded it
    send = crawler.signals.send_catch_log
    send(signals.item_scraped, item=item, response=None, spider=None)
    assert tracker.companies_done() == 1
    assert display.line() == "1/2 companies done, 1 postings stored"

    display.show()
    assert terminal.getvalue() == "\r\033[K1/2 companies done, 1 postings stored"
    send(signals.spider_closed, spider=None, reason="finished")
    display.stop()
    assert terminal.getvalue().endswith("\r\033[K2/2 companies done, 1 postings stored\n")


def test_crawlall_runs_every_platform_of_the_demo_recordings(database_url, tmp_path):
    """Several platforms in one process: one crawler each, one summary for all."""
    routes = [r for path in sorted(DEMO_DIR.glob("*.routes.json")) for r in load_routes(path)]
    with ReplayServer(routes) as server:
        registry = tmp_path / "companies.toml"
        registry.write_text(demo_registry_text(server.url))
        companies = load_registry(registry)
        base_urls = {name: server.url for name in get_project_settings().attributes
                     if name.endswith("_BASE_URL")}  # fmt: skip
        result = run_scrapy("crawlall", settings={
            "DATABASE_URL": database_url, "COMPANIES_FILE": registry, **base_urls,
        })  # fmt: skip
    assert result.returncode == 0, result.log[-3000:]
    platforms = {c.platform for c in companies}
    assert len(platforms) > 1
    for company in companies:
        assert summary_line(result.log, company.slug).split()[1:3] == [company.platform, "ok"]
    assert f"{len(companies)} of {len(companies)} companies ok" in result.log
    assert f"progress: {len(companies)}/{len(companies)} companies done" in result.log
    spiders = query(database_url, "SELECT DISTINCT spider FROM crawl_runs")
    assert {row["spider"] for row in spiders} == platforms


def test_unreachable_database_is_a_clear_error(replay, tmp_path):
    result = crawlall(replay, "postgresql://postgres:s3cret@127.0.0.1:1/jobs", tmp_path)
    assert result.returncode != 0
    assert "cannot use the database postgres@127.0.0.1:1/jobs" in result.log
    assert "s3cret" not in result.log and "Traceback" not in result.log
    assert replay.requests == []
