from __future__ import annotations

import itertools
from collections.abc import Sequence

from citeqa.chunking import Chunker, index_text
from citeqa.config import ChunkSettings
from citeqa.documents import document_from_text
from citeqa.sentences import split_sentences


def words(texts: Sequence[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def test_chunks_hold_whole_sentences_within_budget_and_overlap() -> None:
    text = "Title line\n\n" + " ".join(f"Sentence number {i} has exactly seven words." for i in range(30))
    document = document_from_text("doc", text)
    chunks = Chunker(ChunkSettings(max_tokens=30, overlap_sentences=1), words).run(document)
    starts = {s for s, _ in split_sentences(text)}
    ends = {e for _, e in split_sentences(text)}
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.start in starts and chunk.end in ends
        assert len(text[chunk.start : chunk.end].split()) <= 30
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end  # one sentence of overlap
    assert chunks[0].start == 0 and chunks[-1].end == len(text)


def test_an_overlong_sentence_is_split_at_word_boundaries() -> None:
    text = " ".join(f"w{i}" for i in range(100)) + "."
    chunks = Chunker(ChunkSettings(max_tokens=20, overlap_sentences=0), words).run(document_from_text("d", text))
    assert all(len(text[c.start : c.end].split()) <= 20 for c in chunks)
    assert " ".join(text[c.start : c.end] for c in chunks) == text


def test_index_text_prefixes_the_title() -> None:
    document = document_from_text("d", "My Title\n\nBody sentence.")
    chunk = Chunker(ChunkSettings(), words).run(document)[-1]
    assert index_text(document, chunk, True).startswith("My Title\n")
    assert index_text(document, chunk, False) == document.text[chunk.start : chunk.end]


def test_empty_document_has_no_chunks() -> None:
    assert Chunker(ChunkSettings(), words).run(document_from_text("d", "   ")) == []
