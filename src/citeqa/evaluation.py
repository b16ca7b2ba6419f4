"""Scoring citeqa on a question set: answers (SQuAD EM/F1), abstention, retrieval and citations."""

from __future__ import annotations

import collections
import json
import re
import string
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from citeqa.answers import Answer
from citeqa.config import AnswererName
from citeqa.datasets import EvalQuestion, QuestionSet
from citeqa.pipeline import QA

RETRIEVAL_MODES = ("dense", "bm25", "rrf", "hybrid")
RECALL_AT = (1, 5, 20)


# --- SQuAD's official answer normalisation and scores ------------------------------------------


def normalize_answer(text: str) -> str:
    text = text.lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, truths: Sequence[str]) -> float:
    if not truths:
        return float(not prediction)
    return max(float(normalize_answer(prediction) == normalize_answer(t)) for t in truths)


def f1_score(prediction: str, truths: Sequence[str]) -> float:
    if not truths:
        return float(not prediction)

    def single(truth: str) -> float:
        predicted, gold = normalize_answer(prediction).split(), normalize_answer(truth).split()
        common = collections.Counter(predicted) & collections.Counter(gold)
        same = sum(common.values())
        if same == 0:
            return 0.0
        precision, recall = same / len(predicted), same / len(gold)
        return 2 * precision * recall / (precision + recall)

    return max(single(t) for t in truths)


# --- where gold answers are in the documents ---------------------------------------------------


def _answer_pattern(answer: str) -> re.Pattern[str]:
    # Whitespace in a gold answer may be a non-breaking space in the document, or a line break.
    return re.compile(r"\s+".join(re.escape(word) for word in answer.split()), re.IGNORECASE)


def gold_spans(qa: QA, question: EvalQuestion) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {}
    for doc_id in question.documents:
        document = qa.documents.get(doc_id)
        if document is None:
            continue
        for answer in question.answers:
            for match in _answer_pattern(answer).finditer(document.text):
                spans.setdefault(doc_id, []).append(match.span())
    return spans


def _contains_gold(doc_id: str, start: int, end: int, gold: dict[str, list[tuple[int, int]]]) -> bool:
    return any(start <= s and e <= end for s, e in gold.get(doc_id, ()))


def _overlaps_gold(doc_id: str, start: int, end: int, gold: dict[str, list[tuple[int, int]]]) -> bool:
    return any(start < e and s < end for s, e in gold.get(doc_id, ()))


# --- the run ---------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    id: str
    question: str
    answerable: bool
    gold: list[str]
    answerer: str
    prediction: str
    abstained: bool
    score: float
    em: float
    f1: float
    citation: dict[str, Any] | None
    citation_correct: bool | None
    first_hit_rank: dict[str, int | None]
    latency_ms: float


@dataclass
class Report:
    name: str
    questions: int
    documents: int
    chunks: int
    index_build_seconds: float
    chunks_per_second: float
    retrieval: dict[str, dict[str, float]]
    answerers: dict[str, dict[str, float | None]]
    results: list[QuestionResult] = field(default_factory=list)
    # What the figures depend on beyond the question set: the encoder and each answerer's bar.
    settings: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(qa: QA, question_set: QuestionSet, answerers: Sequence[AnswererName], *, progress: bool = True) -> Report:
    results: list[QuestionResult] = []
    ranks: dict[str, list[int | None]] = {mode: [] for mode in RETRIEVAL_MODES}
    questions = question_set.questions
    for question in tqdm(questions, desc=f"Evaluating {question_set.name}", unit="question", disable=not progress):
        gold = gold_spans(qa, question)
        first_hit: dict[str, int | None] = {}
        if question.answerable:
            # A follow-up is retrieved with its last earlier question, as the pipeline does.
            query = " ".join([question.question, *question.history[-1:]])
            for mode in RETRIEVAL_MODES:
                passages = qa.retrieve(query, max(RECALL_AT), mode=mode)
                hit = next(
                    (
                        rank
                        for rank, p in enumerate(passages, 1)
                        if _contains_gold(p.span.document_id, p.span.start, p.span.end, gold)
                    ),
                    None,
                )
                first_hit[mode] = hit
                ranks[mode].append(hit)
        for name in answerers:
            started = time.perf_counter()
            answer = qa.ask(question.question, list(question.history), answerer=name)
            latency = 1000 * (time.perf_counter() - started)
            results.append(_score(question, name, answer, gold, first_hit, latency))
    retrieval = {mode: _retrieval_metrics(r) for mode, r in ranks.items()}
    summaries: dict[str, dict[str, float | None]] = {
        name: _summary([r for r in results if r.answerer == name]) for name in answerers
    }
    return Report(
        name=question_set.name,
        questions=len(questions),
        documents=len(qa.documents),
        chunks=len(qa.index.chunks),
        index_build_seconds=round(qa.build.seconds, 3),
        chunks_per_second=round(qa.build.chunks_per_second, 1),
        retrieval=retrieval,
        answerers=summaries,
        results=results,
        settings={
            "encoder": qa.settings.encoder,
            "min_score": {name: qa.settings.answer.min_score(name) for name in answerers},
            # Whichever answerer is scored, yes/no questions go to this one (None: to the one scored).
            "yes_no_answerer": qa.settings.answer.yes_no_answerer,
        },
    )


