"""schema.org ``JobPosting`` markup: found in a page and read into posting fields.

Companies that run their own careers page mark postings up for search engines, in
JSON-LD (``<script type="application/ld+json">``) or microdata (``itemscope``). Both
are extracted with extruct, into the same dict shape (``@type`` plus properties).
The real pages are untidy, and all of this is handled here, in one place:

- JSON-LD as one object, a list, or an ``@graph``; a broken script does not hide the
  page's other scripts; ``@type`` as text, a list, or a full IRI;
- an ``ItemList`` of ``ListItem``\\s holding a ``JobPosting`` or only its ``url``;
- ``description`` as HTML, HTML escaped once (``&lt;p&gt;``), or (microdata) the
  marked element, whose inner HTML is taken from the page;
- ``identifier`` as a ``PropertyValue``, text or a number; ``jobLocation`` as one
  ``Place`` or a list, its ``addressCountry`` as text or a ``Country``; ``baseSalary``
  as a ``MonetaryAmount`` around a ``QuantitativeValue`` or a bare number.

Nothing here knows the crawl: crawler/spiders/jsonld.py fetches and decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import lxml.html

from crawler.text.dates import parse_date
from crawler.text.html import unescape_html

_JSONLD_SCRIPTS = "//script[@type='application/ld+json']"
_ESCAPED_TAG = re.compile(r"&lt;/?[a-zA-Z][^&]*&gt;")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LEGAL_SUFFIXES = frozenset({
    "inc", "llc", "ltd", "limited", "gmbh", "ag", "sa", "sas", "bv", "nv", "plc",
    "corp", "corporation", "co", "company", "group", "the", "se", "oy", "ab", "srl",
})  # fmt: skip


# --- finding the markup ---------------------------------------------------------------


@dataclass
class PageMarkup:
    """What a page's structured data says about jobs."""

    postings: list[dict[str, Any]] = field(default_factory=list)
    posting_urls: list[str] = field(default_factory=list)  # ItemList entries without a body
    broken_scripts: int = 0


def _extruct() -> Any:
    """extruct, imported when a page is first read: it pulls in mf2py, html5lib and
    BeautifulSoup (a fifth of a second), which a crawl of JSON APIs never needs."""
    import extruct
    import extruct.jsonld

    return extruct


def parse_page(body: bytes, encoding: str = "utf-8") -> lxml.html.HtmlElement:
    """The page's lxml tree, as extruct parses it."""
    return _extruct().utils.parse_html(body, encoding=encoding)


def page_markup(tree: lxml.html.HtmlElement, base_url: str) -> PageMarkup:
    """Every JobPosting (and every ItemList posting URL) in the page's JSON-LD and microdata."""
    markup = PageMarkup()
    nodes: list[Any] = []
    extractor = _extruct().jsonld.JsonLdExtractor()
    for script in tree.xpath(_JSONLD_SCRIPTS):
        try:
            nodes.extend(extractor.extract_items(script))
        except ValueError:  # one broken script must not hide the others
            markup.broken_scripts += 1
    for item in _microdata(tree, base_url):
        nodes.append(item)
    _collect(nodes, markup)
    return markup


def _microdata(tree: lxml.html.HtmlElement, base_url: str) -> list[dict[str, Any]]:
    if not tree.xpath("//*[@itemscope]"):
        return []
    extracted = _extruct().extract(
        tree, base_url=base_url, syntaxes=["microdata"], uniform=True,
        return_html_node=True, errors="log",
    )  # fmt: skip
    items = extracted.get("microdata") or []
    for item in items:
        _take_description_html(item)
    return [_without_html_nodes(item) for item in items]


def _take_description_html(item: dict[str, Any]) -> None:
    """Microdata gives the description's text; the site wants its HTML, so read the node."""
    node = item.get("htmlNode")
    if node is None or "JobPosting" not in types_of(item):
        return
    for element in node.iter():
        if "description" not in (element.get("itemprop") or "").split():
            continue
        scope = next(element.iterancestors(), None)
        while scope is not None and scope.get("itemscope") is None:
            scope = scope.getparent()
        if scope is node:
            inner = (element.text or "") + "".join(
                lxml.html.tostring(child, encoding="unicode") for child in element
            )
            item["description"] = inner.strip()
            return


def _without_html_nodes(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_html_nodes(v) for k, v in value.items() if k != "htmlNode"}
    if isinstance(value, list):
        return [_without_html_nodes(v) for v in value]
    return value


def types_of(node: dict[str, Any]) -> set[str]:
    """``@type`` as bare names: "JobPosting", ["JobPosting"], "schema:JobPosting" alike."""
    raw = node.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return {re.split(r"[/#:]", n)[-1] for n in names if isinstance(n, str)}


