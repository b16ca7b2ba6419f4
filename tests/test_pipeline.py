"""End to end on the default corpus: the questions of ../shared/eval/questions.jsonl and bad input."""

from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path

import pytest

from citeqa import NO_ANSWER, QA, EmptyCorpusError, QuestionError, Turn
from citeqa.answers import Citation, Span
from citeqa.datasets import load_jsonl
from tests.conftest import QUESTIONS

ROWS = load_jsonl(QUESTIONS) if QUESTIONS.exists() else []
ANSWERABLE = [q for q in ROWS if q.answerable and not q.history]
UNANSWERABLE = [q for q in ROWS if not q.answerable]

needs_rows = pytest.mark.skipif(not ROWS, reason=f"question set not found at {QUESTIONS}")


@pytest.mark.parametrize("row", ANSWERABLE, ids=lambda q: q.id)
def test_retrieval_finds_an_expected_document(qa: QA, row) -> None:  # type: ignore[no-untyped-def]
    passages = qa.retrieve(row.question, 5)
    assert {p.span.document_id for p in passages} & set(row.documents)


@pytest.mark.parametrize("answerer", ["heuristic", "reader"])
@pytest.mark.parametrize("row", ANSWERABLE, ids=lambda q: q.id)
def test_every_citation_quotes_its_document_exactly(qa: QA, row, answerer: str) -> None:  # type: ignore[no-untyped-def]
    answer = qa.ask(row.question, answerer=answerer)  # type: ignore[arg-type]
    for citation in answer.citations:
        document = qa.documents[citation.document_id]
        assert document.text[citation.start : citation.end] == citation.quote
        sentence = citation.sentence
        assert document.text[sentence.start : sentence.end] == sentence.text
        assert sentence.start <= citation.start and citation.end <= sentence.end
        assert 0.0 <= citation.score <= 1.0
        assert citation.title == document.title
    for passage in answer.passages:
        assert qa.documents[passage.span.document_id].text[passage.span.start : passage.span.end] == passage.span.text
    spans = [(c.document_id, c.start, c.end) for c in answer.citations]
    for i, (d, s, e) in enumerate(spans):
        assert not any(d == d2 and s < e2 and s2 < e for d2, s2, e2 in spans[i + 1 :]), "duplicate candidates"


@pytest.mark.parametrize(
    "question",
    [
        "What is the recipe for chocolate cake?",
        "Who won the 1998 football World Cup?",
        "What is the boiling point of mercury?",
        *[q.question for q in UNANSWERABLE[:1]],
    ],
)
def test_questions_the_documents_do_not_answer_are_declined(qa: QA, question: str) -> None:
    answer = qa.ask(question)
    assert not answer.answered
    assert answer.text == NO_ANSWER and answer.citations == ()
    assert answer.passages, "an abstention still shows the nearest passages"


@needs_rows
def test_every_unanswerable_row_is_declined(qa: QA) -> None:
    assert [q.id for q in UNANSWERABLE if qa.ask(q.question).answered] == []


def test_a_question_about_a_name_no_passage_mentions_is_declined_and_says_why(qa: QA) -> None:
    answer = qa.ask("When will U.S. Space Forces Australia be activated?")
    assert not answer.answered and answer.citations == ()
    assert "Australia" in answer.message
    # The same question about a component the articles do name is answered.
    assert qa.ask("When was U.S. Space Forces Korea activated?").answered


def test_the_name_check_can_be_turned_off(corpus_dir: Path, tmp_path: Path) -> None:
    from dataclasses import replace

    from citeqa import Settings

    base = Settings()
    settings = replace(base, answer=replace(base.answer, require_named_entities=False))
    qa = QA.from_directory(corpus_dir, index_dir=tmp_path / "index", settings=settings, progress=False)
    answer = qa.ask("When will U.S. Space Forces Australia be activated?")
    assert "Australia" not in answer.message


def test_a_yes_no_question_is_answered_with_the_sentence_that_settles_it(tmp_path: Path) -> None:
    from dataclasses import replace

    from citeqa import Settings

    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "bridge.md").write_text(
        "# Harbour bridge notice\n\n## 2.4 Night closures\n\nThe harbour bridge is closed at night for repairs. "
        "Ferries run every twenty minutes instead.\n\nThe bridge was opened in 1932 by Mayor Ellen Park.\n",
        "utf-8",
    )
    qa = QA.from_directory(corpus, index_dir=tmp_path / "index", progress=False)
    answer = qa.ask("Is the harbour bridge open at night?")
    assert answer.answered
    assert answer.text == "The harbour bridge is closed at night for repairs."
    assert answer.citations[0].answer == answer.citations[0].sentence
    # "A or B?" asks for one of two phrases, the reader's kind of answer.
    choice = "Was the bridge opened in 1932 or 1933?"
    assert qa.ask(choice).citations == qa.ask(choice, answerer="reader").citations
    # Turned off, the configured answerer (the reader) answers yes/no questions too.
    settings = replace(Settings(), answer=replace(Settings().answer, yes_no_answerer=None))
    reader_only = QA.from_directory(corpus, index_dir=tmp_path / "index", settings=settings, progress=False)
    question = "Is the harbour bridge open at night?"
    assert reader_only.ask(question).citations == reader_only.ask(question, answerer="reader").citations
    assert qa.ask(question).citations == qa.ask(question, answerer="heuristic").citations


