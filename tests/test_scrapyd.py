"""Scrapyd deployment: scrapyd-deploy uploads the project to a local Scrapyd that this test
starts, and a worker scheduled through schedule.json crawls a queued run."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support import PROJECT_ROOT, query, run_scrapy, write_registry

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL")
pytestmark = pytest.mark.skipif(
    not REDIS_TEST_URL, reason="REDIS_TEST_URL is not set (.ci/run sets it and starts Redis)"
)
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path, database_url, replay) -> Iterator[tuple[str, Path, str]]:
    """A Scrapyd on a free port, in its own folder, with the crawl's settings in its
    environment (as an operator's unit file would give them); its URL, folder, and the
    Redis key prefix of this test."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\n"
        "logs_dir = logs\neggs_dir = eggs\ndbs_dir = dbs\nitems_dir =\nmax_proc = 1\n"
        "runner = crawler.distributed.scrapyd_runner\n"  # as deploy/scrapyd.conf
    )
    prefix = f"cc-test-{uuid.uuid4().hex[:10]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY")}
    env.update(DATABASE_URL=database_url, REDIS_URL=REDIS_TEST_URL, WORKER_REDIS_PREFIX=prefix,
               GREENHOUSE_BASE_URL=replay.url)  # fmt: skip
    daemon = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            call(f"{url}/daemonstatus.json")
            break
        except OSError:
            assert daemon.poll() is None and time.monotonic() < deadline, "scrapyd did not start"
            time.sleep(0.2)
    yield url, home, prefix
    daemon.terminate()
    daemon.wait(10)
    server = redis.Redis.from_url(REDIS_TEST_URL)
    keys = list(server.scan_iter(f"{prefix}:*"))
    if keys:
        server.delete(*keys)


def test_the_deploy_target_has_no_trailing_slash():
    config = configparser.ConfigParser()
    config.read(PROJECT_ROOT / "scrapy.cfg")
    url = config["deploy:local"]["url"]
    assert url.startswith("http") and not url.endswith("/")


def test_a_worker_scheduled_through_scrapyd_crawls_a_queued_run(
    scrapyd, replay, database_url, tmp_path
):
    url, home, prefix = scrapyd
    for board in ("acme", "globex"):
        replay.add(f"/v1/boards/{board}/jobs", {"jobs": [
            {"id": hash(board) % 10**6, "title": f"Engineer at {board}", "content": "<p>Build</p>",
             "absolute_url": f"https://job-boards.greenhouse.io/{board}/jobs/1",
             "location": {"name": "Remote"}, "updated_at": "2026-11-01T10:00:00-04:00"}]},
            query={"content": "true"})  # fmt: skip
    registry = write_registry(tmp_path / "companies.toml", [
        {"slug": b, "name": b.title(), "platform": "greenhouse", "board": b}
        for b in ("acme", "globex")])  # fmt: skip
    enqueued = run_scrapy("enqueue", settings={
        "DATABASE_URL": database_url, "COMPANIES_FILE": registry, "REDIS_URL": REDIS_TEST_URL,
        "WORKER_REDIS_PREFIX": prefix})  # fmt: skip
    assert enqueued.returncode == 0, enqueued.log[-3000:]

    # Deploy from a copy of the project, pointed at this Scrapyd, as `scrapyd-deploy local`.
    project = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "crawler", project / "crawler",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(PROJECT_ROOT / "pyproject.toml", project)
    cfg = (PROJECT_ROOT / "scrapy.cfg").read_text().replace("http://localhost:6800", url)
    (project / "scrapy.cfg").write_text(cfg)
    deployed = subprocess.run([str(BIN / "scrapyd-deploy"), "local"], cwd=project,
                              capture_output=True, text=True, timeout=180)  # fmt: skip
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert '"status": "ok"' in deployed.stdout, deployed.stdout + deployed.stderr
    leftovers = sorted(p.name + ("/" if p.is_dir() else "") for p in project.iterdir()
                       if p.name not in {"crawler", "pyproject.toml", "scrapy.cfg"})  # fmt: skip
    assert "setup.py" in leftovers and "build/" in leftovers
    ignored = subprocess.run(["git", "check-ignore", *leftovers], cwd=PROJECT_ROOT,
                             capture_output=True, text=True)  # fmt: skip
    assert sorted(ignored.stdout.split()) == leftovers  # a deploy leaves nothing for git

    job = call(f"{url}/schedule.json", [("project", "careers-crawler"), ("spider", "greenhouse"),
                                        ("setting", "WORKER_ENABLED=true")])  # fmt: skip
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 120
    while True:
        jobs = call(f"{url}/listjobs.json?project=careers-crawler")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        assert time.monotonic() < deadline, jobs
        time.sleep(0.5)

    states = query(database_url, "SELECT company, state FROM run_companies ORDER BY company")
    assert [(r["company"], r["state"]) for r in states] == [("acme", "ok"), ("globex", "ok")]
    assert len(query(database_url, "SELECT * FROM postings")) == 2
    log = next((home / "logs").rglob(f"{job['jobid']}.log")).read_text()
    assert "Spider closed (finished)" in log and "Traceback" not in log
