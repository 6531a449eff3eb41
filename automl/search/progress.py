"""Progress lines while a search runs: trial k of N, best so far, elapsed time."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


class Progress:
    """Prints one line as each trial starts and ends.

    Args:
        total: Trials the search will run in all.
        objective: Name of the objective metric.
        stream: Where to print (standard error by default, so output can be piped).
    """

    def __init__(self, total: int, objective: str, stream: TextIO | None = None) -> None:
        self.total, self.objective = total, objective
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()

    def say(self, text: str) -> None:
        """Prints a line at once."""
        print(text, file=self.stream, flush=True)

    def trial_started(self, number: int, trial_id: str, summary: str) -> None:
        """Announces trial ``number`` (1-based) of the total."""
        self.say(f"[{_clock(self.elapsed())}] trial {number}/{self.total} (id {trial_id}): {summary}")

    def trial_ended(self, number: int, outcome: str, best: str) -> None:
        """Reports how trial ``number`` went and the best so far."""
        self.say(f"[{_clock(self.elapsed())}] trial {number}/{self.total} {outcome} | best so far: {best}")

    def elapsed(self) -> float:
        """Seconds since the search started."""
        return time.perf_counter() - self.started
