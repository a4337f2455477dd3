"""jsonld: schema.org JobPosting pages read from fixtures, and whole crawls into Postgres."""

from __future__ import annotations

import pytest
from scrapy.exceptions import UsageError
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from crawler.items import JobPosting
from crawler.spiders.greenhouse import GreenhouseSpider
from crawler.spiders.jsonld import JsonLdSpider, board_identity
from tests.support import (
    fake_response,
    fixture_text,
    make_spider,
    query,
    run_scrapy,
    write_registry,
)
from tests.support import stored_postings as postings

CAREERS = "https://37signals.com/jobs"
PAGES = {
    "/jobs/programmer-ruby-on-rails": "posting_programmer.html",
    "/jobs/product-designer": "posting_designer.html",
    "/jobs/support-specialist": "posting_support.html",
}


@pytest.fixture
def spider():
    spider = make_spider(JsonLdSpider, board=CAREERS, name="37signals")
    target = spider.targets[0]
    spider.ledger.company_started(target.company, "jsonld", target.board)
    spider.listing_started(target)
    return spider


def parse(spider, callback, url, body, **meta):
    target = spider.targets[0]
    meta = {"target": target, "listing_pages": (url,), **meta}
    return list(getattr(spider, callback)(fake_response(url, body, meta=meta)))


def items_of(output) -> dict[str, JobPosting]:
    return {i.external_id: i for i in output if isinstance(i, JobPosting)}


def requests_of(output) -> list[Request]:
    return [r for r in output if isinstance(r, Request)]


def finished(spider) -> int:
    return spider.ledger.crawls()[0].listings_finished


# --- parsing ------------------------------------------------------------------------


def test_listing_follows_its_item_list_and_next_page_without_a_browser(spider):
    output = parse(spider, "parse_listing", CAREERS, fixture_text("jsonld/listing.html"))
    assert items_of(output) == {}
    urls = [r.url for r in requests_of(output)]
    assert urls == [f"https://37signals.com{path}" for path in PAGES] + [f"{CAREERS}?page=2"]
    assert not any(r.meta.get("playwright") for r in requests_of(output))
    assert finished(spider) == 0  # page 2 is still to come


def test_graph_page_with_several_postings_skips_expired_and_other_companies(spider):
    output = parse(spider, "parse_listing", f"{CAREERS}?page=2",
                   fixture_text("jsonld/listing_page2.html"))  # fmt: skip
    items = items_of(output)
    assert set(items) == {"4417", "4420"}  # 4390 expired, GS-1182 is Globex Staffing's
    assert requests_of(output) == []  # "Previous" is not followed
    sre = items["4417"]
    assert sre.title == "Site Reliability Engineer"
    assert sre.url == "https://37signals.com/jobs/site-reliability-engineer"
    assert sre.locations == ["Chicago, IL, US", "Toronto, ON, CA"]
    assert sre.extra["location_parts"][0] == {"city": "Chicago", "region": "IL", "country": "US"}
    assert sre.extra["salary"] == {"min": 180000.0, "max": 180000.0, "currency": "USD",
                                   "period": "YEAR"}  # fmt: skip
    assert sre.extra["employment_type"] == "FULL_TIME"
    assert sre.posted_at == "2026-11-03T08:00:00-06:00"
    assert items["4420"].title is None  # the validate stage drops it, with a reason
    stats = spider.crawler.stats
    assert stats.get_value("jobs/jsonld/expired") == 1
    assert stats.get_value("jobs/jsonld/other_organization") == 1
    assert finished(spider) == 1


def test_escaped_description_identifier_salary_and_remote(spider):
    url = "https://37signals.com/jobs/programmer-ruby-on-rails"
    [item] = parse(spider, "parse_posting", url, fixture_text("jsonld/posting_programmer.html"))
    assert item.external_id == "4402"  # PropertyValue.value
    assert item.description_html.startswith("<h2>About the job</h2><p>We&#39;re hiring")
    assert "<strong>Basecamp</strong>" in item.description_html
    assert item.extra["salary"] == {"min": 149000.0, "max": 223000.0, "currency": "USD",
                                    "period": "YEAR"}  # fmt: skip
    assert item.extra["workplace"] == "remote"
    assert item.extra["employment_type"] == "FULL_TIME"
    assert item.extra["employment_types"] == ["FULL_TIME", "CONTRACTOR"]
    assert item.extra["applicant_locations"] == ["United States", "Canada"]
    assert item.locations == ["Remote - United States, Canada"]
    assert item.extra["direct_apply"] is True
    assert item.posted_at == "2026-11-12"


