from __future__ import annotations

from typing import Any

import pytest

from citeqa.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_abbreviations_do_not_end_a_sentence() -> None:
    text = (
        "Space Force Brig. Gen. Anthony J. Mastalir said that U.S. forces are working. "
        "He spoke at the Mitchell Institute."
    )
    assert sentences(text) == [
        "Space Force Brig. Gen. Anthony J. Mastalir said that U.S. forces are working.",
        "He spoke at the Mitchell Institute.",
    ]


def test_ranks_before_names_stay_with_the_name() -> None:
    assert sentences("  • By Tech. Sgt. Nick Wilson\n") == ["• By Tech. Sgt. Nick Wilson"]


def test_lines_without_a_period_are_their_own_sentences() -> None:
    text = "A Headline Without a Period\n\nThe body starts here. It goes on."
    assert sentences(text) == ["A Headline Without a Period", "The body starts here.", "It goes on."]


def test_a_paragraph_wrapped_to_a_width_is_read_as_whole_sentences() -> None:
    # As pypdf hands back a page: a heading, a wrapped paragraph, a list, a page number.
    text = (
        "What this spec is for\n"
        "Many programs use the MIME system to represent the types of files. Frequently, it\n"
        "is necessary to work out the correct MIME type for a file, by examining the file's\r\n"
        "name or contents.\n"
        "This specification proposes:\n"
        "• A standard way for applications to install new MIME related information about\n"
        "types of files and the programs that open them.\n"
        "• A standard way of getting the MIME type.\n"
        "3\n"
    )
    assert sentences(text) == [
        "What this spec is for",
        "Many programs use the MIME system to represent the types of files.",
        "Frequently, it\nis necessary to work out the correct MIME type for a file, by examining the file's\r\n"
        "name or contents.",
        "This specification proposes:",
        "• A standard way for applications to install new MIME related information about\n"
        "types of files and the programs that open them.",
        "• A standard way of getting the MIME type.",
        "3",
    ]


def test_a_wrapped_sentence_goes_on_past_a_colon_when_the_next_line_does() -> None:
    text = (
        "The chat prints the local address to open in a browser, and then it waits. Nothing is downloaded:\n"
        "the model comes from a package installed beforehand, and the weights from this repository.\n"
        "Three things are checked before the chat starts, one after the other, in this order:\n"
        "The corpus folder, the index, and the reader's weights, each with a clear message.\n"
    )
    assert sentences(text) == [
        "The chat prints the local address to open in a browser, and then it waits.",
        "Nothing is downloaded:\nthe model comes from a package installed beforehand, and the weights from this"
        " repository.",
        "Three things are checked before the chat starts, one after the other, in this order:",
        "The corpus folder, the index, and the reader's weights, each with a clear message.",
    ]


def test_short_lines_and_blank_lines_are_never_joined() -> None:
    # A title, a byline block and paragraphs one per line, as in the default corpus: nothing is wrapped.
    text = (
        "US, Japan host first-ever Space Engagement Talks\n\n"
        "  • Published\n  • By Tech. Sgt. Nick Wilson\n  • Pacific Air Forces Public Affairs\n\n"
        "YOKOTA AIR BASE, Japan -- The ongoing race against adversaries who possess advanced space capabilities\n\n"
        "emphasizes the need to reinforce norms of behavior in space.\n"
    )
    assert sentences(text) == [
        "US, Japan host first-ever Space Engagement Talks",
        "• Published",
        "• By Tech. Sgt. Nick Wilson",
        "• Pacific Air Forces Public Affairs",
        "YOKOTA AIR BASE, Japan -- The ongoing race against adversaries who possess advanced space capabilities",
        "emphasizes the need to reinforce norms of behavior in space.",
    ]


def test_offsets_index_the_original_text_with_unicode() -> None:
    text = "Lt.\u00a0Gen. Philip A. Garrant led the talks. “It’s exciting,” he said.\u00a0 Next one."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Lt.\u00a0Gen. Philip A. Garrant led the talks.",
        "“It’s exciting,” he said.",
        "Next one.",
    ]
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t") == []


def test_splitting_is_thread_safe() -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [
        f"Sentence one of text {i}. Sentence two is longer, for text {i}! And a third?" * (1 + i % 3) for i in range(40)
    ]
    expected = [split_sentences(t) for t in texts]
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert list(pool.map(split_sentences, texts * 5)) == expected * 5


