"""Controllers (KerasTuner oracles), registered by name for ``--controller``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import keras_tuner as kt

from automl.errors import SpecError
from automl.registry import Registry


@dataclass(frozen=True)
class OracleSettings:
    """What every controller is built from."""

    objective: kt.Objective
    max_trials: int
    seed: int
    max_consecutive_failures: int
    max_epochs: int


OracleFactory = Callable[[kt.HyperParameters, OracleSettings], kt.Oracle]
ORACLES: Registry[OracleFactory] = Registry("--controller")
register = ORACLES.register


def _common(hp: kt.HyperParameters, s: OracleSettings) -> dict:
    # KerasTuner reads seed 0 as "no seed" and draws a random one; shifting by one
    # keeps every user seed, 0 included, reproducible.
    return dict(objective=s.objective, hyperparameters=hp, seed=s.seed + 1,
                max_consecutive_failed_trials=s.max_consecutive_failures)


@register("random")
def random_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Uniform random sampling."""
    return kt.oracles.RandomSearchOracle(max_trials=s.max_trials, **_common(hp, s))


@register("grid")
def grid_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Every combination in order; float ranges need a ``step``."""
    for p in hp.space:
        if isinstance(p, kt.engine.hyperparameters.Float) and p.step is None:
            raise SpecError(f"--controller grid: expected every float range to have a step, "
                            f"received {p.name!r} without one")
    return kt.oracles.GridSearchOracle(max_trials=s.max_trials, **_common(hp, s))


@register("bayesian")
def bayesian_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Gaussian-process Bayesian optimization."""
    return kt.oracles.BayesianOptimizationOracle(max_trials=s.max_trials, **_common(hp, s))


@register("hyperband")
def hyperband_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Hyperband over epochs; capped at ``max_trials`` trials in all."""
    oracle = kt.oracles.HyperbandOracle(max_epochs=max(s.max_epochs, 2), factor=3, **_common(hp, s))
    # Hyperband has no trial count of its own; the base Oracle stops at max_trials.
    oracle.max_trials = s.max_trials
    return oracle


def make_oracle(name: str, hp: kt.HyperParameters, settings: OracleSettings) -> kt.Oracle:
    """Builds the controller registered under ``name``."""
    return ORACLES.lookup(name)(hp, settings)
