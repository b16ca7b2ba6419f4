"""Sentence embeddings from all-MiniLM-L6-v2, loaded from its PyPI package, lazily and once."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from tqdm.auto import tqdm

from citeqa.quiet import quiet_transformers

ENCODE_SLICE = 1024  # texts per sentence-transformers call (a multiple of the batch size)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer


def load_tokenizer(model_dir: Path) -> Tokenizer:
    """The model's fast tokenizer, untruncated and unpadded, for counting and batching ourselves."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def count_word_pieces(tokenizer: Tokenizer, texts: Sequence[str]) -> list[int]:
    """Word pieces per text, without the [CLS]/[SEP] the model adds."""
    if not texts:
        return []
    return [len(encoding.ids) - 2 for encoding in tokenizer.encode_batch_fast(list(texts))]


class TextEncoder(Protocol):
    """What the pipeline needs of an embedding model."""

    @property
    def dimension(self) -> int: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...


def make_encoder(model_dir: Path, kind: str = "torch", batch_size: int = 32) -> TextEncoder:
    """The configured encoder: fp32 torch, or int8 onnxruntime made from the same weights."""
    if kind == "int8":
        from citeqa.quantized import Int8Encoder

        return Int8Encoder(model_dir, batch_size)
    return Encoder(model_dir, batch_size)


class Encoder:
    """Unit-length float32 embeddings, so inner product is cosine similarity."""

    def __init__(self, model_dir: Path, batch_size: int = 32) -> None:
        self.model_dir = model_dir
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._model: SentenceTransformer | None = None

    @property
    def model(self) -> SentenceTransformer:
        # Many chat sessions may ask for the model at once; it is loaded by the first, once.
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                with quiet_transformers():
                    self._model = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
            return self._model

    @cached_property
    def tokenizer(self) -> Tokenizer:
        return load_tokenizer(self.model_dir)

    @property
    def dimension(self) -> int:
        model = self.model
        # sentence-transformers renamed the method; older releases only have the long name.
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dimension = getter()
        assert dimension is not None
        return int(dimension)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return count_word_pieces(self.tokenizer, texts)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Longest first over all texts, as sentence-transformers orders one call, but handed over a
        # slice at a time: one call for a million chunks would hold every row twice before stacking.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        with tqdm(total=len(texts), desc="Embedding", unit="text", disable=not progress) as bar:
            for start in range(0, len(order), ENCODE_SLICE):
                rows = order[start : start + ENCODE_SLICE]
                out[rows] = self.model.encode(
                    [texts[i] for i in rows],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                bar.update(len(rows))
        return out
