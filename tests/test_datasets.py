"""Question sets read from our JSONL and from SQuAD JSON, and refused with the file named when they are neither."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from citeqa.datasets import load_question_set


def test_squad_contexts_become_one_document_per_article(tmp_path: Path) -> None:
    squad = {
        "data": [
            {
                "title": "Ferries",
                "paragraphs": [
                    {
                        "context": "The Ardmore ferry leaves at nine.",
                        "qas": [
                            {"id": "q1", "question": "When does it leave?", "answers": [{"text": "nine"}]},
                            {"id": "q2", "question": "Who owns it?", "answers": [], "is_impossible": True},
                        ],
                    },
                    {"context": "It returns at noon.", "qas": []},
                ],
            }
        ]
    }
    path = tmp_path / "ferries.json"
    path.write_text(json.dumps(squad), encoding="utf-8")
    question_set = load_question_set(path)
    assert question_set.documents is not None
    (document,) = question_set.documents
    assert (document.id, document.text) == ("ferries", "The Ardmore ferry leaves at nine.\n\nIt returns at noon.")
    assert [(q.id, q.answers, q.documents) for q in question_set.questions] == [
        ("q1", ("nine",), ("ferries",)),
        ("q2", (), ()),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cut.json", '{"data": [', "cut.json: not SQuAD JSON (JSONDecodeError"),
        ("other.json", '{"version": 2}', "other.json: not SQuAD JSON (KeyError: 'data')"),
        ("list.json", '{"data": [{"paragraphs": [{"qas": [1]}]}]}', "list.json: not SQuAD JSON"),
        ("rows.jsonl", '{"question": "Who?"}\nnot json\n', "rows.jsonl:2: not a question row"),
    ],
)
def test_a_file_that_is_no_question_set_is_refused_naming_it(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_question_set(path)
