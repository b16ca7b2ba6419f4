"""Each kind of file read into text that citations can point into: decks, workbooks, books, e-mails."""

from __future__ import annotations

import datetime
import io
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from citeqa.answers import Span
from citeqa.documents import Document, load_directory
from citeqa.formats import EMPTY_CELL, TABLE_CELL_SEPARATOR, drop_page_furniture, rejoin_hyphenated
from citeqa.tables import find_tables
from tests.pdf_fixture import make_pdf


def _read_one(folder: Path) -> Document:
    corpus = load_directory(folder)
    assert corpus.skipped == []
    (document,) = corpus.documents
    return document


def _assert_parts_located(document: Document, expected: dict[str, str]) -> None:
    """Every phrase is found in the text and cited in the part it belongs to."""
    for phrase, location in expected.items():
        start = document.text.index(phrase)
        span = Span.of(document, start, start + len(phrase))
        assert span.text == phrase
        assert span.location == location, phrase


def _odf_row(*texts: str) -> Any:
    """An OpenDocument table row, a cell per text ("" for an empty cell)."""
    from odf.table import TableCell, TableRow
    from odf.text import P

    row = TableRow()
    for text in texts:
        cell = TableCell()
        if text:
            cell.addElement(P(text=text))
        row.addElement(cell)
    return row


def test_an_opendocument_text_reads_headings_lists_and_tables_in_order(tmp_path: Path) -> None:
    from odf import dc
    from odf.opendocument import OpenDocumentText
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import H, List, ListItem, P, Span

    odt = OpenDocumentText()
    odt.meta.addElement(dc.Title(text="Garden plan"))
    odt.text.addElement(H(outlinelevel=1, text="Beds and crops"))
    paragraph = P(text="The greenhouse is heated by a ")
    paragraph.addElement(Span(text="biomass boiler"))
    paragraph.addText(".")
    odt.text.addElement(paragraph)
    items = List()
    item = ListItem()
    item.addElement(P(text="Tomatoes go in bed A."))
    items.addElement(item)
    odt.text.addElement(items)
    table = Table(name="Beds")
    for texts in [("Bed", "Crop", "Sown"), ("A", "Tomatoes", "March"), ("B", "", "April")]:
        table.addElement(_odf_row(*texts))
    merged, spanning, last = TableRow(), TableCell(numbercolumnsspanned=2), TableCell()
    spanning.addElement(P(text="C and D"))
    last.addElement(P(text="May"))
    for cell in (spanning, CoveredTableCell(), last):
        merged.addElement(cell)
    table.addElement(merged)
    odt.text.addElement(table)
    odt.text.addElement(P(text="Watering is automatic."))
    odt.save(str(tmp_path / "plan.odt"))

    document = _read_one(tmp_path)
    assert document.title == "Garden plan"
    assert document.text.split("\n\n") == [
        "Beds and crops",
        "The greenhouse is heated by a biomass boiler.",
        "Tomatoes go in bed A.",
        "Bed | Crop | Sown",
        "A | Tomatoes | March",
        f"B | {EMPTY_CELL} | April",
        f"C and D | {EMPTY_CELL} | May",
        "Watering is automatic.",
    ]


def test_an_opendocument_spreadsheet_reads_as_calc_shows_it_without_its_empty_edge_or_hidden_sheets(
    tmp_path: Path,
) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import Table, TableCell, TableRow

    ods = OpenDocumentSpreadsheet()
    fares = Table(name="Fares")
    for texts in [("Ticket", "Adult", "Child"), ("Single", "2.20 €", "1.10 €"), ("Discount", "25%", "")]:
        row = _odf_row(*texts)
        row.addElement(TableCell(numbercolumnsrepeated=1000))  # Calc's empty columns to the sheet's edge
        fares.addElement(row)
    fares.addElement(TableRow(numberrowsrepeated=1_000_000))
    ods.spreadsheet.addElement(fares)
    hiding = Style(name="hidden-sheet", family="table")
    hiding.addElement(TableProperties(display="false"))
    ods.automaticstyles.addElement(hiding)
    scratch = Table(name="Scratch", stylename=hiding)
    scratch.addElement(_odf_row("Draft fare 9.99"))
    ods.spreadsheet.addElement(scratch)
    ods.save(str(tmp_path / "fares.ods"))

    document = _read_one(tmp_path)
    assert document.title == "fares"
    assert document.text.split("\n\n") == [
        "Fares",
        "Ticket | Adult | Child",
        "Single | 2.20 € | 1.10 €",
        f"Discount | 25% | {EMPTY_CELL}",
    ]
    _assert_parts_located(document, {"Single": "sheet Fares"})


