from __future__ import annotations

import logging
import random
import zipfile
from pathlib import Path

import pytest

from citeqa.documents import (
    UnreadableDocument,
    document_from_text,
    document_ids,
    find_title,
    load_directory,
    pages_without_text,
    read_document,
    read_zip,
)
from citeqa.formats import html_text, pdf_pages
from citeqa.sessions import upload_id
from tests.pdf_fixture import make_pdf


def test_reads_every_supported_format_recursively(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "a.txt").write_text("Title A\n\nBody of\u00a0A with “quotes”.", encoding="utf-8")
    (tmp_path / "notes" / "b.md").write_text("# Heading B\n\nSome *markdown*.", encoding="utf-8")
    (tmp_path / "c.html").write_text(
        "<html><head><title>x</title><script>alert(1)</script></head>"
        "<body><h1>Page C</h1><p>Visible &amp; kept.</p><style>p{}</style></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "d.pdf").write_bytes(make_pdf(["First page words.", "Second page words."]))
    corpus = load_directory(tmp_path)
    by_id = {d.id: d for d in corpus.documents}
    assert set(by_id) == {"a", "notes/b", "c", "d"}
    assert by_id["a"].title == "Title A"
    assert "\u00a0" in by_id["a"].text and "“quotes”" in by_id["a"].text
    assert by_id["notes/b"].title == "Heading B"
    assert by_id["c"].title == "Page C"
    assert "alert" not in by_id["c"].text and "Visible & kept." in by_id["c"].text
    pdf = by_id["d"]
    second = pdf.text.index("Second page")
    assert pdf.page_at(0) == 1 and pdf.page_at(second) == 2
    assert corpus.skipped == []


def test_word_files_keep_paragraphs_and_tables_in_reading_order(tmp_path: Path) -> None:
    import docx

    word = docx.Document()
    word.add_paragraph("Quarterly launch review", style="Title")
    word.add_paragraph("The first launch slipped to\u00a0March.")
    table = word.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Vehicle", "Site"), ("Falcon 9", "Vandenberg")], strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    word.add_paragraph("   ")
    word.add_paragraph("After the table.")
    word.save(str(tmp_path / "review.docx"))
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with zipfile.ZipFile(tmp_path / "review.docx") as good, zipfile.ZipFile(tmp_path / "cut.docx", "w") as cut:
        for item in good.infolist():
            data = good.read(item.filename)
            cut.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)

    corpus = load_directory(tmp_path)
    (document,) = corpus.documents
    assert document.id == "review" and document.title == "Quarterly launch review"
    assert document.text == (
        "Quarterly launch review\n\nThe first launch slipped to\u00a0March.\n\n"
        "Vehicle | Site\n\nFalcon 9 | Vandenberg\n\nAfter the table."
    )
    assert [(s.path, "Word" in s.reason) for s in corpus.skipped] == [("broken.docx", True), ("cut.docx", True)]


def test_a_damaged_pdf_is_read_or_refused_never_raises_anything_else() -> None:
    pdf = make_pdf(["First page words here.", "Second page words."])
    rng = random.Random(0)
    for _ in range(400):
        damaged = bytearray(pdf)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if rng.random() < 0.3:
            damaged = damaged[: rng.randrange(len(damaged))]
        try:
            pages = pdf_pages(bytes(damaged))
        except UnreadableDocument:
            continue
        assert all(isinstance(page, str) for page in pages)


def test_repeated_title_line_is_one_title() -> None:
    assert find_title("\n\nSame Title\n\nSame Title\n\nBody.") == "Same Title"


def test_binary_undecodable_and_unknown_files_are_skipped_and_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "good.txt").write_text("Good\n\nText.", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03binary")
    # 0x81 and 0x8D are text in neither UTF-8 nor Windows-1252.
    (tmp_path / "undecodable.txt").write_bytes(b"Report\n\n\x81\x8d\x90 data")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "minutes.doc").write_bytes(b"\xd0\xcf\x11\xe0 an old Word file")
    with caplog.at_level(logging.WARNING):
        corpus = load_directory(tmp_path)
    assert [d.id for d in corpus.documents] == ["good"]
    skipped = {s.path: s.reason for s in corpus.skipped}
    assert set(skipped) == {"binary.txt", "undecodable.txt", "image.png", "broken.pdf", "minutes.doc"}
    assert "binary" in skipped["binary.txt"] and "Windows-1252" in skipped["undecodable.txt"]
    # An older format says what to save it as; one citeqa has no counterpart for just says what it reads.
    assert "save it as .docx" in skipped["minutes.doc"] and "save it as" not in skipped["image.png"]
    for name in skipped:
        assert name in caplog.text


