"""The company registry: which companies are crawled, on which platform, with which board.

A company is data, not code. The registry is a TOML file of ``[[company]]`` tables
(``crawler/companies.toml`` unless the ``COMPANIES_FILE`` setting names another):

    [[company]]
    slug = "anthropic"          # unique, lowercase, [a-z0-9-]
    name = "Anthropic"
    platform = "greenhouse"     # a spider name from `scrapy list`
    board = "anthropic"         # the platform's board token (or omit and give careers_url)
    careers_url = "https://job-boards.greenhouse.io/anthropic"
    careers_page = "https://www.anthropic.com/careers"  # optional: the company's own page,
                                # where a crawl looks for the new board when this one fails
    evidence = "job dump in a public repo, 2026-08"  # what says the board is right
    checked = 2026-12-07        # when that evidence was looked at (a TOML date)
    doubtful = "sources split"  # optional: why the entry may be wrong
    verified = true             # only after a live crawl landed postings

``evidence`` and ``checked`` go together: a date with nothing checked (or evidence with
no date) is an error. `scrapy registry check` lists them with each company's last
crawl and any board move a crawl proposed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_COMPANIES_FILE = Path(__file__).with_name("companies.toml")
KNOWN_KEYS = frozenset({
    "slug", "name", "platform", "board", "careers_url", "verified",
    "careers_page", "evidence", "checked", "doubtful",
})  # fmt: skip
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
    careers_page: str | None = None  # the company's own careers page (not the board's)
    evidence: str | None = None  # what showed the board is right: source kind and date
    checked: date | None = None  # when the evidence was looked at
    doubtful: str | None = None  # why the entry may be wrong (low or split evidence)
    # Read from the registry (not -a board=): its board is the company's one board, so
    # postings left open on a board it moved away from may be closed.
    registered: bool = field(default=False, compare=False)

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
    boards: dict[tuple[str, str], str] = {}
    for company in companies:
        if company.slug in seen:
            raise RegistryError(f"{path}: slug {company.slug!r} appears twice")
        seen.add(company.slug)
        # Postings are identified by (platform, board): two entries would share them.
        if company.board:
            other = boards.setdefault((company.platform, company.board), company.slug)
            if other != company.slug:
                raise RegistryError(
                    f"{path}: {company.slug!r} and {other!r} both name"
                    f" {company.platform} board {company.board!r}"
                )
    return companies


def _company_from_entry(entry: dict, index: int, path: Path) -> Company:
    where = f"{path}: company #{index + 1} ({entry.get('slug', '?')})"
    unknown = set(entry) - KNOWN_KEYS
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
    careers_page = entry.get("careers_page")
    if careers_page is not None and not is_http_url(careers_page):
        raise RegistryError(f"{where}: careers_page {careers_page!r} is not an http(s) URL")
    evidence, checked = _evidence_of(entry, where)
    doubtful = entry.get("doubtful")
    if doubtful is not None and (not isinstance(doubtful, str) or not doubtful.strip()):
        raise RegistryError(f"{where}: doubtful must say why, as text")
    return Company(
        slug=entry["slug"],
        name=entry["name"].strip(),
        platform=entry["platform"],
        board=board,
        careers_url=careers_url,
        verified=bool(entry.get("verified", False)),
        careers_page=careers_page,
        evidence=evidence,
        checked=checked,
        doubtful=doubtful and doubtful.strip(),
        registered=True,
    )


def _evidence_of(entry: dict, where: str) -> tuple[str | None, date | None]:
    """The entry's evidence and checked date, both or neither, checked."""
    evidence, checked = entry.get("evidence"), entry.get("checked")
    if evidence is not None and (not isinstance(evidence, str) or not evidence.strip()):
        raise RegistryError(f"{where}: evidence must say what was checked, as text")
    # TOML parses 2026-12-07 to a date; a quoted or impossible date is not one.
    if checked is not None and (isinstance(checked, datetime) or not isinstance(checked, date)):
        raise RegistryError(
            f"{where}: checked {checked!r} is not a date (write it bare: checked = 2026-12-07)"
        )
    if checked is not None and checked > date.today():
        raise RegistryError(f"{where}: checked {checked} is in the future")
    if (evidence is None) != (checked is None):
        missing = "checked (the date)" if checked is None else "evidence (what was checked)"
        raise RegistryError(f"{where}: evidence and checked go together; {missing} is missing")
    return (evidence.strip() if evidence else None), checked


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
    for key in ("slug", "name", "platform", "board", "careers_url", "careers_page", "evidence"):
        value = getattr(company, key)
        if value is not None:
            lines.append(f"{key} = {_toml_string(value)}")
    if company.checked is not None:
        lines.append(f"checked = {company.checked.isoformat()}")
    if company.doubtful is not None:
        lines.append(f"doubtful = {_toml_string(company.doubtful)}")
    lines.append(f"verified = {'true' if company.verified else 'false'}")
    return "\n".join(lines) + "\n"


def moved_company(
    company: Company, platform: str, board: str | None, careers_url: str, evidence: str,
    checked: date,
) -> Company:  # fmt: skip
    """``company`` on the board a crawl found: unverified until a crawl lands postings."""
    return replace(
        company, platform=platform, board=board, careers_url=careers_url,
        evidence=evidence, checked=checked, doubtful=None, verified=False,
    )  # fmt: skip


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
