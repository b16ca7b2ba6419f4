"""The Gradio chat: answers with their quotes highlighted in context, sources beside them."""

from __future__ import annotations

import contextlib
import html
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from citeqa.answers import Answer, Citation, Passage, Span, passage_preview, quoted
from citeqa.conversation import Turn
from citeqa.documents import (
    READABLE_SUFFIXES,
    SUPPORTED_SUFFIXES,
    Document,
    pages_without_text,
)
from citeqa.formats import TABLE_CELL_SEPARATOR
from citeqa.pipeline import QA, QuestionError
from citeqa.sessions import SessionCorpus, SharedCorpus, read_uploads
from citeqa.transcript import transcript

EXAMPLES = [
    "Who hosted the US-Japan Space Engagement Talks?",
    "When was U.S. Space Forces Korea activated?",
    "What is the name of the Space Force line of effort that drives collaboration with allies?",
]

QUESTION_PLACEHOLDER = "Ask a question about the documents…"

# Colours hold in the dark theme too (Gradio follows the system's): the mark keeps its own dark text
# on yellow, where inherited white would vanish, and hints take the theme's subdued colour.
CSS = """
mark { background: #ffe58a; color: #1f2937; padding: 0 .1em; border-radius: .2em; }
.citeqa-passage { border-left: 3px solid var(--border-color-primary); padding: .3em .6em; margin: .5em 0;
  font-size: .92em; }
.citeqa-passage.cited { border-color: #e0a800; }
.citeqa-meta { color: var(--body-text-color-subdued); font-size: .85em; }
.citeqa-document { white-space: pre-wrap; max-height: 420px; overflow-y: auto; font-size: .92em; }
#citeqa-open { display: none; }
"""

# Citation links live inside chat messages, which cannot call Python; a click writes the request
# into a hidden textbox, whose change event renders the viewer.
VIEWER_JS = """
<script>
document.addEventListener('click', (event) => {
  const link = event.target.closest && event.target.closest('a.citeqa-cite');
  if (!link) return;
  event.preventDefault();
  const box = document.querySelector('#citeqa-open textarea, #citeqa-open input');
  if (!box) return;
  box.value = decodeURIComponent(link.getAttribute('href').replace('#cite=', ''));
  box.dispatchEvent(new Event('input', { bubbles: true }));
});
</script>
"""
# Gradio scrolls a chat to its bottom, which leaves a long answer's first lines (the answer itself)
# above the view, under the "Conversation" label; the newest question is brought to the top instead.
SCROLL_TO_QUESTION_JS = """() => { setTimeout(() => {
  const wrap = document.querySelector('#citeqa-chat .bubble-wrap');
  const asked = wrap ? wrap.querySelectorAll('.user-row') : [];
  if (!asked.length) return;
  const last = asked[asked.length - 1];
  wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 40;
}, 50); }"""
SCROLL_TO_QUOTE_JS = (
    "() => { setTimeout(() => document.querySelector('#citeqa-viewer mark')?.scrollIntoView({block: 'center'}), 100); }"
)


# A question is shown as typed: the chat renders Markdown, in which "**x**" would turn bold and
# "[here](http://…)" into a link that leaves the page. ("<" and ">" need no escape: html.escape
# makes them "&lt;" and "&gt;", which Markdown reads as text.)
_INLINE_MARKUP = re.compile(r"[\\`*_\[\]#|~]")
_LIST_MARKER = re.compile(r"^(\s*)(?:([-+])|(\d+)([.)]))(?=\s|$)", re.MULTILINE)


def _literal_markdown(text: str) -> str:
    text = _INLINE_MARKUP.sub(lambda m: f"\\{m.group()}", text)
    return _LIST_MARKER.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(2) else f"{m.group(1)}{m.group(3)}\\{m.group(4)}", text
    )


def shown_question(asked: str, typed: str) -> str:
    """The question ``typed`` as the chat shows it: literally, and cut to ``asked`` (with "…") where it
    was cut, since the rest was never read."""
    cut = len(asked) < len(typed.strip())
    return html.escape(_literal_markdown(asked)) + ("…" if cut else "")


