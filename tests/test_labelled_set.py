"""The AI tagger against two labelled sets.

Real postings (the accuracy the README quotes): labels of tests/labels/ashby_labels.jsonl
for postings of ../shared/corpus/ashby-postings.jsonl.gz (third-party text kept outside
the project; ASHBY_CORPUS overrides the path), split by company. The targets are
asserted on the test half, whose items are never printed; the tests skip with a reason
when the corpus is absent. Scoring: crawler.enrich.score.

Synthetic edge cases (tests/fixtures/labelled/, composed by build.py from hand-written
parts): pins down cases the real set lacks. It is written by the same hand as the rules,
so its scores say nothing about accuracy on companies never seen; its floors only guard
against regressions. ``pytest -s`` prints its dev table only.

Each posting goes through the real clean (and classify) and AI-skills stages, as in a crawl.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawler.enrich import score as real
from crawler.enrich.score import Tally
from crawler.items import JobPosting
from crawler.pipelines.ai_skills import AiSkillsPipeline
from crawler.pipelines.clean import CleanPipeline
from crawler.text.html import parse_fragment, sanitize_html, serialized_to_text, tree_to_text
from tests.support import FIXTURES

LABELLED = FIXTURES / "labelled"
FLOORS = {  # field: (precision, recall), on the test split
    "mentions_ai": (0.98, 0.98),
    "asks_for_ai": (0.90, 0.85),
    "ai_skills": (0.90, 0.85),  # micro-averaged over tags
    "is_ai_role": (0.85, 0.85),
}
SENIORITY_FLOOR = 0.90


def load_builder():
    spec = importlib.util.spec_from_file_location("labelled_build", LABELLED / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def labelled_postings() -> list[dict[str, Any]]:
    return json.loads((LABELLED / "postings.json").read_text(encoding="utf-8"))


@dataclass
class Scores:
    fields: dict[str, Tally] = field(default_factory=dict)
    tags: dict[str, Tally] = field(default_factory=dict)
    seniority: Counter = field(default_factory=Counter)


def assess(postings: list[dict[str, Any]]) -> list[JobPosting]:
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    clean, ai_stage = CleanPipeline(crawler), AiSkillsPipeline(crawler)
    items = []
    for posting in postings:
        item = JobPosting(
            platform=posting["shape"], board="labelled", external_id=posting["id"],
            company=posting["company"], title=posting["title"],
            url="https://example.com/jobs/" + posting["id"], description_html=posting["html"],
        )  # fmt: skip
        items.append(ai_stage.process_item(clean.process_item(item)))
    return items


def score(postings: list[dict[str, Any]], items: list[JobPosting]) -> Scores:
    seniority_from_title = _seniority_function()
    scores = Scores(fields={name: Tally() for name in FLOORS})
    for posting, item in zip(postings, items, strict=True):
        labels, ident = posting["labels"], f"{posting['id']} {posting['title']!r}"
        for name in ("mentions_ai", "asks_for_ai", "is_ai_role"):
            scores.fields[name].add(getattr(item, name), labels[name], ident)
        expected, predicted = set(labels["ai_skills"]), set(item.ai_skills)
        for tag in expected | predicted:
            scores.tags.setdefault(tag, Tally()).add(tag in predicted, tag in expected, ident)
            scores.fields["ai_skills"].add(tag in predicted, tag in expected, f"{ident} {tag}")
        if seniority_from_title is not None:
            right = seniority_from_title(posting["title"], level=None) == labels["seniority"]
            scores.seniority["right" if right else "wrong"] += 1
    return scores


def _seniority_function():
    try:
        from crawler.enrich.titles import seniority_from_title
    except ImportError:
        return None
    return seniority_from_title


def table(split: str, scores: Scores, count: int) -> str:
    lines = [f"\n=== labelled set, {split} split: {count} postings ===",
             f"{'field / tag':<26}{'P':>7}{'R':>7}{'TP':>6}{'FP':>5}{'FN':>5}"]  # fmt: skip
    rows = [*scores.fields.items(), ("", None), *sorted(scores.tags.items())]
    for name, tally in rows:
        if tally is None:
            lines.append("-" * 56)
            continue
        lines.append(f"{name:<26}{tally.precision:>7.3f}{tally.recall:>7.3f}"
                     f"{tally.tp:>6}{tally.fp:>5}{tally.fn:>5}")  # fmt: skip
    total = sum(scores.seniority.values())
    if total:
        lines.append(f"seniority accuracy {scores.seniority['right'] / total:.3f} ({total})")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[Scores, int]]:
    postings = labelled_postings()
    out = {}
    for split in ("dev", "test"):
        chosen = [p for p in postings if p["split"] == split]
        out[split] = (score(chosen, assess(chosen)), len(chosen))
    return out


def test_labelled_set_is_what_the_builder_writes():
    assert (LABELLED / "postings.json").read_text(encoding="utf-8") == load_builder().render()
    postings = labelled_postings()
    assert len(postings) >= 300
    assert {p["split"] for p in postings} == {"dev", "test"}
    shapes = {p["shape"] for p in postings if p["split"] == "test"}
    assert {"greenhouse", "lever", "workday", "smartrecruiters", "personio"} <= shapes


def test_precision_and_recall_floors_on_the_test_split(results):
    print(table("dev", *results["dev"]))  # the test split's items stay unseen
    scores, _ = results["test"]
    failures = []
    for name, (p_floor, r_floor) in FLOORS.items():
        tally = scores.fields[name]
        if tally.precision < p_floor or tally.recall < r_floor:
            failures.append(
                f"{name}: P={tally.precision:.3f} R={tally.recall:.3f} (floors {p_floor}/{r_floor})"
            )
    assert not failures, "\n".join(failures)


def test_seniority_accuracy_on_the_test_split(results):
    scores, _ = results["test"]
    if not scores.seniority:
        pytest.skip("crawler.enrich.titles.seniority_from_title does not exist yet")
    accuracy = scores.seniority["right"] / sum(scores.seniority.values())
    assert accuracy >= SENIORITY_FLOOR, f"seniority accuracy {accuracy:.3f}"


# --- real postings, split by company -------------------------------------------------

CORPUS = Path(os.environ.get("ASHBY_CORPUS") or real.DEFAULT_CORPUS)
needs_corpus = pytest.mark.skipif(
    not CORPUS.exists(),
    reason=f"no corpus at {CORPUS}: the real labelled set scores against "
    "../shared/corpus/ashby-postings.jsonl.gz (or ASHBY_CORPUS)",
)


def test_real_labels_are_keyed_and_split_by_company():
    labels = real.load_labels(real.DEFAULT_LABELS)
    assert len(labels) >= 600
    assert len({(lb["board"], lb["id"]) for lb in labels}) == len(labels)
    halves: dict[str, set[str]] = {}
    for label in labels:
        halves.setdefault(label["board"], set()).add(label["half"])
        assert set(label) == {"board", "id", "half", "mentions_ai", "asks_for_ai",
                              "is_ai_role", "ai_skills", "seniority"}  # fmt: skip
        assert label["mentions_ai"] == bool(label["ai_skills"])
        assert not label["asks_for_ai"] or label["mentions_ai"]
    assert all(len(seen) == 1 for seen in halves.values()), "a company in both halves"
    assert {half for seen in halves.values() for half in seen} == {"dev", "test"}


@needs_corpus
def test_real_halves_are_the_seeded_company_split():
    split = real.split_boards(board for board, _ in real.load_corpus(CORPUS))
    for label in real.load_labels(real.DEFAULT_LABELS):
        assert label["half"] == split[label["board"]]


@pytest.fixture(scope="module")
def real_test_half() -> real.Scores:
    return real.score(CORPUS, real.DEFAULT_LABELS, "test")


@needs_corpus
@pytest.mark.parametrize("name", ["ai_skills"])
def test_real_test_half_meets_the_targets(real_test_half, name):
    p_target, r_target = real.TARGETS[name]
    tally = real_test_half.fields[name]
    assert tally.precision >= p_target and tally.recall >= r_target, (
        f"{name}: P={tally.precision:.3f} R={tally.recall:.3f} (targets {p_target}/{r_target})"
    )  # totals only: the test half's items are never shown


@needs_corpus
def test_real_test_half_seniority_accuracy(real_test_half):
    assert real_test_half.seniority_accuracy >= real.SENIORITY_TARGET


@needs_corpus
@pytest.mark.xfail(strict=True, reason="asks_for_ai precision on the whole test half is 0.880, "
                   "below the 0.92 target (README: How far to trust the numbers)")  # fmt: skip
def test_real_test_half_asks_for_ai_target(real_test_half):
    p_target, r_target = real.TARGETS["asks_for_ai"]
    tally = real_test_half.fields["asks_for_ai"]
    assert tally.precision >= p_target and tally.recall >= r_target


@needs_corpus
def test_real_test_half_is_ai_role_target(real_test_half):
    p_target, r_target = real.TARGETS["is_ai_role"]
    tally = real_test_half.fields["is_ai_role"]
    assert tally.precision >= p_target and tally.recall >= r_target


@needs_corpus
def test_real_descriptions_read_the_same_from_the_sanitizer_and_from_the_tree():
    """The clean stage reads the text from the sanitizer's serialization; on every real
    description it must be the text of the parsed tree (what html-text gives)."""
    for _, job in real.load_corpus(CORPUS).items():
        clean = sanitize_html(job.get("descriptionHtml") or "", job.get("jobUrl"))
        assert serialized_to_text(clean) == tree_to_text(parse_fragment(clean)), job["id"]


SECOND_LABELS = real.DEFAULT_LABELS.with_name("ashby_labels_second.jsonl")


def test_second_labelling_covers_the_test_half_and_only_it():
    first = {(lb["board"], lb["id"]): lb for lb in real.load_labels(real.DEFAULT_LABELS)}
    second = real.load_labels(SECOND_LABELS)
    assert {(row["board"], row["id"]) for row in second} == {
        key for key, label in first.items() if label["half"] == "test"
    }
    for row in second:
        assert set(row) == {"board", "id", *real.SECOND_FIELDS}
        assert not row["asks_for_ai"] or first[(row["board"], row["id"])]["mentions_ai"]


@needs_corpus
def test_agreement_prints_totals_and_never_a_test_item():
    report = real.agreement(CORPUS, real.DEFAULT_LABELS, SECOND_LABELS, "test")
    boards = {row["board"] for row in real.load_labels(SECOND_LABELS)}
    assert not any(board in report for board in boards)
    rows = {line.split()[0]: line.split()[1:] for line in report.splitlines()[2:]}
    assert set(rows) == set(real.SECOND_FIELDS)
    for values in rows.values():
        agree, kappa = float(values[0]), float(values[1])
        assert 0.9 <= agree <= 1.0 and 0.0 < kappa <= 1.0  # two careful hands mostly agree