def _collect(nodes: Any, markup: PageMarkup) -> None:
    for node in nodes if isinstance(nodes, list) else [nodes]:
        if not isinstance(node, dict):
            continue
        kinds = types_of(node)
        if "JobPosting" in kinds:
            markup.postings.append(node)
        elif "ItemList" in kinds:
            _collect_list(node.get("itemListElement"), markup)
        if "@graph" in node:
            _collect(node["@graph"], markup)


def _collect_list(elements: Any, markup: PageMarkup) -> None:
    for element in elements if isinstance(elements, list) else [elements]:
        if isinstance(element, str):
            markup.posting_urls.append(element)
        elif isinstance(element, dict):
            inner = element.get("item", element)
            if isinstance(inner, dict) and "JobPosting" in types_of(inner):
                markup.postings.append(inner)
            elif isinstance(inner, dict) and isinstance(inner.get("url") or inner.get("@id"), str):
                markup.posting_urls.append(inner.get("url") or inner["@id"])
            elif isinstance(inner, str):
                markup.posting_urls.append(inner)


# --- reading one JobPosting -----------------------------------------------------------


@dataclass
class PostingFields:
    """One JobPosting read into the item's terms (raw values; the pipelines clean them)."""

    external_id: str | None
    title: str | None
    url: str | None
    apply_url: str | None
    description_html: str | None
    posted_at: Any
    source_updated_at: Any
    valid_through: Any
    hiring_organization: str | None
    organization_urls: list[str]
    locations: list[str]
    extra: dict[str, Any]

    def is_expired(self, now: datetime | None = None) -> bool:
        """validThrough lies in the past (a bare date is valid through that whole day)."""
        until = parse_date(self.valid_through)
        if until is None:
            return False
        if isinstance(self.valid_through, str) and _DATE_ONLY.match(self.valid_through.strip()):
            until += timedelta(days=1)
        return until <= (now or datetime.now(UTC))


def posting_fields(job: dict[str, Any]) -> PostingFields:
    """Read one JobPosting node; a missing or odd field becomes None, never an error."""
    organization = _first(job.get("hiringOrganization"))
    remote = any(
        isinstance(kind, str) and kind.strip().upper() == "TELECOMMUTE"
        for kind in _as_list(job.get("jobLocationType"))
    )
    places = [_location(place) for place in _as_list(job.get("jobLocation"))]
    locations = [display for display, _ in places if display]
    parts = [part for _, part in places if part]
    applicant_places = [_place_name(a) for a in _as_list(job.get("applicantLocationRequirements"))]
    applicant_places = [a for a in applicant_places if a]
    if not locations and remote:
        locations = [f"Remote - {', '.join(applicant_places)}" if applicant_places else "Remote"]

    extra: dict[str, Any] = {}
    if remote:
        extra["workplace"] = "remote"
    employment = [e for e in _as_list(job.get("employmentType")) if isinstance(e, str) and e]
    if employment:
        extra["employment_type"] = employment[0]
        if len(employment) > 1:
            extra["employment_types"] = employment
    salary = salary_of(job.get("baseSalary") or job.get("estimatedSalary"))
    if isinstance(salary, str):
        extra["salary_text"] = salary
    elif salary:
        extra["salary"] = salary
    if parts:
        extra["location_parts"] = parts
    elif applicant_places:
        extra["location_parts"] = [
            {"city": None, "region": None, "country": name} for name in applicant_places
        ]
    if applicant_places:
        extra["applicant_locations"] = applicant_places
    if isinstance(job.get("directApply"), bool):
        extra["direct_apply"] = job["directApply"]
    org_name = _text(organization.get("name")) if isinstance(organization, dict) else None
    org_name = org_name or _text(organization)
    if org_name:
        extra["hiring_organization"] = org_name

    external_id = identifier_of(job.get("identifier"))
    if external_id and org_name and external_id.casefold() == org_name.casefold():
        external_id = None  # the company's name given as every posting's "identifier"
    return PostingFields(
        external_id=external_id,
        title=_text(job.get("title")) or _text(job.get("name")),
        url=_url(job.get("url")),
        apply_url=_apply_target(job.get("potentialAction")),
        description_html=description_html(job.get("description")),
        posted_at=_text(job.get("datePosted")),
        source_updated_at=_text(job.get("dateModified")),
        valid_through=_text(job.get("validThrough")),
        hiring_organization=org_name,
        organization_urls=_organization_urls(organization),
        locations=locations,
        extra=extra,
    )


