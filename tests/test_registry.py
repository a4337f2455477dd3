"""The company registry: the packaged file is valid, and bad files get clear errors."""

from __future__ import annotations

import re

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawler.registry import DEFAULT_COMPANIES_FILE, RegistryError, load_registry

BRIEF_GREENHOUSE = {"anthropic", "databricks", "stripe", "cloudflare", "datadog", "twilio",
                    "elastic", "vercel", "deepmind", "fireworks-ai"}  # fmt: skip


def spider_names() -> set[str]:
    return set(SpiderLoader.from_settings(get_project_settings()).list())


def test_packaged_registry_is_valid():
    companies = load_registry()
    slugs = [c.slug for c in companies]
    assert len(slugs) == len(set(slugs))
    known = spider_names()
    for company in companies:
        assert company.platform in known, f"{company.slug}: unknown platform {company.platform}"
        assert company.board or company.careers_url
        if company.board:
            assert re.fullmatch(r"[\w.\-/]+", company.board), company.slug
        if company.careers_url:
            assert company.careers_url.startswith("https://"), company.slug


def test_registry_has_the_greenhouse_companies_of_the_brief():
    greenhouse = {c.slug for c in load_registry() if c.platform == "greenhouse"}
    assert greenhouse >= BRIEF_GREENHOUSE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml [", "is not valid TOML"),
        ("[other]\nx = 1\n", "has no [[company]] entries"),
        ('[[company]]\nslug = "a"\nplatform = "greenhouse"\nboard = "a"\n', "'name' is required"),
        (
            '[[company]]\nslug = "Bad Slug"\nname = "A"\nplatform = "greenhouse"\nboard = "a"\n',
            "slug must be lowercase",
        ),
        (
            '[[company]]\nslug = "a"\nname = "A"\nplatform = "greenhouse"\n',
            "needs a board token or a careers_url",
        ),
        (
            '[[company]]\nslug = "a"\nname = "A"\nplatform = "greenhouse"\nboard = "a b"\n',
            "is not a well-formed token",
        ),
        (
            '[[company]]\nslug = "a"\nname = "A"\nplatform = "x"\ncareers_url = "ftp://x"\n',
            "is not an http(s) URL",
        ),
        (
            '[[company]]\nslug = "a"\nname = "A"\nplatform = "x"\nboard = "a"\ntoken = "b"\n',
            "unknown keys ['token']",
        ),
        (
            '[[company]]\nslug = "a"\nname = "A"\nplatform = "x"\nboard = "a"\n'
            '[[company]]\nslug = "a"\nname = "B"\nplatform = "x"\nboard = "b"\n',
            "appears twice",
        ),
    ],
)
def test_bad_registry_entries_are_named(tmp_path, text, message):
    path = tmp_path / "companies.toml"
    path.write_text(text)
    with pytest.raises(RegistryError) as error:
        load_registry(path)
    assert message in str(error.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(RegistryError, match="companies file not found"):
        load_registry(tmp_path / "nope.toml")


def test_default_file_is_in_the_package():
    assert DEFAULT_COMPANIES_FILE.parent.name == "crawler"
