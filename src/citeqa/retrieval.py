"""Hybrid retrieval: dense FAISS search and BM25, fused by a convex combination of normalised scores.

Reciprocal-rank fusion throws away how far apart scores are; when one retriever is much stronger
(BM25 on scientific text) RRF lets the weaker one's noise into the top ranks. A convex combination of
min-max-normalised scores keeps the margins and lets one weight say how much to trust each side.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from citeqa.config import RetrievalSettings
from citeqa.embedding import TextEncoder
from citeqa.index import VectorStore
from citeqa.lexical import BM25Index


@dataclass(frozen=True)
class ScoredChunk:
    row: int
    score: float
    dense: float
    bm25: float


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.ones_like(values) if high > 0 else np.zeros_like(values)
    return (values - low) / (high - low)


def fuse(dense: np.ndarray, bm25: np.ndarray, bm25_weight: float) -> np.ndarray:
    """Fused score of each candidate; inputs are raw scores over the same candidate set."""
    return (1.0 - bm25_weight) * _minmax(dense) + bm25_weight * _minmax(bm25)


def reciprocal_rank_fusion(dense: np.ndarray, bm25: np.ndarray, k: int = 60) -> np.ndarray:
    """Classic RRF over the same candidates, kept as the baseline that the evaluation compares with."""
    dense_rank = np.argsort(np.argsort(-dense))
    bm25_rank = np.argsort(np.argsort(-bm25))
    return 1.0 / (k + 1 + dense_rank) + 1.0 / (k + 1 + bm25_rank)


class HybridRetriever:
    def __init__(
        self, vectors: VectorStore, bm25: BM25Index, encoder: TextEncoder, settings: RetrievalSettings
    ) -> None:
        self.vectors = vectors
        self.bm25 = bm25
        self.encoder = encoder
        self.settings = settings

    def run(
        self,
        query: str,
        top_k: int | None = None,
        *,
        mode: str = "hybrid",
        within: np.ndarray | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[ScoredChunk]:
        """Best chunks for ``query`` by ``mode`` (hybrid, dense, bm25 or rrf).

        ``within``: the only rows that may be returned (the chunks of the documents a question is
        limited to). ``timings``, when given, receives milliseconds per stage.
        """
        top_k = top_k or self.settings.top_k
        if not self.vectors.chunks or (within is not None and not len(within)):
            return []
        clock = _Stopwatch(timings)
        query_vector = self.encoder.encode([query])[0]
        clock.lap("embed")
        if within is None:
            _, dense_rows = self.vectors.search(query_vector, self.settings.candidates)
        else:
            # Exact search over the allowed rows: the index's nearest neighbours overall may hold none
            # of them, and a subset small enough to choose by hand is cheap to score in full.
            allowed = self.vectors.vectors_for(within) @ query_vector
            count = min(self.settings.candidates, len(within))
            dense_rows = within[np.argpartition(-allowed, count - 1)[:count]]
        clock.lap("faiss")
        bm25_all = self.bm25.scores(query)
        if within is not None:
            outside = np.ones(len(bm25_all), dtype=bool)
            outside[within] = False
            bm25_all[outside] = 0.0
        count = min(self.settings.candidates, len(bm25_all))
        bm25_rows = np.argpartition(-bm25_all, count - 1)[:count]
        bm25_rows = bm25_rows[bm25_all[bm25_rows] > 0]
        clock.lap("bm25")
        rows = np.unique(np.concatenate([dense_rows[dense_rows >= 0], bm25_rows]).astype(np.int64))
        dense = self.vectors.vectors_for(rows) @ query_vector
        bm25 = bm25_all[rows]
        if mode == "dense":
            fused = dense
        elif mode == "bm25":
            fused = bm25 + 1e-6 * dense  # ties (no shared term) fall back to dense order
        elif mode == "rrf":
            fused = reciprocal_rank_fusion(dense, bm25)
        else:
            fused = fuse(dense, bm25, self.settings.bm25_weight)
        order = np.argsort(-fused, kind="stable")[:top_k]
        hits = [ScoredChunk(int(rows[i]), float(fused[i]), float(dense[i]), float(bm25[i])) for i in order]
        clock.lap("fusion")
        return hits


class _Stopwatch:
    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[stage] = self.timings.get(stage, 0.0) + 1000 * (now - self.last)
        self.last = now
