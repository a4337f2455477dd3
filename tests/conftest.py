"""Databases and replay servers for the tests.

Every test that writes gets its own database, cloned from a migrated template, on
TEST_DATABASE_URL's server, or on the embedded Postgres when it is unset.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from crawler.db.embedded import default_data_dir, embedded_database_url
from crawler.db.migrate import apply_migrations
from crawler.replay import ReplayServer
from tests.support import FIXTURES, PROJECT_ROOT


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """A maintenance connection to the server the test databases live on."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return embedded_database_url(default_data_dir() / "test-postgres")


def _create_database(server_url: str, name: str, template: str | None = None) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)
    return make_conninfo(server_url, dbname=name)


def _drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def template_database(pg_server_url: str) -> Iterator[str]:
    """A migrated database that each test's database is cloned from (fast)."""
    name = f"cc_template_{uuid.uuid4().hex[:10]}"
    url = _create_database(pg_server_url, name)
    apply_migrations(url)
    yield name
    _drop_database(pg_server_url, name)


@pytest.fixture
def database_url(pg_server_url: str, template_database: str) -> Iterator[str]:
    """A fresh, migrated database for one test, dropped afterwards."""
    name = f"cc_test_{uuid.uuid4().hex[:12]}"
    url = _create_database(pg_server_url, name, template=template_database)
    yield url
    _drop_database(pg_server_url, name)


@pytest.fixture
def other_database_url(pg_server_url: str, template_database: str) -> Iterator[str]:
    """A second fresh database, for a test that compares two crawls side by side."""
    name = f"cc_test_{uuid.uuid4().hex[:12]}"
    url = _create_database(pg_server_url, name, template=template_database)
    yield url
    _drop_database(pg_server_url, name)


@pytest.fixture
def empty_database_url(pg_server_url: str) -> Iterator[str]:
    """A fresh database with no schema at all (for migration tests)."""
    name = f"cc_empty_{uuid.uuid4().hex[:12]}"
    yield _create_database(pg_server_url, name)
    _drop_database(pg_server_url, name)


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """A local server replaying recorded platform responses."""
    with ReplayServer() as server:
        yield server


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT
