from __future__ import annotations

import pytest

from citeqa.evaluation import exact_match, f1_score, normalize_answer


def test_normalisation_matches_the_official_squad_script() -> None:
    assert (
        normalize_answer("The  Mitchell Institute, for Aerospace Studies!")
        == "mitchell institute for aerospace studies"
    )
    assert normalize_answer("an apple a day") == "apple day"


def test_exact_match_and_f1_against_hand_computed_values() -> None:
    assert exact_match("the Mitchell Institute", ["Mitchell Institute"]) == 1.0
    assert exact_match("Mitchell", ["Mitchell Institute"]) == 0.0
    # precision 1/1, recall 1/2 -> F1 2/3
    assert f1_score("Mitchell", ["Mitchell Institute"]) == pytest.approx(2 / 3)
    # best of several gold answers
    assert f1_score("Washington", ["Paris", "Washington D.C."]) == pytest.approx(2 / 3)
    assert f1_score("nothing shared", ["Mitchell"]) == 0.0


def test_unanswerable_questions_score_only_an_abstention() -> None:
    assert f1_score("", []) == 1.0 and exact_match("", []) == 1.0
    assert f1_score("anything", []) == 0.0
    assert f1_score("", ["Mitchell"]) == 0.0
