"""Greenhouse: parsing of the Job Board API's shape, and whole crawls into Postgres."""

from __future__ import annotations

import json

import pytest

from crawler.spiders.base import MalformedResponse, Target
from crawler.spiders.greenhouse import GreenhouseSpider, extra_from_metadata
from tests.support import fake_response, fixture_text, make_spider, query, run_scrapy
from tests.support import latest_runs as runs
from tests.support import stored_postings as postings

ANTHROPIC = "/v1/boards/anthropic/jobs"
STRIPE = "/v1/boards/stripe/jobs"


def anthropic_jobs() -> dict:
    return json.loads(fixture_text("greenhouse/anthropic_jobs.json"))


def serve_boards(replay, anthropic=None, stripe=None) -> None:
    if anthropic is None:
        anthropic = anthropic_jobs()
    if stripe is None:
        stripe = fixture_text("greenhouse/stripe_jobs.json")
    replay.add(ANTHROPIC, anthropic, query={"content": "true"})
    replay.add(STRIPE, stripe, query={"content": "true"})


def crawl(replay, database_url, **settings):
    result = run_scrapy(
        "crawl", "greenhouse", "-a", "company=anthropic,stripe",
        settings={"DATABASE_URL": database_url, "GREENHOUSE_BASE_URL": replay.url,
                  "RETRY_TIMES": 0, **settings},
    )  # fmt: skip
    return result


# --- parsing ------------------------------------------------------------------------


@pytest.fixture
def spider():
    return make_spider(GreenhouseSpider, company="anthropic")


def parse(spider, body):
    target = spider.targets[0]
    response = fake_response(
        f"https://boards-api.greenhouse.io/v1/boards/{target.board}/jobs?content=true",
        body, meta={"target": target},
    )  # fmt: skip
    spider.ledger.company_started(target.company, "greenhouse", target.board)
    spider.listing_started(target)
    return list(spider.parse_jobs(response))


def test_parse_unescapes_content_and_reads_every_field(spider):
    items = parse(spider, fixture_text("greenhouse/anthropic_jobs.json"))
    assert [i.external_id for i in items] == ["4020305008", "4456789008", "4501122008",
                                              "4510000008"]  # fmt: skip
    first = items[0]
    assert first.platform == "greenhouse" and first.board == "anthropic"
    assert first.company == "anthropic"
    assert first.title == "Senior Software Engineer, Inference"
    assert first.url == "https://job-boards.greenhouse.io/anthropic/jobs/4020305008"
    assert first.department == "Engineering & Design - Product"
    assert first.locations == ["San Francisco, CA | New York City, NY"]
    assert first.description_html.startswith('<div class="content-intro"><p><strong>About')
    assert "&lt;" not in first.description_html
    assert first.posted_at == "2026-10-02T09:15:00-04:00"
    assert first.source_updated_at == "2026-11-20T14:02:11-05:00"


def test_parse_survives_nulls_and_missing_keys(spider):
    items = {
        i.external_id: i for i in parse(spider, fixture_text("greenhouse/anthropic_jobs.json"))
    }
    no_location = items["4501122008"]
    assert no_location.locations == []
    assert no_location.department is None
    assert no_location.description_html is None  # empty content
    assert no_location.posted_at is None
    # absolute_url null: the public job page is built from the board and id
    assert items["4510000008"].url == "https://job-boards.greenhouse.io/anthropic/jobs/4510000008"
    # a department with a null name is skipped, the next one is used
    assert items["4510000008"].department == "Marketing & Brand"
    # custom fields map to the standard keys; a null value says nothing
    assert items["4456789008"].extra == {
        "metadata": {"Location Type": "Hybrid", "Employment Type": None},
        "workplace": "Hybrid",
    }


def test_parse_rejects_a_response_without_jobs(spider):
    with pytest.raises(MalformedResponse):
        parse(spider, '{"message": "board not found"}')
    with pytest.raises(MalformedResponse):
        parse(spider, "<html>502 Bad Gateway</html>")


