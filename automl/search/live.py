"""Live progress bars on a terminal (rich): the search's and each running trial's.

The search bar counts trials done of the total, or under a time budget the
time used of it, with the best so far, the elapsed time and an estimate of
the time left. Each running trial has a bar of its epochs (of at most the
trial's epochs; early stopping may end it sooner) with its latest objective.
The plain lines of `Progress` still print above the bars, so the scrollback
holds the same record as a log.
"""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.progress import Progress as Bars
from rich.progress import ProgressColumn, TextColumn
from rich.progress_bar import ProgressBar
from rich.text import Text

from automl.search.progress import Progress, _clock


class LiveProgress(Progress):
    """`Progress` with live bars below its lines.

    Args:
        total: Trials the search will run in all.
        objective: Name of the objective metric.
        stream: The terminal to draw on.
        budget: The time budget in seconds, if any.
        max_epochs: Most epochs a trial runs.
    """

    def __init__(self, total: int, objective: str, stream: TextIO, budget: float | None = None,
                 max_epochs: int | None = None) -> None:
        super().__init__(total, objective, stream)
        self.budget, self.max_epochs = budget, max_epochs
        self.done, self.ran, self.best = 0, 0, "none yet"
        self.console = Console(file=stream)
        self.bars = Bars(TextColumn("{task.description}"), _Bar(self), TextColumn("{task.fields[detail]}"),
                         _Time(self), console=self.console, refresh_per_second=4)
        self.search = self.bars.add_task("search", total=total, detail=self._detail(), kind="search")
        self.trials: dict[int, Any] = {}
        self.live = False

    def say(self, text: str) -> None:
        """Prints a line above the bars."""
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def resumed(self, done: int) -> None:
        """Trials an earlier run of this search already ended."""
        self.done = done
        self.bars.update(self.search, completed=done, detail=self._detail())

    def trial_started(self, number: int, trial_id: str, summary: str) -> None:
        """Prints the trial's line and gives it a bar."""
        super().trial_started(number, trial_id, summary)
        if not self.live:
            self.bars.start()
            self.live = True
        self.trials[number] = self.bars.add_task(f"trial {number}/{self.total}", total=self.max_epochs or 1,
                                                 detail="starting", kind="trial")

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        """Moves the trial's bar on by an epoch and shows its latest objective."""
        task = self.trials.get(int(trial_id) + 1)
        if task is None:
            return
        value = metrics.get(self.objective)
        shown = f", {self.objective}={value:.4f}" if value is not None else ""
        most = f" of at most {self.max_epochs}" if self.max_epochs else ""
        self.bars.update(task, completed=epoch + 1, detail=f"epoch {epoch + 1}{most}{shown}")

    def trial_ended(self, number: int, outcome: str, best: str) -> None:
        """Prints the trial's line, drops its bar and counts it."""
        super().trial_ended(number, outcome, best)
        task = self.trials.pop(number, None)
        if task is not None:
            self.bars.remove_task(task)
        self.done, self.ran, self.best = self.done + 1, self.ran + 1, best
        self.bars.update(self.search, completed=self.done, detail=self._detail())

    def close(self) -> None:
        """Stops drawing; the bars' last state stays on the screen."""
        if self.live:
            self.bars.stop()
            self.live = False

    def _detail(self) -> str:
        return f"{self.done}/{self.total} trials, best {self.best}"

    def left(self) -> float | None:
        """Estimated seconds left: the budget's rest, else the mean time of this run's trials times those left."""
        if self.budget is not None:
            return max(0.0, self.budget - self.elapsed())
        if self.ran == 0:
            return None
        return self.elapsed() / self.ran * max(0, self.total - self.done)


class _Bar(ProgressColumn):
    """The search's bar is its time used of the budget when it has one; any other bar, its own count."""

    def __init__(self, live: LiveProgress) -> None:
        super().__init__()
        self.owner = live

    def render(self, task: Any) -> ProgressBar:
        if task.fields.get("kind") == "search" and self.owner.budget:
            used = min(self.owner.elapsed(), self.owner.budget)
            return ProgressBar(total=self.owner.budget, completed=used, width=30)
        return ProgressBar(total=task.total, completed=task.completed, width=30)


class _Time(ProgressColumn):
    """Elapsed time, and for the search an estimate of the time left."""

    def __init__(self, live: LiveProgress) -> None:
        super().__init__()
        self.owner = live

    def render(self, task: Any) -> Text:
        if task.fields.get("kind") != "search":
            return Text(_clock(task.elapsed or 0.0), style="progress.elapsed")
        left = self.owner.left()
        budget = f" of {_clock(self.owner.budget)} budget" if self.owner.budget else ""
        rest = f", about {_clock(left)} left" if left is not None else ""
        return Text(f"{_clock(self.owner.elapsed())} elapsed{budget}{rest}", style="progress.elapsed")
