"""One database connection per crawl process, shared by the stages that need it.

Settings read: ``DATABASE_URL`` (unset: the embedded Postgres under ``JOBS_DATA_DIR``),
``JOBS_DB_RETRY_SECONDS`` (how long a lost database is waited for).

Every crawler of the process (``scrapy crawlall`` runs one per platform) gets the same
``Database`` for the same URL; it opens on first use, closes with its last user, and
runs one operation at a time (an operation is one transaction, so two stages never
interleave statements). An operation that loses its connection (a Postgres restart, a
network cut: ``psycopg.OperationalError``) is retried on a new connection with
exponential back-off until ``JOBS_DB_RETRY_SECONDS`` have passed; every operation is
one transaction, so a retry repeats it whole. The embedded server is started again if
it went away. Past the deadline, ``DatabaseUnavailable`` says so plainly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import psycopg
from psycopg import AsyncConnection

from crawler.db.connection import DatabaseUnavailable, describe_database, resolve_database_url
from crawler.db.embedded import default_data_dir, embedded_database_url
from crawler.db.migrate import apply_migrations

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
FIRST_BACKOFF = 0.25
MAX_BACKOFF = 8.0

# A description is TOAST-compressed when it is staged and kept so when it is written:
# lz4 does that in two thirds of pglz's server CPU (bench/README.md, "The database's
# share"), and the database is what every worker shares. A server built without lz4
# (the embedded one) keeps its default, pglz.
_PREFER_LZ4 = """SELECT set_config('default_toast_compression', 'lz4', false)
                 FROM pg_settings
                 WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"""


async def connect(url: str) -> AsyncConnection:
    """A connection for the crawl's stages: autocommit, lz4 where the server has it."""
    conn = await AsyncConnection.connect(url, autocommit=True)
    await conn.execute(_PREFER_LZ4)
    return conn


class Database:
    """A shared, self-healing connection; use ``run`` for every operation."""

    _shared: dict[str, Database] = {}  # per process: one per database URL

    def __init__(self, settings: BaseSettings, url: str) -> None:
        self.settings = settings
        self.url = url
        self.retry_seconds = settings.getfloat("JOBS_DB_RETRY_SECONDS")
        self.conn: AsyncConnection | None = None
        self.lock = asyncio.Lock()
        self.users = 0
        self.reconnects = 0

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> Database:
        """The process's Database for this crawler's DATABASE_URL (one per URL)."""
        database = getattr(crawler, "jobs_database", None)
        if database is None:
            url = resolve_database_url(crawler.settings)
            database = cls._shared.get(url)
            if database is None:
                database = cls._shared[url] = cls(crawler.settings, url)
            crawler.jobs_database = database
        return database

    @property
    def where(self) -> str:
        return describe_database(self.url)

    async def open(self) -> None:
        """Migrate and connect (a crawl opening); errors say which database failed."""
        self.users += 1
        if self.conn is not None and not self.conn.closed:
            return
        try:
            await asyncio.to_thread(apply_migrations, self.url)
            self.conn = await connect(self.url)
        except psycopg.OperationalError as exc:
            self.users -= 1
            raise DatabaseUnavailable(
                f"cannot use the database {self.where}: {exc}".strip()
                + " (set DATABASE_URL, or unset it for the embedded Postgres)"
            ) from None

    async def close(self) -> None:
        self.users -= 1
        if self.users > 0:
            return
        self._shared.pop(self.url, None)
        if self.conn is not None:
            await self.conn.close()
            self.conn = None

    async def run(self, operation: Callable[[AsyncConnection], Awaitable[T]], what: str) -> T:
        """Run ``operation(conn)`` alone on the connection, retrying on a lost one."""
        deadline = time.monotonic() + self.retry_seconds
        backoff = FIRST_BACKOFF
        while True:
            try:
                async with self.lock:
                    conn = await self._connection()
                    return await operation(conn)
            except psycopg.OperationalError as exc:
                await self._drop_connection()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DatabaseUnavailable(
                        f"lost the database {self.where} while {what} and it did not come"
                        f" back within JOBS_DB_RETRY_SECONDS={self.retry_seconds:g}:"
                        f" {_first_line(exc)}"
                    ) from None
                logger.warning(
                    "database %s unreachable while %s (%s); retrying in %.1fs",
                    self.where, what, _first_line(exc), min(backoff, left),
                )  # fmt: skip
                await asyncio.sleep(min(backoff, left))
                backoff = min(backoff * 2, MAX_BACKOFF)

    async def _connection(self) -> AsyncConnection:
        if self.conn is None or self.conn.closed:
            # The embedded server may have gone with the connection: start it again.
            self.url = await asyncio.to_thread(_current_url, self.settings, self.url)
            self.conn = await connect(self.url)
            self.reconnects += 1
        return self.conn

    async def _drop_connection(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                await conn.close()


async def load_once(
    cache: dict[K, asyncio.Future[V]], key: K, load: Callable[[], Awaitable[V]]
) -> V:
    """``load()`` once per key, however many items ask at once (they are processed
    concurrently: without this, each of a board's first items would query). A failed
    load is forgotten, so the next item tries again."""
    future = cache.get(key)
    if future is None:
        future = cache[key] = asyncio.ensure_future(load())

        def forget_failure(done: asyncio.Future[V]) -> None:
            if done.cancelled() or done.exception() is not None:
                cache.pop(key, None)

        future.add_done_callback(forget_failure)
    return await future


def _current_url(settings: BaseSettings, url: str) -> str:
    """The URL to reconnect to: the embedded server's, started again if it stopped."""
    if settings.get("DATABASE_URL") and not settings.getbool("JOBS_DB_EMBEDDED"):
        return url
    data_dir = Path(settings.get("JOBS_DATA_DIR") or default_data_dir())
    try:
        return embedded_database_url(data_dir / "postgres")
    except Exception as exc:  # the server cannot start yet: the retry loop waits
        raise psycopg.OperationalError(f"embedded Postgres not available: {exc}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