@pytest.mark.parametrize(
    ("url", "token"),
    [
        ("https://boards.greenhouse.io/anthropic", "anthropic"),
        ("https://job-boards.greenhouse.io/fireworksai/jobs/4000", "fireworksai"),
        ("https://job-boards.eu.greenhouse.io/deepmind", "deepmind"),
        ("https://boards.greenhouse.io/embed/job_board?for=stripe&b=https://stripe.com", "stripe"),
        ("https://boards-api.greenhouse.io/v1/boards/vercel/jobs", "vercel"),
        ("https://jobs.lever.co/mistral", None),
    ],
)
def test_board_from_url(url, token):
    assert GreenhouseSpider.board_from_url(url) == token


def test_board_argument_takes_a_careers_url():
    spider = make_spider(
        GreenhouseSpider, board="https://job-boards.greenhouse.io/acme", name="Acme Robotics"
    )
    [target] = spider.targets
    assert target == Target(company=target.company, board="acme",
                            base_url="https://boards-api.greenhouse.io")  # fmt: skip
    assert target.company.slug == "acme-robotics" and target.company.name == "Acme Robotics"
    assert spider.name == "greenhouse"  # -a name= names the company, never the spider


def test_no_argument_means_every_registry_company_on_the_platform():
    spider = make_spider(GreenhouseSpider)
    slugs = {t.company.slug for t in spider.targets}
    assert {"anthropic", "stripe", "netlify", "deepmind"} <= slugs
    assert all(t.company.platform == "greenhouse" for t in spider.targets)


# --- whole crawls through a local replay server into Postgres -------------------------



@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
def test_a_scraped_posting_is_one_short_debug_line(replay, database_url, level):
    """Scrapy's "Scraped from" line dumps the whole item (5 KB of description): at DEBUG
    it names the posting in one line, above DEBUG there is none at all."""
    serve_boards(replay)
    result = crawl(replay, database_url, LOG_LEVEL=level)
    result.assert_clean()
    scraped = [line for line in result.log.splitlines() if "Scraped" in line]
    if level == "INFO":
        assert scraped == []
    else:
        assert len(scraped) == 7
        assert any("Scraped greenhouse/anthropic/4020305008" in line for line in scraped)
        assert all(len(line) < 300 for line in scraped)
    assert len(postings(database_url)) == 7

def test_first_crawl_inserts_sanitized_postings(replay, database_url):
    serve_boards(replay)
    result = crawl(replay, database_url)
    result.assert_clean()
    # the spider really fetched each board (start() was used, not start_requests)
    assert ("GET", ANTHROPIC + "?content=true") in replay.requests
    assert ("GET", STRIPE + "?content=true") in replay.requests

    rows = postings(database_url)
    assert len(rows) == 7
    inference = rows["4020305008"]
    assert inference["company"] == "anthropic"
    assert "<script" not in inference["description_html"]
    assert 'alert("x")' not in inference["description_html"]
    assert "<h2>About the role</h2>" in inference["description_html"]
    assert "Have worked with PyTorch, CUDA or vLLM" in inference["description_text"]
    assert "<" not in inference["description_text"]
    assert inference["posted_at"].isoformat() == "2026-10-02T13:15:00+00:00"
    interp = rows["4456789008"]
    assert "javascript:" not in interp["description_html"]
    assert "onclick" not in interp["description_html"]
    assert 'href="https://www.anthropic.com/research"' in interp["description_html"]
    assert rows["4501122008"]["title"] == "Accountant, Revenue"
    assert rows["4501122008"]["description_html"] is None
    assert all(r["closed_at"] is None and r["content_hash"] for r in rows.values())

    crawl_runs = runs(database_url)
    assert crawl_runs["anthropic"]["status"] == "ok"
    assert (crawl_runs["anthropic"]["seen"], crawl_runs["anthropic"]["new"]) == (4, 4)
    assert (crawl_runs["stripe"]["seen"], crawl_runs["stripe"]["new"]) == (3, 3)
    companies = query(database_url, "SELECT slug, name, platform, board FROM companies ORDER BY 1")
    assert companies == [
        {"slug": "anthropic", "name": "Anthropic", "platform": "greenhouse", "board": "anthropic"},
        {"slug": "stripe", "name": "Stripe", "platform": "greenhouse", "board": "stripe"},
    ]
    assert query(database_url, "SELECT count(*) AS n FROM open_postings")[0]["n"] == 7


