"""Question latency per stage (query embedding, FAISS, BM25, fusion, answer) and cold start.

    .venv/bin/python benchmarks/latency.py                 # default corpus + COVID-QA, 200 questions each
    .venv/bin/python benchmarks/latency.py --no-cold-start

Prints one table per corpus with the machine's core count. The models are loaded (and one question
asked) before timing; cold start is measured separately: a fresh `citeqa chat` process, from launch
to its first answer over HTTP, with that process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
STAGES = ("embed", "faiss", "bm25", "fusion", "answer")


def stage_table(name: str, qa: object, questions: list[str], answerer: str) -> None:
    rows: dict[str, list[float]] = {stage: [] for stage in (*STAGES, "total")}
    qa.ask(questions[0], answerer=answerer)  # type: ignore[attr-defined]
    for question in questions:
        started = time.perf_counter()
        answer = qa.ask(question, answerer=answerer)  # type: ignore[attr-defined]
        rows["total"].append(1000 * (time.perf_counter() - started))
        for stage in STAGES:
            rows[stage].append(answer.timings_ms.get(stage, 0.0))
    print(
        f"\n### {name}: {len(qa.documents)} documents, {len(qa.index.chunks)} chunks, "  # type: ignore[attr-defined]
        f"{len(questions)} questions, answerer {answerer}, {os.cpu_count()} cores\n"
    )
    print("| stage | p50 ms | p95 ms |\n|---|---|---|")
    for stage, values in rows.items():
        print(f"| {stage} | {np.percentile(values, 50):.1f} | {np.percentile(values, 95):.1f} |")


def cold_start() -> None:
    from gradio_client import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "citeqa.cli", "chat", "--corpus", str(ROOT / "docs_corpus"), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "citeqa chat on" in line:
            break
    listening = time.perf_counter() - started
    Client(f"http://127.0.0.1:{port}/", verbose=False).predict("Who hosted the talks?", [], api_name="/ask")
    first_answer = time.perf_counter() - started
    process.terminate()
    process.wait()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\n### cold start ({os.cpu_count()} cores)\n")
    print("| listening (s) | first answer (s) | peak memory (MiB) |\n|---|---|---|")
    print(f"| {listening:.1f} | {first_answer:.1f} | {peak:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--answerer", default="reader")
    parser.add_argument("--no-cold-start", action="store_true")
    parser.add_argument("--no-covid", action="store_true")
    args = parser.parse_args()

    from citeqa import QA
    from citeqa.datasets import load_question_set

    default = [json.loads(line)["question"] for line in (SHARED / "eval" / "questions.jsonl").read_text().splitlines()]
    qa = QA.from_directory(ROOT / "docs_corpus", progress=False)
    stage_table("default corpus", qa, (default * 10)[: args.questions], args.answerer)
    if not args.no_covid:
        covid = load_question_set(SHARED / "benchmarks" / "covid-qa-dev.json")
        assert covid.documents is not None
        qa = QA.from_documents(covid.documents, index_dir=ROOT / "embeddings" / "eval-covid-qa-dev", progress=True)
        stage_table("COVID-QA", qa, [q.question for q in covid.questions][: args.questions], args.answerer)
    if not args.no_cold_start:
        cold_start()


if __name__ == "__main__":
    main()
