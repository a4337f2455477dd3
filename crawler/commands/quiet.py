"""Quiet by default: the commands that crawl many companies show a progress line and a
closing table, and send Scrapy's own log to a file.

Settings read: ``LOG_FILE``, ``LOG_LEVEL``, ``JOBS_DATA_DIR``. Scrapy's log goes to
``<data dir>/logs/<command>.log`` (appended), unless the operator asked for it: ``-L
LEVEL`` (or ``-s LOG_LEVEL=...``) keeps it on stderr, ``--logfile`` picks the file.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler.db.embedded import default_data_dir


def send_log_to_file(settings: BaseSettings, command: str) -> Path | None:
    """Point LOG_FILE at the data dir unless a log level or file was asked for; the file,
    or None when the log stays where the operator wanted it."""
    asked = SETTINGS_PRIORITIES["cmdline"]
    if settings.get("LOG_FILE") or (settings.getpriority("LOG_LEVEL") or 0) >= asked:
        return None
    if (settings.getpriority("LOG_ENABLED") or 0) >= asked:  # --nolog
        return None
    logs = Path(settings.get("JOBS_DATA_DIR") or default_data_dir()) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / f"{command}.log"
    settings.set("LOG_FILE", str(path), priority="cmdline")
    return path


def print_log_location(path: Path | None) -> None:
    if path is not None:
        print(f"Scrapy's log: {path} (-L INFO shows it here instead)", flush=True)
