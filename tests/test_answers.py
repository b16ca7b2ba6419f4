from __future__ import annotations

from citeqa.answers import Span, passage_preview, preview, quoted


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
