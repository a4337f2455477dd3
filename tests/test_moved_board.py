"""A board that moved is noticed: a crawl reads the company's careers page and proposes
the board it names now (crawl_runs, company_health, the crawlall table, a registry entry).
"""

from __future__ import annotations

import tomllib
from datetime import date
from itertools import takewhile

from crawler.registry import load_registry
from tests.support import fixture_text, query, run_scrapy, write_registry


def registry(tmp_path, replay, *more: dict) -> str:
    return write_registry(tmp_path / "companies.toml", [
        {"slug": "anthropic", "name": "Anthropic", "platform": "greenhouse",
         "board": "anthropic", "careers_page": f"{replay.url}/anthropic/careers"},
        {"slug": "moved-away", "name": "Moved Away", "platform": "greenhouse",
         "board": "movedaway", "careers_page": f"{replay.url}/careers"},
        *more,
    ])  # fmt: skip


# No page of its own: its careers URL is the failed board's own page, never fetched.
NO_PAGE = {"slug": "no-page", "name": "No Page", "platform": "greenhouse", "board": "nopage",
           "careers_url": "https://job-boards.greenhouse.io/nopage"}  # fmt: skip


def serve(replay, careers_page: str | None, board: str | None = None) -> None:
    """Anthropic's board as recorded; Moved Away's board (None: 404) and careers page."""
    replay.add("/v1/boards/anthropic/jobs", fixture_text("greenhouse/anthropic_jobs.json"),
               query={"content": "true"})  # fmt: skip
    if board is not None:
        replay.add("/v1/boards/movedaway/jobs", board, query={"content": "true"})
    if careers_page is not None:
        replay.add("/careers", fixture_text(f"moved/{careers_page}.html"),
                   content_type="text/html; charset=utf-8")  # fmt: skip


def crawlall(replay, database_url, registry_file):
    return run_scrapy(
        "crawlall",
        settings={"DATABASE_URL": database_url, "GREENHOUSE_BASE_URL": replay.url,
                  "COMPANIES_FILE": registry_file, "RETRY_TIMES": 0},
    )  # fmt: skip


def last_run(database_url, slug: str) -> dict:
    return query(database_url, "SELECT * FROM crawl_runs WHERE company = %s ORDER BY id DESC"
                               " LIMIT 1", (slug,))[0]  # fmt: skip


def health_of(database_url, slug: str) -> dict:
    return query(database_url, "SELECT * FROM company_health WHERE company = %s", (slug,))[0]


def printed_table(log: str) -> str:
    """The [[company]] table crawlall printed for a moved board (stdout; the log follows)."""
    lines = log[log.index("[[company]]") :].splitlines()
    return "\n".join(takewhile(lambda ln: ln == "[[company]]" or " = " in ln, lines)) + "\n"


def pasted_entry(log: str) -> dict:
    return tomllib.loads(printed_table(log))["company"][0]


def test_a_board_that_404s_gets_the_board_its_careers_page_names(replay, database_url,
                                                                   tmp_path):  # fmt: skip
    serve(replay, careers_page="careers_ashby")  # the old greenhouse board: 404
    result = crawlall(replay, database_url, registry(tmp_path, replay, NO_PAGE))

    assert result.returncode == 1, result.log[-3000:]  # the old board still failed
    assert "Traceback" not in result.log
    run = last_run(database_url, "moved-away")
    assert (run["status"], run["errors"]) == ("failed", 1)  # the careers page is no error
    assert "HTTP 404" in run["reason"]
    assert (run["proposed_platform"], run["proposed_board"]) == ("ashby", "movedaway-ai")
    assert run["proposed_careers_url"] == "https://jobs.ashbyhq.com/movedaway-ai"
    assert run["board_search_url"] == f"{replay.url}/careers"
    # a company whose board answered is not searched, nor one with no page to search
    assert last_run(database_url, "anthropic")["board_search_url"] is None
    no_page = last_run(database_url, "no-page")
    assert (no_page["status"], no_page["board_search_url"]) == ("failed", None)
    assert [p for _, p in replay.requests if "careers" in p] == ["/careers"]

    health = health_of(database_url, "moved-away")
    assert (health["proposed_platform"], health["proposed_board"]) == ("ashby", "movedaway-ai")

    line = next(ln for ln in result.log.splitlines() if ln.startswith("moved-away "))
    assert "failed" in line
    assert f"MOVED? now ashby board 'movedaway-ai' (named by {replay.url}/careers)" in line
    entry = pasted_entry(result.log)
    assert {k: entry[k] for k in ("slug", "name", "platform", "board", "careers_url")} == {
        "slug": "moved-away", "name": "Moved Away", "platform": "ashby",
        "board": "movedaway-ai", "careers_url": "https://jobs.ashbyhq.com/movedaway-ai",
    }  # fmt: skip
    assert entry["verified"] is False and entry["checked"] == date.today()
    assert f"{replay.url}/careers names it" in entry["evidence"]
    # what it prints loads as a registry entry
    pasted = tmp_path / "pasted.toml"
    pasted.write_text(printed_table(result.log))
    [company] = load_registry(pasted)
    assert (company.platform, company.board) == ("ashby", "movedaway-ai")


def test_an_empty_board_is_searched_and_a_move_found_on_a_later_run(replay, database_url,
                                                                     tmp_path):  # fmt: skip
    registry_file = registry(tmp_path, replay)
    empty = fixture_text("greenhouse/empty_board.json")
    serve(replay, careers_page="careers_greenhouse_embed", board=empty)
    first = crawlall(replay, database_url, registry_file)
    assert first.returncode == 0, first.log[-3000:]  # empty stays ok; the search adds no error
    run = last_run(database_url, "moved-away")
    assert (run["status"], run["errors"], run["proposed_platform"]) == ("ok", 0, None)
    assert run["board_search_note"] == "still names greenhouse board 'movedaway'"
    assert "MOVED?" not in first.log and "[[company]]" not in first.log

    serve(replay, careers_page="careers_lever", board=empty)  # the page now links to Lever
    second = crawlall(replay, database_url, registry_file)
    health = health_of(database_url, "moved-away")
    assert health["broken"] is True
    assert (health["proposed_platform"], health["proposed_board"]) == ("lever", "movedaway")
    line = next(ln for ln in second.log.splitlines() if ln.startswith("moved-away "))
    assert "BROKEN: 2 runs in a row" in line and "MOVED? now lever board 'movedaway'" in line
    assert pasted_entry(second.log)["platform"] == "lever"

    # the board lists postings again: nothing is searched, and the proposal is gone
    serve(replay, careers_page="careers_lever", board=fixture_text("greenhouse/stripe_jobs.json"))
    third = crawlall(replay, database_url, registry_file)
    assert third.returncode == 0, third.log[-3000:]
    health = health_of(database_url, "moved-away")
    assert (health["broken"], health["proposed_platform"], health["board_search_url"]) == (
        False, None, None)  # fmt: skip


def test_a_careers_page_that_fails_is_noted_not_counted(replay, database_url, tmp_path):
    serve(replay, careers_page=None)  # board and careers page both 404
    crawlall(replay, database_url, registry(tmp_path, replay))
    run = last_run(database_url, "moved-away")
    assert (run["status"], run["errors"], run["proposed_platform"]) == ("failed", 1, None)
    assert run["board_search_note"] == "could not be read (HTTP 404)"
