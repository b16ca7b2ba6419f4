"""The training script runs end to end on a tiny sample, so it cannot silently rot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citeqa.reader import META_FILE, WEIGHTS_FILE, ExtractiveReader, sha256_file
from citeqa.train_reader import QAItem, main, score_predictions

DATA = Path(__file__).resolve().parents[2] / "shared" / "training" / "squad2-training.json"
if not DATA.is_file():
    DATA = Path("/work/shared/training/squad2-training.json")


@pytest.mark.skipif(not DATA.is_file(), reason=f"training data absent: {DATA}")
def test_tiny_training_run_produces_loadable_reader(tmp_path: Path) -> None:
    out = tmp_path / "reader"
    rc = main(["--data", str(DATA), "--out", str(out), "--limit-questions", "40", "--max-steps", "3", "--seed", "13"])
    assert rc == 0
    weights, meta_path = out / WEIGHTS_FILE, out / META_FILE
    assert weights.is_file() and meta_path.is_file()
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["sha256"] == sha256_file(weights)
    assert meta["steps"] == 3
    assert isinstance(meta["no_answer_threshold"], float)
    assert len(meta["heldout_articles"]) == 3
    assert weights.stat().st_size <= 50e6

    passage = "Brig. Gen. Anthony J. Mastalir, who hosted the event, spoke first. Rain fell later."
    spans = ExtractiveReader(out).read("Who hosted the event?", [passage, "Another text."], top_k=3)
    assert 0 < len(spans) <= 3
    for s in spans:
        assert s.passage_index in (0, 1)
        text = [passage, "Another text."][s.passage_index]
        assert 0 <= s.start < s.end <= len(text)
        assert isinstance(s.margin, float)


def test_threshold_maximises_overall_f1() -> None:
    items = [
        QAItem("1", "t", "q", "c", (("Paris", 0),), False),
        QAItem("2", "t", "q", "c", (), True),
        QAItem("3", "t", "q", "c", (("blue", 0),), False),
    ]
    # Right answers have high margins; the unanswerable question has a low one.
    res = score_predictions(items, ["Paris", "Lyon", "blue"], [5.0, -1.0, 2.0])
    assert res.f1 == pytest.approx(100.0)
    assert -1.0 < res.threshold < 2.0
    assert res.no_ans_accuracy == pytest.approx(100.0)
