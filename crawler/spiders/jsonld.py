"""jsonld: a company's own careers page with schema.org ``JobPosting`` markup.

The company is its careers URL (registry ``careers_url``, or ``-a board=<careers
url> [-a name="Acme"]``). The spider fetches that listing page and reads what it
carries, structured data first:

1. ``JobPosting``\\s on the listing itself (an ``ItemList``, an ``@graph``, several
   scripts): a posting with a description is taken as is; one without a
   description but with a ``url`` of its own page is followed;
2. ``ItemList`` entries that only name a posting's URL: followed;
3. only when the page has neither: links that look like postings (on the careers
   site's domain, under the careers path or a ``/jobs/``-like path), followed; a
   followed page without a JobPosting is counted (``jobs/jsonld/page_without_posting``)
   and otherwise ignored.

Pagination links (``rel=next``, "Next", a right-pointing quote or arrow) are followed up to
``JSONLD_MAX_LISTING_PAGES``; posting pages up to ``JSONLD_MAX_POSTING_PAGES`` per
company. Hitting a cap makes the company's crawl partial, so nothing is closed.
Reading the markup lives in crawler/structured.py.

Skipped, and counted in the stats: an expired posting (``validThrough`` in the past,
``jobs/jsonld/expired``: a stored one then closes like any posting no longer listed),
and a posting whose ``hiringOrganization`` is another company (``jobs/jsonld/
other_organization``; a page listing other companies' jobs). The organization check
needs the company's name, so a ``-a board=`` crawl without ``-a name=`` skips it.

JavaScript. A browser page costs far more than a plain fetch, so every page is
fetched plainly first. A listing that yields no JobPosting and no posting link but
carries scripts is fetched again in the system Chromium through scrapy-playwright
(``meta["playwright"]``), which waits for the network and the DOM to settle; a
posting page named by structured data is re-rendered the same way only when its
plain HTML has no JobPosting. Each rendered page counts in ``jobs/jsonld/rendered``
(``.../listing``, ``.../posting``). The browser's download handler is this spider's
alone (``custom_settings``, see crawler/browser.py): it fetches plain requests with
Scrapy's client, and starts Playwright and Chromium with the first rendered request,
so a crawl that renders nothing starts neither. Images, media and fonts are not
fetched.

Board identity: the careers URL's host and path, lowercased host without ``www.``,
no scheme, query, fragment or trailing slash (``careers.acme.com/jobs``). The same
page reached over http or https, or with tracking parameters, must stay one board
(else every posting would be closed and re-added), while the path is kept because
one host may carry several companies' or countries' boards. A registry ``board``
wins, so a company keeps its identity when its careers page moves host.

``board_from_url`` is always None: no URL shape marks a JobPosting page, so
``scrapy detect`` must look for the markup (``crawler.structured.page_markup``).

Settings: CHROMIUM_EXECUTABLE_PATH, JSONLD_MAX_LISTING_PAGES, JSONLD_MAX_POSTING_PAGES,
JSONLD_RENDER_WAIT_MS.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urldefrag, urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings

from crawler.browser import BROWSER_SETTINGS, chromium_launch_options, render_meta
from crawler.registry import Company, is_http_url, slugify
from crawler.spiders.base import MalformedResponse, PlatformSpider, Target
from crawler.structured import (
    PageMarkup,
    organization_matches,
    page_markup,
    parse_page,
    posting_fields,
    registrable_domain,
)

_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
_JOB_PATH = re.compile(
    r"/(?:jobs?|careers?|positions?|openings?|vacanc(?:y|ies)|roles?|opportunities|"
    r"stellen(?:angebote)?|offres?|empleos?)/[^/?#]+",
    re.IGNORECASE,
)
_ASSET = re.compile(r"\.(?:pdf|jpe?g|png|gif|svg|webp|css|js|ico|zip|docx?)$", re.IGNORECASE)
_NEXT_WORDS = {"next", "next page", "next \u00bb", "next \u203a", "\u203a", "\u00bb", "\u2192",
               "weiter", "suivant", "siguiente", "volgende", "older posts"}  # fmt: skip


@dataclass(frozen=True)
class JsonLdConfig:
    """The spider's settings, read once (defaults as in crawler/settings.py)."""

    max_listing_pages: int = 20
    max_posting_pages: int = 500
    render_wait_ms: int = 10000

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> JsonLdConfig:
        return cls(
            max_listing_pages=settings.getint("JSONLD_MAX_LISTING_PAGES", cls.max_listing_pages),
            max_posting_pages=settings.getint("JSONLD_MAX_POSTING_PAGES", cls.max_posting_pages),
            render_wait_ms=settings.getint("JSONLD_RENDER_WAIT_MS", cls.render_wait_ms),
        )


