from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from citeqa.answers import Passage, Span
from citeqa.documents import document_from_text
from citeqa.reader import ReaderSpan
from citeqa.reading import ReaderAnswerer, _complete_brackets, _complete_name, _complete_quantity, _complete_token
from citeqa.support import SentenceSupport
from tests.bag_of_words import BagOfWords, words


def widened(text: str, part: str, complete: Callable[[str, int, int], tuple[int, int]] = _complete_name) -> str:
    start = text.index(part)
    s, e = complete(text, start, start + len(part))
    return text[s:e]


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        # A name the reader stopped short of: widened to its last capitalised word.
        (
            "at the Mitchell Institute for Aerospace Studies just outside",
            "Mitchell Institute",
            "Mitchell Institute for Aerospace Studies",
        ),
        ("said Brig. Gen. Anthony J. Mastalir, who hosted", "Anthony J.", "Anthony J. Mastalir"),
        # A span inside a short quoted title: the whole title.
        ('The Space Force\'s "Partner to Win" line of effort', "Win", "Partner to Win"),
        ("the “Partner to Win” line", "Partner", "Partner to Win"),
        # Left alone: a lower-case phrase, a whole name, a long quotation, sentence punctuation.
        ("a rules-based international order", "rules-based", "rules-based"),
        ("in Washington. Then he left", "Washington", "Washington"),
        ("“We will be ready to fight and win a war tonight if we must,” he said", "win", "win"),
        # Not across a line, not across "and", not from one quotation into the next.
        ("By Nick Wilson\nYokota Air Base Public Affairs", "Nick", "Nick Wilson"),
        ("said Saltzman and the Space Force Association", "Saltzman", "Saltzman"),
        ("said Brig. Gen. Anthony J. Mastalir, who", "Anthony", "Anthony J. Mastalir"),
        ('called it "the most ambitious program" and Mitchell said "it works".', "Mitchell", "Mitchell"),
    ],
)
def test_a_span_that_stops_inside_a_name_or_title_is_completed(text: str, span: str, expected: str) -> None:
    assert widened(text, span) == expected


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        # A bare number takes the unit after it.
        ("the main mirror is 60 centimetre wide", "60", "60 centimetre"),
        ("about 40% of the vote", "40", "40%"),
        ("some 3 million people", "3", "3 million"),
        ("a 1.5-metre wall", "1.5", "1.5-metre"),
        ("it ran for 10 miles.", "10", "10 miles"),
        ("at 80 km/h on the road", "80", "80 km/h"),
        # Left alone: a year, a count of things, a word that only starts like a unit, a span with words.
        ("in 1934 the festival", "1934", "1934"),
        ("7 men and 4 monks", "7", "7"),
        ("3 games were played", "3", "3"),
        ("the main mirror is 60 centimetre wide", "mirror is 60", "mirror is 60"),
    ],
)
def test_a_bare_number_is_completed_with_its_unit(text: str, span: str, expected: str) -> None:
    assert widened(text, span, _complete_quantity) == expected


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        # Paths, addresses, identifiers and versions are one token, however the word pieces cut them.
        ("The shell of user sync is /bin/sync.", "bin/sync", "/bin/sync"),
        ("notes are kept in ~/notes today", "notes today", "~/notes today"),
        ("call asn1_create_element (defs)", "asn1", "asn1_create_element"),
        ("Report bugs to help-libtasn1@gnu.org.", "gnu.org", "help-libtasn1@gnu.org"),
        (
            "home page: <https://www.gnu.org/software/libtasn1/>",
            "www.gnu.org",
            "https://www.gnu.org/software/libtasn1/",
        ),
        ("(version 4.19.0, 18 August 2022)", "4.19", "4.19.0"),
        # Left alone: alternatives and compounds of words, a decimal, a sentence's last word.
        ("between Korea/Japan forces", "Japan", "Japan"),
        ("the U.S.-Japan alliance", "Japan", "Japan"),
        ("prices rose 1.5% in May", "1.5", "1.5"),
        ("activated in December of 2022.", "December of 2022", "December of 2022"),
    ],
)
def test_a_span_inside_a_path_address_or_identifier_is_the_whole_of_it(text: str, span: str, expected: str) -> None:
    assert widened(text, span, _complete_token) == expected


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        # One half of a bracket or quotation in the span: the other half, when it is near.
        (
            "Having the [U.S. Space Forces Korea] component really allows",
            "U.S. Space Forces Korea] component",
            "[U.S. Space Forces Korea] component",
        ),
        (
            "a median of 1.50 years (interquartile range 0.67-3.00) among them",
            "1.50 years (interquartile range 0.67-3.00",
            "1.50 years (interquartile range 0.67-3.00)",
        ),
        (
            "the Egyptian fruit bat (Rousettus aegyptiacus) cells",
            "Rousettus aegyptiacus) cells",
            "(Rousettus aegyptiacus) cells",
        ),
        ("427 [34.0%] of the cases", "427 [34.0%", "427 [34.0%]"),
        (
            "called Microbial “adaptation and change” here",
            "Microbial “adaptation and change",
            "Microbial “adaptation and change”",
        ),
        (
            'called Microbial "adaptation and change" here',
            'Microbial "adaptation and change',
            'Microbial "adaptation and change"',
        ),
        ('he said "we will win" today', 'win" today', '"we will win" today'),
        # Left alone: balanced spans, and halves whose other half is far, on another line or missing.
        ("the Egyptian fruit bat (Rousettus aegyptiacus) cells", "Rousettus aegyptiacus", "Rousettus aegyptiacus"),
        ("a list (first\nsecond) here", "second) here", "second) here"),
        ("f(x) = (a + b", "(a + b", "(a + b"),
        ("(" + "word " * 30 + "end) after", "end) after", "end) after"),
    ],
)
def test_a_span_holding_half_a_bracket_or_quotation_gets_the_other_half(text: str, span: str, expected: str) -> None:
    assert widened(text, span, _complete_brackets) == expected


