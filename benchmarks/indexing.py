"""Indexing speed against the bare encoder, and the int8 encoder against fp32, in one run.

    .venv/bin/python benchmarks/indexing.py            # COVID-QA corpus (98 articles)
    .venv/bin/python benchmarks/indexing.py --limit 20 # fewer articles, quicker

For each encoder (torch fp32, onnxruntime int8), model loaded beforehand: the whole build (chunking,
embedding, FAISS, atomic write, BM25) into a fresh folder, then the bare encoder on exactly the same
chunk texts — the limit the build can reach. Then the int8 vectors are compared with fp32 (cosine)
and passage recall@5 of hybrid retrieval on the COVID-QA questions is measured with each.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--encoders", nargs="+", default=["torch", "int8"], choices=["torch", "int8"])
    args = parser.parse_args()

    from citeqa import QA, Settings
    from citeqa.chunking import Chunker, index_text
    from citeqa.datasets import QuestionSet, load_question_set
    from citeqa.evaluation import evaluate

    covid = load_question_set(SHARED / "benchmarks" / "covid-qa-dev.json")
    assert covid.documents is not None
    documents = covid.documents[: args.limit] if args.limit else covid.documents
    kept = {d.id for d in documents}
    questions = [q for q in covid.questions if set(q.documents) <= kept]

    rows, vectors, recalls = [], {}, {}
    for kind in args.encoders:
        settings = replace(Settings(), encoder=kind)
        with tempfile.TemporaryDirectory() as folder:
            # The model is loaded before timing and shared: loading it is a fixed cost, not indexing.
            warm = QA.from_documents(documents[:1], index_dir=None, settings=settings, progress=False)
            warm.encoder.encode(["load the model before timing"])
            started = time.perf_counter()
            qa = QA.from_documents(
                documents, index_dir=Path(folder), settings=settings, progress=False, encoder=warm.encoder
            )
            build = time.perf_counter() - started
        texts = [
            index_text(qa.documents[c.document_id], c, settings.chunks.title_for_embedding) for c in qa.index.chunks
        ]
        tokens = sum(qa.encoder.count_tokens(texts))
        started = time.perf_counter()
        qa.encoder.encode(texts)
        bare = time.perf_counter() - started
        # Where the overhead goes: sentence splitting and chunking alone, on the same documents.
        chunker = Chunker(settings.chunks, qa.encoder.count_tokens)
        started = time.perf_counter()
        chunker.run_many(documents)
        chunking = time.perf_counter() - started
        vectors[kind] = qa.index.vectors
        report = evaluate(qa, QuestionSet("covid", questions), [], progress=False)
        recalls[kind] = report.retrieval["hybrid"]["recall@5"]
        rows.append((kind, len(texts), tokens, build, bare, chunking))

    print(f"\n{len(documents)} articles, {os.cpu_count()} cores\n")
    print(
        "| encoder | chunks | build (s) | chunks/s | tokens/s | bare encoder chunks/s | overhead | chunking (s) "
        "| recall@5 |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, chunks, tokens, build, bare, chunking in rows:
        print(
            f"| {kind} | {chunks} | {build:.1f} | {chunks / build:.1f} | {tokens / build:.0f} | "
            f"{chunks / bare:.1f} | {100 * (build / bare - 1):.1f}% | {chunking:.1f} | {recalls[kind]:.3f} |"
        )
    if len(rows) == 2:
        cosine = (vectors["torch"] * vectors["int8"]).sum(axis=1)
        speedup = rows[0][3] / rows[1][3]
        print(
            f"\nint8 vs fp32: indexing {speedup:.2f}x faster; cosine mean {cosine.mean():.4f}, "
            f"min {cosine.min():.4f}; recall@5 difference {recalls['int8'] - recalls['torch']:+.3f}"
        )


if __name__ == "__main__":
    main()
