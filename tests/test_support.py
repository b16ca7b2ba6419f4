"""Sentence support on its own, with a bag-of-words encoder so that every score can be followed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from citeqa.answers import Citation, Passage, Span
from citeqa.documents import Document, document_from_text
from citeqa.support import COSINE_WEIGHT, OVERLAP_WEIGHT, RANK_WEIGHT, SentenceSupport, candidate_sentences
from tests.bag_of_words import BagOfWords, words

TEXT = (
    "Space Forces in Asia\n\n"
    "Mastalir spoke about Korea and the new component.\n"
    "Mastalir spoke about Japan and the plans for its component.\n"
    "Will Japan get its component this year?\n"
    "Mastalir thanked the hosts."
)


def passages_of(*texts: str) -> tuple[list[Passage], dict[str, Document]]:
    """A passage holding the whole of each text, and the documents they come from."""
    documents = {f"doc{n}": document_from_text(f"doc{n}", text) for n, text in enumerate(texts)}
    passages = [Passage(Span.of(d, 0, len(d.text)), 1.0, 1.0, 1.0) for d in documents.values()]
    return passages, documents


def test_headlines_and_questions_are_not_sentences_that_answer() -> None:
    (passage,), documents = passages_of(TEXT)
    said = [s.text for s in candidate_sentences([passage], documents)]
    assert said == [
        "Mastalir spoke about Korea and the new component.",
        "Mastalir spoke about Japan and the plans for its component.",
        "Mastalir thanked the hosts.",
    ]
    assert all(TEXT[s.start : s.end] == s.text for s in candidate_sentences([passage], documents))


def test_a_sentence_met_in_two_passages_counts_once_with_the_better_rank() -> None:
    (passage,), documents = passages_of(TEXT)
    late = Passage(passage.span, 0.5, 0.5, 0.5)
    sentences = candidate_sentences([passage, late], documents)
    assert len(sentences) == 3 and {s.rank for s in sentences} == {0}


def test_a_rare_question_word_outweighs_a_common_one() -> None:
    (passage,), documents = passages_of(TEXT)
    sentences = candidate_sentences([passage], documents)
    support = SentenceSupport(BagOfWords(), words).run("What did Mastalir say about Japan?", sentences)
    assert int(np.argmax(support)) == 1  # the Japan sentence; every sentence names Mastalir
    assert support.shape == (3,) and np.all((support >= 0) & (support <= 1))


def test_the_score_is_the_weighted_sum_it_says() -> None:
    # One sentence, the question's every word in it: cosine of the bags, full overlap, first passage.
    (passage,), documents = passages_of("Heating\n\nThe boiler was installed in 2021.")
    sentences = candidate_sentences([passage], documents)
    encoder = BagOfWords()
    question = "When was the boiler installed?"
    vectors = encoder.encode([question, sentences[0].text])
    cosine = float(vectors[1] @ vectors[0])
    # A word's weight is log(1 + sentences / (1 + sentences holding it)): "when", the one question word
    # the sentence lacks, counts log 2; the four it holds log 1.5 each.
    overlap = 4 * math.log(1.5) / (4 * math.log(1.5) + math.log(2))
    expected = COSINE_WEIGHT * cosine + OVERLAP_WEIGHT * overlap + RANK_WEIGHT * 1.0
    assert SentenceSupport(encoder, words).run(question, sentences)[0] == pytest.approx(expected, abs=1e-6)


def test_only_the_sentences_asked_for_are_embedded_but_all_count_for_rarity() -> None:
    (passage,), documents = passages_of(TEXT)
    sentences = candidate_sentences([passage], documents)
    encoder = BagOfWords()
    support = SentenceSupport(encoder, words)
    alone = support.run("What did Mastalir say about Japan?", sentences, [1])
    assert encoder.encoded == ["What did Mastalir say about Japan?", sentences[1].text]
    assert alone[0] == pytest.approx(support.run("What did Mastalir say about Japan?", sentences)[1])
    assert support.run("Anything?", sentences, []).shape == (0,)


def test_a_citation_is_supported_by_the_sentence_holding_its_start() -> None:
    document = document_from_text("doc0", TEXT)
    passage = Passage(Span.of(document, 0, len(TEXT)), 1.0, 1.0, 1.0)
    japan = TEXT.index("Japan and")
    title = TEXT.index("Asia")
    citations = [
        Citation(Span.of(document, japan, japan + 5), Span.of(document, japan, japan + 5), 0.9),
        Citation(Span.of(document, title, title + 4), Span.of(document, title, title + 4), 0.9),
    ]
    support = SentenceSupport(BagOfWords(), words)
    japan_support, title_support = support.of_citations("What about Japan?", [passage], {"doc0": document}, citations)
    assert japan_support > 0.0
    assert title_support == 0.0  # a headline answers nothing, whatever it says


def test_a_heading_is_not_a_sentence_that_answers() -> None:
    text = (
        "The Debian Package ca-certificates\n\n"
        "How to install local CA certificates\n"
        "------------------------------------\n\n"
        "Put the certificate files into /usr/local/share/ca-certificates/ and re-run update-ca-certificates.\n\n"
        "## How certificates are accepted\n\n"
        "Get it included in the Mozilla CA Certificate Store.\n"
    )
    (passage,), documents = passages_of(text)
    said = [s.text for s in candidate_sentences([passage], documents)]
    assert said == [
        "Put the certificate files into /usr/local/share/ca-certificates/ and re-run update-ca-certificates.",
        "Get it included in the Mozilla CA Certificate Store.",
    ]
    # A passage that ends before the heading's underline: the document shows it is a heading.
    cut = text.index("\n---")
    early = Passage(Span.of(documents["doc0"], 0, cut), 1.0, 1.0, 1.0)
    assert "How to install local CA certificates" not in [s.text for s in candidate_sentences([early], documents)]
