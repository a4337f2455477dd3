"""jsonld in a real browser: a careers page that builds its job list with JavaScript.

Crawls a page served by the local replay server in the system Chromium
(CHROMIUM_EXECUTABLE_PATH, as the spider uses it), and checks that only the listing
went through the browser. Skipped only where no Chromium is installed there; CI
installs it, so CI always runs this.
"""

from __future__ import annotations

import os
import re

import pytest

from crawler import settings as project_settings
from tests.support import fixture_text, query, run_scrapy, write_registry

CHROMIUM = project_settings.CHROMIUM_EXECUTABLE_PATH

pytestmark = pytest.mark.skipif(
    not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)),
    reason=f"no Chromium at CHROMIUM_EXECUTABLE_PATH={CHROMIUM} (install chromium)",
)

POSTING_PAGES = {
    "/careers/roles/ml-engineer-4711": "js_posting_ml.html",
    "/careers/roles/frontend-engineer-4712": "js_posting_frontend.html",
}


def stat(log: str, name: str) -> int | None:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match.group(1)) if match else None


def test_script_built_listing_is_rendered_and_its_postings_land(replay, database_url, tmp_path):
    replay.add("/careers", fixture_text("jsonld/js_listing.html"), content_type="text/html")
    replay.add("/careers/api/roles.json", fixture_text("jsonld/js_roles.json"))
    for path, name in POSTING_PAGES.items():
        replay.add(path, fixture_text(f"jsonld/{name}"), content_type="text/html")
    registry = write_registry(tmp_path / "companies.toml", [
        {"slug": "acme-robotics", "name": "Acme Robotics", "platform": "jsonld",
         "careers_url": f"{replay.url}/careers"},
    ])  # fmt: skip

    result = run_scrapy(
        "crawl", "jsonld", "-a", "company=acme-robotics",
        settings={"DATABASE_URL": database_url, "COMPANIES_FILE": registry, "RETRY_TIMES": 0,
                  "CHROMIUM_EXECUTABLE_PATH": CHROMIUM},
    )  # fmt: skip
    result.assert_clean()

    rows = query(database_url, "SELECT * FROM postings ORDER BY external_id")
    assert [(r["external_id"], r["title"]) for r in rows] == [
        ("4711", "Machine Learning Engineer"), ("4712", "Frontend Engineer"),
    ]  # fmt: skip
    assert rows[0]["url"] == f"{replay.url}/careers/roles/ml-engineer-4711"
    assert "PyTorch" in rows[0]["description_text"]
    run = query(database_url, "SELECT * FROM crawl_runs")[0]
    assert (run["status"], run["seen"]) == ("ok", 2)

    # Only the listing went through the browser: one rendered page, one browser page.
    assert stat(result.log, "jobs/jsonld/rendered") == 1
    assert stat(result.log, "jobs/jsonld/rendered/listing") == 1
    assert stat(result.log, "playwright/page_count") == 1
    assert stat(result.log, "playwright/browser_count") == 1
    assert result.log.count("Starting download handler") == 1  # one Playwright driver
    paths = [path for _, path in replay.requests]
    assert paths.count("/careers") == 2  # plainly first, then in the browser
    assert paths.count("/careers/api/roles.json") == 1  # the page's own script fetched it
    assert all(paths.count(path) == 1 for path in POSTING_PAGES)  # posting pages: plain
