"""Score the enrichment against labelled real postings: precision and recall per field.

    python -m crawler.enrich.score [--corpus PATH] [--labels PATH] [--half dev|test]
    python -m crawler.enrich.score --half test --second tests/labels/ashby_labels_second.jsonl

The corpus (``../shared/corpus/ashby-postings.jsonl.gz``, third-party text kept out of
the project) holds real Ashby postings, one ``{"board", "job"}`` object a line. The
labels (``tests/labels/ashby_labels.jsonl``) are ours, keyed by board and job id, each
with the half its company fell in. Companies were split into a dev half and a test half
by ``split_boards`` (a fixed seed) before any rule was changed; rules are tuned on the
dev half only. For the dev half the command lists the items it got wrong, for the test
half only totals: the test half must stay unseen while tuning.

Each posting goes through the real clean, classify and AI-skills stages, as in a crawl.
A description repeated on one board counts once (the first by job id).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "ashby-postings.jsonl.gz"
DEFAULT_LABELS = ROOT / "tests" / "labels" / "ashby_labels.jsonl"
SPLIT_SEED = 20261207  # fixed before any rule changed: the halves never move
SAMPLE_SEED = 9
BOOL_FIELDS = ("mentions_ai", "asks_for_ai", "is_ai_role")
TARGETS = {  # field: (precision, recall) the test half must reach
    "is_ai_role": (0.90, 0.85),
    "asks_for_ai": (0.92, 0.90),
    "ai_skills": (0.90, 0.90),  # micro-averaged over tags
}
SENIORITY_TARGET = 0.90


def load_corpus(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(board, job id) -> the job object of the corpus file."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return {(row["board"], row["job"]["id"]): row["job"] for row in rows}


def split_boards(boards: Iterable[str], seed: int = SPLIT_SEED) -> dict[str, str]:
    """Each board's half: the sorted boards shuffled with a fixed seed, halved."""
    ordered = sorted(set(boards))
    random.Random(seed).shuffle(ordered)
    middle = len(ordered) // 2
    return {board: ("dev" if index < middle else "test") for index, board in enumerate(ordered)}


