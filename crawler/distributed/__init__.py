"""Distributed crawl: workers on any number of hosts share runs through Redis.

The unit of work is a company crawl. `scrapy enqueue` records a run in Postgres
(crawler/db/runs.py) and pushes one JSON work item per company onto its platform's
Redis list (``queue.py``). A worker (`scrapy crawlall --worker`, or one platform's
`scrapy crawl <platform> -s WORKER_ENABLED=true`, which is what Scrapyd schedules)
runs the platform spiders with a scrapy-redis mixin chosen by settings
(``loader.py``, ``redis_spider.py``): it pops a work item, takes the company's lease
and crawls the whole company itself. ``worker.py`` renews the leases, records each
company's outcome when the store stage sends ``company_finished``, and puts the
companies of a worker that stopped renewing back in the queue.
"""
