"""The int8 encoder against the fp32 model it is made from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from citeqa.config import default_model_dir
from citeqa.embedding import Encoder
from citeqa.quantized import Int8Encoder

TEXTS = [
    "Space Force Brig. Gen. Anthony J. Mastalir said that U.S. forces are working to transition.",
    "The talks aim to establish a bilateral roadmap for future collaboration.",
    "Coronaviruses are enveloped RNA viruses " * 80,  # longer than the model's window: truncated alike
    "short",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def int8(cache: Path) -> Iterator[Int8Encoder]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        encoder = Int8Encoder(default_model_dir())
        encoder.encode(["made and cached on first use"])
        yield encoder


def test_int8_embeddings_are_close_to_fp32(int8: Int8Encoder) -> None:
    reference = Encoder(default_model_dir()).encode(TEXTS)
    vectors = int8.encode(TEXTS)
    assert vectors.shape == reference.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = (vectors * reference).sum(axis=1)
    assert cosine.min() > 0.98, cosine
    # Same ranking for a retrieval-like comparison.
    query = int8.encode(["Who is the general who spoke about U.S. forces?"])[0]
    assert int(np.argmax(vectors @ query)) == 0


def test_the_model_file_is_made_once_and_cached(int8: Int8Encoder, cache: Path) -> None:
    files = list(cache.glob("citeqa/minilm-int8-*.onnx"))
    assert len(files) == 1 and not list(files[0].parent.glob("*.tmp"))


def test_empty_input_gives_no_rows(int8: Int8Encoder) -> None:
    assert int8.encode([]).shape == (0, 384)


def test_only_the_feed_forward_outputs_stay_float(int8: Int8Encoder, cache: Path) -> None:
    import onnx

    (path,) = cache.glob("citeqa/minilm-int8-*.onnx")
    nodes = onnx.load(str(path)).graph.node
    float_dense = sorted(n.name for n in nodes if n.op_type == "MatMul" and "/dense/" in n.name)
    assert float_dense == [f"/model/encoder/layer.{i}/output/dense/MatMul" for i in range(6)]
    # Query, key, value, attention output and the feed-forward input: 5 int8 products per layer.
    assert sum(n.op_type == "MatMulInteger" for n in nodes) == 5 * 6


def test_sessions_asking_at_once_open_one_onnx_session(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    import onnxruntime

    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))  # the file made by the fixture: no export here
    opened = []
    lock = threading.Lock()
    real = onnxruntime.InferenceSession

    def slow_session(*args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            opened.append(1)
        time.sleep(0.2)
        return real(*args, **kwargs)

    monkeypatch.setattr(onnxruntime, "InferenceSession", slow_session)
    encoder = Int8Encoder(default_model_dir())
    with ThreadPoolExecutor(max_workers=8) as pool:
        sessions = list(pool.map(lambda _: encoder.session, range(8)))
    assert len(opened) == 1 and all(s is sessions[0] for s in sessions)


def test_the_int8_recipe_is_part_of_the_index_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    import citeqa.quantized
    from citeqa.config import Settings

    before = Settings(encoder="int8").index_fingerprint()
    monkeypatch.setattr(citeqa.quantized, "RECIPE", "another-recipe")
    assert Settings(encoder="int8").index_fingerprint() != before
    assert Settings(encoder="torch").index_fingerprint()["encoder"] == "torch"


def test_tokenising_a_slice_at_a_time_keeps_every_row_in_place(
    int8: Int8Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import citeqa.quantized

    whole = int8.encode(TEXTS)
    monkeypatch.setattr(citeqa.quantized, "TOKENIZE_SLICE", 1)
    assert np.array_equal(int8.encode(TEXTS), whole)


def test_the_progress_bar_counts_texts(int8: Int8Encoder, capsys: pytest.CaptureFixture[str]) -> None:
    int8.batch_size = 2
    try:
        int8.encode(TEXTS, progress=True)
    finally:
        int8.batch_size = 32
    err = capsys.readouterr().err
    assert "Embedding" in err and f"{len(TEXTS)}/{len(TEXTS)}" in err
