"""How many CPU cores this process may run on: what thread pools and worker processes are sized by."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores in this process's CPU affinity (a container or `taskset` may allow fewer than the machine has)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1
