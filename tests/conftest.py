from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
QUESTIONS = SHARED / "eval" / "questions.jsonl"


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the default corpus, so tests never touch the project's own embeddings/."""
    target = tmp_path_factory.mktemp("project") / "docs_corpus"
    shutil.copytree(ROOT / "docs_corpus", target)
    return target


@pytest.fixture(scope="session")
def qa(corpus_dir: Path) -> Iterator[object]:
    from citeqa import QA

    yield QA.from_directory(corpus_dir, progress=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chat_url(qa: object) -> Iterator[str]:
    """The chat served on a free local port for the tests of one module."""
    from citeqa.app import launch

    port = free_port()
    demo = launch(qa, host="127.0.0.1", port=port, block=False)  # type: ignore[arg-type]
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture
def folder_chat(corpus_dir: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The chat over a copy of the corpus that it can read again: its address and the folder."""
    from citeqa import QA
    from citeqa.app import launch

    folder = tmp_path / "docs"
    shutil.copytree(corpus_dir, folder)
    qa = QA.from_directory(folder, index_dir=tmp_path / "index", progress=False)
    port = free_port()
    demo = launch(qa, port=port, corpus_dir=folder, index_dir=tmp_path / "index", block=False)
    yield f"http://127.0.0.1:{port}/", folder
    demo.close()
