"""A conversation as Markdown: each question, its quoted answer and where the quote stands.

For keeping or sharing what the documents said: a reader of the transcript can find every quote
again (document, part, characters) without citeqa.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

from citeqa.answers import Answer, Citation, Span, passage_preview, quoted
from citeqa.conversation import Turn

# Characters Markdown would read as markup inside a quote ("*", "_", a "<tag>", a table's "|").
_MARKUP = re.compile(r"([\\`*_\[\]<>|#])")
_PASSAGE_CHARS = 200


_WHITESPACE = re.compile(r"\s+")


def _escape(text: str) -> str:
    """``text`` on one line, markup characters escaped; a space at either end is kept (it may part
    the quote from the words around it)."""
    return _MARKUP.sub(r"\\\1", _WHITESPACE.sub(" ", text))


def _where(span: Span) -> str:
    parts = [f"`{span.document_id}`"]
    if span.location:
        parts.append(span.location)
    parts.append(f"characters {span.start}–{span.end}")
    return f"*{_escape(span.title)}* ({', '.join(parts)})"


def _citation(citation: Citation) -> list[str]:
    sentence, answer = citation.sentence, citation.answer
    if sentence.start <= answer.start and answer.end <= sentence.end and sentence.text != answer.text:
        before = sentence.text[: answer.start - sentence.start]
        after = sentence.text[answer.end - sentence.start :]
        context = f"{_escape(before)}**{_escape(answer.text.strip())}**{_escape(after)}"
        lines = [f"> {context.strip()}"]
    else:
        lines = [f"> {_escape(answer.text)}"]  # the blockquote marks it as quoted
    return [*lines, "", f"— {_where(answer)}, score {citation.score:.2f}"]


def answer_markdown(answer: Answer) -> str:
    """One answer: its text, the quote in its sentence, the citation; or, declined, the nearest passages."""
    lines = [f"**Q:** {_escape(answer.question)}", ""]
    if answer.message:
        lines += [f"*{_escape(answer.message)}*", ""]
    if not answer.answered:
        lines.append(f"**A:** {_escape(answer.text)}")
        if answer.passages:
            lines += ["", "Nearest passages:", ""]
            lines += [
                f"- {_where(p.span)}: {_escape(passage_preview(p.span, _PASSAGE_CHARS))}" for p in answer.passages[:3]
            ]
        return "\n".join(lines)
    best, *others = answer.citations
    lines += [f"**A:** {_escape(best.quote)}", "", *_citation(best)]
    if others:
        lines += ["", "Other possible answers:", ""]
        lines += [f"- {_escape(quoted(c.quote))} — {_where(c.answer)}, score {c.score:.2f}" for c in others]
    return "\n".join(lines)


def transcript(
    turns: Sequence[Turn], *, title: str = "citeqa conversation", when: datetime.datetime | None = None
) -> str:
    """The whole conversation, oldest turn first; turns without an :class:`Answer` give their text."""
    when = when or datetime.datetime.now().astimezone()
    sections = [f"# {_escape(title)}\n\n{when:%Y-%m-%d %H:%M %Z}".rstrip()]
    for turn in turns:
        if isinstance(turn.answer, Answer):
            sections.append(answer_markdown(turn.answer))
        else:
            sections.append(f"**Q:** {_escape(turn.question)}\n\n**A:** {_escape(turn.answer or '')}")
    return "\n\n---\n\n".join(sections) + "\n"