def _highlight(text: str, start: int, end: int) -> str:
    """``text`` as safe HTML with ``text[start:end]`` marked; document text is never trusted as markup."""
    start, end = max(0, start), min(len(text), end)
    return f"{html.escape(text[:start])}<mark>{html.escape(text[start:end])}</mark>{html.escape(text[end:])}"


def _location(citation: Citation) -> str:
    part = f", {html.escape(citation.location)}" if citation.location else ""
    return f"{html.escape(citation.document_id)}{part}, characters {citation.start}–{citation.end}"


def _citation_link(citation: Citation) -> str:
    """A link that opens the cited document in the viewer (see VIEWER_JS), scrolled to the quote."""
    # The chat's sanitiser drops data-* attributes, so the request rides in the fragment.
    target = f"{quote(citation.document_id, safe='')}|{citation.start}|{citation.end}"
    return f"<a class='citeqa-cite' href='#cite={target}'><strong>{html.escape(citation.title)}</strong></a>"


VIEWER_HINT = "<p class='citeqa-meta'>Click a citation to see it in its document.</p>"


def render_document(qa: QA, request: str) -> str:
    """The whole document of a citation request ``"doc_id|start|end"``, the quote marked."""
    try:
        doc_id, start_text, end_text = request.rsplit("|", 2)
        start, end = int(start_text), int(end_text)
    except ValueError:
        return VIEWER_HINT
    document = qa.documents.get(doc_id)
    if document is None:
        # An upload removed, or lost with the page's reload; or a file deleted and the folder read again.
        return (
            f"<p class='citeqa-meta'>{html.escape(doc_id)} is no longer among the documents: it was removed"
            " (uploads last until the page is reloaded or they are removed).</p>"
        )
    part = document.location_at(start)
    where = f"{html.escape(document.id)}{f', {html.escape(part)}' if part else ''}, characters {start}–{end}"
    return (
        f"<div class='citeqa-meta'><strong>{html.escape(document.title)}</strong> — {where}</div>"
        # Focusable and named, so the text can be scrolled from the keyboard and found by a screen reader.
        f"<div class='citeqa-document' tabindex='0' role='region' aria-label='{html.escape(document.title)}'>"
        f"{_highlight(document.text, start, end)}</div>"
    )


def render_answer(answer: Answer) -> str:
    notice = f"<p><em>{html.escape(answer.message)}</em></p>\n\n" if answer.message else ""
    if not answer.answered:
        nearest = "".join(
            f"<li>{html.escape(p.span.title)}: {html.escape(passage_preview(p.span, 200))}</li>"
            for p in answer.passages[:3]
        )
        return f"{notice}<strong>{html.escape(answer.text)}</strong><p>Nearest passages:</p><ul>{nearest}</ul>"
    best = answer.citations[0]
    context = _context(answer, best)
    quote = _highlight(context.text, best.start - context.start, best.end - context.start)
    source = f"<p>{_citation_link(best)} — {_location(best)} · score {best.score:.2f}</p>"
    # Other spans that cleared the bar are offered as alternatives, not as more support for this answer.
    others = "".join(
        f"<li>{html.escape(quoted(c.quote))} — {_citation_link(c)}, {_location(c)} · score {c.score:.2f}</li>"
        for c in answer.citations[1:]
    )
    alternatives = f"<p class='citeqa-meta'>Other possible answers:</p><ul>{others}</ul>" if others else ""
    return (
        f"{notice}<p><strong>{html.escape(answer.text)}</strong></p><blockquote>{quote}</blockquote>"
        f"{source}{alternatives}"
    )


def _context(answer: Answer, citation: Citation) -> Span:
    """The text to show the quote inside: its sentence, or the retrieved passage around it when the
    quote is that whole sentence (else the answer would only be repeated) or a table's cell (whose
    row alone would not say which column it is: the passage holds the header too)."""
    if citation.answer != citation.sentence and TABLE_CELL_SEPARATOR not in citation.sentence.text:
        return citation.sentence
    return next(
        (
            p.span
            for p in answer.passages
            if p.span.document_id == citation.document_id
            and p.span.start <= citation.start
            and citation.end <= p.span.end
        ),
        citation.sentence,
    )


