"""The spider loader: a platform spider, or its worker form when ``WORKER_ENABLED`` is set.

This is how settings choose a spider's start feed (as scrapy-redis intends): nothing
in a platform spider knows it is distributed. `scrapy crawlall --worker` sets
``WORKER_ENABLED`` for its crawlers; Scrapyd schedules one platform's worker with
``setting=WORKER_ENABLED=true``.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader
from scrapy.spiders import Spider


class WorkerSpiderLoader(SpiderLoader):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.worker = settings.getbool("WORKER_ENABLED")

    def load(self, spider_name: str) -> type[Spider]:
        spider_class = super().load(spider_name)
        if not self.worker:
            return spider_class
        from crawler.distributed.redis_spider import worker_spider_class

        return worker_spider_class(spider_class)