def test_text_that_is_not_utf8_is_read_in_the_encoding_it_has(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "latin1.txt").write_bytes("Le café\n\nIl est fermé le lundi.".encode("latin-1"))
    (tmp_path / "cp1252.txt").write_bytes("Memo\n\nHe said “no” – it’s over.".encode("cp1252"))
    (tmp_path / "notepad.txt").write_bytes("Größe\n\nUTF-16 with its byte-order mark.".encode("utf-16"))
    (tmp_path / "page.html").write_bytes(
        '<html><head><meta charset="iso-8859-15"><title>Prix</title></head><body><p>Dix €.</p></body></html>'.encode(
            "iso-8859-15"
        )
    )
    with caplog.at_level(logging.WARNING):
        corpus = load_directory(tmp_path)
    texts = {d.id: d.text for d in corpus.documents}
    assert not corpus.skipped
    assert texts["latin1"] == "Le café\n\nIl est fermé le lundi."
    assert texts["cp1252"] == "Memo\n\nHe said “no” – it’s over."
    assert texts["notepad"] == "Größe\n\nUTF-16 with its byte-order mark."
    assert "Dix €." in texts["page"]
    encodings = {d.id: d.encoding for d in corpus.documents}
    assert encodings == {"latin1": "Windows-1252", "cp1252": "Windows-1252", "notepad": "utf-16", "page": "iso8859-15"}
    assert [d.id for d in corpus.documents if d.encoding_guessed] == ["cp1252", "latin1"]
    # Only the files whose encoding was assumed, not declared, are named.
    assert "latin1.txt" in caplog.text and "cp1252.txt" in caplog.text
    assert "notepad.txt" not in caplog.text and "page.html" not in caplog.text


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="corpus folder not found"):
        load_directory(tmp_path / "nope")


def test_files_over_the_size_limit_are_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "small.txt").write_text("Small\n\nFine.", encoding="utf-8")
    (tmp_path / "huge.txt").write_text("Huge\n\n" + "word " * 2000, encoding="utf-8")
    corpus = load_directory(tmp_path, max_bytes=1000)
    assert [d.id for d in corpus.documents] == ["small"]
    assert corpus.skipped[0].path == "huge.txt" and "limit" in corpus.skipped[0].reason


def test_reading_shows_progress_for_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import tqdm.auto

    import citeqa.documents

    def without_delay(*args, **kwargs):  # type: ignore[no-untyped-def]
        return tqdm.auto.tqdm(*args, **{**kwargs, "delay": 0})  # three small files take under a second

    monkeypatch.setattr(citeqa.documents, "tqdm", without_delay)
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.txt").write_text(f"Title {name}\n\nBody {name}.", encoding="utf-8")
    assert len(load_directory(tmp_path, progress=True).documents) == 3
    err = capsys.readouterr().err
    assert "Reading documents" in err and "3/3" in err
    load_directory(tmp_path)
    assert "Reading documents" not in capsys.readouterr().err


