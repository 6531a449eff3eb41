"""Asynchronous successive halving (ASHA; Li et al., 2020) over epochs, as a KerasTuner oracle.

Budgets grow by ``eta`` from rung to rung, counted down from the full budget:
with 30 epochs and eta 3 the rungs train to 1, 3, 10 and 30 epochs. Whenever
a trial is asked for, the highest rung with a promotable trial — one in the
top 1/eta of its rung's completed trials, not yet promoted — promotes it: the
same values train on from its weights to the next rung's epochs. Otherwise a
new random configuration starts at the bottom rung. No rung waits for a full
cohort, so several workers can share one search. The promotions are read
back from the trials themselves, so a resumed search goes on as it was.

Under a time budget the bottom rungs are skipped when the trials that fit
(`automl.search.limits.Limits.expected_trials`) are too few for a
configuration to climb every rung: a budget of a dozen trials would otherwise
spend them all on one-epoch trials and never train a model to the top rung.
"""

from __future__ import annotations

from typing import Any

import keras_tuner as kt

from automl.search.ending import EndTrialForms
from automl.search.managed import Managed
from automl.search.untried import UntriedFallback

EPOCHS, INITIAL, PARENT, RUNG = "tuner/epochs", "tuner/initial_epoch", "tuner/trial_id", "tuner/rung"


def rung_epochs(max_epochs: int, eta: int) -> list[int]:
    """Each rung's cumulative epochs: ..., max/eta^2, max/eta, max, rounded, smallest at least 1."""
    epochs = [max_epochs]
    while epochs[-1] // eta >= 1 and len(epochs) < 6:
        epochs.append(epochs[-1] // eta)
    return sorted(set(epochs))


def rungs_that_fit(expected: int | None, eta: int, count: int) -> int:
    """How many of the ``count`` rungs (the top ones) a search of ``expected`` trials uses.

    All of them without a budget (None). Otherwise the most rungs ``k`` whose climb of one configuration
    to the top, 1 + eta + ... + eta^(k-1) trials, takes at most half the expected trials (the other
    half for more configurations to reach the top), and at least the top rung.
    """
    if expected is None:
        return count
    k = 1
    while k < count and (eta ** (k + 1) - 1) // (eta - 1) <= expected / 2:
        k += 1
    return k


class Asha(UntriedFallback, EndTrialForms, kt.Oracle):
    """Successive halving without synchronization.

    Args:
        max_epochs: The top rung's epochs.
        eta: Budget growth per rung and the share promoted (1/eta).
        **kwargs: `kt.Oracle` arguments.
    """

    def __init__(self, max_epochs: int, eta: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.eta = max(2, eta)
        self.rungs = rung_epochs(max(1, max_epochs), self.eta)
        self.start = 0  # the bottom rung in use: raised under a time budget that fits few trials

    def populate_space(self, trial_id: str) -> dict:
        """Promotes the best promotable trial of the highest rung, or starts a new one at the bottom rung in use."""
        self.fit_rungs()
        parent = self.promotable()
        if parent is not None:
            rung = parent.hyperparameters.values[RUNG] + 1
            values = {k: v for k, v in parent.hyperparameters.values.items() if not k.startswith("tuner/")}
            values.update({EPOCHS: self.rungs[rung], INITIAL: self.rungs[rung - 1], PARENT: parent.trial_id,
                           RUNG: rung})
            return {"status": kt.engine.trial.TrialStatus.RUNNING, "values": values}
        values = self._random_values()
        if values is None:
            return {"status": kt.engine.trial.TrialStatus.STOPPED, "values": None}
        values.update({EPOCHS: self.rungs[self.start], INITIAL: 0, RUNG: self.start})
        return {"status": kt.engine.trial.TrialStatus.RUNNING, "values": values}

    def fit_rungs(self) -> None:
        """Raises the bottom rung in use to what the expected trials allow; never lowers it, so trials
        that started at a rung are not outranked by cheaper ones started later."""
        expected = self.expected_trials() if hasattr(self, "expected_trials") else None
        self.start = max(self.start, len(self.rungs) - rungs_that_fit(expected, self.eta, len(self.rungs)))

    def promotable(self) -> kt.engine.trial.Trial | None:
        """The best trial in the top 1/eta of the highest rung in use below the top that has one not yet
        promoted (trials of the rungs skipped under a budget stay where they are)."""
        promoted = {t.hyperparameters.values.get(PARENT) for t in self.trials.values()}
        for rung in range(len(self.rungs) - 2, self.start - 1, -1):
            done = self.completed_at(rung)
            top = done[: len(done) // self.eta]
            waiting = [t for t in top if t.trial_id not in promoted]
            if waiting:
                return waiting[0]
        return None

    def _compute_values_hash(self, values: dict) -> str:
        """The hash of the searched values alone.

        KerasTuner's hash includes every value, the budget keys this oracle adds
        too, while its random draws are checked without them: no draw ever
        matched a trial, and configurations came back again and again. A
        promotion hashes as its parent does, which is what it is.
        """
        return super()._compute_values_hash({k: v for k, v in values.items() if not k.startswith("tuner/")})

    def completed_at(self, rung: int) -> list[kt.engine.trial.Trial]:
        """The rung's completed trials, best first."""
        done = [t for t in self.trials.values() if t.hyperparameters.values.get(RUNG) == rung
                and t.status == kt.engine.trial.TrialStatus.COMPLETED and t.score is not None]
        return sorted(done, key=lambda t: t.score, reverse=self.objective.direction == "max")

    def get_state(self) -> dict:
        """KerasTuner's state plus the rungs."""
        return {**super().get_state(), "eta": self.eta, "rungs": self.rungs, "start": self.start}

    def set_state(self, state: dict) -> None:
        """Restores KerasTuner's state and the rungs."""
        super().set_state(state)
        self.eta, self.rungs = state.get("eta", self.eta), state.get("rungs", self.rungs)
        self.start = state.get("start", 0)
        # A search saved before the hash left out the budget keys holds its trials' hashes with them.
        self._tried_so_far.update(self._compute_values_hash(t.hyperparameters.values) for t in self.trials.values())


class AshaOracle(Managed, Asha):
    """The ``asha`` controller's oracle: `Managed` around `Asha`."""
