"""Versioned schema migrations: numbered ``.sql`` files in ``crawler/db/migrations``.

``apply_migrations`` is idempotent and safe when two crawls start at once: a
transaction-level advisory lock serialises them, and each file is applied once, in
its own transaction, recorded in ``schema_migrations``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import psycopg

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant shared by every process that migrates this database.
MIGRATION_LOCK_KEY = 0x6A6F6273  # "jobs"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    migrations = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        number, _, name = path.stem.partition("_")
        migrations.append(Migration(int(number), name, path.read_text(encoding="utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number in {MIGRATIONS_DIR}")
    return migrations


def apply_migrations(database_url: str, up_to: int | None = None) -> list[Migration]:
    """Bring the schema up to date (or to version ``up_to``: a test of a later
    migration on an older database); return the migrations this call applied."""
    applied: list[Migration] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        for migration in available_migrations():
            if up_to is not None and migration.version > up_to:
                break
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
                conn.execute(
                    """CREATE TABLE IF NOT EXISTS schema_migrations (
                           version integer PRIMARY KEY,
                           name text NOT NULL,
                           applied_at timestamptz NOT NULL DEFAULT now())"""
                )
                done = conn.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = %s", (migration.version,)
                ).fetchone()
                if done:
                    continue
                logger.info("applying migration %04d_%s", migration.version, migration.name)
                conn.execute(migration.sql.encode())
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
                applied.append(migration)
    return applied