def test_microdata_posting_keeps_its_description_html(spider):
    url = "https://37signals.com/jobs/product-designer"
    [item] = parse(spider, "parse_posting", url, fixture_text("jsonld/posting_designer.html"))
    assert (item.external_id, item.title, item.url) == ("4410", "Product Designer", url)
    assert "<p>Design <em>calm</em> software" in item.description_html
    assert "<ul><li>Figma, HTML and CSS</li>" in item.description_html
    assert item.locations == ["Chicago, IL, USA"]  # addressCountry as a Country object
    assert item.extra["salary"]["min"] == 120000.0 and item.extra["salary"]["max"] == 160000.0
    assert item.extra["employment_type"] == "Full-time"
    assert item.posted_at == "2026-10-28"


def test_missing_fields_and_a_broken_script_never_lose_the_posting(spider):
    url = "https://37signals.com/jobs/support-specialist?ref=listing"
    [item] = parse(spider, "parse_posting", url, fixture_text("jsonld/posting_support.html"))
    # no identifier and no url: the canonical URL is its identity
    assert item.external_id == item.url == "https://37signals.com/jobs/support-specialist"
    assert item.description_html is None and item.posted_at is None
    assert item.locations == ["Remote"]
    assert item.extra["salary"] == {"min": 32.5, "max": 32.5, "currency": "USD", "period": "HOUR"}
    assert spider.crawler.stats.get_value("jobs/jsonld/broken_script") == 1


def test_several_postings_without_ids_on_one_page_stay_apart(spider):
    body = """<html><head><script type="application/ld+json">
    [{"@context": "https://schema.org", "@type": "JobPosting", "title": "Barista"},
     {"@context": "https://schema.org", "@type": "http://schema.org/JobPosting", "name": "Cook"}]
    </script></head><body></body></html>"""
    items = parse(spider, "parse_posting", f"{CAREERS}/cafe", body)
    assert [i.title for i in items] == ["Barista", "Cook"]
    assert [i.external_id for i in items] == [f"{CAREERS}/cafe", f"{CAREERS}/cafe#2"]


def test_script_built_listing_is_rendered_once_in_the_browser(spider):
    body = '<html><body><div id="root"></div><script src="/app.js"></script></body></html>'
    [request] = parse(spider, "parse_listing", CAREERS, body)
    assert request.url == CAREERS and request.meta["playwright"] is True
    assert request.dont_filter and request.callback == spider.parse_listing
    assert finished(spider) == 0
    # the rendered copy still shows nothing: an empty board, not another render
    assert parse(spider, "parse_listing", CAREERS, body, jsonld_rendered=True) == []
    assert finished(spider) == 1
    assert spider.crawler.stats.get_value("jobs/jsonld/rendered/listing") == 1


def test_plain_listing_without_postings_is_an_empty_board(spider):
    body = "<html><body><p>No open positions right now.</p><a href='/about'>About</a></body></html>"
    assert parse(spider, "parse_listing", CAREERS, body) == []
    assert finished(spider) == 1


def test_listing_without_markup_follows_links_that_look_like_postings(spider):
    body = """<html><body>
      <a href="/jobs/4402-programmer">Programmer</a>
      <a href="/jobs/4410-designer#apply">Designer</a>
      <a href="https://37signals.com/careers/ops-lead">Ops lead</a> <a href="/jobs/">All</a>
      <a href="/about">About</a> <a href="https://twitter.com/37signals">X</a>
      <a href="/jobs/handbook.pdf">Handbook</a> <a href="/jobs?page=2">Next</a>
    </body></html>"""
    output = parse(spider, "parse_listing", CAREERS, body)
    posting_urls = [r.url for r in output if r.callback == spider.parse_posting]
    assert posting_urls == ["https://37signals.com/jobs/4402-programmer",
                            "https://37signals.com/jobs/4410-designer",
                            "https://37signals.com/careers/ops-lead"]  # fmt: skip
    assert not any(r.meta["known_posting"] for r in output if r.callback == spider.parse_posting)
    assert [r.url for r in output if r.callback == spider.parse_listing] == [f"{CAREERS}?page=2"]


def test_a_page_without_posting_is_counted_and_rendered_only_when_known(spider):
    body = "<html><body><h1>Benefits</h1><script>track()</script></body></html>"
    url = f"{CAREERS}/benefits"
    assert parse(spider, "parse_posting", url, body, known_posting=False) == []
    assert spider.crawler.stats.get_value("jobs/jsonld/page_without_posting") == 1
    [request] = parse(spider, "parse_posting", url, body, known_posting=True)
    assert request.meta["playwright"] is True