def test_files_that_differ_only_in_extension_keep_it_in_their_ids(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "notes.txt").write_text("Notes A\n\nThe red key opens the cellar.", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# Notes B\n\nThe blue key opens the attic.", encoding="utf-8")
    (tmp_path / "sub" / "notes.txt").write_text("Notes C\n\nNo clash one folder down.", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        corpus = load_directory(tmp_path)
    by_id = {d.id: d for d in corpus.documents}
    assert set(by_id) == {"notes.md", "notes.txt", "sub/notes"}
    assert by_id["notes.md"].title == "Notes B" and "cellar" in by_id["notes.txt"].text
    assert "notes.md and notes.txt share the id 'notes'" in caplog.text


def test_an_id_taken_by_a_clash_does_not_clash_again() -> None:
    # "a.md" (clashing with a.txt) keeps its extension, and so becomes the id of "a.md.txt" too.
    paths = [Path("a.md"), Path("a.txt"), Path("a.md.txt")]
    ids = document_ids(paths)
    assert len(set(ids.values())) == 3
    assert ids[Path("a.txt")] == "a.txt"


def test_titles_leave_markup_out() -> None:
    assert find_title("## Corran Point Lighthouse ##\n\nBody.") == "Corran Point Lighthouse"
    assert find_title("#hashtag line\n\nBody.") == "#hashtag line"


def test_html_inline_markup_stays_inside_its_sentence_and_a_table_row_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        "<html><body><h1>Habitats</h1>"
        "<p>The <b>chef</b> trained in <a href='/lyon'>Lyon</a>,\n    France.<br>A second line.</p>"
        "<pre>$ make chat\n$ make test</pre>"
        "<div>Block one</div><div>Block <span>two</span></div>"
        "<table><tr><th>Habitat</th><th>Mass</th></tr>"
        "<tr><td>Habitat <em>A</em></td><td>14<br>tonnes</td></tr><tr><td>Habitat B</td><td></td></tr></table>"
        "<ul><li>First item</li><li>Second <i>item</i></li></ul></body></html>",
        encoding="utf-8",
    )
    (page,) = load_directory(tmp_path).documents
    assert page.text.split("\n\n") == [
        "Habitats",
        "The chef trained in Lyon, France.",
        "A second line.",
        "$ make chat\n$ make test",  # a listing keeps its lines
        "Block one",
        "Block two",
        "Habitat | Mass",
        "Habitat A | 14 tonnes",
        "Habitat B | –",  # an empty cell keeps its place, so the row keeps its columns
        "First item",
        "Second item",
    ]


def test_html_the_page_hides_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        "<html><body><h1>Tides</h1><p>High tide is at noon.</p>"
        "<div hidden><p>Subscribe to our newsletter.</p></div>"
        "<div style='color: grey; display: none !important'>Cookie settings <div hidden>nested</div></div>"
        "<p style='visibility:hidden'>Loading…</p><span aria-hidden='true'>★</span>"
        "<p aria-hidden='false' style='display:block'>Low tide is at six.</p></body></html>",
        encoding="utf-8",
    )
    (page,) = load_directory(tmp_path).documents
    assert page.text.split("\n\n") == ["Tides", "High tide is at noon.", "Low tide is at six."]


def test_a_page_that_marks_its_main_content_is_read_from_there(tmp_path: Path) -> None:
    site = (
        "<div class='banner'>Harbour News — subscribe for 1 EUR</div>"
        "<main><h1>Ferry timetable changes</h1><p>From May the ferry leaves at 7:40.</p></main>"
        "<aside><h2>Most read</h2><p>Council approves new bridge.</p></aside>"
    )
    (tmp_path / "news.html").write_text(f"<html><head><title>x</title></head><body>{site}</body></html>", "utf-8")
    (tmp_path / "old.html").write_text(
        "<html><body><div>Site menu</div><div role='main'><p>The pier reopens in June.</p></div></body></html>",
        "utf-8",
    )
    # Two "main" regions (or none) mark nothing: the whole page is read.
    (tmp_path / "two.html").write_text(
        "<html><body><main><p>One.</p></main><main><p>Two.</p></main></body></html>", "utf-8"
    )
    pages = {d.id: d for d in load_directory(tmp_path).documents}
    assert pages["news"].title == "Ferry timetable changes"
    assert pages["news"].text.split("\n\n") == ["Ferry timetable changes", "From May the ferry leaves at 7:40."]
    assert pages["old"].text == "The pier reopens in June."
    assert pages["two"].text.split("\n\n") == ["One.", "Two."]


