"""Sentence boundaries as character spans into the original text."""

from __future__ import annotations

import functools
import itertools
import logging
import multiprocessing
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

import pysbd
from tqdm.auto import tqdm

from citeqa.cores import usable_cores

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Below this much text a process pool costs more than it saves: pysbd splits ~0.5 MB/s on one core.
PARALLEL_MIN_CHARS = 200_000

# Blank lines and single newlines both end a sentence in plain-text articles: titles, bylines and
# bullet lines carry no final period, and a sentence splitter would glue them to the next line.
# The exception is text wrapped to a width (PDFs, e-mail, RFCs), where a line break inside a
# sentence is only layout: see _units.
_LINE = re.compile(r"[^\n]+")
# A line that ends a sentence or a clause: final punctuation, perhaps inside quotes or brackets.
_ENDS_CLAUSE = re.compile(r"[.!?:;][\"'”’)\]]*\s*$")
# A colon or semicolon closes a clause, but when the next line goes on in lower case the sentence
# goes on with it ("Nothing is downloaded at run time:" / "the embedding model comes from…").
_OPENS_CLAUSE = re.compile(r"[:;]\s*$")
_GOES_ON = re.compile(r"\s*[a-z]")
# A line that starts an item of its own: a bullet, a dash, or a number or letter with "." or ")".
_STARTS_ITEM = re.compile(r"\s*(?:[•\-–—*▪◦·]|\(?(?:\d+|[a-zA-Z])[.)](?:\s|$)|\d+(?:\.\d+)+\.?(?:\s|$))")
# A line this long, relative to the text's long lines, was broken by the width, not by its writer.
_WRAPPED_FRACTION = 0.6
# Below this width (90th percentile of line lengths) lines are too short to be a wrapped paragraph.
_MIN_WRAP_WIDTH = 40
# Titles and ranks that precede a name; pysbd knows "Gen." and "Dr." but not every military rank,
# and a sentence never ends on one of these.
_TITLE_AT_END = re.compile(
    r"(?:^|\s)(?:Tech|Sgt|Staff|Master|Senior|Chief|Lt|Col|Maj|Capt|Cmdr|Adm|Brig|Gen|Cpl|Pvt|Spc|"
    r"Amn|Airman|Sr|Jr|Rep|Sen|Gov|Prof|Dr|Mr|Mrs|Ms|St|Rev|Hon|Pres|Sec|Amb|No|Fig|Eq|Ref|Vol|"
    r"approx|vs|al|e\.g|i\.e|cf)\.$",
    re.IGNORECASE,
)


def _pysbd_sentences(line: str) -> list[str]:
    """pysbd's sentences of ``line``, as text.

    Its rule processor directly rather than ``Segmenter.segment``: ``segment`` then finds every
    sentence again with a regex compiled for that sentence alone, which floods Python's regex cache
    (evicting pysbd's own patterns) and was 30% of the time spent splitting; the sentences are the
    same, and ``split_sentences`` anchors them with ``str.find`` anyway. A fresh segmenter per call:
    pysbd keeps the text on the instance, so a shared one would mix up concurrent chat sessions.
    """
    return pysbd.Segmenter(language="en", clean=False, char_span=False).processor(line).process()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``, whitespace trimmed.

    ``text[start:end]`` is always the sentence exactly as it stands in ``text``.
    Abbreviations such as "Brig. Gen." or "U.S." do not end a sentence (pysbd's rules, then ours
    for ranks before a name).
    """
    if len(text) <= _REMEMBERED_CHARS:
        return list(_split_remembered(text))
    return _split(text)


# A passage is split by the reader and again to score its sentences, and read again for the next
# question: passages are remembered, whole documents (split once, when chunked) are not.
_REMEMBERED_CHARS = 5_000


@functools.lru_cache(maxsize=4096)
def _split_remembered(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(_split(text))


def _split(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for base, end in _units(text):
        # Same length as the text, so every offset found in it is an offset into ``text``.
        line_text = text[base:end].replace("\r", " ").replace("\n", " ")
        if not line_text.strip():
            continue
        cursor = 0
        for piece in _pysbd_sentences(line_text):
            # Anchor each sentence's text at its place in the line (pysbd's own offsets can drift).
            stripped = piece.strip()
            if not stripped:
                continue
            found = line_text.find(stripped, cursor)
            if found < 0:
                continue  # text pysbd altered: covered as a gap by the next sentence found, or the rest
            # Text between two sentences pysbd handed back is never lost: it is a sentence of its own.
            _append_trimmed(spans, text, base, cursor, found)
            cursor = found + len(stripped)
            _append(spans, text, base, base + found, base + cursor)
        _append_trimmed(spans, text, base, cursor, len(line_text))
    return spans


def _units(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` to split into sentences: its lines, with a wrapped paragraph's lines joined.

    A line break is layout, not structure, when the line before it is nearly as long as the text's
    long lines, ends without closing a clause, and the next line does not start an item of its own
    (a blank line is always a break). Titles, headings and bylines are short or stand alone, so
    they stay lines of their own.
    """
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text) if m.group().strip()]
    if not lines:
        return []
    lengths = sorted(len(text[start:end].rstrip()) for start, end in lines)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if width < _MIN_WRAP_WIDTH:
        return lines
    units = [lines[0]]
    for (previous_start, previous_end), (start, end) in itertools.pairwise(lines):
        last_line = text[previous_start:previous_end].rstrip()
        next_line = text[start:end]
        wrapped = (
            text[previous_end:start].count("\n") == 1
            and len(last_line) >= _WRAPPED_FRACTION * width
            and (
                not _ENDS_CLAUSE.search(last_line)
                or (_OPENS_CLAUSE.search(last_line) is not None and _GOES_ON.match(next_line) is not None)
            )
            and not _STARTS_ITEM.match(next_line)
        )
        if wrapped:
            units[-1] = (units[-1][0], end)
        else:
            units.append((start, end))
    return units


