"""Folding earlier turns into a follow-up question so it can be asked of the documents on its own."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from citeqa.answers import Answer

# How alike a name is to each of some others, 0–1 (the encoder's cosine); see standalone_question.
Similarity = Callable[[str, Sequence[str]], Sequence[float]]


@dataclass(frozen=True)
class Turn:
    """An earlier question and what it was answered: the text, the :class:`Answer` itself, or None."""

    question: str
    answer: str | Answer | None = None

    @property
    def answer_text(self) -> str | None:
        """The answer's words, or None when there was none (the documents didn't say)."""
        if isinstance(self.answer, Answer):
            return self.answer.text if self.answer.answered else None
        return self.answer


_LEADING_FILLER = re.compile(r"^\s*(?:and|so|but|also|ok(?:ay)?|then)\b[,\s]*", re.IGNORECASE)
_PERSON = re.compile(r"\b(he|she|him|they|them)\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(his|her|their)\b", re.IGNORECASE)
_THING = re.compile(r"\b(the one|the same one|that one|this one|it)\b", re.IGNORECASE)
# "the one in Japan" after a question about "U.S. Space Forces Korea": the same kind of thing, with
# the qualifier swapped in for the name that told the earlier one apart.
_CONTRAST = re.compile(r"\b(?:the|that|this) one (?:in|of|for|from|at) ((?:[A-Z][\w.&'’-]*\s?)+)")
_NAME_RUN = re.compile(r"(?:[A-Z][\w.&'’-]*\.?(?:\s+(?:of|and|the|for|de|von)\s+|\s+))*[A-Z][\w.&'’-]*")
_WH_WORD = re.compile(r"\b(who|whom|whose|what|which|when|where|why|how)\b", re.IGNORECASE)
_POSSESSIVE_MARK = re.compile(r"['’]s\b")
# Words that join an organisation's name ("Commander of United States Space Forces"), not a person's.
_ORGANISATION_WORDS = frozenset({"of", "and", "the", "for"})
_QUESTION_WORDS = {
    "Who",
    "What",
    "When",
    "Where",
    "Which",
    "Why",
    "How",
    "Is",
    "Are",
    "Was",
    "Were",
    "Do",
    "Does",
    "Did",
}


# A follow-up that is only a fragment ("And Japan?", "What about Garrant?", "How about in 2023?"):
# the last question again, about something else.
_FRAGMENT = re.compile(
    r"^\s*(?:(?:and|but|so)\s+)?(?:(?:what|how)\s+about\s+|and\s+)(?P<rest>[^?]{1,60}?)\s*\??\s*$", re.IGNORECASE
)
_AUXILIARY_OR_WH = re.compile(
    r"\b(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|can|could|will|would|"
    r"should|has|have|had)\b",
    re.IGNORECASE,
)
_PREPOSITION = re.compile(r"^(?:in|on|at|for|from|during|before|after|since|by|with|without|under|over)\b", re.I)


def needs_history(question: str) -> bool:
    return bool(
        _fragment(question)
        or _LEADING_FILLER.match(question)
        or _PERSON.search(question)
        or _POSSESSIVE.search(question)
        or _THING.search(question)
    )


def _name_runs(text: str, *, skip_first_word: bool = False) -> list[str]:
    """Runs of capitalised words ("Brig. Gen. Anthony J. Mastalir"), question words dropped.

    ``skip_first_word``: the text's first word is capitalised by grammar, not because it is a name
    ("Tell me about Mastalir").
    """
    first_word = len(text) - len(text.lstrip())
    runs = []
    for match in _NAME_RUN.finditer(text):
        words = match.group().split()
        if skip_first_word and match.start() == first_word:
            words.pop(0)
        while words and words[0] in _QUESTION_WORDS:
            words.pop(0)
        # A sentence's full stop is not part of a name; the dots of "J." and "U.S." are.
        if words and words[-1].endswith(".") and len(words[-1]) > 3 and not words[-1].isupper():
            words[-1] = words[-1].rstrip(".")
        if words:
            runs.append(" ".join(words))
    return runs


def _salient_phrase(question: str) -> str | None:
    """The longest run of capitalised words in a question: usually the entity it is about."""
    return max(_name_runs(question), key=len, default=None)


def _is_short(answer: str | None) -> bool:
    return bool(answer) and len(answer.split()) <= 8  # type: ignore[union-attr]


def _person(last: Turn) -> str | None:
    """Whom "he", "she", "his" or "they" points back at, or None when the last turn does not say.

    After "Who …?" it is the person the answer names, never the question's subject (after "Who
    hosted the talks?", "he" is not "the talks"). After "Which general …?" a short answer that is a
    name. After any other question the first name it uses ("When did Mastalir speak at the Mitchell
    Institute?" → Mastalir), not its answer (a date).
    """
    question = _LEADING_FILLER.sub("", last.question)
    answer = _POSSESSIVE_MARK.sub("", last.answer_text or "").strip()
    first = _WH_WORD.search(question)
    asks = first.group(1).lower() if first else ""
    if asks in ("who", "whom", "whose"):
        return _person_in(answer) if answer else None
    if asks in ("which", "what") and _is_short(answer) and _name_runs(answer):
        return answer
    names = _name_runs(question, skip_first_word=True)
    return names[0] if names else None


def _person_in(answer: str) -> str | None:
    """The person an answer names: all of a short one; in a long one ("the Commander of X, Brig.
    Gen. Anthony J. Mastalir", or the other way round) the last name that is not an organisation's."""
    if _is_short(answer):
        return answer
    names = _name_runs(answer)
    people = [n for n in names if not _ORGANISATION_WORDS.intersection(n.split())]
    chosen = people or names
    return chosen[-1] if chosen else None


_PLURAL = re.compile(r"\b(?:they|them|their)\b", re.IGNORECASE)
# "the talks", "these Space Working Groups", "the allies of the U.S.": a determiner, up to three more
# words, and a plural noun (ending in s, not in ss, us or is: "class", "status", "analysis").
_PLURAL_PHRASE = re.compile(r"\b(?:the|these|those)\s+(?:[\w’'.-]+\s+){0,3}?[\w’'-]*[^\Wsui]s\b", re.IGNORECASE)


def _plural_subject(question: str) -> str | None:
    """The first plural noun phrase of ``question`` ("What did the talks aim to establish?" → "the talks")."""
    match = _PLURAL_PHRASE.search(question)
    return match.group() if match else None


def _fragment(question: str) -> str | None:
    """What a follow-up that is only a fragment is about ("And Japan?" → "Japan"); None for a question."""
    match = _FRAGMENT.match(question)
    if not match or _AUXILIARY_OR_WH.search(match.group("rest")) or len(match.group("rest").split()) > 6:
        return None
    return match.group("rest").strip()


# How alike a fragment's name and a name in the earlier question must be for one to stand in for the
# other (all-MiniLM-L6-v2 cosine): "Japan" and "Korea" 0.73, "France" and "Germany" 0.72, "2023" and
# "2022" 0.92; "Japan" and "Forces" 0.20. Rare names are strangers to it ("Garrant" and "Mastalir"
# 0.23, below "Garrant" and "Talks" 0.26): such a name is left out of the question rather than forced
# in where it does not belong. Common ones do swap ("Smith" and "Jones" 0.47).
MIN_NAME_SIMILARITY = 0.4
_DETERMINERS = frozenset({"the", "a", "an"})


def _asked_again(fragment: str, earlier: str, answer: str | None, similar: Similarity | None) -> str | None:
    """The earlier question asked about ``fragment`` instead: a time or place added to it ("in 2023"),
    or a name put in place of the one in it most like it ("When was U.S. Space Forces Korea
    activated?" + "Japan" → "… Forces Japan …"). None when neither fits, and when the fragment is most
    like the earlier ``answer``: "And South Korea?" after "Which country did the U.S. meet?" — "Japan"
    sets South Korea against the answer, and no name in the question can give way to it."""
    earlier = earlier.strip()
    if _PREPOSITION.match(fragment):
        return f"{earlier.rstrip('?. ')} {fragment}?"
    names = _name_runs(fragment)
    others = [w for w in fragment.split() if w.lower() not in _DETERMINERS and not w[:1].isupper()]
    if similar is None or len(names) != 1 or others:
        return None
    runs = _name_runs(_LEADING_FILLER.sub("", earlier), skip_first_word=True)
    # A run's single words too: of "U.S. Space Forces Korea" it is "Korea" that "Japan" stands in for.
    candidates = list(dict.fromkeys([*runs, *(w for run in runs if " " in run for w in run.split())]))
    candidates = [c for c in candidates if re.search(rf"(?<!\w){re.escape(c)}(?!\w)", earlier)]
    if not candidates:
        return None
    scores = similar(names[0], [*candidates, *([answer] if answer else [])])
    best = max(range(len(candidates)), key=lambda i: scores[i])
    if scores[best] < MIN_NAME_SIMILARITY or (answer and scores[-1] >= scores[best]):
        return None
    return re.sub(rf"(?<!\w){re.escape(candidates[best])}(?!\w)", lambda _: names[0], earlier, count=1)


def standalone_question(question: str, history: Sequence[Turn], similar: Similarity | None = None) -> str:
    """Replace pronouns that point back at the last turn with what they refer to; a fragment ("And
    Japan?") becomes the last question asked about it, where ``similar`` finds what it stands in for."""
    if not history or not needs_history(question):
        return question
    last = history[-1]
    fragment = _fragment(question)
    if fragment:
        # The last question as it was understood, so that "And Japan?" can follow "And Korea?".
        understood = last.answer.standalone_question if isinstance(last.answer, Answer) else ""
        earlier = understood or standalone_question(last.question, history[:-1], similar)
        asked = _asked_again(fragment, earlier, last.answer_text, similar)
        if asked:
            return asked
    stripped = _LEADING_FILLER.sub("", question)
    rewritten = stripped[:1].upper() + stripped[1:]
    person = _person(last)
    subject = _salient_phrase(last.question)
    if person and _PERSON.search(rewritten):
        return _PERSON.sub(person, rewritten, count=1)
    if person and _POSSESSIVE.search(rewritten):
        return _POSSESSIVE.sub(f"{person}'s", rewritten, count=1)
    # "Who led them?" after "What did the talks aim to establish?": no one named, so "they" are the
    # things the last question was about.
    things = _plural_subject(_LEADING_FILLER.sub("", last.question)) if not person else None
    if things and _PLURAL.search(rewritten):
        return _PLURAL.sub(lambda m: f"{things}'" if m.group().lower() == "their" else things, rewritten, count=1)
    contrast = _CONTRAST.search(rewritten)
    if subject and contrast and len(subject.split()) > 1:
        swapped = " ".join([*subject.split()[:-1], contrast.group(1).strip()])
        rest = rewritten[contrast.end(1) :].lstrip()
        gap = "" if not rest or rest[0] in "?.!," else " "
        return f"{rewritten[: contrast.start()]}{swapped}{gap}{rest}"
    if subject and _THING.search(rewritten):
        return _THING.sub(subject, rewritten, count=1)
    return rewritten


def retrieval_query(question: str, history: Sequence[Turn], standalone: str | None = None) -> str:
    """The standalone question (``standalone``, when already made) plus the last question's words,
    which retrieval may need for context."""
    if not history or not needs_history(question):
        return question
    return f"{standalone or standalone_question(question, history)} {history[-1].question}"
