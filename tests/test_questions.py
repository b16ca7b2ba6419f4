from __future__ import annotations

import pytest

from citeqa.questions import is_yes_no, question_kind, wants_sentence


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many satellites does Japan operate?", "number"),
        ("How tall is the lighthouse?", "number"),
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
        ("How tall is the lighthouse?", False),  # a measure, not a manner
        ("What is the name of the line of effort?", False),
        ("Who led the talks?", False),
    ],
)
def test_descriptive_questions_want_a_sentence(question: str, sentence: bool) -> None:
    assert wants_sentence(question) is sentence


@pytest.mark.parametrize(
    ("question", "yes_no"),
    [
        ("Is libffi thread-safe?", True),
        ("Does CCR5 affect the transmission of HIV-1?", True),
        ("Has AAV been studied as a vector for influenza?", True),
        ("can closures be freed?", True),
        ("Is the virus single-stranded or double-stranded?", False),  # a choice: one of two phrases
        ("Was was the sample size?", False),  # a mistyped "What was"
        ("Is what they found new?", False),
        ("Who hosted the talks?", False),
        ("Isolation took how long?", False),
        ("Canada joined when?", False),
    ],
)
def test_is_yes_no(question: str, yes_no: bool) -> None:
    assert is_yes_no(question) is yes_no
