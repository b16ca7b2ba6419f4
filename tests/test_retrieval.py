from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from citeqa.chunking import Chunk
from citeqa.config import RetrievalSettings
from citeqa.index import VectorIndex
from citeqa.lexical import BM25Index
from citeqa.retrieval import HybridRetriever, fuse, reciprocal_rank_fusion


def reference_bm25(corpus: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    """BM25 as Lucene scores it (no (k1 + 1) factor), written out plainly as the reference for bm25s."""
    n = len(corpus)
    avgdl = sum(len(d) for d in corpus) / n
    scores = np.zeros(n)
    for term in set(query):
        df = sum(term in d for d in corpus)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        for i, d in enumerate(corpus):
            tf = d.count(term)
            scores[i] += idf * tf / (tf + k1 * (1 - b + b * len(d) / avgdl))
    return scores


def test_bm25_matches_the_reference_formula() -> None:
    texts = [
        "Space Force activated a component in Korea",
        "Japan hosts the space engagement talks",
        "Korea and Japan are allies in the Indo-Pacific region",
        "Unrelated sentence about cooking pasta",
    ]
    index = BM25Index(texts)
    query = "space component Korea"
    tokenized = [index.tokenize(t) for t in texts]
    expected = reference_bm25(tokenized, index.tokenize(query))
    assert np.allclose(index.scores(query), expected, atol=1e-4)


def test_bm25_with_unknown_or_no_terms_scores_zero() -> None:
    index = BM25Index(["alpha beta", "gamma delta"])
    assert np.all(index.scores("zzz unknownword") == 0)
    assert np.all(index.scores("???") == 0)
    assert BM25Index([]).scores("alpha").shape == (0,)


def test_convex_fusion_normalises_each_side_and_weighs_them() -> None:
    dense = np.array([0.9, 0.5, 0.1])
    bm25 = np.array([0.0, 10.0, 5.0])
    assert fuse(dense, bm25, 0.0) == pytest.approx([1.0, 0.5, 0.0])
    assert fuse(dense, bm25, 1.0) == pytest.approx([0.0, 1.0, 0.5])
    assert fuse(dense, bm25, 0.5) == pytest.approx([0.5, 0.75, 0.25])


def test_rrf_rewards_agreement() -> None:
    dense = np.array([0.9, 0.8, 0.1])
    bm25 = np.array([5.0, 1.0, 9.0])
    scores = reciprocal_rank_fusion(dense, bm25, k=60)
    assert scores[0] == pytest.approx(1 / 61 + 1 / 62)
    assert int(np.argmax(scores)) == 0


class _TableEncoder:
    """Embeds a text as the vector a table gives it, so the test knows every cosine."""

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors
        self.dimension = 4

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts])


def test_search_within_rows_matches_fusion_over_those_rows_alone() -> None:
    rng = np.random.default_rng(3)
    words = ["ferry", "harbour", "timetable", "storm", "lighthouse", "keeper", "tide", "crossing"]
    texts = [" ".join(rng.choice(words, size=6)) for _ in range(40)]
    vectors = rng.normal(size=(40, 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query = "ferry crossing in a storm"
    query_vector = np.asarray([0.5, -0.5, 0.5, 0.5], dtype=np.float32)
    index = VectorIndex([Chunk(f"d{i % 8}", 0, 1) for i in range(40)], vectors)
    bm25 = BM25Index(texts)
    settings = RetrievalSettings(top_k=5, candidates=100)
    retriever = HybridRetriever(index, bm25, _TableEncoder({query: query_vector}), settings)
    within = np.asarray([i for i in range(40) if i % 8 in (2, 5)], dtype=np.int64)

    hits = retriever.run(query, 5, within=within)

    fused = fuse(vectors[within] @ query_vector, bm25.scores(query)[within], settings.bm25_weight)
    expected = within[np.argsort(-fused, kind="stable")[:5]]
    assert [h.row for h in hits] == list(expected)
    assert retriever.run(query, 5, within=np.zeros(0, dtype=np.int64)) == []
    # Without a limit the same rows compete with all others, and some of those win.
    assert {h.row for h in retriever.run(query, 5)} - set(within)