def load_labels(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def assess(jobs: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """(board, Ashby job) pairs through the clean, classify and AI-skills stages."""
    from itemadapter import ItemAdapter
    from scrapy.utils.test import get_crawler

    from crawler.items import JobPosting
    from crawler.pipelines.ai_skills import AiSkillsPipeline
    from crawler.pipelines.classify import ClassifyPipeline
    from crawler.pipelines.clean import CleanPipeline
    from crawler.spiders.ashby import extra_of

    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    stages = (CleanPipeline(crawler), ClassifyPipeline(crawler), AiSkillsPipeline(crawler))
    items = []
    for board, job in jobs:
        item = JobPosting(
            platform="ashby", board=board, external_id=job["id"], company=board,
            title=job.get("title"), department=job.get("department"),
            url=job.get("jobUrl") or f"https://jobs.ashbyhq.com/{board}/{job['id']}",
            description_html=job.get("descriptionHtml"), extra=extra_of(job),
        )  # fmt: skip
        for stage in stages:
            item = stage.process_item(item)
        items.append(ItemAdapter(item))
    return items


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    wrong: list[str] = field(default_factory=list)

    def add(self, predicted: bool, expected: bool, ident: str) -> None:
        self.tp += predicted and expected
        self.fp += predicted and not expected
        self.fn += expected and not predicted
        if predicted != expected:
            self.wrong.append(f"{'FP' if predicted else 'FN'} {ident}")

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Scores:
    postings: int = 0
    companies: int = 0
    fields: dict[str, Tally] = field(default_factory=dict)
    tags: dict[str, Tally] = field(default_factory=dict)
    seniority_right: int = 0
    seniority_wrong: list[str] = field(default_factory=list)

    @property
    def seniority_accuracy(self) -> float:
        total = self.seniority_right + len(self.seniority_wrong)
        return self.seniority_right / total if total else 1.0

    def misses(self) -> list[str]:
        """Each target the scores miss, as one line."""
        out = []
        for name, (p_floor, r_floor) in TARGETS.items():
            tally = self.fields[name]
            if tally.precision < p_floor or tally.recall < r_floor:
                out.append(f"{name}: P={tally.precision:.3f} R={tally.recall:.3f}"
                           f" (targets {p_floor}/{r_floor})")  # fmt: skip
        if self.seniority_accuracy < SENIORITY_TARGET:
            out.append(f"seniority accuracy {self.seniority_accuracy:.3f} (target "
                       f"{SENIORITY_TARGET})")  # fmt: skip
        return out


def _text_key(job: dict[str, Any]) -> str:
    body = f"{job.get('title')}\n{job.get('descriptionHtml')}"
    return hashlib.sha1(body.encode("utf-8")).hexdigest()


def _once_per_text(
    corpus: dict[tuple[str, str], dict[str, Any]], labels: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(label, job) pairs, a description repeated on one board once (the first by id)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for label in sorted(labels, key=lambda lb: (lb["board"], lb["id"])):
        job = corpus[(label["board"], label["id"])]
        key = (label["board"], _text_key(job))
        if key not in seen:
            seen.add(key)
            kept.append((label, job))
    return kept


def score(corpus_path: Path, labels_path: Path, half: str) -> Scores:
    """Scores of the labelled postings of one half (a text repeated on a board once)."""
    corpus = load_corpus(corpus_path)
    labels = [label for label in load_labels(labels_path) if label["half"] == half]
    missing = [(lb["board"], lb["id"]) for lb in labels if (lb["board"], lb["id"]) not in corpus]
    if missing:
        raise SystemExit(f"{len(missing)} labelled postings are not in {corpus_path}: "
                         f"{missing[:3]}...")  # fmt: skip
    kept = _once_per_text(corpus, labels)
    items = assess([(label["board"], job) for label, job in kept])
    scores = Scores(postings=len(kept), companies=len({lb["board"] for lb, _ in kept}))
    scores.fields = {name: Tally() for name in (*BOOL_FIELDS, "ai_skills")}
    for (label, job), item in zip(kept, items, strict=True):
        ident = f"{label['board']}/{label['id']} {job.get('title')!r}"
        for name in BOOL_FIELDS:
            scores.fields[name].add(bool(item.get(name)), label[name], ident)
        expected, predicted = set(label["ai_skills"]), set(item.get("ai_skills") or [])
        for tag in sorted(expected | predicted):
            scores.tags.setdefault(tag, Tally()).add(tag in predicted, tag in expected, ident)
            scores.fields["ai_skills"].add(tag in predicted, tag in expected, f"{ident} {tag}")
        if item.get("seniority") == label["seniority"]:
            scores.seniority_right += 1
        else:
            scores.seniority_wrong.append(
                f"{ident}: {item.get('seniority')} (label {label['seniority']})"
            )
    return scores


SECOND_FIELDS = ("asks_for_ai", "is_ai_role")  # what the second labelling judged


def agreement(corpus_path: Path, labels_path: Path, second_path: Path, half: str) -> str:
    """Totals only: how far a second, independent labelling of ``half`` agrees with the
    labels, and the tagger scored against it and against the postings both agree on.
    Two careful labellers' agreement bounds what any tagger can be measured to reach."""
    corpus = load_corpus(corpus_path)
    second = {(row["board"], row["id"]): row for row in load_labels(second_path)}
    labels = [lb for lb in load_labels(labels_path)
              if lb["half"] == half and (lb["board"], lb["id"]) in second]  # fmt: skip
    kept = _once_per_text(corpus, labels)
    items = assess([(label["board"], job) for label, job in kept])
    lines = [f"{half} half, second labelling: {len(kept)} postings",
             f"{'field':<12}{'agree':>7}{'kappa':>7}{'1st only':>9}{'2nd only':>9}"
             f"{'P vs 2nd':>9}{'R vs 2nd':>9}{'P both':>8}{'R both':>8}{'n both':>8}"]  # fmt: skip
    for name in SECOND_FIELDS:
        pairs = [(label[name], second[(label["board"], label["id"])][name]) for label, _ in kept]
        n = len(pairs)
        both = sum(a and b for a, b in pairs)
        first_only = sum(a and not b for a, b in pairs)
        second_only = sum(b and not a for a, b in pairs)
        agree = (n - first_only - second_only) / n
        p_first, p_second = (both + first_only) / n, (both + second_only) / n
        chance = p_first * p_second + (1 - p_first) * (1 - p_second)
        kappa = (agree - chance) / (1 - chance) if chance < 1 else 1.0
        against_second, against_both = Tally(), Tally()
        for (first, other), item in zip(pairs, items, strict=True):
            against_second.add(bool(item.get(name)), other, "")
            if first == other:
                against_both.add(bool(item.get(name)), other, "")
        n_both = sum(first == other for first, other in pairs)
        lines.append(f"{name:<12}{agree:>7.3f}{kappa:>7.3f}{first_only:>9}{second_only:>9}"
                     f"{against_second.precision:>9.3f}{against_second.recall:>9.3f}"
                     f"{against_both.precision:>8.3f}{against_both.recall:>8.3f}"
                     f"{n_both:>8}")  # fmt: skip
    return "\n".join(lines)


def table(scores: Scores, half: str) -> str:
    lines = [f"{half} half: {scores.postings} postings from {scores.companies} companies",
             f"{'field / tag':<24}{'P':>7}{'R':>7}{'TP':>6}{'FP':>5}{'FN':>5}"]  # fmt: skip
    rows: list[tuple[str, Tally | None]] = [*scores.fields.items()]
    if half != "test":  # per tag only where tuning may look
        rows += [("", None), *sorted(scores.tags.items())]
    for name, tally in rows:
        if tally is None:
            lines.append("-" * 54)
            continue
        lines.append(f"{name:<24}{tally.precision:>7.3f}{tally.recall:>7.3f}"
                     f"{tally.tp:>6}{tally.fp:>5}{tally.fn:>5}")  # fmt: skip
    lines.append(f"seniority accuracy {scores.seniority_accuracy:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--half", choices=("dev", "test"), default="dev")
    parser.add_argument("--show", type=int, default=40, metavar="N",
                        help="dev half: list up to N wrong items per field")  # fmt: skip
    parser.add_argument("--second", type=Path, metavar="LABELS",
                        help="totals only: agreement with a second labelling")  # fmt: skip
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"no corpus at {args.corpus}: pass --corpus PATH", file=sys.stderr)
        return 2
    if args.second:
        print(agreement(args.corpus, args.labels, args.second, args.half))
        return 0
    scores = score(args.corpus, args.labels, args.half)
    print(table(scores, args.half))
    if args.half == "dev" and args.show:
        for name, tally in scores.fields.items():
            for line in tally.wrong[: args.show]:
                print(f"  {name}: {line}")
        for line in scores.seniority_wrong[: args.show]:
            print(f"  seniority: {line}")
    misses = scores.misses()
    for line in misses:
        print(f"below target: {line}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
