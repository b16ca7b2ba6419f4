"""The ``citeqa`` command line: index, ask, chat, eval, train-reader."""

from __future__ import annotations

import errno
import json
import logging
import socket
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, NoReturn, cast, get_args

import typer

from citeqa.answers import Answer, one_line, passage_preview, quoted
from citeqa.config import AnswererName, EncoderName, Settings
from citeqa.conversation import Turn
from citeqa.documents import READABLE_TYPES, Document, load_directory
from citeqa.languages import LanguageGuesser
from citeqa.pipeline import QA, EmptyCorpusError, QuestionError, clean_question, default_index_dir
from citeqa.transcript import answer_markdown

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Cited, extractive answers from your documents.")

Corpus = Annotated[Path, typer.Option("--corpus", "-c", help=f"Folder of documents ({READABLE_TYPES}).")]
IndexDir = Annotated[
    Path | None,
    typer.Option("--index-dir", help="Where the index lives (default: embeddings/<corpus folder name>/ beside it)."),
]

Encoder = Annotated[
    str | None,
    typer.Option(help="int8 (onnxruntime, the default) or torch (fp32); switching rebuilds the index."),
]
MinScore = Annotated[
    float | None,
    typer.Option(
        "--min-score",
        min=0.0,
        max=1.0,
        help="Answer only at or above this confidence, else say the documents don't say "
        "(default: the threshold tuned for each answerer). Lower it where every question has an answer.",
    ),
]


def _settings(encoder: str | None = None, min_score: float | None = None) -> Settings:
    """The default settings with what the command line changed."""
    settings = Settings()
    if encoder is not None:
        if encoder not in get_args(EncoderName):
            raise typer.BadParameter(f"unknown encoder {encoder!r}; use int8 or torch", param_hint="--encoder")
        settings = replace(settings, encoder=cast(EncoderName, encoder))
    if min_score is not None:
        answer = replace(settings.answer, reader_min_score=min_score, heuristic_min_score=min_score)
        settings = replace(settings, answer=answer)
    return settings


def _open(corpus: Path, index_dir: Path | None, settings: Settings | None = None) -> QA:
    if index_dir is not None and index_dir.exists() and not index_dir.is_dir():
        typer.secho(f"error: the index folder is a file: {index_dir}", fg="red", err=True)
        raise typer.Exit(2)
    try:
        return QA.from_directory(corpus, index_dir=index_dir, settings=settings)
    # OSError: a folder that cannot be read or an index that cannot be written (permissions, a full disk).
    except (EmptyCorpusError, OSError) as error:
        typer.secho(f"error: {error}", fg="red", err=True)
        raise typer.Exit(2) from error


