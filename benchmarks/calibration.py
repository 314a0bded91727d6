"""A fixed pure-Python workload, timed beside every benchmark figure to compare machines.

Machines (and busy moments on one machine) differ by 3x or more; a figure is read as a
multiple of this loop's time, measured on the same machine at the same moment.
"""

from __future__ import annotations

import time


def calibrate() -> float:
    """Seconds for the fixed loop (dict and tuple churn, about 0.3 s on the project's machine)."""
    start = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        d = {i: (i, i + 1)}
        total += d[i][1] & 7
    assert total > 0
    return time.perf_counter() - start
