"""How each kind of file becomes text: one function per format, each raising UnreadableDocument.

Formats with parts (a PDF's pages, a deck's slides, a workbook's sheets, a book's chapters) return
them as :class:`Part` s, so a citation can say where in the file its quote stands.
"""

from __future__ import annotations

import collections
import io
import math
import re
import textwrap
from dataclasses import dataclass
from typing import Any

# A table row is one line of text, its cells joined by this (Word, web pages, Markdown alike).
TABLE_CELL_SEPARATOR = " | "
# What an empty or merged-away cell reads as, so that every row keeps its columns (an empty string
# would vanish when a line's ends are trimmed).
EMPTY_CELL = "–"


class UnreadableDocument(ValueError):
    """A file that cannot be turned into text; the message says why."""


@dataclass(frozen=True)
class Part:
    """A page, slide, sheet or chapter: its text, and what a citation calls it ("slide 3")."""

    label: str
    text: str


# Stands in for a <pre> listing while html-text lays out the rest; a private-use character, never text.
_LISTING = "\ue000"
_LISTING_MARK = re.compile(f"{_LISTING}(\\d+){_LISTING}")
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


def html_text(markup: str) -> tuple[str, str]:
    """The page's visible text, one block per line, and its title: the first ``<h1>``, else ``<title>``.

    The headline is preferred to ``<title>``, which often carries the site's name too; either is
    better than the first line of text, on a real page often a menu ("Home").
    """
    import html_text
    from bs4 import BeautifulSoup

    # The listing marks below must be the only private-use U+E000 (an icon font's glyph, not text).
    soup = BeautifulSoup(markup.replace(_LISTING, ""), "html.parser")
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
    # A page that marks its main content is read from there: what lies outside it is the site's
    # (banners, sidebars, "related stories", sign-up forms), the same on every page.
    mains = soup.find_all("main") or soup.find_all(role="main")
    if len(mains) == 1 and mains[0].get_text(strip=True):
        soup = BeautifulSoup(str(mains[0]), "html.parser")
        # Its own headline, once menus and hidden parts are gone: a book's pages (mdBook) put the
        # book's name in an <h1> above it on every page, and a section's page heads itself with an <h2>.
        own = soup.find("h1") or soup.find(["h2", "h3"])
        title = " ".join(own.get_text().split()) if own else title
    # Preformatted text (code, a shell session) is put back as it stands, lines and indentation
    # kept: html-text would run a listing into one line, and trimming each line would flatten it.
    listings = []
    for pre in soup.find_all("pre"):
        listings.append("\n".join(line.rstrip() for line in textwrap.dedent(pre.get_text()).strip("\n").splitlines()))
        pre.replace_with(soup.new_tag("div", string=f"{_LISTING}{len(listings) - 1}{_LISTING}"))
    # A row's cells are one line, as in a Word table; otherwise a row would read as one run of words.
    for row in soup.find_all("tr"):
        for line_break in row.find_all("br"):
            line_break.replace_with(" ")
        cells = []
        for cell in row.find_all(["td", "th"], recursive=False):
            # A cell spanning columns fills them all: its text in the first, the rest left empty.
            colspan = str(cell.get("colspan", ""))
            span = int(colspan) if colspan.isdigit() else 1
            cells += [cell.get_text()] + [""] * (max(span, 1) - 1)
        row.clear()
        row.append(_table_line(cells))
    # html-text breaks lines at block elements only, so a link or a bold word stays in its sentence.
    lines = (line.strip() for line in html_text.extract_text(str(soup), guess_layout=True).splitlines())
    blocks = (_put_back_listings(line, listings) for line in lines)
    return "\n\n".join(block for block in blocks if block.strip()), title


def _put_back_listings(line: str, listings: list[str]) -> str:
    """The line, its listing marks replaced by their listings; inside other text (a table's cell) a
    listing is run into one line, so that the row stays one line."""
    alone = _LISTING_MARK.fullmatch(line)
    if alone and int(alone.group(1)) < len(listings):
        return listings[int(alone.group(1))]

    def inline(mark: re.Match[str]) -> str:
        number = int(mark.group(1))
        return " ".join(listings[number].split()) if number < len(listings) else ""

    return _LISTING_MARK.sub(inline, line)


# YAML front matter (Jekyll, Hugo, MkDocs): metadata for the site generator, not text; its title
# is the document's.
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FRONT_MATTER_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


