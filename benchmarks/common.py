"""What the benchmarks share: a timing tracker wrapper, resident memory, and the result line.

Every benchmark ends by printing one line ``RESULT {json}`` with its headline
figures, which ``benchmarks/run_all.py`` (``make bench``) collects.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: `automl` is the checkout's
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def result(name: str, **figures) -> None:
    """Prints the benchmark's headline figures as one machine-readable line."""
    print("RESULT " + json.dumps({"benchmark": name, **figures}), flush=True)


def rss_mb() -> float:
    """This process's resident memory in MB (Linux's /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def slope(ys: list[float]) -> float:
    """The least-squares slope of ``ys`` against 0, 1, 2...: growth per step."""
    n = len(ys)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(ys) / n
    return sum((i - mean_x) * (y - mean_y) for i, y in enumerate(ys)) / sum((i - mean_x) ** 2 for i in range(n))


class TrialClock:
    """Wraps a tracker: notes the time and resident memory at the end of each trial."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.started = time.perf_counter()
        self.ends: list[float] = []
        self.rss: list[float] = []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def start_search(self, *args, **kwargs):
        self.started = time.perf_counter()
        return self.inner.start_search(*args, **kwargs)

    def end_trial(self, record) -> None:
        self.inner.end_trial(record)
        self.ends.append(time.perf_counter() - self.started)
        self.rss.append(rss_mb())
