"""The training script runs end to end on a tiny sample, so it cannot silently rot."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from citeqa.reader import META_FILE, WEIGHTS_FILE, ExtractiveReader, base_model_dir, sha256_file
from citeqa.train_reader import (
    Features,
    QAItem,
    WindowBuilder,
    collate,
    featurize,
    load_items,
    main,
    make_group_batches,
    normalize_answer,
    score_predictions,
    shared_normalisation_loss,
    window_loss,
)

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


@pytest.mark.skipif(not DATA.is_file(), reason=f"training data absent: {DATA}")
def test_all_answers_trains_with_the_loss_that_knows_every_gold_span(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Until the tenth session the flag built the alternative spans and then trained with the
    # model's built-in loss, which sees only the first: the flag changed nothing.
    import citeqa.train_reader as train_reader

    calls: list[int] = []

    def recording_loss(start_logits: Any, end_logits: Any, batch: list[Any]) -> Any:
        calls.append(len(batch))
        return window_loss(start_logits, end_logits, batch)

    monkeypatch.setattr(train_reader, "window_loss", recording_loss)
    args = ["--data", str(DATA), "--out", str(tmp_path / "r"), "--limit-questions", "40", "--max-steps", "2"]
    assert main([*args, "--all-answers"]) == 0
    assert len(calls) == 2


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


@pytest.mark.skipif(not DATA.is_file(), reason=f"training data absent: {DATA}")
def test_tiny_training_run_with_distractors(tmp_path: Path) -> None:
    def train(out: Path, *extra: str) -> dict[str, Any]:
        argv = ["--data", str(DATA), "--out", str(out), "--limit-questions", "40", "--max-steps", "2", *extra]
        assert main(argv) == 0
        return dict(json.loads((out / META_FILE).read_text(encoding="utf-8")))

    meta = train(tmp_path / "reader", "--distractors", "1")
    assert meta["distractors"] == 1 and meta["steps"] == 2
    assert meta["train_windows"] > train(tmp_path / "plain")["train_windows"]


def _builder(paragraphs: dict[str, list[str]]) -> WindowBuilder:
    from transformers import AutoTokenizer

    return WindowBuilder(AutoTokenizer.from_pretrained(str(base_model_dir())), random.Random(0), 0.0, paragraphs)


def test_distractors_are_other_on_topic_paragraphs_without_the_answer() -> None:
    own = "The Normans settled in Normandy in the 10th century. Their leader was Rollo."
    paragraphs = {
        "Normans": [
            own,
            "Rollo was a Viking. Rollo signed a treaty with the king of the Franks.",  # names the answer
            "The Normans built castles. Norman castles stood in England and Normandy after 1066.",
            "Bread was baked daily. Nobody wrote it down.",
        ]
    }
    item = QAItem("q", "Normans", "Who led the Normans in Normandy?", own, (("Rollo", own.index("Rollo")),), False)
    windows = _builder(paragraphs).distractors(item, 1)
    assert len(windows) == 1
    window = windows[0]
    assert window.answer_start is None and window.question == item.question and window.shared_only
    assert "castles" in window.text  # shares "Normans"/"Normandy" with the question; the bread paragraph does not
    assert normalize_answer("Rollo") not in normalize_answer(window.text)
    assert len(_builder(paragraphs).distractors(item, 5)) == 2  # more asked than exist: the two without the answer
    assert _builder({}).distractors(item, 1) == []


def test_load_items_keeps_plausible_answers_of_unanswerable_questions(tmp_path: Path) -> None:
    context = "Rollo signed a treaty in 911."
    qas = [
        {
            "id": "a",
            "question": "Who signed?",
            "answers": [{"text": "Rollo", "answer_start": 0}],
            "is_impossible": False,
        },
        {
            "id": "u",
            "question": "Who never signed?",
            "answers": [],
            "plausible_answers": [{"text": "Rollo", "answer_start": 0}],
            "is_impossible": True,
        },
    ]
    path = tmp_path / "squad.json"
    path.write_text(json.dumps({"data": [{"title": "T", "paragraphs": [{"context": context, "qas": qas}]}]}))
    answerable, unanswerable = load_items(path)
    assert answerable.answers == (("Rollo", 0),) and answerable.plausible == ()
    assert unanswerable.impossible and unanswerable.answers == () and unanswerable.plausible == (("Rollo", 0),)


def test_unanswerable_windows_can_hold_the_plausible_answer() -> None:
    from transformers import AutoTokenizer

    filler = " ".join(f"Sentence {i} says nothing about castles or kings." for i in range(40))
    context = filler + " Rollo signed a treaty with the king in 911. " + filler
    tempting = ("911", context.index("911"))
    item = QAItem("q", "Normans", "When did Rollo sign the treaty with the pope?", context, (), True, (tempting,))
    tokenizer = AutoTokenizer.from_pretrained(str(base_model_dir()))

    def windows(plausible: bool, seed: int) -> list[str]:
        builder = WindowBuilder(tokenizer, random.Random(seed), 0.0, plausible_windows=plausible)
        made = builder.windows(item)
        assert len(made) == 1 and made[0].answer_start is None and made[0].answer_end is None
        assert made[0].text in context and len(made[0].text) < len(context)
        return [made[0].text]

    assert all("911" in windows(True, seed)[0] for seed in range(10))
    # At random the 160-token window over a ~900-token paragraph mostly misses it.
    assert sum("911" in windows(False, seed)[0] for seed in range(10)) < 10


def test_group_batches_keep_a_questions_windows_together() -> None:
    sizes = [1, 2, 3, 2, 1, 3, 2, 2, 1, 3]
    feats = [Features([101] * (5 + g), [0] * (5 + g), 0, 0, g) for g, n in enumerate(sizes) for _ in range(n)]
    batches = make_group_batches(feats, 4, random.Random(0))
    assert sorted(id(f) for b in batches for f in b) == sorted(id(f) for f in feats)
    for batch in batches:
        assert len(batch) <= 4
        groups = [f.group for f in batch]
        assert all(groups.count(g) == sizes[g] for g in groups)


def test_window_loss_leaves_distractors_out() -> None:
    import torch
    import torch.nn.functional as F

    batch = [
        Features([101, 7, 102, 8, 9, 102], [0, 0, 0, 1, 1, 1], 3, 4, 0),
        Features([101] * 6, [0] * 6, 0, 0, 0, shared_only=True),
    ]
    start, end = torch.randn(2, 6), torch.randn(2, 6)
    expected = (F.cross_entropy(start[:1], torch.tensor([3])) + F.cross_entropy(end[:1], torch.tensor([4]))) / 2
    assert window_loss(start, end, batch).item() == pytest.approx(expected.item())
    assert window_loss(start, end, batch[1:]).item() == 0.0


def test_window_loss_with_alternative_answers_is_the_likelihood_of_any_of_them() -> None:
    import torch
    import torch.nn.functional as F

    batch = [
        Features([101, 7, 102, 8, 9, 10, 102], [0, 0, 0, 1, 1, 1, 1], 3, 5, 0, alt_starts=(4,), alt_ends=(4,)),
        Features([101, 7, 102, 8, 9, 10, 102], [0, 0, 0, 1, 1, 1, 1], 0, 0, 1),
    ]
    start, end = torch.randn(2, 7), torch.randn(2, 7)
    p_start, p_end = start.softmax(dim=1), end.softmax(dim=1)
    expected_start = (-torch.log(p_start[0, 3] + p_start[0, 4]) - torch.log(p_start[1, 0])) / 2
    expected_end = (-torch.log(p_end[0, 5] + p_end[0, 4]) - torch.log(p_end[1, 0])) / 2
    loss = window_loss(start, end, batch)
    assert loss.item() == pytest.approx(((expected_start + expected_end) / 2).item(), rel=1e-5)
    # Without alternatives it is plain cross-entropy, as before.
    single = [dataclasses.replace(batch[0], alt_starts=(), alt_ends=()), batch[1]]
    expected = (F.cross_entropy(start, torch.tensor([3, 0])) + F.cross_entropy(end, torch.tensor([5, 0]))) / 2
    assert window_loss(start, end, single).item() == pytest.approx(expected.item(), rel=1e-6)


def test_all_answers_windows_carry_the_other_gold_spans() -> None:
    from transformers import AutoTokenizer

    context = "The Normans settled in Normandy in the 10th century. Their leader was Rollo the Walker."
    leader = context.index("Rollo")
    answers = (("Rollo the Walker", leader), ("Rollo", leader), ("Rollo", leader), ("the 10th", 99))
    item = QAItem("q", "Normans", "Who led the Normans?", context, answers, False)
    tokenizer = AutoTokenizer.from_pretrained(str(base_model_dir()))
    (window,) = WindowBuilder(tokenizer, random.Random(0), 0.0, all_answers=True).windows(item)
    # The misaligned annotation and the duplicate are dropped; offsets are into the window's text.
    assert window.alternatives == ((window.text.index("Rollo"), window.text.index("Rollo") + 5),)
    (feature,) = featurize(tokenizer, [window], 192)
    assert feature.alt_starts == (feature.start,) and feature.alt_ends[0] < feature.end
    (plain,) = WindowBuilder(tokenizer, random.Random(0), 0.0).windows(item)
    assert plain.alternatives == ()


def test_shared_normalisation_loss_matches_a_reference() -> None:
    import torch

    # Two windows of one question ([CLS] q [SEP] passage [SEP]); the answer is token 4 of window 0.
    # A third window belongs to an unanswerable question and must add nothing.
    types = [[0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 0], [0, 0, 0, 1, 1, 1, 1]]
    batch = [
        Features([101, 7, 102, 8, 9, 10, 102], types[0], 4, 5, 0),
        Features([101, 7, 102, 8, 9, 102], types[1][:6], 0, 0, 0),
        Features([101, 7, 102, 8, 9, 10, 102], types[2], 0, 0, 1),
    ]
    inputs = collate(batch)
    rng = np.random.default_rng(0)
    start = torch.tensor(rng.normal(size=(3, 7)), dtype=torch.float32, requires_grad=True)
    end = torch.tensor(rng.normal(size=(3, 7)), dtype=torch.float32)
    loss = shared_normalisation_loss(start, end, batch, inputs)

    def reference(logits: np.ndarray, gold: int) -> float:
        # Passage tokens only: window 0 positions 3-5, window 1 positions 3-4 (the last is [SEP]).
        pool = np.concatenate([logits[0, 3:6], logits[1, 3:5]])
        return float(np.log(np.exp(pool).sum()) - logits[0, gold])

    expected = (reference(start.detach().numpy(), 4) + reference(end.numpy(), 5)) / 2
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert start.grad is not None
    assert start.grad[0, 4] < 0  # raising the gold start lowers the loss
    assert torch.all(start.grad[2] == 0)  # the unanswerable question is left to the per-window loss
    no_answer = shared_normalisation_loss(start, end, batch[2:], collate(batch[2:]))
    assert no_answer.item() == 0.0
