"""The bench fleet: the site's 118 companies as generated boards on disk, and a server.

    fleet = build_fleet(scale=1)        # cached under .data/bench/fleet-x1 (seconds)
    with FleetServer(fleet.root) as server: ...   # server.url; server.variant = "changed"

Scale 1 is the brief's fleet: 118 companies, 13,806 postings with ~5 KB descriptions
(bench/common.py's generator: headings, lists, 40% naming AI). 108 are Greenhouse
boards (one JSON response per board, descriptions HTML-escaped as Greenhouse sends
them) and 10 are Workday sites: a listing paged 20 at a time by POST, then one detail
request per posting, as the registry's Workday companies are. Board sizes are skewed
as real ones are (a few boards of a thousand postings, many of a few dozen). Scale N
repeats the 118 companies N times under new names: N x the companies and postings.

Two variants are written: ``base``, and ``changed``, where 5% of the postings have
a new description paragraph and a later ``updated_at`` and another 5% are gone: the
re-crawl of a busy day. The variant a server serves is switched between runs.

The server maps the platforms' URLs to files (a dict lookup per request): the
project's ReplayServer matches routes one by one, fine for tests, too slow for 150k
postings. It runs in a thread of the bench process, which only waits on its children.
"""

from __future__ import annotations

import copy
import html
import json
import random
import re
import shutil
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.common import PROJECT_ROOT, TITLES, description, template_jobs

COMPANIES = 118
POSTINGS = 13_806
WORKDAY_EVERY = 12  # one company in twelve is on Workday: 10 of 118, as in the registry
WORKDAY_PAGE = 20
SEED = 20261207
VARIANTS = ("base", "changed")
CHANGED_PERCENT = 5
REMOVED_PERCENT = 5
FLEET_VERSION = 2  # bump when the generator changes: cached fleets are rebuilt
WORKDAY_LOCATIONS = [
    ("US, CA, Santa Clara", "US", "Hybrid"), ("US, TX, Austin", "US", "On-site"),
    ("India, Bengaluru", "IN", "On-site"), ("Germany, Munich", "DE", "Hybrid"),
    ("Remote, US", "US", "Remote"), ("Israel, Tel Aviv", "IL", "On-site"),
]  # fmt: skip
GREENHOUSE_LOCATIONS = [
    "San Francisco, CA", "New York City, NY", "London, UK", "Remote - US", "Berlin, Germany",
    "Dublin, Ireland", "Toronto, Canada", "Remote", "Paris, France", "Bengaluru, India",
]  # fmt: skip


@dataclass(frozen=True)
class Company:
    slug: str
    platform: str  # greenhouse or workday
    board: str  # greenhouse token, or workday "tenant/site"
    postings: int


@dataclass(frozen=True)
class Fleet:
    root: Path
    scale: int
    companies: list[Company]

    @property
    def postings(self) -> int:
        return sum(c.postings for c in self.companies)

    @property
    def registry(self) -> Path:
        return self.root / "companies.toml"

    def expected_open(self, variant: str) -> int:
        """Postings a crawl of ``variant`` lists (the changed one lacks the removed)."""
        return json.loads((self.root / variant / "counts.json").read_text())["open"]


def board_sizes(companies: int = COMPANIES, postings: int = POSTINGS) -> list[int]:
    """Skewed sizes summing to ``postings``: weight 1/rank^0.7, shuffled by a seed."""
    weights = [1 / (rank + 1) ** 0.7 for rank in range(companies)]
    total = sum(weights)
    sizes = [int(postings * w / total) for w in weights]
    for index in range(postings - sum(sizes)):  # largest remainders, simply: the top ones
        sizes[index % companies] += 1
    random.Random(SEED).shuffle(sizes)
    return sizes


def fleet_companies(scale: int) -> list[Company]:
    sizes = board_sizes()
    companies = []
    for index in range(COMPANIES * scale):
        slug = f"fleet{index:04d}"
        if index % COMPANIES % WORKDAY_EVERY == 5:  # the same mix in every block of 118
            companies.append(Company(slug, "workday", f"{slug}/External", sizes[index % COMPANIES]))
        else:
            companies.append(Company(slug, "greenhouse", slug, sizes[index % COMPANIES]))
    return companies


def fate(number: int) -> str:
    """What the changed variant does to posting ``number``: kept, changed or removed."""
    bucket = (number * 2654435761 >> 7) % 100
    if bucket < REMOVED_PERCENT:
        return "removed"
    if bucket < REMOVED_PERCENT + CHANGED_PERCENT:
        return "changed"
    return "kept"


CHANGE = "<p>Update: this team now also owns the on-call rotation for its services.</p>"


def greenhouse_board(company: Company, first: int, rng: random.Random, templates: list[dict],
                     variant: str) -> dict:  # fmt: skip
    jobs = []
    for offset in range(company.postings):
        number = first + offset
        job = copy.deepcopy(templates[number % len(templates)])
        text = description(rng)  # drawn for every posting, so variants stay aligned
        title = rng.choice(TITLES)
        location = rng.choice(GREENHOUSE_LOCATIONS)
        if variant == "changed" and fate(number) == "removed":
            continue
        changed = variant == "changed" and fate(number) == "changed"
        job_id = 10_000_000 + number
        job.update(
            id=job_id, title=title, company_name=company.slug,
            absolute_url=f"https://job-boards.greenhouse.io/{company.board}/jobs/{job_id}",
            content=html.escape(text + (CHANGE if changed else "")),
            updated_at="2026-12-06T10:00:00-05:00" if changed else "2026-11-20T14:02:11-05:00",
        )  # fmt: skip
        if job.get("location"):
            job["location"] = {"name": location}
        jobs.append(job)
    return {"jobs": jobs, "meta": {"total": len(jobs)}}


