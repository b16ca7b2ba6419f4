"""citeqa: ask your documents, get answers quoted verbatim from them, with citations."""

from __future__ import annotations

from citeqa.answers import NO_ANSWER, Answer, Citation, Passage, Span
from citeqa.config import Settings
from citeqa.conversation import Turn
from citeqa.documents import Document
from citeqa.pipeline import QA, EmptyCorpusError, QuestionError

__all__ = [
    "NO_ANSWER",
    "QA",
    "Answer",
    "Citation",
    "Document",
    "EmptyCorpusError",
    "Passage",
    "QuestionError",
    "Settings",
    "Span",
    "Turn",
]
__version__ = "0.1.0"
