"""A policy-gradient controller in the manner of Zoph & Le's NAS, as a KerasTuner oracle.

The policy holds one softmax over the options of every decision in the space
(a choice's values, a boolean, an integer or float range cut into bins,
each a value on the range's declared grid) and
samples the decisions in the space's order, so a conditional scope's
decisions are only sampled when active. After each completed trial it takes a
REINFORCE step: every decision the trial sampled moves its logits by
``learning_rate * (reward - baseline) * (one_hot - softmax)``, where the
reward is the objective (negated when lower is better) and the baseline a
moving average of rewards; the advantage is divided by a moving estimate of
its own spread, so the step size does not depend on the objective's units
(accuracies near 0.9, losses in the hundreds). The logits and the baseline are part of the saved
oracle state, so a resumed search continues with the same policy.
"""

from __future__ import annotations

import math
import random
from typing import Any

import keras_tuner as kt
from keras_tuner.src.engine import hyperparameters as hp_module

from automl.search.ending import EndTrialForms
from automl.search.managed import Managed
from automl.search.untried import UntriedFallback, grid_size, grid_value

BINS = 8  # options of an integer or float range with more values than this


class Reinforce(UntriedFallback, EndTrialForms, kt.Oracle):
    """REINFORCE over the space's decisions with a moving-average baseline.

    Args:
        learning_rate: Step size of the policy update.
        baseline_decay: Weight of the old baseline in its moving average.
        **kwargs: `kt.Oracle` arguments.
    """

    def __init__(self, learning_rate: float = 0.5, baseline_decay: float = 0.8, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy_learning_rate, self.baseline_decay = learning_rate, baseline_decay
        self.logits: dict[str, list[float]] = {}
        self.baseline: float | None = None
        self.spread: float | None = None  # moving mean of |reward - baseline|
        self.updated: list[str] = []  # trials already learned from

    # --- proposing ------------------------------------------------------------

    def populate_space(self, trial_id: str) -> dict:
        """Learns from newly completed trials, then samples a configuration not tried before.

        A policy sure of itself keeps drawing configurations already tried; then a
        uniform random draw explores instead, and the search stops only when the
        space itself is exhausted.
        """
        self._learn()
        for _ in range(self._max_collisions + 1):
            values = self.sample()
            if not self._duplicate(values):
                return {"status": kt.engine.trial.TrialStatus.RUNNING, "values": values}
        values = self._random_values()
        if values is None:
            return {"status": kt.engine.trial.TrialStatus.STOPPED, "values": None}
        return {"status": kt.engine.trial.TrialStatus.RUNNING, "values": values}

    def sample(self) -> dict[str, Any]:
        """One configuration drawn from the policy, decisions in the space's order."""
        self._seed_state += 1
        rng = random.Random(self._seed_state)
        hps = hp_module.HyperParameters()
        for p in self.hyperparameters.space:
            hps.merge([p])
            if hps.is_active(p):
                options = options_of(p)
                probabilities = softmax(self._logits(p.name, len(options)))
                hps.values[p.name] = options[rng.choices(range(len(options)), probabilities)[0]]
        return hps.values

    # --- learning --------------------------------------------------------------

    def _learn(self) -> None:
        for trial_id in self.end_order:
            trial = self.trials[trial_id]
            if trial_id in self.updated or trial.status != kt.engine.trial.TrialStatus.COMPLETED \
                    or trial.score is None:
                continue
            self.update(trial.hyperparameters.values, self.reward(trial.score))
            self.updated.append(trial_id)

    def reward(self, score: float) -> float:
        """Higher is better, whatever the objective's direction."""
        return score if self.objective.direction == "max" else -score

    def update(self, values: dict[str, Any], reward: float) -> None:
        """One REINFORCE step on the decisions ``values`` made."""
        baseline = reward if self.baseline is None else self.baseline
        raw = reward - baseline
        self.spread = abs(raw) if self.spread is None else self.baseline_decay * self.spread + (
            1 - self.baseline_decay) * abs(raw)
        advantage = raw / self.spread if self.spread else 0.0
        for p in self.hyperparameters.space:
            if p.name not in values:
                continue
            options = options_of(p)
            chosen = nearest(options, values[p.name])
            logits = self._logits(p.name, len(options))
            probabilities = softmax(logits)
            self.logits[p.name] = [logit + self.policy_learning_rate * advantage * ((i == chosen) - q)
                                   for i, (logit, q) in enumerate(zip(logits, probabilities))]
        self.baseline = self.baseline_decay * baseline + (1 - self.baseline_decay) * reward

    def _logits(self, name: str, size: int) -> list[float]:
        if name not in self.logits or len(self.logits[name]) != size:
            self.logits[name] = [0.0] * size
        return self.logits[name]

    # --- resuming --------------------------------------------------------------

    def get_state(self) -> dict:
        """KerasTuner's state plus the policy."""
        return {**super().get_state(), "logits": self.logits, "baseline": self.baseline, "spread": self.spread,
                "updated": self.updated}

    def set_state(self, state: dict) -> None:
        """Restores KerasTuner's state and the policy."""
        super().set_state(state)
        self.logits = state.get("logits", {})
        self.baseline = state.get("baseline")
        self.spread = state.get("spread")
        self.updated = list(state.get("updated", []))


def options_of(p: Any) -> list[Any]:
    """The values a decision chooses among."""
    if isinstance(p, hp_module.Fixed):
        return [p.value]
    if isinstance(p, hp_module.Choice):
        return list(p.values)
    if isinstance(p, hp_module.Boolean):
        return [False, True]
    if isinstance(p, (hp_module.Int, hp_module.Float)):
        return range_options(p)
    raise TypeError(f"unknown hyperparameter type {type(p).__name__}")


def range_options(p: Any) -> list[Any]:
    """The options of an Int or Float range: values on its declared grid, at most `BINS`.

    A range with few values offers them all. A wider one with a step offers
    values spread evenly over its grid, both ends included (spread in log
    for a log step, which KerasTuner multiplies). Without a step (a float, or
    a log-sampled Int) the options are spread as the range is sampled,
    within its bounds and whole for an Int.
    """
    size = grid_size(p)
    if size is not None and (size <= BINS or p.step):
        picks = range(size) if size <= BINS else sorted({round(i * (size - 1) / (BINS - 1)) for i in range(BINS)})
        return [grid_value(p, i) for i in picks]
    # `_sample_numerical_value` is KerasTuner's map from [0, 1] to the range (linear or log); at 1 it
    # can land a rounding error past the top, hence the clamp.
    spread = [min(max(p._sample_numerical_value(i / (BINS - 1)), p.min_value), p.max_value) for i in range(BINS)]
    return sorted({int(round(v)) for v in spread}) if isinstance(p, hp_module.Int) else spread


def nearest(options: list[Any], value: Any) -> int:
    """The index of ``value`` among ``options`` (the closest one for numbers not on the grid)."""
    if value in options:
        return options.index(value)
    return min(range(len(options)), key=lambda i: abs(float(options[i]) - float(value)))


def softmax(logits: list[float]) -> list[float]:
    """Probabilities from logits (shifted by the largest for stability)."""
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


class ReinforceOracle(Managed, Reinforce):
    """The ``rl`` controller's oracle: `Managed` around `Reinforce`."""
