"""The AI-skills matcher: every alias of ``ai_taxonomy.toml`` in one Aho-Corasick
automaton, built once per process; a text is scanned in one pass.

A hit counts when it stands on word boundaries, in the written case for case-aware
aliases (ML, RL, RAG, AI, JAX), and passes the context rules of its alias (ML in
HTML, "RAG status", a JD/LLM law degree, a mouse cursor...). Where hits overlap, the
longest wins, and an alias listed under two tags gives both.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import ahocorasick

CONTEXT_WINDOW = 80  # characters either side for require_near / reject_near
EDGE_WINDOW = 60  # characters before / after for reject_before / reject_after
TAXONOMY_FILE = "ai_taxonomy.toml"


@dataclass(frozen=True)
class ContextRule:
    reject_before: re.Pattern[str] | None = None
    reject_after: re.Pattern[str] | None = None
    reject_near: re.Pattern[str] | None = None
    require_near: re.Pattern[str] | None = None

    def allows(self, text: str, start: int, end: int) -> bool:
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        # the near-window stays inside the paragraph (or list) holding the match
        block_start = text.rfind("\n\n", 0, start) + 1
        block_end = text.find("\n\n", end)
        block_end = len(text) if block_end < 0 else block_end
        if self.reject_before and self.reject_before.search(
            text[max(line_start, start - EDGE_WINDOW) : start]
        ):
            return False
        if self.reject_after and self.reject_after.search(
            text[end : min(line_end, end + EDGE_WINDOW)]
        ):
            return False
        window = text[max(0, start - CONTEXT_WINDOW) : end + CONTEXT_WINDOW]
        if self.reject_near and self.reject_near.search(window):
            return False
        # support must come from the same paragraph or list; a rejection may come from
        # the heading or paragraph beside it ("About Gemini" over "a crypto exchange")
        block = text[
            max(block_start, start - CONTEXT_WINDOW) : min(block_end, end + CONTEXT_WINDOW)
        ]
        return not (self.require_near and not self.require_near.search(block))


@dataclass(frozen=True)
class Alias:
    phrase: str  # as written in the taxonomy
    key: str  # the lowercased spelling this automaton entry matches (a variant)
    tags: tuple[str, ...]
    exact: bool  # matched only in the written case
    rules: tuple[ContextRule, ...] = ()


@dataclass(frozen=True)
class Mention:
    tags: tuple[str, ...]
    phrase: str  # as it stands in the text
    start: int
    end: int


@dataclass(frozen=True)
class Taxonomy:
    tags: tuple[str, ...]
    automaton: Any  # ahocorasick.Automaton: lowercased key -> list[Alias]

    def find(self, text: str) -> list[Mention]:
        """Every accepted alias hit in the text, leftmost-longest, without overlaps."""
        if not text:
            return []
        lowered = _lower_keeping_offsets(text)
        size = len(text)
        candidates: list[Mention] = []
        for last, aliases in self.automaton.iter(lowered):
            # most raw hits sit inside a longer word ("ai" in "maintain"): the word
            # boundaries (_on_word_boundaries) are checked inline, the end once per hit
            end = last + 1
            if end < size and _is_word_char(text[end]) and _is_word_char(text[last]):
                continue
            for alias in aliases:
                start = end - len(alias.key)
                if start > 0 and _is_word_char(text[start]) and _is_word_char(text[start - 1]):
                    continue
                found = text[start:end]
                if alias.exact and found != alias.phrase:
                    continue
                if all(rule.allows(text, start, end) for rule in alias.rules):
                    candidates.append(Mention(alias.tags, found, start, end))
        candidates.sort(key=lambda m: (m.start, m.start - m.end))
        chosen: list[Mention] = []
        reach = -1
        for mention in candidates:
            if mention.start >= reach:
                chosen.append(mention)
                reach = mention.end
        return chosen


def _lower_keeping_offsets(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _on_word_boundaries(text: str, start: int, end: int) -> bool:
    if _is_word_char(text[start]) and start > 0 and _is_word_char(text[start - 1]):
        return False
    return not (_is_word_char(text[end - 1]) and end < len(text) and _is_word_char(text[end]))


def _variants(phrase: str, exact: bool) -> set[str]:
    """The written phrase, its plural, and hyphen-free spellings of hyphenated phrases."""
    forms = {phrase}
    if "-" in phrase and not exact:
        forms |= {phrase.replace("-", " "), phrase.replace("-", "")}
    if phrase[-1].isalpha() and not phrase.endswith("s") and not exact:
        forms |= {form + "s" for form in forms}
    return forms


def _compile(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern, re.IGNORECASE) if pattern else None


@cache
def load_taxonomy() -> Taxonomy:
    """The taxonomy of the package, compiled once per process."""
    raw = tomllib.loads(
        resources.files("crawler.enrich").joinpath(TAXONOMY_FILE).read_text("utf-8")
    )
    return build_taxonomy(raw)


def build_taxonomy(raw: dict[str, Any]) -> Taxonomy:
    """One automaton over every spelling of every alias, each entry with its tags and
    context rules."""
    rules_by_alias: dict[str, list[ContextRule]] = {}
    for spec in raw.get("context", []):
        rule = ContextRule(
            reject_before=_compile(spec.get("reject_before")),
            reject_after=_compile(spec.get("reject_after")),
            reject_near=_compile(spec.get("reject_near")),
            require_near=_compile(spec.get("require_near")),
        )
        for phrase in spec["aliases"]:
            rules_by_alias.setdefault(phrase.lower(), []).append(rule)

    # phrase (lowered, with exactness) -> tags, so an alias under two tags gives both
    tags_of: dict[tuple[str, bool], list[str]] = {}
    written: dict[tuple[str, bool], str] = {}
    for tag, spec in raw["tag"].items():
        for exact, key in ((False, "aliases"), (True, "exact")):
            for phrase in spec.get(key, []):
                ident = (phrase.lower(), exact)
                written.setdefault(ident, phrase)
                if tag not in tags_of.setdefault(ident, []):
                    tags_of[ident].append(tag)

    unknown = set(rules_by_alias) - {lowered for lowered, _ in tags_of}
    if unknown:
        raise ValueError(f"context rules name aliases the taxonomy lacks: {sorted(unknown)}")

    automaton = ahocorasick.Automaton()
    entries: dict[str, list[Alias]] = {}
    for (lowered, exact), tags in tags_of.items():
        phrase = written[(lowered, exact)]
        rules = tuple(rules_by_alias.get(lowered, ()))
        for form in _variants(phrase, exact):
            key = form.lower()
            alias = Alias(phrase=phrase, key=key, tags=tuple(tags), exact=exact, rules=rules)
            entries.setdefault(key, []).append(alias)
    for key, aliases in entries.items():
        automaton.add_word(key, aliases)
    automaton.make_automaton()
    return Taxonomy(tags=tuple(raw["tag"]), automaton=automaton)
