"""Reading a folder of documents into text whose offsets every citation refers to."""

from __future__ import annotations

import bisect
import codecs
import collections
import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from citeqa.extraction_cache import ExtractionCache

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".csv")
# For messages and labels: the kinds of file, without the longer or shorter spelling of one beside it.
READABLE_TYPES = ", ".join(s for s in SUPPORTED_SUFFIXES if s not in (".htm", ".markdown"))
# A table row is one line of text, its cells joined by this (Word, web pages, Markdown alike).
TABLE_CELL_SEPARATOR = " | "
# What an empty or merged-away cell reads as, so that every row keeps its columns (an empty string
# would vanish when a line's ends are trimmed).
EMPTY_CELL = "–"


@dataclass(frozen=True)
class Document:
    """A document's text exactly as loaded: every offset citeqa reports indexes ``text``."""

    id: str
    title: str
    text: str
    source: str = ""
    # Character offset where each PDF page starts; empty for formats without pages.
    page_starts: tuple[int, ...] = ()
    # The text encoding the file was read with; empty for formats that carry their own (PDF, Word).
    encoding: str = ""

    @property
    def encoding_guessed(self) -> bool:
        """True when the file declared no encoding and was not UTF-8, so its accents may be wrong."""
        return self.encoding == LEGACY_ENCODING

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def page_at(self, offset: int) -> int | None:
        """1-based page number holding ``offset``, or None when the document has no pages."""
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset)


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class LoadedCorpus:
    documents: list[Document] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


class UnreadableDocument(ValueError):
    """A file that cannot be turned into text; the message says why."""


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
    title: str = "",
    encoding: str = "",
) -> Document:
    """``title``: one the file declares (an HTML page's headline); else the first non-empty line."""
    return Document(
        id=doc_id,
        title=title.strip() or find_title(text) or doc_id,
        text=text,
        source=source,
        page_starts=tuple(page_starts),
        encoding=encoding,
    )


