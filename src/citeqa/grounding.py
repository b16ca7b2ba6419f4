"""Names a question asks about that the passages never mention: an answer there would be about something else.

An extractive reader asked "When will U.S. Space Forces Australia be activated?" of passages that
only speak of Korea and Japan will still point at the likeliest date; it cannot notice that the
question is about a name the passages do not contain. This check can, cheaply and explainably.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from citeqa.answers import Passage

_WORD = re.compile(r"[^\W\d_][\w’'.-]*")
_POSSESSIVE = re.compile(r"(?:['’]s?|\.)+$")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_CAPITALISED_RUN = re.compile(r"[A-Z][\w-]*(?:\s+(?:(?:of|for|and|on|in|the)\s+)*[A-Z][\w-]*)+")
# Capitalised function words that open or fill questions without naming anything.
_NOT_NAMES = frozenset(
    (  # noqa: SIM905 (a word list reads best as words)
        "a an the and or of in on at to for from by with about after before during since until who what when "
        "where which why how whose whom is are was were do does did can could would should will shall may might "
        "has have had be been according besides other than as if name list give"
    ).split()
)


def _fold(text: str) -> str:
    """Lower case without accents, so "Hervé" in a document matches "Herve" in a question."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def question_names(question: str) -> list[str]:
    """Capitalised words of ``question`` that name something (possessives and question words removed)."""
    words = [_POSSESSIVE.sub("", m.group()) for m in _WORD.finditer(question)]
    words = [w for w in words if w]
    if not words:
        return []
    capitalised = [i for i, w in enumerate(words) if w[0].isupper()]
    # A title-cased question ("What Is The Capital Of ...") capitalises every word: no signal there.
    long_words = [w for w in words if len(w) > 3]
    if len(long_words) >= 3 and all(w[0].isupper() for w in long_words):
        return []
    names = []
    for i in capitalised:
        word = words[i]
        # The first word is capitalised by convention; it still names something if it is an acronym.
        if i == 0 and not word[1:2].isupper():
            continue
        if word.lower() in _NOT_NAMES:
            continue
        names.append(word)
    return names


def _alnum(text: str) -> str:
    return _NON_ALNUM.sub("", text)


def _mentioned(name: str, words: set[str]) -> bool:
    # Compared without punctuation, so "B-cells" matches "B cells" and "C-C" matches "C–C". A crude
    # stem (drop up to three final letters, keep four), matched at the start of a word, lets
    # "Japanese" match "Japan" and "Normans" match "Norman" while "Australia" still needs "Austra…".
    folded = _alnum(_fold(name))
    if not folded:
        return True
    stem = folded[: max(4, len(folded) - 3)]
    if any(word.startswith(stem) for word in words):
        return True
    # A misspelt name ("Mannanose", "CEAMCAM1") is still the passage's name, one edit in four away.
    budget = len(folded) // 4
    return (
        budget > 0 and process.extractOne(folded, words, scorer=Levenshtein.distance, score_cutoff=budget) is not None
    )


def _acronyms(text: str) -> set[str]:
    """Initials of runs of capitalised words: "Centers for Disease Control" -> "cdc"."""
    found: set[str] = set()
    for run in _CAPITALISED_RUN.finditer(text):
        initials = "".join(w[0] for w in run.group().split() if w[0].isupper())
        # Every tail too: a run often starts with a sentence's capitalised first word ("The Centers…").
        found.update(_fold(initials[i:]) for i in range(len(initials) - 1))
    return found


def missing_names(question: str, texts: Iterable[str]) -> list[str]:
    """Names in ``question`` that none of ``texts`` mentions, in question order."""
    names = question_names(question)
    if not names:
        return []
    joined = " ".join(texts)
    folded = _fold(joined)
    # Words both as written ("mannose-binding" -> "mannosebinding") and split at punctuation ("mannose"),
    # and the acronyms the passages' names would have.
    words = {w for t in folded.split() for w in (_alnum(t), *_NON_ALNUM.split(t)) if w} | _acronyms(joined)
    return [name for name in names if not _mentioned(name, words)]


def bring_named_forward(question: str, ranked: Sequence[Passage], count: int) -> list[Passage]:
    """``ranked`` with, where its first ``count`` miss a name ``question`` uses, passages further
    down that mention it brought into the first ``count`` (up to half of them, in rank order) in
    place of the lowest-ranked.

    Retrieval weighs every word of a question, so a long name or a follow-up's context can outweigh
    the one name that matters ("Did Brig. Gen. Anthony J. Mastalir mention Korea?"): passages about
    him fill the top, and the ones that mention Korea rank lower.
    """
    ranked = list(ranked)
    read = ranked[:count]
    missing = set(missing_names(question, _texts(read)))
    if not missing:
        return ranked
    naming = [p for p in ranked[count:] if missing - set(missing_names(question, _texts([p])))]
    brought = naming[: max(1, count // 2)]
    if not brought:
        return ranked
    first = read[: count - len(brought)] + brought
    return first + [p for p in ranked if p not in first]


def _texts(passages: Iterable[Passage]) -> list[str]:
    return [text for p in passages for text in (p.span.title, p.span.text)]