def board_identity(careers_url: str) -> str:
    """``https://www.Acme.com/careers/?utm=x`` -> ``acme.com/careers`` (see module doc)."""
    parts = urlsplit(careers_url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"


def looks_script_built(response: Response) -> bool:
    """The page runs scripts (not only JSON data blocks), so a browser may build more."""
    return any(
        script.attrib.get("type", "").strip().lower() in _SCRIPT_TYPES
        for script in response.xpath("//script")
    )


class JsonLdSpider(PlatformSpider):
    name = "jsonld"
    per_tenant = True
    custom_settings: ClassVar[dict[str, Any]] = BROWSER_SETTINGS

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        options = chromium_launch_options(settings.get("CHROMIUM_EXECUTABLE_PATH"))
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", options, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> JsonLdSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = JsonLdConfig.from_settings(crawler.settings)
        return spider

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unnamed_boards: set[str] = set()
        self.posting_pages: Counter[str] = Counter()
        self.logged_other_org: set[str] = set()

    # --- which company --------------------------------------------------------------

    @classmethod
    def board_from_url(cls, url: str) -> str | None:
        return None  # see the module docstring: the markup, not the URL, says "jsonld"

    def adhoc_company(self, board_or_url: str, display_name: str | None) -> Company:
        careers_url = board_or_url if is_http_url(board_or_url) else f"https://{board_or_url}"
        if "." not in urlsplit(careers_url).netloc:
            raise UsageError(f"jsonld needs a careers page URL, not {board_or_url!r}")
        identity = board_identity(careers_url)
        if not display_name:
            self.unnamed_boards.add(identity)
        label = display_name or identity
        return Company(slug=slugify(label), name=label, platform=self.name,
                       careers_url=careers_url)  # fmt: skip

    def target_for(self, company: Company) -> Target:
        careers_url = self.careers_url_of(company)
        board = company.board or board_identity(careers_url)
        parts = urlsplit(careers_url)
        return Target(company=company, board=board, base_url=f"{parts.scheme}://{parts.netloc}")

    @staticmethod
    def careers_url_of(company: Company) -> str:
        if company.careers_url:
            return company.careers_url
        if company.board and "." in company.board.split("/")[0]:
            return f"https://{company.board}"
        raise UsageError(f"company {company.slug!r} needs a careers_url for jsonld")

    # --- the listing ----------------------------------------------------------------

    def company_requests(self, target: Target) -> Iterable[Request]:
        self.listing_started(target)
        url = self.careers_url_of(target.company)
        yield self.request(url, target, self.parse_listing, dont_filter=True,
                           meta={"listing_pages": (url,)})  # fmt: skip

    def parse_listing(self, response: Response) -> Iterator[Any]:
        target: Target = response.meta["target"]
        rendered = self.count_rendered(response, "listing")
        markup = self.markup_of(response)
        stubs, complete = self.split_stubs(response, markup.postings)
        follow = [*stubs, *(response.urljoin(u) for u in markup.posting_urls)]
        next_url = self.next_page_url(response)
        links = [] if markup.postings or follow else self.posting_links(response, next_url)
        nothing_found = not (markup.postings or follow or links)
        if nothing_found and not rendered and looks_script_built(response):
            yield self.rendered_request(response, self.parse_listing)
            return  # the listing finishes with its rendered copy

        yield from self.items_from(response, target, complete)
        for url in follow:
            yield from self.posting_request(target, url, known_posting=True)
        for url in links:
            yield from self.posting_request(target, url, known_posting=False)

        seen_pages: tuple[str, ...] = response.meta["listing_pages"]
        if next_url and next_url not in seen_pages:
            if len(seen_pages) >= self.config.max_listing_pages:
                self.crawler.stats.inc_value("jobs/jsonld/listing_page_cap")
                self.record_error(target, f"more than {len(seen_pages)} listing pages")
            else:
                yield self.request(next_url, target, self.parse_listing, dont_filter=True,
                                   meta={"listing_pages": (*seen_pages, next_url)})  # fmt: skip
                return
        self.listing_finished(target)

    def parse_posting(self, response: Response) -> Iterator[Any]:
        target: Target = response.meta["target"]
        rendered = self.count_rendered(response, "posting")
        markup = self.markup_of(response)
        if not markup.postings:
            if response.meta.get("known_posting") and not rendered and looks_script_built(response):
                yield self.rendered_request(response, self.parse_posting)
                return
            self.crawler.stats.inc_value("jobs/jsonld/page_without_posting")
            return
        yield from self.items_from(response, target, markup.postings)

    # --- requests -------------------------------------------------------------------

    def posting_request(self, target: Target, url: str, known_posting: bool) -> Iterator[Request]:
        self.posting_pages[target.board] += 1
        cap = self.config.max_posting_pages
        if self.posting_pages[target.board] > cap:
            self.crawler.stats.inc_value("jobs/jsonld/posting_page_cap")
            if self.posting_pages[target.board] == cap + 1:
                self.record_error(target, f"more than {cap} posting pages")
            return
        yield self.request(url, target, self.parse_posting, meta={"known_posting": known_posting})

    def rendered_request(self, response: Response, callback: Any) -> Request:
        """The same page again, built by the browser (it is the only kind that uses one)."""
        meta = {
            **{k: v for k, v in response.meta.items() if k in ("listing_pages", "known_posting")},
            **render_meta(self.config.render_wait_ms),
            "jsonld_rendered": True,
        }
        return self.request(response.url, response.meta["target"], callback,
                            dont_filter=True, meta=meta)  # fmt: skip

    def count_rendered(self, response: Response, kind: str) -> bool:
        rendered = bool(response.meta.get("jsonld_rendered"))
        if rendered:
            self.crawler.stats.inc_value("jobs/jsonld/rendered")
            self.crawler.stats.inc_value(f"jobs/jsonld/rendered/{kind}")
        return rendered

    # --- reading pages --------------------------------------------------------------

    def markup_of(self, response: Response) -> PageMarkup:
        body = response.body
        if not body.strip() or not hasattr(response, "text"):
            raise MalformedResponse(f"not an HTML page (HTTP {response.status}, {len(body)} bytes)")
        markup = page_markup(parse_page(body, response.encoding), response.url)
        if markup.broken_scripts:
            self.crawler.stats.inc_value("jobs/jsonld/broken_script", markup.broken_scripts)
        return markup

    @staticmethod
    def split_stubs(response: Response, postings: list[dict[str, Any]]):
        """Postings without a description that name their own page: follow those."""
        page = urldefrag(response.url)[0]
        stubs, complete = [], []
        for job in postings:
            url = job.get("url")
            url = response.urljoin(url) if isinstance(url, str) and url.strip() else None
            if url and not job.get("description") and urldefrag(url)[0] != page:
                stubs.append(url)
            else:
                complete.append(job)
        return list(dict.fromkeys(stubs)), complete

    def items_from(self, response: Response, target: Target, jobs: list[dict]) -> Iterator[Any]:
        careers_url = self.careers_url_of(target.company)
        careers_host = urlsplit(careers_url).netloc
        canonical = self.canonical_url(response)
        if canonical and board_identity(canonical) == board_identity(careers_url):
            canonical = None  # a site that names its careers home canonical on every page
        page_url = canonical or urldefrag(response.url)[0]
        used_ids: set[str] = set()
        stats = self.crawler.stats
        for index, job in enumerate(jobs, start=1):
            fields = posting_fields(job)
            if fields.is_expired():
                stats.inc_value("jobs/jsonld/expired")
                continue
            if target.board not in self.unnamed_boards and not organization_matches(
                target.company.name, fields.hiring_organization, fields.organization_urls,
                careers_host,
            ):  # fmt: skip
                stats.inc_value("jobs/jsonld/other_organization")
                if target.board not in self.logged_other_org:
                    self.logged_other_org.add(target.board)
                    self.logger.info("%s: skipping postings of %r on %s", target.company.slug,
                                     fields.hiring_organization, page_url)  # fmt: skip
                continue
            url = response.urljoin(fields.url) if fields.url else page_url
            external_id = fields.external_id
            if external_id is None:  # the page's own URL, told apart when it holds several
                external_id = url if url not in used_ids else f"{url}#{index}"
            used_ids.add(external_id)
            item = self.posting(
                target, external_id, title=fields.title, url=url,
                apply_url=response.urljoin(fields.apply_url) if fields.apply_url else None,
                locations=fields.locations, description_html=fields.description_html,
                posted_at=fields.posted_at, source_updated_at=fields.source_updated_at,
                extra=fields.extra,
            )  # fmt: skip
            item = self.parse_item(item, job)
            if item is not None:
                yield item

    @staticmethod
    def canonical_url(response: Response) -> str | None:
        """The page's canonical URL: a steadier id than the fetched URL (tracking params)."""
        href = response.xpath("//link[@rel='canonical']/@href").get()
        url = urldefrag(response.urljoin(href.strip()))[0] if href else None
        return url if url and is_http_url(url) else None

    @staticmethod
    def posting_links(response: Response, next_url: str | None) -> list[str]:
        """Links that look like postings on the careers site (the fallback: no markup)."""
        page = urlsplit(response.url)
        domain = registrable_domain(page.hostname or "")
        listing_path = page.path.rstrip("/") + "/"
        links: dict[str, None] = {}
        for href in response.xpath("//a/@href").getall():
            url = urldefrag(response.urljoin(href.strip()))[0]
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or url in (next_url, response.url):
                continue
            if registrable_domain(parts.hostname or "") != domain or _ASSET.search(parts.path):
                continue
            deeper = parts.path.startswith(listing_path) and parts.path != listing_path
            job_like = _JOB_PATH.search(parts.path) and parts.path.rstrip("/") != listing_path[:-1]
            if deeper or job_like:
                links[url] = None
        return list(links)

    @staticmethod
    def next_page_url(response: Response) -> str | None:
        hrefs = response.xpath(
            "//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
            " | //a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
        ).getall()
        for anchor in response.xpath("//a[@href]"):
            text = anchor.xpath("normalize-space(string(.))").get("")
            labels = (text, anchor.attrib.get("aria-label", ""), anchor.attrib.get("title", ""))
            if any(label.strip().lower() in _NEXT_WORDS for label in labels):
                hrefs.append(anchor.attrib["href"])
        for href in hrefs:
            url = urldefrag(response.urljoin(href.strip()))[0]
            if url != urldefrag(response.url)[0] and url.startswith(("http://", "https://")):
                return url
        return None
