"""The base every platform spider stands on.

A platform spider sets:

- ``name``: the platform (``greenhouse``), which is also the spider name;
- ``board_shape``: a regular expression a board token of the platform matches;
- ``base_url_setting`` and ``default_base_url``: the API host, a setting so that a
  local replay server can stand in. Per-tenant platforms (``per_tenant = True``,
  e.g. ``{board}.recruitee.com``) use a ``{board}`` template there, and take the host
  from the company's careers URL when the registry gives one;
- ``board_from_url(url)``: the board token in a careers URL, or None (where the board
  is the careers host's subdomain, declare ``board_host`` and ``not_boards`` instead);
- ``company_requests(target)``: the first requests of a company's listing;

and ends every posting in the one hook ``parse_item(item, raw)``, which a special
case may override. Companies are data (crawler/registry.py): ``-a company=<slug>``
crawls registry companies (comma-separated for several), ``-a board=<token or
careers URL> [-a name="Company"]`` a board that is not in the registry, and no
argument every registry company on the platform.

Each company's progress goes to the crawl ledger (crawler/crawl_state.py): call
``listing_started`` before the first page of a listing and ``listing_finished``
after its last page. Requests made with ``self.request`` carry the company and
report their download errors; a callback that raises (say, on a malformed
response) is reported by crawler.middlewares.errors. A company whose listing did
not finish, or that had errors, gets nothing closed.

A board that answers 404/410, or whose listing lists nothing, may have moved: the
company's careers page (``careers_page``, else a ``careers_url`` that is not the
failed board's own page) is then fetched as one more request of that company and
read as `scrapy detect` reads it (crawler/detect.py); what it names goes to the
ledger as the company's ``board_search``, and from there to its crawl_runs row. That
request's own failure is noted, never counted as the company's error.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.http import Request, Response
from scrapy.spiderloader import get_spider_loader
from twisted.python.failure import Failure

from crawler import signals as jobs_signals
from crawler.crawl_state import CrawlLedger
from crawler.detect import JSONLD_PLATFORM, BoardSearch, detect_in_page, search_result
from crawler.items import JobPosting
from crawler.registry import Company, RegistryError, is_http_url, load_registry, slugify


class MalformedResponse(ValueError):
    """A response that does not have the platform's shape (bad JSON, missing keys)."""


@dataclass(frozen=True)
class Target:
    """One company's board on this platform, as requests carry it in ``meta``."""

    company: Company
    board: str
    base_url: str  # API host, or the company's own careers host for per-tenant platforms


