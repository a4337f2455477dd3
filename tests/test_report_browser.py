"""`scrapy report --html`: the page renders its charts in a real Chromium, offline.

Opens the written file in headless Chromium (the system one, through Playwright) and
checks that every chart drew visible marks (at least one bar or point of each series),
that the page logged no error, and that no request left the page (plotly.js is inlined;
nothing comes from a CDN). Two histories: 70 weeks, and a single first crawl, whose
weekly charts must read by week (bars labelled with the week, not a time axis), its
twelve role families each in a colour of its own.
SCREENSHOT_DIR set: each page is also saved there as a PNG, to look at.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.support import fixture_text, run_scrapy
from tests.test_report import crawl, query_all, seed_history, serve

CHROMIUM = os.environ.get("CHROMIUM_EXECUTABLE_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
# Charts of the seeded history: the seniority mix and pay by seniority (GBP, USD) of
# the article's numbers, five trends, seniority, role family, pay in GBP and in USD,
# top AI skills.
EXPECTED_CHARTS = [
    "seniority-mix", "pay-seniority-GBP", "pay-seniority-USD",
    "trend-total", "trend-ai_role", "trend-role_family", "trend-seniority",
    "trend-asks_for_ai", "seniority", "role-family", "pay-GBP", "pay-USD", "ai-skills",
]  # fmt: skip
TRENDS = [chart for chart in EXPECTED_CHARTS if chart.startswith("trend-")]
TWELVE_FAMILIES = (
    "backend", "frontend", "fullstack", "mobile", "infrastructure", "sre", "security", "qa",
    "data", "ai_ml", "product", "design",
)  # fmt: skip
# Per chart: its id, and per series the marks drawn with a visible size (bars, points),
# and the x-axis tick labels.
DRAWN = """plots => plots.map(p => ({
    id: p.id,
    width: p.getBoundingClientRect().width,
    series: [...p.querySelectorAll('.trace')].map(t => [...t.querySelectorAll('.point')]
        .filter(m => { const b = m.getBoundingClientRect(); return b.width > 0 && b.height > 0; })
        .length),
    ticks: [...p.querySelectorAll('.xtick text')].map(t => t.textContent),
    legend: [...p.querySelectorAll('.legend .legendtext')].map(t => t.textContent),
    labels: [...p.querySelectorAll('.bartext')].map(t => t.textContent),
    yTitle: (p.querySelector('.ytitle') || {}).textContent,
    fills: [...p.querySelectorAll('.trace')].map(t => {
        const bar = t.querySelector('.point path'); return bar ? bar.style.fill : null; })}))"""

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"no Chromium at {CHROMIUM} (set CHROMIUM_EXECUTABLE_PATH to run the browser test)",
)


def write_page(database_url, path: Path) -> Path:
    result = run_scrapy("report", "--html", str(path), settings={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log and "Warning" not in result.log, result.log[-3000:]
    return path


@pytest.fixture
def report_page(replay, database_url, tmp_path) -> Path:
    seed_history(replay, database_url)
    return write_page(database_url, tmp_path / "report.html")


def open_page(page_file: Path, charts: int) -> dict:
    """The page in headless Chromium: what each chart drew, the headline table, the
    title, every request made and every problem logged."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
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
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
                timeout=30000,
            )
            drawn = page.eval_on_selector_all(".js-plotly-plot", DRAWN)
            headline = page.inner_text("table")
            title = page.title()
            if os.environ.get("SCREENSHOT_DIR"):
                shot = Path(os.environ["SCREENSHOT_DIR"]) / f"{page_file.stem}.png"
                page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    return {"drawn": drawn, "headline": headline, "title": title, "requests": requests,
            "problems": problems}  # fmt: skip


def assert_marks_in_every_series(drawn: list[dict]) -> None:
    for plot in drawn:
        assert plot["width"] > 100 and plot["series"], plot
        assert all(marks >= 1 for marks in plot["series"]), plot


