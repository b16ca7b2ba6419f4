"""Loading a model without transformers' progress bars and weight reports in the user's console."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# transformers keeps its verbosity and progress-bar switch process-wide: two sessions loading models
# at once would each restore what the other had just changed, and the "Loading weights" bar and the
# "newly initialised" report (expected: the shipped tensors overwrite them) would reach the console.
_LOADING = threading.Lock()


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """One model load at a time, with transformers silenced for its duration."""
    from transformers.utils import logging as hf_logging

    with _LOADING:
        verbosity = hf_logging.get_verbosity()
        bar_was_on = hf_logging.is_progress_bar_enabled()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        try:
            yield
        finally:
            hf_logging.set_verbosity(verbosity)
            if bar_was_on:
                hf_logging.enable_progress_bar()