def test_pagination_stops_at_a_loop_and_at_the_cap():
    spider = make_spider(JsonLdSpider, settings={"JSONLD_MAX_LISTING_PAGES": 2}, board=CAREERS)
    target = spider.targets[0]
    spider.ledger.company_started(target.company, "jsonld", target.board)
    spider.listing_started(target)
    page = "<html><body><a rel='next' href='{href}'>more</a></body></html>"
    # page 2 links back to page 1: the listing ends there
    assert parse(spider, "parse_listing", f"{CAREERS}?page=2", page.format(href="/jobs"),
                 listing_pages=(CAREERS, f"{CAREERS}?page=2")) == []  # fmt: skip
    assert finished(spider) == 1
    spider.listing_started(target)
    assert parse(spider, "parse_listing", f"{CAREERS}?page=2", page.format(href="/jobs?page=3"),
                 listing_pages=(CAREERS, f"{CAREERS}?page=2")) == []  # fmt: skip
    assert spider.crawler.stats.get_value("jobs/jsonld/listing_page_cap") == 1
    assert spider.ledger.crawls()[0].errors == ["more than 2 listing pages"]


def test_posting_pages_stop_at_the_cap_and_the_company_is_partial():
    spider = make_spider(JsonLdSpider, settings={"JSONLD_MAX_POSTING_PAGES": 2}, board=CAREERS)
    target = spider.targets[0]
    spider.ledger.company_started(target.company, "jsonld", target.board)
    spider.listing_started(target)
    output = parse(spider, "parse_listing", CAREERS, fixture_text("jsonld/listing.html"))
    assert len([r for r in output if r.callback == spider.parse_posting]) == 2
    assert spider.ledger.crawls()[0].errors == ["more than 2 posting pages"]
    assert spider.crawler.stats.get_value("jobs/jsonld/posting_page_cap") == 1


def test_an_identifier_that_is_only_the_company_name_is_no_identity(spider):
    body = """<html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@type": "JobPosting", "title": "Cook",
     "identifier": {"@type": "PropertyValue", "name": "37signals", "value": "37signals"},
     "hiringOrganization": {"@type": "Organization", "name": "37signals"}}
    </script></head><body></body></html>"""
    [item] = parse(spider, "parse_posting", f"{CAREERS}/cook", body)
    assert item.external_id == f"{CAREERS}/cook"


def test_a_board_without_a_name_skips_the_organization_check():
    spider = make_spider(JsonLdSpider, board=CAREERS)
    [target] = spider.targets
    assert (target.company.name, target.company.slug) == ("37signals.com/jobs",
                                                          "37signals-com-jobs")  # fmt: skip
    spider.ledger.company_started(target.company, "jsonld", target.board)
    items = items_of(parse(spider, "parse_listing", f"{CAREERS}?page=2",
                           fixture_text("jsonld/listing_page2.html")))  # fmt: skip
    assert "GS-1182" in items


@pytest.mark.parametrize(
    ("url", "board"),
    [
        ("https://37signals.com/jobs", "37signals.com/jobs"),
        ("http://WWW.37signals.com/jobs/?utm_source=x#top", "37signals.com/jobs"),
        ("https://careers.acme.co.uk/", "careers.acme.co.uk"),
        ("http://127.0.0.1:8080/acme/careers", "127.0.0.1:8080/acme/careers"),
    ],
)
def test_board_identity_is_host_and_path(url, board):
    assert board_identity(url) == board
    assert JsonLdSpider.board_from_url(url) is None  # `scrapy detect` reads markup instead


def test_registry_board_wins_and_a_bare_token_is_refused():
    spider = make_spider(JsonLdSpider, board="careers.acme.com/jobs", name="Acme")
    assert spider.targets[0].board == "careers.acme.com/jobs"
    assert spider.targets[0].base_url == "https://careers.acme.com"
    with pytest.raises(UsageError, match="careers page URL"):
        make_spider(JsonLdSpider, board="acme")


def test_the_browser_is_this_spiders_alone_and_the_system_chromium():
    settings = {"CHROMIUM_EXECUTABLE_PATH": "/opt/chromium/chrome"}
    jsonld = get_crawler(JsonLdSpider, settings).settings
    handler = "crawler.playwright_handler.LazyPlaywrightDownloadHandler"
    assert jsonld.getdict("DOWNLOAD_HANDLERS") == {"http": handler, "https": handler}
    options = jsonld.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert options["executable_path"] == "/opt/chromium/chrome" and options["headless"] is True
    assert "--disable-background-networking" in options["args"]
    others = get_crawler(GreenhouseSpider, settings).settings.getdict("DOWNLOAD_HANDLERS")
    assert handler not in others.values()


