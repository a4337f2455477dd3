"""The company registry: which companies are crawled, on which platform, with which board.

A company is data, not code. The registry is a TOML file of ``[[company]]`` tables
(``crawler/companies.toml`` unless the ``COMPANIES_FILE`` setting names another):

    [[company]]
    slug = "anthropic"          # unique, lowercase, [a-z0-9-]
    name = "Anthropic"
    platform = "greenhouse"     # a spider name from `scrapy list`
    board = "anthropic"         # the platform's board token (or omit and give careers_url)
    careers_url = "https://job-boards.greenhouse.io/anthropic"
    verified = true             # false: the token could not be checked against the live site
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_COMPANIES_FILE = Path(__file__).with_name("companies.toml")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class RegistryError(ValueError):
    """The registry file is unreadable or an entry in it is wrong (the message says which)."""


@dataclass(frozen=True)
class Company:
    slug: str
    name: str
    platform: str
    board: str | None = None
    careers_url: str | None = None
    verified: bool = False

    @property
    def board_or_url(self) -> str:
        return self.board or self.careers_url or ""


def load_registry(path: str | Path | None = None) -> list[Company]:
    """Read and check a registry file; raise RegistryError naming the bad entry."""
    path = Path(path) if path else DEFAULT_COMPANIES_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RegistryError(f"companies file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"companies file {path} is not valid TOML: {exc}") from exc
    entries = data.get("company")
    if not isinstance(entries, list):
        raise RegistryError(f"companies file {path} has no [[company]] entries")
    companies = [_company_from_entry(entry, index, path) for index, entry in enumerate(entries)]
    seen: set[str] = set()
    for company in companies:
        if company.slug in seen:
            raise RegistryError(f"{path}: slug {company.slug!r} appears twice")
        seen.add(company.slug)
    return companies


def _company_from_entry(entry: dict, index: int, path: Path) -> Company:
    where = f"{path}: company #{index + 1} ({entry.get('slug', '?')})"
    unknown = set(entry) - {"slug", "name", "platform", "board", "careers_url", "verified"}
    if unknown:
        raise RegistryError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("slug", "name", "platform"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise RegistryError(f"{where}: {key!r} is required and must be text")
    if not SLUG_PATTERN.match(entry["slug"]):
        raise RegistryError(f"{where}: slug must be lowercase letters, digits and dashes")
    board = entry.get("board")
    careers_url = entry.get("careers_url")
    if not board and not careers_url:
        raise RegistryError(f"{where}: needs a board token or a careers_url")
    if board is not None and (not isinstance(board, str) or not re.fullmatch(r"[\w.\-/]+", board)):
        raise RegistryError(f"{where}: board {board!r} is not a well-formed token")
    if careers_url is not None and not is_http_url(careers_url):
        raise RegistryError(f"{where}: careers_url {careers_url!r} is not an http(s) URL")
    return Company(
        slug=entry["slug"],
        name=entry["name"].strip(),
        platform=entry["platform"],
        board=board,
        careers_url=careers_url,
        verified=bool(entry.get("verified", False)),
    )


def is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def slugify(text: str) -> str:
    """A registry-style slug from a name or token ("Fireworks AI" -> "fireworks-ai")."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "company"


def select_companies(
    companies: list[Company],
    platforms: list[str] | None = None,
    slugs: list[str] | None = None,
) -> list[Company]:
    """The registry companies on any of ``platforms`` and among ``slugs`` (None: all).

    Raises RegistryError naming a slug that is not in the registry, or a filter that
    leaves nothing to crawl.
    """
    by_slug = {c.slug: c for c in companies}
    unknown = [slug for slug in slugs or [] if slug not in by_slug]
    if unknown:
        raise RegistryError(f"not in the registry: {', '.join(map(repr, unknown))}")
    chosen = [
        c
        for c in companies
        if (not platforms or c.platform in platforms) and (not slugs or c.slug in slugs)
    ]
    if not chosen:
        wanted = " and ".join(
            part
            for part in (
                platforms and f"platform {', '.join(platforms)}",
                slugs and f"company {', '.join(slugs)}",
            )
            if part
        )
        raise RegistryError(f"no registry company matches {wanted}")
    return chosen


def company_toml(company: Company) -> str:
    """The ``[[company]]`` table of one company, ready to paste into a registry file."""
    lines = ["[[company]]"]
    for key in ("slug", "name", "platform", "board", "careers_url"):
        value = getattr(company, key)
        if value is not None:
            lines.append(f"{key} = {_toml_string(value)}")
    lines.append(f"verified = {'true' if company.verified else 'false'}")
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def __getattr__(name: str) -> object:
    # PLATFORMS: one per platform spider class (crawler/spiders/), found when first
    # asked for: the spiders import this module, so it cannot import them at load.
    if name == "PLATFORMS":
        from crawler.spiders import platform_spiders

        return tuple(platform_spiders())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