def test_an_html_title_is_its_headline_not_its_menu(tmp_path: Path) -> None:
    nav = "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
    controls = (
        "<ul role='menu'><li><button>Dark theme</button></li></ul><div role='search'>Search the site</div>"
        "<button>Close</button><select><option>English</option></select>"
    )
    (tmp_path / "h1.html").write_text(
        f"<html><head><title>Festival | Town site</title></head><body>{nav}{controls}<h1>The  Lantern\nFestival</h1>"
        "<p>Held each September.</p><footer>© Town council</footer></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "title.html").write_text(
        f"<html><head><title>Glassworks history</title></head><body>{nav}<p>Founded 1881.</p></body></html>",
        encoding="utf-8",
    )
    by_id = {d.id: d for d in load_directory(tmp_path).documents}
    assert by_id["h1"].title == "The Lantern Festival"
    assert by_id["title"].title == "Glassworks history"
    assert "Town site" not in by_id["h1"].text  # the head is not text
    assert by_id["h1"].text == "The Lantern Festival\n\nHeld each September."  # nor are menus and controls
    assert (
        "About" not in by_id["h1"].text
        and "council" not in by_id["h1"].text
        and "Held each September." in by_id["h1"].text
    )


def test_a_book_page_is_titled_by_its_own_headline_not_the_books(tmp_path: Path) -> None:
    # mdBook (the Rust book) puts the book's name in an <h1> above every page's main content.
    menu = "<div id='menu-bar'><h1 class='menu-title'>The Rust Programming Language</h1></div>"
    (tmp_path / "ch03-01.html").write_text(
        f"<html><head><title>Variables and Mutability - The Rust Book</title></head><body>{menu}"
        "<main><h2 id='v'>Variables and Mutability</h2><p>Variables are immutable.</p></main></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "ch00.html").write_text(
        f"<html><body>{menu}<main><h1>Introduction</h1><p>Welcome.</p></main></body></html>", encoding="utf-8"
    )
    by_id = {d.id: d for d in load_directory(tmp_path).documents}
    assert by_id["ch03-01"].title == "Variables and Mutability"
    assert by_id["ch00"].title == "Introduction"
    # Inside the main content, breadcrumbs and hidden headings are no headline either.
    (tmp_path / "crumbs.html").write_text(
        "<main><nav><h2>Breadcrumbs</h2></nav><h3 hidden>Skip</h3><h1>Real title</h1><p>Text.</p></main>", "utf-8"
    )
    assert read_document(tmp_path / "crumbs.html", "crumbs").title == "Real title"
    assert "Rust Programming Language" not in by_id["ch03-01"].text


def test_excluded_folders_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title A\n\nBody.", encoding="utf-8")
    (tmp_path / "embeddings").mkdir()
    (tmp_path / "embeddings" / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / "embeddings" / "readme.txt").write_text("Not a document.", encoding="utf-8")
    corpus = load_directory(tmp_path, exclude=[tmp_path / "embeddings"])
    assert [d.id for d in corpus.documents] == ["a"] and corpus.skipped == []


def test_a_file_given_as_the_corpus_is_named_as_such(tmp_path: Path) -> None:
    file = tmp_path / "a.txt"
    file.write_text("Title\n\nBody.", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="is a file, not a folder"):
        load_directory(file)
    with pytest.raises(FileNotFoundError, match="not found"):
        load_directory(tmp_path / "missing")


def test_html_previous_up_next_bars_and_permalink_marks_are_dropped_and_linked_prose_is_kept(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        "<html><body><div class='header'><p>Previous: <a href='a.html' rel='prev'>Closures</a>, "
        "Up: <a href='b.html' rel='up'>Using libffi</a> &nbsp; [<a href='i.html' rel='index'>Index</a>]</p></div>"
        "<h3>2.7 Thread Safety<a class='headerlink' href='#thread-safety'>¶</a></h3>"
        "<p>libffi is not completely thread-safe. See <a href='#rules'>#</a> <a href='#rules'>the rules</a>.</p>"
        "<p>The rules for closures are explained at length in the <a href='c.html' rel='next'>next chapter</a>, "
        "with examples.</p></body></html>",
        encoding="utf-8",
    )
    (page,) = load_directory(tmp_path).documents
    assert page.text.split("\n\n") == [
        "2.7 Thread Safety",
        "libffi is not completely thread-safe. See the rules.",
        "The rules for closures are explained at length in the next chapter, with examples.",
    ]


