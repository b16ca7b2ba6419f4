from __future__ import annotations

import logging
from pathlib import Path

import pytest

from citeqa.documents import find_title, load_directory
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
    assert by_id["notes/b"].title == "# Heading B"
    assert by_id["c"].title == "Page C"
    assert "alert" not in by_id["c"].text and "Visible & kept." in by_id["c"].text
    pdf = by_id["d"]
    second = pdf.text.index("Second page")
    assert pdf.page_at(0) == 1 and pdf.page_at(second) == 2
    assert corpus.skipped == []


def test_repeated_title_line_is_one_title() -> None:
    assert find_title("\n\nSame Title\n\nSame Title\n\nBody.") == "Same Title"


def test_binary_undecodable_and_unknown_files_are_skipped_and_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "good.txt").write_text("Good\n\nText.", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03binary")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    with caplog.at_level(logging.WARNING):
        corpus = load_directory(tmp_path)
    assert [d.id for d in corpus.documents] == ["good"]
    skipped = {s.path: s.reason for s in corpus.skipped}
    assert set(skipped) == {"binary.txt", "latin1.txt", "image.png", "broken.pdf"}
    assert "binary" in skipped["binary.txt"] and "UTF-8" in skipped["latin1.txt"]
    for name in skipped:
        assert name in caplog.text


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
