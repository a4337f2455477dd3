"""A job description split into its sections: about the company, the role, the
requirements, benefits, legal text, the hiring process.

Sections are spans of the posting's plain text (``description_text``), so evidence
offsets point into the stored text. Headings come from the HTML when there is a
parsed tree (h1-h6, ``<p><strong>Heading</strong></p>``, a ``<b>`` alone on its line,
``<dt>``: the shapes every platform's HTML takes, Lever's list titles, Workday's and
SmartRecruiters' section titles, Personio's jobDescription names included), and from
the text's own heading lines otherwise ("Requirements:", "WHAT YOU'LL DO",
"About the role"). Each heading is classified by its words; text before the first
heading is the "intro".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import lxml.etree

from crawler.text.html import parse_fragment

# kinds whose text is the role's own: an AI mention there asks for AI
ASKING_KINDS = frozenset({"title", "role", "requirements"})
# kinds whose text never asks: perks, legal notices, how the hiring works
NEUTRAL_KINDS = frozenset({"benefits", "legal", "hiring"})

MAX_HEADING_CHARS = 90
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "dt"})
_EMPHASIS_TAGS = frozenset({"strong", "b", "u", "em", "i", "span"})
_BLOCK_TAGS = frozenset({"p", "div", "li", "td"})

# (kind, pattern) in priority order: the first that matches a heading names its kind.
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("company", r"^(company (overview|description|profile)|about (us|the company)"
                    r"|who (we are|are we)|our (mission|story|company)|über uns|über \w+$"
                    r"|(à|a) propos|acerca de|sobre (nosotros|nós|n[oó]s)|more (on|about) us"
                    r"|qui sommes-nous|wer wir sind)\b"),
        # what the team built before the hire came: a showcase of the company's work
        ("company", r"projects? (we('ve| have)|the team has) (worked on|built|shipped|delivered)"
                    r"|past projects|^(our |the )?tech(nology)? stack"),
        ("legal", r"equal (employment )?opportunit|\beeo\b|diversity|inclusion|privacy"
                  r"|accommodat|e-verify|disclaimer|legal|notice|discriminat|scam"
                  r"|recruit\w* fraud|fraud(ulent)? (alert|warning|notice)"
                  r"|right to work|background check|gdpr|data protection|affirmative"
                  r"|compliance statement|chancengleichheit|datenschutz"),
        ("hiring", r"hiring|how we hire|interview|how to apply|application process|next steps"
                   r"|recruit\w* process|our process|what to expect|bewerbung"
                   r"|(?<!please )\bapply\b(?!\s+(?:if|even|anyway))"
                   r"|use of ai|ai in (our )?hiring|candidate (privacy|journey|experience)"),
        ("benefits", r"benefit|perks|what we offer|we offer|compensation|salary|\bpay\b"
                     r"|total rewards|rewards|why (you'll love|join)|what's in it"
                     r"|(?:^|compensation |benefits? |salary |rewards? |total |relocation )package"
                     r"|wir bieten|unser angebot|avantages|pay range|base range"
                     r"|what you('ll| will)? get|our offer\b|in return"
                     r"|what we (can )?(bring|give|provide|offer)( to)? you"
                     r"|what makes this opportunity|why this opportunity"),
        ("requirements", r"requirement|qualifications?|what you('ll| will)? bring|about you"
                         r"|who you are|you (may|might) be a good fit|must[- ]haves?"
                         r"|nice[- ]to[- ]haves?|bonus points|skills|experience"
                         r"|what we('re| are) looking for|looking for|you have|you are"
                         r"|your profile|profile|ideal candidate|preferred|minimum"
                         r"|basic qualifications|strong candidates|your background"
                         r"|dein profil|ihr profil|was du mitbringst|was sie mitbringen"
                         r"|you should|to succeed|ideally|what you('ll| will)? need"
                         r"|what makes you|you('ll| will) thrive|great fit|good fit|background"
                         r"|we('d| would) love"),
        ("role", r"\brole\b|responsibilit|what you('ll| will)? (do|work on|build|own)"
                 r"|your (day|impact|mission|job|work|tasks)|the (job|position|opportunity"
                 r"|work|team|project)|job description|duties|day[- ]to[- ]day"
                 r"|you('ll| will)|about the team|the challenge|tasks|overview|summary"
                 r"|position|deine aufgaben|ihre aufgaben|aufgaben|in this role"
                 r"|what we('re| are) building|projects?"),
        ("company", r"about|who we are|our (mission|story|company|values|culture|vision)"
                    r"|why \w+|company|life at|working at|being at|über uns|the company|mission"
                    r"|^what (we do|is \w+)|^(our )?values|learn (more )?about|learn how we"
                    r"|how we (think|work)|read more|in the (press|news)|^press\b"),
    )
)  # fmt: skip


@dataclass(frozen=True)
class Section:
    kind: str  # intro, company, role, requirements, benefits, legal, hiring, other, title
    heading: str | None
    start: int  # offsets into the description text
    end: int


@lru_cache(maxsize=8192)  # headings repeat across postings: "Requirements", "About you"
def classify_heading(heading: str) -> str:
    """The section kind a heading names ("About the role" -> role), else "other"."""
    heading = heading.replace("\u2019", "'")  # typographic apostrophes (U+2019) as typed ones
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(heading):
            return kind
    return "other"


def _normalize(text: str) -> str:
    return " ".join(text.split()).rstrip(":").rstrip().lower()


# lxml.html's text_content(), for any lxml element: all the text inside, in order
_text_content = lxml.etree.XPath("string()", smart_strings=False)


def headings_from_tree(tree: Any) -> set[str]:
    """Normalized heading texts of a parsed description (an lxml tree)."""
    headings: set[str] = set()
    if tree is None:
        return headings
    # lxml picks the heading and emphasis elements in C; the rest are never visited
    for element in tree.iter(*_HEADING_TAGS, *_EMPHASIS_TAGS):
        if element.tag not in _HEADING_TAGS and not _stands_alone(element):
            continue
        normalized = _normalize(_text_content(element))
        if 0 < len(normalized) <= MAX_HEADING_CHARS:
            headings.add(normalized)
    return headings


def _stands_alone(element: Any) -> bool:
    """An emphasis that is the whole of its block, or sits alone between line breaks."""
    parent = element.getparent()
    if parent is None:
        return False
    if parent.tag in _EMPHASIS_TAGS:  # <p><strong><u>Heading</u></strong></p>
        return _stands_alone(parent)
    before = element.getprevious().tail if element.getprevious() is not None else parent.text
    after = element.tail
    if (before or "").strip() or (after or "").strip().strip(":"):
        return False
    if parent.tag in _BLOCK_TAGS and len(parent) == 1:
        return True
    neighbours = (element.getprevious(), element.getnext())
    return all(n is None or n.tag == "br" for n in neighbours)


_TEXT_HEADING = re.compile(rf"^[^\W\d_][^.!?]{{1,{MAX_HEADING_CHARS}}}$")
_INLINE_LABEL = re.compile(r"^([^\W\d_][\w '&/-]{2,40}):\s+\S")
_LABEL_CHARS = 42  # an inline label's colon stands within its line's first 42 characters


# "About Acme AI", "About you": a short line opening with "About" heads a section even
# where the HTML marks its other headings and not this one (a plain paragraph).
_ABOUT_LINE = re.compile(r"^About\s+[^\W\d_][^.!?,;:]{0,40}$")


def _looks_like_heading(line: str, strict: bool = False) -> bool:
    """A heading line in plain text: short, no sentence punctuation, and either ends in
    a colon, is in capitals, or names a known section. Strict (the HTML marked its
    headings): only a colon or capitals line naming a known section."""
    marked = line.endswith(":") or (line.isupper() and len(line) > 3)
    if strict and not marked:  # the cheap test first: most lines are not marked
        return line.startswith("About") and bool(_ABOUT_LINE.match(line)) and len(line.split()) <= 5
    if not _TEXT_HEADING.match(line) or len(line.split()) > 10:
        return False
    if strict:
        return classify_heading(line) != "other"
    if marked:
        return True
    return classify_heading(line) != "other" and len(line.split()) <= 7 and not line.endswith(",")


def _heading_of(
    line: str, known: set[str], known_initials: frozenset[str] | None = None
) -> tuple[str, str] | None:
    """(heading, kind) when this line opens a section, else None. ``known_initials``:
    the first letters of ``known`` (a line starting otherwise is not one of them)."""
    if not line:
        return None
    if len(line) <= MAX_HEADING_CHARS + 1 and (
        (
            (known_initials is None or line[0].lower()[:1] in known_initials)
            and _normalize(line) in known
        )
        or _looks_like_heading(line, strict=bool(known))
    ):
        return line.rstrip(":"), classify_heading(line)
    label = ":" in line and _INLINE_LABEL.match(line)  # "Requirements: 5+ years of ..."
    if label:
        kind = classify_heading(label[1])
        if kind not in ("other", "company"):
            return label[1], kind
    return None


def split_sections(text: str, html_headings: Iterable[str] = ()) -> list[Section]:
    """The sections of a description text, in order, covering all of it."""
    if not text:
        return []
    known = set(html_headings)
    # first letters of the known headings: most lines are ruled out by their first one
    known_initials = frozenset(heading[:1] for heading in known)
    if "" in known_initials:  # an empty heading: every line may be it
        known_initials = None
    starts: list[tuple[int, str, str]] = []  # (offset, heading, kind)
    offset = 0
    for raw_line in text.splitlines(keepends=True):
        line = raw_line.strip()
        # a heading is short; a longer line can only open with an inline label
        if line and (len(line) <= MAX_HEADING_CHARS + 1 or ":" in line[:_LABEL_CHARS]):
            heading = _heading_of(line, known, known_initials)
            if heading is not None:
                starts.append((offset, *heading))
        offset += len(raw_line)
    if known and not starts:  # the HTML's headings were not found: trust the text
        return split_sections(text, ())

    sections: list[Section] = []
    if not starts or starts[0][0] > 0:
        first = starts[0][0] if starts else len(text)
        sections.append(Section("intro", None, 0, first))
    for index, (start, heading, kind) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        sections.append(Section(kind, heading, start, end))
    return sections


def sections_of(text: str, html: str | None) -> list[Section]:
    """The sections of a description text, with the headings its (sanitized) HTML marks."""
    tree = parse_fragment(html) if html else None
    return split_sections(text, headings_from_tree(tree))


def section_at(sections: list[Section], offset: int) -> Section:
    """The section holding this text offset (the intro when there are none)."""
    for section in sections:
        if section.start <= offset < section.end:
            return section
    return sections[-1] if sections else Section("intro", None, 0, 0)