def render_passages(answer: Answer | None) -> str:
    if answer is None or not answer.passages:
        return "<p class='citeqa-meta'>Retrieved passages appear here.</p>"
    cited = {(c.document_id, c.start, c.end) for c in answer.citations}
    blocks = []
    for rank, passage in enumerate(answer.passages, start=1):
        blocks.append(_render_passage(rank, passage, cited))
    return "".join(blocks)


def _render_passage(rank: int, passage: Passage, cited: set[tuple[str, int, int]]) -> str:
    span = passage.span
    inside = [(s, e) for d, s, e in cited if d == span.document_id and span.start <= s and e <= span.end]
    body = (
        _highlight(span.text, inside[0][0] - span.start, inside[0][1] - span.start)
        if inside
        else html.escape(span.text)
    )
    meta = (
        f"#{rank} · {html.escape(span.title)} ({html.escape(span.document_id)}"
        f"{f', {html.escape(span.location)}' if span.location else ''}, characters {span.start}–{span.end})"
        f" · score {passage.score:.2f} (dense {passage.dense_score:.2f}, BM25 {passage.bm25_score:.1f})"
    )
    css = "citeqa-passage cited" if inside else "citeqa-passage"
    return f"<div class='{css}'><div class='citeqa-meta'>{meta}</div>{body}</div>"


def render_corpus(qa: QA) -> str:
    rows = "".join(
        f"<li>{html.escape(d.title)} <span class='citeqa-meta'>({html.escape(d.id)}, {len(d.text):,} chars)</span></li>"
        for d in qa.documents.values()
    )
    return f"<p><strong>{len(qa.documents)} documents indexed</strong></p><ul>{rows}</ul>"


def exchange(typed: str, answer: Answer) -> list[dict[str, str]]:
    """A question as typed and its answer, as the two messages the chat shows."""
    return [
        {"role": "user", "content": shown_question(answer.question, typed)},
        {"role": "assistant", "content": render_answer(answer)},
    ]


# The most turns a browser keeps (its storage holds a few megabytes; a turn with its passages, ~10 kB).
MAX_KEPT_TURNS = 50


def saved_turns(turns: list[Turn]) -> list[dict[str, Any]]:
    """The conversation as JSON for the browser to keep: its latest MAX_KEPT_TURNS turns."""
    return [
        {"question": turn.question, "answer": turn.answer.to_dict()}
        for turn in turns[-MAX_KEPT_TURNS:]
        if isinstance(turn.answer, Answer)
    ]


def restored_turns(saved: Any) -> list[Turn]:
    """The turns :func:`saved_turns` wrote; none from what it did not write (another version's, say)."""
    try:
        return [Turn(str(item["question"]), Answer.from_dict(item["answer"])) for item in saved]
    except (TypeError, KeyError, ValueError, AttributeError):
        return []


class TranscriptFolder:
    """Where exported conversations are written for the browser to download; an hour later they go."""

    def __init__(self, max_age_s: float = 3600.0) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="citeqa-transcripts-"))
        self.max_age_s = max_age_s

    def write(self, markdown: str) -> Path:
        now = time.time()
        for old in self.directory.glob("*.md"):
            with contextlib.suppress(OSError):  # another session may have removed it first
                if now - old.stat().st_mtime > self.max_age_s:
                    old.unlink()
        path = self.directory / f"citeqa-conversation-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}.md"
        path.write_text(markdown, encoding="utf-8")
        return path


# Above this many documents the list offers folders only: a page should not carry every title.
MAX_LISTED_DOCUMENTS = 2000


def document_choices(qa: QA) -> list[tuple[str, str]]:
    """What a question can be limited to, as (what the list shows, what ``QA.ask`` is given): each
    folder ("reports/", every document under it), then each document by title and id."""
    counts: dict[str, int] = {}
    for doc_id in qa.documents:
        parts = doc_id.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            counts[folder] = counts.get(folder, 0) + 1
    folders = [
        (f"{folder}/ (folder, {n} document{'' if n == 1 else 's'})", f"{folder}/")
        for folder, n in sorted(counts.items())
    ]
    if len(qa.documents) > MAX_LISTED_DOCUMENTS:
        return folders
    return folders + [(f"{d.title} ({d.id})" if d.title != d.id else d.id, d.id) for d in qa.documents.values()]


