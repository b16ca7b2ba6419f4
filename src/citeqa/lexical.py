"""BM25 over the chunk texts (bm25s: sparse matrices, scores for every chunk in one numpy call)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import bm25s
import numpy as np
import Stemmer


class BM25Index:
    def __init__(self, texts: Sequence[str]) -> None:
        self.size = len(texts)
        self._retriever = bm25s.BM25()
        if texts:
            tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=self._stemmer, show_progress=False)
            self._retriever.index(tokens, show_progress=False)
            self._vocabulary = set(tokens.vocab)
        else:
            self._vocabulary = set()

    @cached_property
    def _stemmer(self) -> Stemmer.Stemmer:
        return Stemmer.Stemmer("english")

    def tokenize(self, text: str) -> list[str]:
        tokens = bm25s.tokenize([text], stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False)
        return list(tokens[0]) if tokens else []

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for ``query`` (zeros where no query term occurs)."""
        terms = [t for t in self.tokenize(query) if t in self._vocabulary]
        if not terms or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(terms), dtype=np.float32)
