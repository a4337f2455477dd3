"""scrapy-playwright's download handler, started lazily (see crawler/browser.py)."""

from __future__ import annotations

import asyncio

from scrapy.http import Request, Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class LazyPlaywrightDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, built with the first request of its scheme, that
    starts Playwright with the first request that asks for the browser."""

    lazy = True

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("playwright") and getattr(self, "browser_provider", None) is None:
            async with self._start_lock:
                if getattr(self, "browser_provider", None) is None:
                    await self._maybe_launch_in_thread()  # scrapy-playwright's own start-up
        return await super().download_request(request)

    @property
    def _start_lock(self) -> asyncio.Lock:
        if not hasattr(self, "_playwright_start_lock"):
            self._playwright_start_lock = asyncio.Lock()
        return self._playwright_start_lock