def describe_upload(
    documents: list[Document], problems: list[str], language_of: Callable[[Document], str | None] = lambda _: None
) -> str:
    """What the upload box says: what was indexed, what may read wrongly, and what was refused and why.

    ``language_of``: a document's language, if not one the models read (:meth:`LanguageGuesser.of_document`).
    """
    added = ", ".join(html.escape(d.title) for d in documents)
    notes = [
        f"<br>{html.escape(d.title)} is not UTF-8 and declares no encoding: read as {d.encoding}."
        " If its accents look wrong, save it as UTF-8 and upload it again."
        for d in documents
        if d.encoding_guessed
    ]
    notes += [
        f"<br>{html.escape(d.title)}: {html.escape(unread)}" for d in documents if (unread := pages_without_text(d))
    ]
    notes += [
        f"<br>{html.escape(d.title)} is in {language}: citeqa's models read English, so its answers will be few"
        " and poor."
        for d in documents
        if (language := language_of(d))
    ]
    return (
        (f"Indexed: {added}. Ask away." if documents else "")
        + "".join(notes)
        + "".join(f"<br>Refused {html.escape(p)}" for p in problems)
    )


def build_app(qa: QA, *, corpus_dir: Path | None = None, index_dir: Path | None = None) -> Any:
    """The chat over ``qa``; given the folder it was read from, it can read that folder again while it runs."""
    import gradio as gr

    shared = SharedCorpus(qa, corpus_dir, index_dir)

    def respond(
        message: str,
        chat: list[dict[str, str]],
        scope: list[str] | None,
        turns: list[Turn],
        session: SessionCorpus | None,
    ) -> tuple[Any, ...]:
        chat = list(chat or [])
        current, session = shared.for_session(session)
        try:
            answer = current.ask(message, turns, documents=scope or None)
        except QuestionError as error:
            if not (message or "").strip():
                # Nothing was asked: the reason, shown beside the chat (and raised to an API client),
                # not an empty question in the conversation.
                raise gr.Error(str(error), title="No question", print_exception=False) from error
            chat += [
                {"role": "user", "content": html.escape(message)},
                {"role": "assistant", "content": html.escape(str(error))},
            ]
            return chat, turns, render_passages(None), "", session
        chat += exchange(message, answer)
        turns = [*turns, Turn(message, answer)]
        return chat, turns, render_passages(answer), "", session

    def clear() -> tuple[Any, ...]:
        return [], [], render_passages(None), "", gr.File(value=None, visible=False), []

    def save(turns: list[Turn]) -> list[dict[str, Any]]:
        return saved_turns(turns)

    def restore(saved: list[dict[str, Any]] | None) -> tuple[Any, ...]:
        turns = restored_turns(saved)
        answers = [turn.answer for turn in turns if isinstance(turn.answer, Answer)]
        chat = [
            message for turn, answer in zip(turns, answers, strict=True) for message in exchange(turn.question, answer)
        ]
        return chat, turns, render_passages(answers[-1] if answers else None)

    exports = TranscriptFolder()

    def export(turns: list[Turn]) -> Any:
        if not turns:
            gr.Info("Ask something first: there is no conversation to export yet.")
            return gr.File(value=None, visible=False)
        return gr.File(value=str(exports.write(transcript(turns))), visible=True)

    def upload(
        files: list[str] | None,
        session: SessionCorpus | None,
        progress: Any = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:
        current, session = shared.for_session(session)
        progress(0.1, desc="Reading files…")
        documents, problems = read_uploads(list(files or []), qa.settings.max_upload_bytes)
        if documents:
            progress(0.4, desc=f"Indexing {len(documents)} document(s)…")
            base, earlier = (session.base, session.uploads) if session else (current, ())
            replaced = {d.id for d in documents}
            uploads = (*(d for d in earlier if d.id not in replaced), *documents)
            session = SessionCorpus(base, uploads, current.with_documents(documents))
            current = session.qa
        status = describe_upload(documents, problems, current.languages.of_document)
        return session, render_corpus(current), status, None, gr.Dropdown(choices=document_choices(current))

    def reload(session: SessionCorpus | None) -> tuple[Any, ...]:
        status = shared.reload()
        current, session = shared.for_session(session)
        return session, render_corpus(current), html.escape(status), gr.Dropdown(choices=document_choices(current))

    def forget_uploads(session: SessionCorpus | None) -> tuple[Any, ...]:
        # Back to the shared corpus; the uploads were only ever in this session's memory.
        current = shared.current
        removed = ", ".join(html.escape(d.title) for d in session.uploads) if session else ""
        status = f"Removed from this session: {removed}." if removed else "This session has no uploads to remove."
        return (
            None,
            render_corpus(current),
            status,
            gr.Dropdown(choices=document_choices(current), value=[]),
            VIEWER_HINT if removed else gr.skip(),
        )

    def show_corpus(session: SessionCorpus | None) -> tuple[Any, ...]:
        # On page load: the corpus as it is now, not as it was when the page was built.
        current, session = shared.for_session(session)
        return session, render_corpus(current), gr.Dropdown(choices=document_choices(current))

    # A question asked while an upload is being indexed would be answered from the corpus without it,
    # silently; so the question box waits, and says why, until the new documents are in.
    def hold_questions(files: list[str] | None) -> tuple[Any, ...]:
        waiting = f"Indexing {len(files or [])} file(s)… questions wait until they are in."
        return gr.Textbox(interactive=False, placeholder=waiting), gr.Button(interactive=False), waiting

    # While a question is answered its box is held too: a question typed meanwhile would be wiped
    # when the answer clears the box, and a second Enter would be dropped (an event runs once at a time).
    def hold_for_answer() -> tuple[Any, ...]:
        return gr.Textbox(interactive=False), gr.Button(interactive=False)

    def release_questions() -> tuple[Any, ...]:
        return gr.Textbox(interactive=True, placeholder=QUESTION_PLACEHOLDER), gr.Button(interactive=True)

    with gr.Blocks(title="citeqa", analytics_enabled=False) as demo:
        turns = gr.State([])
        # The conversation kept in the browser, so that reloading the page does not lose it. Sealed
        # with a key made when the chat starts: a restarted chat, whose corpus may have changed under
        # the old answers' offsets, starts a new conversation.
        kept = gr.BrowserState([], storage_key="citeqa-conversation")
        # Each browser session gets its own corpus once it uploads (a SessionCorpus): None means the shared one.
        session = gr.State(None)
        gr.Markdown("# citeqa\nAsk your documents. Every answer is a quote, with where it comes from.")
        with gr.Row():
            with gr.Column(scale=3):
                # No "share" button: it posts the conversation to Hugging Face, and citeqa stays offline.
                chatbot = gr.Chatbot(
                    label="Conversation",
                    elem_id="citeqa-chat",
                    autoscroll=False,  # SCROLL_TO_QUESTION_JS instead
                    height=480,
                    sanitize_html=True,
                    feedback_options=None,
                    buttons=["copy", "copy_all"],
                )
                question = gr.Textbox(
                    label="Question",
                    placeholder=QUESTION_PLACEHOLDER,
                    autofocus=True,
                    max_length=qa.settings.answer.max_question_chars * 50,
                )
                with gr.Row():
                    ask_button = gr.Button("Ask", variant="primary")
                    clear_button = gr.Button("Clear conversation")
                    export_button = gr.Button("Export conversation")
                export_file = gr.File(label="Conversation as Markdown", visible=False, interactive=False)
                scope = gr.Dropdown(
                    choices=document_choices(qa),
                    value=[],
                    multiselect=True,
                    label="Search in",
                    info="Leave empty to search every document; type to find one.",
                    elem_id="citeqa-scope",
                )
                gr.Examples(EXAMPLES, inputs=question)
            with gr.Column(scale=2):
                with gr.Accordion("Source", open=True):
                    viewer = gr.HTML(VIEWER_HINT, elem_id="citeqa-viewer")
                    open_request = gr.Textbox(elem_id="citeqa-open", show_label=False, container=False)
                with gr.Accordion("Retrieved passages", open=False):
                    passages = gr.HTML(render_passages(None))
                with gr.Accordion("Documents", open=False) as documents_panel:
                    corpus = gr.HTML(render_corpus(qa))
                    files = gr.File(
                        # A browser's file picker goes by extension: files without one come in a .zip.
                        label=f"Add documents ({READABLE_SUFFIXES}, or a .zip of them) to this session",
                        file_count="multiple",
                        file_types=[*SUPPORTED_SUFFIXES, ".zip"],
                        type="filepath",
                    )
                    upload_status = gr.HTML("")
                    with gr.Row():
                        forget_button = gr.Button("Remove my uploads", size="sm")
                        reload_button = gr.Button(
                            f"Read {corpus_dir.name or corpus_dir} again" if corpus_dir else "Read the folder again",
                            visible=corpus_dir is not None,
                            size="sm",
                        )
        outputs = [chatbot, turns, passages, question]
        asked = [*outputs, session]
        held = [question, ask_button]
        for asking, api in ((question.submit, {"api_name": "ask"}), (ask_button.click, {"api_visibility": "private"})):
            asking(hold_for_answer, None, held, queue=False, api_visibility="private").then(
                respond, [question, chatbot, scope, turns, session], asked, **api
            ).then(release_questions, None, held, queue=False, api_visibility="private").then(
                save, turns, kept, api_visibility="private"
            ).then(None, js=SCROLL_TO_QUESTION_JS)
        # The chat's own bin icon clears what is shown; the turns a follow-up leans on and an export
        # holds must go with it.
        for clearing in (clear_button.click, chatbot.clear):
            clearing(clear, None, [*outputs, export_file, kept], api_visibility="private")
        demo.load(restore, kept, [chatbot, turns, passages], api_visibility="private").then(
            None, js=SCROLL_TO_QUESTION_JS
        )
        reload_button.click(reload, session, [session, corpus, upload_status, scope], api_name="reload")
        forget_button.click(forget_uploads, session, [session, corpus, upload_status, scope, viewer], api_name="forget")
        demo.load(show_corpus, session, [session, corpus, scope], api_visibility="private")
        # Another tab may have read the folder again since this page loaded: the list is brought up to
        # date when it is opened, not only when the page is.
        for opening in (scope.focus, documents_panel.expand):
            opening(show_corpus, session, [session, corpus, scope], api_visibility="private", show_progress="hidden")
        export_button.click(export, turns, export_file, api_name="export")
        files.upload(
            hold_questions, files, [question, ask_button, upload_status], queue=False, api_visibility="private"
        ).then(upload, [files, session], [session, corpus, upload_status, files, scope], api_name="upload").then(
            release_questions, None, [question, ask_button], queue=False, api_visibility="private"
        )
        open_request.change(
            lambda request, current: render_document(shared.for_session(current)[0], request),
            [open_request, session],
            viewer,
            api_visibility="private",
        ).then(None, js=SCROLL_TO_QUOTE_JS)
    return demo


def _offline_theme() -> Any:
    import gradio as gr

    # The default theme pulls fonts from a web font service; system fonts keep the page offline. Its
    # orange buttons and pale hints fall short of WCAG's 4.5:1 contrast (axe-core): darker shades do not.
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    return theme.set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        # The dark theme (the system's choice) would otherwise put white on orange-600: 3.6:1.
        button_primary_background_fill_dark="*primary_700",
        button_primary_background_fill_hover_dark="*primary_800",
        block_info_text_color="*neutral_600",
        body_text_color_subdued="*neutral_600",
    )


def launch(
    qa: QA,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    corpus_dir: Path | None = None,
    index_dir: Path | None = None,
    block: bool = True,
) -> Any:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    demo = build_app(qa, corpus_dir=corpus_dir, index_dir=index_dir)
    demo.queue(default_concurrency_limit=8)
    _, local_url, _ = demo.launch(
        server_name=host,
        server_port=port or None,
        share=False,
        prevent_thread_lock=True,
        quiet=True,
        theme=_offline_theme(),
        css=CSS,
        head=VIEWER_JS,
        footer_links=[],
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
    )
    print(f"citeqa chat on {local_url} ({len(qa.documents)} documents)", flush=True)
    if block:
        demo.block_thread()
    return demo
