from __future__ import annotations

import pytest

from citeqa import QA
from citeqa.answers import Passage, Span
from citeqa.bylines import HeaderAnswerer, header_field, read_header
from citeqa.documents import document_from_text

ARTICLE = (
    "Harbor reopens after storm\n\n"
    "  • Published\n"
    "  • By Staff Sgt. Ana Ruiz\n"
    "  • 7th Fleet Public Affairs\n\n"
    "NAPLES, Italy -- The harbor reopened on Monday after a week of repairs.\n\n"
    "Crews worked through the night.\n"
)


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("Who wrote the article about the harbor?", "author"),
        ("Who is the author of this story?", "author"),
        ("Which office published the article?", "publisher"),
        ("Who published the report?", "publisher"),
        ("Where was the story filed from?", "dateline"),
        ("Where did the story come from?", "dateline"),
        ("Where is the article from?", "dateline"),
        ("Where did the story about the harbor come from?", "dateline"),
        # Something in the document comes from somewhere: a question about its content.
        ("Where does the report say the crews came from?", None),
        ("Who repaired the harbor?", None),
        ("Where did the crews work?", None),
        ("Who wrote the symphony?", None),
        # The document is named, but the question is about its content.
        ("Who wrote Japan's post-war constitution?", None),
        ("Who reported the incident, according to the report?", None),
        ("Who released the hostages, according to the news?", None),
    ],
)
def test_questions_about_the_document_itself_are_recognised(question: str, field: str | None) -> None:
    assert header_field(question) == field


def test_byline_office_and_dateline_are_found_with_exact_offsets() -> None:
    header = read_header(ARTICLE)
    quoted = {name: ARTICLE[span[0] : span[1]] for name, span in vars(header).items() if span}
    assert quoted == {
        "author": "Staff Sgt. Ana Ruiz",
        "publisher": "7th Fleet Public Affairs",
        "dateline": "NAPLES, Italy",
    }


@pytest.mark.parametrize(
    "text",
    [
        "A title\n\nThe commander said the talks went well. By then, it was late.\n",
        "Base expands\n\nBy the end of 2024, the base will have doubled.\n",  # "By" opening a sentence
    ],
)
def test_a_document_without_a_header_has_none(text: str) -> None:
    header = read_header(text)
    assert header.author is None and header.publisher is None and header.dateline is None


def test_a_dateline_under_the_byline_is_not_the_office() -> None:
    text = "Title\n\nBy Staff Sgt. Ana Ruiz\nWASHINGTON -- The base reopened.\n"
    header = read_header(text)
    assert header.publisher is None
    assert header.dateline is not None and text[header.dateline[0] : header.dateline[1]] == "WASHINGTON"


def test_the_header_answerer_quotes_the_best_documents_byline() -> None:
    document = document_from_text("harbor", ARTICLE)
    body = ARTICLE.index("NAPLES")
    passage = Passage(Span("harbor", document.title, body, len(ARTICLE), ARTICLE[body:]), 0.8, 0.7, 0.9)
    [citation] = HeaderAnswerer().run("Who wrote the article?", [passage], {"harbor": document}, 3)
    assert citation.quote == "Staff Sgt. Ana Ruiz" == ARTICLE[citation.start : citation.end]
    assert citation.sentence.text == "By Staff Sgt. Ana Ruiz"
    assert ARTICLE[citation.sentence.start : citation.sentence.end] == citation.sentence.text
    # Not a question about the document: left to the reader.
    assert HeaderAnswerer().run("When did the harbor reopen?", [passage], {"harbor": document}, 3) == []


def test_the_engine_answers_who_wrote_an_article_from_its_byline(qa: QA) -> None:
    answer = qa.ask("Who is the author of the story on the Space Engagement Talks?")
    assert answer.answered and answer.text == "Tech. Sgt. Nick Wilson"
    citation = answer.citations[0]
    assert qa.documents[citation.document_id].text[citation.start : citation.end] == answer.text
