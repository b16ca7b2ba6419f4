from __future__ import annotations

import json

from citeqa.answers import Answer, Citation, Passage, Span, passage_preview, preview, quoted
from citeqa.documents import document_from_text


def test_quotes_are_marked_once() -> None:
    assert quoted("Lt. Gen. Philip A. Garrant") == "“Lt. Gen. Philip A. Garrant”"
    # A remark quoted in the document already carries its marks.
    assert quoted("“So, they of course have a vested interest. Absolutely.”") == (
        "“So, they of course have a vested interest. Absolutely.”"
    )
    # A sentence that opens a quotation and then attributes it is not a quotation as a whole.
    assert quoted("“It helps,” Mastalir said.") == "““It helps,” Mastalir said.”"
    assert quoted("”") == "“””"


def test_preview_is_one_line_cut_between_words() -> None:
    header = (
        "US, Japan host talks\n\n  • Published\n  • By Tech. Sgt. Nick Wilson\n\nYOKOTA AIR BASE, Japan -- The race"
    )
    assert (
        preview(header, 500)
        == "US, Japan host talks • Published • By Tech. Sgt. Nick Wilson YOKOTA AIR BASE, Japan -- The race"
    )
    assert preview(header, 40) == "US, Japan host talks • Published • By…"
    assert preview("Short.", 40) == "Short."  # nothing left out: no ellipsis
    assert preview("x" * 50, 10) == "x" * 10 + "…"  # one long word is cut inside it


def test_a_passage_preview_leaves_out_the_title_shown_beside_it() -> None:
    title = "US, Japan host first-ever Space Engagement Talks"
    first = Span("talks", title, 0, 80, f"{title}\n\nPublished • By Tech. Sgt. Nick Wilson", None)
    assert passage_preview(first, 100) == "Published • By Tech. Sgt. Nick Wilson"
    later = Span("talks", title, 500, 540, "The talks were a model of the alliance.", None)
    assert passage_preview(later, 100) == "The talks were a model of the alliance."
    only_title = Span("talks", title, 0, len(title), title, None)
    assert passage_preview(only_title, 100) == title


def test_an_answer_comes_back_whole_from_its_json() -> None:
    document = document_from_text("notes/boiler", "Boiler\n\nIt was installed by Varga Heating in 2021.")
    start = document.text.index("Varga")
    sentence = Span.of(document, document.text.index("It"), len(document.text))
    citation = Citation(Span.of(document, start, start + len("Varga Heating")), sentence, 0.91)
    passage = Passage(sentence, 0.7, 0.6, 3.2)
    answer = Answer(
        "Who installed it?", citation.quote, True, 0.91, (citation,), (passage,), "Who installed the boiler?"
    )
    answer.timings_ms["answer"] = 71.5
    again = Answer.from_dict(json.loads(json.dumps(answer.to_dict())))
    assert again == answer
    declined = Answer("Who?", "The documents don't say.", False, 0.2, (), (passage,), message="Searched 1 of 2.")
    assert Answer.from_dict(json.loads(json.dumps(declined.to_dict()))) == declined
