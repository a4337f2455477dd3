"""Project settings: every default lives here.

Operators override any setting with ``-s NAME=value``; the names in
``ENVIRONMENT_SETTINGS`` may also come from the environment variable of the same
name (the ``-s`` form wins, as Scrapy gives the command line a higher priority).
"""

import os

from crawler.spiders import platform_spiders

BOT_NAME = "careers-crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

USER_AGENT = "careers-crawler/0.1 (+https://github.com/careers-crawler)"
ROBOTSTXT_OBEY = False  # the platforms' public job APIs are meant for machines
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logformatter.PostingLogFormatter"
# Scrapy re-reads a callback's source (inspect + ast) to warn about generators that
# return a value, on every response: our spiders are tested, the warning costs 1% of
# a crawl.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Scrapy's in-memory stats without a wrapper on every attribute access (crawler/stats.py)
STATS_CLASS = "crawler.stats.StatsCollector"

# Polite by default: few requests per host, AutoThrottle adapts to the latency.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
DOWNLOAD_TIMEOUT = 30
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_TIMES = 3
# Postings of one response processed at once (Scrapy's default: 100). Each holds its
# description in three forms; fewer in flight keeps memory flat at no cost in speed
# (bench/README.md).
CONCURRENT_ITEMS = 32
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]

# Scrapy 2.19 starts a RemoteControl HTTP server that runs Python posted to it.
# Nothing listens that nobody asked for: an operator may turn it on with -s.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

SPIDER_MIDDLEWARES = {
    # Completion accounting (crawler/middlewares/accounting.py): next to the engine...
    "crawler.middlewares.accounting.HandedOnMiddleware": 10,
    "crawler.middlewares.errors.CompanyErrorsMiddleware": 50,
    # ...and next to the spider, so a request dropped in between is noticed.
    "crawler.middlewares.accounting.IssuedMiddleware": 990,
}

# Runs the stages of ITEM_PIPELINES; a posting whose source is unchanged since it was
# stored skips the stages that would recompute it (crawler/pipelines/manager.py).
ITEM_PROCESSOR = "crawler.pipelines.manager.PostingPipelineManager"

ITEM_PIPELINES = {
    "crawler.pipelines.unchanged.UnchangedSourcePipeline": 50,
    "crawler.pipelines.clean.CleanPipeline": 100,
    "crawler.pipelines.validate.ValidatePipeline": 200,
    "crawler.pipelines.dedupe.DedupePipeline": 300,
    # 400-799: enrichment stages (location, pay, seniority, role family, AI skills)
    "crawler.pipelines.same_job.SameJobPipeline": 400,
    "crawler.pipelines.location.LocationPipeline": 450,
    "crawler.pipelines.pay.PayPipeline": 500,
    "crawler.pipelines.classify.ClassifyPipeline": 550,
    "crawler.pipelines.ai_skills.AiSkillsPipeline": 600,
    "crawler.pipelines.store.PostgresPipeline": 900,
}

# --- settings of this project (prefixed by component) ------------------------------

# Where postings go. Unset: an embedded Postgres under JOBS_DATA_DIR.
DATABASE_URL = None
# Project-local folder for the embedded Postgres and other state. Unset: <project>/.data
JOBS_DATA_DIR = None
# Rows are written in batches of this many (from all companies in flight)...
JOBS_DB_BATCH_SIZE = 500
# ...or when the oldest buffered row has waited this many seconds, or when its company
# finishes.
JOBS_DB_FLUSH_SECONDS = 2.0
# A lost database (restart, network cut) is waited for this long, retrying with
# back-off; then the crawl stops, closes nothing and exits non-zero.
JOBS_DB_RETRY_SECONDS = 120.0
# A crawl that sees fewer than this share of a company's open postings (when it had at
# least JOBS_CLOSE_MIN_OPEN open) is "suspiciously shrunken" and closes nothing.
JOBS_CLOSE_MIN_RATIO = 0.5
JOBS_CLOSE_MIN_OPEN = 10
# Child processes that run the CPU-heavy stages (clean, location, pay, classify,
# AI skills) beside the crawl process, to use more cores; 0: every stage in the crawl
# process (crawler/pipelines/stage_pool.py).
JOBS_STAGE_PROCESSES = 0

# The registry. Unset: crawler/companies.toml in the package.
COMPANIES_FILE = None

# Distributed runs (crawler/distributed/): set, and `scrapy enqueue` queues a run's
# companies on this Redis for workers (`scrapy crawlall --worker`) on any host to share.
# Unset: everything runs in one process.
REDIS_URL = None
# Every Redis key starts with this (several deployments, or tests, may share a Redis).
WORKER_REDIS_PREFIX = "careers-crawler"
# A worker renews the lease of each company it crawls; one that stops renewing for this
# long (killed, host lost) has its company put back in the queue for another worker.
WORKER_LEASE_SECONDS = 300
# After this many lost leases a company is recorded failed (recorded per run by enqueue).
WORKER_MAX_ATTEMPTS = 3
# Companies one worker crawler (one platform) crawls at a time. Unset: 4 on platforms
# whose API host serves every company (Greenhouse, Lever, ...), 8 on per-tenant ones
# (Workday, ...), whose companies are on hosts of their own (PlatformSpider.worker_companies).
WORKER_COMPANIES = None
# How a worker is named in `scrapy runs`. Unset: host:pid.
WORKER_NAME = None
# Set by `scrapy crawlall --worker` (or Scrapyd's setting=WORKER_ENABLED=true): spiders
# take their companies from the Redis queue (crawler/distributed/loader.py).
WORKER_ENABLED = False
SPIDER_LOADER_CLASS = "crawler.distributed.loader.WorkerSpiderLoader"

# API hosts of the platforms (GREENHOUSE_BASE_URL, LEVER_EU_BASE_URL, ...): each
# platform's spider class declares its settings and their defaults
# (``base_url_settings()``), so a new platform is one module. Per-tenant ones are
# templates: {board} is the company's board token, and a registry careers URL's host
# wins over the template.
PLATFORM_BASE_URLS = {
    setting: default
    for spider in platform_spiders().values()
    for setting, default in spider.base_url_settings().items()
}
globals().update(PLATFORM_BASE_URLS)

# The system Chromium that scrapy-playwright drives (never a browser download).
CHROMIUM_EXECUTABLE_PATH = "/usr/bin/chromium"

# Page sizes and caps of the paged platforms.
LEVER_PAGE_SIZE = 100
TEAMTAILOR_PAGE_SIZE = 100
WORKDAY_RESULT_CAP = 2000  # the most a Workday search returns; above it, split by facets

# Seconds between two progress updates of `scrapy crawlall` (redrawn on a terminal,
# logged otherwise); 0: 1 s on a terminal, 30 s in a log.
JOBS_PROGRESS_INTERVAL = 0

# jsonld spider (schema.org JobPosting pages): caps per company, and how long a
# script-built page may take to build its job list in the browser.
JSONLD_MAX_LISTING_PAGES = 20
JSONLD_MAX_POSTING_PAGES = 500
JSONLD_RENDER_WAIT_MS = 10000

ENVIRONMENT_SETTINGS = (
    "DATABASE_URL",
    "JOBS_DATA_DIR",
    "COMPANIES_FILE",
    "REDIS_URL",
    "WORKER_REDIS_PREFIX",
    "WORKER_NAME",
    "CHROMIUM_EXECUTABLE_PATH",
    *PLATFORM_BASE_URLS,
)
for _name in ENVIRONMENT_SETTINGS:
    if os.environ.get(_name):
        globals()[_name] = os.environ[_name]