def test_an_opendocument_presentation_reads_like_a_powerpoint_deck(tmp_path: Path) -> None:
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.presentation import Notes
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    def frame(text: str, y: str, **attributes: str) -> Frame:
        shape = Frame(width="20cm", height="3cm", x="2cm", y=y, attributes=attributes)
        box = TextBox()
        box.addElement(P(text=text))
        shape.addElement(box)
        return shape

    odp = OpenDocumentPresentation()
    layout = PageLayout(name="layout")
    odp.automaticstyles.addElement(layout)
    master = MasterPage(name="master", pagelayoutname=layout)
    odp.masterstyles.addElement(master)
    first = Page(name="one", masterpagename=master)
    first.addElement(frame("Harbour ferry", "8cm", **{"class": "title"}))  # the title, placed low
    first.addElement(frame("Review for the council", "1cm"))
    second = Page(name="two", masterpagename=master)
    second.addElement(frame("The first ferry leaves at 6:40.", "8cm"))  # drawn first, read second
    second.addElement(frame("Schedule", "1cm"))
    notes = Notes()
    notes.addElement(frame("Mention the winter timetable.", "1cm"))
    second.addElement(notes)
    odp.presentation.addElement(first)
    odp.presentation.addElement(second)
    odp.save(str(tmp_path / "ferry.odp"))

    document = _read_one(tmp_path)
    assert document.title == "Harbour ferry"
    assert document.text.split("\n\n") == [
        "Review for the council",
        "Harbour ferry",
        "Schedule",
        "The first ferry leaves at 6:40.",
        "Mention the winter timetable.",
    ]
    _assert_parts_located(document, {"Review": "slide 1", "6:40": "slide 2", "winter": "slide 2"})


