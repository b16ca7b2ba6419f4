from __future__ import annotations

import pytest

from citeqa.questions import question_kind, wants_sentence


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many satellites does Japan operate?", "number"),
        ("When was U.S. Space Forces Korea activated?", "date"),
        ("In what year did it start?", "date"),
        ("What year did it start?", "date"),
        ("Where did Mastalir speak?", "place"),
        ("Who hosted the talks?", "person"),
        ("What is the name of the line of effort?", "other"),
    ],
)
def test_question_kind(question: str, kind: str) -> None:
    assert question_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Why is the virus stable?", True),
        ("How does the virus enter the cell?", True),
        ("What are the potential benefits of such collaborations?", True),
        ("How many cases were reported?", False),
        ("What is the name of the line of effort?", False),
        ("Who led the talks?", False),
    ],
)
def test_descriptive_questions_want_a_sentence(question: str, sentence: bool) -> None:
    assert wants_sentence(question) is sentence
