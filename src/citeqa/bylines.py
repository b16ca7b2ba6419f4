"""Questions about a document itself (who wrote it, who published it, where it was filed) answered from its header.

News articles and press releases open with a byline ("By Tech. Sgt. Nick Wilson"), often the
writer's office on the next line, and a dateline opening the first paragraph ("YOKOTA AIR BASE,
Japan -- ..."). A reader trained on SQuAD has never been asked about these lines, so they are read
here by the conventions of the genre and quoted with exact offsets like any other answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from citeqa.answers import Citation, Passage, Span
from citeqa.documents import Document

HeaderField = Literal["author", "publisher", "dateline"]
# A header line states its answer outright; what is uncertain is only whether the best-retrieved
# document is the one asked about. Above every answerer's abstention bar, below a certain answer.
HEADER_CONFIDENCE = 0.9

# Only the top of a document can hold its header.
_HEADER_CHARS = 1500
_LINE = re.compile(r"[^\n]+")
_BULLET = r"[\s•·*\-–—|]*"
_BYLINE = re.compile(rf"^{_BULLET}(?:By|Authors?):?\s+(?P<name>[^\n]*?\S)\s*$", re.IGNORECASE)
# "CITY, Country --" / "CITY (Agency) —" at the start of the first paragraph: the place is in capitals.
_DATELINE = re.compile(
    r"^\s*(?P<place>[A-Z][A-Z.'’\- ]{2,}[A-Z.](?:,\s*[A-Z][\w.'’\- ]*?)?)\s*(?:\([^)]*\)\s*)?(?:--|—|–)\s"
)
# Lines under a byline that are not an office: a date, or the site's "Published"/"Photo by" labels.
_NOT_AN_OFFICE = re.compile(r"^(?:published|updated|posted|photo|image|video)\b|\b(?:1[89]|20)\d\d\b", re.IGNORECASE)

# The document must be what the verb is about ("wrote the article"), not merely named somewhere
# in a question about its content ("Who reported the incident, according to the report?").
_DOCUMENT = r"(?:the|this|that)\s+(?:article|story|report|piece|press release|release|document|news story)\b"
_ASKS_AUTHOR = re.compile(
    rf"\bwho\s+(?:wrote|authored|penned|reported)\s+{_DOCUMENT}|\b(?:author|writer)s?\s+of\s+{_DOCUMENT}"
    rf"|{_DOCUMENT}[^?]*\b(?:written|authored)\s+by\b",
    re.IGNORECASE,
)
_ASKS_PUBLISHER = re.compile(
    r"\b(?:which|what)\s+(?:office|organi[sz]ation|agency|outlet|unit|publisher|newspaper|publication)\b"
    rf"[^?]*\b(?:published|released|issued|put out)\s+{_DOCUMENT}"
    rf"|\bwho\s+(?:published|released|issued)\s+{_DOCUMENT}|{_DOCUMENT}[^?]*\b(?:published|released|issued)\s+by\b",
    re.IGNORECASE,
)
_ASKS_DATELINE = re.compile(
    rf"\bwhere\b[^?]*{_DOCUMENT}[^?]*\b(?:filed|datelined|written|reported)\b"
    # "Where did the story come from?", "Where is the article from?": the document is what comes from somewhere.
    rf"|\bwhere\s+(?:did|does|do|was|is)\s+{_DOCUMENT}(?:\s+(?:about|on|of)\s+[^?]*?)?\s+(?:come|originate|from)\b",
    re.IGNORECASE,
)


def header_field(question: str) -> HeaderField | None:
    """Which header line ``question`` asks about, if it asks about the document rather than its content."""
    if _ASKS_AUTHOR.search(question):
        return "author"
    if _ASKS_DATELINE.search(question):
        return "dateline"
    if _ASKS_PUBLISHER.search(question):
        return "publisher"
    return None


@dataclass(frozen=True)
class Header:
    """Character spans in a document's text; None where the document has no such line."""

    author: tuple[int, int] | None = None
    publisher: tuple[int, int] | None = None
    dateline: tuple[int, int] | None = None


def read_header(text: str) -> Header:
    lines = [m for m in _LINE.finditer(text[:_HEADER_CHARS]) if m.group().strip()]
    author = publisher = dateline = None
    for i, line in enumerate(lines):
        by = _BYLINE.match(line.group())
        if by and author is None and _looks_like_names(by.group("name")):
            author = (line.start() + by.start("name"), line.start() + by.end("name"))
            following = lines[i + 1] if i + 1 < len(lines) else None
            if following is not None:
                office = following.group().lstrip("".join(" •·*-–—|\t")).rstrip()
                # A short title-case line under the byline is the writer's office, not the story.
                if _is_office(office):
                    start = following.start() + following.group().index(office)
                    publisher = (start, start + len(office))
            continue
        place = _DATELINE.match(line.group())
        if place and dateline is None:
            dateline = (line.start() + place.start("place"), line.start() + place.end("place"))
            break  # the dateline opens the body: the header is over
    return Header(author, publisher, dateline)


def _looks_like_names(text: str) -> bool:
    """ "Tech. Sgt. Nick Wilson" or "Baer, Alan; Lundberg, Lindsay", not "the end of 2024, the base will…"."""
    if not text[:1].isupper() or len(text) > 300:
        return False
    ends_an_initial = re.search(r"(?:^|\s)[A-Z]\.$", text) is not None
    return ends_an_initial or not text.endswith((".", ":", "?", "!"))


def _is_office(line: str) -> bool:
    """A short line that is neither a date, a label nor a dateline, and starts like a name does."""
    return (
        bool(line)
        and len(line.split()) <= 8
        and line[0].isalnum()
        and not line[0].islower()
        and not _NOT_AN_OFFICE.search(line)
        and not _DATELINE.match(line + " ")
    )


class HeaderAnswerer:
    """Answers header questions from the document of the best retrieved passage: the one asked about."""

    def run(
        self, question: str, passages: Sequence[Passage], documents: Mapping[str, Document], limit: int
    ) -> list[Citation]:
        wanted = header_field(question)
        if wanted is None or not passages:
            return []
        best = passages[0]
        document = documents[best.span.document_id]
        found = getattr(read_header(document.text), wanted)
        if found is None:
            return []
        start, end = found
        line_start, line_end = _line_around(document.text, start, end)
        answer, line = Span.of(document, start, end), Span.of(document, line_start, line_end)
        return [Citation(answer=answer, sentence=line, score=HEADER_CONFIDENCE)][:limit]


def _line_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The header line holding ``[start, end)``, bullets and spaces trimmed."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    while line_start < start and (text[line_start].isspace() or text[line_start] in "•·*|"):
        line_start += 1
    while line_end > end and text[line_end - 1].isspace():
        line_end -= 1
    return line_start, line_end
