"""Which database a crawl or a command talks to.

Settings read: ``DATABASE_URL`` (a Postgres URL; unset means the embedded server)
and ``JOBS_DATA_DIR`` (where the embedded server keeps its data; unset: ``.data`` in
the project).
"""

from __future__ import annotations

from pathlib import Path

from psycopg.conninfo import conninfo_to_dict
from scrapy.settings import BaseSettings

from crawler.db.embedded import default_data_dir, embedded_database_url


def resolve_database_url(settings: BaseSettings) -> str:
    """The configured DATABASE_URL, or the embedded server's (started if needed)."""
    url = settings.get("DATABASE_URL")
    if url:
        return url
    data_dir = Path(settings.get("JOBS_DATA_DIR") or default_data_dir())
    return embedded_database_url(data_dir / "postgres")


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot be reached or migrated (the message says which)."""


def describe_database(url: str) -> str:
    """Where a URL points, without its password, for error messages."""
    try:
        parts = conninfo_to_dict(url)
    except Exception:  # an unparsable URL is reported as such by psycopg itself
        return "DATABASE_URL (unparsable)"
    parts.pop("password", None)
    host = parts.get("host", "local socket")
    return f"{parts.get('user', '?')}@{host}:{parts.get('port', 5432)}/{parts.get('dbname', '?')}"


def prepare_database(settings: BaseSettings) -> str:
    """Resolve, reach and migrate the crawl's database before any crawler starts.

    Pins the resolved URL in ``settings`` (so every crawler of the process uses the
    same server) and marks an embedded one (``JOBS_DB_EMBEDDED``: a lost connection
    restarts it rather than reconnecting by URL). Raises DatabaseUnavailable, with the
    password left out, when the database cannot be used.
    """
    import psycopg

    from crawler.db.migrate import apply_migrations

    embedded = not settings.get("DATABASE_URL")
    url = resolve_database_url(settings)
    try:
        apply_migrations(url)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot use the database {describe_database(url)}: {exc}".strip()
            + " (set DATABASE_URL, or unset it for the embedded Postgres)"
        ) from None
    settings.set("DATABASE_URL", url, priority="cmdline")
    settings.set("JOBS_DB_EMBEDDED", embedded, priority="cmdline")
    return url
