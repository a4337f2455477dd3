"""Score the enrichment against labelled real postings: precision and recall per field.

    python -m crawler.enrich.score [--corpus PATH] [--labels PATH] [--half dev|test]

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


def score(corpus_path: Path, labels_path: Path, half: str) -> Scores:
    """Scores of the labelled postings of one half (a text repeated on a board once)."""
    corpus = load_corpus(corpus_path)
    labels = [label for label in load_labels(labels_path) if label["half"] == half]
    missing = [(lb["board"], lb["id"]) for lb in labels if (lb["board"], lb["id"]) not in corpus]
    if missing:
        raise SystemExit(f"{len(missing)} labelled postings are not in {corpus_path}: "
                         f"{missing[:3]}...")  # fmt: skip
    seen: set[tuple[str, str]] = set()
    kept = []
    for label in sorted(labels, key=lambda lb: (lb["board"], lb["id"])):
        job = corpus[(label["board"], label["id"])]
        key = (label["board"], _text_key(job))
        if key not in seen:
            seen.add(key)
            kept.append((label, job))
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
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"no corpus at {args.corpus}: pass --corpus PATH", file=sys.stderr)
        return 2
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
