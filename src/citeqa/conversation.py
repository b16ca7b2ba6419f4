"""Folding earlier turns into a follow-up question so it can be asked of the documents on its own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str | None = None


_LEADING_FILLER = re.compile(r"^\s*(?:and|so|but|also|ok(?:ay)?|then)\b[,\s]*", re.IGNORECASE)
_PERSON = re.compile(r"\b(he|she|him|they|them)\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(his|her|their)\b", re.IGNORECASE)
_THING = re.compile(r"\b(the one|the same one|that one|this one|it)\b", re.IGNORECASE)
# "the one in Japan" after a question about "U.S. Space Forces Korea": the same kind of thing, with
# the qualifier swapped in for the name that told the earlier one apart.
_CONTRAST = re.compile(r"\b(?:the|that|this) one (?:in|of|for|from|at) ((?:[A-Z][\w.&'’-]*\s?)+)")
_NAME_RUN = re.compile(r"(?:[A-Z][\w.&'’-]*\.?(?:\s+(?:of|and|the|for|de|von)\s+|\s+))*[A-Z][\w.&'’-]*")
_QUESTION_WORDS = {
    "Who",
    "What",
    "When",
    "Where",
    "Which",
    "Why",
    "How",
    "Is",
    "Are",
    "Was",
    "Were",
    "Do",
    "Does",
    "Did",
}


def needs_history(question: str) -> bool:
    return bool(
        _LEADING_FILLER.match(question)
        or _PERSON.search(question)
        or _POSSESSIVE.search(question)
        or _THING.search(question)
    )


def _salient_phrase(question: str) -> str | None:
    """The longest run of capitalised words in a question: usually the entity it is about."""
    runs = []
    for match in _NAME_RUN.finditer(question):
        words = match.group().split()
        while words and words[0] in _QUESTION_WORDS:
            words.pop(0)
        if words:
            runs.append(" ".join(words))
    return max(runs, key=len) if runs else None


def _is_short(answer: str | None) -> bool:
    return bool(answer) and len(answer.split()) <= 8  # type: ignore[union-attr]


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """Replace pronouns that point back at the last turn with what they refer to."""
    if not history or not needs_history(question):
        return question
    last = history[-1]
    stripped = _LEADING_FILLER.sub("", question)
    rewritten = stripped[:1].upper() + stripped[1:]
    referent = last.answer if _is_short(last.answer) else _salient_phrase(last.question)
    subject = _salient_phrase(last.question)
    if referent and _PERSON.search(rewritten):
        return _PERSON.sub(referent, rewritten, count=1)
    if referent and _POSSESSIVE.search(rewritten):
        return _POSSESSIVE.sub(f"{referent}'s", rewritten, count=1)
    contrast = _CONTRAST.search(rewritten)
    if subject and contrast and len(subject.split()) > 1:
        swapped = " ".join([*subject.split()[:-1], contrast.group(1).strip()])
        rest = rewritten[contrast.end(1) :].lstrip()
        gap = "" if not rest or rest[0] in "?.!," else " "
        return f"{rewritten[: contrast.start()]}{swapped}{gap}{rest}"
    if subject and _THING.search(rewritten):
        return _THING.sub(subject, rewritten, count=1)
    return rewritten


def retrieval_query(question: str, history: Sequence[Turn]) -> str:
    """The standalone question plus the last question's words, which retrieval may need for context."""
    if not history or not needs_history(question):
        return question
    return f"{standalone_question(question, history)} {history[-1].question}"
