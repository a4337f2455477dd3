"""Locations: splitting, countries from a gazetteer, workplace; and the stage."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.enrich.location import (
    countries_from_parts,
    countries_of,
    country_codes,
    split_locations,
    workplace_from_text,
    workplace_of,
)
from crawler.items import JobPosting
from crawler.pipelines.location import LocationPipeline, gazetteer_cache_dir


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("San Francisco, CA | New York City, NY", ["San Francisco, CA", "New York City, NY"]),
        ("London; Berlin", ["London", "Berlin"]),
        ("Remote-Friendly (Travel-Required) | San Francisco, CA",
         ["Remote-Friendly (Travel-Required)", "San Francisco, CA"]),
        ("New York, NY or Austin, TX", ["New York, NY", "Austin, TX"]),
        ("Toronto, ON\nVancouver, BC", ["Toronto, ON", "Vancouver, BC"]),
        ("London | London", ["London"]),
        ("Dublin, Ireland", ["Dublin, Ireland"]),
        ("Portland, OR", ["Portland, OR"]),
        ("", []),
        (None, []),
    ],
)  # fmt: skip
def test_split_locations(text, expected):
    assert split_locations(text) == expected


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ("San Francisco, CA", ("US",)), ("New York City, NY", ("US",)), ("London, UK", ("GB",)),
        ("London", ("GB",)), ("London, ON", ("CA",)), ("Bengaluru", ("IN",)),
        ("Bangalore, India", ("IN",)), ("Remote - EMEA", ()), ("Remote", ()),
        ("Remote in United States", ("US",)), ("Hybrid - London", ("GB",)),
        ("Remote - US", ("US",)), ("Remote (Canada)", ("CA",)), ("Dublin, Ireland", ("IE",)),
        ("Singapore", ("SG",)), ("Toronto, ON", ("CA",)), ("Atlanta, Georgia", ("US",)),
        ("Tbilisi, Georgia", ("GE",)), ("Cambridge, MA", ("US",)), ("Cambridge", ("GB",)),
        ("Paris", ("FR",)), ("Paris, TX", ("US",)), ("München", ("DE",)),
        ("São Paulo, Brazil", ("BR",)), ("US/Canada", ("US", "CA")), ("Amsterdam, NL", ("NL",)),
        ("Berlin, DE", ("DE",)), ("Perth, WA", ("AU",)), ("Seattle, WA", ("US",)),
        ("Sydney, NSW", ("AU",)), ("Tel Aviv", ("IL",)), ("Zürich, Switzerland", ("CH",)),
        ("Washington, D.C.", ("US",)), ("Dubai, UAE", ("AE",)), ("Seoul, South Korea", ("KR",)),
        ("Hyderabad, Pakistan", ("PK",)), ("Hyderabad", ("IN",)), ("Mountain View, California",
        ("US",)), ("Remote, USA", ("US",)), ("Kraków, Poland", ("PL",)), ("Indianapolis, IN",
        ("US",)), ("Remote in India", ("IN",)), ("Multiple Locations", ()),
        ("Remote-Friendly (Travel-Required)", ()), ("Mexico City", ("MX",)),
    ],
)  # fmt: skip
def test_countries_of(place, expected):
    assert countries_of(place) == expected


def test_structured_codes_and_parts():
    assert country_codes(["us", "GBR", "UK", "XX", None, "DE", "US"]) == ["US", "GB", "DE"]
    parts = [{"city": "Toronto", "region": "Ontario", "country": None},
             {"city": None, "region": None, "country": "Germany"}, "junk"]  # fmt: skip
    assert countries_from_parts(parts) == ["CA", "DE"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Remote in United States", "remote"), ("Hybrid - London", "hybrid"),
        ("Remote - EMEA", "remote"), ("On-site", "onsite"), ("Onsite - Austin, TX", "onsite"),
        ("In-Office, NYC", "onsite"), ("Work from home", "remote"), ("London, UK", None),
        ("Internal Tools Engineer", None), ("", None),
    ],
)  # fmt: skip
def test_workplace_from_text(text, expected):
    assert workplace_from_text(text) == expected


def test_structured_workplace_comes_first():
    assert workplace_of("Hybrid", ["Remote - US"]) == "hybrid"
    assert workplace_of("ON_SITE", []) == "onsite"
    assert workplace_of("Office", []) == "onsite"
    assert workplace_of(True, ["London"]) == "remote"
    assert workplace_of(None, ["London", "Senior Engineer (Remote)"]) == "remote"
    assert workplace_of("unknown", ["London"]) is None


def run_stage(**fields):
    crawler = get_crawler(Spider)
    crawler.stats.open_spider()
    stage = LocationPipeline.from_crawler(crawler)
    stage.open_spider()
    item = JobPosting(platform="p", board="b", external_id="1", company="c", **fields)
    stage.process_item(item)
    return item, crawler.stats


def test_stage_splits_locations_and_fills_countries_and_workplace():
    item, stats = run_stage(
        title="Developer Relations Lead",
        locations=["Remote-Friendly (Travel-Required) | San Francisco, CA", "London; Berlin"],
    )
    assert item.locations == ["Remote-Friendly (Travel-Required)", "San Francisco, CA",
                              "London", "Berlin"]  # fmt: skip
    assert item.countries == ["US", "GB", "DE"]
    assert item.workplace == "remote"
    assert stats.get_value("jobs/field/workplace/remote") == 1


def test_stage_prefers_structured_countries_and_counts_unknown_places():
    item, _ = run_stage(locations=["Springfield"], extra={"country_codes": ["us"]})
    assert item.countries == ["US"]
    item, stats = run_stage(locations=["Atlantis Station 7"])
    assert item.countries == [] and item.workplace is None
    assert stats.get_value("jobs/field/countries/unresolved") == 1
    item, _ = run_stage(locations=[], extra={"workplace": "hybrid"})
    assert item.workplace == "hybrid" and item.countries == []


def test_one_structured_country_for_several_places_is_completed_from_the_places():
    item, _ = run_stage(locations=["Paris", "London"], extra={"country_codes": ["FR"]})
    assert item.countries == ["FR", "GB"]
    item, _ = run_stage(locations=["Paris"], extra={"country_codes": ["US"]})  # Paris, Texas
    assert item.countries == ["US"]


def test_gazetteer_is_cached_in_a_file_and_rebuilt_when_unreadable(tmp_path, monkeypatch):
    """A later crawl process loads the built indexes instead of building them again."""
    from crawler.enrich import location

    built = location.load_gazetteer(tmp_path)
    (cached,) = tmp_path.glob("gazetteer-*.marshal")
    with monkeypatch.context() as no_build:
        no_build.setattr(location.Gazetteer, "build", None)  # loading must not build
        loaded = location.load_gazetteer(tmp_path)
    assert loaded == built  # the same indexes, from the file
    assert loaded.cities["cambridge"] == built.cities["cambridge"]

    cached.write_bytes(b"not marshal data")
    assert location.load_gazetteer(tmp_path) == built  # rebuilt, and the file written again
    assert cached.stat().st_size > 1_000_000


def test_the_stage_keeps_the_gazetteer_cache_under_jobs_data_dir(tmp_path, monkeypatch):
    from crawler.enrich import location

    monkeypatch.setattr(location, "_shared", None)  # as in a new crawl process
    crawler = get_crawler(Spider, {"JOBS_DATA_DIR": str(tmp_path / "data")})
    stage = LocationPipeline.from_crawler(crawler)
    stage.open_spider()
    (cached,) = (tmp_path / "data" / "cache").iterdir()
    assert cached.name.startswith("gazetteer-") and cached.suffix == ".marshal"
    assert cached.stat().st_size > 1_000_000
    # unset: the project's .data folder, as for the embedded Postgres
    default = gazetteer_cache_dir(get_crawler(Spider).settings)
    assert default == Path(__file__).resolve().parents[1] / ".data" / "cache"