class PlatformSpider(scrapy.Spider):
    name: ClassVar[str]
    base_url_setting: ClassVar[str | None] = None
    default_base_url: ClassVar[str | None] = None
    # The shape of a board token (a regular expression), checked on every registry entry.
    board_shape: ClassVar[str | None] = None

    @classmethod
    def base_url_settings(cls) -> dict[str, str | None]:
        """The settings naming this platform's API hosts, with their defaults
        (crawler/settings.py declares them from here)."""
        return {cls.base_url_setting: cls.default_base_url} if cls.base_url_setting else {}

    def __init__(
        self,
        company: str | None = None,
        board: str | None = None,
        name: str | None = None,  # the company's display name with -a board= (not the spider's)
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.company_arg = company
        self.board_arg = board
        self.company_name_arg = name
        self.targets: list[Target] = []
        # Postings and detail requests each board's listing produced (0: it was empty).
        self.listed: Counter[str] = Counter()
        self._platform_spiders: Mapping[str, type] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.ledger = CrawlLedger.for_crawler(crawler)
        spider.targets = [spider.target_for(c) for c in spider.select_companies()]
        crawler.signals.connect(spider._company_finished, signal=jobs_signals.company_finished)
        return spider

    def _company_finished(self, board: str, **_: Any) -> None:
        self.listed.pop(board, None)  # a long crawl keeps only the boards in flight

    # --- which companies ------------------------------------------------------------

    def select_companies(self) -> list[Company]:
        """The companies this run crawls, from the -a arguments and the registry."""
        if self.board_arg:
            return [self.adhoc_company(self.board_arg, self.company_name_arg)]
        try:
            registry = load_registry(self.settings.get("COMPANIES_FILE"))
        except RegistryError as exc:
            raise UsageError(str(exc)) from exc
        if not self.company_arg:
            return [c for c in registry if c.platform == self.name]
        by_slug = {c.slug: c for c in registry}
        chosen = []
        for slug in (s.strip() for s in self.company_arg.split(",") if s.strip()):
            company = by_slug.get(slug)
            if company is None:
                raise UsageError(f"company {slug!r} is not in the registry")
            if company.platform != self.name:
                raise UsageError(
                    f"company {slug!r} is on {company.platform}, not {self.name}:"
                    f" run `scrapy crawl {company.platform} -a company={slug}`"
                )
            chosen.append(company)
        return chosen

    def adhoc_company(self, board_or_url: str, display_name: str | None) -> Company:
        """A company given on the command line by board token or careers URL."""
        if is_http_url(board_or_url):
            token = self.board_from_url(board_or_url)
            if token is None and not self.per_tenant:
                raise UsageError(f"{board_or_url!r} is not a {self.name} careers URL")
            careers_url, board = board_or_url, token
        else:
            careers_url, board = None, board_or_url
        label = display_name or board or board_or_url
        return Company(
            slug=slugify(label), name=label, platform=self.name,
            board=board, careers_url=careers_url,
        )  # fmt: skip

    # Per-tenant platforms (each company on its own host) set this: a careers URL alone
    # is enough, and its host is where the company's API answers.
    per_tenant: ClassVar[bool] = False

    @classmethod
    def worker_companies(cls) -> int:
        """Companies a worker crawls at once on this platform, unless WORKER_COMPANIES
        says. A shared API host serves one company's requests about as fast as several's
        (the per-host slot and delay bound them all), so four keep its slot busy; fewer
        at once means each is recorded sooner and a run's last companies finish together
        (bench/README.md, "Companies at once"). A per-tenant platform's companies are on
        hosts of their own, each under its own delay: more at once is more throughput."""
        return 8 if cls.per_tenant else 4

    # Platforms whose board is the subdomain of the careers host declare that host's
    # pattern (a named group "board") and the platform's own subdomains that are not
    # boards (www, api, ...); the default board_from_url reads them.
    board_host: ClassVar[re.Pattern[str] | None] = None
    not_boards: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def board_from_url(cls, url: str) -> str | None:
        """The board token in one of this platform's careers URLs, or None."""
        match = cls.board_host.search(url) if cls.board_host else None
        if match is None or match["board"].lower() in cls.not_boards:
            return None
        return match["board"].lower()

    def target_for(self, company: Company) -> Target:
        board = company.board or (company.careers_url and self.board_from_url(company.careers_url))
        if not board and not self.per_tenant:
            raise UsageError(f"company {company.slug!r} has no {self.name} board token")
        board = board or company.careers_url
        return Target(company=company, board=board, base_url=self.base_url_for(company, board))

    def base_url_for(self, company: Company, board: str) -> str:
        """Where this company's board answers: the careers URL's host for per-tenant
        platforms, else the platform's base URL setting (``{board}`` filled in)."""
        if self.per_tenant and company.careers_url:
            parts = urlsplit(company.careers_url)
            return f"{parts.scheme}://{parts.netloc}"
        if self.base_url_setting is None:
            return ""
        template = self.settings.get(self.base_url_setting) or self.default_base_url or ""
        return template.replace("{board}", board).rstrip("/")

    # --- crawling ---------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for target in self.targets:
            for request in self.begin_company(target):
                yield request

    def begin_company(self, target: Target, run_id: str | None = None) -> Iterable[Request]:
        """Register a company's crawl with the ledger and return its first requests.

        A company may begin at any time in the crawl (a worker takes one from the
        queue when it is idle); it finishes on its own, when its last request has
        settled and its last item has been stored or dropped.
        """
        self.ledger.company_started(target.company, self.name, target.board, run_id=run_id)
        requests = list(self.company_requests(target))
        for request in requests:  # counted until each settles (crawler/crawl_state.py)
            self.ledger.request_issued(request)
        return requests

    def company_requests(self, target: Target) -> Iterable[Request]:
        """The first request(s) of a company's listing. Every platform implements it."""
        raise NotImplementedError(f"{type(self).__name__} must implement company_requests")

    def parse_item(self, item: JobPosting, raw: Any) -> JobPosting | None:
        """Last look at each posting with its raw record; return None to skip it."""
        return item

    def request(self, url: str, target: Target, callback: Any, **kwargs: Any) -> Request:
        """A request that belongs to ``target``'s crawl and reports its failures."""
        meta = {**kwargs.pop("meta", {}), "target": target}
        errback = kwargs.pop("errback", self.on_request_error)
        return Request(url, callback=callback, errback=errback, meta=meta, **kwargs)

    def detail_request(self, url: str, target: Target, callback: Any, **kwargs: Any) -> Request:
        """A request for one listed posting's detail. If it answers 404 or 410 the
        posting was taken down since the listing: it is left out (and later closed),
        not counted as an error, unless many are (see CrawlLedger.outcome)."""
        meta = {**kwargs.pop("meta", {}), "posting_detail": True}
        self.listed[target.board] += 1
        return self.request(url, target, callback, meta=meta, **kwargs)

    def posting(self, target: Target, external_id: Any, **fields: Any) -> JobPosting:
        """A JobPosting with this spider's identity fields filled in."""
        self.listed[target.board] += 1
        return JobPosting(
            platform=self.name,
            board=target.board,
            external_id="" if external_id is None else str(external_id),
            company=target.company.slug,
            **fields,
        )

    def listing_started(self, target: Target) -> None:
        self.ledger.listing_started(self.name, target.board)

    def listing_finished(self, target: Target) -> None:
        self.ledger.listing_finished(self.name, target.board)
        crawl = self.ledger.crawl_of(self.name, target.board)
        if not crawl.listings_pending and not self.listed[target.board]:
            self.search_for_moved_board(target)

    # --- a board that moved -----------------------------------------------------------

    def search_for_moved_board(self, target: Target) -> None:
        """Fetch the company's careers page, as its request, to see which board it names
        now (once per crawl; not for jsonld, whose careers page is the board)."""
        url = self.board_search_url(target)
        crawl = self.ledger.crawl_of(self.name, target.board)
        if not url or self.name == JSONLD_PLATFORM or crawl.board_search is not None:
            return
        if not self.crawler.crawling:  # a callback called outside a crawl: no engine
            return
        crawl.board_search = BoardSearch(url, "the careers page did not answer")
        self.crawler.stats.inc_value("jobs/board_search/started")
        request = self.request(url, target, self.parse_board_search,
                               errback=self.on_board_search_error, dont_filter=True)  # fmt: skip
        # Scheduled from a callback or an errback: counted here, as begin_company does,
        # so the company waits for the page before it finishes.
        self.ledger.request_issued(request)
        self.crawler.engine.crawl(request)

    def board_search_url(self, target: Target) -> str | None:
        """The company's own careers page, else its careers URL unless that is the very
        board that failed (its platform's page says nothing new, and is not ours to poll)."""
        company = target.company
        if company.careers_page:
            return company.careers_page
        if company.careers_url and self.board_from_url(company.careers_url) != target.board:
            return company.careers_url
        return None

    def parse_board_search(self, response: Response) -> None:
        target: Target = response.meta["target"]
        charset = getattr(response, "encoding", None)  # None: not a text response
        report = detect_in_page(response.request.url, response.url, response.body, charset,
                                self.platform_spiders())  # fmt: skip
        search = search_result(report, self.name, target.board)
        self.ledger.crawl_of(self.name, target.board).board_search = search
        if search.found is not None:
            self.crawler.stats.inc_value("jobs/board_search/moved")
            self.logger.warning("%s: the %s board %r failed or listed nothing; %s %s",
                                target.company.slug, self.name, target.board,
                                search.url, search.note)  # fmt: skip

    def on_board_search_error(self, failure: Failure) -> None:
        request = failure.request
        target: Target = request.meta["target"]
        response = getattr(failure.value, "response", None)
        why = f"HTTP {response.status}" if response is not None else failure.type.__name__
        search = BoardSearch(request.url, f"could not be read ({why})")
        self.ledger.crawl_of(self.name, target.board).board_search = search
        self.crawler.stats.inc_value("jobs/board_search/failed")
        self.ledger.request_settled(request)

    def platform_spiders(self) -> Mapping[str, type]:
        """Every platform spider class of the project, by name (what detection asks)."""
        if self._platform_spiders is None:
            loader = get_spider_loader(self.settings)
            self._platform_spiders = {name: loader.load(name) for name in loader.list()}
        return self._platform_spiders

    def record_error(self, target: Target, reason: str) -> None:
        self.ledger.record_error(self.name, target.board, reason)
        self.crawler.stats.inc_value("jobs/errors")

    def on_request_error(self, failure: Failure) -> None:
        """Every company request's errback: record why it failed, then settle it.

        Its output is not seen by the spider middlewares on every path, so it yields
        nothing; a platform that wants a fallback request issues it from a callback.
        """
        request = failure.request
        try:
            self.record_request_failure(failure)
        finally:
            self.ledger.request_settled(request)

    def record_request_failure(self, failure: Failure) -> None:
        request = failure.request
        target: Target = request.meta["target"]
        response = getattr(failure.value, "response", None)
        if response is not None and response.status in (404, 410) and request.meta.get(
            "posting_detail"
        ):
            self.ledger.record_detail_gone(self.name, target.board)
            self.crawler.stats.inc_value("jobs/details_gone")
            self.logger.info("%s: posting gone since the listing (HTTP %s): %s",
                             target.company.slug, response.status, request.url)  # fmt: skip
            return
        if response is not None:
            reason = f"HTTP {response.status} from {request.url}"
            self.crawler.stats.inc_value(f"jobs/errors/http_{response.status}")
        else:
            reason = f"{failure.type.__name__} on {request.url}: {failure.getErrorMessage()}"
            self.crawler.stats.inc_value(f"jobs/errors/{failure.type.__name__}")
        self.record_error(target, reason)
        self.logger.error("%s: %s", target.company.slug, reason)
        if response is not None and response.status in (404, 410):
            self.search_for_moved_board(target)

    def json_records(self, data: Any, key: str, where: str) -> list[dict[str, Any]]:
        """The objects listed under ``key`` in a listing's parsed JSON (``load_json``).

        Raises MalformedResponse when there is no such list; entries that are not
        objects are counted (``jobs/dropped/not_an_object``) and skipped, so one bad
        entry never costs the others.
        """
        records = data.get(key) if isinstance(data, dict) else None
        if not isinstance(records, list):
            raise MalformedResponse(f"no {key!r} list in {where}")
        objects = [record for record in records if isinstance(record, dict)]
        if len(objects) < len(records):
            self.crawler.stats.inc_value("jobs/dropped/not_an_object", len(records) - len(objects))
        return objects

    @staticmethod
    def load_json(response: Response) -> Any:
        """The response's JSON, or MalformedResponse saying why it is not."""
        try:
            return json.loads(response.text)
        except (ValueError, AttributeError) as exc:
            snippet = response.body[:80]
            raise MalformedResponse(
                f"not JSON (HTTP {response.status}, starts {snippet!r}): {exc}"
            ) from exc
