"""The persisted index: chunk table + FAISS vectors + manifest, updated incrementally and atomically.

Layout of an index folder (``embeddings/<corpus folder name>/`` by default)::

    manifest.json        the commit point: settings, one content hash per document, file checksums
    gen-<id>/chunks.json the chunk table, row i = vector i
    gen-<id>/vectors.faiss

A build writes a new ``gen-*`` folder first and then atomically replaces ``manifest.json``; a build
killed midway therefore leaves the previous generation, still named by the old manifest, usable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np

from citeqa.chunking import Chunk
from citeqa.documents import Document

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
CHUNKS_FILE = "chunks.json"
VECTORS_FILE = "vectors.faiss"
# Approximate indexes keep lossy codes, so the exact vectors are stored beside them: incremental
# updates reuse them without drift, and fusion rescores candidates with exact cosines. They are
# memory-mapped: after the checksum read at load, questions page in only the rows they touch.
EXACT_VECTORS_FILE = "vectors.npy"
FORMAT_VERSION = 1


class CorruptIndex(RuntimeError):
    """The stored index cannot be trusted; the message says what is wrong."""


@dataclass
class BuildStats:
    documents_embedded: int = 0
    documents_reused: int = 0
    documents_dropped: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_embedded / self.seconds if self.seconds > 0 else 0.0


# Below this many chunks exact search is fast enough (a few ms). Above it, an inverted file over
# 8-bit scalar-quantised vectors that probes a quarter of its lists: at 1,000,000 passages that
# measured recall@10 0.973 against exact search at 7 ms p50 with a 380 MiB index, where HNSW took
# 1.7 GiB and still reached only 0.93 (benchmarks/million.py).
FLAT_LIMIT = 200_000
IVF_PROBE_FRACTION = 4  # nprobe = nlist // 4
IVF_TRAIN_PER_LIST = 64  # training points per list (faiss warns below 39)


def choose_index_type(size: int) -> str:
    return "flat" if size < FLAT_LIMIT else "ivf-sq8"


def ivf_list_count(size: int) -> int:
    """~4·sqrt(n) lists, the usual rule for an inverted file of n vectors."""
    return max(1, int(4 * np.sqrt(size)))


def build_ivf_sq8(vectors: np.ndarray) -> faiss.IndexIVFScalarQuantizer:
    dimension = vectors.shape[1]
    nlist = ivf_list_count(len(vectors))
    index = faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(dimension), dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    sample = min(len(vectors), IVF_TRAIN_PER_LIST * nlist)
    # Seeded, so the same corpus always builds the same index.
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), sample, replace=False))
    index.train(np.ascontiguousarray(vectors[rows]))
    index.add(vectors)
    index.nprobe = max(1, nlist // IVF_PROBE_FRACTION)
    return index


class VectorStore(Protocol):
    """What citeqa asks of a vector index. FAISS implements it in-process; a vector database with
    shards and replicas implementing these members could take its place (see docs/scaling.md)."""

    chunks: list[Chunk]
    index_type: str

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...

    def vectors_for(self, rows: np.ndarray) -> np.ndarray: ...


@dataclass
class VectorIndex:
    """Chunks and their unit vectors in FAISS; row ``i`` of ``vectors`` embeds ``chunks[i]``."""

    chunks: list[Chunk]
    vectors: np.ndarray
    index_type: str = ""
    # A loaded index is used as stored; otherwise one of ``index_type`` is built from ``vectors``.
    faiss_index: faiss.Index | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.index_type = self.index_type or choose_index_type(len(self.chunks))
        if self.faiss_index is not None:
            return
        if self.index_type == "ivf-sq8" and len(self.chunks):
            self.faiss_index = build_ivf_sq8(self.vectors)
            return
        if self.index_type not in ("flat", "ivf-sq8"):
            raise ValueError(f"unknown index type {self.index_type!r}")
        self.faiss_index = faiss.IndexFlatIP(self.vectors.shape[1])
        if len(self.chunks):
            self.faiss_index.add(self.vectors)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows by cosine similarity: (scores, rows), best first; rows < 0 are padding."""
        k = min(k, len(self.chunks))
        if k == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        assert self.faiss_index is not None
        scores, rows = self.faiss_index.search(query.reshape(1, -1).astype(np.float32), k)
        return scores[0], rows[0]

    def vectors_for(self, rows: np.ndarray) -> np.ndarray:
        return self.vectors[rows]


