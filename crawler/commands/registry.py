"""`scrapy registry check [--stale DAYS]`: is the registry still true? (No crawling.)

Settings read: ``COMPANIES_FILE`` (the registry), ``DATABASE_URL`` (unset: the
embedded Postgres) for each company's last crawl.

Lists every entry: its platform and board, when its evidence was checked, its last
crawl's status (from the ``company_health`` view), and what needs a look: evidence
older than DAYS, an entry marked doubtful, a board that failed or keeps coming back
empty, a move a crawl proposed. Each proposed move is printed as the registry entry
to paste over the old one. ``--stale DAYS`` lists only the entries that need a look,
and exits 1 when there is any (for a scheduled check).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.db.connection import describe_database, resolve_database_url
from crawler.db.health import ProposedMove, company_health
from crawler.db.migrate import apply_migrations
from crawler.registry import Company, RegistryError, company_toml, load_registry


@dataclass(frozen=True)
class EntryStatus:
    """One registry entry beside what the crawls say about it."""

    company: Company
    health: dict[str, Any] | None  # its company_health row (None: never crawled)

    @property
    def last_crawl(self) -> str:
        if self.health is None:
            return "never"
        if not self.crawled_as_registered:
            return "other board"
        if self.health["last_status"] == "ok" and self.health["last_seen"] == 0:
            return "empty"
        return self.health["last_status"]

    @property
    def crawled_as_registered(self) -> bool:
        """Whether the last crawl was of the board the registry names now."""
        health, company = self.health or {}, self.company
        return health.get("platform") == company.platform and (
            company.board is None or health.get("board") == company.board
        )

    @property
    def move(self) -> ProposedMove | None:
        """The board its careers page names instead, unless the registry already has it."""
        move = ProposedMove.from_health(self.health)
        if move is None or (move.platform, move.board) == (
            self.company.platform, self.company.board,
        ):  # fmt: skip
            return None
        return move

    def needs_a_look(self, stale_days: int | None, today: date) -> list[str]:
        """Why an editor should look at this entry (empty: it looks true)."""
        company, health, reasons = self.company, self.health, []
        if company.checked is None:
            reasons.append("no evidence recorded")
        elif stale_days is not None and (today - company.checked).days > stale_days:
            reasons.append(f"checked {(today - company.checked).days} days ago")
        if company.doubtful:
            reasons.append(f"doubtful: {company.doubtful}")
        if health is not None and self.crawled_as_registered:
            if health["last_status"] != "ok":
                reasons.append(f"last crawl {health['last_status']}: {health['last_reason']}")
            if health["broken"]:
                reasons.append(f"broken: {health['consecutive_bad']} bad runs in a row")
            elif health["last_status"] == "ok" and health["last_seen"] == 0:
                reasons.append("last crawl listed nothing")
        if self.move is not None:
            reasons.append(f"moved? now {self.move.describe()}")
        elif health is not None and self.crawled_as_registered and health["board_search_url"]:
            reasons.append(
                f"careers page {health['board_search_url']} {health['board_search_note']}"
            )
        return reasons


def format_check(statuses: list[EntryStatus], stale_days: int | None, today: date) -> str:
    """The table of entries (only those needing a look when ``stale_days`` is given)."""
    lines = [
        f"{'company':<22}{'platform':<16}{'board':<34}{'checked':<12}{'last crawl':<12}"
        "evidence / needs a look"
    ]
    shown = 0
    for status in statuses:
        company = status.company
        reasons = status.needs_a_look(stale_days, today)
        if stale_days is not None and not reasons:
            continue
        shown += 1
        board = company.board or company.careers_url or ""
        checked = company.checked.isoformat() if company.checked else "-"
        lines.append(
            f"{company.slug:<22}{company.platform:<16}{_clip(board, 33):<34}{checked:<12}"
            f"{status.last_crawl:<12}{company.evidence or '-'}"
        )
        lines += [f"    ! {reason}" for reason in reasons]
    needing = [s for s in statuses if s.needs_a_look(stale_days, today)]
    lines.append(
        f"\n{len(statuses)} registry entries, {len(needing)} need a look"
        + (f" (evidence older than {stale_days} days counts)" if stale_days is not None else "")
        + ("; showing only those" if stale_days is not None else "")
    )
    for status in statuses:
        move = status.move
        if move is not None and (stale_days is None or status in needing):
            lines.append(
                f"\n# {status.company.slug}: its careers page names another board;"
                " check it, then paste this over its entry"
            )
            lines.append(company_toml(move.entry(status.company)).rstrip())
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "check [--stale DAYS]"

    def short_desc(self) -> str:
        return "Check the registry: evidence, last crawls, proposed board moves (no crawling)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--stale", type=int, metavar="DAYS",
            help="list only entries that need a look: evidence older than DAYS, doubtful,"
            " failing or empty, or with a proposed move (exit code 1 when any)",
        )  # fmt: skip

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args != ["check"]:
            raise UsageError("the only subcommand is `check`: scrapy registry check [--stale DAYS]")
        if opts.stale is not None and opts.stale < 0:
            raise UsageError(f"--stale takes a number of days (0 or more), not {opts.stale}")
        assert self.settings is not None
        try:
            companies = load_registry(self.settings.get("COMPANIES_FILE"))
        except RegistryError as exc:
            raise UsageError(str(exc), print_help=False) from exc
        database_url = resolve_database_url(self.settings)
        try:
            apply_migrations(database_url)
            health = company_health(database_url, [c.slug for c in companies])
        except psycopg.OperationalError as exc:
            raise UsageError(
                f"cannot read crawl results from {describe_database(database_url)}: {exc}".strip()
                + " (set DATABASE_URL, or unset it for the embedded Postgres)",
                print_help=False,
            ) from None
        statuses = [EntryStatus(c, health.get(c.slug)) for c in companies]
        today = date.today()
        print(format_check(statuses, opts.stale, today), flush=True)
        if opts.stale is not None and any(s.needs_a_look(opts.stale, today) for s in statuses):
            self.exitcode = 1
