"""Questions about one cell of a table, answered by finding its row and its column.

Word, web, Markdown and CSV tables are read as one line per row, cells joined by " | ", the first
row holding the headers (a two-column table of labels and values may have none). A reader trained
on prose cannot tie "14 tonnes" to "Habitat A" and "Mass" across such lines ("When will Habitat B
launch?" was answered with Habitat A's date). Here a question that names a row (a cell of it:
"Habitat B") and a column (a header word: "launch") is answered with the cell where they cross,
quoted with exact offsets like any other answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from citeqa.answers import Citation, Passage, Span
from citeqa.documents import Document
from citeqa.formats import EMPTY_CELL, TABLE_CELL_SEPARATOR
from citeqa.questions import attribute_nouns, measure_nouns, question_kind

# A row line states its cell outright; what is uncertain is whether the question meant this table.
# Above every answerer's abstention bar, below a certain answer (as for a document's header).
TABLE_CONFIDENCE = 0.9

_ROW_LINE = re.compile(r"[^\n]+")
_WORDS = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
# A date may be written without a digit: "April", "every Monday", "spring".
_CALENDAR_WORD = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|(?:mon|tues|wednes|thurs|fri|satur|sun)day|spring|summer|"
    r"autumn|fall|winter|today|tomorrow|yesterday|daily|weekly|monthly|yearly|annually)\b",
    re.IGNORECASE,
)
_ASKS_A_REASON = re.compile(r"\s*(?:why|how come|explain|describe)\b", re.IGNORECASE)
# Column headers are labels; a "header" cell longer than this is prose that happens to hold a " | "
# ("FIGURE 1 | Current understanding of …" in a paper's text).
_MAX_HEADER_CHARS = 80

CellSpan = tuple[int, int]


@dataclass(frozen=True)
class Table:
    """Cell spans into a document's text: the header row's, then every row with as many cells."""

    header: tuple[CellSpan, ...]
    rows: tuple[tuple[CellSpan, ...], ...]
    start: int
    end: int


def _cells(text: str, start: int, end: int) -> tuple[CellSpan, ...]:
    spans, cursor = [], start
    for part in text[start:end].split(TABLE_CELL_SEPARATOR):
        spans.append((cursor, cursor + len(part)))
        cursor += len(part) + len(TABLE_CELL_SEPARATOR)
    return tuple(spans)


def find_tables(text: str) -> list[Table]:
    """Runs of two or more lines of " | "-joined cells; the first line of a run is its header.

    A row with another number of cells than the header cannot be aligned with the columns and is
    skipped (documents.py keeps empty and merged cells in place, as EMPTY_CELL).
    """
    tables: list[Table] = []
    run: list[tuple[CellSpan, ...]] = []

    def close() -> None:
        if len(run) >= 2 and all(end - start <= _MAX_HEADER_CHARS for start, end in run[0]):
            header, rows = run[0], tuple(r for r in run[1:] if len(r) == len(run[0]))
            if rows:
                tables.append(Table(header, rows, header[0][0], run[-1][-1][1]))
        run.clear()

    for line in _ROW_LINE.finditer(text):
        if not line.group().strip():
            continue
        if TABLE_CELL_SEPARATOR not in line.group():
            close()
            continue
        run.append(_cells(text, line.start(), line.end()))
    close()
    return tables


def _fits(kind: str, cell: str) -> bool:
    """Whether a cell can be the kind of answer asked for: a date or number has digits, a name capitals."""
    if kind == "date":
        return _DIGIT.search(cell) is not None or _CALENDAR_WORD.search(cell) is not None
    if kind == "number":
        return _DIGIT.search(cell) is not None
    if kind in ("person", "place"):
        return any(word[0].isupper() for word in cell.split())
    return True


def _phrase(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


@dataclass(frozen=True)
class _Names:
    """A table's rows that a question may name, and every cell that can name one, by its words."""

    table: Table
    rows: tuple[tuple[CellSpan, ...], ...]
    # A cell's words, lower-cased ("habitat b") → (row index, column) of each cell saying exactly that.
    cells: dict[str, list[tuple[int, int]]]


