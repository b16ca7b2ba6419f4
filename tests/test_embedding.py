"""The fp32 sentence-transformers encoder: unit vectors, in the order given, with a progress bar."""

from __future__ import annotations

import numpy as np
import pytest

import citeqa.embedding
from citeqa.config import default_model_dir
from citeqa.embedding import Encoder

TEXTS = [
    "A much longer text about the Space Engagement Talks between the United States and Japan.",
    "short",
    "Mastalir commands U.S. Space Forces Indo-Pacific.",
]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder(default_model_dir())


def test_slices_keep_every_row_in_place(encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = encoder.encode(TEXTS)
    assert whole.shape == (3, 384) and np.allclose(np.linalg.norm(whole, axis=1), 1.0, atol=1e-5)
    monkeypatch.setattr(citeqa.embedding, "ENCODE_SLICE", 1)
    one_by_one = encoder.encode(TEXTS)
    assert np.allclose(one_by_one, whole, atol=1e-5)
    assert np.allclose(one_by_one[1], encoder.encode(["short"])[0], atol=1e-5)


def test_the_progress_bar_counts_texts(encoder: Encoder, capsys: pytest.CaptureFixture[str]) -> None:
    encoder.encode(TEXTS, progress=True)
    err = capsys.readouterr().err
    assert "Embedding" in err and "3/3" in err


def test_no_texts_no_rows(encoder: Encoder) -> None:
    assert encoder.encode([]).shape == (0, 384)