def test_markdown_is_read_as_the_text_it_renders_to(tmp_path: Path) -> None:
    (tmp_path / "guide.md").write_text(
        '---\nlayout: page\ntitle: "Field guide"\n---\n'
        "# Moths of the valley\n\n"
        "The **luna moth** flies in June; its wings are\npale green, as [the survey](https://example.org) found.\n\n"
        "| Moth | Month |\n|---|---|\n| Luna | June |\n\n"
        "```\n$ count --night\n$ report\n```\n\n- `lamp` traps\n- bait\n",
        encoding="utf-8",
    )
    (guide,) = load_directory(tmp_path).documents
    assert guide.title == "Field guide"  # the front matter's, over the first heading
    assert guide.text.split("\n\n") == [
        "Moths of the valley",
        "The luna moth flies in June; its wings are pale green, as the survey found.",
        "Moth | Month",
        "Luna | June",
        "$ count --night\n$ report",
        "lamp traps",
        "bait",
    ]
    (tmp_path / "guide.md").unlink()
    (tmp_path / "notes.markdown").write_text("Plain notes\n\n## Moths\n\nNo *front* matter here.", encoding="utf-8")
    (notes,) = load_directory(tmp_path).documents
    assert notes.title == "Plain notes" and notes.text == "Plain notes\n\nMoths\n\nNo front matter here."


def test_csv_is_read_as_a_table_whose_rows_line_up_with_the_header(tmp_path: Path) -> None:
    (tmp_path / "fares.csv").write_text(
        "Ticket,Adult fare,Child fare\nSingle,4.50 EUR,2.20 EUR\nReturn,8.00 EUR,\n"
        '"Day pass, weekend",12.00 EUR,6.00 EUR\n',
        encoding="utf-8",
    )
    (tmp_path / "stops.csv").write_text('Stop;Opens\nHarbour;"06:00\n(summer)"\n', encoding="utf-8")
    fares, stops = load_directory(tmp_path).documents
    assert fares.title == "fares"  # a CSV file's first line is its header, not a title
    assert fares.text.split("\n\n") == [
        "Ticket | Adult fare | Child fare",
        "Single | 4.50 EUR | 2.20 EUR",
        "Return | 8.00 EUR | –",  # the empty cell is kept, so the row keeps its columns
        "Day pass, weekend | 12.00 EUR | 6.00 EUR",
    ]
    assert stops.text == "Stop | Opens\n\nHarbour | 06:00 (summer)"  # semicolons sniffed; a cell's line break


def test_cells_spanning_columns_keep_every_row_in_line_with_its_header(tmp_path: Path) -> None:
    import docx

    word = docx.Document()
    table = word.add_table(rows=3, cols=3)
    for row, values in zip(table.rows, [("Stop", "Opens", "Closes"), ("Harbour", "06:00", "22:00")], strict=False):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    merged = table.cell(2, 1).merge(table.cell(2, 2))
    table.cell(2, 0).text, merged.text = "Museum", "closed in winter"
    answers = word.add_table(rows=1, cols=2)
    answers.cell(0, 0).text, answers.cell(0, 1).text = "Yes", "Yes"  # equal neighbours, not one merged cell
    word.save(str(tmp_path / "stops.docx"))
    (tmp_path / "stops.html").write_text(
        "<table><tr><th>Stop</th><th>Opens</th><th>Closes</th></tr>"
        "<tr><td>Museum</td><td colspan='2'>closed in winter</td></tr><tr><td></td><td></td><td></td></tr></table>",
        encoding="utf-8",
    )
    word_text, page_text = (d.text for d in load_directory(tmp_path).documents)
    assert word_text.split("\n\n")[-2:] == ["Museum | closed in winter | –", "Yes | Yes"]
    assert page_text.split("\n\n") == ["Stop | Opens | Closes", "Museum | closed in winter | –"]  # no empty row


