"""Text extracted from PDFs, kept beside the index so that a restart does not parse every PDF again.

Reading a corpus happens on every start (its content hashes say whether the index is current), and
pypdf is the one slow reader: 0.34 s for a 36-page manual here, minutes for a folder of papers.
Entries are keyed by the file's bytes and pypdf's version, so an edited file or a new pypdf misses.
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

logger = logging.getLogger(__name__)

# Bump when citeqa's use of pypdf changes what text comes out of the same file.
EXTRACTION_REVISION = 3
STAGED_MAX_AGE_S = 3600


def _pypdf_version() -> str:
    from importlib.metadata import version

    return version("pypdf")


class ExtractionCache:
    """Page texts of PDFs under ``directory``, one JSON file per distinct PDF."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._used: set[str] = set()
        self._salt = f"pypdf {_pypdf_version()} rev {EXTRACTION_REVISION}".encode()

    def pages(self, data: bytes, extract: Callable[[bytes], list[str]]) -> list[str]:
        """The page texts of the PDF ``data``: from the cache, or ``extract(data)`` stored for next time."""
        key = hashlib.sha256(self._salt + data).hexdigest()
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
            logger.debug("PDF text not cached (%s)", error)
        finally:
            with contextlib.suppress(OSError):
                staged.unlink(missing_ok=True)
