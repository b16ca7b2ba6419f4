"""An answerer without a trained reader: the best-supported sentence, narrowed by the question's type.

It ranks the sentences of the retrieved passages by how well they support the question
(:mod:`citeqa.support`), then, for who/when/where/how-many questions, quotes the
name, date, place or number inside that sentence which the question does not already contain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from citeqa.answers import Citation, Passage, Span
from citeqa.documents import Document
from citeqa.embedding import TextEncoder
from citeqa.questions import QuestionKind, question_kind
from citeqa.support import SentenceSupport, candidate_sentences

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"  # noqa: E501
_DATE = re.compile(
    rf"(?:(?:by |in |on |since |until )?(?:the )?(?:end|beginning|start|middle) of (?:the )?[\w ]{{0,20}}?(?:year|month|decade|century|\d{{4}})"  # noqa: E501
    rf"|{_MONTH}(?: of)?(?: \d{{1,2}}(?:st|nd|rd|th)?\b,?)?(?: \d{{4}})?|\b\d{{1,2}} {_MONTH}(?: \d{{4}})?|\b(?:1[5-9]|20)\d{{2}}s?\b"  # noqa: E501
    rf"|\b(?:today|yesterday|tomorrow|recently|last (?:week|month|year)|next (?:week|month|year))\b)"
)
# The word after a number is its unit ("40 satellites"), unless it is a function word ("$4.5 million to").
_NOT_A_UNIT = r"(?:to|in|of|and|or|the|a|an|for|from|by|with|at|on|as|than|is|are|was|were|that|which)\b"
_NUMBER = re.compile(
    r"(?i:about |around |over |more than |less than |nearly |up to )?\$?\b\d[\d,.]*"
    r"(?:\s?(?:%|percent|million|billion|thousand|hundred))?"
    rf"(?:\s(?!{_NOT_A_UNIT})[a-z]+)?"
)
_CAPITALISED = re.compile(r"(?:[A-Z][\w.&'’-]*(?:\s+(?:of|and|the|for|de|von|van|al)\s+|\s+))*[A-Z][\w.&'’-]*")
_PLACE = re.compile(r"\b(?:in|at|from|near|outside of|outside)\s+((?:the\s+)?" + _CAPITALISED.pattern + ")")

_HONORIFIC = re.compile(r"\b(?:Gen|Lt|Col|Maj|Capt|Sgt|Adm|Cmdr|Dr|Mr|Mrs|Ms|Prof|Sen|Rep|Gov)\.")


class HeuristicAnswerer:
    def __init__(self, encoder: TextEncoder, tokenize: Callable[[str], list[str]]) -> None:
        self.support = SentenceSupport(encoder, tokenize)

    def run(
        self, question: str, passages: Sequence[Passage], documents: Mapping[str, Document], limit: int
    ) -> list[Citation]:
        sentences = candidate_sentences(passages, documents)
        if not sentences:
            return []
        scores = self.support.run(question, sentences)
        kind = question_kind(question)
        citations: list[Citation] = []
        for i in np.argsort(-scores)[:limit]:
            found = sentences[i]
            document = documents[found.document_id]
            sentence = Span.of(document, found.start, found.end)
            a_start, a_end = _narrow(kind, question, sentence.text)
            answer = Span.of(document, found.start + a_start, found.start + a_end)
            citations.append(Citation(answer=answer, sentence=sentence, score=float(scores[i])))
        return citations


def _narrow(kind: QuestionKind, question: str, sentence: str) -> tuple[int, int]:
    """The part of ``sentence`` that answers a question of ``kind``; the whole sentence when unsure."""
    asked = {w.lower().strip(".,?'’") for w in question.split()}

    def new(text: str) -> bool:
        words = [w.lower().strip(".,?'’") for w in text.split()]
        return bool(words) and sum(w in asked for w in words) < len(words)

    matches: list[re.Match[str]] = []
    if kind == "date":
        matches = list(_DATE.finditer(sentence))
    elif kind == "number":
        matches = list(_NUMBER.finditer(sentence))
    elif kind == "place":
        found = [m for m in _PLACE.finditer(sentence) if new(m.group(1))]
        if found:
            return found[0].start(1), found[0].end(1)
    elif kind == "person":
        matches = [m for m in _CAPITALISED.finditer(sentence) if m.start() > 0 or len(m.group().split()) > 1]
        # A rank or honorific marks a person; otherwise prefer the longer name.
        matches = sorted(matches, key=lambda m: (not _HONORIFIC.search(m.group()), -len(m.group().split())))
    matches = [m for m in matches if new(m.group())]
    if matches:
        return matches[0].start(), matches[0].end()
    return 0, len(sentence)
