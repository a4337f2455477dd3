"""`scrapy runs [RUN_ID] [--limit N]`: where the distributed runs stand.

Settings read: ``DATABASE_URL``.

Without a run id, the newest runs (10 unless ``--limit``), one line each: when it was
queued, how many of its companies are queued, in progress, done ok, partial and
failed, elapsed time (to now while it runs), and which worker holds each company in
progress. With a run id, each company of that run: state, worker, attempts, reason.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.db import runs
from crawler.db.connection import DatabaseUnavailable, prepare_database


def format_elapsed(elapsed: timedelta) -> str:
    seconds = int(elapsed.total_seconds())
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def format_overview(rows: list[dict]) -> str:
    if not rows:
        return "no runs yet: `scrapy enqueue` starts one"
    lines = [
        f"{'run':<26}{'queued at':<18}{'total':>6}{'queued':>7}{'in prog':>8}{'ok':>6}"
        f"{'partial':>8}{'failed':>7}  {'elapsed':<9} state"
    ]
    for row in rows:
        state = "done" if row["finished_at"] else "running"
        lines.append(
            f"{row['id']:<26}{row['created_at']:%Y-%m-%d %H:%M}  {row['companies']:>6}"
            f"{row['queued']:>7}{row['in_progress']:>8}{row['ok']:>6}{row['partial']:>8}"
            f"{row['failed']:>7}  {format_elapsed(row['elapsed']):<9} {state}"
        )
        if row["working"]:
            lines.append(f"{'':<4}in progress: {', '.join(row['working'])}")
    return "\n".join(lines)


def format_run(run_id: str, rows: list[dict]) -> str:
    lines = [f"run {run_id}", f"{'company':<24}{'platform':<16}{'state':<12}{'tries':>5}"
             f"  {'worker':<24}reason"]  # fmt: skip
    for row in rows:
        lines.append(
            f"{row['company']:<24}{row['platform']:<16}{row['state']:<12}{row['attempts']:>5}"
            f"  {row['worker'] or '-':<24}{row['reason'] or ''}".rstrip()
        )
    return "\n".join(lines)


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[RUN_ID] [--limit N]"

    def short_desc(self) -> str:
        return "Show distributed runs: queued, in progress (and where), done, failed, elapsed"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--limit", type=int, default=10, help="newest N runs (10)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if len(args) > 1:
            raise UsageError("give at most one run id")
        try:
            database_url = prepare_database(self.settings)
        except DatabaseUnavailable as exc:
            raise UsageError(str(exc), print_help=False) from None
        with runs.connect(database_url) as conn:
            if args:
                rows = runs.run_companies(conn, args[0])
                if not rows:
                    raise UsageError(f"no run {args[0]!r}", print_help=False)
                print(format_run(args[0], rows))
            else:
                print(format_overview(runs.run_overview(conn, opts.limit)))