class SpansAt:
    """A stand-in reader that points at given parts of the first passage, best first."""

    def __init__(self, model_dir: Path, passage: str, parts: list[str]) -> None:
        (model_dir / "reader.json").write_text("{}", encoding="utf-8")
        self.model_dir, self.threshold = model_dir, 0.0
        self.spans = [
            ReaderSpan(0, passage.index(p), passage.index(p) + len(p), 10.0 - rank, 0.0) for rank, p in enumerate(parts)
        ]

    def read(self, question: str, passages: list[str], top_k: int = 5) -> list[ReaderSpan]:
        return self.spans


def test_a_span_across_table_cells_is_never_an_answer(tmp_path: Path) -> None:
    text = "Corran Point Lighthouse\n\nBuilt | 1860\n\nHeight | 12 metres"
    document = document_from_text("light", text)
    passage = Passage(Span.of(document, 0, len(text)), 1.0, 1.0, 1.0)
    reader = SpansAt(tmp_path, text, ["Built | 1860", "12 metres"])
    answerer = ReaderAnswerer(reader)  # type: ignore[arg-type]
    quotes = [c.quote for c in answerer.run("What is its height?", [passage], {"light": document}, 3)]
    assert quotes == ["12 metres"]


def test_a_span_that_runs_on_into_the_next_sentence_or_paragraph_is_kept_to_its_own(tmp_path: Path) -> None:
    text = (
        "If the Program does not specify a version number of the license, you\n"
        "may choose any version ever published by the Free Software\nFoundation.\n\n"
        "  8. If you wish to incorporate parts of the Program into other free\n"
        "programs whose distribution conditions are different, write to the author.\n\n"
        "Be careful when using the glob operator! Glob can make it harder to tell what names are in scope."
    )
    document = document_from_text("gpl", text)
    passage = Passage(Span.of(document, 0, len(text)), 1.0, 1.0, 1.0)
    runs_on = ["Free Software\nFoundation.\n\n  8", "glob operator! Glob", "8. If you wish to incorporate parts"]
    answerer = ReaderAnswerer(SpansAt(tmp_path, text, runs_on))  # type: ignore[arg-type]
    quotes = [c.quote for c in answerer.run("Who?", [passage], {"gpl": document}, 5)]
    # A line wrapped inside a sentence is no boundary: "Free Software\nFoundation" stays one name.
    # The item's number "8." is a sentence of its own: the span keeps to the one holding most of it.
    assert quotes == ["Free Software\nFoundation", "glob operator", "If you wish to incorporate parts"]
    # Asked for a sentence, the reader's span only says where to look: the sentences it touches are the
    # answer, within one paragraph.
    answerer = ReaderAnswerer(SpansAt(tmp_path, text, ["glob operator! Glob"]))  # type: ignore[arg-type]
    (why,) = answerer.run("Why is glob risky?", [passage], {"gpl": document}, 3)
    assert why.quote == text[text.index("Be careful") :]
    answerer = ReaderAnswerer(SpansAt(tmp_path, text, ["the Free Software\nFoundation.\n\n  8. If"]))  # type: ignore[arg-type]
    (why,) = answerer.run("Why is the license version free?", [passage], {"gpl": document}, 3)
    assert why.quote == text[: text.index("\n\n")]
    # The full stop that ends an acronym is the acronym's.
    us = "The talks were hosted in the U.S. They lasted two days."
    us_document = document_from_text("us", us)
    us_passage = Passage(Span.of(us_document, 0, len(us)), 1.0, 1.0, 1.0)
    answerer = ReaderAnswerer(SpansAt(tmp_path, us, ["the U.S. They"]))  # type: ignore[arg-type]
    assert [c.quote for c in answerer.run("Who?", [us_passage], {"us": us_document}, 3)] == ["the U.S."]


