"""Reading a folder of documents into text whose offsets every citation refers to."""

from __future__ import annotations

import bisect
import codecs
import collections
import contextlib
import functools
import hashlib
import io
import logging
import mimetypes
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from tqdm.auto import tqdm

from citeqa import formats
from citeqa.extraction_cache import ExtractionCache
from citeqa.formats import UnreadableDocument

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (
    ".txt", ".text", ".md", ".markdown", ".rst", ".rest", ".html", ".htm", ".pdf", ".docx", ".odt", ".pptx", ".odp",
    ".xlsx", ".ods", ".csv", ".epub", ".eml", ".rtf",
)  # fmt: skip
# For messages and labels: the kinds of file, without the longer or shorter spelling of one beside it.
READABLE_SUFFIXES = ", ".join(s for s in SUPPORTED_SUFFIXES if s not in (".text", ".htm", ".markdown", ".rest"))
READABLE_TYPES = f"{READABLE_SUFFIXES}, and any other file that is plain text (README, notes.log)"


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Document:
    """A document's text exactly as loaded: every offset citeqa reports indexes ``text``."""

    id: str
    title: str
    text: str
    source: str = ""
    # Character offset where each part starts (a PDF's pages, a deck's slides, a workbook's sheets,
    # a book's chapters), and what each is called ("page 3", "slide 3"); empty for formats without parts.
    page_starts: tuple[int, ...] = ()
    page_labels: tuple[str, ...] = ()
    # The text encoding the file was read with; empty for formats that carry their own (PDF, Word).
    encoding: str = ""
    # True when ``text`` is the file itself (plain text), so that its line numbers are the file's and a
    # citation can say "line 12"; extracted or rendered text (Markdown, a web page) has lines of its own.
    numbered_lines: bool = False

    @property
    def encoding_guessed(self) -> bool:
        """True when the file declared no encoding and was not UTF-8, so its accents may be wrong."""
        return self.encoding == LEGACY_ENCODING

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def page_at(self, offset: int) -> int | None:
        """1-based number of the part (page, slide, sheet…) holding ``offset``; None without parts."""
        if not self.page_starts:
            return None
        return max(bisect.bisect_right(self.page_starts, offset), 1)

    @functools.cached_property
    def _line_starts(self) -> list[int]:
        """Where each line starts; a Windows line end is one break, an old Mac's bare carriage return too."""
        return [0, *(m.end() for m in _LINE_BREAK.finditer(self.text))]

    def location_at(self, offset: int) -> str | None:
        """What a citation calls the part holding ``offset``: "page 3", "slide 3", "sheet Prices"; in a
        plain-text file, the line ("line 12", as an editor counts them)."""
        page = self.page_at(offset)
        if page is None:
            return f"line {bisect.bisect_right(self._line_starts, offset)}" if self.numbered_lines else None
        return self.page_labels[page - 1] if len(self.page_labels) == len(self.page_starts) else f"page {page}"


def pages_without_text(document: Document) -> str:
    """For a PDF with scanned pages among its text, which ones cannot be searched; "" for any other.

    ("pages 2–4, 9 have no text (scanned?): OCR would make them searchable")
    """
    if Path(document.source).suffix.lower() != ".pdf" or not document.page_starts:
        return ""
    ends = [start - 2 for start in document.page_starts[1:]] + [len(document.text)]
    empty = [n for n, (start, end) in enumerate(zip(document.page_starts, ends, strict=True), 1) if end <= start]
    if not empty:
        return ""
    runs: list[list[int]] = []
    for number in empty:
        if runs and runs[-1][-1] == number - 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    named = ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)
    return (
        f"page{'s' if len(empty) > 1 else ''} {named} of {len(document.page_starts)}"
        f" {'have' if len(empty) > 1 else 'has'} no text (scanned?): OCR would make "
        f"{'them' if len(empty) > 1 else 'it'} searchable"
    )


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class LoadedCorpus:
    documents: list[Document] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


# Markdown's heading marks ("# Title", "## Title ##") are markup, not part of the title.
_HEADING_MARKS = re.compile(r"^#{1,6}\s+|\s+#+$")


