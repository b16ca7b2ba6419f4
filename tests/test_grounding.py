from __future__ import annotations

from citeqa.answers import Passage, Span
from citeqa.grounding import bring_named_forward, missing_names, question_names


def test_names_are_the_capitalised_words_that_are_not_question_words() -> None:
    assert question_names("When will U.S. Space Forces Australia be activated?") == [
        "U.S",
        "Space",
        "Forces",
        "Australia",
    ]
    assert question_names("Who was the Normans' main enemy in Italy?") == ["Normans", "Italy"]
    assert question_names("NASA was founded when?") == ["NASA"]  # an acronym opening the question
    assert question_names("what does having the component allow?") == []


def test_a_title_cased_question_carries_no_names() -> None:
    assert question_names("What Is The Capital Of France?") == []


def test_missing_names_tolerate_accents_and_inflection() -> None:
    passages = ["Hervé fought the Turks.", "The Japan Air Self-Defense Force met the Normans."]
    assert missing_names("When did Herve serve as a general?", passages) == []
    assert missing_names("Which Japanese service took part?", passages) == []
    assert missing_names("Who was the Norman leader?", passages) == []


def test_a_name_no_passage_mentions_is_reported() -> None:
    passages = ["U.S. Space Forces Korea was activated in December of 2022."]
    assert missing_names("When will U.S. Space Forces Australia be activated?", passages) == ["Australia"]
    assert missing_names("When was U.S. Space Forces Korea activated?", passages) == []


def test_a_misspelt_or_hyphenated_name_still_counts_as_mentioned() -> None:
    passages = ["The mannose-binding lectin (MBL) and CEACAM1 bind B cells."]
    assert missing_names("How does Mannanose Binding Lectin work?", passages) == []
    assert missing_names("How many domains does CEAMCAM1 have?", passages) == []
    assert missing_names("What do B-cells do?", passages) == []


def test_a_stem_must_start_a_word_and_an_acronym_matches_its_expansion() -> None:
    assert missing_names("What did Iran say?", ["They gave their answer."]) == ["Iran"]
    assert missing_names("What did the CDC say?", ["The Centers for Disease Control said so."]) == []


def _passage(text: str) -> Passage:
    return Passage(Span("doc", "Talks", 0, len(text), text), 1.0, 1.0, 1.0)


def test_passages_further_down_that_mention_a_missing_name_are_brought_forward() -> None:
    about_him = [_passage(f"Mastalir hosted talk number {n}.") for n in range(4)]
    korea = _passage("Mastalir said U.S. Space Forces Korea allows a tighter integration.")
    ranked = [*about_him, _passage("Nothing here."), korea, _passage("Korea again, second.")]
    question = "Did Mastalir mention Korea?"
    moved = bring_named_forward(question, ranked, 4)
    # The lowest-ranked of the first four give way, in rank order, to at most half as many.
    assert moved[:4] == [*about_him[:2], korea, ranked[6]]
    assert sorted(moved, key=ranked.index) == ranked  # nothing lost, nothing added
    assert missing_names(question, [p.span.text for p in moved[:4]]) == []
    # Nothing to bring: the order stays as retrieval ranked it.
    assert bring_named_forward("Did Mastalir host talks?", ranked, 4) == ranked
    assert bring_named_forward("Did Mastalir mention Australia?", ranked, 4) == ranked
