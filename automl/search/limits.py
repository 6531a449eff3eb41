"""Search limits on any controller: a wall-clock budget and a parameter-count cap.

`Limits` is one of the bases of every controller's oracle (through
`automl.search.managed.Managed`), its settings given to the constructor:
after the deadline it proposes nothing, so the search ends with the usual
export; a proposal whose model is over ``max_params`` is rejected before any
training and the controller is asked again. Neither counts as a trial.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import keras_tuner as kt

# The controller's own proposals tried before falling back to random draws, then random draws.
OWN_DRAWS, RANDOM_DRAWS = 20, 200


class Limits:
    """Oracle mixin enforcing ``deadline`` (a `time.monotonic` value) and ``max_params``."""

    deadline: float | None = None
    max_params: int | None = None
    size_of: Callable[[dict], int] | None = None
    on_reject: Callable[[dict, int], None] = staticmethod(lambda values, size: None)
    rejected: int = 0

    def set_limits(self, budget_seconds: float | None, max_params: int | None,
                   size_of: Callable[[dict], int] | None = None,
                   on_reject: Callable[[dict, int], None] | None = None) -> None:
        """The budget (which starts now) and the size cap; None for either is no limit."""
        self.started, self.budget_seconds = time.monotonic(), budget_seconds
        self.deadline = None if budget_seconds is None else self.started + budget_seconds
        self.max_params, self.size_of, self.rejected = max_params, size_of, 0
        self._ended_before: int | None = None  # trials that ended in an earlier run (a resume)
        if on_reject is not None:
            self.on_reject = on_reject

    def populate_space(self, trial_id: str) -> dict:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return {"status": kt.engine.trial.TrialStatus.STOPPED, "values": None}
        if self.max_params is None or self.size_of is None:
            return super().populate_space(trial_id)
        for attempt in range(OWN_DRAWS + RANDOM_DRAWS):
            proposal = super().populate_space(trial_id) if attempt < OWN_DRAWS else self._random_proposal()
            if proposal["status"] != kt.engine.trial.TrialStatus.RUNNING:
                return proposal
            size = self.size_of(proposal["values"])
            if size <= self.max_params:
                return proposal
            self.rejected += 1
            self.on_reject(proposal["values"], size)
            # Never proposed again, by this controller or a random draw.
            self._tried_so_far.add(self._compute_values_hash(proposal["values"]))
        return {"status": kt.engine.trial.TrialStatus.STOPPED, "values": None}

    def expected_trials(self) -> int | None:
        """Under a time budget, how many trials this search will likely run: the budget over the time each
        trial has taken in this run so far, or ``max_trials`` if fewer (or before a trial has ended).
        None without a budget: the controllers' own sizes, set from ``max_trials``, hold.

        Controllers size their random start and population by it (`evolution`, `bayesian`), so a budget
        that fits a dozen trials does not leave them drawing at random for their whole run.
        """
        cap = getattr(self, "max_trials", None)
        if self.deadline is None:
            return None
        ended = sum(1 for t in self.trials.values() if t.status in ("COMPLETED", "FAILED", "INVALID"))
        if self._ended_before is None:
            self._ended_before = ended  # the first proposal of this run: what ended before is not timed
        done = ended - self._ended_before
        if done == 0:
            return cap
        fit = max(1, round(self.budget_seconds / ((time.monotonic() - self.started) / done)))
        return fit if cap is None else min(cap, fit)

    def _random_proposal(self) -> dict:
        values = self._random_values()
        status = kt.engine.trial.TrialStatus.RUNNING if values else kt.engine.trial.TrialStatus.STOPPED
        return {"status": status, "values": values}


def stop_at(deadline: float | None) -> Any:
    """A Keras callback that ends training at the first epoch boundary past ``deadline``."""
    import keras

    class StopAtDeadline(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if deadline is not None and time.monotonic() >= deadline:
                self.model.stop_training = True

    return StopAtDeadline()
