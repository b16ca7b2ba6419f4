"""The chat started on a local port and asked over HTTP, as a browser would."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import Any

import pytest

from citeqa import QA
from citeqa.answers import Answer, Citation, Passage, Span, passage_preview
from citeqa.app import VIEWER_HINT, _highlight, render_answer, render_document
from citeqa.documents import document_from_text
from tests.pdf_fixture import make_pdf


def content_text(content: object) -> str:
    """A chat message's text; gradio sends earlier messages back as lists of typed parts."""
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


def test_chat_answers_over_http(chat_url: str) -> None:
    from gradio_client import Client

    client = Client(chat_url, verbose=False)
    # Session state is kept by the server, not sent: the API takes the question and the chat so far.
    chat, passages, cleared = client.predict("Who hosted the US-Japan Space Engagement Talks?", [], api_name="/ask")
    answer_html = chat[-1]["content"]
    text = answer_html if isinstance(answer_html, str) else str(answer_html)
    assert "Mastalir" in text and "<mark>" in text
    assert "us-japan-space-engagement-talks" in text
    assert "<mark>" in passages and cleared == ""


def test_a_question_can_be_limited_to_chosen_documents_over_http(chat_url: str) -> None:
    from gradio_client import Client

    client = Client(chat_url, verbose=False)
    question = "When was U.S. Space Forces Korea activated?"
    chat, passages, _ = client.predict(question, [], ["us-japan-space-engagement-talks"], api_name="/ask")
    assert "The documents don" in content_text(chat[-1]["content"])
    assert "indo-pacific-allies-rules-based-order" not in passages
    chat, _, _ = client.predict(question, [], ["indo-pacific-allies-rules-based-order"], api_name="/ask")
    assert "December of 2022" in content_text(chat[-1]["content"])


def exported(client: Any) -> str | None:
    """The path of the file the export button offers, None when it offers none."""
    result = client.predict(api_name="/export")
    return result.get("value") if isinstance(result, dict) else result


def test_the_conversation_exports_as_markdown_with_its_citations(chat_url: str) -> None:
    from gradio_client import Client

    client = Client(chat_url, verbose=False)
    assert exported(client) is None  # nothing asked yet: nothing to download
    chat, _, _ = client.predict("Who hosted the US-Japan Space Engagement Talks?", [], api_name="/ask")
    client.predict("When was U.S. Space Forces Australia activated?", chat, api_name="/ask")
    markdown = Path(str(exported(client))).read_text(encoding="utf-8")
    assert "**Q:** Who hosted the US-Japan Space Engagement Talks?" in markdown and "Mastalir" in markdown
    assert "(`us-japan-space-engagement-talks`, line 11, characters 845–875)" in markdown
    assert "No passage found mentions “Australia”" in markdown and "Nearest passages:" in markdown
    # Another session's export holds only its own turns.
    other = Client(chat_url, verbose=False)
    other.predict("What is the rules-based international order?", [], api_name="/ask")
    assert "Mastalir" not in Path(str(exported(other))).read_text(encoding="utf-8")


