"""Project settings an operator relies on."""

from __future__ import annotations

import os
import subprocess
import sys

from scrapy.utils.project import get_project_settings

from tests.support import PROJECT_ROOT, run_scrapy


def test_remote_control_and_telnet_are_off_unless_asked():
    settings = get_project_settings()
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False


def test_every_platform_spider_is_listed():
    result = run_scrapy("list")
    assert result.returncode == 0, result.log
    assert "greenhouse" in result.log.split()


def test_settings_come_from_the_environment():
    code = ("from scrapy.utils.project import get_project_settings as g; "
            "print(g().get('GREENHOUSE_BASE_URL'))")  # fmt: skip
    env = dict(os.environ, GREENHOUSE_BASE_URL="http://127.0.0.1:9/")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert out.strip() == "http://127.0.0.1:9/"


def test_a_plain_crawl_with_redis_url_set_still_crawls_alone(replay, database_url):
    """Only workers use Redis: a `scrapy crawl` on a host with REDIS_URL in its environment
    crawls its companies itself, even when that Redis is down."""
    replay.add("/v1/boards/anthropic/jobs", {"jobs": []}, query={"content": "true"})
    result = run_scrapy(
        "crawl", "greenhouse", "-a", "company=anthropic",
        settings={"DATABASE_URL": database_url, "GREENHOUSE_BASE_URL": replay.url,
                  "REDIS_URL": "redis://127.0.0.1:1/0"},
    )  # fmt: skip
    result.assert_clean()
    assert replay.requests == [("GET", "/v1/boards/anthropic/jobs?content=true")]