def test_a_powerpoint_deck_reads_slide_by_slide_in_reading_order_with_tables_and_notes(tmp_path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = "Lunar habitat programme"
    first.placeholders[1].text_frame.text = "Two habitats will launch before 2030."
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Launch schedule"
    # Added first but placed lower on the slide: read after the table above it.
    lower = second.shapes.add_textbox(Inches(1), Inches(6), Inches(6), Inches(1))
    lower.text_frame.text = "Dates may move with the budget."
    table = second.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for row, cells in enumerate([("Habitat", "Launch date"), ("Habitat A", "March 2027"), ("Habitat B", "")]):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    second.notes_slide.notes_text_frame.text = "Say that Habitat B waits on the lander."
    deck.save(str(tmp_path / "habitats.pptx"))

    document = _read_one(tmp_path)
    assert document.title == "Lunar habitat programme"
    text = document.text
    order = ["Launch schedule", "Habitat | Launch date", "Dates may move", "Say that Habitat B waits"]
    assert [text.index(p) for p in order] == sorted(text.index(p) for p in order)
    assert f"Habitat B{TABLE_CELL_SEPARATOR}{EMPTY_CELL}" in text
    _assert_parts_located(
        document,
        {"Two habitats will launch": "slide 1", "March 2027": "slide 2", "waits on the lander": "slide 2"},
    )
    (schedule,) = find_tables(text)
    assert text[schedule.rows[0][1][0] : schedule.rows[0][1][1]] == "March 2027"


def test_an_excel_workbook_reads_each_sheet_as_a_table_of_the_values_shown(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    fares = book.active
    fares.title = "Fares"
    # The table starts in column B, as sheets often do: the empty column A is not a column of it.
    fares.append([None, "Ticket", "Adult", "Child"])
    fares.append([None, "Single", 2.2, 1.1])
    fares.append([None, "Day pass", 6, None])
    fares.append([])
    fares.append([None, "Valid from", datetime.datetime(2027, 1, 1), None])
    fares.append([None, "Discount", 0.25, 0.5])
    for cell in ("C6", "D6"):
        fares[cell].number_format = "0%"
    stops = book.create_sheet("Stops")
    stops.append(["Stop", "Last bus"])
    stops.append(["Old town", datetime.time(23, 40)])
    scratch = book.create_sheet("Scratch")
    scratch.append(["Draft fare", "9.99"])
    scratch.sheet_state = "hidden"
    book.properties.title = "Bus fares 2027"
    book.save(str(tmp_path / "fares.xlsx"))

    document = _read_one(tmp_path)
    assert document.title == "Bus fares 2027"
    lines = document.text.splitlines()
    assert "Ticket | Adult | Child" in lines and "Single | 2.2 | 1.1" in lines
    assert f"Day pass | 6 | {EMPTY_CELL}" in lines and f"Valid from | 2027-01-01 | {EMPTY_CELL}" in lines
    assert "Discount | 25% | 50%" in lines and "9.99" not in document.text  # as Excel shows it, not 0.25
    assert "Old town | 23:40:00" in lines
    _assert_parts_located(document, {"Day pass": "sheet Fares", "Old town": "sheet Stops"})
    # Each sheet's name ends the table before it: two tables, not one with a stray row.
    assert len(find_tables(document.text)) == 2


def test_an_untitled_workbook_is_named_after_its_file(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Item", "Price"])
    book.active.append(["Tea", "2.50 EUR"])
    book.save(str(tmp_path / "price list.xlsx"))
    assert _read_one(tmp_path).title == "price list"


def test_an_epub_book_reads_its_chapters_in_reading_order_without_its_table_of_contents(tmp_path: Path) -> None:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("lighthouse-1")
    book.set_title("The Lighthouse Keepers")
    book.set_language("en")
    chapters = []
    for number, (heading, body) in enumerate(
        [("The Rock", "The tower was lit in 1860."), ("The Storm", "In 1881 the lamp room flooded.")], 1
    ):
        chapter = epub.EpubHtml(title=heading, file_name=f"chapter{number}.xhtml", lang="en")
        chapter.content = f"<html><body><h1>{heading}</h1><p>{body}</p></body></html>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    epub.write_epub(str(tmp_path / "keepers.epub"), book)

    document = _read_one(tmp_path)
    assert document.title == "The Lighthouse Keepers"
    assert document.text.index("lit in 1860") < document.text.index("lamp room flooded")
    # The table of contents lists both headings once more; it is not read.
    assert document.text.count("The Storm") == 1
    _assert_parts_located(document, {"lit in 1860": "section “The Rock”", "lamp room flooded": "section “The Storm”"})


def test_an_email_reads_its_headers_and_body_and_names_its_attachments(tmp_path: Path) -> None:
    plain = EmailMessage()
    plain["Subject"] = "Boiler service moved to Friday"
    plain["From"] = "Anna Varga <anna@example.org>"
    plain["To"] = "tenants@example.org"
    plain["Date"] = "Mon, 23 Nov 2026 09:15:00 +0100"
    plain["X-Mailer"] = "routing noise"
    plain.set_content("Hello all,\n\nThe boiler service is moved to Friday at 10:00.\n")
    plain.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="invoice.pdf")
    (tmp_path / "service.eml").write_bytes(plain.as_bytes())

    document = _read_one(tmp_path)
    assert document.title == "Boiler service moved to Friday"
    lines = document.text.splitlines()
    assert lines[:4] == [
        "Subject: Boiler service moved to Friday",
        "From: Anna Varga <anna@example.org>",
        "To: tenants@example.org",
        "Date: Mon, 23 Nov 2026 09:15:00 +0100",
    ]
    assert "Attachments: invoice.pdf" in lines and "moved to Friday at 10:00." in document.text
    assert "X-Mailer" not in document.text and "%PDF" not in document.text


def test_an_html_only_email_is_read_as_its_page(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "Newsletter"
    message.set_content("<html><body><p>The pool opens <b>on Monday</b>.</p><script>x()</script></body></html>", "html")
    (tmp_path / "news.eml").write_bytes(message.as_bytes())
    document = _read_one(tmp_path)
    assert "The pool opens on Monday." in document.text and "x()" not in document.text


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("deck.pptx", "PowerPoint"),
        ("book.xlsx", "Excel"),
        ("novel.epub", "EPUB"),
        ("plan.odt", "OpenDocument"),
        ("sums.ods", "OpenDocument"),
        ("talk.odp", "OpenDocument"),
    ],
)
def test_a_damaged_file_is_skipped_and_named_with_its_kind(tmp_path: Path, name: str, kind: str) -> None:
    (tmp_path / name).write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "fine.txt").write_text("Fine\n\nStill read.", encoding="utf-8")
    corpus = load_directory(tmp_path)
    assert [d.id for d in corpus.documents] == ["fine"]
    (skipped,) = corpus.skipped
    assert skipped.path == name and kind in skipped.reason


