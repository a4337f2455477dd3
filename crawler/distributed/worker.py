"""The worker side of a distributed run, for one platform's crawler in a worker.

Settings read: ``REDIS_URL``, ``WORKER_REDIS_PREFIX``, ``DATABASE_URL``,
``WORKER_LEASE_SECONDS`` (a company whose worker stopped renewing its lease this long
goes back to the queue), ``WORKER_MAX_ATTEMPTS`` (recorded per run by `scrapy
enqueue`: after that many lost leases a company is ``failed``), ``WORKER_COMPANIES``
(companies one crawler crawls at a time; unset, the platform's
``PlatformSpider.worker_companies``), ``WORKER_NAME`` (default ``host:pid``).

``CompanyWorker`` takes a company (its lease in Redis, then its row in Postgres),
renews the leases of the companies it holds every third of a lease, records each
company's outcome when the store stage sends ``company_finished`` and then releases
the lease. Any worker also reaps: a company in progress whose lease is gone (its
worker was killed, or its host lost) is queued again, or ``failed`` after too many
attempts; a company queued in Postgres whose work item is missing from Redis (a
Redis restart) is pushed again.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
import redis
from scrapy import signals
from twisted.internet.task import LoopingCall

from crawler.db import runs
from crawler.db.connection import resolve_database_url
from crawler.distributed.queue import BadWorkItem, WorkItem, WorkQueue, lease_holder
from crawler.registry import Company
from crawler.signals import company_finished

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


# Redis or Postgres unreachable for a moment: log it, and try again at the next tick.
TRANSIENT_ERRORS = (redis.RedisError, psycopg.OperationalError)


@dataclass(frozen=True)
class Lease:
    holder: str  # the value of the lease key: "<run id> <worker>"
    attempt: int  # which attempt at the company this is (run_companies.attempts)


def worker_name(settings: Any) -> str:
    return settings.get("WORKER_NAME") or f"{socket.gethostname()}:{os.getpid()}"


class CompanyWorker:
    """Leases, outcomes and reaping for one platform's crawler in a worker process."""

    def __init__(self, crawler: Crawler, platform: str, companies_at_once: int) -> None:
        settings = crawler.settings
        self.platform = platform
        self.queue = WorkQueue.from_url(settings["REDIS_URL"], settings["WORKER_REDIS_PREFIX"])
        self.database_url = resolve_database_url(settings)
        self._db = runs.connect(self.database_url)
        self.name = worker_name(settings)
        self.lease_seconds = settings.getfloat("WORKER_LEASE_SECONDS")
        self.capacity = max(1, settings.getint("WORKER_COMPANIES") or companies_at_once)
        self.crawler = crawler
        self.held: dict[tuple[str, str], Lease] = {}  # (run id, slug) -> our lease on it
        # Companies this worker crawled to the end, and their status.
        self.crawled: dict[str, tuple[Company, str]] = {}
        self.on_room: list[Any] = []  # called when a company finished (room for another)
        # Finished companies whose outcome is not recorded yet: (run id, company, status, reason)
        self._unrecorded: list[tuple[str, Company, str, str]] = []
        self._renewal = LoopingCall(self._keep_leases)
        crawler.signals.connect(self._company_finished, signal=company_finished)
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @property
    def db(self) -> psycopg.Connection:
        """The bookkeeping connection, opened again if the server dropped it."""
        if self._db.closed or self._db.broken:
            self._db = runs.connect(self.database_url)
        return self._db

    # --- taking a company -------------------------------------------------------------

    def room(self) -> int:
        """How many more companies to take now (none while the worker is being stopped)."""
        return self.capacity - len(self.held) if self.crawler.crawling else 0

    def take(self, data: bytes | str) -> WorkItem | None:
        """Take the company of a popped work item: its lease, then its row. None when
        it is not ours to crawl now (bad item, already done, or held by another run,
        in which case the item goes back to the end of the queue)."""
        try:
            item = WorkItem.from_json(data)
        except BadWorkItem as exc:
            logger.error("dropped from %s: %s", self.queue.queue_key(self.platform), exc)
            self.crawler.stats.inc_value("worker/bad_work_item")
            return None
        slug = item.company.slug
        holder = lease_holder(item.run_id, self.name)
        if not self.queue.acquire(slug, holder, self.lease_seconds):
            current = self.queue.holder(slug) or ""
            if not current.startswith(f"{item.run_id} "):
                # Another run crawls this company right now: ours waits its turn.
                self.queue.push([item])
                self.crawler.stats.inc_value("worker/deferred_locked")
            return None
        attempt = runs.take_company(self.db, item.run_id, slug, self.name)
        if attempt is None:  # a repeat of an item already taken or finished
            self.queue.release(slug, holder)
            return None
        self.held[(item.run_id, slug)] = Lease(holder, attempt)
        self.crawler.stats.inc_value("worker/companies_taken")
        logger.info("took %s of run %s (attempt %s)", slug, item.run_id, attempt)
        return item

    def give_up(self, item: WorkItem, reason: str) -> None:
        """A company that cannot be crawled at all (say, no board token): failed."""
        runs.fail_company(self.db, item.run_id, item.company.slug, reason)
        self._forget(item.run_id, item.company, "failed")

    # --- outcomes ---------------------------------------------------------------------

    def _company_finished(
        self, company: Company, status: str, reason: str, run_id: str | None = None, **_: Any
    ) -> None:
        lease = self.held.get((run_id, company.slug)) if run_id else None
        if lease is None:
            return
        if status != "ok" and not self.crawler.crawling:
            # This worker is being stopped (Ctrl-C, SIGTERM, systemd): the company was cut
            # short, so it goes back to the queue for another worker to crawl whole.
            self._give_back(run_id, company.slug, lease)
        else:
            self._unrecorded.append((run_id, company, status, reason))
        self._record_outcomes()
        for callback in self.on_room:
            callback()

    def _record_outcomes(self) -> None:
        """Record finished companies; one the database refuses now stays held (its lease
        renewed) and is tried again at the next renewal."""
        while self._unrecorded:
            run_id, company, status, reason = self._unrecorded[0]
            try:
                recorded = runs.finish_company(
                    self.db, run_id, company.slug, self.name, status, reason
                )
            except TRANSIENT_ERRORS:
                logger.exception("%s: cannot record its outcome yet", company.slug)
                return
            self._unrecorded.pop(0)
            if not recorded:
                logger.error(
                    "%s: finished (%s) after this worker lost its lease of run %s;"
                    " the outcome another worker records stands",
                    company.slug, status, run_id,
                )  # fmt: skip
            self._forget(run_id, company, status)

    def _forget(self, run_id: str, company: Company, status: str) -> None:
        lease = self.held.pop((run_id, company.slug), None)
        self.crawled[company.slug] = (company, status)
        if lease is not None:
            try:
                self.queue.release(company.slug, lease.holder)
            except TRANSIENT_ERRORS:  # it expires on its own; the company is recorded
                logger.warning("%s: lease not released (it will expire)", company.slug)

    # --- leases and reaping -----------------------------------------------------------

    def start(self) -> None:
        """Reap once, then keep our leases (and reap) every third of a lease."""
        if not self._renewal.running:
            self._renewal.start(self.lease_seconds / 3, now=True)

    def _keep_leases(self) -> None:
        # Errors are logged, never raised: a LoopingCall that raises stops for good.
        try:
            self._record_outcomes()
            for (run_id, slug), lease in list(self.held.items()):
                if not self.queue.renew(slug, lease.holder, self.lease_seconds):
                    self.crawler.stats.inc_value("worker/leases_lost")
                    logger.error(
                        "%s: lease of run %s lost (not renewed within %s s): another"
                        " worker may crawl it again", slug, run_id, self.lease_seconds,
                    )  # fmt: skip
            self.reap()
        except TRANSIENT_ERRORS:
            logger.exception("keeping leases of %s failed; retrying", self.platform)

    def reap(self) -> None:
        """Queue again the companies whose worker stopped renewing their lease."""
        for row in runs.in_progress(self.db, [self.platform]):
            if (row["run_id"], row["company"]) in self.held:
                continue
            if self.queue.holder(row["company"]) == lease_holder(row["run_id"], row["worker"]):
                continue  # its worker is alive
            reason = f"lease expired on {row['worker']} (attempt {row['attempts']})"
            if row["attempts"] >= row["max_attempts"]:
                if runs.fail_company(
                    self.db, row["run_id"], row["company"],
                    f"{reason}; gave up after {row['attempts']} attempts",
                    attempts=row["attempts"],
                ):  # fmt: skip
                    logger.error("%s: %s; failed", row["company"], reason)
                continue
            if self._queue_again(row["run_id"], row["company"], row["attempts"], reason):
                logger.warning("%s: %s; queued again", row["company"], reason)
        if not self.queue.server.llen(self.queue.queue_key(self.platform)):
            for row in runs.stale_queued(self.db, [self.platform], self.lease_seconds):
                self.queue.push([WorkItem.from_dict(row["work_item"])])
                logger.warning("%s of run %s was queued but not on Redis: pushed again",
                               row["company"], row["run_id"])  # fmt: skip

    def _queue_again(self, run_id: str, slug: str, attempts: int, reason: str) -> bool:
        """Put an in-progress company back in the queue (unless someone changed it first)."""
        work_item = runs.requeue_company(self.db, run_id, slug, attempts, reason)
        if work_item is None:
            return False
        self.queue.push([WorkItem.from_dict(work_item)])
        self.crawler.stats.inc_value("worker/companies_requeued")
        return True

    def _give_back(self, run_id: str, slug: str, lease: Lease) -> None:
        self.held.pop((run_id, slug), None)
        try:
            if self._queue_again(run_id, slug, lease.attempt, f"{self.name} stopped"):
                logger.warning("%s: this worker stops; queued again for another", slug)
            self.queue.release(slug, lease.holder)
        except TRANSIENT_ERRORS:  # its lease expires, and another worker reaps it
            logger.exception("%s: not given back; its lease will expire", slug)

    def platform_has_work(self) -> bool:
        """Is a company of this platform queued or in progress in any run? (Then this
        crawler stays: a worker that dies may leave its companies to us.)"""
        return bool(self.held) or runs.open_work(self.db, [self.platform]) > 0

    def _closed(self) -> None:
        if self._renewal.running:
            self._renewal.stop()
        # Companies still held when the crawl stops early (shutdown): back to the queue
        # now, rather than when their lease expires.
        for (run_id, slug), lease in list(self.held.items()):
            self._give_back(run_id, slug, lease)
        self.held.clear()
        self._db.close()