class IndexStore:
    """Reads and writes a :class:`VectorIndex` under one folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def load(self, fingerprint: dict[str, Any]) -> tuple[VectorIndex, dict[str, str]] | None:
        """The stored index and its per-document hashes, or None when there is none or its settings differ.

        Raises :class:`CorruptIndex` when files are missing, truncated or do not match their checksums.
        """
        manifest_path = self.directory / MANIFEST
        if not manifest_path.exists():
            return None
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            generation = self.directory / manifest["generation"]
            checksums: dict[str, str] = manifest["files"]
            hashes: dict[str, str] = manifest["documents"]
            index_type = str(manifest.get("index_type", "flat"))
            if manifest.get("format") != FORMAT_VERSION or manifest.get("fingerprint") != fingerprint:
                return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CorruptIndex(f"{manifest_path} is unreadable ({error})") from error
        for name, expected in checksums.items():
            path = generation / name
            if not path.exists():
                raise CorruptIndex(f"{path} is missing")
            if _sha256(path) != expected:
                raise CorruptIndex(f"{path} does not match its checksum (truncated or modified)")
        try:
            rows = json.loads((generation / CHUNKS_FILE).read_text(encoding="utf-8"))
            chunks = [Chunk(str(d), int(s), int(e)) for d, s, e in rows]
            stored = faiss.read_index(str(generation / VECTORS_FILE))
            if EXACT_VECTORS_FILE in checksums:
                vectors = np.load(generation / EXACT_VECTORS_FILE, mmap_mode="r")
            elif stored.ntotal:
                vectors = np.ascontiguousarray(stored.reconstruct_n(0, stored.ntotal), dtype=np.float32)
            else:
                vectors = np.zeros((0, stored.d), np.float32)
        except (OSError, ValueError, RuntimeError) as error:
            raise CorruptIndex(f"{generation} is unreadable ({error})") from error
        if len(chunks) != len(vectors):
            raise CorruptIndex(f"{generation}: {len(chunks)} chunks but {len(vectors)} vectors")
        return VectorIndex(chunks, vectors, index_type, stored), hashes

    def save(self, index: VectorIndex, hashes: dict[str, str], fingerprint: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        staging = self.directory / f".{name}.tmp"
        staging.mkdir()
        chunk_rows = [[c.document_id, c.start, c.end] for c in index.chunks]
        _write_synced(staging / CHUNKS_FILE, json.dumps(chunk_rows).encode("utf-8"))
        assert index.faiss_index is not None
        faiss.write_index(index.faiss_index, str(staging / VECTORS_FILE))
        _fsync(staging / VECTORS_FILE)
        files = [CHUNKS_FILE, VECTORS_FILE]
        if index.index_type != "flat":
            with (staging / EXACT_VECTORS_FILE).open("wb") as fh:
                np.save(fh, np.asarray(index.vectors, dtype=np.float32))
            _fsync(staging / EXACT_VECTORS_FILE)
            files.append(EXACT_VECTORS_FILE)
        os.replace(staging, self.directory / name)
        manifest = {
            "format": FORMAT_VERSION,
            "fingerprint": fingerprint,
            "generation": name,
            "index_type": index.index_type,
            "dimension": int(index.vectors.shape[1]),
            "chunks": len(index.chunks),
            "documents": hashes,
            "files": {n: _sha256(self.directory / name / n) for n in files},
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        _write_synced(self.directory / f".{MANIFEST}.tmp", json.dumps(manifest, indent=2).encode("utf-8"))
        os.replace(self.directory / f".{MANIFEST}.tmp", self.directory / MANIFEST)
        self._remove_stale(keep=name)

    def _remove_stale(self, keep: str) -> None:
        for path in self.directory.iterdir():
            stale_generation = path.name.startswith("gen-") and path.name != keep
            if path.is_dir() and (stale_generation or path.name.endswith(".tmp")):
                shutil.rmtree(path, ignore_errors=True)


def update_index(
    documents: Sequence[Document],
    previous: tuple[VectorIndex, dict[str, str]] | None,
    chunk: Callable[[Sequence[Document]], list[list[Chunk]]],
    text_of: Callable[[Document, Chunk], str],
    embed: Callable[[list[str]], np.ndarray],
    dimension: int,
) -> tuple[VectorIndex, dict[str, str], BuildStats]:
    """Bring ``previous`` up to date with ``documents``: only new or changed documents are embedded.

    ``embed`` shows its own progress, if any: it sees all texts of the build in one call.
    """
    started = time.perf_counter()
    stats = BuildStats()
    old_index, old_hashes = previous if previous else (None, {})
    hashes = {d.id: d.content_hash for d in documents}
    reusable = {doc_id for doc_id, h in hashes.items() if old_hashes.get(doc_id) == h}
    stats.documents_dropped = len(set(old_hashes) - set(hashes))

    kept_rows: dict[str, list[int]] = {}
    if old_index is not None:
        for row, c in enumerate(old_index.chunks):
            if c.document_id in reusable:
                kept_rows.setdefault(c.document_id, []).append(row)

    changed = [d for d in documents if d.id not in reusable or d.id not in kept_rows]
    fresh: dict[str, list[Chunk]] = {d.id: chunks for d, chunks in zip(changed, chunk(changed), strict=True)}
    by_id = {d.id: d for d in documents}
    pending = [c for chunks in fresh.values() for c in chunks]
    vectors_new = np.zeros((0, dimension), dtype=np.float32)
    if pending:
        # One call for the whole build: the encoder orders all texts by length (int8: word pieces;
        # torch: characters, as sentence-transformers does), so batches hold texts of like length.
        # Calls block by block (for a progress bar) padded 2% more and were 3% slower (COVID-QA, int8).
        vectors_new = embed([text_of(by_id[c.document_id], c) for c in pending])

    chunks: list[Chunk] = []
    parts: list[np.ndarray] = []
    new_row = 0
    for document in documents:
        if document.id in fresh:
            count = len(fresh[document.id])
            chunks.extend(fresh[document.id])
            parts.append(vectors_new[new_row : new_row + count])
            new_row += count
            stats.documents_embedded += 1
        else:
            assert old_index is not None
            rows = kept_rows[document.id]
            chunks.extend(old_index.chunks[r] for r in rows)
            parts.append(old_index.vectors[rows])
            stats.documents_reused += 1
    vectors = np.concatenate(parts) if parts else np.zeros((0, dimension), dtype=np.float32)
    stats.chunks_embedded = len(pending)
    stats.seconds = time.perf_counter() - started
    return VectorIndex(chunks, np.ascontiguousarray(vectors, dtype=np.float32)), hashes, stats


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