def test_a_pdf_without_text_is_skipped_with_ocr_advice_and_scanned_pages_are_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "scan.pdf").write_bytes(make_pdf(["", ""]))
    (tmp_path / "mixed.pdf").write_bytes(make_pdf(["Typed first page.", "", "", "Typed fourth page.", ""]))
    (tmp_path / "notes.txt").write_text("Notes\n\nNothing scanned here.", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        corpus = load_directory(tmp_path)
    (scan,) = corpus.skipped
    assert scan.path == "scan.pdf" and "no text in its 2 page(s)" in scan.reason and "OCR" in scan.reason
    documents = {d.id: d for d in corpus.documents}
    assert pages_without_text(documents["mixed"]) == (
        "pages 2–3, 5 of 5 have no text (scanned?): OCR would make them searchable"
    )
    assert "mixed.pdf: pages 2–3, 5 of 5" in caplog.text
    assert pages_without_text(documents["notes"]) == ""
    # The pages that have text keep their numbers.
    assert documents["mixed"].location_at(documents["mixed"].text.index("Typed fourth")) == "page 4"


def _zip(members: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_is_read_as_the_folder_it_holds_in_memory() -> None:
    data = _zip(
        {
            "minutes/2024.txt": b"Minutes 2024\n\nThe ferry budget was approved.",
            "minutes/2025.md": b"# Minutes 2025\n\nThe pier was repaired.",
            "../../outside.txt": b"Outside\n\nA name that climbs out of the folder.",
            "report.pdf": make_pdf(["Annual report\nRevenue rose."]),
            "__MACOSX/minutes/._2024.txt": b"\x00\x05resource fork",
            ".DS_Store": b"\x00\x00\x00\x01Bud1",
            "photo.png": b"\x89PNG\r\n",
            "big.txt": b"Big\n\n" + b"word " * 400,
        }
    )
    corpus = read_zip(data, "uploads/archive", max_bytes=1000, max_total_bytes=100_000)
    documents = {d.id: d for d in corpus.documents}
    assert sorted(documents) == [
        "uploads/archive/minutes/2024",
        "uploads/archive/minutes/2025",
        "uploads/archive/outside",
        "uploads/archive/report",
    ]
    assert documents["uploads/archive/minutes/2025"].title == "Minutes 2025"
    assert documents["uploads/archive/report"].location_at(0) == "page 1"
    skipped = {s.path: s.reason for s in corpus.skipped}
    assert set(skipped) == {"photo.png", "big.txt"} and "over the 1,000-byte limit" in skipped["big.txt"]


def test_a_zipped_folder_named_as_its_archive_is_not_a_level_of_its_own() -> None:
    def ids(members: dict[str, bytes], prefix: str) -> list[str]:
        corpus = read_zip(_zip(members), prefix, max_bytes=1000, max_total_bytes=10_000)
        return sorted(d.id for d in corpus.documents)

    zipped_folder = {"Notes/a.txt": b"A\n\nFirst.", "Notes/sub/b.txt": b"B\n\nSecond.", "__MACOSX/Notes/._a": b"\x00"}
    assert ids(zipped_folder, "uploads/notes") == ["uploads/notes/a", "uploads/notes/sub/b"]
    assert ids(zipped_folder, upload_id("Notes (1).zip")) == ["uploads/Notes _1/a", "uploads/Notes _1/sub/b"]
    # A folder named otherwise says something about what it holds; beside a file, it is a level.
    assert ids({"reports/a.txt": b"A\n\nFirst."}, "uploads/q3") == ["uploads/q3/reports/a"]
    beside = {"notes/a.txt": b"A\n\nFirst.", "b.txt": b"B\n\nSecond."}
    assert ids(beside, "uploads/notes") == ["uploads/notes/b", "uploads/notes/notes/a"]


def test_a_damaged_or_overfull_zip_is_refused_or_read_only_so_far() -> None:
    with pytest.raises(UnreadableDocument, match="unreadable zip archive"):
        read_zip(b"PK\x03\x04 not really a zip", "uploads/x", max_bytes=1000, max_total_bytes=10_000)
    members = {f"note{i}.txt": f"Note {i}\n\nText {i}.".encode() for i in range(5)}
    members["a-big.txt"] = b"Big\n\n" + b"word " * 400  # refused for its size, it uses up nothing
    corpus = read_zip(_zip(members), "uploads/notes", max_bytes=1000, max_total_bytes=40)
    assert [d.id for d in corpus.documents] == ["uploads/notes/note0", "uploads/notes/note1"]
    assert [s.path for s in corpus.skipped] == ["a-big.txt", "note2.txt", "note3.txt", "note4.txt"]
    assert all("unpacks to over 40 bytes" in s.reason for s in corpus.skipped[1:])


def test_plain_text_without_a_known_extension_is_read_and_a_version_number_is_not_an_extension(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "README").write_text("Harbour tools\n\nRun harbour-sync nightly.", encoding="utf-8")
    # Debian's README.Debian, a log, a config file: an extension citeqa does not know is part of the name.
    (tmp_path / "README.Debian").write_text("Harbour tools for Debian\n\nThe timer runs sync.", encoding="utf-8")
    (tmp_path / "sync.log").write_text("Sync log\n\n02:30 east quay done\n", encoding="utf-8")
    (tmp_path / "MPL-2.0").write_text("Mozilla Public License Version 2.0\n\nCovered Software.", encoding="utf-8")
    (tmp_path / "notes-v1.2").write_text("Notes\n\nThe quay opens at six.", encoding="utf-8")
    # A program or database behind a bare name: control characters, no NUL in its first bytes.
    (tmp_path / "tool").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(range(1, 32)) * 40)
    (tmp_path / "archive.7z").write_bytes(b"7z\xbc\xaf\x27\x1c")
    # A full stop in a name is no type; a log's colour codes are text's, not a program's.
    (tmp_path / "Minutes. Final draft").write_text("Minutes\n\nThe budget was approved.", encoding="utf-8")
    (tmp_path / "build-log").write_text("Build\n\n" + "\x1b[32mok\x1b[0m step passed\n" * 20, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        corpus = load_directory(tmp_path)
    by_id = {d.id: d for d in corpus.documents}
    # No warning that "MPL-2.0" and "MPL-2" clash.
    assert set(by_id) == {
        "README", "README.Debian", "sync.log", "MPL-2.0", "notes-v1.2", "Minutes. Final draft", "build-log"
    }  # fmt: skip
    assert by_id["README.Debian"].title == "Harbour tools for Debian"
    assert by_id["sync.log"].location_at(by_id["sync.log"].text.index("02:30")) == "line 3"
    assert by_id["MPL-2.0"].title == "Mozilla Public License Version 2.0"
    assert by_id["README"].text == "Harbour tools\n\nRun harbour-sync nightly."
    skipped = {s.path: s.reason for s in corpus.skipped}
    assert set(skipped) == {"tool", "archive.7z"}
    assert "binary" in skipped["tool"]
    # Not text, with an extension citeqa does not know: the type is named, with what citeqa reads.
    assert "unsupported file type .7z" in skipped["archive.7z"] and "plain text" in skipped["archive.7z"]
    assert "share the id" not in caplog.text


def test_a_link_to_a_file_in_the_same_folder_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "GPL-3").write_text("GNU GENERAL PUBLIC LICENSE\n\nVersion 3.", encoding="utf-8")
    (tmp_path / "GPL").symlink_to("GPL-3")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("Linked in\n\nFrom elsewhere.", encoding="utf-8")
    (tmp_path / "linked.txt").symlink_to(outside)
    corpus = load_directory(tmp_path)
    # A link to a file outside the folder is how that file was put in the corpus: it is read.
    assert sorted(d.id for d in corpus.documents) == ["GPL-3", "linked"]
    assert not corpus.skipped


def test_restructuredtext_is_read_as_the_text_it_renders_to(tmp_path: Path) -> None:
    (tmp_path / "install.rst").write_text(
        "Installing Harbour\n==================\n\n.. toctree::\n   :maxdepth: 2\n\n   usage\n\n"
        "Harbour needs :ref:`Python 3.11 <python-setup>` and :program:`pip`; see :py:func:`~harbour.io.open`.\n\n"
        ".. include:: /etc/passwd\n\n.. raw:: html\n\n   <script>alert(1)</script>\n\n"
        ".. note:: The east quay closes at **6 pm**.\n\nSettings\n--------\n\nSet ``HARBOUR_HOME``.\n\n"
        ".. unknown-directive:: whatever\n\n:badrole:`unclosed\n",
        encoding="utf-8",
    )
    (tmp_path / "topic.rst").write_text(
        ":title: AWS CLI S3 Configuration\n:category: S3\n\nThe ``aws s3`` commands have settings.\n", encoding="utf-8"
    )
    corpus = load_directory(tmp_path)
    by_id = {d.id: d for d in corpus.documents}
    install = by_id["install"]
    assert install.title == "Installing Harbour"
    # Sphinx's roles read as Sphinx shows them; markup, included files and raw HTML are not text.
    assert "Harbour needs Python 3.11 and pip; see open." in install.text
    assert "The east quay closes at 6 pm." in install.text and "Set HARBOUR_HOME." in install.text
    assert "root:" not in install.text and "alert" not in install.text and "toctree" not in install.text
    assert "**" not in install.text and "``" not in install.text
    assert by_id["topic"].title == "AWS CLI S3 Configuration"


def test_sphinx_directives_keep_their_text(tmp_path: Path) -> None:
    # docutils alone drops a directive it does not know with all it holds: Python's documentation
    # would lose every function's description.
    (tmp_path / "functions.rst").write_text(
        "Built-in functions\n==================\n\n"
        ".. function:: open(file, mode='r')\n   :noindex:\n\n"
        "   Open *file* and return a :term:`file object`.\n\n"
        "   .. versionchanged:: 3.3\n      The *opener* parameter was added.\n\n"
        ".. class:: PurePosixPath(*pathsegments)\n\n   A subclass of :class:`PurePath`.\n\n"
        ".. only:: html\n\n   Shown in HTML builds.\n\n"
        ".. toctree::\n\n   intro\n   usage\n\nAfter.\n",
        encoding="utf-8",
    )
    (document,) = load_directory(tmp_path).documents
    assert document.text.split("\n\n") == [
        "Built-in functions",
        "open(file, mode='r')",
        "Open file and return a file object.",
        "Changed in version 3.3",  # the words Sphinx shows before the version
        "The opener parameter was added.",
        "PurePosixPath(*pathsegments)",  # docutils' own "class" directive would have dropped the signature
        "A subclass of PurePath.",
        "Shown in HTML builds.",  # "only:: html" is a condition, not words; a table of contents is none
        "After.",
    ]


def test_a_code_listing_keeps_its_lines_and_indentation(tmp_path: Path) -> None:
    (tmp_path / "guide.html").write_text(
        "<h1>Guide</h1><p>Define it:</p><pre><code>\n    def harbour(x):\n        if x:\n            return 1\n"
        "        return 2\n</code></pre><table><tr><td>Run</td><td><pre>make\n  chat</pre></td></tr></table>",
        encoding="utf-8",
    )
    (tmp_path / "notes.md").write_text("# Notes\n\n```\nfor x in y:\n    print(x)\n```\n", encoding="utf-8")
    by_id = {d.id: d for d in load_directory(tmp_path).documents}
    assert by_id["guide"].text.split("\n\n") == [
        "Guide",
        "Define it:",
        "def harbour(x):\n    if x:\n        return 1\n    return 2",  # common indentation removed, nesting kept
        "Run | make chat",  # inside a table's cell a listing is one line, so the row is too
    ]
    assert "for x in y:\n    print(x)" in by_id["notes"].text
    # An icon font's private-use glyph in the page is not taken for a listing's place.
    assert html_text("<p>Icon \ue0000\ue000 here</p><pre>code</pre>")[0] == "Icon 0 here\n\ncode"


def test_a_plain_text_citation_says_its_line_and_a_rendered_one_does_not(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_bytes(b"Notes\r\n\r\nThe east quay sync runs at 02:30.\r\n")
    (tmp_path / "README").write_text("Harbourmaster\n\nWritten by Morag Lindsay.\n", encoding="utf-8")
    (tmp_path / "guide.md").write_text("# Guide\n\nThe west quay\nsync runs at 03:00.\n", encoding="utf-8")
    documents = {d.id: d for d in load_directory(tmp_path, progress=False).documents}
    notes, readme, guide = documents["notes"], documents["README"], documents["guide"]
    # A Windows line end is one line, as an editor counts it.
    assert notes.location_at(notes.text.index("02:30")) == "line 3"
    assert readme.location_at(readme.text.index("Morag")) == "line 3"
    assert readme.location_at(0) == "line 1"
    old_mac = document_from_text("old", "Title\rFirst\rSecond", numbered_lines=True)
    assert old_mac.location_at(old_mac.text.index("Second")) == "line 3"
    # Markdown is read as the page it renders to, whose lines are not the file's.
    assert guide.location_at(guide.text.index("03:00")) is None
