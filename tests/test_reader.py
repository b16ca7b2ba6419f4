"""Reader decoding (pure, hand-made logits) and, when the trained weights exist, fixed answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from citeqa.reader import (
    DEFAULT_MODEL_DIR,
    META_FILE,
    WEIGHTS_FILE,
    ExtractiveReader,
    ReaderSpan,
    best_spans,
)

NEG = -10.0


def _window(n: int, context: range) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Logits all NEG, offsets i*10..i*10+5 for passage tokens, mask true on ``context``."""
    s = np.full(n, NEG)
    e = np.full(n, NEG)
    mask = np.zeros(n, dtype=bool)
    mask[list(context)] = True
    offsets = np.zeros((n, 2), dtype=np.int64)
    for i in context:
        offsets[i] = (i * 10, i * 10 + 5)
    return s, e, offsets, mask


def test_picks_highest_valid_span_and_maps_offsets() -> None:
    s, e, off, mask = _window(12, range(5, 11))
    s[6], e[8] = 3.0, 4.0
    (best,) = best_spans(s[None], e[None], off[None], mask[None], max_answer_tokens=30)
    assert best is not None
    assert (best.start, best.end) == (60, 85)
    assert best.score == pytest.approx(7.0)
    assert best.null_score == pytest.approx(2 * NEG)


def test_never_returns_question_cls_or_separator_tokens() -> None:
    s, e, off, mask = _window(12, range(5, 11))
    # Very strong logits on CLS (0), question tokens (1-3) and SEP (4, 11) must be ignored.
    for i in (0, 1, 2, 3, 4, 11):
        s[i] = e[i] = 50.0
    s[7], e[7] = 1.0, 1.0
    (best,) = best_spans(s, e, off, mask, 30)
    assert best is not None
    assert (best.start, best.end) == (70, 75)
    assert best.null_score == pytest.approx(100.0)


def test_respects_max_answer_length_and_order() -> None:
    s, e, off, mask = _window(20, range(2, 19))
    s[3], e[15] = 10.0, 10.0  # 13 tokens long: too long for max 5
    s[10], e[9] = 9.0, 9.0  # end before start: invalid
    s[16], e[17] = 2.0, 2.0  # 2 tokens: the best valid span
    (best,) = best_spans(s, e, off, mask, 5)
    assert best is not None
    assert (best.start, best.end) == (160, 175)
    assert best.score == pytest.approx(4.0)
    (long_ok,) = best_spans(s, e, off, mask, 13)
    assert long_ok is not None and (long_ok.start, long_ok.end) == (30, 155)


def test_window_without_passage_tokens_gives_none() -> None:
    s, e, off, mask = _window(6, range(0))
    assert best_spans(s, e, off, mask, 30) == [None]


def test_batch_of_windows_decoded_independently() -> None:
    a = _window(8, range(3, 7))
    b = _window(8, range(3, 7))
    a[0][3], a[1][4] = 5.0, 5.0
    b[0][6], b[1][6] = 1.0, 1.0
    res = best_spans(np.stack([a[0], b[0]]), np.stack([a[1], b[1]]), np.stack([a[2], b[2]]), np.stack([a[3], b[3]]), 30)
    assert [(r.start, r.end) for r in res if r is not None] == [(30, 45), (60, 65)]


def test_exact_char_offsets_with_unicode_via_real_tokenizer() -> None:
    from transformers import AutoTokenizer

    from citeqa.reader import base_model_dir

    tok = AutoTokenizer.from_pretrained(str(base_model_dir()))
    passage = "The band\u00a0called it \u201cThe\u00a0Wall\u201d in 1979, said Ren\u00e9e."
    question = "What was it called?"
    enc = tok(question, passage, return_offsets_mapping=True)
    seq = enc.sequence_ids()
    mask = np.array([sid == 1 for sid in seq])
    offsets = np.array([o if sid == 1 else (0, 0) for o, sid in zip(enc["offset_mapping"], seq, strict=True)])
    want = "\u201cThe\u00a0Wall\u201d"
    lo = passage.index(want)
    hi = lo + len(want)
    toks = [i for i in range(len(seq)) if mask[i] and offsets[i][0] >= lo and offsets[i][1] <= hi]
    s = np.full(len(seq), NEG)
    e = np.full(len(seq), NEG)
    s[toks[0]], e[toks[-1]] = 5.0, 5.0
    (best,) = best_spans(s, e, offsets, mask, 30)
    assert best is not None
    assert passage[best.start : best.end] == want
    # An accented name round-trips to the original characters, not the normalised form.
    name = [i for i in range(len(seq)) if mask[i] and offsets[i][0] >= passage.index("Ren")]
    s[:] = NEG
    e[:] = NEG
    s[name[0]], e[name[-2]] = 5.0, 5.0  # last token is "."
    (best,) = best_spans(s, e, offsets, mask, 30)
    assert best is not None and passage[best.start : best.end] == "Ren\u00e9e"