def test_empty_question_gets_a_message_not_a_trace(chat_url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    # Nothing asked is nothing added to the conversation: the client is told why.
    with pytest.raises(AppError, match="Please type a question"):
        Client(chat_url, verbose=False).predict("   ", [], api_name="/ask")


def test_a_citation_of_a_document_no_longer_there_says_so(qa: QA) -> None:
    assert render_document(qa, "") == VIEWER_HINT
    assert "no longer among the documents" in render_document(qa, "uploads/gone|0|5")
    shown = render_document(qa, "us-japan-space-engagement-talks|0|10")
    assert "<mark>" in shown and "characters 0–10" in shown


def test_document_text_is_escaped_never_markup() -> None:
    assert _highlight("<script>x</script> ok", 18, 21) == "&lt;script&gt;x&lt;/script&gt;<mark> ok</mark>"


def test_abstention_renders_plainly(qa: QA) -> None:
    answer = qa.ask("What is the recipe for chocolate cake?")
    assert not answer.answered
    rendered = render_answer(answer)
    assert "The documents don" in rendered and "Nearest passages" in rendered
    # Excerpts, one line each: a passage that opens a quotation is not given a second opening mark.
    for passage in answer.passages[:3]:
        assert f"{html.escape(passage.span.title)}: {html.escape(passage_preview(passage.span, 200))}</li>" in rendered
    assert "““" not in rendered


_TEXT = "A Title\n\nFirst sentence here. The answer is Mount Fuji in Japan. Last sentence."


def _answer(start: int, end: int) -> Answer:
    document = document_from_text("d", _TEXT)
    sentence_start = _TEXT.index("The answer")
    sentence = Span.of(document, sentence_start, _TEXT.index(" Last"))
    citation = Citation(answer=Span.of(document, start, end), sentence=sentence, score=0.9)
    passage = Passage(
        span=Span.of(document, _TEXT.index("First"), len(_TEXT)), score=1.0, dense_score=1.0, bm25_score=1.0
    )
    return Answer("q", citation.quote, True, 0.9, (citation,), (passage,))


def test_a_span_answer_is_shown_inside_its_sentence() -> None:
    start = _TEXT.index("Mount")
    rendered = render_answer(_answer(start, start + len("Mount Fuji")))
    assert "The answer is <mark>Mount Fuji</mark> in Japan." in rendered
    assert "First sentence" not in rendered


def test_other_candidates_are_offered_as_alternatives_not_as_support() -> None:
    start = _TEXT.index("Mount")
    single = _answer(start, start + len("Mount Fuji"))
    assert "Other possible answers" not in render_answer(single)
    best = single.citations[0]
    other = Citation(answer=Span.of(document_from_text("d", _TEXT), 0, 7), sentence=best.sentence, score=0.85)
    rendered = render_answer(dataclasses.replace(single, citations=(best, other)))
    alternatives = rendered.split("Other possible answers:")[1]
    assert "“A Title”" in alternatives and "score 0.85" in alternatives
    assert "score 0.90" in rendered.split("Other possible answers:")[0]


def test_a_table_cell_is_shown_inside_its_passage_which_holds_the_header() -> None:
    text = "Lunar plan\n\nHabitat | Launch date\n\nHabitat A | March 2027\n\nHabitat B | June 2028"
    document = document_from_text("plan", text)
    cell, row = text.index("June"), text.index("Habitat B")
    answer, row_span = Span.of(document, cell, len(text)), Span.of(document, row, len(text))
    citation = Citation(answer=answer, sentence=row_span, score=0.9)
    passage = Passage(span=Span.of(document, 0, len(text)), score=1.0, dense_score=1.0, bm25_score=1.0)
    rendered = render_answer(Answer("q", citation.quote, True, 0.9, (citation,), (passage,)))
    quote = rendered.split("<blockquote>")[1].split("</blockquote>")[0]
    assert "Habitat | Launch date" in quote and "Habitat B | <mark>June 2028</mark>" in quote


def test_a_sentence_answer_is_shown_inside_its_passage() -> None:
    rendered = render_answer(_answer(_TEXT.index("The answer"), _TEXT.index(" Last")))
    assert "First sentence here. <mark>The answer is Mount Fuji in Japan.</mark> Last sentence." in rendered


def test_questions_can_be_limited_to_folders_and_documents_listed_by_title() -> None:
    from citeqa.app import document_choices

    texts = {"reports/2023/q1": "Q1 report", "reports/2024": "Report 2024", "readme": "readme"}
    qa = QA.from_documents([document_from_text(i, t) for i, t in texts.items()], progress=False)
    choices = document_choices(qa)
    assert choices == [
        ("reports/ (folder, 2 documents)", "reports/"),
        ("reports/2023/ (folder, 1 document)", "reports/2023/"),
        ("Q1 report (reports/2023/q1)", "reports/2023/q1"),
        ("Report 2024 (reports/2024)", "reports/2024"),
        ("readme", "readme"),
    ]
    # Every value offered is one that QA.ask takes.
    for _, value in choices:
        assert qa.select_documents([value])


def test_upload_status_names_scanned_pages_for_the_pdf_they_are_in(tmp_path: Path) -> None:
    from citeqa.app import describe_upload
    from citeqa.sessions import read_uploads

    (tmp_path / "report.pdf").write_bytes(make_pdf(["Annual report\nRevenue rose.", ""]))
    (tmp_path / "notes.txt").write_text("Notes\n\nNothing scanned.", encoding="utf-8")
    documents, problems = read_uploads([str(tmp_path / "report.pdf"), str(tmp_path / "notes.txt")], 10_000_000)
    status = describe_upload(documents, problems)
    assert status.startswith("Indexed: Annual report, Notes.")
    assert "Annual report: page 2 of 2 has no text (scanned?)" in status and "Notes:" not in status


def test_upload_status_says_when_a_document_is_in_a_language_the_models_do_not_read(tmp_path: Path) -> None:
    from citeqa.app import describe_upload
    from citeqa.languages import LanguageGuesser
    from citeqa.sessions import read_uploads

    (tmp_path / "port.txt").write_text(
        "Le port\n\nLa ville a annoncé mardi la rénovation du quai est, endommagé par la tempête de janvier.", "utf-8"
    )
    (tmp_path / "notes.txt").write_text("Notes\n\nThe quay reopens in March after the storm repairs.", "utf-8")
    documents, problems = read_uploads([str(tmp_path / "port.txt"), str(tmp_path / "notes.txt")], 10_000_000)
    status = describe_upload(documents, problems, LanguageGuesser().of_document)
    assert "Le port is in French: citeqa's models read English" in status and "Notes is in" not in status


def test_uploads_are_per_session_and_refusals_name_the_file(chat_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gradio_client import Client, handle_file

    good = tmp_path / "moonbase.md"
    good.write_text("Moon base report\n\nThe lunar outpost Artemis Station was completed by Helios Corp.", "utf-8")
    bad = tmp_path / "blob.txt"
    bad.write_bytes(b"\x00\x01binary")
    legacy = tmp_path / "menu.txt"
    legacy.write_bytes("Café menu\n\nThe chef trained in Lyon.".encode("cp1252"))
    alice, bob = Client(chat_url, verbose=False), Client(chat_url, verbose=False)
    files = [handle_file(str(good)), handle_file(str(bad)), handle_file(str(legacy))]
    corpus, status, _, scope = alice.predict(files, api_name="/upload")
    assert "Moon base report" in corpus and "Café menu" in corpus and "Indexed" in status
    # What a question can be limited to now includes the uploads, for this session.
    assert "uploads/moonbase" in str(scope)
    assert "blob.txt" in status and "binary" in status
    # The guessed encoding is said where the user can see it, and only for the file it was guessed for.
    assert "Café menu is not UTF-8" in status and "Windows-1252" in status
    assert "Moon base report is not" not in status
    chat, passages, _ = alice.predict("Which company completed the lunar outpost?", [], api_name="/ask")
    assert "Helios" in str(chat[-1]["content"])
    chat, passages, _ = bob.predict("Which company completed the lunar outpost?", [], api_name="/ask")
    assert "uploads/moonbase" not in passages and "Helios" not in passages
    # Alice takes her uploads back out: her session asks the shared corpus again.
    corpus, status, scope, viewer = alice.predict(api_name="/forget")
    assert status == "Removed from this session: Moon base report, Café menu."
    # A source shown from a removed upload is not left on screen.
    assert viewer == VIEWER_HINT
    assert "Moon base report" not in corpus and "uploads/moonbase" not in str(scope)
    chat, passages, _ = alice.predict("Which company completed the lunar outpost?", [], api_name="/ask")
    assert "uploads/moonbase" not in passages
    assert alice.predict(api_name="/forget")[1] == "This session has no uploads to remove."


def test_reading_the_folder_again_adds_changes_and_removes_and_keeps_each_sessions_uploads(
    folder_chat: tuple[str, Path], tmp_path: Path
) -> None:
    from gradio_client import Client, handle_file

    url, folder = folder_chat
    alice, bob = Client(url, verbose=False), Client(url, verbose=False)
    upload = tmp_path / "moonbase.md"
    upload.write_text("Moon base report\n\nThe lunar outpost Artemis Station was completed by Helios Corp.", "utf-8")
    alice.predict([handle_file(str(upload))], api_name="/upload")
    (folder / "harbour.txt").write_text("Harbour notes\n\nThe Ardmore ferry leaves Port Ellen at nine.", "utf-8")
    (folder / "us-japan-space-engagement-talks.txt").unlink()
    corpus, status, scope = bob.predict(api_name="/reload")
    assert "2 documents (new: harbour; removed: us-japan-space-engagement-talks)" in status
    assert "Harbour notes" in corpus and "harbour" in str(scope)
    # Alice's upload is laid over the corpus as it is now.
    for question, expected in [
        ("When does the Ardmore ferry leave Port Ellen?", "nine"),
        ("Which company completed the lunar outpost?", "Helios"),
    ]:
        chat, _, _ = alice.predict(question, [], api_name="/ask")
        assert expected in content_text(chat[-1]["content"])
    chat, _, _ = bob.predict("Which company completed the lunar outpost?", [], api_name="/ask")
    assert "Helios" not in content_text(chat[-1]["content"])
    # The index on disk was brought up to date too: the next start embeds nothing.
    assert QA.from_directory(folder, index_dir=tmp_path / "index", progress=False).build.documents_embedded == 0
    # A folder emptied by mistake loses nothing already loaded.
    for path in folder.iterdir():
        path.unlink()
    _, status, _ = bob.predict(api_name="/reload")
    assert "Could not read" in status and "the documents loaded before stay" in status
    chat, _, _ = bob.predict("When does the Ardmore ferry leave Port Ellen?", [], api_name="/ask")
    assert "nine" in content_text(chat[-1]["content"])


def test_a_zip_upload_adds_the_documents_inside_it(chat_url: str, tmp_path: Path) -> None:
    import zipfile

    from gradio_client import Client, handle_file

    archive = tmp_path / "harbour notes.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ferries/timetable.txt", "Ferry timetable\n\nThe Ardmore ferry leaves Port Ellen at nine.")
        zipped.writestr("ferries/fares.md", "# Fares\n\nA crossing costs four pounds.")
        zipped.writestr("tide.bin", b"\x00\x01\x02")
    client = Client(chat_url, verbose=False)
    corpus, status, _, scope = client.predict([handle_file(str(archive))], api_name="/upload")
    assert status.startswith("Indexed: Fares, Ferry timetable.")
    assert "harbour notes.zip/tide.bin" in status and "uploads/harbour notes/ferries/fares" in corpus
    # The archive's folder can be chosen to search in.
    assert "uploads/harbour notes/ferries/" in str(scope)
    chat, _, _ = client.predict(
        "When does the Ardmore ferry leave Port Ellen?", [], ["uploads/harbour notes/"], api_name="/ask"
    )
    assert "nine" in content_text(chat[-1]["content"])


def test_twenty_simultaneous_sessions_match_one_by_one(chat_url: str, qa: QA) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    from citeqa.conversation import Turn

    conversations = [
        ("Who hosted the first-ever Space Engagement Talks with Japan?", "What command does he lead?"),
        ("When was U.S. Space Forces Korea activated?", "And when will the one in Japan be activated?"),
        ("Who wrote the article about the Space Engagement Talks?", "Which office published it?"),
        ("What will follow the Space Engagement Talks?", "Who led them?"),
    ] * 5

    def one_session(pair: tuple[str, str]) -> list[str]:
        client = Client(chat_url, verbose=False)
        first, _, _ = client.predict(pair[0], [], api_name="/ask")
        second, _, _ = client.predict(pair[1], first, api_name="/ask")
        return [content_text(m["content"]) for m in second]

    with ThreadPoolExecutor(max_workers=20) as pool:
        together = list(pool.map(one_session, conversations))

    from citeqa.app import render_answer

    for pair, chat in zip(conversations, together, strict=True):
        first = qa.ask(pair[0])
        second = qa.ask(pair[1], [Turn(pair[0], first.text if first.answered else None)])
        assert len(chat) == 4, "another session's turns leaked into this one"
        assert chat[1] == render_answer(first)
        assert chat[3] == render_answer(second)


def test_answers_and_passages_say_which_slide_they_come_from() -> None:
    from citeqa.app import render_passages

    text = "Kickoff\n\nWelcome.\n\nSchedule\n\nThe lander launches in June 2028."
    second = text.index("Schedule")
    document = document_from_text("deck", text, page_starts=[0, second], page_labels=["slide 1", "slide 2"])
    start = text.index("June")
    sentence = Span.of(document, text.index("The lander"), len(text) - 1)
    citation = Citation(answer=Span.of(document, start, start + 9), sentence=sentence, score=0.9)
    passage = Passage(span=Span.of(document, second, len(text)), score=1.0, dense_score=1.0, bm25_score=1.0)
    answer = Answer("q", citation.quote, True, 0.9, (citation,), (passage,))
    assert "deck, slide 2, characters" in render_answer(answer)
    assert "deck, slide 2, characters" in render_passages(answer)


def test_a_kept_conversation_comes_back_and_junk_is_no_conversation(qa: QA) -> None:
    from citeqa.app import restored_turns, saved_turns, shown_question
    from citeqa.conversation import Turn

    answer = qa.ask("Who hosted the US-Japan Space Engagement Talks?")
    turns = [Turn("Who hosted the US-Japan Space Engagement Talks?", answer)]
    assert restored_turns(saved_turns(turns)) == turns
    for junk in (None, 3, [{"question": "x"}], [{"question": "x", "answer": {"text": "y"}}]):
        assert restored_turns(junk) == []
    # Shown as typed, never as Markdown; a question cut before it was read says so.
    assert shown_question("Is **this** a [link](http://x)?", "Is **this** a [link](http://x)?") == (
        "Is \\*\\*this\\*\\* a \\[link\\](http://x)?"
    )
    assert shown_question("1. Who", "1. Who hosted the talks, and where?").endswith("1\\. Who…")
