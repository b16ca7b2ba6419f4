"""The trained reader as an answerer: spans from the retrieved passages, mapped back into documents."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from citeqa.answers import Citation, Passage, Span
from citeqa.documents import Document
from citeqa.formats import TABLE_CELL_SEPARATOR
from citeqa.questions import wants_sentence
from citeqa.reader import ExtractiveReader
from citeqa.sentences import split_sentences
from citeqa.support import SentenceSupport


class ReaderAnswerer:
    """Scores are ``sigmoid(margin - threshold)``: 0.5 exactly at the no-answer threshold chosen on held-out data.

    Spans come back best first, which is not always the highest score: with ``support``, a span gains
    ``support_weight`` times how well its sentence supports the question (:mod:`citeqa.support`).
    Whether to answer still rests on the scores alone.
    """

    def __init__(
        self,
        reader: ExtractiveReader | None = None,
        *,
        retrieval_weight: float = 1.0,
        temperature: float = 2.0,
        support: SentenceSupport | None = None,
        support_weight: float = 0.0,
    ) -> None:
        self.reader = reader or ExtractiveReader()
        if not (self.reader.model_dir / "reader.json").exists():
            raise FileNotFoundError(f"no trained reader in {self.reader.model_dir}")
        # Passage relevance breaks ties between spans of similar strength in different documents.
        self.retrieval_weight = retrieval_weight
        self.temperature = temperature
        # The reader weighs each passage alone, and often finds a confident span in the wrong one
        # (handed four passages, the best of its four spans would score far above the one it ranks
        # first); how well the span's sentence fits the question tells them apart better.
        self.support = support
        self.support_weight = support_weight

    def run(
        self, question: str, passages: Sequence[Passage], documents: Mapping[str, Document], limit: int
    ) -> list[Citation]:
        if not passages:
            return []
        spans = self.reader.read(question, [p.span.text for p in passages], top_k=max(limit * 3, 5))
        threshold = self.reader.threshold
        sentence_answer = wants_sentence(question)
        citations: list[tuple[float, Citation]] = []
        sentences: dict[int, list[tuple[int, int]]] = {}  # each passage's, split once
        for span in spans:
            passage = passages[span.passage_index].span
            document = documents[passage.document_id]
            start, end = _trim(passage.text, span.start, span.end)
            for complete in (_complete_name, _complete_quantity, _complete_token, _complete_brackets):
                start, end = complete(passage.text, start, end)
            if span.passage_index not in sentences:
                sentences[span.passage_index] = split_sentences(passage.text)
            covering = [(s, e) for s, e in sentences[span.passage_index] if s < end and start < e]
            # The reader reads a full stop and a blank line as any other word or space: a span that runs
            # on into the next sentence ("the glob operator! Glob") is kept to the sentence holding most
            # of it. An answer that is a sentence may be several, but never across a paragraph.
            if len(covering) > 1 and (not sentence_answer or _PARAGRAPH_BREAK.search(passage.text, start, end)):
                s, e = max(covering, key=lambda c: min(end, c[1]) - max(start, c[0]))
                cut_at_its_end = end > e
                start, end = _trim(passage.text, max(start, s), min(end, e))
                if cut_at_its_end and not _ACRONYM_AT_END.search(passage.text, start, end):
                    while end > start and passage.text[end - 1] in ".!?":
                        end -= 1
                covering = [(s, e)]
            # A span across a table's cells ("Built | 1860") is two answers run together: the reader
            # reads the bar as any other word.
            if (
                end <= start
                or (TABLE_CELL_SEPARATOR in passage.text[start:end] and not sentence_answer)
                or _is_section_number(passage.text, start, end)
            ):
                continue
            s_start = passage.start + min([start, *(s for s, _ in covering)])
            s_end = passage.start + max([end, *(e for _, e in covering)])
            start, end = passage.start + start, passage.start + end
            margin = span.margin - threshold + self.retrieval_weight * (passages[span.passage_index].score - 0.5)
            confidence = 1.0 / (1.0 + math.exp(-margin / self.temperature))
            if sentence_answer:
                start, end = s_start, s_end
            answer = Span.of(document, start, end)
            citation = Citation(answer=answer, sentence=Span.of(document, s_start, s_end), score=confidence)
            citations.append((margin, citation))
        return self._ranked(question, passages, documents, citations)

    def _ranked(
        self,
        question: str,
        passages: Sequence[Passage],
        documents: Mapping[str, Document],
        citations: list[tuple[float, Citation]],
    ) -> list[Citation]:
        """Best first: by margin, plus the support of the sentence that holds each span's start."""
        keys = [margin for margin, _ in citations]
        # One candidate has nothing to be ranked against: no sentence need be embedded.
        if self.support is not None and self.support_weight and len(citations) > 1:
            support = self.support.of_citations(question, passages, documents, [c for _, c in citations])
            keys = [k + self.support_weight * s for k, s in zip(keys, support, strict=True)]
        order = sorted(range(len(citations)), key=lambda n: -keys[n])
        return [citations[n][1] for n in order]


