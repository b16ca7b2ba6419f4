"""How well each sentence of the passages read supports a question: meaning, rare shared words, rank.

The heuristic answerer quotes the best-supported sentence; the reader uses the same score to choose
among its own spans (see :class:`citeqa.reading.ReaderAnswerer`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from citeqa.answers import Citation, Passage
from citeqa.documents import Document
from citeqa.embedding import TextEncoder
from citeqa.sentences import split_sentences

# Meaning counts most; the question's words, weighted by rarity, catch what a small encoder blurs
# ("Korea" vs "Japan"); the passage's retrieval rank breaks ties.
COSINE_WEIGHT = 0.55
OVERLAP_WEIGHT = 0.35
RANK_WEIGHT = 0.10


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage, in its document's offsets; ``rank`` is its passage's, 0 the best."""

    document_id: str
    start: int
    end: int
    text: str
    rank: int

    def holds(self, document_id: str, offset: int) -> bool:
        return document_id == self.document_id and self.start <= offset < self.end


def candidate_sentences(passages: Sequence[Passage], documents: Mapping[str, Document]) -> list[Sentence]:
    """Every sentence of ``passages`` that could answer, each once (overlapping chunks repeat them).

    A headline or a heading restates the topic, a question (an FAQ's, a rhetorical one) only asks
    again, and a rule says nothing: none of them answers anything. Whether a line is a heading is read
    in its document, since a passage may end before the heading's underline.
    """
    found: dict[tuple[str, int, int], Sentence] = {}
    for rank, passage in enumerate(passages):
        span = passage.span
        for start, end in split_sentences(span.text):
            said = span.text[start:end]
            if (
                said == span.title
                or said.rstrip("\"'”’)] ").endswith("?")
                or _is_heading(documents[span.document_id].text, span.start + start, span.start + end)
                or not any(ch.isalnum() for ch in said)  # a rule ("-----") or a row of stars
            ):
                continue
            key = (span.document_id, span.start + start, span.start + end)
            # The better passage's rank is kept.
            found.setdefault(key, Sentence(*key, said, rank))
    return list(found.values())


# A plain-text heading: a line underlined by one repeated mark (Setext, reStructuredText), or one that
# Markdown's hashes open, as README files, RFCs and Debian's documentation write them.
_UNDERLINE = re.compile(r"[ \t]*\r?\n[ \t]*([-=~^*#+])\1{2,}[ \t]*(?:\r?\n|$)")
_HASHES = re.compile(r"#{1,6}[ \t]")


def _is_heading(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a whole line that heads a section."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_start:start].strip() or text[end:line_end].strip():
        return False
    return bool(_UNDERLINE.match(text, end) or _HASHES.match(text, start))


class SentenceSupport:
    """Scores in [0, 1]: how well each sentence supports the question."""

    def __init__(self, encoder: TextEncoder, tokenize: Callable[[str], list[str]]) -> None:
        self.encoder = encoder
        self.tokenize = tokenize

    def run(self, question: str, sentences: Sequence[Sentence], scored: Sequence[int] | None = None) -> np.ndarray:
        """The support of ``sentences[i]`` for each ``i`` in ``scored`` (default: all of them).

        Every sentence counts towards how rare a word is, but only the scored ones are embedded.
        """
        indices = list(range(len(sentences))) if scored is None else list(scored)
        if not indices:
            return np.zeros(0, dtype=np.float32)
        vectors = self.encoder.encode([question, *(sentences[i].text for i in indices)])
        cosine = vectors[1:] @ vectors[0]
        terms = set(self.tokenize(question))
        sentence_terms = [set(self.tokenize(s.text)) for s in sentences]
        # A question word most sentences share ("Mastalir", in an interview with him) tells them apart
        # less than one only a few contain ("Korea"): each counts by its rarity among them.
        n = len(sentence_terms)
        weight = {t: float(np.log(1 + n / (1 + sum(t in w for w in sentence_terms)))) for t in terms}
        total = sum(weight.values())
        overlap = np.array(
            [sum(weight[t] for t in terms & sentence_terms[i]) / total if total else 0.0 for i in indices],
            dtype=np.float32,
        )
        prior = np.array([1.0 / (1 + sentences[i].rank) for i in indices], dtype=np.float32)
        return np.clip(COSINE_WEIGHT * cosine + OVERLAP_WEIGHT * overlap + RANK_WEIGHT * prior, 0.0, 1.0)

    def of_citations(
        self,
        question: str,
        passages: Sequence[Passage],
        documents: Mapping[str, Document],
        citations: Sequence[Citation],
    ) -> list[float]:
        """The support of the sentence holding each citation's start; 0 where none can answer."""
        found = candidate_sentences(passages, documents)
        holding = [next((i for i, s in enumerate(found) if s.holds(c.document_id, c.start)), None) for c in citations]
        scored = sorted({i for i in holding if i is not None})
        support = dict(zip(scored, self.run(question, found, scored).tolist(), strict=True))
        return [0.0 if i is None else support[i] for i in holding]