def split_sentences_many(
    texts: Sequence[str], workers: int | None = None, *, progress: bool = False
) -> list[list[tuple[int, int]]]:
    """:func:`split_sentences` of each text, on ``workers`` processes (default: the usable cores).

    pysbd is pure Python and holds the GIL, so only processes split in parallel; it was a fixed cost
    of ~5 s per 100 articles in front of the encoder. Processes are forked, not spawned: spawning
    re-imports the caller's ``__main__``, which re-runs any script written without a main guard.
    ``progress``: a progress bar, shown once splitting has taken more than a second.
    """
    workers = workers or usable_cores()
    small = sum(len(t) for t in texts) < PARALLEL_MIN_CHARS
    # A daemon process (a multiprocessing or Celery worker) may not have children of its own.
    may_fork = "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon
    if workers < 2 or len(texts) < 2 or small or not may_fork:
        return _split_serially(texts, progress)
    chunksize = max(1, len(texts) // (4 * workers))
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            split = pool.map(split_sentences, texts, chunksize=chunksize)
            return list(_bar(split, len(texts), progress))
    # NotImplementedError: a system without working semaphores (no /dev/shm) cannot run a pool.
    except (BrokenProcessPool, OSError, NotImplementedError) as error:
        logger.warning("parallel sentence splitting failed (%s); splitting in this process", error)
        return _split_serially(texts, progress)


def _split_serially(texts: Sequence[str], progress: bool) -> list[list[tuple[int, int]]]:
    return [split_sentences(t) for t in _bar(texts, len(texts), progress)]


def _bar(items: Iterable[T], total: int, progress: bool) -> Iterable[T]:
    return tqdm(items, total=total, desc="Splitting sentences", unit="doc", disable=not progress, delay=1.0)


def _append_trimmed(spans: list[tuple[int, int]], text: str, line_start: int, start: int, end: int) -> None:
    """Add what is left of line offsets ``[start, end)`` after trimming whitespace, if anything."""
    start, end = line_start + start, line_start + end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        _append(spans, text, line_start, start, end)


def _append(spans: list[tuple[int, int]], text: str, line_start: int, start: int, end: int) -> None:
    """Add a sentence, or glue it to the previous one on its line when that one ends on a rank or was
    cut inside a word: pysbd ends a sentence at the first full stop of "../conf" and "./configure"."""
    if spans and spans[-1][1] > line_start:
        previous = text[spans[-1][0] : spans[-1][1]]
        if _TITLE_AT_END.search(previous) or (spans[-1][1] == start and _GOES_ON_IN_WORD.match(text, start)):
            spans[-1] = (spans[-1][0], end)
            return
    spans.append((start, end))


# What a sentence never starts with straight after the last one's full stop, without a space between:
# a path, a file name, a lower-case word or a number going on.
_GOES_ON_IN_WORD = re.compile(r"[a-z0-9./\\_-]")


# Bump when the rules above change: boundaries, and so chunks, change with them.
SPLITTER_REVISION = 5


def splitter_version() -> str:
    """Part of the index fingerprint: other boundaries mean other chunks."""
    from importlib.metadata import version

    return f"pysbd {version('pysbd')} + citeqa rules {SPLITTER_REVISION}"
