"""An index build killed with SIGKILL, as a crash or an impatient user would."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from citeqa import QA, Settings
from citeqa.index import IndexStore
from tests.conftest import ROOT


def test_kill_9_mid_build_leaves_the_previous_index_and_the_next_start_repairs(tmp_path: Path) -> None:
    corpus = tmp_path / "docs_corpus"
    shutil.copytree(ROOT / "docs_corpus", corpus)
    before = QA.from_directory(corpus, progress=False)
    store = IndexStore(tmp_path / "embeddings" / "docs_corpus")
    fingerprint = Settings().index_fingerprint()

    # Enough new text (~700 chunks) that the next build is still embedding when it is killed.
    sentences = (corpus / "us-japan-space-engagement-talks.txt").read_text(encoding="utf-8").split(". ")
    for i in range(20):
        body = ". ".join(f"{s} (note {i}, part {k})" for k in range(6) for s in sentences)
        (corpus / f"note-{i:02d}.txt").write_text(f"Note {i}\n\n{body}", "utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "citeqa.cli", "index", str(corpus)],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},  # tqdm's bar has no newline to flush it
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        cwd=tmp_path,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 120
    seen = ""
    while "Embedding" not in seen and time.monotonic() < deadline:
        seen += process.stderr.read(1)
    assert "Embedding" in seen, seen  # else the kill below might land after the build
    time.sleep(1.0)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    survived = store.load(fingerprint)
    assert survived is not None, "the previous index must still load"
    assert survived[0].chunks == before.index.chunks

    repaired = QA.from_directory(corpus, progress=False)
    assert repaired.build.documents_embedded == 20 and repaired.build.documents_reused == 2
    assert QA.from_directory(corpus, progress=False).build.documents_embedded == 0
    assert not list((tmp_path / "embeddings" / "docs_corpus").glob(".*.tmp"))
