"""What each chat session asks: the corpus all sessions share, which can be read again from its
folder while the chat runs, with the files the session uploaded laid over it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path, PurePath

from citeqa.documents import Document, LoadedCorpus, UnreadableDocument, read_document, read_zip, without_type
from citeqa.pipeline import QA, EmptyCorpusError


@dataclass(frozen=True)
class SessionCorpus:
    """A chat session's own corpus: the shared one it was built on, and the files the session added."""

    base: QA
    uploads: tuple[Document, ...]
    qa: QA


class SharedCorpus:
    """The corpus every chat session starts from.

    Reloading reads its folder again and swaps it whole; a question already being answered finishes
    on the corpus it started with, and a session's uploads are laid over the new corpus when it next
    asks.
    """

    def __init__(self, qa: QA, folder: Path | None = None, index_dir: Path | None = None) -> None:
        self.current = qa
        self.folder = folder
        self.index_dir = index_dir
        self._lock = threading.Lock()

    def for_session(self, session: SessionCorpus | None) -> tuple[QA, SessionCorpus | None]:
        """The corpus a session asks (its uploads over the current shared corpus) and its state."""
        base = self.current
        if session is None:
            return base, None
        if session.base is base:
            return session.qa, session
        rebuilt = SessionCorpus(base, session.uploads, base.with_documents(session.uploads))
        return rebuilt.qa, rebuilt

    def reload(self) -> str:
        """Read the folder again (only new or changed files are embedded) and say what changed."""
        if self.folder is None:
            return "This chat was not started on a folder, so there is nothing to read again."
        with self._lock:  # two reloads at once would both embed the same new files
            before = self.current
            try:
                self.current = before.reloaded(self.folder, index_dir=self.index_dir)
            except (EmptyCorpusError, OSError, ValueError) as error:
                return f"Could not read {self.folder} again ({error}); the documents loaded before stay."
        return describe_reload(before, self.current, self.folder)


def describe_reload(before: QA, after: QA, folder: Path) -> str:
    """What reading the folder again changed: documents added, changed and removed, files skipped."""
    old = {doc_id: d.content_hash for doc_id, d in before.documents.items()}
    new = {doc_id: d.content_hash for doc_id, d in after.documents.items()}
    changes = {
        "new": [i for i in new if i not in old],
        "changed": [i for i in new if i in old and old[i] != new[i]],
        "removed": [i for i in old if i not in new],
    }
    said = "; ".join(f"{what}: {_some(ids)}" for what, ids in changes.items() if ids) or "nothing changed"
    skipped = "".join(f" Skipped {s.path}: {s.reason}." for s in after.skipped[:_NAMED])
    if len(after.skipped) > _NAMED:
        skipped += f" And {len(after.skipped) - _NAMED} more files skipped."
    return f"Read {folder} again: {len(new)} documents ({said}).{skipped}"


# A folder read again after a big change (a new citeqa re-reading every PDF) names a few, then counts.
_NAMED = 10


def _some(ids: list[str]) -> str:
    named = ", ".join(ids[:_NAMED])
    return f"{named} and {len(ids) - _NAMED} more" if len(ids) > _NAMED else named


def upload_id(filename: str) -> str:
    """A document id for an uploaded file: its bare name, never a path (``../../x.txt`` → ``uploads/x``)."""
    name = PurePath(filename.replace("\\", "/")).name
    stem = without_type(PurePath(name)).name
    safe = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in stem).strip(" _.") or "document"
    return f"uploads/{safe[:80]}"


# A zip may hold this many times what one uploaded file may weigh.
ZIP_UPLOAD_FACTOR = 10


def read_uploads(paths: list[str], max_bytes: int) -> tuple[list[Document], list[str]]:
    """Uploaded files as documents, read in place (nothing is written); problems name their file.

    A .zip is read as the folder it holds: its documents' ids are ``uploads/<zip name>/<path>``.
    """
    documents, problems = [], []
    for path in paths:
        name = Path(path).name
        try:
            if name.lower().endswith(".zip"):
                archive = read_zip_upload(Path(path), max_bytes)
                documents += archive.documents
                problems += [f"{name}/{s.path}: {s.reason}" for s in archive.skipped]
            else:
                documents.append(read_document(Path(path), upload_id(name), max_bytes=max_bytes))
        except (UnreadableDocument, OSError) as error:
            problems.append(f"{name}: {error}")
    return documents, problems


def read_zip_upload(path: Path, max_bytes: int) -> LoadedCorpus:
    limit = ZIP_UPLOAD_FACTOR * max_bytes
    size = path.stat().st_size
    if size > limit:
        raise UnreadableDocument(f"zip archive is {size:,} bytes, over the {limit:,}-byte limit")
    return read_zip(path.read_bytes(), upload_id(path.name), max_bytes=max_bytes, max_total_bytes=limit)