def test_the_splitter_is_part_of_the_index_fingerprint(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Other sentence boundaries mean other chunks, so a stored index must not outlive a splitter change."""
    import citeqa.sentences
    from citeqa import Settings

    before = Settings().index_fingerprint()
    monkeypatch.setattr(citeqa.sentences, "splitter_version", lambda: "another splitter 9.9")
    assert Settings().index_fingerprint() != before


def test_text_the_splitter_alters_is_kept_as_a_sentence_of_its_own() -> None:
    for text in ["He paid $5 &amp; left. Then ∯ came. Done.", "x &ᓰ& y. Second one. Third."]:
        covered = "".join(text[s:e] for s, e in split_sentences(text))
        assert covered.replace(" ", "") == text.replace(" ", "")


def test_sentences_are_pysbds_own() -> None:
    """We skip pysbd's slow re-finding step; the sentences must still be exactly what pysbd returns."""
    import pysbd

    from citeqa.sentences import _pysbd_sentences

    lines = [
        "Space Force Brig. Gen. Anthony J. Mastalir said that U.S. forces are working. He spoke.",
        "Cases rose to 3.5 per cent (Fig. 2). Mortality was low, e.g. in Wuhan.  Next one here? Yes!",
        "“It’s exciting,” he said.\u00a0The talks ran 2 p.m. to 5 p.m. on Oct. 3, 2023 at 1600 Pennsylvania Ave.",
    ]
    for line in lines:
        reference = pysbd.Segmenter(language="en", clean=False, char_span=False).segment(line)
        assert [s.strip() for s in _pysbd_sentences(line)] == [s.strip() for s in reference]


def _varied_texts() -> list[str]:
    return [
        f"Article {i}. Brig. Gen. A. J. Smith met U.S. forces on Oct. {i % 28 + 1}. “Good,” he said.\nA headline\n"
        * (1 + i % 4)
        for i in range(30)
    ]


def test_splitting_many_texts_on_processes_gives_the_same_spans(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import citeqa.sentences
    from citeqa.sentences import split_sentences_many

    monkeypatch.setattr(citeqa.sentences, "PARALLEL_MIN_CHARS", 0)  # small texts, but through the pool
    texts = _varied_texts()
    assert split_sentences_many(texts, workers=2) == [split_sentences(t) for t in texts]


def test_a_broken_process_pool_falls_back_to_splitting_here(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures.process import BrokenProcessPool

    import citeqa.sentences
    from citeqa.sentences import split_sentences_many

    class BrokenPool:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise BrokenProcessPool("no processes here")

    monkeypatch.setattr(citeqa.sentences, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(citeqa.sentences, "ProcessPoolExecutor", BrokenPool)
    texts = _varied_texts()
    assert split_sentences_many(texts, workers=2) == [split_sentences(t) for t in texts]
    assert "splitting in this process" in caplog.text


def _split_in_a_daemon(texts: list[str], results: Any) -> None:
    import citeqa.sentences

    citeqa.sentences.PARALLEL_MIN_CHARS = 0
    try:
        results.put(list(citeqa.sentences.split_sentences_many(texts, workers=2)))
    except BaseException as error:  # the parent must see any failure, not a hang
        results.put(repr(error))


def test_a_daemon_process_splits_without_children() -> None:
    """Daemon processes may not start children; splitting there must still work, in-process."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    texts = _varied_texts()
    worker = context.Process(target=_split_in_a_daemon, args=(texts, results), daemon=True)
    worker.start()
    got = results.get(timeout=60)
    worker.join(timeout=10)
    assert got == [split_sentences(t) for t in texts]


def test_progress_bar_counts_every_document_on_processes_and_here(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import tqdm.auto

    import citeqa.sentences
    from citeqa.sentences import split_sentences_many

    def without_delay(*args, **kwargs):  # type: ignore[no-untyped-def]
        return tqdm.auto.tqdm(*args, **{**kwargs, "delay": 0})  # these small texts take under a second

    monkeypatch.setattr(citeqa.sentences, "tqdm", without_delay)
    monkeypatch.setattr(citeqa.sentences, "PARALLEL_MIN_CHARS", 0)
    texts = _varied_texts()
    for workers in (2, 1):
        assert split_sentences_many(texts, workers=workers, progress=True) == [split_sentences(t) for t in texts]
        err = capsys.readouterr().err
        assert "Splitting sentences" in err and f"{len(texts)}/{len(texts)}" in err


def test_a_remembered_split_is_a_fresh_list_each_time() -> None:
    text = "The quay opens at six. The ferry leaves at seven."
    first = split_sentences(text)
    first.append((0, 1))
    assert split_sentences(text) == [(0, 22), (23, 49)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # pysbd ends a sentence at the first full stop of a relative path; the path is one word.
        ("Add a symlink pointing to ../conf.avail/70-yes-bitmaps.conf: done.", 1),
        ("Run cd ../build and make. Then test.", 2),
        ("Use ./configure first. Next step.", 2),
        # Sentences that follow without a space in a script that uses none stay apart.
        ("日本語の文です。次の文です。", 2),
    ],
)
def test_a_path_is_not_cut_at_its_full_stop(text: str, expected: int) -> None:
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert len(sentences) == expected
    assert "".join(sentences).replace(" ", "") == text.replace(" ", "")
