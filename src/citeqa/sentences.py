"""Sentence boundaries as character spans into the original text."""

from __future__ import annotations

import re

import pysbd

# Blank lines and single newlines both end a sentence in plain-text articles: titles, bylines and
# bullet lines carry no final period, and a sentence splitter would glue them to the next line.
_LINE = re.compile(r"[^\n]+")
# Titles and ranks that precede a name; pysbd knows "Gen." and "Dr." but not every military rank,
# and a sentence never ends on one of these.
_TITLE_AT_END = re.compile(
    r"(?:^|\s)(?:Tech|Sgt|Staff|Master|Senior|Chief|Lt|Col|Maj|Capt|Cmdr|Adm|Brig|Gen|Cpl|Pvt|Spc|"
    r"Amn|Airman|Sr|Jr|Rep|Sen|Gov|Prof|Dr|Mr|Mrs|Ms|St|Rev|Hon|Pres|Sec|Amb|No|Fig|Eq|Ref|Vol|"
    r"approx|vs|al|e\.g|i\.e|cf)\.$",
    re.IGNORECASE,
)


def _segmenter() -> pysbd.Segmenter:
    # A fresh segmenter per call: pysbd keeps the text being split on the instance, so one shared
    # across threads (the chat serves many sessions at once) mixes up their sentences. It costs ~µs.
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``, whitespace trimmed.

    ``text[start:end]`` is always the sentence exactly as it stands in ``text``.
    Abbreviations such as "Brig. Gen." or "U.S." do not end a sentence (pysbd's rules).
    """
    spans: list[tuple[int, int]] = []
    segmenter = _segmenter()
    for line in _LINE.finditer(text):
        if not line.group().strip():
            continue
        base = line.start()
        cursor = 0
        line_text = line.group()
        for piece in segmenter.segment(line_text):
            # pysbd's offsets can drift on odd input; re-anchor each sentence by searching forward.
            found = line_text.find(piece.sent, cursor)
            start = found if found >= 0 else max(cursor, piece.start)
            end = start + len(piece.sent) if found >= 0 else max(start, piece.end)
            cursor = end
            start, end = _trim(line_text, start, end)
            if end <= start:
                continue
            if spans and spans[-1][1] > base and _TITLE_AT_END.search(text[spans[-1][0] : spans[-1][1]]):
                spans[-1] = (spans[-1][0], base + end)
            else:
                spans.append((base + start, base + end))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
