"""Texts kept beside the index: a restart reads each unchanged PDF or reStructuredText file from the
cache, not from pypdf or docutils."""

from __future__ import annotations

from pathlib import Path

import pytest

import citeqa.formats
from citeqa.documents import load_directory
from citeqa.extraction_cache import ExtractionCache
from tests.pdf_fixture import make_pdf


@pytest.fixture
def extractions(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every PDF that pypdf is asked to extract."""
    seen: list[bytes] = []
    real = citeqa.formats.pdf_pages

    def counting(data: bytes) -> list[str]:
        seen.append(data)
        return real(data)

    monkeypatch.setattr(citeqa.formats, "pdf_pages", counting)
    return seen


def test_a_restart_takes_unchanged_pdfs_from_the_cache(tmp_path: Path, extractions: list[bytes]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.pdf").write_bytes(make_pdf(["Alpha page one.", "Alpha page two."]))
    (corpus / "b.txt").write_text("Bee\n\nPlain text is not cached.", encoding="utf-8")
    first = load_directory(corpus, cache=ExtractionCache(tmp_path / "cache"))
    second = load_directory(corpus, cache=ExtractionCache(tmp_path / "cache"))
    assert len(extractions) == 1
    assert first.documents == second.documents
    (pdf,) = [d for d in second.documents if d.id == "a"]
    assert pdf.page_at(pdf.text.index("Alpha page two")) == 2
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1


def test_a_changed_pdf_is_read_again_and_its_old_text_forgotten(tmp_path: Path, extractions: list[bytes]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.pdf").write_bytes(make_pdf(["Before the edit."]))
    load_directory(corpus, cache=ExtractionCache(tmp_path / "cache"))
    (corpus / "a.pdf").write_bytes(make_pdf(["After the edit."]))
    loaded = load_directory(corpus, cache=ExtractionCache(tmp_path / "cache"))
    assert len(extractions) == 2 and "After the edit." in loaded.documents[0].text
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1  # the old file's entry is pruned
    (corpus / "a.pdf").unlink()
    (corpus / "note.txt").write_text("Note\n\nStill a corpus.", encoding="utf-8")
    load_directory(corpus, cache=ExtractionCache(tmp_path / "cache"))
    assert not list((tmp_path / "cache").glob("*.json"))


def test_a_damaged_entry_is_extracted_again(tmp_path: Path, extractions: list[bytes]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.pdf").write_bytes(make_pdf(["Some words."]))
    load_directory(corpus, cache=ExtractionCache(tmp_path / "cache"))
    (entry,) = (tmp_path / "cache").glob("*.json")
    entry.write_text('["trunc', encoding="utf-8")
    loaded = load_directory(corpus, cache=ExtractionCache(tmp_path / "cache"))
    assert len(extractions) == 2 and "Some words." in loaded.documents[0].text
    assert "Some words." in entry.read_text(encoding="utf-8")


def test_a_cache_that_cannot_be_written_costs_nothing_but_time(tmp_path: Path, extractions: list[bytes]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.pdf").write_bytes(make_pdf(["Some words."]))
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go", encoding="utf-8")
    for _ in range(2):
        loaded = load_directory(corpus, cache=ExtractionCache(blocked))
        assert "Some words." in loaded.documents[0].text and not loaded.skipped
    assert len(extractions) == 2


def test_qa_keeps_pdf_texts_beside_its_index(tmp_path: Path, extractions: list[bytes]) -> None:
    from citeqa import QA
    from citeqa.pipeline import PDF_TEXT_DIR

    corpus = tmp_path / "docs_corpus"
    corpus.mkdir()
    (corpus / "report.pdf").write_bytes(make_pdf(["The launch was moved to March.", "Budget notes."]))
    QA.from_directory(corpus, progress=False)
    again = QA.from_directory(corpus, progress=False)
    assert len(extractions) == 1 and again.build.documents_embedded == 0
    assert len(list((tmp_path / "embeddings" / "docs_corpus" / PDF_TEXT_DIR).glob("*.json"))) == 1
    assert again.ask("When was the launch moved to?").citations[0].page == 1


def test_text_that_utf8_cannot_hold_is_returned_and_nothing_half_written_stays(tmp_path: Path) -> None:
    cache = ExtractionCache(tmp_path / "cache")
    assert cache.pages(b"%PDF-odd", lambda data: ["lone \udc80 surrogate"]) == ["lone \udc80 surrogate"]
    assert not list((tmp_path / "cache").iterdir())


def test_pypdf_lone_surrogates_become_replacement_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdf

    monkeypatch.setattr(pypdf.PageObject, "extract_text", lambda self, *a, **k: "Broken font \udc80 map")
    (tmp_path / "a.pdf").write_bytes(make_pdf(["ignored"]))
    (document,) = load_directory(tmp_path, cache=ExtractionCache(tmp_path / "cache")).documents
    assert document.text == "Broken font \ufffd map" and document.content_hash


def test_prune_drops_half_written_entries_of_killed_loads_but_not_fresh_ones(tmp_path: Path) -> None:
    import os
    import time

    folder = tmp_path / "cache"
    folder.mkdir()
    old, fresh = folder / ".aaa.1234.tmp", folder / ".bbb.5678.tmp"
    old.write_text("[", encoding="utf-8")
    fresh.write_text("[", encoding="utf-8")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    ExtractionCache(folder).prune()
    assert not old.exists() and fresh.exists()


def test_restructuredtext_is_kept_too_with_its_title_and_encoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rendered: list[str] = []
    real = citeqa.formats.rst_text

    def counting(source: str) -> tuple[str, str]:
        rendered.append(source)
        return real(source)

    monkeypatch.setattr(citeqa.formats, "rst_text", counting)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "guide.rst").write_bytes(
        "Caf\xe9 guide\n===========\n\n.. function:: brew(x)\n\n   Brews *x*.\n".encode("cp1252")
    )
    first = load_directory(corpus, cache=ExtractionCache(tmp_path / "cache"))
    with caplog.at_level("WARNING"):
        second = load_directory(corpus, cache=ExtractionCache(tmp_path / "cache"))
    assert len(rendered) == 1 and first.documents == second.documents
    (guide,) = second.documents
    assert guide.title == "Café guide" and "Brews x." in guide.text
    # Read from the cache, a file in a guessed encoding still says so.
    assert guide.encoding_guessed and "guide.rst is not UTF-8" in caplog.text