def identifier_of(value: Any) -> str | None:
    """The posting's own id: PropertyValue.value, or the text/number itself."""
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("value") if value.get("value") not in (None, "") else value.get("@id")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return _text(value)


def description_html(value: Any) -> str | None:
    """The description as HTML, unescaped once when the page escaped its tags."""
    text = _text(value) if not isinstance(value, list) else "".join(map(str, value))
    if not text:
        return None
    if "<" not in text and _ESCAPED_TAG.search(text):
        text = unescape_html(text)
    return text


def salary_of(value: Any) -> dict[str, Any] | str | None:
    """``{"min", "max", "currency", "period"}`` from a MonetaryAmount, or its text."""
    amount = _first(value)
    if isinstance(amount, int | float | str) and not isinstance(amount, bool):
        amount = {"value": amount}
    if not isinstance(amount, dict):
        return None
    currency = _text(amount.get("currency")) or _text(amount.get("salaryCurrency"))
    quantity = amount.get("value")
    period = _text(amount.get("unitText"))
    if isinstance(quantity, dict):
        period = _text(quantity.get("unitText")) or period
        low = _number(quantity.get("minValue"))
        high = _number(quantity.get("maxValue"))
        exact = _number(quantity.get("value"))
    else:
        low = high = None
        exact = _number(quantity)
        if exact is None and _text(quantity):
            return _text(quantity)  # "$120k - $150k": the pay stage reads text
    if low is None and high is None:
        low = high = exact
    if low is None and high is None:
        return None
    return {"min": low, "max": high, "currency": currency.upper() if currency else None,
            "period": period}  # fmt: skip


def organization_matches(company_name: str, org_name: str | None, org_urls: list[str],
                         careers_host: str) -> bool:  # fmt: skip
    """Is the posting's hiringOrganization this company (or not stated)?

    Names match when one contains the other once legal suffixes and punctuation are
    gone ("Acme" ~ "ACME Robotics, Inc."); an organization URL on the careers page's
    domain matches too.
    """
    if not org_name and not org_urls:
        return True
    careers_domain = registrable_domain(careers_host)
    if any(registrable_domain(_host(u)) == careers_domain for u in org_urls if _host(u)):
        return True
    if not org_name:
        return False
    ours, theirs = _name_key(company_name), _name_key(org_name)
    if not ours or not theirs:
        return True
    return ours in theirs or theirs in ours


def registrable_domain(host: str) -> str:
    """The host's registrable part, approximately: "careers.acme.co.uk" -> "acme.co.uk"."""
    labels = host.lower().split(":")[0].strip(".").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in {"co", "com", "ac", "org",
                                                                     "net", "gov"}:  # fmt: skip
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


# --- small readers --------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else (None if value == [] else value)


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        cleaned = value.strip().replace(",", "").replace(" ", "")
        try:
            return float(cleaned)
        except ValueError:
            return None
    return None


def _url(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id")
    return _text(value)


def _apply_target(action: Any) -> str | None:
    for candidate in _as_list(action):
        if isinstance(candidate, dict) and "ApplyAction" in types_of(candidate):
            target = _first(candidate.get("target"))
            if isinstance(target, dict):
                target = target.get("urlTemplate") or target.get("url")
            return _text(target)
    return None


def _organization_urls(organization: Any) -> list[str]:
    if not isinstance(organization, dict):
        return []
    urls = _as_list(organization.get("url")) + _as_list(organization.get("sameAs"))
    return [u for u in urls if isinstance(u, str) and u.startswith("http")]


def _location(place: Any) -> tuple[str | None, dict[str, str | None] | None]:
    """A place as the company wrote it, and its structured parts when it has them."""
    if isinstance(place, str):
        return _text(place), None
    if not isinstance(place, dict):
        return None, None
    address = _first(place.get("address"))
    if isinstance(address, str):
        return _text(address), None
    address = address if isinstance(address, dict) else place  # a bare PostalAddress
    parts = {
        "city": _text(address.get("addressLocality")),
        "region": _text(address.get("addressRegion")),
        "country": _text(address.get("addressCountry")),
    }
    if not any(parts.values()):
        return _text(place.get("name")), None
    return ", ".join(p for p in parts.values() if p), parts


def _place_name(value: Any) -> str | None:
    if isinstance(value, dict):
        return _text(value.get("name")) or _text(value.get("addressCountry"))
    return _text(value)


def _name_key(name: str) -> str:
    words = re.findall(r"[a-z0-9]+", name.lower())
    return " ".join(w for w in words if w not in _LEGAL_SUFFIXES)


def _host(url: str) -> str:
    match = re.match(r"^[a-z]+://([^/?#]+)", url.strip(), re.IGNORECASE)
    return match.group(1) if match else ""
