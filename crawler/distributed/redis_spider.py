"""Every adaptation of scrapy-redis 0.9.1 to this project and to Scrapy 2.19, in one place.

scrapy-redis 0.9.1 predates Scrapy 2.16. We use only its ``RedisMixin`` (the start
queue a spider pops when idle) and its Redis connection from settings; each seam
below says why it exists, so it can go when scrapy-redis catches up:

1. ``async def start()``: Scrapy 2.19 never calls ``start_requests()``, which is how
   the mixin feeds a spider its first batch; ``start()`` pops it instead.
2. JSON work items, parsed in ``make_request_from_data``: the mixin turns a plain
   string into a request with a deprecation warning, and a JSON object into a
   FormRequest of its ``url``. Ours is a company of a run (crawler/distributed/
   queue.py), which becomes that company's first requests through
   ``PlatformSpider.begin_company``, so the platform spider crawls it unchanged.
3. ``spider_idle`` decides when to stop from the runs: with its default
   ``MAX_IDLE_TIME_BEFORE_CLOSE = 0`` the mixin keeps a spider open forever, and any
   other value is a guess. Ours stays while its platform has a company queued or in
   progress in some run (a worker that dies may leave its companies to us), and
   closes when there is none: as soon as its last company is recorded, rather than
   at the engine's next idle check (every 5 seconds).
4. ``next_requests`` pops only as many items as the worker has room for
   (``WORKER_COMPANIES``, or the platform's ``worker_companies()``): the mixin pops
   ``CONCURRENT_REQUESTS`` at a time, which would hoard companies in one worker while
   another idles; the worker also asks for more as soon as a company finishes, not only
   when the whole spider is idle.
5. Not used: the scrapy-redis scheduler, dupefilter and stats collector. A company's
   requests stay in the worker that took it (the unit of distribution is a company),
   so there is no shared request queue to schedule; they also pass ``spider=`` to
   the stats collector and call ``Spider.log()``, both deprecated in Scrapy 2.19.

Settings read: ``REDIS_URL``, ``WORKER_REDIS_PREFIX`` (the queue key is
``<prefix>:queue:<platform>``), and those of crawler/distributed/worker.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, UsageError
from scrapy.http import Request
from scrapy_redis.spiders import RedisMixin

from crawler.distributed.worker import TRANSIENT_ERRORS, CompanyWorker
from crawler.registry import Company

# How often a worker with nothing in hand looks whether other workers' companies of its
# platform are done: one indexed count of the runs (run_companies_open), cheap enough
# ten times a second, so a worker that ran out of companies exits within 0.1 s of the
# run's last one being recorded.
OTHERS_POLL_SECONDS = 0.1


class CompanyQueueMixin(RedisMixin):
    """Makes a platform spider a worker: companies come from its Redis queue."""

    worker: CompanyWorker

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        if not crawler.settings.get("REDIS_URL"):
            raise UsageError("a worker needs REDIS_URL: the Redis its runs are queued on")
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.redis_key = f"{crawler.settings['WORKER_REDIS_PREFIX']}:queue:{spider.name}"
        spider.setup_redis(crawler)
        spider.worker = CompanyWorker(crawler, spider.name, cls.worker_companies())
        spider.worker.on_room.append(spider._after_company)
        return spider

    def select_companies(self) -> list[Company]:
        return []  # a worker's companies come from the queue, not from the registry

    # (1) Scrapy 2.19 starts a spider with start(), never start_requests().
    async def start(self) -> AsyncIterator[Any]:
        self.worker.start()
        for request in self.next_requests():
            yield request

    # (4) Pop no more companies than there is room for.
    def next_requests(self) -> Iterable[Request]:
        room = self.worker.room()
        if room <= 0:
            return
        self.redis_batch_size = room
        yield from super().next_requests()

    # (2) A JSON work item is a company of a run: take it, and begin its crawl.
    def make_request_from_data(self, data: bytes) -> list[Request]:
        item = self.worker.take(data)
        if item is None:
            return []
        try:
            target = self.target_for(item.company)
        except UsageError as exc:
            self.worker.give_up(item, str(exc))
            self.logger.error("%s: %s", item.company.slug, exc)
            return []
        return list(self.begin_company(target, run_id=item.run_id))

    # (3) Close when no run has a company of this platform queued or in progress.
    def spider_idle(self) -> None:
        try:
            self.worker.reap()
            self.schedule_next_requests()
            has_work = self.worker.platform_has_work()
        except TRANSIENT_ERRORS:
            self.logger.exception("cannot reach the runs; trying again when idle")
            has_work = True
        if has_work:
            raise DontCloseSpider


    def _after_company(self) -> None:
        """A company was recorded: take the next, or close if that was the last."""
        self.schedule_next_requests()
        if not self.worker.held:
            asyncio.get_event_loop().call_later(0.1, self._close_if_done)

    def _close_if_done(self) -> None:
        engine = self.crawler.engine
        if engine is None or engine.spider is None or self.worker.held:
            return
        try:
            if not engine.spider_is_idle():
                return
            if self.worker.platform_has_work():
                # Another worker's companies are still in progress: look again soon,
                # not at the engine's next idle check up to 5 s later, which the last
                # worker of a run would wait out (that check still takes what a dead
                # worker's companies give back).
                asyncio.get_event_loop().call_later(OTHERS_POLL_SECONDS, self._close_if_done)
                return
        except TRANSIENT_ERRORS:
            return  # the engine's own idle check decides later
        self._closing = asyncio.ensure_future(engine.close_spider_async(reason="finished"))


_WORKER_CLASSES: dict[type, type] = {}


def worker_spider_class(spider_class: type) -> type:
    """The worker form of a platform spider: the same spider, fed from Redis."""
    if spider_class not in _WORKER_CLASSES:
        _WORKER_CLASSES[spider_class] = type(
            f"{spider_class.__name__}Worker", (CompanyQueueMixin, spider_class), {}
        )
    return _WORKER_CLASSES[spider_class]