def markdown_text(source: str) -> tuple[str, str]:
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
    text, heading = html_text(markup)
    return text, title or heading


# reStructuredText is read by docutils alone, without Sphinx, so Sphinx's roles (":ref:`Setup
# <setup>`", ":py:func:`~pkg.open`") would show as raw markup; they become the text Sphinx shows.
_RST_ROLE = re.compile(r":(?:[\w.+-]+:)+`([^`]+)`")
# Sphinx's directives are unknown to docutils, which drops each with all it holds: a function's
# description under ".. function:: open(file)", a ".. versionchanged::" note. Their argument and body
# are kept as text instead; ".. class::" is docutils' own directive too, but in a Sphinx file it is
# Sphinx's. Those that hold no prose (a table of contents, index entries) are left for docutils to drop.
_RST_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\.[ \t]+(?P<name>[\w:.+-]+)::(?P<argument>.*)$")
_RST_OPTION = re.compile(r"^[ \t]+:[\w-]+:")
_SPHINX_WITHOUT_TEXT = frozenset(
    {"toctree", "index", "highlight", "tabularcolumns", "currentmodule", "default-domain", "literalinclude"}
)
_SPHINX_ARGUMENT_NOT_TEXT = frozenset({"only", "ifconfig"})  # "only:: html": a condition, not words
# The words Sphinx puts before a directive's argument, so that "3.3" reads as what it is.
_SPHINX_LEAD_WORDS = {
    "versionadded": "Added in version",
    "versionchanged": "Changed in version",
    "deprecated": "Deprecated since version",
    "versionremoved": "Removed in version",
    "seealso": "See also",
}
_RST_SETTINGS = {
    # Nothing is read from outside the file (".. include:: /etc/passwd" in an upload) and no raw
    # HTML passes through; broken markup is read as well as it can be, never reported or fatal.
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "_disable_config": True,
    "report_level": 5,
    "halt_level": 5,
    "warning_stream": False,
    "embed_stylesheet": False,
    "syntax_highlight": "none",
}


def _role_text(match: re.Match[str]) -> str:
    content = match.group(1).strip()
    titled = re.fullmatch(r"(.*?)\s*<([^<>]+)>", content, flags=re.DOTALL)
    if titled:
        content = titled.group(1) or titled.group(2)
    if content.startswith("~"):  # Sphinx shows only the last part of "~pkg.mod.open"
        content = content[1:].rsplit(".", 1)[-1]
    return f"``{content.lstrip('!')}``"


def _sphinx_directives_as_text(source: str) -> str:
    """``source`` with each Sphinx directive's argument as a paragraph and its body as an indented block."""
    from docutils.parsers.rst.languages import get_language

    known = set(get_language("en").directives) - {"class"}
    lines, kept = source.splitlines(), []
    number = 0
    while number < len(lines):
        directive = _RST_DIRECTIVE.match(lines[number])
        name = directive["name"] if directive else ""
        if not directive or name in known or name in _SPHINX_WITHOUT_TEXT:
            kept.append(lines[number])
            number += 1
            continue
        number += 1
        while number < len(lines) and _RST_OPTION.match(lines[number]):
            number += 1  # ":noindex:", ":module: os": settings, not text
        argument = "" if name in _SPHINX_ARGUMENT_NOT_TEXT else directive["argument"].strip()
        if name in _SPHINX_LEAD_WORDS:
            argument = f"{_SPHINX_LEAD_WORDS[name]} {argument}".strip()
        # The blank line after the argument makes the body a block of its own, not the argument's definition.
        kept += [directive["indent"] + argument, ""] if argument else [""]
    return "\n".join(kept)


def rst_text(source: str) -> tuple[str, str]:
    """A reStructuredText file (Python's and Sphinx's documentation) as the text it renders to, and
    its title: the document's own, else a ``:title:`` field at its top."""
    from bs4 import BeautifulSoup
    from docutils.core import publish_parts

    try:
        source = _sphinx_directives_as_text(_RST_ROLE.sub(_role_text, source))
        parts = publish_parts(source, writer="html5", settings_overrides=_RST_SETTINGS)
    except Exception as error:  # docutils raises its own kinds for markup it cannot recover from
        raise UnreadableDocument(f"unreadable reStructuredText ({type(error).__name__}: {error})") from error
    text, title = html_text(parts["html_body"])
    if not title:
        field = BeautifulSoup(parts["docinfo"], "html.parser").find("dd", class_="title")
        title = " ".join(field.get_text().split()) if field else ""
    return text, title