def _score(
    question: EvalQuestion,
    answerer: str,
    answer: Answer,
    gold: dict[str, list[tuple[int, int]]],
    first_hit: dict[str, int | None],
    latency_ms: float,
) -> QuestionResult:
    prediction = answer.text if answer.answered else ""
    citation = answer.citations[0] if answer.answered and answer.citations else None
    correct = None
    if citation is not None and question.answerable:
        correct = _overlaps_gold(citation.document_id, citation.start, citation.end, gold)
    return QuestionResult(
        id=question.id,
        question=question.question,
        answerable=question.answerable,
        gold=list(question.answers),
        answerer=answerer,
        prediction=prediction,
        abstained=not answer.answered,
        score=round(answer.score, 4),
        em=exact_match(prediction, question.answers),
        f1=f1_score(prediction, question.answers),
        citation=None
        if citation is None
        else {
            "document_id": citation.document_id,
            "title": citation.title,
            "start": citation.start,
            "end": citation.end,
            "quote": citation.quote,
            "score": round(citation.score, 4),
        },
        citation_correct=correct,
        first_hit_rank=first_hit,
        latency_ms=round(latency_ms, 2),
    )


def _retrieval_metrics(ranks: list[int | None]) -> dict[str, float]:
    if not ranks:
        return {}
    metrics = {f"recall@{k}": float(np.mean([r is not None and r <= k for r in ranks])) for k in RECALL_AT}
    metrics["mrr"] = float(np.mean([1.0 / r if r else 0.0 for r in ranks]))
    return {k: round(v, 4) for k, v in metrics.items()}


def _mean(values: list[float]) -> float | None:
    return round(100 * float(np.mean(values)), 2) if values else None


def _summary(results: list[QuestionResult]) -> dict[str, float | None]:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    abstained = [r for r in results if r.abstained]
    cited = [r for r in answerable if r.citation_correct is not None]
    latencies = [r.latency_ms for r in results]
    return {
        "em": _mean([r.em for r in results]),
        "f1": _mean([r.f1 for r in results]),
        "answerable_em": _mean([r.em for r in answerable]),
        "answerable_f1": _mean([r.f1 for r in answerable]),
        "unanswerable_accuracy": _mean([r.em for r in unanswerable]),
        "abstention_precision": _mean([float(not r.answerable) for r in abstained]),
        "abstention_recall": _mean([float(r.abstained) for r in unanswerable]),
        "citation_accuracy": _mean([float(bool(r.citation_correct)) for r in cited]),
        "latency_p50_ms": round(float(np.percentile(latencies, 50)), 1) if latencies else None,
        "latency_p95_ms": round(float(np.percentile(latencies, 95)), 1) if latencies else None,
    }


# --- output ----------------------------------------------------------------------------------


def markdown(report: Report) -> str:
    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:g}"

    lines = [
        f"# citeqa evaluation: {report.name}",
        "",
        f"{report.questions} questions, {report.documents} documents, {report.chunks} chunks; "
        f"index build {report.index_build_seconds:g} s ({report.chunks_per_second:g} chunks/s; 0 = loaded from disk).",
        f"Encoder {report.settings.get('encoder', '?')}; answers need confidence ≥ "
        + (", ".join(f"{v:g} ({k})" for k, v in report.settings.get("min_score", {}).items()) or "–")
        + "."
        + (
            f" Yes/no questions are answered by the {report.settings['yes_no_answerer']} answerer in every row."
            if report.settings.get("yes_no_answerer")
            else ""
        ),
        "",
        "## Answers",
        "",
        "| answerer | EM | F1 | answerable EM | answerable F1 | unanswerable acc. | abstention P | abstention R "
        "| citation acc. | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in report.answerers.items():
        keys = (
            "em",
            "f1",
            "answerable_em",
            "answerable_f1",
            "unanswerable_accuracy",
            "abstention_precision",
            "abstention_recall",
            "citation_accuracy",
            "latency_p50_ms",
            "latency_p95_ms",
        )
        lines.append(f"| {name} | " + " | ".join(cell(m[k]) for k in keys) + " |")
    lines += [
        "",
        "## Passage retrieval (answerable questions)",
        "",
        "| retriever | recall@1 | recall@5 | recall@20 | MRR |",
        "|---|---|---|---|---|",
    ]
    for mode, r in report.retrieval.items():
        if r:
            lines.append(f"| {mode} | {r['recall@1']:g} | {r['recall@5']:g} | {r['recall@20']:g} | {r['mrr']:g} |")
    return "\n".join(lines) + "\n"


def write_report(report: Report, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"{report.name}.json", out_dir / f"{report.name}.md"
    json_path.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    lines = [
        markdown(report),
        "## Per question",
        "",
        "| id | answerer | F1 | abstained | prediction | gold |",
        "|---|---|---|---|---|---|",
    ]
    for r in report.results:
        prediction = r.prediction.replace("|", "\\|").replace("\n", " ")[:120]
        gold = "; ".join(r.gold).replace("|", "\\|")[:120] or "(unanswerable)"
        lines.append(f"| {r.id} | {r.answerer} | {r.f1:.2f} | {r.abstained} | {prediction} | {gold} |")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, md_path