def find_title(text: str) -> str:
    """The first non-empty line, without Markdown heading marks."""
    for line in text.splitlines():
        if line.strip():
            return _HEADING_MARKS.sub("", line.strip()) or line.strip()
    return ""


def document_from_text(
    doc_id: str,
    text: str,
    *,
    source: str = "",
    page_starts: Iterable[int] = (),
    page_labels: Iterable[str] = (),
    title: str = "",
    encoding: str = "",
    numbered_lines: bool = False,
) -> Document:
    """``title``: one the file declares (an HTML page's headline); else the first non-empty line."""
    return Document(
        id=doc_id,
        title=title.strip() or find_title(text) or doc_id,
        text=text,
        source=source,
        page_starts=tuple(page_starts),
        page_labels=tuple(page_labels),
        numbered_lines=numbered_lines,
        encoding=encoding,
    )


# Older or neighbouring formats that the program that wrote them saves as one citeqa reads.
_SAVE_AS = {
    ".doc": ".docx", ".pages": ".docx", ".ppt": ".pptx", ".key": ".pptx", ".xls": ".xlsx",
    ".numbers": ".xlsx", ".mobi": ".epub", ".azw3": ".epub",
}  # fmt: skip
# Formats in parts, each part's place kept for citations (PDFs too, read through the cache).
_PAGED_FORMATS: dict[str, Callable[[bytes], tuple[list[formats.Part], str]]] = {
    ".pptx": formats.pptx_slides,
    ".xlsx": formats.xlsx_sheets,
    ".odp": formats.odp_slides,
    ".ods": formats.ods_sheets,
    ".epub": formats.epub_chapters,
}
# Tables start with a header row or a sheet's name, not a title: the file's name is theirs.
_TABLE_FORMATS = frozenset({".csv", ".xlsx", ".ods"})
_BINARY_FORMATS: dict[str, Callable[[bytes], tuple[str, str]]] = {
    ".docx": formats.docx_text,
    ".odt": formats.odt_text,
    ".eml": formats.email_text,
    ".rtf": formats.rtf_text,
}


def _paged_document(doc_id: str, parts: Sequence[formats.Part], *, source: str, title: str) -> Document:
    starts, offset = [], 0
    for part in parts:
        starts.append(offset)
        offset += len(part.text) + 2
    text = "\n\n".join(part.text for part in parts)
    return document_from_text(
        doc_id, text, source=source, page_starts=starts, page_labels=[p.label for p in parts], title=title
    )


