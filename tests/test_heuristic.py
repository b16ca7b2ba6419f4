"""The heuristic answerer on its own, with a bag-of-words encoder so that the ranking is easy to follow."""

from __future__ import annotations

import pytest

from citeqa.answers import Passage, Span
from citeqa.documents import document_from_text
from citeqa.heuristic import HeuristicAnswerer, _narrow
from citeqa.questions import question_kind
from tests.bag_of_words import BagOfWords, words


def answer(question: str, text: str) -> list[str]:
    document = document_from_text("faq", text)
    passage = Passage(Span.of(document, 0, len(text)), 1.0, 1.0, 1.0)
    citations = HeuristicAnswerer(BagOfWords(), words).run(question, [passage], {"faq": document}, limit=3)
    return [c.quote for c in citations]


def test_a_question_in_the_text_is_never_its_answer() -> None:
    text = (
        "Greenhouse FAQ\n\nIs watering automatic in the greenhouse?\n\n"
        "Watering in the greenhouse is automatic: drip lines run every morning at six."
    )
    quotes = answer("Is watering automatic in the greenhouse?", text)
    assert quotes[0] == "Watering in the greenhouse is automatic: drip lines run every morning at six."
    assert all(not q.endswith("?") for q in quotes)


def test_the_title_is_never_the_answer_and_a_when_question_gets_its_date() -> None:
    text = "Boiler installation\n\nThe boiler installation was finished by Varga Heating in March 2021."
    assert answer("When was the boiler installation finished?", text) == ["March 2021"]


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (
            "How many satellites does Japan operate?",
            "Japan operates about 40 satellites in low orbit.",
            "about 40 satellites",
        ),
        ("How much did the bridge cost?", "The bridge cost $4.5 million to build in 1932.", "$4.5 million"),
        ("How many people came?", "More than 12,000 people attended, up 5% from 2019.", "More than 12,000 people"),
        ("When did the survey start?", "The survey started on 3 May 2021 and ended in June.", "3 May 2021"),
        ("When was it activated?", "It was activated in December of 2022.", "December of 2022"),
        ("Where was the boiler made?", "The boiler was made in Graz by Varga Heating.", "Graz"),
        ("Who led the survey?", "The survey was led by Dr. Ines Korhonen of the Helsinki lab.", "Dr. Ines Korhonen"),
        ("What is the boiler's fuel?", "The boiler burns wood pellets.", "The boiler burns wood pellets."),
    ],
)
def test_the_sentence_is_narrowed_to_what_the_question_asks_for(question: str, sentence: str, expected: str) -> None:
    start, end = _narrow(question_kind(question), question, sentence)
    assert sentence[start:end] == expected


def test_a_question_word_few_sentences_share_counts_for_more_than_one_most_do() -> None:
    text = (
        "Interview\n\nMastalir opened the meeting early today.\n\nMastalir spoke to the crews.\n\n"
        "Korea joined the exercise in spring.\n\nMastalir closed the meeting."
    )
    # Every sentence but one names Mastalir: the one that names Korea is what the question is after.
    assert answer("Did Mastalir mention Korea?", text)[0] == "Korea joined the exercise in spring."
