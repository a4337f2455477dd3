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


def test_redis_url_is_not_silently_ignored(replay, database_url):
    replay.add("/v1/boards/anthropic/jobs", {"jobs": []}, query={"content": "true"})
    result = run_scrapy(
        "crawl", "greenhouse", "-a", "company=anthropic",
        settings={"DATABASE_URL": database_url, "GREENHOUSE_BASE_URL": replay.url,
                  "REDIS_URL": "redis://127.0.0.1:6379/15"},
    )  # fmt: skip
    result.assert_clean()
    assert "the shared Redis frontier is not built yet" in result.log