def read_document(
    path: Path, doc_id: str, *, max_bytes: int = 20_000_000, cache: ExtractionCache | None = None
) -> Document:
    """Read one file; raise :class:`UnreadableDocument` with a reason a person can act on.

    ``cache``: where a PDF's text is kept, so that the next start need not extract it again.
    """
    _refuse_by_name(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise UnreadableDocument(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    with _unknown_type_named(path):
        return document_from_bytes(path.read_bytes(), file_type(path), doc_id, source=str(path), cache=cache)


def file_type(path: PurePath) -> str:
    """The extension that says how to read a file, lower-cased: one citeqa knows (".pdf"), else "".

    Any other suffix is part of the name, and the file is read as plain text when its bytes are text:
    "README.Debian", "notes.log" and "setup.cfg" are, as are "README", "MPL-2.0" and "Minutes. Final draft".
    """
    suffix = path.suffix.lower()
    # A .zip is a folder to an upload, and names its documents' folder without its extension.
    return suffix if suffix in SUPPORTED_SUFFIXES or suffix in _SAVE_AS or suffix == ".zip" else ""


class NotText(UnreadableDocument):
    """Bytes read as text that are not text (a program, an archive, an image)."""


def _unknown_type(path: PurePath) -> str:
    """The extension of a name that has one citeqa does not read (".7z", ".png"); "" for any other name.

    "notes-v1.2" and "Minutes. Final draft" have none: a suffix without a letter, or with a space, is no type.
    """
    suffix = path.suffix.lower()
    named = any(ch.isalpha() for ch in suffix) and not any(ch.isspace() for ch in suffix)
    return suffix if named and not file_type(path) else ""


def _unsupported(suffix: str) -> UnreadableDocument:
    convert = f" (save it as {_SAVE_AS[suffix]} to have it read)" if suffix in _SAVE_AS else ""
    return UnreadableDocument(f"unsupported file type {suffix}{convert}; citeqa reads {READABLE_TYPES}")


# What the name alone says is no text: reading an image or a film only to find that out costs its bytes.
_MEDIA = ("image", "audio", "video", "font")


def _refuse_by_name(path: PurePath) -> None:
    """Refuse a file whose name says it cannot be read: an older format (with what to save it as), or media."""
    suffix = path.suffix.lower()
    if suffix in _SAVE_AS:
        raise _unsupported(suffix)
    if unknown := _unknown_type(path):
        guessed, compressed = mimetypes.guess_type(path.name, strict=False)
        if compressed or (guessed and guessed.split("/")[0] in _MEDIA):
            raise _unsupported(unknown)


@contextlib.contextmanager
def _unknown_type_named(path: PurePath) -> Iterator[None]:
    """A file with an extension citeqa does not know that turns out not to be text is refused for its type."""
    try:
        yield
    except NotText as error:
        if unknown := _unknown_type(path):
            raise _unsupported(unknown) from error
        raise


def without_type(path: PurePath) -> PurePath:
    """``path`` without the extension :func:`file_type` reads: "a/report.pdf" → "a/report", "MPL-2.0" as it is."""
    return path.with_suffix("") if file_type(path) else path


def document_from_bytes(
    data: bytes, suffix: str, doc_id: str, *, source: str = "", cache: ExtractionCache | None = None
) -> Document:
    """A file's bytes as a document, read as its ``suffix`` (".pdf"; "" for plain text) says; see
    :func:`read_document`."""
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        raise _unsupported(suffix)
    title = ""
    shown = source or doc_id  # what a warning names
    stem = Path(source).stem if source else doc_id.rsplit("/", 1)[-1]
    if suffix == ".pdf":
        texts = cache.pages(data, formats.pdf_pages) if cache is not None else formats.pdf_pages(data)
        if texts and not any(t.strip() for t in texts):
            raise UnreadableDocument(
                f"no text in its {len(texts)} page(s) (scanned images?); give it a text layer with OCR"
                " (e.g. `ocrmypdf in.pdf out.pdf`) to have it read"
            )
        parts = [formats.Part(f"page {number}", text) for number, text in enumerate(texts, 1)]
        document = _paged_document(doc_id, parts, source=source, title="")
        if unread := pages_without_text(document):
            logger.warning("%s: %s", shown, unread)
    elif suffix in _PAGED_FORMATS:
        parts, title = _PAGED_FORMATS[suffix](data)
        fallback = stem if suffix in _TABLE_FORMATS else ""
        document = _paged_document(doc_id, parts, source=source, title=title or fallback)
    elif suffix in _BINARY_FORMATS:
        text, title = _BINARY_FORMATS[suffix](data)
        document = document_from_text(doc_id, text, source=source, title=title)
    elif suffix in (".rst", ".rest"):
        read = cache.pages(data, _rst_text, "rst") if cache is not None else _rst_text(data)
        text, title, encoding = read
        document = document_from_text(doc_id, text, source=source, title=title, encoding=encoding)
    else:
        is_html = suffix in (".html", ".htm")
        text, encoding = _decode(data, is_html=is_html)
        if is_html:
            text, title = formats.html_text(text)
        elif suffix in (".md", ".markdown"):
            text, title = formats.markdown_text(text)
        elif suffix == ".csv":
            text, title = formats.csv_text(text), stem
        elif not suffix and _control_share(text) > _MAX_CONTROL_SHARE:
            # A name without a known extension promises nothing: a program or a database may hide behind it.
            raise NotText("binary file (control characters; not text)")
        plain = suffix in ("", ".txt", ".text")
        document = document_from_text(doc_id, text, source=source, title=title, encoding=encoding, numbered_lines=plain)
    if document.encoding_guessed:
        logger.warning(
            "%s is not UTF-8; read as %s (save it as UTF-8 if its accents look wrong)", shown, document.encoding
        )
    if not document.text.strip():
        raise UnreadableDocument("no text could be extracted")
    return document


def _rst_text(data: bytes) -> list[str]:
    """A reStructuredText file's text, title and encoding, as the extraction cache keeps them."""
    text, encoding = _decode(data)
    text, title = formats.rst_text(text)
    return [text, title, encoding]


# A zip's members are read in memory, never unpacked: these bound what one archive may hold.
MAX_ZIP_MEMBERS = 1000
# Folders that archivers add and that hold no documents (macOS resource forks).
_ARCHIVE_CLUTTER = frozenset({"__MACOSX"})


def read_zip(data: bytes, prefix: str, *, max_bytes: int, max_total_bytes: int) -> LoadedCorpus:
    """The documents inside a zip archive, as if it were a folder: each member's id is ``prefix/`` and
    its path without extension. Members citeqa cannot read are skipped and named.

    Nothing is written to disk, so a member named "../../x" can reach nothing; its id is "x". An
    archive whose members would unpack to more than ``max_total_bytes`` is read only up to that.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise UnreadableDocument(f"unreadable zip archive ({error})") from error
    if len(members) > MAX_ZIP_MEMBERS:
        raise UnreadableDocument(f"zip archive of {len(members):,} files, over the limit of {MAX_ZIP_MEMBERS:,}")
    paths: dict[Path, zipfile.ZipInfo] = {}
    for member in members:
        parts = [part for part in member.filename.replace("\\", "/").split("/") if part not in ("", ".", "..")]
        if not parts or any(part.startswith(".") or part in _ARCHIVE_CLUTTER for part in parts):
            continue  # hidden files and archivers' own folders are not documents
        paths[Path(*(_safe_name(part) for part in parts))] = member
    # Compressing a folder ("Send to > Compressed folder", Finder's "Compress") makes "notes.zip" that
    # holds "notes/": one folder, named as the archive, is not a level of its own.
    tops = {path.parts[0] for path in paths}
    if len(tops) == 1 and all(len(path.parts) > 1 for path in paths):
        (top,) = tops
        named = prefix.rsplit("/", 1)[-1]
        # A browser saves a second download of "Notes.zip" as "Notes (1).zip": its id ends " _1".
        if top.casefold() in {named.casefold(), re.sub(r" _\d+$", "", named).casefold()}:
            paths = {path.relative_to(top): member for path, member in paths.items()}
    corpus, total = LoadedCorpus(), 0
    for relative, doc_id in sorted(document_ids(list(paths)).items()):
        member = paths[relative]
        try:
            suffix = file_type(relative)
            _refuse_by_name(relative)
            if member.file_size > max_bytes:
                raise UnreadableDocument(f"file is {member.file_size:,} bytes, over the {max_bytes:,}-byte limit")
            # Only what is unpacked counts: a refused member does not use up the others' allowance.
            total += member.file_size
            if total > max_total_bytes:
                raise UnreadableDocument(f"the archive unpacks to over {max_total_bytes:,} bytes; not read past that")
            data, name = archive.read(member), member.filename
            with _unknown_type_named(relative):
                corpus.documents.append(document_from_bytes(data, suffix, f"{prefix}/{doc_id}", source=name))
        # An encrypted member raises RuntimeError; a damaged one BadZipFile or zlib's error.
        except (UnreadableDocument, zipfile.BadZipFile, RuntimeError, OSError, zlib.error) as error:
            corpus.skipped.append(SkippedFile(member.filename, str(error)))
    return corpus


def _safe_name(part: str) -> str:
    """A path component kept to letters, digits and ``-_. ``, so an id never carries markup or controls."""
    safe = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in part).strip(" _")
    return safe[:120] or "document"


def load_directory(
    folder: Path,
    *,
    max_bytes: int = 20_000_000,
    progress: bool = False,
    cache: ExtractionCache | None = None,
    exclude: Iterable[Path] = (),
) -> LoadedCorpus:
    """Load every supported file under ``folder``, recursively; unreadable files are skipped and named.

    ``progress``: a progress bar, shown once reading has taken more than a second (PDFs are slow).
    ``cache``: PDF texts from earlier reads; afterwards it keeps only those of the files read now.
    ``exclude``: folders inside ``folder`` that hold no documents (an index kept inside the corpus).
    """
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "not found"
        raise FileNotFoundError(f"corpus folder {what}: {folder}")
    corpus = LoadedCorpus()
    excluded = [e.resolve() for e in exclude]
    # Hidden files and folders (.git, editor swap files) are not documents.
    paths = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not any(s.startswith(".") for s in p.relative_to(folder).parts)
        and not any(p.resolve().is_relative_to(e) for e in excluded)
    )
    # A link to a file in the same folder (Debian's "GPL" → "GPL-3") is that file again, not a document.
    targets = {p.resolve() for p in paths if not p.is_symlink()}
    for link in [p for p in paths if p.is_symlink() and p.resolve() in targets]:
        logger.info(
            "%s is a link to %s; read once", link.relative_to(folder), link.resolve().relative_to(folder.resolve())
        )
        paths.remove(link)
    ids = document_ids([p.relative_to(folder) for p in paths])
    for path in tqdm(paths, desc="Reading documents", unit="file", disable=not progress, delay=1.0):
        relative = path.relative_to(folder)
        doc_id = ids[relative]
        try:
            corpus.documents.append(read_document(path, doc_id, max_bytes=max_bytes, cache=cache))
        except (UnreadableDocument, OSError) as error:
            corpus.skipped.append(SkippedFile(str(relative), str(error)))
            logger.warning("skipped %s: %s", relative, error)
    if cache is not None:
        cache.prune()
    return corpus


def document_ids(paths: Sequence[Path]) -> dict[Path, str]:
    """Each file's id: its path without the extension, or with it where two files would share one.

    "report.pdf" beside "report.md" are two documents, "report.pdf" and "report.md"; a lone
    "notes.txt" is "notes".
    """
    ids = {path: without_type(path).as_posix() for path in paths}
    while True:
        owners: dict[str, list[Path]] = collections.defaultdict(list)
        for path, doc_id in ids.items():
            owners[doc_id].append(path)
        clashes = [group for group in owners.values() if len(group) > 1]
        if not clashes:
            return ids
        for group in clashes:
            # Full paths are unique, so each round settles at least one clash for good.
            named = [p.as_posix() for p in group]
            logger.warning("%s share the id %r; each keeps its extension in its id", " and ".join(named), ids[group[0]])
            for path in group:
                ids[path] = path.as_posix()


# Plain text holds tabs and line ends; more than this share of other control characters is not text.
_MAX_CONTROL_SHARE = 0.01


def _control_share(text: str) -> float:
    sample = text[:65536]
    # Escape starts a terminal's colour codes, which logs keep; it is text's, not a program's.
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v\x1b")
    return controls / max(len(sample), 1)


# The name the fallback is reported under; a charset a page declares is reported by its codec name.
LEGACY_ENCODING = "Windows-1252"
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes, *, is_html: bool = False) -> tuple[str, str]:
    """The file's text and the encoding it was read with.

    UTF-8 first; a byte-order mark (Notepad's "Unicode" is UTF-16) or a web page's declared charset
    wins over that. Anything else is read as Windows-1252, the legacy encoding of Western text:
    the models read English, and guessing among all legacy encodings goes wrong on short files
    (detectors call a cp1252 "it’s" Central European). Bytes that are not text in Windows-1252
    either are no text at all.
    """
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise UnreadableDocument(f"not valid {encoding.upper()} text ({error.reason})") from error
    if b"\x00" in data[:8192]:
        raise NotText("binary file (contains NUL bytes)")
    if is_html:
        from bs4.dammit import EncodingDetector

        declared = EncodingDetector.find_declared_encoding(data, is_html=True)
        if declared:
            try:
                return data.decode(declared), codecs.lookup(declared).name
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration is common; fall back to what the bytes say
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252"), LEGACY_ENCODING
        except UnicodeDecodeError:
            raise NotText(
                f"not text: neither UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) nor Windows-1252"
            ) from utf8_error