def test_margin_is_score_minus_null() -> None:
    span = ReaderSpan(passage_index=0, start=0, end=3, score=4.5, null_score=6.0)
    assert span.margin == pytest.approx(-1.5)


def test_empty_passages_returns_empty_without_loading(tmp_path: Path) -> None:
    reader = ExtractiveReader(tmp_path / "nowhere")
    assert reader.read("Who?", []) == []
    assert reader.read("Who?", ["", "   "]) == []


def test_missing_weights_raise_clear_error(tmp_path: Path) -> None:
    from citeqa.reader import ReaderWeightsError

    with pytest.raises(ReaderWeightsError, match="not found"):
        ExtractiveReader(tmp_path).read("Who?", ["Someone did it."])


# -- the shipped weights ----------------------------------------------------------------------------

SHIPPED = DEFAULT_MODEL_DIR
needs_weights = pytest.mark.skipif(
    not (SHIPPED / WEIGHTS_FILE).is_file() or not (SHIPPED / META_FILE).is_file(),
    reason=f"trained reader weights absent ({SHIPPED}/{WEIGHTS_FILE}); run python -m citeqa.train_reader",
)

PASSAGE = (
    "The ceremony took place at the base theater on Friday. "
    "The guest speaker was Brig. Gen. Anthony J. Mastalir, who hosted the event. "
    "More than 200 airmen and their families attended."
)


@pytest.fixture(scope="module")
def shipped_reader() -> ExtractiveReader:
    return ExtractiveReader()


@needs_weights
def test_shipped_reader_answers_who_hosted(shipped_reader: ExtractiveReader) -> None:
    spans = shipped_reader.read("Who hosted the event?", [PASSAGE])
    assert spans, "no span returned"
    best = spans[0]
    assert "Mastalir" in PASSAGE[best.start : best.end]
    assert best.margin > shipped_reader.threshold


@needs_weights
def test_shipped_reader_answers_how_many(shipped_reader: ExtractiveReader) -> None:
    spans = shipped_reader.read("How many airmen attended?", ["Unrelated filler about weather.", PASSAGE])
    assert spans
    assert spans[0].passage_index == 1
    assert "200" in PASSAGE[spans[0].start : spans[0].end]


@needs_weights
def test_shipped_reader_abstains_on_unrelated_question(shipped_reader: ExtractiveReader) -> None:
    spans = shipped_reader.read("What is the boiling point of liquid nitrogen?", [PASSAGE])
    assert all(s.margin < shipped_reader.threshold for s in spans)


@needs_weights
def test_shipped_reader_spans_well_formed_and_sorted(shipped_reader: ExtractiveReader) -> None:
    long_passage = " ".join([PASSAGE] * 8)  # forces several strided windows
    passages = [long_passage, PASSAGE]
    spans = shipped_reader.read("Who hosted the event?", passages, top_k=5)
    assert 0 < len(spans) <= 5
    assert [s.score for s in spans] == sorted((s.score for s in spans), reverse=True)
    assert len({(s.passage_index, s.start, s.end) for s in spans}) == len(spans)
    for s in spans:
        assert 0 <= s.start < s.end <= len(passages[s.passage_index])


def test_sessions_asking_at_once_load_the_reader_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from citeqa.reader import ExtractiveReader, _Loaded

    loads = []
    lock = threading.Lock()

    def slow_load(self):  # type: ignore[no-untyped-def]
        with lock:
            loads.append(1)
        time.sleep(0.2)  # long enough for every thread to arrive while the first is loading
        return _Loaded(model=None, tokenizer=None, threshold=-1.0)

    monkeypatch.setattr(ExtractiveReader, "_load_from_disk", slow_load)
    reader = ExtractiveReader()
    with ThreadPoolExecutor(max_workers=8) as pool:
        thresholds = list(pool.map(lambda _: reader.threshold, range(8)))
    assert thresholds == [-1.0] * 8 and len(loads) == 1


def test_sessions_asking_at_once_load_the_encoder_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    import sentence_transformers

    from citeqa.config import default_model_dir
    from citeqa.embedding import Encoder

    loads = []
    lock = threading.Lock()

    class SlowModel:
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            with lock:
                loads.append(1)
            time.sleep(0.2)

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", SlowModel)
    encoder = Encoder(default_model_dir())
    with ThreadPoolExecutor(max_workers=8) as pool:
        models = list(pool.map(lambda _: encoder.model, range(8)))
    assert len(loads) == 1 and all(m is models[0] for m in models)
