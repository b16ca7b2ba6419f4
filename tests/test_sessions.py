"""Each chat session's corpus: the shared one, read again on request, with the session's uploads over it."""

from __future__ import annotations

import shutil
from pathlib import Path

from citeqa import QA
from citeqa.documents import document_from_text
from citeqa.sessions import SessionCorpus, SharedCorpus, upload_id


def test_upload_names_never_become_paths() -> None:
    assert upload_id("../../x.txt") == "uploads/x"
    assert upload_id("/etc/passwd") == "uploads/passwd"
    assert upload_id("..\\..\\evil name!.md") == "uploads/evil name"
    assert upload_id("....") == "uploads/document"


def test_a_sessions_uploads_are_laid_over_the_corpus_read_again(corpus_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    shutil.copytree(corpus_dir, folder)
    shared = SharedCorpus(QA.from_directory(folder, index_dir=tmp_path / "index", progress=False), folder, None)
    assert shared.for_session(None) == (shared.current, None)
    upload = document_from_text("uploads/moonbase", "Moon base report\n\nArtemis Station was built by Helios Corp.")
    first = shared.current
    session = SessionCorpus(first, (upload,), first.with_documents([upload]))
    assert shared.for_session(session) == (session.qa, session)  # nothing reloaded: the same corpus
    (folder / "harbour.txt").write_text("Harbour notes\n\nThe Ardmore ferry leaves at nine.", "utf-8")
    status = shared.reload()
    assert status == f"Read {folder} again: 3 documents (new: harbour)."
    current, rebuilt = shared.for_session(session)
    assert rebuilt is not None and rebuilt.base is shared.current is not first
    assert {"harbour", "uploads/moonbase"} <= set(current.documents)
    assert shared.reload() == f"Read {folder} again: 3 documents (nothing changed)."
    for n in range(12):
        (folder / f"note{n:02}.txt").write_text(f"Note {n}\n\nThe tide was {n} metres.", "utf-8")
    assert shared.reload() == (
        f"Read {folder} again: 15 documents (new: {', '.join(f'note{n:02}' for n in range(10))} and 2 more)."
    )
    # Without a folder there is nothing to read again, and nothing is lost.
    assert "not started on a folder" in SharedCorpus(first).reload()
