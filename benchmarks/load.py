"""Load benchmark: N concurrent chat clients against the running Gradio app, over HTTP.

    .venv/bin/python benchmarks/load.py --clients 20 --questions 5

Starts citeqa's chat on a free local port (or uses --url), then each client opens its own session
and asks questions from the question set in turn, carrying its own conversation. Prints throughput,
p50/p95 latency and errors. Only loopback addresses are contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=5, help="questions per client")
    parser.add_argument("--url", help="an already running chat (loopback only); default: start one")
    parser.add_argument("--question-set", type=Path, default=ROOT.parent / "shared" / "eval" / "questions.jsonl")
    args = parser.parse_args()

    from gradio_client import Client

    questions = [json.loads(line)["question"] for line in args.question_set.read_text().splitlines() if line.strip()]
    demo = None
    url = args.url
    if url is None:
        from citeqa import QA
        from citeqa.app import launch

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        demo = launch(QA.from_directory(ROOT / "docs_corpus", progress=False), port=port, block=False)
        url = f"http://127.0.0.1:{port}/"
    if not url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise SystemExit("load tests only target this machine (loopback addresses)")

    def client_run(number: int) -> tuple[list[float], int]:
        client = Client(url, verbose=False)
        latencies: list[float] = []
        errors = 0
        chat: list[Any] = []
        for i in range(args.questions):
            question = questions[(number * args.questions + i) % len(questions)]
            started = time.perf_counter()
            try:
                chat, _, _ = client.predict(question, chat, api_name="/ask")
                latencies.append(time.perf_counter() - started)
            except Exception:
                errors += 1
        return latencies, errors

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        results = list(pool.map(client_run, range(args.clients)))
    wall = time.perf_counter() - started
    latencies = sorted(x for r, _ in results for x in r)
    errors = sum(e for _, e in results)
    p95 = latencies[max(0, int(0.95 * len(latencies)) - 1)] if latencies else float("nan")
    print("| cores | clients | requests | errors | throughput (req/s) | p50 (ms) | p95 (ms) |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {os.cpu_count()} | {args.clients} | {len(latencies) + errors} | {errors} | {len(latencies) / wall:.2f} "
        f"| {1000 * statistics.median(latencies):.0f} | {1000 * p95:.0f} |"
    )
    if demo is not None:
        demo.close()


if __name__ == "__main__":
    main()
