"""Job description HTML: sanitized for the site to render, and a plain-text copy.

Links in the sanitized HTML are absolute: a relative link ("/jobs/2", "#apply",
"team.html") is resolved against the posting's own URL, a protocol-relative one
("//cdn.example.com/x") gets https, and a link that cannot be made an absolute http(s)
or mailto URL is removed, so the site never renders a link into itself.
"""

from __future__ import annotations

import html
import re
from contextvars import ContextVar
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import html_text
import lxml.etree
import nh3
from html_text.html_text import DOUBLE_NEWLINE_TAGS, NEWLINE_TAGS

# An allow-list: what a job description needs to read well, nothing that runs or styles.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
})  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}


def unescape_html(text: str) -> str:
    """Undo one level of HTML escaping ("&lt;p&gt;" -> "<p>"), as some APIs send it."""
    if "&" not in text:
        return text
    if _OTHER_ENTITY.search(text):
        return html.unescape(text)
    # Every "&" opens one of the entities an escaper writes: str.replace, in C, gives
    # html.unescape's result ("&amp;" last, so "&amp;lt;" stays "&lt;") without its
    # Python call per entity (hundreds in an escaped description).
    for entity, char in _PLAIN_ENTITIES.items():
        if entity in text:
            text = text.replace(entity, char)
    return text


# what escapers write (Python's html.escape writes "&#x27;"); "&amp;" must come last
_PLAIN_ENTITIES = {
    "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'", "&amp;": "&",
}  # fmt: skip
_OTHER_ENTITY = re.compile(r"&(?!lt;|gt;|quot;|#39;|#x27;|amp;)")


LINK_ATTRIBUTES = frozenset({"href", "src"})
# What browsers strip around a URL (C0 controls and space) and remove inside it.
_URL_TRIM = "".join(chr(code) for code in range(0x21))
_TAB_AND_NEWLINES = str.maketrans(dict.fromkeys("\t\n\r"))
_NAMES_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")  # "https://" alone is not relative


def resolve_link(link: str, base_url: str | None) -> str | None:
    """The absolute http(s) or mailto URL a link stands for, or None when there is none.

    Relative links are resolved against ``base_url`` (None: they are dropped), and
    "//host/x" gets https. The link is read as a browser reads it (spaces and controls
    around it and tabs and line breaks inside dropped, "\\" as "/"), so what the site
    renders is what was checked.
    """
    link = link.strip(_URL_TRIM).translate(_TAB_AND_NEWLINES)
    if not link:
        return None
    if link[:7].lower() == "mailto:":
        return link if len(link) > 7 else None
    link = link.replace("\\", "/")
    try:
        if link.startswith("//"):
            link = f"https:{link}"
        elif base_url and not _NAMES_HOST.match(link):
            link = urljoin(base_url, link)
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return parts.geturl()


# The posting URL that relative links of the description being sanitized resolve to.
_BASE_URL: ContextVar[str | None] = ContextVar("description_base_url", default=None)


def _resolve_link_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: it runs after nh3's own URL-scheme check and its result
    is not checked again, so only resolve_link's absolute http(s)/mailto URLs pass."""
    if attribute in LINK_ATTRIBUTES:
        return resolve_link(value, _BASE_URL.get())
    return value


# Built once: nh3.clean would rebuild the same sanitizer for every description.
_SANITIZER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_resolve_link_attribute,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitize_html(raw: str, base_url: str | None = None) -> str:
    """Keep only allow-listed tags and attributes; links get rel="noopener noreferrer".

    Links are made absolute against ``base_url``, the posting's URL (resolve_link);
    a base that is not an absolute http(s) URL resolves nothing.
    """
    token = _BASE_URL.set(resolve_link(base_url, None) if base_url else None)
    try:
        return _SANITIZER.clean(raw).strip()
    finally:
        _BASE_URL.reset(token)


def html_to_text(fragment: str) -> str:
    """Readable plain text: block elements become line breaks, whitespace collapses."""
    if not fragment:
        return ""
    return html_text.extract_text(fragment, guess_layout=True).strip()


