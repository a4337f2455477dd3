"""A platform's facts live on its spider class; everything else follows from it or is
checked against it here, so a new platform is one module plus its fixtures and tests."""

from __future__ import annotations

import re

from scrapy.utils.project import get_project_settings

from crawler import settings as project_settings
from crawler.commands.demo import DEMO_DIR
from crawler.registry import PLATFORMS, load_registry
from crawler.spiders import platform_spiders
from tests.support import PROJECT_ROOT


def test_the_platforms_are_the_spider_classes():
    spiders = platform_spiders()
    assert set(PLATFORMS) == set(spiders) == {"greenhouse", "lever", "ashby", "workday",
        "smartrecruiters", "workable", "recruitee", "personio", "teamtailor", "bamboohr",
        "jsonld"}  # fmt: skip
    for name, spider in spiders.items():
        assert spider.name == name
        # every platform with board tokens says what one looks like (jsonld has none)
        assert bool(spider.board_shape) == (name != "jsonld"), name


def test_each_platforms_base_url_settings_come_from_its_class():
    settings = get_project_settings()
    declared = {}
    for spider in platform_spiders().values():
        declared.update(spider.base_url_settings())
    assert "LEVER_EU_BASE_URL" in declared and "WORKDAY_BASE_URL" in declared
    assert {name: settings[name] for name in declared} == declared
    assert set(declared) <= set(project_settings.ENVIRONMENT_SETTINGS)
    in_settings = {name for name in settings.attributes if name.endswith("_BASE_URL")}
    assert in_settings == set(declared)


def test_the_readme_platforms_table_has_one_row_per_spider():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Platforms", 1)[1].split("\n\n", 2)[1]
    rows = re.findall(r"^\| `([a-z]+)` \|", table, flags=re.MULTILINE)
    assert sorted(rows) == sorted(platform_spiders())


def test_every_platform_has_demo_recordings(tmp_path):
    for name in platform_spiders():
        routes = DEMO_DIR / f"{name}.routes.json"
        companies = DEMO_DIR / f"{name}.companies.toml"
        assert routes.is_file() and companies.is_file(), f"demo files of {name}"
        registry = tmp_path / f"{name}.toml"
        registry.write_text(companies.read_text(encoding="utf-8").replace("{replay}", "http://x"))
        assert {c.platform for c in load_registry(registry)} == {name}
