"""Choose the answer/abstain thresholds on held-out *training* articles, asked end to end.

    .venv/bin/python scripts/tune_abstention.py

The reader's own threshold was chosen with the right paragraph in hand; in citeqa the reader sees
retrieved passages, which changes how often it should abstain. This script takes the training
articles that the reader never trained on (listed in models/reader/reader.json), makes them a corpus,
asks every one of their questions through the whole pipeline, and prints the threshold on the final
confidence that maximises SQuAD 2.0 F1 for each answerer. No benchmark question is used.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "training" / "squad2-training.json")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()

    from citeqa import QA
    from citeqa.config import AnswerSettings, Settings
    from citeqa.datasets import load_squad
    from citeqa.evaluation import f1_score
    from citeqa.reader import DEFAULT_MODEL_DIR

    held_out = set(json.loads((DEFAULT_MODEL_DIR / "reader.json").read_text())["heldout_articles"])
    data = json.loads(args.data.read_text(encoding="utf-8"))
    data["data"] = [a for a in data["data"] if a["title"] in held_out]
    staged = Path("/tmp/citeqa-heldout.json")
    staged.write_text(json.dumps(data), encoding="utf-8")
    question_set = load_squad(staged)
    assert question_set.documents
    questions = question_set.questions[: args.limit]
    # Every candidate must come back, whatever its confidence: with the default bar in place, answers
    # below it arrive without citations, and no threshold under the default could ever be chosen.
    settings = Settings(answer=AnswerSettings(reader_min_score=0.0, heuristic_min_score=0.0))
    qa = QA.from_documents(
        question_set.documents, index_dir=ROOT / "embeddings" / "eval-heldout", settings=settings, progress=True
    )
    for answerer in ("reader", "heuristic"):
        rows = []
        for question in tqdm(questions, desc=answerer):
            answer = qa.ask(question.question, answerer=answerer)
            best = answer.citations[0] if answer.citations else None
            rows.append(
                (
                    best.score if best else 0.0,
                    f1_score(best.quote, question.answers) if best else 0.0,
                    float(not question.answerable),
                )
            )
        scores = np.array([r[0] for r in rows])
        candidates = np.unique(np.concatenate([[0.0, 1.01], scores]))
        f1 = [np.mean([r[1] if r[0] >= t else r[2] for r in rows]) for t in candidates]
        best_at = int(np.argmax(f1))
        print(
            f"{answerer}: best threshold {candidates[best_at]:.3f} -> F1 {100 * f1[best_at]:.1f} on {len(rows)} "
            f"held-out questions ({sum(r[2] for r in rows):.0f} unanswerable); F1 at 0.5: "
            f"{100 * np.mean([r[1] if r[0] >= 0.5 else r[2] for r in rows]):.1f}"
        )
        # How flat the optimum is: a wide plateau means the exact threshold matters little.
        grid = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]
        curve = [f"{t:.2f}: {100 * np.mean([r[1] if r[0] >= t else r[2] for r in rows]):.1f}" for t in grid]
        print(f"  F1 by threshold: {', '.join(curve)}")


if __name__ == "__main__":
    main()
