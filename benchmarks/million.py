"""A million passages on one machine: FAISS flat vs approximate indexes, and BM25, at 1,000,000 passages.

    .venv/bin/python benchmarks/million.py                # 1,000,000 passages
    .venv/bin/python benchmarks/million.py --size 100000  # a quicker look

How the data is made (nothing is downloaded):
- vectors: the real all-MiniLM-L6-v2 embeddings of the COVID-QA chunks are fitted with a Gaussian
  (mean and full covariance, 384 dimensions); a million samples from it, normalised to unit length,
  have the anisotropy and cosine distribution of real chunk embeddings. Queries are the real
  embeddings of the COVID-QA questions, so the search is what a user's question would do.
- BM25 texts: passages of ~100 tokens drawn from the COVID-QA token distribution (unigram), so the
  vocabulary size and term-frequency skew are realistic; queries are the real COVID-QA questions.

Prints one table with build time, memory, p50 search time and recall@10 against exact search.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import faiss
import numpy as np

from citeqa.index import build_ivf_sq8

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def real_embeddings() -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    from citeqa import QA
    from citeqa.chunking import index_text
    from citeqa.datasets import load_question_set

    covid = load_question_set(SHARED / "benchmarks" / "covid-qa-dev.json")
    assert covid.documents is not None
    qa = QA.from_documents(covid.documents, index_dir=ROOT / "embeddings" / "eval-covid-qa-dev")
    questions = [q.question for q in covid.questions]
    texts = [
        index_text(qa.documents[c.document_id], c, qa.settings.chunks.title_for_embedding) for c in qa.index.chunks
    ]
    return qa.index.vectors, qa.encoder.encode(questions), questions, texts


def synthetic_vectors(real: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mean, covariance = real.mean(axis=0), np.cov(real, rowvar=False)
    factor = np.linalg.cholesky(covariance + 1e-6 * np.eye(real.shape[1]))
    out = np.empty((size, real.shape[1]), dtype=np.float32)
    for start in range(0, size, 100_000):
        n = min(100_000, size - start)
        block = mean + rng.standard_normal((n, real.shape[1])) @ factor.T
        out[start : start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def index_bytes(index: faiss.Index) -> int:
    return int(faiss.serialize_index(index).nbytes)


def p50_ms(search, queries: np.ndarray) -> tuple[float, np.ndarray]:  # type: ignore[no-untyped-def]
    times, rows = [], []
    for q in queries:
        started = time.perf_counter()
        _, r = search(q[None, :], 10)
        times.append(1000 * (time.perf_counter() - started))
        rows.append(r[0])
    return float(np.percentile(times, 50)), np.array(rows)


def recall_at_10(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-bm25", action="store_true")
    parser.add_argument("--skip-hnsw", action="store_true", help="HNSW takes minutes to build at 1M")
    args = parser.parse_args()

    real, query_vectors, questions, texts = real_embeddings()
    query_vectors = query_vectors[: args.queries]
    started = time.perf_counter()
    vectors = synthetic_vectors(real, args.size)
    print(f"{args.size:,} synthetic vectors in {time.perf_counter() - started:.0f} s; {os.cpu_count()} cores")
    dimension = vectors.shape[1]
    rows = []

    started = time.perf_counter()
    flat = faiss.IndexFlatIP(dimension)
    flat.add(vectors)
    flat_build = time.perf_counter() - started
    flat_p50, exact = p50_ms(flat.search, query_vectors)
    rows.append(("FAISS flat (exact)", flat_build, index_bytes(flat), flat_p50, 1.0))

    if not args.skip_hnsw:
        started = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 80
        hnsw.add(vectors)
        hnsw_build = time.perf_counter() - started
        for ef in (64, 256, 1024):
            hnsw.hnsw.efSearch = ef
            p50, found = p50_ms(hnsw.search, query_vectors)
            rows.append((f"HNSW32 flat, efSearch {ef}", hnsw_build, index_bytes(hnsw), p50, recall_at_10(found, exact)))

    # The index citeqa itself builds above FLAT_LIMIT chunks, with its own nprobe and two narrower probes.
    started = time.perf_counter()
    ivf = build_ivf_sq8(vectors)
    ivf_build = time.perf_counter() - started
    chosen = ivf.nprobe
    for nprobe in sorted({64, 256, chosen}):
        ivf.nprobe = nprobe
        p50, found = p50_ms(ivf.search, query_vectors)
        name = f"IVF{ivf.nlist},SQ8, nprobe {nprobe}" + (" (citeqa's choice)" if nprobe == chosen else "")
        rows.append((name, ivf_build, index_bytes(ivf), p50, recall_at_10(found, exact)))

    print("\n| index | build (s) | memory (MiB) | p50 search (ms) | recall@10 vs flat |\n|---|---|---|---|---|")
    for name, build, size, p50, recall in rows:
        print(f"| {name} | {build:.0f} | {size / 2**20:.0f} | {p50:.2f} | {recall:.3f} |")

    if not args.skip_bm25:
        bm25_table(texts, questions[: args.queries], args.size)


def bm25_table(texts: list[str], questions: list[str], size: int) -> None:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    real_tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False, return_ids=False)
    vocabulary, counts = np.unique([t for doc in real_tokens for t in doc], return_counts=True)
    rng = np.random.default_rng(2)
    started = time.perf_counter()
    draws = rng.choice(len(vocabulary), size=(size, 100), p=counts / counts.sum())
    corpus = [" ".join(vocabulary[row]) for row in draws]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)
    build = time.perf_counter() - started
    del corpus
    scores = retriever.scores
    memory = sum(scores[k].nbytes for k in ("data", "indices", "indptr"))
    times = []
    for question in questions:
        tokens = bm25s.tokenize([question], stopwords="en", stemmer=stemmer, show_progress=False, return_ids=False)[0]
        tokens = [t for t in tokens if t in retriever.vocab_dict]
        started = time.perf_counter()
        if tokens:
            all_scores = retriever.get_scores(tokens)
            np.argpartition(-all_scores, 100)[:100]
        times.append(1000 * (time.perf_counter() - started))
    print("\n| BM25 (bm25s) | build (s) | memory (MiB) | p50 query (ms) | p95 query (ms) |\n|---|---|---|---|---|")
    print(
        f"| {size:,} passages | {build:.0f} | {memory / 2**20:.0f} | {np.percentile(times, 50):.1f} "
        f"| {np.percentile(times, 95):.1f} |"
    )


if __name__ == "__main__":
    main()
