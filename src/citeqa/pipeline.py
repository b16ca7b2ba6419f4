"""citeqa top to bottom: documents → chunks → index → retrieval → answer."""

from __future__ import annotations

import collections
import fnmatch
import functools
import logging
import re
import threading
import time
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from citeqa.answers import NO_ANSWER, Answer, Citation, Passage, Span
from citeqa.bylines import HeaderAnswerer
from citeqa.chunking import Chunker, index_text
from citeqa.config import AnswererName, Settings
from citeqa.conversation import Turn, retrieval_query, standalone_question
from citeqa.documents import READABLE_TYPES, Document, SkippedFile, load_directory
from citeqa.embedding import TextEncoder, make_encoder
from citeqa.extraction_cache import ExtractionCache
from citeqa.grounding import bring_named_forward, missing_names
from citeqa.index import BuildStats, CorruptIndex, IndexStore, VectorIndex, update_index
from citeqa.languages import LanguageGuesser
from citeqa.lexical import BM25Index
from citeqa.questions import is_yes_no
from citeqa.retrieval import HybridRetriever
from citeqa.tables import TableAnswerer

logger = logging.getLogger(__name__)

# Beside the index generations: PDF texts extracted earlier (see citeqa.extraction_cache).
PDF_TEXT_DIR = "pdf-text"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WORDS = re.compile(r"\w+")


class QuestionError(ValueError):
    """A question citeqa cannot ask; the message is meant for the person who typed it."""


class EmptyCorpusError(ValueError):
    """There is nothing to search."""


class Answerer(Protocol):
    def run(
        self, question: str, passages: Sequence[Passage], documents: dict[str, Document], limit: int
    ) -> list[Citation]: ...


