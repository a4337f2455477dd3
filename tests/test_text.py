"""Dates and description HTML as the clean stage turns them."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import html_text
import pytest

from crawler.pipelines.clean import tidy_text
from crawler.text.dates import parse_date
from crawler.text.html import (
    html_to_text,
    parse_fragment,
    sanitize_html,
    tree_to_text,
    unescape_html,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10-02T09:15:00-04:00", datetime(2026, 10, 2, 13, 15, tzinfo=UTC)),
        ("2026-10-02T09:15:00Z", datetime(2026, 10, 2, 9, 15, tzinfo=UTC)),
        ("2026-10-02", datetime(2026, 10, 2, tzinfo=UTC)),
        (1761998400000, datetime(2025, 11, 1, 12, 0, tzinfo=UTC)),  # epoch milliseconds
        (1761998400, datetime(2025, 11, 1, 12, 0, tzinfo=UTC)),  # epoch seconds
        ("1761998400000", datetime(2025, 11, 1, 12, 0, tzinfo=UTC)),
        ("Posted 3 days ago", datetime(2026, 11, 23, tzinfo=UTC)),
        ("Posted 30+ Days Ago", datetime(2026, 10, 27, tzinfo=UTC)),
        ("Posted Yesterday", datetime(2026, 11, 25, tzinfo=UTC)),
        ("Posted Today", datetime(2026, 11, 26, tzinfo=UTC)),
        (None, None),
        ("", None),
        ("not a date at all, really", None),
        (0, None),
        (True, None),
    ],
)
def test_parse_date(value, expected):
    parsed = parse_date(value, NOW)
    if expected is None or parsed is None:
        assert parsed == expected
    else:
        assert abs((parsed - expected).total_seconds()) < 60, parsed


def test_sanitize_keeps_structure_and_removes_what_runs():
    raw = unescape_html(
        "&lt;h2 style=&quot;color:red&quot;&gt;Role&lt;/h2&gt;&lt;ul&gt;&lt;li&gt;Go&lt;/li&gt;"
        "&lt;/ul&gt;&lt;img src=x onerror=alert(1)&gt;&lt;iframe src=//evil&gt;&lt;/iframe&gt;"
        "&lt;a href=&quot;javascript:steal()&quot;&gt;x&lt;/a&gt;"
        "&lt;a href=&quot;https://ok.example/apply&quot; target=&quot;_blank&quot;&gt;"
        "apply&lt;/a&gt;"
    )
    clean = sanitize_html(raw)
    assert clean.startswith("<h2>Role</h2><ul><li>Go</li></ul>")
    for bad in ("style=", "<img", "onerror", "<iframe", "javascript:", "target="):
        assert bad not in clean
    assert (
        '<a href="https://ok.example/apply" rel="noopener noreferrer nofollow">apply</a>' in clean
    )


def test_html_to_text_puts_blocks_on_lines():
    text = html_to_text("<h2>About</h2><p>We build.</p><ul><li>Python</li><li>SQL</li></ul>")
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines == ["About", "We build.", "Python", "SQL"]
    assert html_to_text("") == ""


@pytest.mark.parametrize(
    "raw",
    [
        "<p>Hello <b>world</b>, again<i> (and</i> more)</p><ul><li>Go</li><li> SQL </li></ul>",
        "<h2>Perks</h2>\n<p>A&nbsp;&amp; B &lt;tag&gt;</p><br><br><div>x<br>y</div>",
        '<p><a href="https://x.example/?a=1&b=>2" title="a>b">link</a>: (<em>see</em>)</p>',
        "<dl><dt>Role</dt><dd>Build</dd></dl><table><tr><td>a</td><td>b</td></tr></table>",
        "<h3>Title<p>inside a heading</p></h3><li>stray item<li>another</li><pre>  code\n</pre>",
        "plain text\twith\u2028odd\xa0spaces <strong> </strong> <u>.</u>",
    ],
)
def test_tree_to_text_is_html_texts_text(raw):
    """The fast conversion gives html-text's own text, so stored text and offsets stay."""
    tree = parse_fragment(sanitize_html(raw))
    expected = html_text.etree_to_text(parse_fragment(sanitize_html(raw)), guess_layout=True)
    text = tree_to_text(tree)
    assert text == expected.strip()
    assert tidy_text(text) == (text or None)  # already tidy: the clean stage skips it


@pytest.mark.parametrize(
    "escaped",
    [
        "&lt;p class=&quot;x&quot;&gt;R&amp;D &#39;s &#x27;team&#x27;&lt;/p&gt;",
        "&amp;lt;b&amp;gt; stays one level escaped &amp;amp;",
        "&lt;p&gt;caf&eacute; &nbsp;&#8212; &ltnot closed &amp",  # other entities: the slow way
        "no entities at all",
    ],
)
def test_unescape_html_is_html_unescape(escaped):
    assert unescape_html(escaped) == html.unescape(escaped)


def test_a_human_date_is_the_same_all_day():
    later = NOW.replace(hour=23, minute=59)
    assert parse_date("Posted 3 days ago", NOW) == parse_date("Posted 3 days ago", later)
    assert parse_date("Posted Today", later) == datetime(2026, 11, 26, tzinfo=UTC)
