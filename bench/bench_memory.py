"""Peak memory of `scrapy crawlall` over the fleet, at 1x and at ten times its size.

    .venv/bin/python bench/bench_memory.py [--scale 1 --scale 10] [--postings 13806 --boards 118]

The fleet is the job site's: 118 Greenhouse boards, 13,806 postings with ~5 KB
descriptions (bench/common.py), served from a local replay server; ``--scale 10``
makes it 1,180 boards and 138,060 postings. Each crawl runs in a fresh process into an
empty database (every posting new, so every row is written), and its peak resident
memory is read from the kernel (``wait4``'s ``ru_maxrss`` of that process alone). It
checks that every posting reached Postgres and every company has its crawl_runs row.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    FETCH_SETTINGS,
    BenchDatabases,
    generate_boards,
    serve_boards,
    server_url,
    write_registry,
)
from crawler.replay import ReplayServer

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def crawl_peak_rss(replay: str, registry: Path, database_url: str, project: Path) -> dict:
    settings = {**FETCH_SETTINGS, "LOG_LEVEL": "WARNING", "DATABASE_URL": database_url,
                "COMPANIES_FILE": str(registry), "GREENHOUSE_BASE_URL": replay}  # fmt: skip
    command = [sys.executable, "-m", "scrapy.cmdline", "crawlall"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COMPANIES_FILE")}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        child = subprocess.Popen(command, cwd=project, env=env, stdout=log, stderr=log)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if child.returncode != 0:
            log.seek(0)
            raise SystemExit(f"crawl failed:\n{log.read().decode()[-3000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024}  # fmt: skip


def counts(database_url: str) -> tuple[int, int]:
    with psycopg.connect(database_url) as conn:
        postings = conn.execute("SELECT count(*) FROM postings").fetchone()[0]
        runs = conn.execute("SELECT count(*) FROM crawl_runs WHERE status = 'ok'").fetchone()[0]
    return postings, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=13806)
    parser.add_argument("--boards", type=int, default=118)
    parser.add_argument("--scale", type=int, action="append")
    parser.add_argument("--project", type=Path, default=PROJECT_ROOT,
                        help="crawl with another checkout of the project (a before/after)")
    args = parser.parse_args()
    databases = BenchDatabases(server_url())
    print("  scale  boards  postings  stored  ok runs  wall s   cpu s  peak RSS MB")
    try:
        for scale in args.scale or [1, 10]:
            boards, postings = args.boards * scale, args.postings * scale
            with ReplayServer() as server, tempfile.TemporaryDirectory() as folder:
                responses = generate_boards(postings, boards)
                serve_boards(server, responses)
                registry = write_registry(Path(folder) / "companies.toml", list(responses))
                del responses
                database_url = databases.fresh()
                result = crawl_peak_rss(server.url, registry, database_url, args.project)
            stored, ok_runs = counts(database_url)
            print(f"  {scale:>5}  {boards:>6}  {postings:>8}  {stored:>6}  {ok_runs:>7}"
                  f"  {result['wall']:>6.1f}  {result['cpu']:>6.1f}  {result['peak_mb']:>11.0f}",
                  flush=True)  # fmt: skip
    finally:
        databases.drop_all()


if __name__ == "__main__":
    main()