class QA:
    """Ask questions of a corpus; every answer quotes a document and says where."""

    def __init__(
        self,
        documents: Sequence[Document],
        index: VectorIndex,
        encoder: TextEncoder,
        settings: Settings,
        *,
        skipped: Sequence[SkippedFile] = (),
        build: BuildStats | None = None,
    ) -> None:
        if not documents:
            raise EmptyCorpusError(f"the corpus has no readable documents ({READABLE_TYPES})")
        self.settings = settings
        self.documents = {d.id: d for d in documents}
        self.index = index
        self.encoder = encoder
        self.skipped = list(skipped)
        self.build = build or BuildStats()
        self._lock = threading.Lock()
        texts = [index_text(self.documents[c.document_id], c, settings.chunks.title_for_bm25) for c in index.chunks]
        self.retriever = HybridRetriever(index, BM25Index(texts), encoder, settings.retrieval)
        self._header = HeaderAnswerer()
        self._tables = TableAnswerer(self.retriever.bm25.tokenize)
        # Says when a question or the passages it found are in a language the models do not read.
        self.languages = LanguageGuesser()

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def from_directory(
        cls,
        corpus: str | Path = "docs_corpus",
        *,
        index_dir: str | Path | None = None,
        settings: Settings | None = None,
        progress: bool = True,
        encoder: TextEncoder | None = None,
    ) -> QA:
        """Load ``corpus`` and its index, rebuilding only what changed.

        ``index_dir``: where the index lives; by default ``embeddings/<name of corpus>/`` beside the
        corpus, so that two corpora in one folder keep an index each. ``encoder``: an already loaded
        one to share (it must be the one ``settings`` names).
        """
        corpus = Path(corpus)
        settings = settings or Settings()
        index_dir = Path(index_dir) if index_dir is not None else default_index_dir(corpus)
        cache = ExtractionCache(index_dir / PDF_TEXT_DIR)
        loaded = load_directory(
            corpus, max_bytes=settings.max_file_bytes, progress=progress, cache=cache, exclude=[index_dir]
        )
        if not loaded.documents:
            names = ", ".join(s.path for s in loaded.skipped)
            detail = f" (skipped: {names})" if names else ""
            raise EmptyCorpusError(f"no readable documents in {corpus}{detail}")
        return cls.from_documents(
            loaded.documents,
            index_dir=index_dir,
            settings=settings,
            progress=progress,
            skipped=loaded.skipped,
            encoder=encoder,
        )

    @classmethod
    def from_documents(
        cls,
        documents: Sequence[Document],
        *,
        index_dir: str | Path | None = None,
        settings: Settings | None = None,
        progress: bool = True,
        skipped: Sequence[SkippedFile] = (),
        encoder: TextEncoder | None = None,
    ) -> QA:
        """``encoder``: an already loaded one to share (it must be the one ``settings`` names)."""
        settings = settings or Settings()
        if not documents:
            raise EmptyCorpusError("the corpus has no documents")
        shared = sorted(doc_id for doc_id, n in collections.Counter(d.id for d in documents).items() if n > 1)
        if shared:
            raise ValueError(f"document ids must be unique; more than one document has the id {shared[0]!r}")
        encoder = encoder or make_encoder(settings.model_dir, settings.encoder, settings.encode_batch_size)
        index, build = open_index(documents, encoder, settings, Path(index_dir) if index_dir else None, progress)
        return cls(documents, index, encoder, settings, skipped=skipped, build=build)

    def with_documents(self, documents: Sequence[Document]) -> QA:
        """A new QA over this corpus plus ``documents`` (a same id replaces); only those are embedded.

        This QA is left untouched, so each chat session can keep uploads of its own; the encoder and
        the reader are shared, so no model is loaded twice.
        """
        merged = {**self.documents, **{d.id: d for d in documents}}
        hashes = {doc_id: d.content_hash for doc_id, d in self.documents.items()}
        chunker = Chunker(self.settings.chunks, self.encoder.count_tokens)
        index, _, stats = update_index(
            list(merged.values()),
            (self.index, hashes),
            chunker.run_many,
            lambda d, c: index_text(d, c, self.settings.chunks.title_for_embedding),
            self.encoder.encode,
            self.encoder.dimension,
        )
        extended = QA(list(merged.values()), index, self.encoder, self.settings, skipped=self.skipped, build=stats)
        self._share_models_with(extended)
        return extended

    def reloaded(self, corpus: str | Path, *, index_dir: str | Path | None = None) -> QA:
        """A new QA over ``corpus`` read again from disk: only new or changed files are embedded, the
        stored index is brought up to date, and the models are shared. This QA is left untouched, so
        questions already being answered finish on it."""
        fresh = QA.from_directory(
            corpus, index_dir=index_dir, settings=self.settings, progress=False, encoder=self.encoder
        )
        self._share_models_with(fresh)
        return fresh

    def _share_models_with(self, other: QA) -> None:
        with self._lock:
            other.__dict__["_answerers"] = self._answerers
        other.languages = self.languages

    # --- asking -----------------------------------------------------------------------------

    @cached_property
    def _answerers(self) -> dict[AnswererName, Answerer]:
        from citeqa.heuristic import HeuristicAnswerer
        from citeqa.support import SentenceSupport

        tokenize = self.retriever.bm25.tokenize
        answerers: dict[AnswererName, Answerer] = {"heuristic": HeuristicAnswerer(self.encoder, tokenize)}
        try:
            from citeqa.reading import ReaderAnswerer

            answerers["reader"] = ReaderAnswerer(
                support=SentenceSupport(self.encoder, tokenize),
                support_weight=self.settings.answer.reader_support_weight,
            )
        except (ImportError, FileNotFoundError) as error:
            logger.warning("trained reader unavailable (%s); using the heuristic answerer", error)
        return answerers

    def answerer(self, name: AnswererName | None = None) -> tuple[AnswererName, Answerer]:
        """The answerer asked for (default: the configured one); the heuristic one if no reader is shipped."""
        with self._lock:
            answerers = self._answerers
        name = name or self.settings.answer.answerer
        if name not in answerers:
            name = "heuristic"
        return name, answerers[name]

    def select_documents(self, patterns: Iterable[str]) -> list[str]:
        """Ids of the documents ``patterns`` name, in corpus order: each an id ("reports/2023"), else a
        folder ("reports", every document under it; "reports/" is always the folder), or a glob
        ("reports/20*").

        Raises :class:`QuestionError` for a pattern that names no document, so a typo is not a search
        of nothing.
        """
        # One id given bare ("reports") is one pattern, not one per character.
        patterns = [patterns] if isinstance(patterns, str) else list(patterns)
        if not patterns:
            raise QuestionError("No documents were chosen to search; leave the choice out to search them all.")
        chosen: set[str] = set()
        for pattern in patterns:
            name = pattern.strip().strip("/")
            if name in self.documents and not pattern.strip().endswith("/"):
                matched = {name}
            elif any(mark in name for mark in "*?["):
                matched = set(fnmatch.filter(self.documents, name))
            else:
                matched = {doc_id for doc_id in self.documents if doc_id.startswith(name + "/")}
            if not name or not matched:
                raise QuestionError(
                    f"No document matches “{pattern}”: give a document's id (its path without extension),"
                    " a folder, or a pattern such as “reports/*”."
                )
            chosen |= matched
        return [doc_id for doc_id in self.documents if doc_id in chosen]

    @cached_property
    def _rows_by_document(self) -> dict[str, np.ndarray]:
        rows: dict[str, list[int]] = collections.defaultdict(list)
        for row, chunk in enumerate(self.index.chunks):
            rows[chunk.document_id].append(row)
        return {doc_id: np.asarray(r, dtype=np.int64) for doc_id, r in rows.items()}

    def retrieve(
        self,
        query: str,
        top_k: int | None = None,
        *,
        mode: str = "hybrid",
        documents: Iterable[str] | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Passage]:
        """The passages that best fit ``query``; ``documents``: only from these (ids, folders or globs)."""
        ids = None if documents is None else self.select_documents(documents)
        return self._retrieve(query, top_k, mode=mode, ids=ids, timings=timings)

    def _retrieve(
        self,
        query: str,
        top_k: int | None,
        *,
        mode: str = "hybrid",
        ids: Sequence[str] | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Passage]:
        """:meth:`retrieve` from documents whose ids are already resolved (``ask`` resolves them once)."""
        within = None
        if ids is not None:
            by_document = self._rows_by_document
            within = np.sort(np.concatenate([by_document.get(i, np.zeros(0, dtype=np.int64)) for i in ids]))
        passages, seen = [], set()
        for hit in self.retriever.run(query, top_k, mode=mode, within=within, timings=timings):
            chunk = self.index.chunks[hit.row]
            span = self._span(chunk.document_id, chunk.start, chunk.end)
            # A copy of a document ("report (1).pdf") says nothing its original does not; shown twice
            # it would take the place of a passage that might.
            words = " ".join(span.text.split())
            if words not in seen:
                seen.add(words)
                passages.append(Passage(span, hit.score, hit.dense, hit.bm25))
        return passages

    def ask(
        self,
        question: str,
        history: Sequence[str | Turn] = (),
        *,
        answerer: AnswererName | None = None,
        top_k: int | None = None,
        documents: Iterable[str] | None = None,
    ) -> Answer:
        """Answer ``question`` with quotes from the documents, or say that they don't say.

        ``documents``: answer from these alone (ids, folders or globs, as :meth:`select_documents`
        takes them); earlier questions in ``history`` are asked of the same ones.
        """
        question, message = self._clean(question)
        if language := self.languages.other_language(question):
            note = f"The question reads as {language}; citeqa's models read English, so ask in English."
            message = f"{message} {note}".strip()
        if documents is not None:
            documents = self.select_documents(documents)
            if len(documents) < len(self.documents):
                # Said with every answer: a declined question may be one the other documents answer.
                searched = f"Searched {len(documents)} of {len(self.documents)} documents."
                message = f"{message} {searched}".strip()
        turns = self.resolve_history(history, answerer=answerer, documents=documents)
        standalone = standalone_question(question, turns, self._similarity)
        settings = self.settings.answer
        timings: dict[str, float] = {}
        wanted = max(top_k or 0, settings.passages)
        depth = max(wanted, settings.name_search_depth) if settings.require_named_entities else wanted
        passages = self._retrieve(retrieval_query(question, turns, standalone), depth, ids=documents, timings=timings)
        if settings.require_named_entities:
            passages = bring_named_forward(standalone, passages, settings.passages)
        passages = passages[:wanted]
        started = time.perf_counter()
        name, chosen = self.answerer(answerer)
        if settings.yes_no_answerer and is_yes_no(standalone):
            name, chosen = self.answerer(settings.yes_no_answerer)
        read = passages[: settings.passages]
        if settings.require_named_entities:
            missing = missing_names(standalone, [t for p in read for t in (p.span.title, p.span.text)])
            if missing:
                note = f"No passage found mentions {_quoted_list(missing)}."
                message = f"{message} {note} {self._language_of(read)}".strip()
                timings["answer"] = 1000 * (time.perf_counter() - started)
                return Answer(question, NO_ANSWER, False, 0.0, (), tuple(passages), standalone, message, timings)
        limit = top_k or settings.max_candidates
        # Who wrote or filed a document is in its header, and a table's cell is where its row and column
        # cross: neither is prose, which is all a reader was trained to read.
        citations = (
            self._header.run(standalone, read, self.documents, limit)
            or self._tables.run(standalone, read, self.documents, limit)
            or chosen.run(standalone, read, self.documents, limit)
        )
        timings["answer"] = 1000 * (time.perf_counter() - started)
        # Every candidate offered must clear the same bar; none clearing it means abstaining. The
        # answerer's order, not the score, says which of them is the answer, so the bar comes first:
        # a confident candidate ranked below others, or below one it repeats, still means an answer.
        bar = settings.min_score(name)
        confident = tuple(_deduplicate([c for c in citations if c.score >= bar]))[:limit]
        if not confident:
            best = max((c.score for c in citations), default=0.0)
            message = f"{message} {self._language_of(read)}".strip()
            return Answer(question, NO_ANSWER, False, best, (), tuple(passages), standalone, message, timings)
        answer = confident[0]
        return Answer(
            question, answer.quote, True, answer.score, confident, tuple(passages), standalone, message, timings
        )

    # --- helpers ----------------------------------------------------------------------------

    def _similarity(self, text: str, others: Sequence[str]) -> list[float]:
        """Cosine of ``text`` and each of ``others`` in the embedding space (for "And Japan?")."""
        vectors = self.encoder.encode([text, *others])
        return [float(v) for v in vectors[1:] @ vectors[0]]

    def _language_of(self, passages: Sequence[Passage]) -> str:
        """Why a question may have been declined: "" unless most of the passages read are in a language
        the models do not read."""
        languages = collections.Counter(self.languages.other_language(p.span.text) for p in passages)
        foreign = [(n, language) for language, n in languages.items() if language]
        if not foreign or 2 * sum(n for n, _ in foreign) < len(passages):
            return ""
        return f"The passages nearest to it are in {max(foreign)[1]}, which citeqa's models do not read."

    def _clean(self, question: str) -> tuple[str, str]:
        return clean_question(question, self.settings.answer.max_question_chars)

    def resolve_history(
        self,
        history: Sequence[str | Turn],
        *,
        answerer: AnswererName | None = None,
        documents: Iterable[str] | None = None,
    ) -> list[Turn]:
        """Earlier turns given as bare questions are answered first, so pronouns can point at the answers."""
        turns: list[Turn] = []
        for item in history:
            if isinstance(item, Turn):
                turns.append(item)
                continue
            try:
                earlier = self.ask(item, turns, answerer=answerer, documents=documents)
            except QuestionError:
                continue
            turns.append(Turn(item, earlier))
        return turns

    def _span(self, document_id: str, start: int, end: int) -> Span:
        document = self.documents[document_id]
        return Span.of(document, start, end)


