"""Train and evaluate logistic regressions for ``asks_for_ai`` and ``is_ai_role`` on the
dev half of the labelled real postings, over the rules' own signals.

    python scripts/train_ai_model.py [--corpus PATH] [--labels PATH] [--no-nested] [--out FILE]

Prints, per field, the rules' dev figures beside the model's company-grouped
cross-validated ones. In that comparison the model did not beat the rules, so no model
is shipped or wired into the crawl (README: How far to trust the numbers); ``--out``
writes the model fitted on the whole dev half (feature names, coefficients on the raw
features, intercept, threshold, C) as JSON, to look at or to ship if a later comparison
favours it.

Only rows whose company fell in the dev half are read: the test half stays unseen. Each
posting goes through the clean, classify and AI-skills stages as in a crawl (a text
repeated on one board once, as the scorer counts), and its features are what the rules
saw (crawler.enrich.ai_skills.posting_features), computed with the rules deciding.

The regularization C and the threshold of each field are chosen by company-grouped
cross-validation (GROUPED_FOLDS folds by board, REPEATS shuffles of the boards): out-of-
fold probabilities, pooled, at each candidate threshold. Choosing on the same pooled
figures it then reports flatters them a little, so the script also prints a nested
estimate: the choice made again inside each outer training part, applied to its held-out
companies. The rules' own figures on the dev half are optimistic in another way: they
were tuned by hand on it, and the features are theirs, so no dev figure here says how
either generalizes to companies never seen.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from crawler.enrich.ai_skills import assess_posting
from crawler.enrich.score import (
    DEFAULT_CORPUS,
    DEFAULT_LABELS,
    _once_per_text,
    assess,
    load_corpus,
    load_labels,
)
from crawler.enrich.sections import sections_of

FIELDS = ("asks_for_ai", "is_ai_role")
GROUPED_FOLDS = 5
REPEATS = 10
NESTED_REPEATS = 3  # outer shuffles of the nested estimate
INNER_REPEATS = 2  # grouped-CV shuffles choosing C and threshold within each outer part
CV_SEED = 20261207
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
THRESHOLDS = tuple(round(0.05 + 0.01 * step, 2) for step in range(91))  # 0.05 .. 0.95
# What each field's threshold aims at (a margin over the test half's targets, since
# unseen companies score lower): asks favour precision, roles recall.
AIMS = {  # field: (floor field, floor, F-beta to maximize above the floor)
    "asks_for_ai": ("recall", 0.93, 0.5),
    "is_ai_role": ("precision", 0.92, 2.0),
}
DECIMALS = 8  # coefficients are written rounded: --out is the same on every machine


@dataclass
class DevSet:
    boards: list[str]
    labels: dict[str, np.ndarray]  # field: 0/1 per posting
    rules: dict[str, np.ndarray]  # field: the rules' verdict per posting
    names: list[str]  # feature names
    features: np.ndarray  # postings naming AI x features (others: rows of zeros)
    named: np.ndarray  # whether the posting names AI (the model decides only then)


def load_dev_set(corpus_path: Path, labels_path: Path) -> DevSet:
    """The dev half's postings, their labels, the rules' verdicts and features."""
    corpus = load_corpus(corpus_path)
    labels = [label for label in load_labels(labels_path) if label["half"] == "dev"]
    kept = _once_per_text(corpus, labels)
    items = assess([(label["board"], job) for label, job in kept])
    rows: list[dict[str, float]] = []
    for item in items:
        text = item.get("description_text") or ""
        html = item.get("description_html")
        verdict = assess_posting(
            item.get("title"), text, lambda t=text, h=html: sections_of(t, h),
            with_features=True, department=item.get("department"),
        )  # fmt: skip
        rows.append(verdict.features)
    names = next(list(row) for row in rows if row)
    named = np.array([bool(row) for row in rows])
    matrix = np.array([[row.get(name, 0.0) for name in names] for row in rows])
    return DevSet(
        boards=[label["board"] for label, _ in kept],
        labels={f: np.array([int(label[f]) for label, _ in kept]) for f in FIELDS},
        rules={
            "asks_for_ai": np.array([int(row.get("rule_asks", 0.0)) for row in rows]),
            "is_ai_role": np.array([int(row.get("rule_role", 0.0)) for row in rows]),
        },
        names=names,
        features=matrix,
        named=named,
    )


def grouped_folds(boards: list[str], folds: int, seed: int) -> np.ndarray:
    """Each posting's fold: the boards shuffled with ``seed`` and dealt round the folds,
    so a company's postings are all in one fold."""
    ordered = sorted(set(boards))
    random.Random(seed).shuffle(ordered)
    fold_of = {board: index % folds for index, board in enumerate(ordered)}
    return np.array([fold_of[board] for board in boards])


def fit(features: np.ndarray, labels: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """Coefficients and intercept on the raw features (standardized while fitting, so
    one C regularizes every feature alike; the scaling is folded back in)."""
    from sklearn.linear_model import LogisticRegression

    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=5000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit((features - mean) / scale, labels)
    weights = model.coef_[0] / scale
    return weights, float(model.intercept_[0] - weights @ mean)


def probabilities(features: np.ndarray, weights: np.ndarray, intercept: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(features @ weights + intercept, -60, 60)))


def out_of_fold(data: DevSet, field: str, c: float, rows: np.ndarray, seed: int) -> np.ndarray:
    """Out-of-fold probabilities for ``rows`` (indices), grouped by board; postings not
    naming AI get 0 (the model never decides them)."""
    folds = grouped_folds([data.boards[i] for i in rows], GROUPED_FOLDS, seed)
    result = np.zeros(len(rows))
    for fold in range(GROUPED_FOLDS):
        train = rows[(folds != fold) & data.named[rows]]
        held = (folds == fold) & data.named[rows]
        weights, intercept = fit(data.features[train], data.labels[field][train], c)
        result[held] = probabilities(data.features[rows[held]], weights, intercept)
    return result


