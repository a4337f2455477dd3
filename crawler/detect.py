"""Which careers platform, and which board, a careers URL or page uses.

Nothing here knows a platform: each spider class's ``board_from_url`` is asked. First
about the URL itself (a platform URL answers at once, with no fetch); else the page
is fetched and every URL in it is asked about (script and iframe sources, links,
form actions, and URLs written inside inline scripts, where embed snippets keep
them). The platform named by the most URLs wins. A page whose own markup holds
schema.org ``JobPosting``\\s (JSON-LD or microdata, read by crawler/structured.py)
is a ``jsonld`` page: its careers URL is the whole registry entry.

A page that builds its job list with JavaScript after load may show neither; the
fetch here is a plain HTTP GET (no browser).
"""

from __future__ import annotations

import re
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.registry import Company, slugify
from crawler.structured import page_markup, parse_page

JSONLD_PLATFORM = "jsonld"  # the contract's spider for schema.org JobPosting pages
MAX_PAGE_BYTES = 5_000_000
# Where pages name other URLs: embeds, links, forms.
_URL_ATTRIBUTES = (
    "//script/@src", "//iframe/@src", "//a/@href", "//form/@action", "//link/@href",
    "//embed/@src", "//object/@data", "//*/@data-src", "//*/@data-url", "//*/@data-href",
)  # fmt: skip
# Absolute URLs written in text: inline scripts (embed snippets), JSON blobs.
_URL_IN_TEXT = re.compile(r"""https?://[^\s"'<>`\\)]+""")

# A fetched page: (final URL, body bytes, charset or None).
Page = tuple[str, bytes, str | None]
Fetch = Callable[[str], Page]


@dataclass(frozen=True)
class Detection:
    platform: str
    board: str | None
    evidence: str  # the URL the board was read from (the page itself for jsonld)
    hits: int = 1  # how many URLs of the page named this board

    def company(self, name: str | None = None) -> Company:
        """The registry entry to paste (unverified: nobody crawled it yet)."""
        name = name or guess_name(self)
        return Company(
            slug=slugify(name), name=name, platform=self.platform,
            board=self.board, careers_url=self.evidence,
        )  # fmt: skip


@dataclass
class Report:
    url: str
    detections: list[Detection]  # best first; empty when nothing was recognised
    fetched: bool = False
    urls_checked: int = 0


def boards_in_url(url: str, spiders: Mapping[str, type]) -> list[tuple[str, str]]:
    """(platform, board) for every spider whose ``board_from_url`` recognises ``url``."""
    if not _is_checkable(url):
        return []
    found = []
    for platform, spider in spiders.items():
        board = spider.board_from_url(url)
        if board:
            found.append((platform, board))
    return found


def urls_in_page(html: str, base_url: str) -> list[str]:
    """Every URL the page names, absolute, in page order, each once."""
    selector = Selector(text=html)
    found = []
    for value in selector.xpath(" | ".join(_URL_ATTRIBUTES)).getall():  # in page order
        try:
            found.append(urljoin(base_url, value.strip()))
        except ValueError:  # a malformed link (broken IPv6 host) names nothing
            continue
    for text in selector.xpath("//script[not(@src)]/text()").getall():
        found.extend(_URL_IN_TEXT.findall(text))
    return list(dict.fromkeys(url.replace("&amp;", "&") for url in found))


def detect(url: str, spiders: Mapping[str, type], fetch: Fetch) -> Report:
    """What ``url`` is: a platform URL, or a page embedding or linking to one."""
    direct = boards_in_url(url, spiders)
    if direct:
        return Report(url, [Detection(platform, board, url) for platform, board in direct])
    return detect_in_page(url, *fetch(url), spiders)


def detect_in_page(
    url: str, final_url: str, body: bytes, charset: str | None, spiders: Mapping[str, type]
) -> Report:
    """What a fetched page names: boards in its final URL and the URLs it holds, and
    JobPosting markup. Shared by `scrapy detect` and a crawl looking for a moved board."""
    html = body.decode(charset or "utf-8", errors="replace")
    page_urls = [final_url, *urls_in_page(html, final_url)]
    hits: Counter[tuple[str, str]] = Counter()
    evidence: dict[tuple[str, str], str] = {}
    for page_url in page_urls:
        for key in boards_in_url(page_url, spiders):
            hits[key] += 1
            evidence.setdefault(key, page_url)
    detections = [Detection(p, b, evidence[(p, b)], n) for (p, b), n in hits.most_common()]
    if JSONLD_PLATFORM in spiders and _has_job_postings(body, charset, final_url):
        detections.append(Detection(JSONLD_PLATFORM, None, final_url))
    return Report(url, detections, fetched=True, urls_checked=len(page_urls))


@dataclass(frozen=True)
class BoardSearch:
    """What a crawl found on a company's careers page after its board failed or emptied.

    ``found`` is the best board there other than the one crawled (None: none).
    """

    url: str  # the page looked at
    note: str  # what was seen, for the operator
    found: Detection | None = None


def search_result(report: Report, platform: str, board: str) -> BoardSearch:
    """The board ``report`` names instead of (``platform``, ``board``), if any."""
    elsewhere = [d for d in report.detections if (d.platform, d.board) != (platform, board)]
    if elsewhere:
        best = elsewhere[0]
        return BoardSearch(report.url, f"names {best.platform} board {best.board!r}", best)
    if report.detections:
        return BoardSearch(report.url, f"still names {platform} board {board!r}")
    return BoardSearch(report.url, f"names no known board among its {report.urls_checked} URLs")


def fetch_page(url: str, user_agent: str, timeout: float = 20.0) -> Page:
    """A plain GET with a timeout (no browser): the final URL, body and charset."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "*/*"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        headers: Message = response.headers
        return response.geturl(), response.read(MAX_PAGE_BYTES), headers.get_content_charset()


def guess_name(detection: Detection) -> str:
    """A display name to start from: the board token, else the page's domain."""
    if detection.board:
        token = detection.board.split("/")[0]
    else:
        host = urlsplit(detection.evidence).hostname or "company"
        parts = [p for p in host.split(".") if p not in ("www", "careers", "jobs")]
        token = parts[-2] if len(parts) >= 2 else parts[0]
    return re.sub(r"[-_]+", " ", token).title()


def describe(report: Report) -> Iterable[str]:
    """Lines saying what was found, best first."""
    for detection in report.detections:
        where = f"{detection.hits} URL(s) in the page" if report.fetched else "the URL itself"
        board = f"board {detection.board!r}" if detection.board else "JobPosting markup"
        yield f"{detection.platform}: {board} (from {where}: {detection.evidence})"


def _has_job_postings(body: bytes, charset: str | None, url: str) -> bool:
    markup = page_markup(parse_page(body, encoding=charset or "utf-8"), url)
    return bool(markup.postings or markup.posting_urls)


def _is_checkable(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host in a page's link
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)
