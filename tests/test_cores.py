from __future__ import annotations

import os

from citeqa.cores import usable_cores


def test_usable_cores_is_the_affinity_when_the_os_has_one() -> None:
    cores = usable_cores()
    assert 1 <= cores <= (os.cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        assert cores == len(os.sched_getaffinity(0))