def assert_one_colour_per_group(drawn: list[dict]) -> None:
    """The article's charts (seniority mix, pay by seniority per currency) name every
    group they draw in a legend, and draw each group in the same colour everywhere."""
    colours: dict[str, set[str]] = {}
    for plot in drawn:
        if plot["id"] == "seniority-mix" or plot["id"].startswith("pay-seniority-"):
            assert len(plot["legend"]) == len(plot["series"]), plot
            for group, fill in zip(plot["legend"], plot["fills"], strict=True):
                colours.setdefault(group, set()).add(fill)
    assert colours and all(len(fills) == 1 for fills in colours.values()), colours
    assert len({next(iter(fills)) for fills in colours.values()}) == len(colours), colours


def assert_series_told_apart(drawn: list[dict]) -> None:
    """No two series of a chart share a colour (a trend of twelve role families too)."""
    for plot in drawn:
        fills = [fill for fill in plot["fills"] if fill]
        assert len(set(fills)) == len(fills), plot


def assert_pay_charts_say_what_they_rest_on(drawn: list[dict]) -> None:
    """Every pay chart names its currency on the axis and labels each median with the
    postings it rests on."""
    pay = [plot for plot in drawn if plot["id"].startswith("pay-")]
    assert pay
    for plot in pay:
        assert plot["yTitle"] == f"median annual pay ({plot['id'].rsplit('-', 1)[1]})", plot
        assert len(plot["labels"]) == sum(plot["series"]), plot
        assert all(re.fullmatch(r"n=\d+", label) for label in plot["labels"]), plot


def test_report_page_renders_every_chart_offline(report_page):
    html = report_page.read_text(encoding="utf-8")
    # plotly.js is inside the page (its source merely names a CDN for geo maps)
    assert "<script src" not in html and "<link" not in html
    assert "Plotly.newPlot" in html

    seen = open_page(report_page, len(EXPECTED_CHARTS))
    assert seen["title"] == "careers-crawler report"
    assert "of open software postings ask for AI skills" in html
    assert [plot["id"] for plot in seen["drawn"]] == EXPECTED_CHARTS
    assert_marks_in_every_series(seen["drawn"])
    assert_one_colour_per_group(seen["drawn"])
    assert_pay_charts_say_what_they_rest_on(seen["drawn"])
    assert_series_told_apart(seen["drawn"])
    assert seen["problems"] == []
    assert seen["requests"] == [report_page.as_uri()]


def test_one_week_of_history_reads_by_week(replay, database_url, tmp_path):
    anthropic = json.loads(fixture_text("greenhouse/anthropic_jobs.json"))
    stripe = json.loads(fixture_text("greenhouse/stripe_jobs.json"))
    template = stripe["jobs"][0]
    stripe["jobs"] += [
        {**template, "id": 7100000 + n, "title": f"{template['title']} {n}",
         "absolute_url": f"https://stripe.com/jobs/listing/engineer/{7100000 + n}"}
        for n in range(len(TWELVE_FAMILIES))
    ]  # fmt: skip
    serve(replay, anthropic, stripe)
    crawl(replay, database_url)
    # twelve role families: more series than plotly's ten default colours
    query_all(database_url, [(
        "UPDATE postings SET role_family = (%s::text[])[1 + id %% 12]",
        (list(TWELVE_FAMILIES),),
    )])  # fmt: skip
    page_file = write_page(database_url, tmp_path / "first-crawl.html")

    seen = open_page(page_file, len(TRENDS))
    drawn = {plot["id"]: plot for plot in seen["drawn"]}
    assert set(TRENDS) <= set(drawn)
    assert_marks_in_every_series(seen["drawn"])
    assert len(drawn["trend-role_family"]["series"]) == len(TWELVE_FAMILIES)
    assert_series_told_apart(seen["drawn"])
    for trend in TRENDS:  # one category: the week, as a date (no clock times)
        assert [re.fullmatch(r"\d{4}-\d{2}-\d{2}", tick) is not None
                for tick in drawn[trend]["ticks"]] == [True], drawn[trend]  # fmt: skip
    assert seen["problems"] == []
