"""Location stage: display locations split per place, countries and workplace.

Reads ``JOBS_DATA_DIR``: the gazetteer is loaded when the stage opens, from its cache
file in ``<JOBS_DATA_DIR>/cache`` (unset: ``.data/cache`` in the project), or built
and written there. Countries: the platform's ``extra["country_codes"]``, else
``extra["location_parts"]``, else the location text (which also completes structured
codes when one code covers several places). Workplace: ``extra["workplace"]``, else
markers in the locations and title.
Stats: ``jobs/field/countries/found``, ``jobs/field/countries/unresolved`` (a location
that names no known place), ``jobs/field/workplace/<value>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from crawler.enrich.location import (
    countries_from_parts,
    countries_of,
    country_codes,
    gazetteer,
    split_locations,
    workplace_from_text,
    workplace_of,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def gazetteer_cache_dir(settings: BaseSettings) -> Path:
    """Where the gazetteer's cache file lives: the data folder's ``cache``."""
    return Path(settings.get("JOBS_DATA_DIR") or PROJECT_ROOT / ".data") / "cache"


class LocationPipeline:
    runs_in_pool = True  # a function of the posting (crawler/pipelines/stage_pool.py)

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.cache_dir = gazetteer_cache_dir(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        gazetteer(self.cache_dir)  # load the indexes now, not inside the first posting

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        extra = adapter.get("extra") or {}
        places: list[str] = []
        for written in adapter.get("locations") or []:
            places.extend(split_locations(written))
        places = list(dict.fromkeys(places))
        adapter["locations"] = places

        countries = country_codes(extra.get("country_codes") or [])
        if not countries:
            countries = countries_from_parts(extra.get("location_parts") or [])
        # One structured country for several places ("Paris", "London") covers only
        # some of them: the places' own countries are added.
        if not countries or len(places) > max(1, len(countries)):
            for place in places:
                found = countries_of(place)
                if not found and workplace_from_text(place) is None:
                    self.stats.inc_value("jobs/field/countries/unresolved")
                countries.extend(found)
        countries = list(dict.fromkeys(countries))
        if countries or not adapter.get("countries"):
            adapter["countries"] = countries
        if adapter.get("countries"):
            self.stats.inc_value("jobs/field/countries/found")

        workplace = workplace_of(extra.get("workplace"), [*places, adapter.get("title")])
        if workplace:
            adapter["workplace"] = workplace
            self.stats.inc_value(f"jobs/field/workplace/{workplace}")
        return item
