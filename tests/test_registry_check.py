"""`scrapy registry check`: each entry's evidence beside its last crawl, and what needs a look."""

from __future__ import annotations

from datetime import date, timedelta

from tests.support import fixture_text, run_scrapy, write_registry

TODAY = date.today()


def registry(tmp_path, replay):
    evidence = "job dump in a public repo, 2026-08"
    return write_registry(tmp_path / "companies.toml", [
        {"slug": "anthropic", "name": "Anthropic", "platform": "greenhouse", "board": "anthropic",
         "evidence": evidence, "checked": TODAY - timedelta(days=10)},
        {"slug": "stripe", "name": "Stripe", "platform": "greenhouse", "board": "stripe",
         "evidence": "probe log in a public repo, 2025-10",
         "checked": TODAY - timedelta(days=400)},
        {"slug": "retool", "name": "Retool", "platform": "ashby", "board": "retool",
         "evidence": evidence, "checked": TODAY, "doubtful": "sources split: greenhouse retool"},
        {"slug": "moved-away", "name": "Moved Away", "platform": "greenhouse",
         "board": "movedaway", "careers_page": f"{replay.url}/careers",
         "evidence": evidence, "checked": TODAY},
    ])  # fmt: skip


def crawl_then_check(replay, database_url, tmp_path, *check_args: str):
    """Crawl the greenhouse companies (Moved Away's board 404s), then run the check."""
    registry_file = registry(tmp_path, replay)
    for board in ("anthropic", "stripe"):
        replay.add(f"/v1/boards/{board}/jobs", fixture_text(f"greenhouse/{board}_jobs.json"),
                   query={"content": "true"})  # fmt: skip
    replay.add("/careers", fixture_text("moved/careers_ashby.html"), content_type="text/html")
    settings = {"DATABASE_URL": database_url, "COMPANIES_FILE": registry_file}
    crawl = run_scrapy("crawlall", "--platform", "greenhouse",
                       settings={**settings, "GREENHOUSE_BASE_URL": replay.url,
                                 "RETRY_TIMES": 0})  # fmt: skip
    assert "Traceback" not in crawl.log, crawl.log[-3000:]
    requests_after_crawl = len(replay.requests)
    result = run_scrapy("registry", "check", *check_args, settings=settings)
    assert len(replay.requests) == requests_after_crawl  # the check crawls nothing
    assert "Traceback" not in result.log, result.log
    return result


def row(log: str, slug: str) -> str:
    return next(line for line in log.splitlines() if line.startswith(f"{slug} "))


def looks(log: str, slug: str) -> list[str]:
    """The '! reason' lines under an entry's row."""
    lines = log.splitlines()
    start = lines.index(row(log, slug)) + 1
    reasons = []
    for line in lines[start:]:
        if not line.startswith(" ") or "! " not in line:
            break
        reasons.append(line.strip()[2:])
    return reasons


def test_check_lists_every_entry_with_evidence_and_last_crawl(replay, database_url, tmp_path):
    result = crawl_then_check(replay, database_url, tmp_path)
    assert result.returncode == 0, result.log
    anthropic = row(result.log, "anthropic").split()
    assert anthropic[:5] == ["anthropic", "greenhouse", "anthropic",
                             str(TODAY - timedelta(days=10)), "ok"]  # fmt: skip
    assert row(result.log, "anthropic").endswith("job dump in a public repo, 2026-08")
    assert looks(result.log, "anthropic") == []
    assert row(result.log, "retool").split()[4] == "never"
    assert looks(result.log, "retool") == ["doubtful: sources split: greenhouse retool"]
    assert row(result.log, "moved-away").split()[4] == "failed"
    moved = looks(result.log, "moved-away")
    assert moved[0].startswith("last crawl failed: HTTP 404")
    assert moved[-1] == f"moved? now ashby board 'movedaway-ai' (named by {replay.url}/careers)"
    assert looks(result.log, "stripe") == []  # old evidence is stale only with --stale
    assert "4 registry entries, 2 need a look" in result.log
    # the move, as the entry to paste
    assert 'slug = "moved-away"\nname = "Moved Away"\nplatform = "ashby"\nboard = "movedaway-ai"' \
        in result.log  # fmt: skip


def test_stale_lists_only_what_needs_a_look_and_exits_1(replay, database_url, tmp_path):
    result = crawl_then_check(replay, database_url, tmp_path, "--stale", "90")
    assert result.returncode == 1, result.log
    shown = [line.split()[0] for line in result.log.splitlines()[1:]
             if line and not line.startswith((" ", "\n", "#", "[")) and " = " not in line
             and "registry entries" not in line]  # fmt: skip
    assert shown == ["stripe", "retool", "moved-away"]  # anthropic looks true
    assert looks(result.log, "stripe") == ["checked 400 days ago"]
    assert "4 registry entries, 3 need a look (evidence older than 90 days counts)" in result.log


def test_a_failed_board_whose_careers_page_names_nothing_new_says_so(replay, database_url,
                                                                      tmp_path):  # fmt: skip
    registry_file = registry(tmp_path, replay)
    replay.add("/careers", fixture_text("moved/careers_greenhouse_embed.html"),
               content_type="text/html")  # fmt: skip
    settings = {"DATABASE_URL": database_url, "COMPANIES_FILE": registry_file}
    crawl_settings = {**settings, "GREENHOUSE_BASE_URL": replay.url, "RETRY_TIMES": 0}
    run_scrapy("crawlall", "--company", "moved-away", settings=crawl_settings)
    result = run_scrapy("registry", "check", "--stale", "90", settings=settings)
    assert looks(result.log, "moved-away")[-1] == (
        f"careers page {replay.url}/careers still names greenhouse board 'movedaway'"
    )
    assert "[[company]]" not in result.log


def test_stale_with_nothing_to_look_at_exits_0(database_url, tmp_path):
    registry_file = write_registry(tmp_path / "companies.toml", [
        {"slug": "anthropic", "name": "Anthropic", "platform": "greenhouse", "board": "anthropic",
         "evidence": "job dump in a public repo, 2026-08", "checked": TODAY},
    ])  # fmt: skip
    settings = {"DATABASE_URL": database_url, "COMPANIES_FILE": registry_file}
    result = run_scrapy("registry", "check", "--stale", "30", settings=settings)
    assert result.returncode == 0, result.log
    assert "1 registry entries, 0 need a look" in result.log
    assert "anthropic " not in result.log


def test_bad_usage_is_named(database_url):
    settings = {"DATABASE_URL": database_url}
    assert "the only subcommand is `check`" in run_scrapy("registry", settings=settings).log
    result = run_scrapy("registry", "check", "--stale", "-1", settings=settings)
    assert result.returncode != 0 and "--stale takes a number of days" in result.log
