"""Sentence-aware chunks that remember exactly where they come from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from citeqa.config import ChunkSettings
from citeqa.documents import Document
from citeqa.sentences import split_sentences, split_sentences_many

TokenCounter = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class Chunk:
    """``document.text[start:end]`` of the document named ``document_id``."""

    document_id: str
    start: int
    end: int


def index_text(document: Document, chunk: Chunk, with_title: bool) -> str:
    """What a retriever sees of a chunk: its text, after the document title when ``with_title``."""
    text = document.text[chunk.start : chunk.end]
    return f"{document.title}\n{text}" if with_title and document.title else text


class Chunker:
    """Packs whole sentences into chunks of at most ``max_tokens`` word pieces, overlapping by sentences."""

    def __init__(self, settings: ChunkSettings, count_tokens: TokenCounter) -> None:
        self.settings = settings
        self._count_tokens = count_tokens

    def run(self, document: Document) -> list[Chunk]:
        return self._pack(document, split_sentences(document.text))

    def run_many(self, documents: Sequence[Document], *, progress: bool = False) -> list[list[Chunk]]:
        """:meth:`run` for each document, with sentences split on all cores when there is enough text."""
        split = split_sentences_many([d.text for d in documents], progress=progress)
        return [self._pack(document, sentences) for document, sentences in zip(documents, split, strict=True)]

    def _pack(self, document: Document, sentences: list[tuple[int, int]]) -> list[Chunk]:
        sentences, lengths = self._fitting_sentences(document.text, sentences)
        if not sentences:
            return []
        chunks: list[Chunk] = []
        first = 0
        while first < len(sentences):
            last, total = first, lengths[first]
            while last + 1 < len(sentences) and total + lengths[last + 1] <= self.settings.max_tokens:
                last += 1
                total += lengths[last]
            chunks.append(Chunk(document.id, sentences[first][0], sentences[last][1]))
            if last + 1 >= len(sentences):
                break
            first = max(first + 1, last + 1 - self.settings.overlap_sentences)
        return chunks

    def _fitting_sentences(
        self, text: str, sentences: list[tuple[int, int]]
    ) -> tuple[list[tuple[int, int]], list[int]]:
        """Split any sentence longer than the budget at word boundaries, so no chunk overflows the model.

        Returns the pieces and their lengths in word pieces.
        """
        lengths = self._count_tokens([text[s:e] for s, e in sentences]) if sentences else []
        fitted: list[tuple[int, int]] = []
        fitted_lengths: list[int | None] = []
        for (start, end), length in zip(sentences, lengths, strict=True):
            if length <= self.settings.max_tokens:
                fitted.append((start, end))
                fitted_lengths.append(length)
                continue
            # Word pieces per word rarely exceed 2, so half the budget in words is a safe piece size.
            words_per_piece = max(1, self.settings.max_tokens // 2)
            word_spans = _word_spans(text, start, end)
            for i in range(0, len(word_spans), words_per_piece):
                piece = word_spans[i : i + words_per_piece]
                fitted.append((piece[0][0], piece[-1][1]))
                fitted_lengths.append(None)
        # Only the pieces of split sentences still need counting.
        unknown = [i for i, n in enumerate(fitted_lengths) if n is None]
        for i, n in zip(unknown, self._count_tokens([text[fitted[i][0] : fitted[i][1]] for i in unknown]), strict=True):
            fitted_lengths[i] = n
        return fitted, [n or 0 for n in fitted_lengths]


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    i = start
    while i < end:
        while i < end and text[i].isspace():
            i += 1
        j = i
        while j < end and not text[j].isspace():
            j += 1
        if j > i:
            spans.append((i, j))
        i = j
    return spans