def test_batches_smaller_than_a_board_write_every_posting_once(replay, database_url):
    serve_boards(replay)
    crawl(replay, database_url, JOBS_DB_BATCH_SIZE=1).assert_clean()
    crawl(replay, database_url, JOBS_DB_BATCH_SIZE=3).assert_clean()
    assert len(postings(database_url)) == 7
    last = query(database_url, "SELECT sum(new) AS new, sum(unchanged) AS unchanged "
                               "FROM crawl_runs WHERE id > 2")[0]  # fmt: skip
    assert (last["new"], last["unchanged"]) == (0, 7)


def test_identical_second_crawl_rewrites_nothing(replay, database_url):
    serve_boards(replay)
    crawl(replay, database_url).assert_clean()
    before = postings(database_url)
    crawl(replay, database_url).assert_clean()
    after = postings(database_url)

    second = query(database_url, "SELECT * FROM crawl_runs WHERE company = 'anthropic' "
                                 "ORDER BY id DESC LIMIT 1")[0]  # fmt: skip
    assert (second["new"], second["updated"], second["unchanged"]) == (0, 0, 4)
    for external_id, row in after.items():
        old = before[external_id]
        assert row["updated_at"] == old["updated_at"]
        assert row["content_hash"] == old["content_hash"]
        assert row["first_seen_at"] == old["first_seen_at"]
        assert row["last_seen_at"] > old["last_seen_at"]
        assert row["closed_at"] is None


def test_changed_posting_is_updated(replay, database_url):
    serve_boards(replay)
    crawl(replay, database_url).assert_clean()
    before = postings(database_url)

    changed = anthropic_jobs()
    changed["jobs"][1]["title"] = "Senior Research Engineer, Interpretability"
    serve_boards(replay, anthropic=changed)
    crawl(replay, database_url).assert_clean()
    after = postings(database_url)

    assert after["4456789008"]["title"] == "Senior Research Engineer, Interpretability"
    assert after["4456789008"]["updated_at"] > before["4456789008"]["updated_at"]
    assert after["4456789008"]["first_seen_at"] == before["4456789008"]["first_seen_at"]
    assert after["4020305008"]["updated_at"] == before["4020305008"]["updated_at"]
    run = query(database_url, "SELECT * FROM crawl_runs WHERE company = 'anthropic' "
                              "ORDER BY id DESC LIMIT 1")[0]  # fmt: skip
    assert (run["new"], run["updated"], run["unchanged"]) == (0, 1, 3)


def test_removed_posting_is_closed_and_reopened_when_it_returns(replay, database_url):
    serve_boards(replay)
    crawl(replay, database_url).assert_clean()

    shrunk = anthropic_jobs()
    removed = shrunk["jobs"].pop(2)
    serve_boards(replay, anthropic=shrunk)
    crawl(replay, database_url).assert_clean()
    rows = postings(database_url)
    assert rows[str(removed["id"])]["closed_at"] is not None
    assert sum(r["closed_at"] is None for r in rows.values()) == 6
    run = runs(database_url)["anthropic"]
    assert (run["status"], run["closed"]) == ("ok", 1)
    open_ids = {r["external_id"] for r in query(database_url, "SELECT * FROM open_postings")}
    assert str(removed["id"]) not in open_ids

    serve_boards(replay)  # it is listed again
    crawl(replay, database_url).assert_clean()
    assert postings(database_url)[str(removed["id"])]["closed_at"] is None


def test_failed_crawl_closes_nothing(replay, database_url):
    serve_boards(replay)
    crawl(replay, database_url).assert_clean()

    replay.add(ANTHROPIC, fixture_text("greenhouse/error_page.html"), status=502,
               content_type="text/html")  # fmt: skip
    result = crawl(replay, database_url)
    assert result.returncode == 0
    assert "HTTP 502" in result.log
    rows = postings(database_url)
    assert all(r["closed_at"] is None for r in rows.values())
    anthropic_run = runs(database_url)["anthropic"]
    assert anthropic_run["status"] == "failed"
    assert anthropic_run["closed"] == 0 and anthropic_run["errors"] == 1
    assert runs(database_url)["stripe"]["status"] == "ok"


