"""Progress lines while a search runs: trial k of N, best so far, elapsed time.

`Progress` prints plain lines (a CI log, a file, a pipe); `automl.search.live.LiveProgress`
adds live bars on a terminal. `progress_for` picks one.
"""

from __future__ import annotations

import os
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

    def resumed(self, done: int) -> None:
        """Trials an earlier run of this search already ended (the lines say so themselves)."""

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        """A trial's epoch (0-based) ended; plain lines leave epochs to the trial's end."""

    def close(self) -> None:
        """The search is over: nothing more will be shown."""

    def elapsed(self) -> float:
        """Seconds since the search started."""
        return time.perf_counter() - self.started


def progress_for(total: int, objective: str, stream: TextIO | None = None, budget: float | None = None,
                 max_epochs: int | None = None) -> Progress:
    """Live bars where ``stream`` (standard error by default) is a terminal, plain lines anywhere else
    (and where ``CI`` is set or ``TERM`` is dumb, as in most CI logs).

    Args:
        total: Trials the search will run in all.
        objective: Name of the objective metric.
        stream: Where to print.
        budget: The search's time budget in seconds, if any (the search bar then shows time used of it).
        max_epochs: Most epochs a trial runs (the trial bar's length).
    """
    stream = stream or sys.stderr
    terminal = getattr(stream, "isatty", lambda: False)()
    if terminal and not os.environ.get("CI") and os.environ.get("TERM", "") != "dumb":
        from automl.search.live import LiveProgress

        return LiveProgress(total, objective, stream, budget, max_epochs)
    return Progress(total, objective, stream)
