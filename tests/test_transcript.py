"""A conversation written out as Markdown, every quote with where to find it again."""

from __future__ import annotations

import datetime

from citeqa.answers import NO_ANSWER, Answer, Citation, Passage, Span
from citeqa.conversation import Turn
from citeqa.documents import document_from_text
from citeqa.transcript import answer_markdown, transcript

_TEXT = "Ferry notes\n\nThe *Ardmore* ferry leaves at\nnine from pier <3>. It returns at noon."
_DOCUMENT = document_from_text("harbour/ferries", _TEXT, page_starts=[0], page_labels=["page 1"])


def _span(part: str) -> Span:
    start = _TEXT.index(part)
    return Span.of(_DOCUMENT, start, start + len(part))


def _answer(question: str, quote: str, *others: str) -> Answer:
    sentence = _span("The *Ardmore* ferry leaves at\nnine from pier <3>.")
    citations = tuple(Citation(_span(q), sentence, 0.9 - i / 10) for i, q in enumerate((quote, *others)))
    return Answer(question, quote, True, 0.9, citations)


def test_an_answer_is_shown_bold_inside_its_sentence_with_where_it_stands() -> None:
    markdown = answer_markdown(_answer("When does the ferry leave?", "nine", "noon"))
    assert markdown.splitlines()[:3] == ["**Q:** When does the ferry leave?", "", "**A:** nine"]
    # Markup in the document is escaped, a line break inside the sentence is a space.
    assert "> The \\*Ardmore\\* ferry leaves at **nine** from pier \\<3\\>." in markdown
    nine = _TEXT.index("nine")
    assert f"— *Ferry notes* (`harbour/ferries`, page 1, characters {nine}–{nine + 4}), score 0.90" in markdown
    assert "Other possible answers:\n\n- “noon” — *Ferry notes*" in markdown


def test_a_declined_question_shows_why_and_the_nearest_passages() -> None:
    passage = Passage(_span("It returns at noon."), 0.4, 0.3, 0.5)
    declined = Answer("Who owns the pier?", NO_ANSWER, False, 0.2, (), (passage,), message="Searched 1 of 3 documents.")
    markdown = answer_markdown(declined)
    assert "*Searched 1 of 3 documents.*" in markdown and f"**A:** {NO_ANSWER}" in markdown
    start = _TEXT.index("It returns")
    where = f"*Ferry notes* (`harbour/ferries`, page 1, characters {start}–{start + 19})"
    assert f"Nearest passages:\n\n- {where}: It returns at noon." in markdown


def test_a_transcript_keeps_the_turns_in_order_under_a_dated_title() -> None:
    turns = [
        Turn("When does the ferry leave?", _answer("When does the ferry leave?", "nine")),
        Turn("And back?", "noon"),
    ]
    when = datetime.datetime(2026, 11, 25, 9, 30, tzinfo=datetime.UTC)
    markdown = transcript(turns, when=when)
    assert markdown.startswith(
        "# citeqa conversation\n\n2026-11-25 09:30 UTC\n\n---\n\n**Q:** When does the ferry leave?"
    )
    assert markdown.index("**A:** nine") < markdown.index("**Q:** And back?") < markdown.index("**A:** noon")