def test_a_simple_question_is_answered_with_its_citation(qa: QA) -> None:
    answer = qa.ask("Who hosted the US-Japan Space Engagement Talks?")
    assert answer.answered
    assert "Mastalir" in answer.text
    assert answer.citations[0].document_id == "us-japan-space-engagement-talks"


def test_a_question_can_be_limited_to_chosen_documents(qa: QA) -> None:
    talks, allies = "us-japan-space-engagement-talks", "indo-pacific-allies-rules-based-order"
    question = "When was U.S. Space Forces Korea activated?"
    assert qa.ask(question).citations[0].document_id == allies
    # Limited to the other article, which does not say, it is declined rather than quoted from elsewhere.
    limited = qa.ask(question, documents=[talks])
    assert not limited.answered and limited.passages and "Searched 1 of 2 documents." in limited.message
    assert {p.span.document_id for p in limited.passages} == {talks}
    globbed = qa.ask(question, documents=["indo-*"])
    assert globbed.answered and {c.document_id for c in globbed.citations} == {allies}
    assert qa.ask(question, documents=[talks, allies]).message == ""
    # A follow-up's earlier question is asked of the same documents.
    follow_up = qa.ask("What command does he lead?", history=["Who hosted the talks?"], documents=[allies])
    assert {p.span.document_id for p in follow_up.passages} == {allies}
    with pytest.raises(QuestionError, match="No document matches “nope”"):
        qa.ask(question, documents=["nope"])
    with pytest.raises(QuestionError, match="No documents were chosen"):
        qa.ask(question, documents=[])


def test_documents_are_chosen_by_id_folder_or_pattern() -> None:
    from citeqa.documents import document_from_text

    texts = {"reports/2023": "Report 2023", "reports/2024": "Report 2024", "notes/reports": "Notes", "readme": "Read"}
    qa = QA.from_documents([document_from_text(i, t) for i, t in texts.items()], progress=False)
    assert qa.select_documents(["reports"]) == ["reports/2023", "reports/2024"]
    assert qa.select_documents("reports") == ["reports/2023", "reports/2024"]  # a bare string is one pattern
    assert qa.select_documents(["reports/"]) == ["reports/2023", "reports/2024"]
    # A document named like a folder ("reports.txt" beside "reports/"): the bare name is the document.
    with_file = qa.with_documents([document_from_text("reports", "Reports index")])
    assert with_file.select_documents(["reports"]) == ["reports"]
    assert with_file.select_documents(["reports/"]) == ["reports/2023", "reports/2024"]
    assert qa.select_documents(["*/reports", "readme"]) == ["notes/reports", "readme"]
    assert qa.select_documents(["reports/2024", "reports/*"]) == ["reports/2023", "reports/2024"]
    with pytest.raises(QuestionError):
        qa.select_documents(["report"])


def test_follow_up_uses_the_history(qa: QA) -> None:
    history = ["Who is the commander of United States Space Forces Indo-Pacific?"]
    answer = qa.ask("Where did he take part in a morning conversation?", history=history)
    assert "Mastalir" in answer.standalone_question
    assert answer.answered and "Mitchell Institute" in answer.text
    explicit = qa.ask("What command does he lead?", history=[Turn("Who hosted the talks?", "Anthony J. Mastalir")])
    assert "Mastalir" in explicit.standalone_question


def test_a_turn_can_hold_the_answer_ask_returned(qa: QA) -> None:
    first = qa.ask("Who hosted the US-Japan Space Engagement Talks?")
    assert first.answered
    follow_up = qa.ask("What command does he lead?", history=[Turn(first.question, first)])
    assert "Mastalir" in follow_up.standalone_question


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\x00\x01"])
def test_empty_questions_get_a_clear_message(qa: QA, question: str) -> None:
    with pytest.raises(QuestionError, match="Please type a question"):
        qa.ask(question)