def precision_recall(predicted: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    tp = int(np.sum(predicted & expected))
    fp = int(np.sum(predicted & ~expected))
    fn = int(np.sum(~predicted & expected))
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def choose(
    field: str, runs: dict[float, list[np.ndarray]], expected: np.ndarray
) -> tuple[float, float, float, float]:
    """(C, threshold, P, R): the point of the pooled out-of-fold figures that best meets
    the field's aim (the highest F-beta above the floor; the highest F-beta when none
    reaches it). Ties go to the smaller C, then the lower threshold."""
    floor_field, floor, beta = AIMS[field]
    expected = expected.astype(bool)
    best: tuple[tuple[bool, float], float, float, float, float] | None = None
    for c in C_GRID:
        pooled = np.concatenate(runs[c])
        truth = np.tile(expected, len(runs[c]))
        for threshold in THRESHOLDS:
            p, r = precision_recall(pooled >= threshold, truth)
            f_beta = (1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0
            meets = (r if floor_field == "recall" else p) >= floor
            key = (meets, round(f_beta, 6))
            if best is None or key > best[0]:
                best = (key, c, threshold, p, r)
    assert best is not None
    return best[1], best[2], best[3], best[4]


def select(data: DevSet, field: str, rows: np.ndarray, repeats: int, seed: int) -> tuple:
    runs = {
        c: [out_of_fold(data, field, c, rows, seed + repeat) for repeat in range(repeats)]
        for c in C_GRID
    }
    return choose(field, runs, data.labels[field][rows])


def nested_estimate(data: DevSet, field: str) -> tuple[float, float]:
    """Pooled P/R on held-out companies, C and threshold chosen within each training
    part by its own grouped CV: the figure the selection cannot flatter."""
    every = np.arange(len(data.boards))
    predicted, expected = [], []
    for repeat in range(NESTED_REPEATS):
        folds = grouped_folds(data.boards, GROUPED_FOLDS, CV_SEED + 1000 + repeat)
        for fold in range(GROUPED_FOLDS):
            train, held = every[folds != fold], every[folds == fold]
            c, threshold, _, _ = select(data, field, train, INNER_REPEATS, CV_SEED + 2000 + repeat)
            fitted = train[data.named[train]]
            weights, intercept = fit(data.features[fitted], data.labels[field][fitted], c)
            chance = probabilities(data.features[held], weights, intercept)
            predicted.append((chance >= threshold) & data.named[held])
            expected.append(data.labels[field][held].astype(bool))
    return precision_recall(np.concatenate(predicted), np.concatenate(expected))


def train(data: DevSet) -> tuple[dict[str, Any], dict[str, dict[str, float]]]:
    """The model file's content, and the figures behind each field's choice."""
    every = np.arange(len(data.boards))
    models: dict[str, Any] = {}
    figures: dict[str, dict[str, float]] = {}
    for field in FIELDS:
        c, threshold, p, r = select(data, field, every, REPEATS, CV_SEED)
        fitted = every[data.named]
        weights, intercept = fit(data.features[fitted], data.labels[field][fitted], c)
        models[field] = {
            "features": data.names,
            "coefficients": [round(float(w), DECIMALS) for w in weights],
            "intercept": round(intercept, DECIMALS),
            "threshold": threshold,
            "C": c,
        }
        rule_p, rule_r = precision_recall(
            data.rules[field].astype(bool), data.labels[field].astype(bool)
        )
        figures[field] = {"rules_p": rule_p, "rules_r": rule_r, "cv_p": p, "cv_r": r}
    content = {
        "about": "asks_for_ai and is_ai_role: logistic regressions over the rules' signals,"
        " fitted on the dev half by scripts/train_ai_model.py; not shipped (README: How far"
        " to trust the numbers)",
        "postings": len(data.boards),
        "companies": len(set(data.boards)),
        "models": models,
    }
    return content, figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--out", type=Path, help="write the fitted model here (JSON)")
    parser.add_argument("--no-nested", action="store_true", help="skip the nested estimate")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"no corpus at {args.corpus}: pass --corpus PATH", file=sys.stderr)
        return 2
    data = load_dev_set(args.corpus, args.labels)
    content, figures = train(data)
    print(f"dev half: {len(data.boards)} postings of {len(set(data.boards))} companies, "
          f"{int(data.named.sum())} naming AI; {GROUPED_FOLDS}-fold CV grouped by company, "
          f"{REPEATS} shuffles")  # fmt: skip
    print(f"{'field':<13}{'rules P':>8}{'rules R':>8}{'CV P':>7}{'CV R':>7}"
          f"{'nested P':>9}{'nested R':>9}{'C':>6}{'threshold':>10}")  # fmt: skip
    for field in FIELDS:
        row = figures[field]
        model = content["models"][field]
        nested_p, nested_r = ("", "") if args.no_nested else (
            f"{value:.3f}" for value in nested_estimate(data, field)
        )  # fmt: skip
        print(f"{field:<13}{row['rules_p']:>8.3f}{row['rules_r']:>8.3f}{row['cv_p']:>7.3f}"
              f"{row['cv_r']:>7.3f}{nested_p:>9}{nested_r:>9}{model['C']:>6}"
              f"{model['threshold']:>10}")  # fmt: skip
    if args.out:
        args.out.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
