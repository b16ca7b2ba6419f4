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
_ASKS_FOR_PERSON = re.compile(r"\s*(?:\w+\s+)?(?:who|whom|whose)\b", re.IGNORECASE)
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


def _name_runs(text: str) -> list[str]:
    """Runs of capitalised words ("Brig. Gen. Anthony J. Mastalir"), question words dropped."""
    runs = []
    for match in _NAME_RUN.finditer(text):
        words = match.group().split()
        while words and words[0] in _QUESTION_WORDS:
            words.pop(0)
        if words:
            runs.append(" ".join(words))
    return runs


def _salient_phrase(question: str) -> str | None:
    """The longest run of capitalised words in a question: usually the entity it is about."""
    return max(_name_runs(question), key=len, default=None)


def _is_short(answer: str | None) -> bool:
    return bool(answer) and len(answer.split()) <= 8  # type: ignore[union-attr]


def _person(last: Turn) -> str | None:
    """Whom "he", "she", "his" or "they" points back at, or None when the last turn does not say.

    After "Who …?" it is the answer, never the question's subject (after "Who hosted the talks?",
    "he" is not "the talks"); a long answer ("the Commander of X, Brig. Gen. Anthony J. Mastalir")
    names the person last. After any other question it is the first name the question uses ("When
    did Mastalir speak?" → Mastalir), not its answer (a date).
    """
    if _ASKS_FOR_PERSON.match(last.question):
        if not last.answer:
            return None
        if _is_short(last.answer):
            return last.answer
        names = _name_runs(last.answer)
        return names[-1] if names else None
    # The grammatical subject of a question comes first: "When did Mastalir speak at the Mitchell Institute?"
    names = _name_runs(last.question)
    if names:
        return names[0]
    return last.answer if _is_short(last.answer) and _name_runs(last.answer or "") else None


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """Replace pronouns that point back at the last turn with what they refer to."""
    if not history or not needs_history(question):
        return question
    last = history[-1]
    stripped = _LEADING_FILLER.sub("", question)
    rewritten = stripped[:1].upper() + stripped[1:]
    person = _person(last)
    subject = _salient_phrase(last.question)
    if person and _PERSON.search(rewritten):
        return _PERSON.sub(person, rewritten, count=1)
    if person and _POSSESSIVE.search(rewritten):
        return _POSSESSIVE.sub(f"{person}'s", rewritten, count=1)
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
