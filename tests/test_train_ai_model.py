"""scripts/train_ai_model.py: folds keep each company whole, the threshold choice meets
its floor, and only the dev half is read."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

np = pytest.importorskip("numpy", reason="the training script needs the dev extras")
pytest.importorskip("sklearn", reason="the training script needs scikit-learn (.[dev])")

from crawler.enrich import score as real  # noqa: E402
from tests.test_labelled_set import CORPUS, needs_corpus  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_ai_model.py"


@pytest.fixture(scope="module")
def train():
    spec = importlib.util.spec_from_file_location("train_ai_model", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_ai_model"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules["train_ai_model"]


def test_grouped_folds_keep_a_company_in_one_fold(train):
    boards = [f"board{index % 23}" for index in range(200)]
    folds = train.grouped_folds(boards, 5, seed=1)
    for board in set(boards):
        assert len({fold for b, fold in zip(boards, folds, strict=True) if b == board}) == 1
    assert set(folds) == set(range(5))
    assert (folds == train.grouped_folds(boards, 5, seed=1)).all()  # seeded


def test_the_threshold_meets_the_fields_floor_when_it_can(train):
    expected = np.array([1] * 10 + [0] * 10)
    # scores rank the positives above the negatives but for two of each
    chances = np.array([0.9] * 8 + [0.2] * 2 + [0.1] * 8 + [0.6] * 2)
    runs = {c: [chances] for c in train.C_GRID}
    c, threshold, precision, recall = train.choose("asks_for_ai", runs, expected)
    assert recall >= train.AIMS["asks_for_ai"][1]  # recall 1.0 needs a threshold <= 0.2
    assert threshold <= 0.2 and c == train.C_GRID[0]
    c, threshold, precision, recall = train.choose("is_ai_role", runs, expected)
    assert precision >= train.AIMS["is_ai_role"][1] and threshold > 0.6


@needs_corpus
def test_only_the_dev_half_is_read(train):
    data = train.load_dev_set(CORPUS, real.DEFAULT_LABELS)
    halves = {label["board"]: label["half"] for label in real.load_labels(real.DEFAULT_LABELS)}
    assert {halves[board] for board in data.boards} == {"dev"}
    assert data.features.shape == (len(data.boards), len(data.names))
    assert data.named.sum() > 0 and not data.features[~data.named].any()
