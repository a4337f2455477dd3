"""`scrapy demo`: an offline crawl of recorded responses into the database.

Starts a local replay server (crawler/replay.py) with the recordings listed in
``demo/<platform>.routes.json``, points every ``*_BASE_URL`` setting (and the demo
registry's ``{replay}`` careers URLs) at it, crawls every company of
``demo/<platform>.companies.toml`` in one process as `scrapy crawlall` does (one
crawler per platform, with its progress line), and prints what landed. Writes
to DATABASE_URL when set, else to the embedded Postgres, exactly as a real crawl does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.crawlall import crawl_registry
from crawler.commands.quiet import print_log_location, send_log_to_file
from crawler.db.connection import DatabaseUnavailable, prepare_database
from crawler.db.embedded import PROJECT_ROOT
from crawler.db.summary import open_postings_by_company
from crawler.extensions.progress import ProgressDisplay
from crawler.registry import load_registry
from crawler.replay import ReplayServer, load_routes

DEMO_DIR = PROJECT_ROOT / "demo"
# One port run after run: a posting URL built from the host (Workday without
# externalUrl) then stays the same, and a second demo finds everything unchanged.
DEMO_PORT = 8765


def demo_registry_text(replay_url: str) -> str:
    """All demo registry files as one registry, ``{replay}`` filled in."""
    files = sorted(DEMO_DIR.glob("*.companies.toml"))
    text = "\n".join(path.read_text(encoding="utf-8") for path in files)
    return text.replace("{replay}", replay_url)


class Command(ScrapyCommand):
    requires_project = True

    def short_desc(self) -> str:
        return "Crawl recorded responses from a local replay server (no internet needed)"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        self.log_file = send_log_to_file(self.settings, "demo")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        route_files = sorted(DEMO_DIR.glob("*.routes.json"))
        if not route_files:
            raise UsageError(f"no demo recordings in {DEMO_DIR}: run from a checkout")
        try:
            database_url = prepare_database(self.settings)
        except DatabaseUnavailable as exc:
            raise UsageError(str(exc), print_help=False) from None
        routes = [route for path in route_files for route in load_routes(path)]
        try:
            server = ReplayServer(routes, port=DEMO_PORT).start()
        except OSError:  # the port is taken: any free one will do
            server = ReplayServer(routes).start()
        try:
            registry_file = self._demo_registry(server.url)
            self.settings.set("COMPANIES_FILE", str(registry_file), priority="cmdline")
            for name in list(self.settings.attributes):
                if name.endswith("_BASE_URL"):
                    self.settings.set(name, server.url, priority="cmdline")
            crawl_registry(self.crawler_process, load_registry(registry_file), ProgressDisplay())
        finally:
            server.stop()
        if server.unmatched:
            print(f"requests with no recording: {server.unmatched}")
        self._print_summary(database_url)
        print_log_location(self.log_file)

    def _demo_registry(self, replay_url: str) -> Path:
        data_dir = Path(self.settings.get("JOBS_DATA_DIR") or PROJECT_ROOT / ".data")
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / "demo-companies.toml"
        path.write_text(demo_registry_text(replay_url), encoding="utf-8")
        return path

    @staticmethod
    def _print_summary(database_url: str) -> None:
        rows = open_postings_by_company(database_url)
        print(f"\n{'company':<22}{'platform':<17}{'open':>6}  last crawl")
        for row in rows:
            print(
                f"{row['name']:<22}{row['platform']:<17}{row['open']:>6}  {row['last_status']}"
                f" (new {row['new']}, updated {row['updated']}, unchanged {row['unchanged']},"
                f" closed {row['closed']})"
            )
        print(f"\n{sum(r['open'] for r in rows)} open postings from {len(rows)} companies")
