"""What citeqa returns: answers quoted verbatim from documents, with their citations."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from citeqa.documents import Document

NO_ANSWER = "The documents don't say."


@dataclass(frozen=True)
class Span:
    """``text`` is exactly ``document.text[start:end]`` of the document ``document_id``."""

    document_id: str
    title: str
    start: int
    end: int
    text: str
    # The number of the page, slide, sheet or chapter holding the span, and what it is called ("slide 3").
    page: int | None = None
    location: str | None = None

    @classmethod
    def of(cls, document: Document, start: int, end: int) -> Span:
        """``document.text[start:end]``, with where it stands."""
        text = document.text[start:end]
        return cls(document.id, document.title, start, end, text, document.page_at(start), document.location_at(start))


@dataclass(frozen=True)
class Citation:
    """One candidate answer: the quoted answer span, the sentence that supports it, and a confidence."""

    answer: Span
    sentence: Span
    score: float

    @property
    def document_id(self) -> str:
        return self.answer.document_id

    @property
    def title(self) -> str:
        return self.answer.title

    @property
    def start(self) -> int:
        return self.answer.start

    @property
    def end(self) -> int:
        return self.answer.end

    @property
    def quote(self) -> str:
        return self.answer.text

    @property
    def page(self) -> int | None:
        return self.answer.page

    @property
    def location(self) -> str | None:
        return self.answer.location


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused retrieval score and the two scores it was fused from."""

    span: Span
    score: float
    dense_score: float
    bm25_score: float


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    answered: bool
    score: float
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    # The question as asked of the documents after earlier turns were folded in.
    standalone_question: str = ""
    message: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for citation, raw in zip(self.citations, data["citations"], strict=True):
            raw.update(
                document_id=citation.document_id,
                title=citation.title,
                start=citation.start,
                end=citation.end,
                quote=citation.quote,
            )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The answer :meth:`to_dict` wrote (as JSON, say), whole again."""

        def span(raw: dict[str, Any]) -> Span:
            return Span(**{name: raw[name] for name in _SPAN_FIELDS if name in raw})

        citations = tuple(
            Citation(span(raw["answer"]), span(raw["sentence"]), raw["score"]) for raw in data.get("citations", ())
        )
        passages = tuple(
            Passage(span(raw["span"]), raw["score"], raw["dense_score"], raw["bm25_score"])
            for raw in data.get("passages", ())
        )
        return cls(
            data["question"],
            data["text"],
            data["answered"],
            data["score"],
            citations,
            passages,
            data.get("standalone_question", ""),
            data.get("message", ""),
            dict(data.get("timings_ms", {})),
        )


_SPAN_FIELDS = tuple(f.name for f in fields(Span))
_OPENING_MARKS = "“\"‘'"
_CLOSING_MARKS = "”\"’'"


def quoted(text: str) -> str:
    """``text`` in quotation marks, unless it is already a quotation: a quoted remark is not marked twice."""
    if len(text) > 1 and text[0] in _OPENING_MARKS and text[-1] in _CLOSING_MARKS:
        return text
    return f"“{text}”"


def one_line(text: str) -> str:
    """``text`` with every run of whitespace, line breaks included, as one space: for display only."""
    return " ".join(text.split())


def preview(text: str, limit: int) -> str:
    """The start of ``text`` on one line, cut at a word boundary, "…" where something was left out."""
    flat = one_line(text)
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit + 1)
    return flat[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def passage_preview(span: Span, limit: int) -> str:
    """:func:`preview` of a passage shown after its document's title: a first passage's own copy of
    the title is left out, so it is not read twice."""
    text = span.text.lstrip()
    if span.title and text.startswith(span.title) and text[len(span.title) :].strip():
        text = text[len(span.title) :]
    return preview(text, limit)
