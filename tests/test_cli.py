from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citeqa.answers import NO_ANSWER, Answer, Citation, Passage, Span
from citeqa.cli import _print_answer, app
from citeqa.config import Settings
from citeqa.documents import document_from_text

runner = CliRunner()


def test_index_then_ask_as_json(corpus_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "embeddings"
    result = runner.invoke(app, ["index", str(corpus_dir), "--index-dir", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert "2 documents" in result.output and (index_dir / "manifest.json").exists()
    again = runner.invoke(app, ["index", str(corpus_dir), "--index-dir", str(index_dir)])
    assert "0 embedded, 2 unchanged" in again.output

    result = runner.invoke(
        app,
        [
            "ask",
            "Who wrote the article about the Space Engagement Talks?",
            "--corpus",
            str(corpus_dir),
            "--index-dir",
            str(index_dir),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"text", "answered", "score", "citations", "passages"}
    assert data["answered"]  # the byline names the author
    citation = data["citations"][0]
    text = (corpus_dir / f"{citation['document_id']}.txt").read_text(encoding="utf-8")
    assert text[citation["start"] : citation["end"]] == citation["quote"]


def test_ask_prints_answer_and_citation(corpus_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "ask",
            "Who hosted the US-Japan Space Engagement Talks?",
            "--corpus",
            str(corpus_dir),
            "--index-dir",
            str(tmp_path / "e"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Mastalir" in result.output and "[1]" in result.output


def test_empty_question_and_missing_corpus_exit_with_a_message(tmp_path: Path, corpus_dir: Path) -> None:
    result = runner.invoke(app, ["ask", "   ", "--corpus", str(corpus_dir), "--index-dir", str(tmp_path / "e")])
    assert result.exit_code == 2 and "Please type a question" in result.output
    assert not (tmp_path / "e").exists()  # refused before any index was built
    result = runner.invoke(app, ["ask", "Who?", "--corpus", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "not found" in result.output
    result = runner.invoke(app, ["documents", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "not found" in result.output


def test_eval_writes_json_and_markdown(tmp_path: Path, corpus_dir: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "a",
                "question": "Who wrote the article about the Space Engagement Talks?",
                "answers": ["Tech. Sgt. Nick Wilson", "Nick Wilson"],
                "documents": ["us-japan-space-engagement-talks"],
            }
        )
        + "\n"
        + json.dumps({"id": "b", "question": "Who is the Prime Minister of Japan?", "answers": [], "documents": []})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "eval",
            str(questions),
            "--corpus",
            str(corpus_dir),
            "--index-dir",
            str(tmp_path / "e"),
            "--answerer",
            "heuristic",
            "--answerer",
            "reader",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "q.json").read_text())
    assert set(report["answerers"]) == {"heuristic", "reader"}
    assert len(report["results"]) == 4
    assert set(report["retrieval"]) == {"dense", "bm25", "rrf", "hybrid"}
    assert "| heuristic |" in (out / "q.md").read_text() and "recall@5" in result.output
    bars = {name: Settings().answer.min_score(name) for name in ("heuristic", "reader")}
    assert report["settings"] == {"encoder": Settings().encoder, "min_score": bars, "yes_no_answerer": "heuristic"}
    assert "Yes/no questions are answered by the heuristic answerer in every row." in result.output


def test_eval_reports_a_lowered_bar(tmp_path: Path, corpus_dir: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "a", "question": "Who is the Prime Minister of Japan?", "answers": [], "documents": []})
        + "\n",
        encoding="utf-8",
    )
    base = ["--corpus", str(corpus_dir), "--index-dir", str(tmp_path / "e"), "--out", str(tmp_path / "out")]
    result = runner.invoke(app, ["eval", str(questions), *base, "--min-score", "0.5"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "q.json").read_text())["settings"]["min_score"] == {"reader": 0.5}
    assert "0.5 (reader)" in result.output


def test_min_score_sets_how_sure_an_answer_must_be(corpus_dir: Path, tmp_path: Path) -> None:
    base = ["--corpus", str(corpus_dir), "--index-dir", str(tmp_path / "e"), "--json"]
    question = "Who hosted the US-Japan Space Engagement Talks?"
    default = json.loads(runner.invoke(app, ["ask", question, *base]).stdout)
    assert default["answered"] and default["score"] < 1.0
    strict = runner.invoke(app, ["ask", question, *base, "--min-score", "1"])
    assert strict.exit_code == 0, strict.output
    declined = json.loads(strict.stdout)
    assert not declined["answered"] and declined["citations"] == []
    # Below every candidate's confidence, the best candidate is always given.
    eager = json.loads(runner.invoke(app, ["ask", question, *base, "--min-score", "0"]).stdout)
    assert eager["answered"] and eager["text"] == default["text"]


def test_bad_encoder_or_min_score_is_refused_with_a_message(corpus_dir: Path, tmp_path: Path) -> None:
    base = ["--corpus", str(corpus_dir), "--index-dir", str(tmp_path / "e")]
    result = runner.invoke(app, ["ask", "Who?", *base, "--encoder", "fp8"])
    assert result.exit_code == 2 and "unknown encoder" in result.output
    result = runner.invoke(app, ["ask", "Who?", *base, "--min-score", "1.5"])
    assert result.exit_code == 2 and "--min-score" in result.output
    assert not (tmp_path / "e").exists()  # refused before anything was built


def test_index_with_the_torch_encoder_records_it(corpus_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "e"
    result = runner.invoke(app, ["index", str(corpus_dir), "--index-dir", str(index_dir), "--encoder", "torch"])
    assert result.exit_code == 0, result.output
    assert json.loads((index_dir / "manifest.json").read_text())["fingerprint"]["encoder"] == "torch"


def test_ask_without_a_question_answers_one_per_line_with_follow_ups(corpus_dir: Path, tmp_path: Path) -> None:
    lines = "\n".join(
        [
            "Who hosted the Space Engagement Talks?",
            "",
            "   ",
            "What did he emphasize?",
            "When was U.S. Space Forces Korea activated?",
        ]
    )
    base = ["--corpus", str(corpus_dir), "--index-dir", str(tmp_path / "e"), "--json"]
    result = runner.invoke(app, ["ask", *base], input=lines)
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    # "-" for the question reads them from standard input too, as other commands do.
    dash = runner.invoke(app, ["ask", "-", *base], input=lines)
    assert dash.exit_code == 0, dash.output
    assert [json.loads(line)["text"] for line in dash.stdout.splitlines()] == [a["text"] for a in answers]
    assert len(answers) == 3  # blank lines are skipped
    assert "Mastalir" in answers[0]["text"]
    # The follow-up was asked about the person the first answer names.
    assert "Mastalir" in answers[1]["standalone_question"] and "he" not in answers[1]["standalone_question"].split()
    assert answers[2]["text"] == "December of 2022"


def test_ask_one_per_line_reports_a_bad_line_and_goes_on(corpus_dir: Path, tmp_path: Path) -> None:
    base = ["--corpus", str(corpus_dir), "--index-dir", str(tmp_path / "e")]
    result = runner.invoke(app, ["ask", *base], input="\x00\x01\nWhen was U.S. Space Forces Korea activated?\n")
    assert result.exit_code == 0, result.output
    assert "Please type a question" in result.output and "December of 2022" in result.output


def test_ask_one_per_line_starts_from_the_given_history(corpus_dir: Path, tmp_path: Path) -> None:
    base = ["--corpus", str(corpus_dir), "--index-dir", str(tmp_path / "e"), "--json"]
    history = ["--history", "Who hosted the Space Engagement Talks?"]
    result = runner.invoke(app, ["ask", *base, *history], input="What did he emphasize?\n")
    assert result.exit_code == 0, result.output
    (answer,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert "Mastalir" in answer["standalone_question"]


def test_a_sentence_answer_is_printed_once(capsys: pytest.CaptureFixture[str]) -> None:
    text = "A Title\n\n“We are ready,” he said. Next sentence."
    document = document_from_text("d", text)
    sentence = Span.of(document, text.index("“"), text.index(" Next"))
    citation = Citation(answer=sentence, sentence=sentence, score=0.9)
    _print_answer(Answer("q", citation.quote, True, 0.9, (citation,)))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "“We are ready,” he said."
    assert lines[-1].strip() == "““We are ready,” he said.”"  # the quote, once, with no "in: …" repeating it


def test_nearest_passages_are_printed_one_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    text = "A Title\n\n  • Published\n  • By Tech. Sgt. Nick Wilson\n\nBASE, Japan -- The talks began."
    document = document_from_text("d", text)
    passage = Passage(Span.of(document, 0, len(text)), 0.4, 0.3, 0.5)
    _print_answer(Answer("q", NO_ANSWER, False, 0.1, (), (passage,)))
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        NO_ANSWER,
        "Nearest passages:",
        "  - A Title: • Published • By Tech. Sgt. Nick Wilson BASE, Japan -- The talks began.",
    ]


def test_other_candidates_are_labelled_as_alternatives(capsys: pytest.CaptureFixture[str]) -> None:
    document = document_from_text("d", "A Title\n\nThe answer is Mount Fuji in Japan.")
    sentence = Span.of(document, 9, len(document.text))
    best = Citation(answer=Span.of(document, 23, 33), sentence=sentence, score=0.9)
    other = Citation(answer=Span.of(document, 37, 42), sentence=sentence, score=0.85)
    _print_answer(Answer("q", best.quote, True, 0.9, (best,), ()))
    assert "Other possible answers" not in capsys.readouterr().out
    _print_answer(Answer("q", best.quote, True, 0.9, (best, other), ()))
    out = capsys.readouterr().out
    assert out.index("“Mount Fuji”") < out.index("Other possible answers:") < out.index("[2]") < out.index("“Japan”")


def test_a_wrapped_sentence_is_printed_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    document = document_from_text("d", "A Title\n\nThe answer is Mount\nFuji in Japan.")
    sentence = Span.of(document, 9, len(document.text))
    citation = Citation(answer=Span.of(document, 23, 33), sentence=sentence, score=0.9)
    _print_answer(Answer("q", citation.quote, True, 0.9, (citation,), ()))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Mount Fuji"
    assert lines[2] == "      “Mount Fuji” in: The answer is Mount Fuji in Japan."


def test_documents_lists_each_file_with_its_parts(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from tests.pdf_fixture import make_pdf

    (tmp_path / "notes.txt").write_text("Notes\n\nPlain text has no parts.", encoding="utf-8")
    (tmp_path / "manual.pdf").write_bytes(make_pdf(["Page one words.", "Page two words."]))
    book = Workbook()
    book.active.append(["Item", "Price"])
    book.save(str(tmp_path / "prices.xlsx"))
    result = runner.invoke(app, ["documents", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("\t", 1) for line in result.output.splitlines())
    assert lines["manual"].endswith("characters, 2 pages")
    assert lines["prices"].endswith("characters, 1 sheet")
    assert lines["notes"].endswith("characters")


def test_documents_says_which_are_in_a_language_the_models_do_not_read(tmp_path: Path) -> None:
    (tmp_path / "port.txt").write_text(
        "Le port\n\nLa ville a annoncé mardi la rénovation du quai est, endommagé par la tempête de janvier.", "utf-8"
    )
    (tmp_path / "notes.txt").write_text("Notes\n\nThe quay reopens in March after the storm repairs.", "utf-8")
    result = runner.invoke(app, ["documents", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("\t", 1) for line in result.output.splitlines())
    assert lines["port"].endswith("characters, in French (citeqa's models read English)")
    assert lines["notes"].endswith("characters")


def test_ask_can_be_limited_to_chosen_documents(corpus_dir: Path, tmp_path: Path) -> None:
    base = ["--corpus", str(corpus_dir), "--index-dir", str(tmp_path / "idx"), "--json"]
    question = "When was U.S. Space Forces Korea activated?"
    limited = json.loads(runner.invoke(app, ["ask", question, *base, "-d", "us-japan-*"]).stdout)
    assert not limited["answered"]
    assert {p["span"]["document_id"] for p in limited["passages"]} == {"us-japan-space-engagement-talks"}
    lines = runner.invoke(app, ["ask", *base, "--document", "indo-pacific-allies-rules-based-order"], input=question)
    assert json.loads(lines.stdout)["answered"]
    result = runner.invoke(app, ["ask", question, *base, "-d", "nope"])
    assert result.exit_code == 2 and "No document matches “nope”" in result.stderr


def test_ask_prints_markdown_for_notes(corpus_dir: Path, tmp_path: Path) -> None:
    base = ["--corpus", str(corpus_dir), "--index-dir", str(tmp_path / "idx")]
    result = runner.invoke(app, ["ask", "When was U.S. Space Forces Korea activated?", *base, "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("**Q:** When was U.S. Space Forces Korea activated?\n\n**A:** December of 2022")
    assert "activated in **December of 2022**" in result.stdout
    assert "(`indo-pacific-allies-rules-based-order`, line 15, characters 1578–1594)" in result.stdout
    lines = runner.invoke(
        app, ["ask", *base, "--markdown"], input="Who hosted the talks?\nWho is in Space Forces Mars?\n"
    )
    assert lines.stdout.count("**Q:**") == 2 and "\n---\n" in lines.stdout
    refused = runner.invoke(app, ["ask", "Who?", *base, "--markdown", "--json"])
    assert refused.exit_code == 2 and "choose one of --json and --markdown" in refused.output


def test_chat_on_a_busy_port_says_so_before_loading_anything(tmp_path: Path) -> None:
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        # The corpus does not exist: reaching it would be a different error.
        result = runner.invoke(app, ["chat", "--corpus", str(tmp_path / "missing"), "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port 0" in result.stderr


def test_eval_of_a_missing_or_broken_question_set_exits_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and "No such file" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": [', encoding="utf-8")
    result = runner.invoke(app, ["eval", str(broken)])
    assert result.exit_code == 2 and "broken.json: not SQuAD JSON" in result.stderr


def test_chat_on_an_address_this_machine_lacks_or_an_index_folder_that_is_a_file_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["chat", "--corpus", str(tmp_path), "--host", "999.1.1.1", "--port", "7999"])
    assert result.exit_code == 2 and "cannot listen on 999.1.1.1:7999" in result.stderr
    assert "--host" in result.stderr and "already running" not in result.stderr
    not_a_folder = tmp_path / "index"
    not_a_folder.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["index", str(tmp_path), "--index-dir", str(not_a_folder)])
    assert result.exit_code == 2 and f"the index folder is a file: {not_a_folder}" in result.stderr
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["documents", str(tmp_path / "empty")])
    assert result.exit_code == 0 and result.stdout == "" and "no readable documents in" in result.stderr
