"""Choose the reader's support weight and the answer/abstain thresholds on held-out *training* articles.

    .venv/bin/python scripts/tune_abstention.py

The reader's own threshold was chosen with the right paragraph in hand; in citeqa the reader sees
retrieved passages, which changes how often it should abstain. This script takes the training
articles that the reader never trained on (listed in models/reader/reader.json), makes them a corpus,
asks every one of their questions through the whole pipeline, and prints:

- the weight of sentence support in the reader's ranking (``reader_support_weight``) that gives the
  best SQuAD 2.0 F1, each weight at its own best threshold (the top answer, never abstaining, beside it);
- for each answerer, the threshold on the final confidence that maximises SQuAD 2.0 F1, the answer
  being, as in ``QA.ask``, the first candidate that clears it.

No benchmark question is used.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

ROOT = Path(__file__).resolve().parents[1]
SUPPORT_WEIGHTS = (0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 48, 64)
# (confidence, F1) of each candidate in the answerer's order, and whether the question is unanswerable.
Candidates = list[tuple[float, float]]


def squad_f1(rows: Sequence[tuple[Candidates, bool]], threshold: float) -> float:
    """SQuAD 2.0 F1 when the answer is the first candidate at or above ``threshold``, none: abstain."""
    total = 0.0
    for candidates, unanswerable in rows:
        given = next((f1 for score, f1 in candidates if score >= threshold), None)
        total += float(unanswerable) if given is None else given
    return total / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "training" / "squad2-training.json")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()

    from citeqa import QA
    from citeqa.config import AnswerSettings, Settings
    from citeqa.datasets import load_squad
    from citeqa.evaluation import f1_score
    from citeqa.questions import is_yes_no
    from citeqa.reader import DEFAULT_MODEL_DIR
    from citeqa.reading import ReaderAnswerer
    from citeqa.support import SentenceSupport

    held_out = set(json.loads((DEFAULT_MODEL_DIR / "reader.json").read_text())["heldout_articles"])
    data = json.loads(args.data.read_text(encoding="utf-8"))
    data["data"] = [a for a in data["data"] if a["title"] in held_out]
    staged = Path("/tmp/citeqa-heldout.json")
    staged.write_text(json.dumps(data), encoding="utf-8")
    question_set = load_squad(staged)
    assert question_set.documents
    questions = question_set.questions[: args.limit]
    # Every candidate must come back, whatever its confidence: with the default bar in place, answers
    # below it arrive without citations, and no threshold under the default could ever be chosen. The
    # reader ranks by margin alone here; each support weight's ranking is made from that below.
    answer_settings = AnswerSettings(reader_min_score=0.0, heuristic_min_score=0.0, reader_support_weight=0.0)
    settings = Settings(answer=answer_settings)
    qa = QA.from_documents(
        question_set.documents, index_dir=ROOT / "embeddings" / "eval-heldout", settings=settings, progress=True
    )
    reader = qa.answerer("reader")[1]
    assert isinstance(reader, ReaderAnswerer), "no trained reader"
    support = SentenceSupport(qa.encoder, qa.retriever.bm25.tokenize)
    candidates = 3 * Settings().answer.max_candidates

    # (margin, support, confidence, F1) of each reader candidate, per question. Candidates were
    # de-duplicated in margin order; ranked by support the pipeline may keep another of two that
    # repeat each other, which this replay does not see.
    read: list[tuple[list[tuple[float, float, float, float]], bool]] = []
    for question in tqdm(questions, desc="reader"):
        answer = qa.ask(question.question, answerer="reader", top_k=candidates)
        passages = answer.passages[: answer_settings.passages]
        # Yes/no questions go to the heuristic answerer, whose order no support weight changes.
        unranked = is_yes_no(answer.standalone_question)
        supports = support.of_citations(answer.standalone_question, passages, qa.documents, answer.citations)
        if unranked:
            supports = [0.0] * len(supports)
        read.append(
            (
                [
                    (
                        # Kept in the answerer's order where the order is not the reader's.
                        -n
                        if unranked
                        else reader.temperature * math.log(max(c.score, 1e-12) / max(1 - c.score, 1e-12)),
                        s,
                        c.score,
                        f1_score(c.quote, question.answers),
                    )
                    for n, (c, s) in enumerate(zip(answer.citations, supports, strict=True))
                ],
                not question.answerable,
            )
        )

    def ranked(weight: float) -> list[tuple[Candidates, bool]]:
        # As ReaderAnswerer ranks: margin plus weight × support.
        return [
            ([(score, f1) for _, _, score, f1 in sorted(cands, key=lambda c: -(c[0] + weight * c[1]))], unanswerable)
            for cands, unanswerable in read
        ]

    def best_f1(rows: list[tuple[Candidates, bool]]) -> float:
        # Thresholds a thousandth apart are as fine as a bar is ever set.
        scores = np.unique(np.round([score for cands, _ in rows for score, _ in cands], 3))
        return max(squad_f1(rows, t) for t in np.concatenate([[0.0, 1.01], scores]))

    answerable = sum(not unanswerable for _, unanswerable in read)
    end_to_end = {w: best_f1(ranked(w)) for w in SUPPORT_WEIGHTS}
    top = {
        w: sum(cands[0][1] for cands, unanswerable in ranked(w) if cands and not unanswerable) / answerable
        for w in SUPPORT_WEIGHTS
    }
    weight = max(end_to_end, key=lambda w: end_to_end[w])
    print(
        f"reader support weight: best {weight} -> F1 {100 * end_to_end[weight]:.1f} at its best threshold on "
        f"{len(read)} held-out questions (0: {100 * end_to_end[0]:.1f})"
    )
    print(f"  F1 by weight: {', '.join(f'{w}: {100 * f:.2f}' for w, f in end_to_end.items())}")
    never_abstaining = ", ".join(f"{w}: {100 * f:.1f}" for w, f in top.items())
    print(f"  top answer, never abstaining ({answerable} answerable): {never_abstaining}")

    heuristic: list[tuple[Candidates, bool]] = []
    for question in tqdm(questions, desc="heuristic"):
        answer = qa.ask(question.question, answerer="heuristic")
        heuristic.append(
            ([(c.score, f1_score(c.quote, question.answers)) for c in answer.citations], not question.answerable)
        )

    for name, rows in ((f"reader (support weight {weight})", ranked(weight)), ("heuristic", heuristic)):
        scores = np.array([score for cands, _ in rows for score, _ in cands])
        thresholds = np.unique(np.concatenate([[0.0, 1.01], scores]))
        f1 = [squad_f1(rows, t) for t in thresholds]
        best_at = int(np.argmax(f1))
        print(
            f"{name}: best threshold {thresholds[best_at]:.3f} -> F1 {100 * f1[best_at]:.1f} on {len(rows)} "
            f"held-out questions ({sum(u for _, u in rows)} unanswerable); F1 at 0.5: {100 * squad_f1(rows, 0.5):.1f}"
        )
        # How flat the optimum is: a wide plateau means the exact threshold matters little.
        grid = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]
        print(f"  F1 by threshold: {', '.join(f'{t:.2f}: {100 * squad_f1(rows, t):.1f}' for t in grid)}")


if __name__ == "__main__":
    main()
