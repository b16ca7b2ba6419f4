from __future__ import annotations

import pytest

from citeqa.reading import _complete_name


def widened(text: str, part: str) -> str:
    start = text.index(part)
    s, e = _complete_name(text, start, start + len(part))
    return text[s:e]


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        # A name the reader stopped short of: widened to its last capitalised word.
        (
            "at the Mitchell Institute for Aerospace Studies just outside",
            "Mitchell Institute",
            "Mitchell Institute for Aerospace Studies",
        ),
        ("said Brig. Gen. Anthony J. Mastalir, who hosted", "Anthony J.", "Anthony J. Mastalir"),
        # A span inside a short quoted title: the whole title.
        ('The Space Force\'s "Partner to Win" line of effort', "Win", "Partner to Win"),
        ("the “Partner to Win” line", "Partner", "Partner to Win"),
        # Left alone: a lower-case phrase, a whole name, a long quotation, sentence punctuation.
        ("a rules-based international order", "rules-based", "rules-based"),
        ("in Washington. Then he left", "Washington", "Washington"),
        ("“We will be ready to fight and win a war tonight if we must,” he said", "win", "win"),
        # Not across a line, not across "and", not from one quotation into the next.
        ("By Nick Wilson\nYokota Air Base Public Affairs", "Nick", "Nick Wilson"),
        ("said Saltzman and the Space Force Association", "Saltzman", "Saltzman"),
        ("said Brig. Gen. Anthony J. Mastalir, who", "Anthony", "Anthony J. Mastalir"),
        ('called it "the most ambitious program" and Mitchell said "it works".', "Mitchell", "Mitchell"),
    ],
)
def test_a_span_that_stops_inside_a_name_or_title_is_completed(text: str, span: str, expected: str) -> None:
    assert widened(text, span) == expected