def csv_text(source: str) -> str:
    """A CSV file as a table: a line per row, its cells joined as a web page's or Word table's are.

    Empty cells read as EMPTY_CELL, so every row still lines up with the header. The delimiter
    (comma, semicolon, tab) is sniffed from the start of the file.
    """
    import csv

    try:
        dialect: Any = csv.Sniffer().sniff(source[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        # A quoted cell may hold line breaks: the reader gets the text whole, not split into lines.
        records = csv.reader(io.StringIO(source, newline=""), dialect)
        lines = [_table_line(record) for record in records]
    except csv.Error as error:
        raise UnreadableDocument(f"not a readable CSV file ({error})") from error
    return "\n\n".join(line for line in lines if line)


def docx_text(data: bytes) -> tuple[str, str]:
    """A Word file's paragraphs and tables in reading order, one block per line, and its title.

    The title is the paragraph styled "Title", if any: Word's document properties often hold a
    template's name instead. A table row is one line, its cells joined by " | ".
    """
    import docx

    try:
        return _word_blocks(docx.Document(io.BytesIO(data)))
    # A damaged file can fail anywhere in the zip, XML or python-docx layers, each with its own
    # exception type; whichever it is, this file is unreadable and the rest of the corpus is not.
    except Exception as error:
        raise UnreadableDocument(f"unreadable Word file ({type(error).__name__}: {error})") from error


def rtf_text(data: bytes) -> tuple[str, str]:
    """A Rich Text file (WordPad, TextEdit's default): its text, a table's rows as our table lines.

    RTF is 7-bit text whose accents are escapes in the code page the file declares (striprtf reads
    them); a stray 8-bit byte is read as Windows-1252, which never fails. The title is the first line.
    """
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip().startswith(b"{\\rtf"):
        raise UnreadableDocument("not a Rich Text file (it does not start with {\\rtf)")
    try:
        text = rtf_to_text(data.decode("latin-1"), errors="ignore")
    except Exception as error:  # striprtf's parser fails in its own ways on damaged files
        raise UnreadableDocument(f"unreadable Rich Text file ({type(error).__name__}: {error})") from error
    # striprtf ends each cell of a table row with "|": one line per row, as every other format's.
    lines = [
        _table_line(line[:-1].split("|")) if line.endswith("|") else line for line in text.replace("\r", "").split("\n")
    ]
    return "\n".join(lines).strip(), ""


def odt_text(data: bytes) -> tuple[str, str]:
    """An OpenDocument text file (LibreOffice Writer, .odt): paragraphs, headings, lists and tables in
    reading order, one block per line, as a Word file's are; its title is the one its properties hold.
    """
    from odf import dc
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
        blocks = _odf_blocks(document.text)
        titles = document.meta.getElementsByType(dc.Title)
        title = " ".join(str(titles[0]).split()) if titles else ""
    except Exception as error:
        raise UnreadableDocument(f"unreadable OpenDocument file ({type(error).__name__}: {error})") from error
    return "\n\n".join(blocks), title


def ods_sheets(data: bytes) -> tuple[list[Part], str]:
    """An OpenDocument spreadsheet (LibreOffice Calc, .ods), each sheet read as an Excel sheet is, its
    cells as Calc shows them ("25%", "1,200.00 €").
    """
    from odf import dc
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
        # A sheet is hidden by its style ("display: false"), as Excel's hidden sheets are not read.
        hidden = {
            style.getAttribute("name")
            for style in document.automaticstyles.childNodes
            if getattr(style, "tagName", "") == "style:style"
            and any(
                getattr(p, "tagName", "") == "style:table-properties" and p.getAttribute("display") == "false"
                for p in style.childNodes
            )
        }
        sheets: list[Part] = []
        for table in document.spreadsheet.childNodes:
            if getattr(table, "tagName", "") != "table:table" or table.getAttribute("stylename") in hidden:
                continue
            name = str(table.getAttribute("name") or f"{len(sheets) + 1}")
            rows = _trim_empty_columns(_odf_table_rows(table))
            lines = [name] + [line for row in rows if (line := _table_line(row))]
            sheets.append(Part(f"sheet {name}", "\n\n".join(lines)))
        titles = document.meta.getElementsByType(dc.Title)
    except Exception as error:
        raise UnreadableDocument(f"unreadable OpenDocument file ({type(error).__name__}: {error})") from error
    return sheets, " ".join(str(titles[0]).split()) if titles else ""


def odp_slides(data: bytes) -> tuple[list[Part], str]:
    """An OpenDocument presentation (LibreOffice Impress, .odp), read as a PowerPoint deck is: each
    slide's text boxes and tables top to bottom, then its speaker notes; the first slide's title is its title.
    """
    from odf.namespaces import PRESENTATIONNS
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
        pages = [p for p in document.presentation.childNodes if getattr(p, "tagName", "") == "draw:page"]
        slides = [Part(f"slide {n}", "\n\n".join(_odp_blocks(page))) for n, page in enumerate(pages, 1)]
        titles = [
            " ".join(_odf_blocks(shape, _DRAWING))
            for page in pages[:1]
            for shape in page.childNodes
            if getattr(shape, "attributes", {}).get((PRESENTATIONNS, "class")) == "title"
        ]
    except Exception as error:
        raise UnreadableDocument(f"unreadable OpenDocument file ({type(error).__name__}: {error})") from error
    return slides, next((t for t in titles if t), "")


# The elements that hold a slide's text: frames, text boxes, shapes, groups, speaker notes.
_DRAWING = ("text:", "table:", "draw:", "presentation:")
_LENGTH = re.compile(r"-?\d+(?:\.\d+)?")


def _odp_blocks(page: Any) -> list[str]:
    from odf.namespaces import SVGNS

    def position(shape: Any) -> tuple[int, float, float]:
        # Shapes are stored in the order they were drawn; a slide is read top to bottom, then its notes.
        if getattr(shape, "tagName", "") == "presentation:notes":
            return (2, 0.0, 0.0)
        attributes = getattr(shape, "attributes", {})
        y = _LENGTH.match(str(attributes.get((SVGNS, "y"), "")))
        x = _LENGTH.match(str(attributes.get((SVGNS, "x"), "")))
        return (0 if y else 1, float(y.group()) if y else 0.0, float(x.group()) if x else 0.0)

    return [block for shape in sorted(page.childNodes, key=position) for block in _odf_blocks(shape, _DRAWING)]


def _odf_blocks(node: Any, containers: tuple[str, ...] = ("text:", "table:")) -> list[str]:
    """Paragraphs, headings and table rows under ``node``, looking inside elements named ``containers``."""
    from odf import teletype

    blocks: list[str] = []
    for child in node.childNodes:
        tag = getattr(child, "tagName", "")
        if tag in ("text:p", "text:h"):
            if said := " ".join(teletype.extractText(child).split()):
                blocks.append(said)
        elif tag == "table:table":
            blocks += [line for row in _odf_table_rows(child) if (line := _table_line(row))]
        elif tag.startswith(containers) and tag not in ("text:sequence-decls", "text:tracked-changes"):
            blocks += _odf_blocks(child, containers)  # lists, list items, sections, frames, text boxes
    return blocks


# Calc stores a run of identical rows or cells once with a count; empty runs reach the sheet's edge
# (a million rows), so a run is read at most this many times.
_MAX_REPEAT = 1024


def _odf_table_rows(table: Any) -> list[list[str]]:
    """Each row's cells as shown; a merged-away (covered) cell keeps its column, empty, as in Word tables."""
    from odf import teletype

    rows: list[list[str]] = []
    for row in _odf_rows(table):
        cells: list[str] = []
        for cell in row.childNodes:
            tag = getattr(cell, "tagName", "")
            if tag not in ("table:table-cell", "table:covered-table-cell"):
                continue
            said = " ".join(teletype.extractText(cell).split()) if tag == "table:table-cell" else ""
            cells += [said] * min(int(cell.getAttribute("numbercolumnsrepeated") or 1), _MAX_REPEAT)
        if any(cells):
            rows += [cells] * min(int(row.getAttribute("numberrowsrepeated") or 1), _MAX_REPEAT)
    return rows


def _odf_rows(table: Any) -> list[Any]:
    rows: list[Any] = []
    for child in table.childNodes:
        tag = getattr(child, "tagName", "")
        if tag == "table:table-row":
            rows.append(child)
        elif tag in ("table:table-header-rows", "table:table-rows", "table:table-row-group"):
            rows += _odf_rows(child)
    return rows


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
                    cells += [cell.text] + [""] * (span - 1)
                    column += span
                if line := _table_line(cells):
                    blocks.append(line)
        elif item.text.strip():
            blocks.append(item.text.strip())
            if not title and item.style is not None and item.style.name == "Title":
                title = item.text.strip()
    return "\n\n".join(blocks), title


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    try:
        # An encrypted PDF with no password to open it (only one that restricts editing or printing,
        # as many exported reports have) is read; pypdf needs `cryptography` for its AES.
        reader = PdfReader(io.BytesIO(data))
        # pypdf may hand back lone surrogates from a broken font map; UTF-8 (hashing, the cache, the
        # browser) cannot hold them, so they become U+FFFD like any other undecodable text.
        pages = [_valid_unicode(page.extract_text() or "") for page in reader.pages]
    except FileNotDecryptedError as error:
        raise UnreadableDocument(
            "password-protected PDF: it opens only with its password; save a copy without one to have it read"
        ) from error
    # pypdf reports damage with many exception types (PdfReadError, LimitReachedError, ValueError,
    # KeyError…); whichever it is, this file is unreadable and the rest of the corpus is not.
    except Exception as error:
        raise UnreadableDocument(f"unreadable PDF ({type(error).__name__}: {error})") from error
    return rejoin_hyphenated(drop_page_furniture(pages))


# A page number on a line of its own: "7", "Page 7", "7 of 30", "7/30", front matter's "iv".
_PAGE_NUMBER = re.compile(r"(?:page\s+)?(?:\d{1,4}|[ivx]{1,6}|[IVX]{1,6})(?:\s*(?:of|/)\s*\d{1,4})?", re.IGNORECASE)
# A running head or foot that carries the page number at one end ("Chapter 3: Utilities 7").
_NUMBER_AT_END = re.compile(r"\b(\d{1,4})$|^(\d{1,4})\b")
_DOT_LEADER = re.compile(r"(?:[ \t]*\.){4,}[ \t]*")
_EDGE_LINES = 2


def drop_page_furniture(pages: list[str]) -> list[str]:
    """Pages without what the layout repeats on each of them, which is not the document's text.

    Dropped from the first and last two lines of a page: a page number alone on its line; a running
    head or foot whose number counts up with the pages ("Chapter 3: Utilities 6", "… 7" a page
    later); a line repeated at the same edge of at least three pages and 30% of them (a journal's
    name), kept where it first appears (there it is often the title). Dot leaders in a table of
    contents ("Introduction . . . . 1") shrink to one space. Otherwise a sentence running onto the
    next page would be quoted with the page's furniture inside it, and every page would match a
    question that names the document.
    """
    if len(pages) < 2:
        return pages
    split = [page.split("\n") for page in pages]
    edges = [_edge_lines(lines) for lines in split]
    repeats: collections.Counter[tuple[str, str]] = collections.Counter()
    # For a head or foot ending in a number: that number less the page's, which a page number keeps constant.
    offsets: dict[tuple[str, str], list[int]] = collections.defaultdict(list)
    for number, (page_edges, lines) in enumerate(zip(edges, split, strict=True)):
        for edge, i in page_edges:
            line = lines[i].strip()
            repeats[(edge, line)] += 1
            if numbered := _numbered_head(line):
                offsets[(edge, numbered[0])].append(numbered[1] - number)
    often = max(3, math.ceil(0.3 * len(pages)))
    seen: set[tuple[str, str]] = set()
    cleaned = []
    for page_edges, lines in zip(edges, split, strict=True):
        drop = set()
        for edge, i in page_edges:
            line = lines[i].strip()
            numbered = _numbered_head(line)
            counted = offsets[(edge, numbered[0])] if numbered else []
            if _PAGE_NUMBER.fullmatch(line) or (len(counted) >= 2 and len(set(counted)) == 1):
                drop.add(i)
            elif repeats[(edge, line)] >= often:
                if (edge, line) in seen:
                    drop.add(i)
                seen.add((edge, line))
        kept = "\n".join(line for i, line in enumerate(lines) if i not in drop)
        cleaned.append(_DOT_LEADER.sub(" ", kept).strip("\n"))
    return cleaned


def _numbered_head(line: str) -> tuple[str, int] | None:
    """A line with a number at one end as (the line with "#" for it, the number); None without one."""
    found = _NUMBER_AT_END.search(line)
    if found is None:
        return None
    return line[: found.start()] + "#" + line[found.end() :], int(found.group(found.lastindex or 1))


def _edge_lines(lines: list[str]) -> list[tuple[str, int]]:
    """(edge, index) of a page's first and last few non-empty lines."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    top = filled[:_EDGE_LINES]
    bottom = [i for i in filled[-_EDGE_LINES:] if i not in top]
    return [("top", i) for i in top] + [("bottom", i) for i in bottom]


# A word broken over two lines by a hyphen ("man-" / "agement") or a soft hyphen: letters either side.
_LINE_END_HYPHEN = re.compile(r"(?<![\w-])([^\W\d_]+)(-|\u00ad)[ \t]*\r?\n[ \t]*([^\W\d_]+)")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def rejoin_hyphenated(pages: list[str]) -> list[str]:
    """Words that typesetting broke at a line's end made whole again, so they can be found and quoted.

    "man-\nagement" becomes "management" (BM25 and the reader never see "man-" and "agement"
    again), while a compound that only happened to break at its own hyphen stays one:
    "well-\nknown" becomes "well-known" where the document writes "well-known" elsewhere and never
    "wellknown". A word the document uses nowhere else is joined, as typesetters hyphenate far more
    often than compounds fall at a line's end. A capital after the hyphen ("Franco-\nPrussian") keeps
    it, unless both halves are capitals ("SE-\nQUENCE").
    """
    vocabulary = {word.lower() for page in pages for word in _WORD.findall(page)}

    def join(match: re.Match[str]) -> str:
        left, hyphen, right = match.groups()
        joined = left + right
        if hyphen == "\u00ad":
            return joined
        if right[0].isupper() and not (left.isupper() and right.isupper()):
            return f"{left}-{right}"
        if f"{left}-{right}".lower() in vocabulary and joined.lower() not in vocabulary:
            return f"{left}-{right}"
        return joined

    return [_LINE_END_HYPHEN.sub(join, page) for page in pages]


def _valid_unicode(text: str) -> str:
    # Through UTF-16: a pair of surrogates becomes its character, a lone one a single U+FFFD.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _table_line(cells: list[str]) -> str:
    """A table row as one line: each cell's words on one line, an empty cell as EMPTY_CELL; "" for an empty row."""
    texts = [" ".join(cell.split()) or EMPTY_CELL for cell in cells]
    return TABLE_CELL_SEPARATOR.join(texts) if any(t != EMPTY_CELL for t in texts) else ""


def pptx_slides(data: bytes) -> tuple[list[Part], str]:
    """A PowerPoint deck's slides, each its text boxes top to bottom, its tables and its speaker notes.

    The title is the first slide's title: the file's own "title" property is most often the
    template's ("PowerPoint Presentation").
    """
    from pptx import Presentation

    try:
        deck = Presentation(io.BytesIO(data))
        slides = [Part(f"slide {n}", "\n\n".join(_slide_blocks(slide))) for n, slide in enumerate(deck.slides, 1)]
        titles = [s.shapes.title.text_frame.text for s in deck.slides if s.shapes.title is not None]
    except Exception as error:
        raise UnreadableDocument(f"unreadable PowerPoint file ({type(error).__name__}: {error})") from error
    title = next((" ".join(t.split()) for t in titles if t.strip()), "")
    return slides, title


def _slide_blocks(slide: Any) -> list[str]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    def shapes_in_reading_order(shapes: Any) -> list[Any]:
        # The order shapes were added in is not the order they are read in; the page's is.
        placed = sorted(shapes, key=lambda s: (s.top is None, s.top or 0, s.left or 0))
        ordered: list[Any] = []
        for shape in placed:
            if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
                ordered += shapes_in_reading_order(shape.shapes)
            else:
                ordered.append(shape)
        return ordered

    blocks: list[str] = []
    title = slide.shapes.title
    shapes = shapes_in_reading_order(slide.shapes)
    if title is not None:
        shapes = [title] + [s for s in shapes if s.shape_id != title.shape_id]
    for shape in shapes:
        if shape.has_text_frame:
            blocks += [p.text.strip() for p in shape.text_frame.paragraphs if p.text.strip()]
        elif shape.has_table:
            blocks += [line for row in shape.table.rows if (line := _table_line([c.text for c in row.cells]))]
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        notes = slide.notes_slide.notes_text_frame.paragraphs
        blocks += [p.text.strip() for p in notes if p.text.strip()]
    return blocks


def xlsx_sheets(data: bytes) -> tuple[list[Part], str]:
    """An Excel workbook's visible sheets, each a table: its name on the first line, then a line per row.

    Cells read as the values Excel last computed (a formula's result, not the formula). Columns
    and rows with nothing in them are left out; an empty cell inside the table is EMPTY_CELL.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheets = []
        # A hidden sheet holds what the workbook's author kept out of sight (lookup lists, scratch work).
        for sheet in (s for s in book.worksheets if s.sheet_state == "visible"):
            rows = [[_cell_text(cell.value, cell.number_format) for cell in cells] for cells in sheet.iter_rows()]
            lines = [sheet.title] + [line for row in _trim_empty_columns(rows) if (line := _table_line(row))]
            sheets.append(Part(f"sheet {sheet.title}", "\n\n".join(lines)))
        title = book.properties.title or ""
        book.close()
    except Exception as error:
        raise UnreadableDocument(f"unreadable Excel file ({type(error).__name__}: {error})") from error
    return sheets, " ".join(title.split())


def _cell_text(value: object, number_format: str | None = None) -> str:
    import datetime

    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and (number_format or "").endswith("%"):
        return f"{format(value * 100, '.15g')}%"  # stored 0.2, shown "20%"
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
    if isinstance(value, float):
        # Binary floats: 0.1 + 0.2 is stored as 0.30000000000000004; Excel shows 15 digits.
        return format(value, ".15g")
    return str(value)


def _trim_empty_columns(rows: list[list[str]]) -> list[list[str]]:
    width = max((len(row) for row in rows), default=0)
    rows = [row + [""] * (width - len(row)) for row in rows]
    used = [column for column in range(width) if any(row[column].strip() for row in rows)]
    if not used:
        return []
    return [row[used[0] : used[-1] + 1] for row in rows]


def epub_chapters(data: bytes) -> tuple[list[Part], str]:
    """An EPUB book's chapters in reading order, each read as a web page; labelled by its heading."""
    import ebooklib
    from ebooklib import epub

    try:
        book = epub.read_epub(io.BytesIO(data), options={"ignore_ncx": True})
        chapters: list[Part] = []
        for item_id, _linear in book.spine:
            item = book.get_item_with_id(item_id)
            # The navigation document is the table of contents: links, not text.
            if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or isinstance(item, epub.EpubNav):
                continue
            text, heading = html_text(item.get_content().decode("utf-8", "replace"))
            if text.strip():
                label = f"section “{heading}”" if 0 < len(heading) <= 80 else f"section {len(chapters) + 1}"
                chapters.append(Part(label, text))
        titles = book.get_metadata("DC", "title")
    except Exception as error:
        raise UnreadableDocument(f"unreadable EPUB file ({type(error).__name__}: {error})") from error
    title = " ".join(str(titles[0][0]).split()) if titles else ""
    return chapters, title


# The headers that say what an e-mail is and who wrote it; routing headers say nothing to a reader.
_EMAIL_HEADERS = ("Subject", "From", "To", "Cc", "Date")


def email_text(data: bytes) -> tuple[str, str]:
    """An e-mail (.eml): its Subject, From, To, Cc and Date lines, then its body; the subject is its title.

    The plain-text body is preferred; an HTML-only message is read as a web page. Attachments are
    named, not read.
    """
    from email import policy
    from email.parser import BytesParser

    if b"\x00" in data[:8192]:
        raise UnreadableDocument("binary file (contains NUL bytes)")
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        lines = [f"{name}: {' '.join(str(value).split())}" for name in _EMAIL_HEADERS if (value := message.get(name))]
        body = message.get_body(preferencelist=("plain", "html"))
        text = str(body.get_content()) if body is not None else ""
        if body is not None and body.get_content_type() == "text/html":
            text, _ = html_text(text)
        attached = [name for part in message.iter_attachments() if (name := part.get_filename())]
    except Exception as error:
        raise UnreadableDocument(f"unreadable e-mail ({type(error).__name__}: {error})") from error
    if attached:
        lines.append(f"Attachments: {', '.join(attached)}")
    subject = " ".join(str(message.get("Subject", "")).split())
    return "\n".join(lines) + "\n\n" + text.strip(), subject