def workday_site(company: Company, first: int, rng: random.Random, variant: str):
    """(list rows, {detail name: detail response}) of one Workday site."""
    rows, details = [], {}
    tenant = company.board.split("/")[0]
    for offset in range(company.postings):
        number = first + offset
        text = description(rng)
        title = rng.choice(TITLES)
        location, country, remote = rng.choice(WORKDAY_LOCATIONS)
        if variant == "changed" and fate(number) == "removed":
            continue
        changed = variant == "changed" and fate(number) == "changed"
        req_id = f"JR{number:07d}"
        name = f"{re.sub(r'[^A-Za-z0-9]+', '-', title).strip('-')}_{req_id}"
        path = f"/job/{re.sub(r'[^A-Za-z0-9]+', '-', location)}/{name}"
        rows.append({"title": title, "externalPath": path, "locationsText": location,
                     "postedOn": "Posted 3 Days Ago", "bulletFields": [req_id]})  # fmt: skip
        details[name] = {
            "jobPostingInfo": {
                "id": f"{number:032x}", "title": title,
                "jobDescription": text + (CHANGE if changed else ""),
                "location": location, "postedOn": "Posted 3 Days Ago",
                "startDate": "2026-12-01", "timeType": "Full time", "jobReqId": req_id,
                "jobPostingSiteId": "External",
                "jobRequisitionLocation": {"descriptor": location,
                                           "country": {"alpha2Code": country}},
                "externalUrl": f"https://{tenant}.wd5.myworkdayjobs.com/External{path}",
                "remoteType": remote,
            },
            "hiringOrganization": {"name": company.slug, "url": ""},
        }  # fmt: skip
    return rows, details


def write_fleet(root: Path, scale: int) -> None:
    companies = fleet_companies(scale)
    templates = template_jobs()
    for variant in VARIANTS:
        open_count, first = 0, 0
        for company in companies:
            rng = random.Random(f"{SEED}-{company.slug}")
            folder = root / variant / company.platform
            if company.platform == "greenhouse":
                board = greenhouse_board(company, first, rng, templates, variant)
                write_json(folder / f"{company.board}.json", board)
                open_count += len(board["jobs"])
            else:
                rows, details = workday_site(company, first, rng, variant)
                tenant = folder / company.board.split("/")[0]
                for offset in range(0, len(rows) + 1, WORKDAY_PAGE):
                    page = rows[offset : offset + WORKDAY_PAGE]
                    body = {"total": len(rows) if offset == 0 else 0, "jobPostings": page,
                            "facets": []}  # fmt: skip
                    write_json(tenant / "jobs" / f"{offset}.json", body)
                for name, detail in details.items():
                    write_json(tenant / "job" / f"{name}.json", detail)
                open_count += len(rows)
            first += company.postings
        write_json(root / variant / "counts.json", {"open": open_count})
    lines = []
    for company in companies:
        lines += ["[[company]]", f'slug = "{company.slug}"', f'name = "{company.slug.title()}"',
                  f'platform = "{company.platform}"', f'board = "{company.board}"', ""]  # fmt: skip
    (root / "companies.toml").write_text("\n".join(lines), encoding="utf-8")


def write_json(path: Path, body: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(json.dumps(body).encode())


def build_fleet(scale: int = 1, cache: Path | None = None) -> Fleet:
    """The fleet at ``scale``, generated once and cached on disk (deterministic)."""
    cache = cache or PROJECT_ROOT / ".data" / "bench"
    root = cache / f"fleet-x{scale}-v{FLEET_VERSION}"
    if not (root / "complete").exists():
        shutil.rmtree(root, ignore_errors=True)
        write_fleet(root, scale)
        (root / "complete").touch()
    return Fleet(root, scale, fleet_companies(scale))


# --- the server ----------------------------------------------------------------------

_GREENHOUSE = re.compile(r"^/v1/boards/(?P<board>[\w.-]+)/jobs$")
_WORKDAY_LIST = re.compile(r"^/wday/cxs/(?P<tenant>[\w-]+)/[\w-]+/jobs$")
_WORKDAY_DETAIL = re.compile(r"^/wday/cxs/(?P<tenant>[\w-]+)/[\w-]+/job/.*?(?P<name>[^/]+)$")


class FleetServer:
    """Serve a fleet's ``variant`` folder on 127.0.0.1; ``url`` is its base URL."""

    def __init__(self, root: Path, variant: str = "base") -> None:
        self.root = root
        self.variant = variant
        self.requests = 0
        self.not_found: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def file_for(self, method: str, path: str, body: bytes) -> Path | None:
        folder = self.root / self.variant
        if method == "GET" and (match := _GREENHOUSE.match(path)):
            return folder / "greenhouse" / f"{match['board']}.json"
        if method == "POST" and (match := _WORKDAY_LIST.match(path)):
            offset = int(json.loads(body or b"{}").get("offset", 0))
            return folder / "workday" / match["tenant"] / "jobs" / f"{offset}.json"
        if method == "GET" and (match := _WORKDAY_DETAIL.match(path)):
            return folder / "workday" / match["tenant"] / "job" / f"{match['name']}.json"
        return None

    def __enter__(self) -> FleetServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fleet = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real APIs answer

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fleet.requests += 1
                file = fleet.file_for(self.command, self.path.split("?", 1)[0], body)
                try:
                    data, status = file.read_bytes(), 200  # type: ignore[union-attr]
                except (AttributeError, OSError):
                    fleet.not_found.append(f"{self.command} {self.path}")
                    data, status = b'{"error": "not found"}', 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