def test_words_typeset_across_a_line_break_are_whole_again() -> None:
    pages = rejoin_hyphenated(
        [
            "The man-\nagement of well-\nknown ferries is well-known. SE-\nQUENCE, Franco-\nPrussian,"
            " COVID-\n19 and soft\u00ad\nly.",
            "A page with no broken words.",
        ]
    )
    assert pages[0] == (
        "The management of well-known ferries is well-known. SEQUENCE, Franco-Prussian, COVID-\n19 and softly."
    )
    assert pages[1] == "A page with no broken words."


def test_a_pdf_with_hyphenated_lines_is_read_and_cited_whole(tmp_path: Path) -> None:
    (tmp_path / "timetable.pdf").write_bytes(make_pdf(["Ferry timetable\nThe crossing takes forty min-\nutes."]))
    document = _read_one(tmp_path)
    assert document.text == "Ferry timetable\nThe crossing takes forty minutes."
    start = document.text.index("forty minutes")
    assert Span.of(document, start, start + len("forty minutes")).location == "page 1"


def _encrypted(data: bytes, *, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_encrypted_only_against_editing_is_read_and_one_needing_a_password_is_refused(tmp_path: Path) -> None:
    plain = make_pdf(["Ferry timetable\nThe first ferry leaves at nine."])
    (tmp_path / "restricted.pdf").write_bytes(_encrypted(plain, user_password=""))
    (tmp_path / "locked.pdf").write_bytes(_encrypted(plain, user_password="secret"))
    corpus = load_directory(tmp_path)
    assert [d.id for d in corpus.documents] == ["restricted"]
    assert "The first ferry leaves at nine." in corpus.documents[0].text
    (locked,) = corpus.skipped
    assert locked.path == "locked.pdf" and "password-protected" in locked.reason


def test_page_numbers_running_heads_and_repeated_lines_are_not_the_text() -> None:
    pages = [
        "Harbour Annual Report\nThe ferry service grew.\n1",
        "Chapter 2: Ferries 2\nHarbour Annual Report\nCrossings rose by a tenth.\n2",
        "Chapter 2: Ferries 3\nHarbour Annual Report\nContents\nFares . . . . . . . . 7\nPage 3 of 4",
        "Harbour Annual Report\nTable 2: fares 2024\nThe end.\niv",
    ]
    assert drop_page_furniture(pages) == [
        # The repeated line is kept where it first stands: there it is the title.
        "Harbour Annual Report\nThe ferry service grew.",
        "Crossings rose by a tenth.",
        "Contents\nFares 7",
        # A number inside or ending a line that is not counting pages is text.
        "Table 2: fares 2024\nThe end.",
    ]
    assert drop_page_furniture(["One page\n1"]) == ["One page\n1"]


def test_a_rich_text_file_is_read_with_its_accents_and_tables(tmp_path: Path) -> None:
    (tmp_path / "minutes.rtf").write_bytes(
        rb"{\rtf1\ansi\ansicpg1252\uc1{\fonttbl{\f0\fswiss Helvetica;}}"
        b"\n"
        rb"\pard\f0\b Caf\'e9 committee minutes\b0\par"
        b"\n"
        rb"\pard Ren\'e9e Dubois\u8217?s motion passed \'96 unanimously.\par"
        b"\n"
        rb"\trowd\cellx2000\cellx4000\intbl Bed\cell Sown\cell\row"
        b"\n"
        rb"\trowd\cellx2000\cellx4000\intbl B\cell April\cell\row"
        b"\n"
        rb"\pard After the table.\par}"
    )
    (tmp_path / "fake.rtf").write_bytes(b"PK\x03\x04 a zip file named .rtf")
    corpus = load_directory(tmp_path)
    (document,) = corpus.documents
    assert document.title == "Café committee minutes"
    assert "Renée Dubois’s motion passed – unanimously." in document.text
    assert f"Bed{TABLE_CELL_SEPARATOR}Sown\nB{TABLE_CELL_SEPARATOR}April\nAfter the table." in document.text
    assert [(s.path, "not a Rich Text file" in s.reason) for s in corpus.skipped] == [("fake.rtf", True)]
