"""Job description HTML: sanitized for the site to render, and a plain-text copy."""

from __future__ import annotations

import html

import html_text
import lxml.html
import nh3

# An allow-list: what a job description needs to read well, nothing that runs or styles.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
})  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}


def unescape_html(text: str) -> str:
    """Undo one level of HTML escaping ("&lt;p&gt;" -> "<p>"), as some APIs send it."""
    return html.unescape(text)


def sanitize_html(raw: str) -> str:
    """Keep only allow-listed tags and attributes; links get rel="noopener noreferrer"."""
    return nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def html_to_text(fragment: str) -> str:
    """Readable plain text: block elements become line breaks, whitespace collapses."""
    if not fragment:
        return ""
    return html_text.extract_text(fragment, guess_layout=True).strip()


def parse_fragment(fragment: str) -> lxml.html.HtmlElement:
    """A parsed tree of (sanitized) description HTML, for stages that read its structure."""
    return html_text.parse_html(fragment)


def tree_to_text(tree: lxml.html.HtmlElement | None) -> str:
    """html_to_text of an already parsed, already sanitized tree (no second parse)."""
    if tree is None:
        return ""
    return html_text.etree_to_text(tree, guess_layout=True).strip()
