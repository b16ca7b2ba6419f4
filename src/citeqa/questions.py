"""What kind of answer a question asks for: a short span (a name, date, number, phrase) or a sentence."""

from __future__ import annotations

import re

QuestionKind = str

# "How" before one of these asks for a measure ("How tall is it?" → "12 metres"), not for a manner.
_MEASURES = "many|much|long|old|far|large|big|tall|high|heavy|wide|deep|fast|thick|hot|cold|warm|expensive"
_SENTENCE_QUESTION = re.compile(
    rf"^\s*(?:why\b|how (?!(?:{_MEASURES}|often|soon|early|late)\b)\w+\b|"
    r"what (?:are|were|do|does|did)\b|(?:explain|describe)\b)",
    re.IGNORECASE,
)


# What a table's header calls the measure a question asks for without naming it: "How tall is
# the tower?" asks for its "Height".
_MEASURE_NOUNS = (
    (re.compile(r"\bhow (?:tall|high)\b"), ("height",)),
    (re.compile(r"\bhow heavy\b"), ("weight", "mass")),
    (re.compile(r"\bhow (?:wide|broad)\b"), ("width",)),
    (re.compile(r"\bhow deep\b"), ("depth",)),
    (re.compile(r"\bhow thick\b"), ("thickness",)),
    (re.compile(r"\bhow long\b"), ("length", "duration")),
    (re.compile(r"\bhow far\b"), ("distance",)),
    (re.compile(r"\bhow (?:big|large)\b"), ("size", "area", "capacity")),
    (re.compile(r"\bhow old\b"), ("age",)),
    (re.compile(r"\bhow fast\b"), ("speed",)),
    (re.compile(r"\bhow (?:hot|cold|warm)\b"), ("temperature",)),
    (re.compile(r"\bhow often\b"), ("frequency",)),
    (re.compile(r"\bhow much\b|\bhow expensive\b"), ("price", "cost", "amount")),
    (re.compile(r"\bhow many\b"), ("number", "count")),
)
# The same for a question word; vaguer ("Who designed it?" is not asking for a row labelled
# "Name"), so they may choose a column but never a row.
_QUESTION_WORD_NOUNS = (
    (re.compile(r"\bwhen\b"), ("date", "year", "time")),
    (re.compile(r"\bwhere\b"), ("location", "place")),
    (re.compile(r"\bwho(?:m)?\b"), ("name",)),
)


def measure_nouns(question: str) -> tuple[str, ...]:
    """The nouns for the measure ``question`` asks for without naming it ("How tall…?" → "height")."""
    q = question.lower()
    return tuple(noun for pattern, nouns in _MEASURE_NOUNS if pattern.search(q) for noun in nouns)


def attribute_nouns(question: str) -> tuple[str, ...]:
    """:func:`measure_nouns`, and what its question word asks for ("When…?" → "date", "year", "time")."""
    q = question.lower()
    asked = tuple(noun for pattern, nouns in _QUESTION_WORD_NOUNS if pattern.search(q) for noun in nouns)
    return measure_nouns(question) + asked


def question_kind(question: str) -> QuestionKind:
    q = question.lower()
    if re.search(rf"\bhow (?:{_MEASURES})\b|\bwhat (?:number|percentage|proportion)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (?:year|date|day|month|time)\b|\bwhich year\b", q):
        return "date"
    if re.search(r"\bwhere\b|\bwhich (?:city|country|place|region)\b|\bwhat (?:city|country|place)\b", q):
        return "place"
    if re.search(r"\bwho\b|\bwhom\b|\bwhose\b", q):
        return "person"
    return "other"


_AUXILIARY = "is|are|was|were|am|do|does|did|can|could|should|shall|will|would|may|might|must|has|have|had"
# "Is libffi thread-safe?"; not "Is it red or blue?", which asks for one of two phrases, nor "Was was
# the sample size?", a mistyped "What was".
_YES_NO = re.compile(
    rf"^\s*(?:{_AUXILIARY})\b(?!\s+(?:{_AUXILIARY}|what|who|when|where|which|why|how)\b)", re.IGNORECASE
)
_CHOICE = re.compile(r"\bor\b", re.IGNORECASE)


def is_yes_no(question: str) -> bool:
    """A question answered by yes or no, which an extractive answer can only quote the grounds for."""
    return bool(_YES_NO.match(question)) and not _CHOICE.search(question)


def wants_sentence(question: str) -> bool:
    """Why/how-does/what-are questions are answered by a statement, not a phrase inside one."""
    return bool(_SENTENCE_QUESTION.match(question))
