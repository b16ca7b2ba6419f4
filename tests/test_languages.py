from __future__ import annotations

import pytest

from citeqa.datasets import load_jsonl
from citeqa.languages import LanguageGuesser
from tests.conftest import QUESTIONS

FRENCH_REPORT = (
    "La ville de Saint-Malo a annoncé mardi la rénovation du quai est, endommagé par la tempête de janvier. "
    "Les travaux, estimés à 310 000 euros, commenceront en mars et dureront six mois."
)


@pytest.fixture(scope="module")
def guesser() -> LanguageGuesser:
    return LanguageGuesser()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Combien coûteront les travaux ?", "French"),
        ("¿Quién organizó las conversaciones sobre el espacio?", "Spanish"),
        ("宇宙作戦について教えてください", "Japanese"),
        (FRENCH_REPORT, "French"),
    ],
)
def test_a_text_surely_in_another_language_is_named(guesser: LanguageGuesser, text: str, language: str) -> None:
    assert guesser.other_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "Who is Garrant?",  # a name and two words: too little to judge
        "Product | Price | Stock\nWidget | 3.50 | 12\nGadget | 4.10 | 0\nSprocket | 0.99 | 140",
        "Attendees\n\nMüller, Hans\nDubois, Marie\nGarcía, José\nNakamura, Aiko",
        "2023 | 14.5 | 18.2 | 22.1\n2024 | 15.0 | 19.9 | 23.4",
        "#include <stdio.h>\nint main() {\n  ffi_cif cif;\n  ffi_type *args[1];\n  return 0;\n}",
        "The mayor said the works would start in March. " * 5 + "« Le quai restera ouvert », a-t-il déclaré.",
    ],
)
def test_english_tables_names_and_code_are_never_called_another_language(guesser: LanguageGuesser, text: str) -> None:
    assert guesser.other_language(text) is None


def test_no_question_of_ours_is_called_another_language(guesser: LanguageGuesser) -> None:
    questions = [row.question for row in load_jsonl(QUESTIONS)]
    assert questions and [q for q in questions if guesser.other_language(q)] == []