@app.callback()
def _logging(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also log what each stage does.")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    for noisy in ("transformers", "sentence_transformers", "httpx", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


@app.command()
def index(
    corpus: Annotated[Path, typer.Argument(help="Folder of documents.")] = Path("docs_corpus"),
    index_dir: IndexDir = None,
    encoder: Encoder = None,
) -> None:
    """Build or update the index of CORPUS (only new or changed documents are embedded)."""
    qa = _open(corpus, index_dir, _settings(encoder))
    stats = qa.build
    skipped = f", {len(qa.skipped)} files skipped (named above)" if qa.skipped else ""
    typer.echo(
        f"{len(qa.documents)} documents, {len(qa.index.chunks)} chunks: {stats.documents_embedded} embedded, "
        f"{stats.documents_reused} unchanged, {stats.documents_dropped} dropped ({stats.seconds:.1f} s){skipped}."
    )


@app.command()
def ask(
    question: Annotated[
        str | None,
        typer.Argument(
            help="The question. Leave it out (or give -) to ask one question per line, each able to lean on the last."
        ),
    ] = None,
    corpus: Corpus = Path("docs_corpus"),
    index_dir: IndexDir = None,
    history: Annotated[
        list[str] | None, typer.Option("--history", help="An earlier question (repeat, oldest first).")
    ] = None,
    answerer: Annotated[str | None, typer.Option(help="reader (the default) or heuristic.")] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the answer as JSON (one object per line when questions come from stdin)."),
    ] = False,
    as_markdown: Annotated[
        bool,
        typer.Option("--markdown", help="Print the answer as Markdown: quote, citation, other answers (for notes)."),
    ] = False,
    documents: Annotated[
        list[str] | None,
        typer.Option(
            "--document",
            "-d",
            help="Answer from this document alone: its id, a folder, or a pattern such as 'reports/*'"
            " (repeat for more).",
        ),
    ] = None,
    encoder: Encoder = None,
    min_score: MinScore = None,
) -> None:
    """Answer QUESTION with a quote from the documents and its citation."""
    settings = _settings(encoder, min_score)
    if as_json and as_markdown:
        raise typer.BadParameter("choose one of --json and --markdown")
    if question == "-":  # as for most commands that read files: standard input
        question = None
    show = _answer_printer(as_json, as_markdown, conversation=question is None)
    if question is not None:
        try:  # before the models load: a blank question should not cost an index build
            clean_question(question, settings.answer.max_question_chars)
        except QuestionError as error:
            typer.secho(f"error: {error}", fg="red", err=True)
            raise typer.Exit(2) from error
    qa = _open(corpus, index_dir, settings)
    name = _answerer(answerer)
    if documents is not None:
        try:  # once, before any question: a mistyped id should not be repeated with every answer
            documents = qa.select_documents(documents)
        except QuestionError as error:
            typer.secho(f"error: {error}", fg="red", err=True)
            raise typer.Exit(2) from error
    if question is None:
        _conversation(qa, name, history or [], show, documents)
        return
    try:
        answer = qa.ask(question, history or [], answerer=name, documents=documents)
    except QuestionError as error:
        typer.secho(f"error: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    show(answer)


def _answer_printer(as_json: bool, as_markdown: bool, *, conversation: bool) -> Callable[[Answer], None]:
    """How each answer is printed: JSON (an object per line in a conversation), Markdown, or text."""
    if as_json:
        indent = None if conversation else 2
        return lambda answer: typer.echo(json.dumps(answer.to_dict(), indent=indent, ensure_ascii=False))
    if as_markdown:
        return lambda answer: typer.echo(answer_markdown(answer) + ("\n\n---\n" if conversation else ""))

    def as_text(answer: Answer) -> None:
        _print_answer(answer)
        if conversation:
            typer.echo()

    return as_text


def _conversation(
    qa: QA,
    answerer: AnswererName | None,
    history: list[str],
    show: Callable[[Answer], None],
    documents: list[str] | None,
) -> None:
    """Questions from standard input, one per line, until its end (Ctrl-D); the models load once, and
    each question may lean on the ones before ("What command does he lead?")."""
    interactive = sys.stdin.isatty()
    if interactive:
        typer.echo("Ask a question per line; Ctrl-D ends.", err=True)
    turns = qa.resolve_history(history, answerer=answerer, documents=documents)  # once, not again with every question
    while True:
        if interactive:
            typer.echo("? ", nl=False, err=True)
        line = sys.stdin.readline()
        if not line:
            break
        if not line.strip():
            continue
        try:
            answer = qa.ask(line, turns, answerer=answerer, documents=documents)
        except QuestionError as error:
            typer.secho(f"error: {error}", fg="red", err=True)
            continue
        show(answer)
        turns.append(Turn(answer.question, answer))


def _print_answer(answer: Answer) -> None:
    if answer.message:
        typer.secho(answer.message, fg="yellow", err=True)
    # One line each, as the chat shows them: a sentence wrapped in its document keeps its line
    # breaks in the data (offsets), not on the terminal.
    typer.secho(one_line(answer.text), bold=True)
    for number, citation in enumerate(answer.citations, start=1):
        if number == 2:
            typer.echo("  Other possible answers:")
        part = f", {citation.location}" if citation.location else ""
        typer.echo(
            f"  [{number}] {citation.title} ({citation.document_id}{part}, characters "
            f"{citation.start}–{citation.end}), score {citation.score:.2f}"
        )
        if citation.answer == citation.sentence:
            typer.echo(f"      {quoted(one_line(citation.sentence.text))}")
        else:
            typer.echo(f"      {quoted(one_line(citation.answer.text))} in: {one_line(citation.sentence.text)}")
    if not answer.answered:
        typer.echo("Nearest passages:")
        for passage in answer.passages[:3]:
            where = f" ({passage.span.location})" if passage.span.location else ""
            typer.echo(f"  - {passage.span.title}{where}: {passage_preview(passage.span, 160)}")


@app.command()
def chat(
    corpus: Corpus = Path("docs_corpus"),
    index_dir: IndexDir = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 7860,
    encoder: Encoder = None,
    min_score: MinScore = None,
) -> None:
    """Open the chat in the browser."""
    from citeqa.app import launch

    # Before the models load: a busy port or a wrong address should not cost the wait for an index.
    if problem := _cannot_listen(host, port):
        _refuse_address(host, port, problem)
    qa = _open(corpus, index_dir, _settings(encoder, min_score))
    try:
        launch(qa, host=host, port=port, corpus_dir=corpus, index_dir=index_dir)
    except OSError as error:  # taken in the meantime
        _refuse_address(host, port, error)


def _cannot_listen(host: str, port: int) -> OSError | None:
    """Why the chat could not listen on ``host:port`` (taken, or no such address here); None if it can."""
    try:
        with socket.socket() as probe:
            # As the server binds: a port left in TIME_WAIT by a chat just stopped is free to reuse.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        return error
    return None


def _refuse_address(host: str, port: int, error: OSError) -> NoReturn:
    if error.errno == errno.EADDRINUSE:
        advice = "Is citeqa chat already running there? Pass --port with another number, or --port 0 for any free one."
    else:
        advice = "Pass --host with an address of this machine (127.0.0.1 for this machine alone, 0.0.0.0 for all)."
    typer.secho(f"error: cannot listen on {host}:{port} ({error.strerror or error}). {advice}", fg="red", err=True)
    raise typer.Exit(2)


@app.command("eval")
def evaluate_command(
    file: Annotated[
        Path, typer.Argument(help="Our JSONL question set, or a SQuAD JSON file (its contexts become the corpus).")
    ],
    corpus: Corpus = Path("docs_corpus"),
    index_dir: IndexDir = None,
    answerer: Annotated[
        list[str] | None, typer.Option(help="Answerer(s) to score: reader, heuristic (repeat for both).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the JSON and Markdown reports.")] = Path("eval-results"),
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    encoder: Encoder = None,
    min_score: MinScore = None,
) -> None:
    """Score the system on a question set: EM/F1, abstention, retrieval, citations, latency."""
    from citeqa.datasets import load_question_set
    from citeqa.evaluation import evaluate, markdown, write_report

    settings = _settings(encoder, min_score)
    try:
        question_set = load_question_set(file)
    except (OSError, ValueError) as error:  # missing, a folder, not UTF-8, not a question set
        typer.secho(f"error: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    if limit:
        question_set.questions = question_set.questions[:limit]
    if question_set.documents is not None:
        store = index_dir or Path("embeddings") / f"eval-{question_set.name}"
        qa = QA.from_documents(question_set.documents, index_dir=store, settings=settings)
    else:
        qa = _open(corpus, index_dir, settings)
    names = [_answerer(a) or "reader" for a in (answerer or [Settings().answer.answerer])]
    report = evaluate(qa, question_set, names)
    typer.echo(markdown(report))
    json_path, md_path = write_report(report, out)
    typer.echo(f"Wrote {json_path} and {md_path}")


@app.command("train-reader")
def train_reader(
    args: Annotated[list[str] | None, typer.Argument(help="Options of the training script.")] = None,
) -> None:
    """Train citeqa's extractive reader (its options: citeqa train-reader -- --help)."""
    from citeqa.train_reader import main

    raise typer.Exit(main(args or []))


@app.command()
def documents(corpus: Annotated[Path, typer.Argument(help="Folder of documents.")] = Path("docs_corpus")) -> None:
    """List the documents citeqa can read in CORPUS (id, title, length, a language its models do not
    read); skipped files are named on stderr."""
    try:
        loaded = load_directory(corpus, exclude=[default_index_dir(corpus)])
    except FileNotFoundError as error:
        typer.secho(f"error: {error}", fg="red", err=True)
        raise typer.Exit(2) from error
    languages = LanguageGuesser()
    for document in loaded.documents:
        language = languages.of_document(document)
        unread = f", in {language} (citeqa's models read English)" if language else ""
        typer.echo(f"{document.id}\t{document.title}\t{len(document.text):,} characters{_parts(document)}{unread}")
    if not loaded.documents:
        typer.echo(f"no readable documents in {corpus} (citeqa reads {READABLE_TYPES})", err=True)


def _parts(document: Document) -> str:
    """ ", 3 slides" for a deck, ", 12 pages" for a PDF; "" for a file without parts."""
    if not document.page_labels:
        return ""
    kind, count = document.page_labels[0].split()[0], len(document.page_labels)
    return f", {count} {kind}{'' if count == 1 else 's'}"


def _answerer(name: str | None) -> AnswererName | None:
    if name is None:
        return None
    if name not in ("reader", "heuristic"):
        raise typer.BadParameter(f"unknown answerer {name!r}; use reader or heuristic")
    return name  # type: ignore[return-value]


def main() -> None:
    app()


__all__ = ["app", "main"]


if __name__ == "__main__":
    main()
