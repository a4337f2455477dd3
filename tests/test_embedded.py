"""The embedded Postgres: a crawl killed with -9 leaves a server the next run adopts."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import psutil
import pytest

from crawler.db.embedded import default_data_dir
from tests.support import PROJECT_ROOT

START_AND_WAIT = """
import sys, time
from pathlib import Path
from crawler.db.embedded import embedded_database_url
print(embedded_database_url(Path(sys.argv[1])), flush=True)
if sys.argv[2] == "wait":
    time.sleep(600)
"""


def server_pids(pgdata) -> list[int]:
    pids = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            pids.append(proc.pid)
    return pids


@pytest.fixture
def pgdata():
    path = default_data_dir() / f"test-embedded-{uuid.uuid4().hex[:8]}"
    yield path
    for pid in server_pids(path):
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(path, ignore_errors=True)


def start(pgdata, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", START_AND_WAIT, str(pgdata), mode],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_server_left_by_a_killed_crawl_is_adopted_and_stopped(pgdata):
    crawl = start(pgdata, "wait")
    assert crawl.stdout.readline().startswith("postgresql://")
    crawl.send_signal(signal.SIGKILL)
    crawl.wait()
    assert server_pids(pgdata), "the killed process left its server running"

    nxt = start(pgdata, "exit")
    out, _ = nxt.communicate(timeout=60)
    assert nxt.returncode == 0 and out.startswith("postgresql://")
    deadline = time.time() + 10
    while server_pids(pgdata) and time.time() < deadline:
        time.sleep(0.2)
    assert not server_pids(pgdata), "the next run did not stop the orphaned server"


def test_server_stops_when_its_last_user_exits(pgdata):
    first = start(pgdata, "exit")
    first.communicate(timeout=60)
    assert first.returncode == 0
    assert not server_pids(pgdata)