def test_malformed_response_is_counted_and_logged_while_good_postings_land(replay, database_url):
    stripe = json.loads(fixture_text("greenhouse/stripe_jobs.json"))
    del stripe["jobs"][0]["title"]  # one bad posting among good ones
    stripe["jobs"][1]["absolute_url"] = "not a url"
    serve_boards(replay, anthropic="<html><body>Service Unavailable</body></html>", stripe=stripe)
    result = crawl(replay, database_url)
    assert result.returncode == 0
    assert result.log.count("ERROR: anthropic: MalformedResponse") == 1, result.log
    assert "'jobs/errors/MalformedResponse': 1" in result.log
    assert "'jobs/dropped/missing_title': 1" in result.log
    assert "'jobs/dropped/bad_url': 1" in result.log
    assert result.log.count("missing_title: greenhouse/stripe posting '7011223'") == 1
    assert "move money reliably" not in result.log  # the dropped item is named, not dumped

    rows = postings(database_url)
    assert set(rows) == {"7011225"}  # the good posting landed
    crawl_runs = runs(database_url)
    assert crawl_runs["anthropic"]["status"] == "failed"
    assert crawl_runs["stripe"]["status"] == "ok"
    assert crawl_runs["stripe"]["dropped"] == 2


def test_a_posting_that_turns_malformed_is_not_closed(replay, database_url):
    serve_boards(replay)
    crawl(replay, database_url).assert_clean()
    stripe = json.loads(fixture_text("greenhouse/stripe_jobs.json"))
    stripe["jobs"][0]["title"] = None
    serve_boards(replay, stripe=stripe)
    crawl(replay, database_url).assert_clean()
    assert postings(database_url)["7011223"]["closed_at"] is None


def test_suspiciously_shrunken_crawl_closes_nothing(replay, database_url):
    serve_boards(replay)
    crawl(replay, database_url).assert_clean()
    shrunk = anthropic_jobs()
    shrunk["jobs"] = shrunk["jobs"][:1]
    serve_boards(replay, anthropic=shrunk)
    result = crawl(replay, database_url, JOBS_CLOSE_MIN_OPEN=3)
    assert "suspiciously shrunken" in result.log
    assert runs(database_url)["anthropic"]["status"] == "partial"
    assert all(r["closed_at"] is None for r in postings(database_url).values())


def test_unknown_company_is_a_clear_error(database_url):
    result = run_scrapy("crawl", "greenhouse", "-a", "company=nope",
                        settings={"DATABASE_URL": database_url})  # fmt: skip
    assert "company 'nope' is not in the registry" in result.log
    result = run_scrapy("crawl", "greenhouse", "-a", "company=anthropic,nope",
                        settings={"DATABASE_URL": database_url})  # fmt: skip
    assert "company 'nope' is not in the registry" in result.log


def test_unreachable_database_is_a_clear_error(replay):
    serve_boards(replay)
    result = run_scrapy(
        "crawl", "greenhouse", "-a", "company=anthropic",
        settings={"DATABASE_URL": "postgresql://postgres:s3cret@127.0.0.1:1/jobs",
                  "GREENHOUSE_BASE_URL": replay.url},
    )  # fmt: skip
    assert result.returncode == 2  # before any crawling, as a wrong argument is
    assert "cannot use the database postgres@127.0.0.1:1/jobs" in result.log
    assert "s3cret" not in result.log and "Traceback" not in result.log


def test_custom_fields_become_standard_extra_keys():
    assert extra_from_metadata({}) == {}
    extra = extra_from_metadata(
        {"Remote": True, "Job Type": ["Full-time", None], "Level": "", "Team": "Payments"}
    )
    assert extra["workplace"] == "remote"
    assert extra["employment_type"] == "Full-time"
    assert "seniority" not in extra  # an empty value says nothing
    assert extra_from_metadata({"Remote": False}) == {"metadata": {"Remote": False}}