def _runs(words: Sequence[str]) -> set[str]:
    """Every run of consecutive words: the phrases a question says word for word."""
    return {" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}


class TableAnswerer:
    """Answers from tables in the documents of the retrieved passages, where a passage covers the table."""

    def __init__(self, tokenize: Callable[[str], list[str]]) -> None:
        # The retriever's own tokenizer (stemmed), so "launch" in a question matches "Launch date".
        self.tokenize = tokenize
        # A document's tables with their cells by name, found once: a question then looks names up
        # instead of reading every cell (a 20,000-row CSV took 3 s a question). The documents of a QA
        # never change (new ones make a new QA).
        self._tables: dict[str, list[_Names]] = {}

    def tables(self, document: Document) -> list[_Names]:
        if document.id not in self._tables:
            self._tables[document.id] = [self._index(document.text, t) for t in find_tables(document.text)]
        return self._tables[document.id]

    def _index(self, text: str, table: Table) -> _Names:
        # A two-column table is often a list of labels and values with no header row ("Battery | 4000
        # mAh"), so its first line may be a row too; the answer is then the other cell of the row.
        rows = (table.header, *table.rows) if len(table.header) == 2 else table.rows
        headers = [_phrase(text[start:end]) for start, end in table.header]
        cells: dict[str, list[tuple[int, int]]] = {}
        for index, row in enumerate(rows):
            for column, (start, end) in enumerate(row):
                phrase = _phrase(text[start:end])
                if self._names(text[start:end]):
                    cells.setdefault(phrase, []).append((index, column))
                elif phrase and row is not table.header and headers[column]:
                    # A cell too short to name its row alone ("B") names it said after its column's
                    # name: "bed B" in "When is bed B sown?" of "Bed | Crop | Sown".
                    cells.setdefault(f"{headers[column]} {phrase}", []).append((index, column))
        return _Names(table, rows, cells)

    def run(
        self, question: str, passages: Sequence[Passage], documents: Mapping[str, Document], limit: int
    ) -> list[Citation]:
        if _ASKS_A_REASON.match(question):
            return []  # "Why was Habitat B's launch moved?": no cell gives a reason
        asked = f" {_phrase(question)} "
        # What the question asks for without naming it may be a header ("When…?": a "Date"), and a
        # measure ("How tall…?": a "Height") in a table of labels and values the label naming the row.
        said = _runs(asked.split()) | set(measure_nouns(question))
        terms = set(self.tokenize(question))
        wanted = set(self.tokenize(" ".join(attribute_nouns(question))))
        kind = question_kind(question)
        seen: set[tuple[str, int]] = set()
        for passage in passages:
            if TABLE_CELL_SEPARATOR not in passage.span.text:
                continue
            document = documents[passage.span.document_id]
            for names in self.tables(document):
                table = names.table
                key = (document.id, table.start)
                if key in seen or table.end <= passage.span.start or passage.span.end <= table.start:
                    continue
                seen.add(key)
                found = self._cell(document.text, names, asked, said, terms, wanted, kind)
                if found is not None:
                    (start, end), (row_start, row_end) = found
                    answer, row = Span.of(document, start, end), Span.of(document, row_start, row_end)
                    # An empty cell is the table's answer too: it has no value there. Scored 0, it makes
                    # citeqa decline, where the reader would quote the same column of another row.
                    score = 0.0 if answer.text in ("", EMPTY_CELL) else TABLE_CONFIDENCE
                    return [Citation(answer=answer, sentence=row, score=score)][:limit]
        return []

    def _column(
        self, text: str, table: Table, row: tuple[CellSpan, ...], key_column: int, terms: set[str], wanted: set[str]
    ) -> int | None:
        """The one column whose header shares most words with the question, if only one does.

        ``wanted``: header words the question asks for without saying them ("height" for "How tall…?").
        """
        # The words that found the row (its cell, that cell's header) do not also ask for the column:
        # in "Which ticket has a child fare of 6.00 EUR?", "fare" must not point at "Adult fare".
        naming_row = self._row_terms(text, [row[key_column], table.header[key_column]])
        asking, implied = terms - naming_row, wanted - naming_row - terms
        # A word the question says outweighs one it implies: "Who is the contractor…?" asks for the
        # "Contractor" column even where a "Name" column stands beside it.
        overlaps = []
        for column, (s, e) in enumerate(table.header):
            if column != key_column:
                header = set(self.tokenize(text[s:e]))
                overlaps.append((2 * len(asking & header) + len(implied & header), column))
        best, column = max(overlaps, default=(0, -1))
        if best == 0 or [o for o, _ in overlaps].count(best) > 1:
            return None  # no header, or more than one, is what the question asks about
        return column

    def _row_terms(self, text: str, cells: Sequence[CellSpan]) -> set[str]:
        return {term for start, end in cells for term in self.tokenize(text[start:end])}

    def _names(self, cell: str) -> bool:
        """Whether a cell can name its row: words of substance ("Habitat B", "Day pass"), not "A" or "yes"."""
        return len(_phrase(cell)) >= 3 and bool(self.tokenize(cell))

    def _cell(
        self, text: str, names: _Names, asked: str, said: set[str], terms: set[str], wanted: set[str], kind: str
    ) -> tuple[CellSpan, CellSpan] | None:
        """The cell at the row the question names and the column it asks about, and its row; else None."""
        table = names.table
        pairs = len(table.header) == 2
        # Each named row's name: its longest cell that the question says word for word ("Habitat B").
        longest: dict[int, tuple[int, int]] = {}
        for phrase in said & names.cells.keys():
            for index, column in names.cells[phrase]:
                longest[index] = max(longest.get(index, (0, -1)), (len(phrase), column))
        # Of rows named as fully ("reader" in three rows), the one more of whose words the question
        # uses ("…of the reader on questions.jsonl?" → the "questions.jsonl (32)" row).
        named = []
        for index, (length, key_column) in longest.items():
            row = names.rows[index]
            others = [cell for column, cell in enumerate(row) if column != key_column]
            support = len(terms & self._row_terms(text, others))
            named.append(((length, support), key_column, row))
        if not named:
            return None
        named.sort(key=lambda item: item[0], reverse=True)
        rank, key_column, row = named[0]
        if len(named) > 1 and named[1][0] == rank:
            return None  # two rows named alike: which one is meant is not clear
        if pairs:
            column = 1 - key_column
            # A header row names its column, and a question that says both words asks about the
            # table, not for a value ("What is the price of a ticket?" of "Ticket | Price").
            start, end = row[column]
            if row is table.header and f" {_phrase(text[start:end])} " in asked:
                return None
        else:
            found = self._column(text, table, row, key_column, terms, wanted)
            if found is None:
                return None
            column = found
        start, end = row[column]
        cell = text[start:end].strip()
        if cell not in ("", EMPTY_CELL) and not _fits(kind, cell):
            return None
        start = start + (text[start:end].index(cell) if cell else 0)
        return (start, start + len(cell)), (row[0][0], row[-1][1])