# --- whole crawls through a local replay server into Postgres -------------------------


def serve_site(replay, page2: str | None = None) -> None:
    replay.add("/jobs", fixture_text("jsonld/listing.html"), content_type="text/html")
    replay.add("/jobs", page2 or fixture_text("jsonld/listing_page2.html"),
               query={"page": "2"}, content_type="text/html")  # fmt: skip
    for path, name in PAGES.items():
        replay.add(path, fixture_text(f"jsonld/{name}"), content_type="text/html")


def crawl(replay, database_url, tmp_path, **settings):
    registry = write_registry(tmp_path / "companies.toml", [
        {"slug": "37signals", "name": "37signals", "platform": "jsonld",
         "careers_url": f"{replay.url}/jobs"},
    ])  # fmt: skip
    return run_scrapy(
        "crawl", "jsonld", "-a", "company=37signals",
        settings={"DATABASE_URL": database_url, "COMPANIES_FILE": registry, "RETRY_TIMES": 0,
                  **settings},
    )  # fmt: skip


def last_run(database_url) -> dict:
    return query(database_url, "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]


def test_crawl_lands_the_postings_with_plain_requests_only(replay, database_url, tmp_path):
    serve_site(replay)
    result = crawl(replay, database_url, tmp_path)
    result.assert_clean()
    paths = [path for _, path in replay.requests]
    assert sorted(paths) == sorted(["/jobs", "/jobs?page=2", *PAGES])  # each fetched once
    assert "jobs/jsonld/rendered" not in result.log
    assert "playwright/browser_count" not in result.log  # Chromium was never launched
    assert "Starting download handler" not in result.log  # nor Playwright's driver
    assert "'jobs/jsonld/expired': 1" in result.log
    assert "'jobs/dropped/missing_title': 1" in result.log

    rows = postings(database_url)
    support = "https://37signals.com/jobs/support-specialist"
    assert set(rows) == {"4402", "4410", "4417", support}
    programmer = rows["4402"]
    assert programmer["board"] == board_identity(f"{replay.url}/jobs")
    assert "<strong>Basecamp</strong>" in programmer["description_html"]
    assert "&lt;" not in programmer["description_html"]
    assert "We're hiring a programmer" in programmer["description_text"]
    assert programmer["posted_at"].isoformat() == "2026-11-12T00:00:00+00:00"
    assert "<em>calm</em>" in rows["4410"]["description_html"]
    assert rows[support]["description_html"] is None
    run = last_run(database_url)
    assert (run["status"], run["seen"], run["dropped"]) == ("ok", 4, 1)


def test_a_posting_that_expires_is_closed(replay, database_url, tmp_path):
    still_valid = fixture_text("jsonld/listing_page2.html").replace(
        '"validThrough": "2026-10-31T23:59:00Z"', '"validThrough": "2099-10-31T23:59:00Z"'
    )
    serve_site(replay, page2=still_valid)
    crawl(replay, database_url, tmp_path).assert_clean()
    assert postings(database_url)["4390"]["closed_at"] is None

    serve_site(replay)  # now its validThrough has passed
    crawl(replay, database_url, tmp_path).assert_clean()
    rows = postings(database_url)
    assert rows["4390"]["closed_at"] is not None
    assert all(r["closed_at"] is None for key, r in rows.items() if key != "4390")
    assert (last_run(database_url)["status"], last_run(database_url)["closed"]) == ("ok", 1)


def test_a_failed_posting_page_leaves_the_company_partial(replay, database_url, tmp_path):
    serve_site(replay)
    crawl(replay, database_url, tmp_path).assert_clean()
    replay.add("/jobs/product-designer", "<html>Bad gateway</html>", status=502,
               content_type="text/html")  # fmt: skip
    result = crawl(replay, database_url, tmp_path)
    assert result.returncode == 0 and "HTTP 502" in result.log
    run = last_run(database_url)
    assert (run["status"], run["closed"]) == ("partial", 0)
    assert all(r["closed_at"] is None for r in postings(database_url).values())


def test_a_listing_page_that_fails_closes_nothing(replay, database_url, tmp_path):
    serve_site(replay)
    crawl(replay, database_url, tmp_path).assert_clean()
    replay.add("/jobs", "<html>Service Unavailable</html>", query={"page": "2"}, status=503,
               content_type="text/html")  # fmt: skip
    result = crawl(replay, database_url, tmp_path)
    assert result.returncode == 0 and "HTTP 503" in result.log
    run = last_run(database_url)
    assert (run["status"], run["seen"], run["closed"]) == ("partial", 3, 0)
    assert postings(database_url)["4417"]["closed_at"] is None  # listed on the failed page