_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
# "U.S." ends in its own full stop, not the sentence's.
_ACRONYM_AT_END = re.compile(r"(?<![\w.])(?:[A-Z]\.){2,}$")
# A heading's number ("3.3 Invoking asn1Decoding", "1.3. Language used"): it labels a section and
# answers nothing, yet sits where the reader looks for a number.
_SECTION_NUMBER = re.compile(r"(?:\d+\.)+\d*")
_HEADING_AFTER = re.compile(r"[ \t]*(?:$|\n|[A-Z])")


def _is_section_number(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is the number a heading line starts with ("2.1", "1.3.", "4.")."""
    line_start = text.rfind("\n", 0, start) + 1
    return (
        bool(_SECTION_NUMBER.fullmatch(text[start:end]))
        and not text[line_start:start].strip()
        and bool(_HEADING_AFTER.match(text, end))
    )


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in ",;:"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return start, end


# The next word of a name, on the same line: capitalised, or after "of"/"for" ("Institute for Aerospace").
_NEXT_NAME_WORD = re.compile(r"[ \t]+(?:(?:of|for|de|du|von|van)[ \t]+(?:the[ \t]+)?)?[A-Z][\w'’.-]*")
_MAX_ADDED_WORDS = 6
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{1,60})[\"”]")
_QUOTE_WORDS = 6


def _complete_name(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span that stops inside a name or a short quoted title to the whole of it.

    The reader's boundaries are its weakest point: "Mitchell Institute" for "Mitchell Institute
    for Aerospace Studies", "Win" for the line of effort called "Partner to Win".
    """
    for quoted in _QUOTED.finditer(text, max(0, start - 60), min(len(text), end + 60)):
        inner_start, inner_end = quoted.span(1)
        inner = quoted.group(1)
        # A real quotation hugs its marks; a match that starts or ends in a space spans two quotations.
        if inner != inner.strip():
            continue
        if inner_start <= start and end <= inner_end and len(inner.split()) <= _QUOTE_WORDS:
            return inner_start, inner_end
    ends_in_word = text[end - 1 : end].isalpha() or (end - start > 1 and text[end - 2 : end - 1].isupper())
    if end > start and ends_in_word and _starts_capitalised(text, start, end):
        for _ in range(_MAX_ADDED_WORDS):
            following = _NEXT_NAME_WORD.match(text, end)
            if following is None:
                break
            end = following.end()
            initial = len(following.group().strip().rstrip(".")) == 1  # "J." keeps its period
            while text[end - 1] in ".," and not initial:  # a name does not end in the sentence's punctuation
                end -= 1
    return start, end


_NUMBER = re.compile(r"[$€£]?\d[\d,.]*")
_UNITS = (
    "percent|per cent|%|°[CF]?|degrees?|"
    "(?:kilo|centi|milli)?(?:metres?|meters?)|km/h|km|cm|mm|m|miles?|feet|foot|ft|inch(?:es)?|"
    "(?:kilo)?grams?|kg|g|tonnes?|tons?|pounds?|lbs?|(?:milli)?(?:litres?|liters?)|ml|gallons?|"
    "hectares?|acres?|mph|"
    "seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|century|"
    "hundred|thousand|million|billion|trillion"
)
_FOLLOWING_UNIT = re.compile(rf"(?:[ \t\u00a0]|-)?(?:{_UNITS})(?![\w])", re.IGNORECASE)


def _complete_quantity(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a bare number to its unit: "60" → "60 centimetre", "3" → "3 million", "40" → "40%".

    The reader often stops at the digits; without its unit a quantity misleads.
    """
    if not _NUMBER.fullmatch(text, start, end):
        return start, end
    unit = _FOLLOWING_UNIT.match(text, end)
    return (start, unit.end()) if unit else (start, end)


# A token that is one thing however the reader's word pieces cut it: a path ("/bin/sync", "~/x",
# "a/b/c"), a URL, an e-mail address, an identifier ("asn1_create_element"), a version ("4.19.0").
# "Korea/Japan" or "U.S.-Japan" are two words, and stay so.
_WHOLE_TOKEN = re.compile(r"^(?:[~.]?/|\w+://)|/[^/]*/|\w@\w[\w-]*\.\w|\w_\w|\d\.\d+\.\d")
_OPENING = "([{<\"'“‘"
_CLOSING = ".,;:!?)]}>\"'”’"


def _complete_token(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span that stops inside a path, address, identifier or version to the whole of it:
    "bin/sync" → "/bin/sync", "asn1" → "asn1_create_element"."""
    token_start, token_end = start, end
    while token_start > 0 and not text[token_start - 1].isspace():
        token_start -= 1
    while token_end < len(text) and not text[token_end].isspace():
        token_end += 1
    # The brackets, quotes and sentence punctuation around a token are not part of it.
    while token_start < start and text[token_start] in _OPENING:
        token_start += 1
    while token_end > end and text[token_end - 1] in _CLOSING:
        token_end -= 1
    if (token_start, token_end) != (start, end) and _WHOLE_TOKEN.search(text[token_start:token_end]):
        return token_start, token_end
    return start, end


_PAIRS = {"(": ")", "[": "]", "{": "}", "“": "”"}
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}
# How far a span reaches for the other half of a bracket or quotation it holds only one half of.
_MAX_BRACKET_REACH = 80


def _complete_brackets(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span that holds one half of a bracket or quotation to the other half, when it is near
    and in the same line: "U.S. Space Forces Korea] component" → "[U.S. Space Forces Korea] component",
    "1.50 years (interquartile range 0.67-3.00" → "… 0.67-3.00)". The reader's word pieces cut
    brackets as any other word; a quote that opens what it never closes reads as a broken one."""
    for _ in range(4):  # a few nested or successive halves at most
        open_at, close_at = _unmatched(text[start:end])
        if open_at is None and close_at is None:
            return _complete_straight_quote(text, start, end)
        if close_at is not None:
            found = _find_opening(text, start, text[start + close_at])
            if found is None:
                break
            start = found
        elif open_at is not None:
            found = _find_closing(text, end, text[start + open_at])
            if found is None:
                break
            end = found + 1
    return start, end


def _complete_straight_quote(text: str, start: int, end: int) -> tuple[int, int]:
    """The same for '"', which opens and closes alike: counted from the line's start, an even number
    of them before it makes the span's one an opening."""
    if text.count('"', start, end) != 1:
        return start, end
    quote = text.index('"', start, end)
    line_start = text.rfind("\n", 0, quote) + 1
    if text.count('"', line_start, quote) % 2 == 0:
        at = text.find('"', end, end + _MAX_BRACKET_REACH)
        return (start, at + 1) if at >= 0 and "\n" not in text[end:at] else (start, end)
    at = text.rfind('"', max(line_start, start - _MAX_BRACKET_REACH), start)
    return (at, end) if at >= 0 else (start, end)


def _unmatched(part: str) -> tuple[int | None, int | None]:
    """Where ``part``'s first closing half without its opening is, else its last opening half left open."""
    stack: list[int] = []
    for i, char in enumerate(part):
        if char in _PAIRS:
            stack.append(i)
        elif char in _CLOSERS:
            if stack and part[stack[-1]] == _CLOSERS[char]:
                stack.pop()
            else:
                return None, i
    return (stack[-1] if stack else None), None


def _find_opening(text: str, before: int, closing: str) -> int | None:
    opening = _CLOSERS[closing]
    limit = max(0, before - _MAX_BRACKET_REACH)
    at = text.rfind(opening, limit, before)
    if at < 0 or "\n" in text[at:before] or text.find(closing, at + 1, before) >= 0:
        return None
    return at


def _find_closing(text: str, after: int, opening: str) -> int | None:
    closing = _PAIRS[opening]
    at = text.find(closing, after, after + _MAX_BRACKET_REACH)
    if at < 0 or "\n" in text[after:at] or text.find(opening, after, at) >= 0:
        return None
    return at


def _starts_capitalised(text: str, start: int, end: int) -> bool:
    """Every word of the span opens with a capital (or is a connective inside a name)."""
    words = text[start:end].split()
    return bool(words) and all(w[0].isupper() or w in {"of", "for", "the", "de", "du", "von", "van"} for w in words)
