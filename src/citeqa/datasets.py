"""Question sets: our JSONL format and SQuAD JSON (whose contexts become the corpus)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeqa.documents import Document


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    # Accepted answers; empty means the corpus cannot answer and the right reply is to abstain.
    answers: tuple[str, ...]
    documents: tuple[str, ...]
    history: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass
class QuestionSet:
    name: str
    questions: list[EvalQuestion]
    # Set when the file brings its own corpus (SQuAD): one document per article.
    documents: list[Document] | None = None


def load_question_set(path: Path) -> QuestionSet:
    if path.suffix == ".jsonl":
        return QuestionSet(path.stem, load_jsonl(path))
    return load_squad(path)


def load_jsonl(path: Path) -> list[EvalQuestion]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                EvalQuestion(
                    id=str(row.get("id", number)),
                    question=row["question"],
                    answers=tuple(row.get("answers", ())),
                    documents=tuple(row.get("documents", ())),
                    history=tuple(row.get("history", ())),
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a question row ({error})") from error
    return questions


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] or "article"


def load_squad(path: Path) -> QuestionSet:
    """One document per article (paragraphs joined by blank lines); every question asks the whole corpus.

    Raises ValueError, naming the file, for anything that is not SQuAD JSON.
    """
    try:
        return _squad(path, json.loads(path.read_text(encoding="utf-8"))["data"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            f"{path}: not SQuAD JSON ({type(error).__name__}: {error}); "
            "give a SQuAD file, or our JSONL (a .jsonl file, one question per line)"
        ) from error


def _squad(path: Path, data: list[dict[str, Any]]) -> QuestionSet:
    documents: list[Document] = []
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for number, article in enumerate(data):
        title = str(article.get("title") or f"article {number}")
        doc_id = _slug(title)
        if doc_id in seen:
            doc_id = f"{doc_id}-{number}"
        seen.add(doc_id)
        contexts = [p["context"] for p in article["paragraphs"]]
        documents.append(Document(id=doc_id, title=title, text="\n\n".join(contexts), source=str(path)))
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                impossible = bool(qa.get("is_impossible", False))
                answers = () if impossible else tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                questions.append(
                    EvalQuestion(
                        id=str(qa["id"]),
                        question=qa["question"],
                        answers=answers,
                        documents=(doc_id,) if answers else (),
                    )
                )
    return QuestionSet(path.stem, questions, documents)
