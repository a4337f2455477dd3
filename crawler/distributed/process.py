"""A worker process (`scrapy crawlall --worker`): one worker crawler per platform that
has work, and a progress line of this worker and of the runs.

Settings read: ``REDIS_URL``, ``DATABASE_URL`` (resolved by the command),
``JOBS_PROGRESS_INTERVAL``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from crawler.db import runs
from crawler.distributed.worker import CompanyWorker, worker_name
from crawler.extensions.progress import ProgressDisplay
from crawler.registry import Company

if TYPE_CHECKING:
    from scrapy.crawler import Crawler, CrawlerProcessBase
    from scrapy.settings import BaseSettings


class WorkerProgress(ProgressDisplay):
    """One line: what this worker crawled and holds, and what the runs have left."""

    def __init__(self, name: str, database_url: str, interval: float | None = None) -> None:
        super().__init__(interval)
        self.name = name
        self.database_url = database_url
        self.crawlers: list[Crawler] = []

    def line(self) -> str:
        workers = workers_of(self.crawlers)
        crawled = [status for w in workers for _, status in w.crawled.values()]
        held = sum(len(w.held) for w in workers)
        with runs.connect(self.database_url) as conn:
            left = runs.open_work(conn)
        return (
            f"worker {self.name}: {len(crawled)} companies crawled"
            f" ({crawled.count('ok')} ok), {held} in hand; {left} left in the runs"
        )


def crawl_as_worker(
    process: CrawlerProcessBase, settings: BaseSettings, database_url: str,
    platforms: list[str] | None = None, wait: float = 0,
) -> list[tuple[Company, str]] | None:  # fmt: skip
    """Crawl queued companies until no run has any of these platforms' companies
    queued or in progress (waiting up to ``wait`` seconds for some to be queued). Each
    company this worker crawled, with its status; None when there was nothing to do."""
    deadline = time.monotonic() + wait
    while True:
        with runs.connect(database_url) as conn:
            with_work = runs.platforms_with_work(conn)
        chosen = [p for p in with_work if not platforms or p in platforms]
        if chosen:
            break
        if time.monotonic() >= deadline:
            return None
        time.sleep(min(5.0, max(0.0, deadline - time.monotonic())))
    display = WorkerProgress(
        worker_name(settings), database_url, settings.getfloat("JOBS_PROGRESS_INTERVAL") or None
    )
    for platform in chosen:
        crawler = process.create_crawler(platform)
        process.crawl(crawler)
        display.crawlers.append(crawler)
    display.start()
    try:
        process.start()
    finally:
        display.stop()
    return [entry for w in workers_of(display.crawlers) for entry in w.crawled.values()]


def workers_of(crawlers: list[Crawler]) -> list[CompanyWorker]:
    """The CompanyWorker of each crawler whose spider exists (it is made when it starts)."""
    return [c.spider.worker for c in crawlers if getattr(c.spider, "worker", None)]