def read_document(
    path: Path, doc_id: str, *, max_bytes: int = 20_000_000, cache: ExtractionCache | None = None
) -> Document:
    """Read one file; raise :class:`UnreadableDocument` with a reason a person can act on.

    ``cache``: where a PDF's text is kept, so that the next start need not extract it again.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableDocument(
            f"unsupported file type {suffix or '(none)'}; citeqa reads {', '.join(SUPPORTED_SUFFIXES)}"
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise UnreadableDocument(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    data = path.read_bytes()
    if suffix == ".pdf":
        texts = cache.pages(data, _pdf_pages) if cache is not None else _pdf_pages(data)
        page_starts, offset = [], 0
        for page_text in texts:
            page_starts.append(offset)
            offset += len(page_text) + 2
        text = "\n\n".join(texts)
        document = document_from_text(doc_id, text, source=str(path), page_starts=page_starts)
    elif suffix == ".docx":
        text, title = _docx_text(data)
        document = document_from_text(doc_id, text, source=str(path), title=title)
    else:
        is_html = suffix in (".html", ".htm")
        text, encoding = _decode(data, is_html=is_html)
        title = ""
        if is_html:
            text, title = _html_text(text)
        elif suffix in (".md", ".markdown"):
            text, title = _markdown_text(text)
        elif suffix == ".csv":
            text, title = _csv_text(text), path.stem
        document = document_from_text(doc_id, text, source=str(path), title=title, encoding=encoding)
        if document.encoding_guessed:
            logger.warning("%s is not UTF-8; read as %s (save it as UTF-8 if its accents look wrong)", path, encoding)
    if not document.text.strip():
        raise UnreadableDocument("no text could be extracted")
    return document


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
    ids = {path: path.with_suffix("").as_posix() for path in paths}
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
        raise UnreadableDocument("binary file (contains NUL bytes)")
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
            raise UnreadableDocument(
                f"not text: neither UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) nor Windows-1252"
            ) from utf8_error


_CONTROL_ROLES = ["navigation", "menu", "menubar", "toolbar", "search"]
# Inline styles that keep an element off the screen (a closed menu, a cookie notice's second page).
_HIDING_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.IGNORECASE)


def _is_hidden(tag: Any) -> bool:
    """Whether the page itself hides ``tag`` from readers: what nobody sees is nothing to quote."""
    return (
        tag.has_attr("hidden")
        or str(tag.get("aria-hidden", "")).lower() == "true"
        or bool(_HIDING_STYLE.search(str(tag.get("style", ""))))
    )


# HTML's own link types for a page's place in a sequence: a block made of such links is a page's
# "Previous | Up | Next" bar (GNU Texinfo manuals, many generated docs), whatever tag it is in.
_SEQUENCE_RELS = frozenset({"prev", "previous", "next", "up", "first", "last", "start", "index", "contents"})


# The marks generators put after a heading or definition as a link to itself (Sphinx's and Texinfo's
# "¶", "§", "#"): shown on hover, and not part of the heading's words.
_PERMALINK_MARKS = frozenset({"¶", "§", "#", "🔗"})


def _drop_permalinks(soup: Any) -> None:
    for link in soup.find_all("a", href=True):
        if str(link["href"]).startswith("#") and link.get_text().strip() in _PERMALINK_MARKS:
            link.decompose()


def _drop_sequence_bars(soup: Any) -> None:
    for link in soup.find_all("a", rel=True):
        if link.decomposed or not _SEQUENCE_RELS.intersection(r.lower() for r in link.get_attribute_list("rel")):
            continue
        block = link.find_parent(["p", "div", "td", "li", "header"])
        if block is None:
            continue
        text = len("".join(block.get_text().split()))
        linked = sum(len("".join(a.get_text().split())) for a in block.find_all("a"))
        # Mostly links: a bar. A paragraph that merely links to the next chapter keeps its words.
        if text and linked / text >= 0.5:
            block.decompose()


def _html_text(markup: str) -> tuple[str, str]:
    """The page's visible text, one block per line, and its title: the first ``<h1>``, else ``<title>``.

    The headline is preferred to ``<title>``, which often carries the site's name too; either is
    better than the first line of text, on a real page often a menu ("Home").
    """
    import html_text
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    heading = soup.find("h1") or soup.find("title")
    title = " ".join(heading.get_text().split()) if heading else ""
    # Menus and footers repeat on every page of a site and answer nothing about this one; controls
    # (buttons, drop-downs, whatever the page's ARIA roles call a menu or toolbar) are not text either.
    for tag in soup(["script", "style", "noscript", "template", "head", "nav", "footer", "button", "select"]):
        tag.decompose()
    for tag in soup.find_all(role=_CONTROL_ROLES):
        tag.decompose()
    for tag in soup.find_all(_is_hidden):
        tag.decompose()
    _drop_sequence_bars(soup)
    _drop_permalinks(soup)
    # Preformatted text keeps its lines (html-text would run a code listing into one line).
    for pre in soup.find_all("pre"):
        block = soup.new_tag("div")
        for line in pre.get_text().splitlines():
            block.append(soup.new_tag("div", string=line))
        pre.replace_with(block)
    # A row's cells are one line, as in a Word table; otherwise a row would read as one run of words.
    for row in soup.find_all("tr"):
        for line_break in row.find_all("br"):
            line_break.replace_with(" ")
        cells = []
        for cell in row.find_all(["td", "th"], recursive=False):
            # A cell spanning columns fills them all: its text in the first, the rest left empty.
            colspan = str(cell.get("colspan", ""))
            span = int(colspan) if colspan.isdigit() else 1
            cells += [" ".join(cell.get_text().split()) or EMPTY_CELL] + [EMPTY_CELL] * (max(span, 1) - 1)
        row.clear()
        if any(cell != EMPTY_CELL for cell in cells):
            row.append(TABLE_CELL_SEPARATOR.join(cells))
    # html-text breaks lines at block elements only, so a link or a bold word stays in its sentence.
    lines = (line.strip() for line in html_text.extract_text(str(soup), guess_layout=True).splitlines())
    return "\n\n".join(line for line in lines if line), title


# YAML front matter (Jekyll, Hugo, MkDocs): metadata for the site generator, not text; its title
# is the document's.
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FRONT_MATTER_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


def _markdown_text(source: str) -> tuple[str, str]:
    """A Markdown file as the text it renders to, and its title (front matter's, else the first ``#``).

    Rendered, not raw: ``**bold**``, backticks and link targets are markup, and a paragraph wrapped
    in the source is one paragraph; quotes then read as the document does. GitHub's tables are read
    as a web page's are.
    """
    from markdown_it import MarkdownIt

    title = ""
    front = _FRONT_MATTER.match(source)
    if front:
        declared = _FRONT_MATTER_TITLE.search(front.group(1))
        title = declared.group(1).strip("\"'") if declared else ""
        source = source[front.end() :]
    markup = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(source)
    text, heading = _html_text(markup)
    return text, title or heading


def _csv_text(source: str) -> str:
    """A CSV file as a table: a line per row, its cells joined as a web page's or Word table's are.

    Empty cells read as EMPTY_CELL, so every row still lines up with the header. The delimiter
    (comma, semicolon, tab) is sniffed from the start of the file.
    """
    import csv
    import io

    try:
        dialect: Any = csv.Sniffer().sniff(source[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        # A quoted cell may hold line breaks: the reader gets the text whole, not split into lines.
        records = csv.reader(io.StringIO(source, newline=""), dialect)
        rows = [[" ".join(cell.split()) or EMPTY_CELL for cell in record] for record in records]
    except csv.Error as error:
        raise UnreadableDocument(f"not a readable CSV file ({error})") from error
    return "\n\n".join(TABLE_CELL_SEPARATOR.join(row) for row in rows if any(c != EMPTY_CELL for c in row))


def _docx_text(data: bytes) -> tuple[str, str]:
    """A Word file's paragraphs and tables in reading order, one block per line, and its title.

    The title is the paragraph styled "Title", if any: Word's document properties often hold a
    template's name instead. A table row is one line, its cells joined by " | ".
    """
    import io

    import docx

    try:
        return _word_blocks(docx.Document(io.BytesIO(data)))
    # A damaged file can fail anywhere in the zip, XML or python-docx layers, each with its own
    # exception type; whichever it is, this file is unreadable and the rest of the corpus is not.
    except Exception as error:
        raise UnreadableDocument(f"unreadable Word file ({type(error).__name__}: {error})") from error


def _word_blocks(word: Any) -> tuple[str, str]:
    from docx.table import Table

    blocks: list[str] = []
    title = ""
    for item in word.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                # A merged cell is listed once per column it spans: its text once, the rest kept empty
                # so the row still lines up with the header ("Yes | Yes" in two cells stays two).
                cells, listed = [], row.cells
                column = 0
                while column < len(listed):
                    cell = listed[column]
                    span = max(cell.grid_span, 1)
                    cells += [" ".join(cell.text.split()) or EMPTY_CELL] + [EMPTY_CELL] * (span - 1)
                    column += span
                if any(c != EMPTY_CELL for c in cells):
                    blocks.append(TABLE_CELL_SEPARATOR.join(cells))
        elif item.text.strip():
            blocks.append(item.text.strip())
            if not title and item.style is not None and item.style.name == "Title":
                title = item.text.strip()
    return "\n\n".join(blocks), title


def _pdf_pages(data: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        # pypdf may hand back lone surrogates from a broken font map; UTF-8 (hashing, the cache, the
        # browser) cannot hold them, so they become U+FFFD like any other undecodable text.
        return [_valid_unicode(page.extract_text() or "") for page in reader.pages]
    # pypdf reports damage with many exception types (PdfReadError, LimitReachedError, ValueError,
    # KeyError…); whichever it is, this file is unreadable and the rest of the corpus is not.
    except Exception as error:
        raise UnreadableDocument(f"unreadable PDF ({type(error).__name__}: {error})") from error


def _valid_unicode(text: str) -> str:
    # Through UTF-16: a pair of surrogates becomes its character, a lone one a single U+FFFD.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
