"""`scrapy migrate`: bring the database schema up to date (a crawl does it too)."""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand

from crawler.db.connection import resolve_database_url
from crawler.db.migrate import apply_migrations, available_migrations


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def short_desc(self) -> str:
        return "Apply the schema migrations to DATABASE_URL (or the embedded Postgres)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        url = resolve_database_url(self.settings)
        applied = apply_migrations(url)
        latest = available_migrations()[-1]
        for migration in applied:
            print(f"applied {migration.version:04d}_{migration.name}")
        print(f"schema is at version {latest.version:04d} ({len(applied)} applied now)")
