"""The database's share of a write: server CPU to stage and store descriptions, pglz
against lz4 TOAST compression, side by side.

    .venv/bin/python bench/bench_toast.py [--postings 5900] [--batch 100] [--repeat 3]

Writes ``--postings`` pairs of ~5 KB descriptions (HTML and text, bench/common.py's
generator) the way the store does: per batch, COPY into a temporary staging table,
then INSERT into a table with a primary key, in one transaction. Each repetition does
it once per method (alternating), and measures the CPU seconds of the server process
serving the connection (/proc, through psutil: Postgres must run on this machine).
Prints the medians and the ratio lz4 / pglz. Postgres needs lz4 built in (Debian's
packages have it; the embedded server's build does not: the bench says so and stops).
Needs BENCH_DATABASE_URL or TEST_DATABASE_URL. A script, never a test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil
import psycopg

from bench.common import description

METHODS = ("pglz", "lz4")


def server_cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def write_once(conn: psycopg.Connection, rows: list[tuple], batch: int, method: str) -> None:
    conn.execute(f"SET default_toast_compression = {method}")
    conn.execute("DROP TABLE IF EXISTS bench_toast_stored")
    conn.execute("CREATE TABLE bench_toast_stored (id int PRIMARY KEY, html text, txt text)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS bench_toast_staged (id int, html text,"
                 " txt text) ON COMMIT DELETE ROWS")  # fmt: skip
    for start in range(0, len(rows), batch):
        with conn.transaction():
            with conn.cursor().copy("COPY bench_toast_staged FROM STDIN") as copy:
                for row in rows[start : start + batch]:
                    copy.write_row(row)
            conn.execute("INSERT INTO bench_toast_stored SELECT * FROM bench_toast_staged")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postings", type=int, default=5900)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not url:
        raise SystemExit("set BENCH_DATABASE_URL or TEST_DATABASE_URL (a Postgres with lz4)")

    rng = random.Random(1)
    rows = [(number, description(rng), description(rng)) for number in range(options.postings)]
    cpu: dict[str, list[float]] = {method: [] for method in METHODS}
    with psycopg.connect(url, autocommit=True) as conn:
        available = conn.execute(
            "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
        ).fetchone()[0]
        if "lz4" not in available:
            raise SystemExit(f"this Postgres has no lz4 (only {', '.join(available)})")
        server = psutil.Process(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
        try:
            for repetition in range(options.repeat):
                order = METHODS if repetition % 2 == 0 else METHODS[::-1]
                for method in order:
                    before = server_cpu(server)
                    write_once(conn, rows, options.batch, method)
                    cpu[method].append(server_cpu(server) - before)
                    print(f"repetition {repetition + 1}: {method} {cpu[method][-1]:.2f} s",
                          flush=True)  # fmt: skip
        finally:
            conn.execute("DROP TABLE IF EXISTS bench_toast_stored")

    pglz, lz4 = statistics.median(cpu["pglz"]), statistics.median(cpu["lz4"])
    print(f"\n{options.postings} postings x 2 descriptions, batches of {options.batch}:"
          f" server CPU pglz {pglz:.2f} s, lz4 {lz4:.2f} s,"
          f" lz4 / pglz {lz4 / pglz:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