def clean_question(question: str, max_chars: int) -> tuple[str, str]:
    """The question as it will be asked, and a note for the asker when it had to be shortened.

    Raises :class:`QuestionError` for anything that is not a question one can ask.
    """
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    question = _CONTROL.sub(" ", question).strip()
    if not question:
        raise QuestionError("Please type a question.")
    if not _WORDS.search(question):
        raise QuestionError(f"“{question[:40]}” has no words to look for: please type a question.")
    if len(question) > max_chars:
        message = f"Your question was {len(question):,} characters long; only the first {max_chars:,} were used."
        return question[:max_chars], message
    return question, ""


def default_index_dir(corpus: Path) -> Path:
    """``embeddings/<corpus folder name>/`` beside the corpus: one index per corpus, never inside it."""
    folder = corpus.resolve()
    return folder.parent / "embeddings" / (folder.name or "corpus")


def open_index(
    documents: Sequence[Document], encoder: TextEncoder, settings: Settings, index_dir: Path | None, progress: bool
) -> tuple[VectorIndex, BuildStats]:
    """Load the stored index when it matches, else bring it up to date and store it atomically."""
    fingerprint = settings.index_fingerprint()
    store = IndexStore(index_dir) if index_dir else None
    previous = None
    if store is not None:
        try:
            previous = store.load(fingerprint)
        except CorruptIndex as error:
            logger.warning("rebuilding the index: %s", error)
    chunker = Chunker(settings.chunks, encoder.count_tokens)
    stored_hashes = previous[1] if previous else {}
    if previous is not None and stored_hashes == {d.id: d.content_hash for d in documents}:
        return previous[0], BuildStats(documents_reused=len(documents))
    index, hashes, stats = update_index(
        documents,
        previous,
        functools.partial(chunker.run_many, progress=progress),
        lambda d, c: index_text(d, c, settings.chunks.title_for_embedding),
        functools.partial(encoder.encode, progress=progress),
        encoder.dimension,
    )
    if store is not None:
        store.save(index, hashes, fingerprint)
    return index, stats


def _deduplicate(citations: list[Citation]) -> list[Citation]:
    """The first (answerers give their best first) of answers that overlap (chunks overlap) or say the
    same words in another place.

    Candidates are alternatives for the reader to weigh: "Japan" from the title and "Japan" from the
    body are one alternative, not two.
    """
    kept: list[Citation] = []
    seen: set[str] = set()
    for citation in citations:
        words = " ".join(_WORDS.findall(citation.quote.casefold()))
        if words in seen or any(
            k.document_id == citation.document_id and k.start < citation.end and citation.start < k.end for k in kept
        ):
            continue
        seen.add(words)
        kept.append(citation)
    return kept


def _quoted_list(words: Sequence[str]) -> str:
    quoted = [f"“{w}”" for w in dict.fromkeys(words)]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
