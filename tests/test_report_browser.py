"""`scrapy report --html`: the page renders its charts in a real Chromium, offline.

Opens the written file in headless Chromium (the system one, through Playwright) and
checks that every chart drew SVG, that the page logged no error, and that no request
left the page (plotly.js is inlined; nothing comes from a CDN).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import run_scrapy
from tests.test_report import seed_history

CHROMIUM = os.environ.get("CHROMIUM_EXECUTABLE_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
# Charts of the seeded history: five trends, seniority, role family, pay in GBP and
# in USD, top AI skills.
EXPECTED_CHARTS = [
    "trend-total", "trend-ai_role", "trend-role_family", "trend-seniority",
    "trend-asks_for_ai", "seniority", "role-family", "pay-GBP", "pay-USD", "ai-skills",
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"no Chromium at {CHROMIUM} (set CHROMIUM_EXECUTABLE_PATH to run the browser test)",
)


@pytest.fixture
def report_page(replay, database_url, tmp_path) -> Path:
    seed_history(replay, database_url)
    page = tmp_path / "report.html"
    result = run_scrapy("report", "--html", str(page), settings={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log and "Warning" not in result.log, result.log[-3000:]
    return page


def test_report_page_renders_every_chart_offline(report_page):
    from playwright.sync_api import sync_playwright

    html = report_page.read_text(encoding="utf-8")
    # plotly.js is inside the page (its source merely names a CDN for geo maps)
    assert "<script src" not in html and "<link" not in html
    assert "Plotly.newPlot" in html

    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on(
                "console",
                lambda message: (
                    problems.append(f"console {message.type}: {message.text}")
                    if message.type in ("error", "warning")
                    else None
                ),
            )
            # Anything but the file itself is refused (and recorded above).
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith("file://") else route.abort()
                ),
            )
            page.goto(report_page.as_uri(), wait_until="load")
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot .main-svg').length"
                f" >= {len(EXPECTED_CHARTS)}",
                timeout=30000,
            )
            drawn = page.eval_on_selector_all(
                ".js-plotly-plot",
                """plots => plots.map(p => ({
                    id: p.id,
                    svgs: p.querySelectorAll('svg.main-svg').length,
                    traces: p.querySelectorAll('.trace').length,
                    width: p.getBoundingClientRect().width}))""",
            )
            headline = page.inner_text("table")
            title = page.title()
        finally:
            browser.close()

    assert title == "careers-crawler report"
    assert "asking for AI skills" in headline and "40.0%" in headline
    assert [plot["id"] for plot in drawn] == EXPECTED_CHARTS
    for plot in drawn:
        assert plot["svgs"] >= 1 and plot["traces"] >= 1 and plot["width"] > 100, plot
    assert problems == []
    assert requests == [report_page.as_uri()]
