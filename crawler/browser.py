"""The browser for pages that build their content with JavaScript (scrapy-playwright).

A browser page costs far more than a plain fetch, so a spider asks for one per
request (``meta["playwright"] = True``) and only where a page needs it; every other
request goes through Scrapy's own HTTP client. A spider that may render takes
``BROWSER_SETTINGS`` and ``chromium_launch_options``: the download handler of
crawler/playwright_handler.py for http and https, the system Chromium
(``CHROMIUM_EXECUTABLE_PATH``, never a browser download), headless, without Chromium's
background connections (the network here may be closed), and without images, media
or fonts.

scrapy-playwright 0.0.48 builds one handler per scheme when the crawl starts and each
starts Playwright's driver (a Node process) with the engine, though Chromium itself
waits for the first browser request. ``LazyPlaywrightDownloadHandler`` waits for that
request for the driver too: a crawl that renders nothing starts neither. It lives in a
module of its own, named here only as a path, so that a process that never renders
never imports scrapy-playwright (a third of a second of every worker's start-up).

Settings read: CHROMIUM_EXECUTABLE_PATH.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any

HANDLER_PATH = "crawler.playwright_handler.LazyPlaywrightDownloadHandler"
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
)  # fmt: skip
# Resolves once the DOM has not changed for half a second: the list has been built.
_DOM_SETTLED_JS = """() => new Promise(resolve => {
  const done = () => { observer.disconnect(); resolve(true); };
  let timer = setTimeout(done, 500);
  const observer = new MutationObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(done, 500);
  });
  observer.observe(document.documentElement, {childList: true, subtree: true, attributes: true});
})"""


# A spider that may render pages puts these in its custom_settings, and
# PLAYWRIGHT_LAUNCH_OPTIONS = chromium_launch_options(CHROMIUM_EXECUTABLE_PATH) in
# update_settings (the path is a setting, known only then).
BROWSER_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_HANDLERS": {"http": HANDLER_PATH, "https": HANDLER_PATH},
    "PLAYWRIGHT_BROWSER_TYPE": "chromium",
    "PLAYWRIGHT_ABORT_REQUEST": "crawler.browser.skip_heavy_resources",
    "PLAYWRIGHT_MAX_CONTEXTS": 1,
    "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2,
}


def chromium_launch_options(executable_path: str) -> dict[str, Any]:
    """Playwright's launch options for the system Chromium (never a downloaded browser)."""
    return {"executable_path": executable_path, "headless": True, "args": list(CHROMIUM_ARGS)}


def skip_heavy_resources(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: reading a page's content needs no images, media or fonts."""
    return request.resource_type in ("image", "media", "font")


async def wait_until_settled(page: Any, timeout_ms: int) -> None:
    """A PageMethod: let a script-built page finish (network idle, then the DOM quiet)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    with suppress(PlaywrightTimeout):
        await page.wait_for_load_state("networkidle", timeout=timeout_ms)
    with suppress(TimeoutError):
        await asyncio.wait_for(page.evaluate(_DOM_SETTLED_JS), timeout=timeout_ms / 1000)


def render_meta(timeout_ms: int) -> dict[str, Any]:
    """Request meta that sends a request through the browser and waits for the page."""
    from scrapy_playwright.page import PageMethod

    return {
        "playwright": True,
        "playwright_page_methods": [PageMethod(wait_until_settled, timeout_ms)],
    }
