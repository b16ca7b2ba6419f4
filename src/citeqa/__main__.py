"""``python -m citeqa`` is the ``citeqa`` command."""

from __future__ import annotations

from citeqa.cli import main

main()