def test_a_headings_number_is_never_an_answer(tmp_path: Path) -> None:
    text = "3.3 Invoking asn1Decoding\nasn1Decoding decodes DER data.\n1.3.\nSee section 2.1 for 2.5 kg of it."
    document = document_from_text("manual", text)
    passage = Passage(Span.of(document, 0, len(text)), 1.0, 1.0, 1.0)
    reader = SpansAt(tmp_path, text, ["3.3", "1.3.", "2.1", "2.5", "asn1Decoding decodes"])
    answerer = ReaderAnswerer(reader)  # type: ignore[arg-type]
    quotes = [c.quote for c in answerer.run("Which tool decodes DER?", [passage], {"manual": document}, 5)]
    # Numbers inside a sentence stay answers; the numbers that head a line do not.
    assert sorted(quotes) == ["2.1", "2.5 kg", "asn1Decoding decodes"]


def test_the_span_whose_sentence_fits_the_question_comes_first_its_score_unchanged(tmp_path: Path) -> None:
    text = (
        "Space Forces\n\n"
        "The Korea component was activated in December of 2022. "
        "The Japan component will be activated by the end of the year."
    )
    document = document_from_text("forces", text)
    passage = Passage(Span.of(document, 0, len(text)), 1.0, 1.0, 1.0)
    reader = SpansAt(tmp_path, text, ["December of 2022", "by the end of the year"])
    question = "When will the Japan component be activated?"
    by_margin = ReaderAnswerer(reader).run(question, [passage], {"forces": document}, 3)  # type: ignore[arg-type]
    assert [c.quote for c in by_margin] == ["December of 2022", "by the end of the year"]
    support = SentenceSupport(BagOfWords(), words)
    supported = ReaderAnswerer(reader, support=support, support_weight=32.0)  # type: ignore[arg-type]
    ranked = supported.run(question, [passage], {"forces": document}, 3)
    assert [c.quote for c in ranked] == ["by the end of the year", "December of 2022"]
    # Which answer comes first changes; how confident each one is does not (abstention rests on it).
    assert {c.quote: c.score for c in ranked} == {c.quote: c.score for c in by_margin}
    unweighted = ReaderAnswerer(reader, support=support, support_weight=0.0)  # type: ignore[arg-type]
    assert unweighted.run(question, [passage], {"forces": document}, 3) == by_margin
