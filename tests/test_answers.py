from __future__ import annotations

from citeqa.answers import quoted


def test_quotes_are_marked_once() -> None:
    assert quoted("Lt. Gen. Philip A. Garrant") == "“Lt. Gen. Philip A. Garrant”"
    # A remark quoted in the document already carries its marks.
    assert quoted("“So, they of course have a vested interest. Absolutely.”") == (
        "“So, they of course have a vested interest. Absolutely.”"
    )
    # A sentence that opens a quotation and then attributes it is not a quotation as a whole.
    assert quoted("“It helps,” Mastalir said.") == "““It helps,” Mastalir said.”"
    assert quoted("”") == "“””"
