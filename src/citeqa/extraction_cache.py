"""Text extracted from PDFs and reStructuredText, kept beside the index so that a restart does not
parse every file again.

Reading a corpus happens on every start (its content hashes say whether the index is current), and
pypdf and docutils are the slow readers: 0.34 s for a 36-page PDF manual here, 13 s for CMake's
1,962 reStructuredText pages. Entries are keyed by the file's bytes and the reader's version, so an
edited file or a new pypdf or docutils misses.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Literal

logger = logging.getLogger(__name__)

# Bump when citeqa's use of pypdf (docutils) changes what text comes out of the same file.
EXTRACTION_REVISION = 3
RST_REVISION = 1
STAGED_MAX_AGE_S = 3600
ExtractedKind = Literal["pdf", "rst"]


class ExtractionCache:
    """Texts extracted from files under ``directory``, one JSON file per distinct file."""

    def __init__(self, directory: Path) -> None:
        from importlib.metadata import version

        self.directory = directory
        self._used: set[str] = set()
        self._salts: dict[ExtractedKind, bytes] = {
            "pdf": f"pypdf {version('pypdf')} rev {EXTRACTION_REVISION}".encode(),
            "rst": f"docutils {version('docutils')} rev {RST_REVISION}".encode(),
        }

    def pages(self, data: bytes, extract: Callable[[bytes], list[str]], kind: ExtractedKind = "pdf") -> list[str]:
        """What ``extract(data)`` returns (a PDF's page texts): from the cache, or extracted and stored
        for next time. ``kind`` says which reader's version the entry depends on."""
        key = hashlib.sha256(self._salts[kind] + data).hexdigest()
        self._used.add(key)
        path = self.directory / f"{key}.json"
        try:
            pages = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(pages, list) and all(isinstance(p, str) for p in pages):
                return pages
        except (OSError, ValueError):
            pass  # not cached yet, or a damaged entry: extract again
        pages = extract(data)
        self._store(path, pages)
        return pages

    def prune(self) -> None:
        """Forget the PDFs not asked for since this cache was made (deleted or changed files), and
        half-written entries of loads that were killed; a folder that cannot be changed is left as it is."""
        if not self.directory.is_dir():
            return
        stale_before = time.time() - STAGED_MAX_AGE_S
        with contextlib.suppress(OSError):
            for path in self.directory.glob("*.json"):
                if path.stem not in self._used:
                    path.unlink(missing_ok=True)
            for path in self.directory.glob(".*.tmp"):
                if path.stat().st_mtime < stale_before:  # an older one may be another load's, mid-write
                    path.unlink(missing_ok=True)

    def _store(self, path: Path, pages: list[str]) -> None:
        # A cache that cannot be written (read-only folder, full disk) only costs the next start time.
        staged = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            staged.write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
            os.replace(staged, path)
        except (OSError, ValueError) as error:  # ValueError: text that UTF-8 cannot hold
            logger.debug("extracted text not cached (%s)", error)
        finally:
            with contextlib.suppress(OSError):
                staged.unlink(missing_ok=True)
