from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from citeqa.chunking import Chunk, Chunker
from citeqa.config import ChunkSettings
from citeqa.documents import Document, document_from_text
from citeqa.index import MANIFEST, CorruptIndex, IndexStore, update_index

FINGERPRINT = {"model": "fake", "chunks": {"max_tokens": 12}}


class FakeEmbedder:
    """Deterministic unit vectors from text hashes; counts what it was asked to embed."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        rows = []
        for text in texts:
            rng = np.random.default_rng(abs(hash(text)) % (2**32))
            v = rng.normal(size=8).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.array(rows, dtype=np.float32)


def build(documents: list[Document], store: IndexStore, embedder: FakeEmbedder) -> None:
    chunker = Chunker(ChunkSettings(max_tokens=12), lambda texts: [len(t.split()) for t in texts])
    previous = store.load(FINGERPRINT)
    index, hashes, _ = update_index(
        documents, previous, chunker.run_many, lambda d, c: d.text[c.start : c.end], embedder, 8
    )
    store.save(index, hashes, FINGERPRINT)


def docs(**texts: str) -> list[Document]:
    return [document_from_text(k, v) for k, v in texts.items()]


CORPUS = {
    "alpha": "Alpha title\n\nThe first sentence is here. The second sentence follows it. A third one ends alpha.",
    "beta": "Beta title\n\nBeta has one sentence only.",
}


def test_round_trip_and_only_changed_documents_are_re_embedded(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "embeddings")
    first = FakeEmbedder()
    build(docs(**CORPUS), store, first)
    loaded = store.load(FINGERPRINT)
    assert loaded is not None
    index, hashes = loaded
    assert set(hashes) == {"alpha", "beta"}
    assert all(isinstance(c, Chunk) for c in index.chunks) and len(index.chunks) == len(first.embedded)

    changed = FakeEmbedder()
    build(docs(alpha=CORPUS["alpha"], beta="Beta title\n\nBeta changed.", gamma="Gamma\n\nNew."), store, changed)
    assert all("Beta changed" in t or "Gamma" in t or "New." in t or "Beta title" in t for t in changed.embedded)
    assert not any("alpha" in t.lower() for t in changed.embedded)
    index, hashes = store.load(FINGERPRINT)  # type: ignore[misc]
    assert set(hashes) == {"alpha", "beta", "gamma"}

    dropped = FakeEmbedder()
    build(docs(alpha=CORPUS["alpha"]), store, dropped)
    index, hashes = store.load(FINGERPRINT)  # type: ignore[misc]
    assert dropped.embedded == [] and set(hashes) == {"alpha"}
    assert {c.document_id for c in index.chunks} == {"alpha"}
    # Reused vectors are the very vectors embedded the first time.
    fresh = FakeEmbedder()([CORPUS["alpha"][c.start : c.end] for c in index.chunks])
    assert np.allclose(index.vectors, fresh)
    assert len([p for p in store.directory.iterdir() if p.name.startswith("gen-")]) == 1


def test_changed_settings_mean_no_stored_index(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    build(docs(**CORPUS), store, FakeEmbedder())
    assert store.load({"model": "other"}) is None


@pytest.mark.parametrize("damage", ["truncate", "delete", "garble-manifest"])
def test_damaged_files_are_detected(tmp_path: Path, damage: str) -> None:
    store = IndexStore(tmp_path)
    build(docs(**CORPUS), store, FakeEmbedder())
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    vectors = tmp_path / manifest["generation"] / "vectors.faiss"
    if damage == "truncate":
        vectors.write_bytes(vectors.read_bytes()[:50])
    elif damage == "delete":
        vectors.unlink()
    else:
        (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(CorruptIndex):
        store.load(FINGERPRINT)


def test_a_build_killed_before_its_commit_leaves_the_previous_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = IndexStore(tmp_path)
    build(docs(**CORPUS), store, FakeEmbedder())
    before = store.load(FINGERPRINT)
    assert before is not None

    real_replace = os.replace

    def crash_on_manifest(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == MANIFEST:
            raise KeyboardInterrupt("killed")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_manifest)
    with pytest.raises(KeyboardInterrupt):
        build(docs(alpha="Completely new\n\nText.", beta=CORPUS["beta"]), store, FakeEmbedder())
    monkeypatch.undo()
    after = store.load(FINGERPRINT)
    assert after is not None
    assert after[1] == before[1] and after[0].chunks == before[0].chunks


def test_index_type_follows_corpus_size_and_survives_a_round_trip(tmp_path: Path) -> None:
    from citeqa.index import EXACT_VECTORS_FILE, FLAT_LIMIT, VectorIndex, choose_index_type

    assert choose_index_type(FLAT_LIMIT - 1) == "flat" and choose_index_type(FLAT_LIMIT) == "ivf-sq8"
    rng = np.random.default_rng(0)
    # Enough vectors that every inverted list gets the training points faiss asks for.
    vectors = rng.normal(size=(30_000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunks = [Chunk("d", i, i + 1) for i in range(len(vectors))]
    flat, ivf = VectorIndex(chunks, vectors, "flat"), VectorIndex(chunks, vectors, "ivf-sq8")
    queries = vectors[:200] + 0.05 * rng.normal(size=(200, 16)).astype(np.float32)
    agree = sum(flat.search(q, 1)[1][0] == ivf.search(q, 1)[1][0] for q in queries)
    assert agree >= 190
    store = IndexStore(tmp_path)
    store.save(ivf, {"d": "h"}, FINGERPRINT)
    loaded, _ = store.load(FINGERPRINT)  # type: ignore[misc]
    assert loaded.index_type == "ivf-sq8" and json.loads((tmp_path / MANIFEST).read_text())["index_type"] == "ivf-sq8"
    # The quantised codes are lossy; the exact vectors travel beside them, bit for bit.
    assert np.array_equal(loaded.vectors, vectors)
    assert any(p.name == EXACT_VECTORS_FILE for p in tmp_path.glob("gen-*/*"))
    for q in queries[:20]:
        assert loaded.search(q, 3)[1].tolist() == ivf.search(q, 3)[1].tolist()
