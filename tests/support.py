"""Helpers the tests share: real crawls in a subprocess, database queries, fake responses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
# Settings that must never leak from the developer's shell into a test crawl.
_ISOLATED_ENV = ("DATABASE_URL", "COMPANIES_FILE", "REDIS_URL", "JOBS_DATA_DIR")


# `python -W error::scrapy.exceptions...` cannot name a category before scrapy is
# imported, so the child process installs the filter itself, then runs the CLI.
_SCRAPY_WITH_DEPRECATIONS_AS_ERRORS = (
    "import sys, warnings; from scrapy.exceptions import ScrapyDeprecationWarning; "
    "warnings.simplefilter('error', ScrapyDeprecationWarning); "
    "sys.argv[0] = 'scrapy'; from scrapy.cmdline import execute; execute()"
)


def fixture_text(relative: str) -> str:
    return (FIXTURES / relative).read_text(encoding="utf-8")


@dataclass
class CrawlResult:
    returncode: int
    log: str

    def assert_clean(self) -> None:
        """The crawl ran to its end with no traceback and no deprecated Scrapy API."""
        assert self.returncode == 0, self.log[-4000:]
        assert "ScrapyDeprecationWarning" not in self.log, self.log[-4000:]
        assert "Traceback" not in self.log, self.log[-4000:]
        assert "Spider closed (finished)" in self.log, self.log[-4000:]


def run_scrapy(
    *args: str, settings: dict[str, Any] | None = None, timeout: int = 180, quiet: bool = False
) -> CrawlResult:
    """Run `scrapy <args>` from the project root in a fresh process, as an operator would.

    Scrapy's deprecation warnings are errors there too. Its log is on stderr (``-L
    INFO``), where the commands that are quiet by default would write it to a file;
    ``quiet=True`` runs them as an operator's plain command does.
    """
    command = scrapy_command(*args, settings=settings, log_to_stderr=not quiet)
    completed = subprocess.run(
        command, cwd=PROJECT_ROOT, env=scrapy_env(),
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return CrawlResult(completed.returncode, completed.stdout + completed.stderr)


def scrapy_command(
    *args: str, settings: dict[str, Any] | None = None, log_to_stderr: bool = True
) -> list[str]:
    """The command line of `scrapy <args> -s ...`, deprecations as errors; Scrapy's log
    on stderr (``-L INFO``) unless ``log_to_stderr`` is False or a log option is given."""
    command = [sys.executable, "-c", _SCRAPY_WITH_DEPRECATIONS_AS_ERRORS, *args]
    if log_to_stderr and not {"-L", "--loglevel", "--logfile", "--nolog"} & set(args):
        command += ["-L", (settings or {}).get("LOG_LEVEL", "INFO")]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    return command


def scrapy_env() -> dict[str, str]:
    """The environment of a test's scrapy process: none of the developer's settings."""
    return {k: v for k, v in os.environ.items() if k not in _ISOLATED_ENV}


def start_scrapy(*args: str, settings: dict[str, Any] | None = None) -> subprocess.Popen:
    """`scrapy <args>` started in the background (stdout and stderr merged, as text)."""
    return subprocess.Popen(
        scrapy_command(*args, settings=settings), cwd=PROJECT_ROOT, env=scrapy_env(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def finish_scrapy(process: subprocess.Popen, timeout: int = 180) -> CrawlResult:
    """Wait for a process of start_scrapy; its exit code and output (killed, with what
    it printed, when it outlives the timeout)."""
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"still running after {timeout} s:\n{output[-6000:]}") from None
    return CrawlResult(process.returncode, output)


def query(database_url: str, sql: str, params: Any = None) -> list[dict[str, Any]]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def stored_postings(database_url: str) -> dict[str, dict[str, Any]]:
    """Every stored posting, by external id."""
    rows = query(database_url, "SELECT * FROM postings ORDER BY external_id")
    return {row["external_id"]: row for row in rows}


def latest_runs(database_url: str) -> dict[str, dict[str, Any]]:
    """Each company's latest crawl_runs row."""
    rows = query(database_url, "SELECT * FROM crawl_runs ORDER BY id")
    return {row["company"]: row for row in rows}


def make_spider(spidercls: type, settings: dict[str, Any] | None = None, **spider_args: Any):
    """A spider built as Scrapy builds it (from_crawler), for parsing tests."""
    crawler = get_crawler(spidercls, settings)
    return crawler._create_spider(**spider_args)


def fake_response(
    url: str, body: str | bytes, meta: dict[str, Any] | None = None, status: int = 200
) -> TextResponse:
    request = Request(url, meta=meta or {})
    if isinstance(body, str):
        body = body.encode()
    return TextResponse(url, body=body, status=status, request=request, encoding="utf-8")


def _toml_value(value: Any) -> str:
    """A TOML value: dates bare (checked = 2026-12-07), the rest as JSON writes them."""
    return value.isoformat() if isinstance(value, date) else json.dumps(value)


def write_registry(path: Path, companies: list[dict[str, Any]]) -> Path:
    """A registry file (for COMPANIES_FILE) with these [[company]] entries."""
    lines = []
    for company in companies:
        lines.append("[[company]]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in company.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