@pytest.mark.parametrize("question", ["-", "???", " ... ", "“”", "?!?!...;;"])
def test_a_question_without_words_gets_a_clear_message(qa: QA, question: str) -> None:
    with pytest.raises(QuestionError, match="has no words to look for: please type a question"):
        qa.ask(question)
    # A question in another script has words.
    assert qa.ask("東京?").question == "東京?"


def test_a_huge_question_is_truncated_with_a_message(qa: QA) -> None:
    answer = qa.ask("Who hosted the talks? " + "x" * 100_000)
    assert "only the first" in answer.message
    assert len(answer.question) == qa.settings.answer.max_question_chars


def test_an_empty_corpus_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    with pytest.raises(EmptyCorpusError, match="no readable documents"):
        QA.from_directory(tmp_path / "corpus", progress=False)


def test_a_corrupt_index_is_rebuilt_with_a_warning(
    tmp_path: Path, corpus_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = tmp_path / "docs_corpus"
    shutil.copytree(corpus_dir, corpus)
    first = QA.from_directory(corpus, progress=False)
    vectors = list((tmp_path / "embeddings" / "docs_corpus").glob("gen-*/vectors.faiss"))
    assert vectors
    for path in vectors:
        path.write_bytes(path.read_bytes()[:100])
    with caplog.at_level(logging.WARNING):
        again = QA.from_directory(corpus, progress=False)
    assert "rebuilding the index" in caplog.text
    assert again.build.documents_embedded == len(again.documents)
    assert again.index.chunks == first.index.chunks
    third = QA.from_directory(corpus, progress=False)
    assert third.build.documents_embedded == 0


def test_two_corpora_in_one_folder_keep_an_index_each(tmp_path: Path) -> None:
    texts = {"garden": "Garden notes\n\nThe roses bloom in June.", "kitchen": "Recipes\n\nBake at 200 C."}
    for name, text in texts.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "notes.txt").write_text(text, encoding="utf-8")
    QA.from_directory(tmp_path / "garden", progress=False)
    QA.from_directory(tmp_path / "kitchen", progress=False)
    again = QA.from_directory(tmp_path / "garden", progress=False)
    assert again.build.documents_embedded == 0 and again.build.documents_dropped == 0
    assert {p.name for p in (tmp_path / "embeddings").iterdir()} == {"garden", "kitchen"}


def test_an_index_kept_inside_its_corpus_is_not_read_as_documents(tmp_path: Path) -> None:
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Garden notes\n\nThe roses bloom in June.", encoding="utf-8")
    QA.from_directory(corpus, index_dir=corpus / "embeddings", progress=False)
    again = QA.from_directory(corpus, index_dir=corpus / "embeddings", progress=False)
    assert list(again.documents) == ["a"] and again.skipped == []
    assert again.build.documents_embedded == 0


def test_documents_sharing_an_id_are_refused(qa: QA) -> None:
    doc = next(iter(qa.documents.values()))
    with pytest.raises(ValueError, match="unique"):
        QA.from_documents([doc, doc], progress=False)


def test_an_added_file_is_indexed_and_answerable(tmp_path: Path, corpus_dir: Path) -> None:
    corpus = tmp_path / "docs_corpus"
    shutil.copytree(corpus_dir, corpus)
    QA.from_directory(corpus, progress=False)
    (corpus / "moon.md").write_text(
        "Moon base report\n\nThe lunar outpost Artemis Station was completed in March 2031 by Helios Corp.",
        encoding="utf-8",
    )
    (corpus / "junk.bin.txt").write_bytes(b"\x00\xff\x00binary")
    qa = QA.from_directory(corpus, progress=False)
    assert qa.build.documents_embedded == 1 and qa.build.documents_reused == 2
    assert [s.path for s in qa.skipped] == ["junk.bin.txt"]
    answer = qa.ask("Which company completed the lunar outpost?")
    assert answer.answered and answer.citations[0].document_id == "moon"


@pytest.mark.parametrize(
    "question",
    [
        "¿Quién organizó las conversaciones sobre el espacio?",
        "宇宙作戦について教えてください",
        "the the the the",
        "DROP TABLE documents; --",
        "<script>alert(1)</script>",
        "Mastalir " * 3000,
    ],
)
def test_odd_questions_get_an_answer_or_an_honest_abstention(qa: QA, question: str) -> None:
    answer = qa.ask(question)
    assert answer.text
    for citation in answer.citations:
        assert qa.documents[citation.document_id].text[citation.start : citation.end] == citation.quote