def parse_fragment(fragment: str) -> lxml.etree._Element:
    """A parsed tree of (sanitized) description HTML, for stages that read its structure.

    html-text's parse_html, but with lxml.etree's HTML parser: the same libxml2 tree,
    with plain elements (lxml.html's would look up a Python class for each element
    that a stage visits)."""
    body = fragment.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    parser = lxml.etree.HTMLParser(recover=True, encoding="utf-8")
    root = lxml.etree.fromstring(body, parser=parser)
    if root is None:
        root = lxml.etree.fromstring(b"<html/>", parser=parser)
    return root


def tree_to_text(tree: lxml.etree._Element | None) -> str:
    """html_to_text of an already parsed, already sanitized tree (no second parse).

    The same text as html-text's ``etree_to_text(tree, guess_layout=True)``, made without
    its Python walk over every node: libxml2 serializes the tree (in C, so tags stand
    where the parser put them) and serialized_to_text reads it.
    """
    if tree is None:
        return ""
    return serialized_to_text(lxml.etree.tostring(tree, encoding="unicode", method="html"))


def serialized_to_text(serialized: str) -> str:
    """The text of HTML that a parser wrote (libxml2's tostring, or sanitize_html's
    output, which html5ever serialized), as html-text gives it for the same tree.

    One regex split gives text and tags in document order, and the loop below applies
    html-text's rules to them: a line break for its newline tags, a blank line for its
    paragraph tags, whitespace collapsed, and a space between inline pieces unless
    punctuation follows or a bracket precedes. Serialized markup only: tags balanced,
    attribute values quoted, "<" in text escaped.
    """
    # text pieces alternate with runs of tags (blank space between tags is no text)
    parts = _TAG_RUN.split(serialized)
    chunks: list[str] = []
    append = chunks.append
    state = _PARAGRAPH  # the document starts as after a paragraph: no break, no space
    previous = ""  # the last piece of text, as written (its trailing space counts)
    runs = iter(parts[1::2])
    for piece in parts[0::2]:
        text = ""
        if piece and not piece.isspace():
            if "&" in piece:
                piece = html.unescape(piece)
            text = " ".join(piece.split())
        if text:
            if state == _TEXT and (
                previous[-1].isspace() or (text[0] not in _PUNCTUATION and previous[-1] != "(")
            ):
                append(" ")
            append(text)
            previous, state = piece, _TEXT
        brk = _break_of(next(runs, ""))
        if brk == _PARAGRAPH and state != _PARAGRAPH:
            append("\n" if state == _LINE else "\n\n")
            state = _PARAGRAPH
        elif brk == _LINE and state != _PARAGRAPH:
            if state == _TEXT:
                append("\n")
            state = _LINE
    return "".join(chunks).strip()


# A start or end tag as libxml2 writes it (quoted attribute values may hold ">").
_NAME = r"/?[A-Za-z][A-Za-z0-9]*"
_ATTRIBUTES = r"""(?:\s(?:[^>"']|"[^"]*"|'[^']*')*)?/?>"""
_TAG = re.compile(rf"<({_NAME}){_ATTRIBUTES}")  # the name captured
_TAG_RUN = re.compile(rf"(<{_NAME}{_ATTRIBUTES}(?:\s*<{_NAME}{_ATTRIBUTES})*)")
_TEXT, _LINE, _PARAGRAPH = 0, 1, 2
_BREAKS = {f"{slash}{tag}": _LINE for tag in NEWLINE_TAGS for slash in ("", "/")} | {
    f"{slash}{tag}": _PARAGRAPH for tag in DOUBLE_NEWLINE_TAGS for slash in ("", "/")
}


@lru_cache(maxsize=4096)  # runs repeat: "</li><li>", "</p><h2>", "</strong></p>"
def _break_of(run: str) -> int:
    """What a run of tags does between two pieces of text: the strongest of its tags'
    breaks (a paragraph tag outweighs line tags, whatever their order)."""
    return max((_BREAKS.get(name, _TEXT) for name in _TAG.findall(run)), default=_TEXT)


_PUNCTUATION = frozenset(',:;.!?")')