def test_candidates_never_repeat_an_answer(qa: QA) -> None:
    # "Japan" stands in the title and in the body; the candidates are alternatives, so it is offered once.
    answer = qa.ask("Which country hosted the first Space Engagement Talks with the United States?")
    assert answer.answered and len(answer.citations) >= 2
    words = [" ".join(c.quote.casefold().split()).strip('.,“”"') for c in answer.citations]
    assert len(set(words)) == len(words), words
    for kept, other in [(a, b) for i, a in enumerate(answer.citations) for b in answer.citations[i + 1 :]]:
        if kept.document_id == other.document_id:
            assert kept.end <= other.start or other.end <= kept.start


def test_a_copy_of_a_document_does_not_take_a_passages_place(qa: QA) -> None:
    original = qa.documents["us-japan-space-engagement-talks"]
    copy = dataclasses.replace(original, id="us-japan-space-engagement-talks (1)")
    with_copy = QA.from_documents([*qa.documents.values(), copy], progress=False)
    passages = with_copy.retrieve("Who hosted the Space Engagement Talks?", top_k=8)
    # Each of the copy's chunks scores exactly as the original's does: without the rule every passage
    # from this article would come twice, side by side.
    assert {p.span.document_id for p in passages} & {original.id, copy.id}
    texts = [" ".join(p.span.text.split()) for p in passages]
    assert len(set(texts)) == len(texts)


def test_a_question_or_passages_in_a_language_the_models_do_not_read_say_so(qa: QA, tmp_path: Path) -> None:
    asked_in_french = qa.ask("Qui a organisé les entretiens sur l'engagement spatial ?")
    assert "The question reads as French; citeqa's models read English" in asked_in_french.message
    assert "reads as" not in qa.ask("Who hosted the Space Engagement Talks?").message
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "port.txt").write_text(
        "Le port de Saint-Malo\n\nLa ville de Saint-Malo a annoncé mardi la rénovation du quai est, endommagé par"
        " la tempête de janvier. Les travaux, estimés à 310 000 euros, commenceront en mars et dureront six mois.",
        encoding="utf-8",
    )
    french = QA.from_directory(corpus, index_dir=tmp_path / "index", progress=False)
    declined = french.ask("How much will the works on the east quay cost?")
    assert not declined.answered
    assert "The passages nearest to it are in French, which citeqa's models do not read." in declined.message


def test_a_fragment_follow_up_is_asked_as_the_last_question_about_it(qa: QA) -> None:
    korea = "When was U.S. Space Forces Korea activated?"
    japan = qa.ask("And Japan?", history=[korea])
    assert japan.standalone_question == "When was U.S. Space Forces Japan activated?"
    # Asked of a name the documents never mention, the rewritten question is declined and says why.
    france = qa.ask("What about France?", history=[korea])
    assert france.standalone_question == "When was U.S. Space Forces France activated?"
    assert not france.answered and "“France”" in france.message


class Ranked:
    """An answerer that offers fixed candidates in its own order: (quote, score), best first."""

    def __init__(self, qa: QA, candidates: list[tuple[str, float]]) -> None:
        document = qa.documents["indo-pacific-allies-rules-based-order"]
        self.citations = []
        for quote, score in candidates:
            start = document.text.index(quote)
            span = Span.of(document, start, start + len(quote))
            self.citations.append(Citation(answer=span, sentence=span, score=score))

    def run(self, question: str, passages: object, documents: object, limit: int) -> list[Citation]:
        return self.citations


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        # The answerer's first is the answer when it clears the bar, though another scores higher.
        ([("December of 2022", 0.9), ("Washington", 0.95)], ("December of 2022", 0.9)),
        # Below the bar, a first candidate gives way to the first that clears it.
        ([("December of 2022", 0.5), ("Washington", 0.95)], ("Washington", 0.95)),
        # The only one that clears it, ranked below as many candidates as are offered, still answers.
        ([("December of 2022", 0.5), ("Washington", 0.6), ("World War II", 0.7), ("Korea", 0.9)], ("Korea", 0.9)),
        # Nor is it lost to a first candidate below the bar that it repeats.
        ([("December of 2022", 0.5), ("of 2022", 0.9)], ("of 2022", 0.9)),
        # None clears it: declined, with the best score any candidate had.
        ([("December of 2022", 0.5), ("Washington", 0.7)], (NO_ANSWER, 0.7)),
    ],
)
def test_the_bar_decides_whether_to_answer_and_the_answerers_order_which_answer(
    qa: QA, candidates: list[tuple[str, float]], expected: tuple[str, float]
) -> None:
    ranked = qa.with_documents([])
    ranked.__dict__["_answerers"] = {"reader": Ranked(qa, candidates)}
    answer = ranked.ask("When was U.S. Space Forces Korea activated?", answerer="reader")
    assert (answer.text, answer.score) == expected
    assert answer.answered == (expected[0] != NO_ANSWER)
    assert all(c.score >= qa.settings.answer.reader_min_score for c in answer.citations)
