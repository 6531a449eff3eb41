"""Controllers (KerasTuner oracles), registered by name for ``--controller``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import keras_tuner as kt

from automl.errors import SpecError
from automl.registry import Registry
from automl.search.ending import EndTrialForms
from automl.search.untried import UntriedFallback
from automl.space import active_values


@dataclass(frozen=True)
class OracleSettings:
    """What every controller is built from."""

    objective: kt.Objective
    max_trials: int
    seed: int
    max_consecutive_failures: int
    max_epochs: int
    initial_points: tuple[dict, ...] = ()
    objectives: tuple[tuple[str, str], ...] = ()  # every objective of a multi-objective search, first = objective


OracleFactory = Callable[[kt.HyperParameters, OracleSettings], kt.Oracle]
ORACLES: Registry[OracleFactory] = Registry("--controller")
register = ORACLES.register


class RandomOracle(UntriedFallback, EndTrialForms, kt.oracles.RandomSearchOracle):
    """KerasTuner's random search, which stops only when the space is exhausted."""


class GridOracle(EndTrialForms, kt.oracles.GridSearchOracle):
    """KerasTuner's grid search (exhaustive by itself), with an Int's log-step values as ints."""

    def populate_space(self, trial_id: str) -> dict:
        proposal = super().populate_space(trial_id)
        if proposal.get("values"):
            # KerasTuner's grid takes an Int's values from `Int.values`, floats for a log step (16.0
            # filters); its own ordering compares them by value, so ints keep the grid's order.
            ints = {p.name for p in self.hyperparameters.space if isinstance(p, kt.engine.hyperparameters.Int)}
            proposal["values"] = {k: int(v) if k in ints else v for k, v in proposal["values"].items()}
        return proposal


class HyperbandOracle(UntriedFallback, EndTrialForms, kt.oracles.HyperbandOracle):
    """KerasTuner's Hyperband, which stops only when the space is exhausted."""


def _common(hp: kt.HyperParameters, s: OracleSettings) -> dict:
    # KerasTuner reads seed 0 as "no seed" and draws a random one; shifting by one
    # keeps every user seed, 0 included, reproducible.
    return dict(objective=s.objective, hyperparameters=hp, seed=s.seed + 1,
                max_consecutive_failed_trials=s.max_consecutive_failures)


@register("random")
def random_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Uniform random sampling."""
    return RandomOracle(max_trials=s.max_trials, **_common(hp, s))


@register("grid")
def grid_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Every combination in order; float ranges need a ``step``."""
    for p in hp.space:
        if isinstance(p, kt.engine.hyperparameters.Float) and p.step is None:
            raise SpecError(f"--controller grid: expected every float range to have a step, "
                            f"received {p.name!r} without one")
    return GridOracle(max_trials=s.max_trials, **_common(hp, s))


@register("bayesian")
def bayesian_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Gaussian-process Bayesian optimization (KerasTuner's, with a bounded fit and a fast acquisition search)."""
    from automl.search.bayesian import FastBayesianOracle

    return FastBayesianOracle(max_trials=s.max_trials, **_common(hp, s))


@register("hyperband")
def hyperband_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Hyperband over epochs, its brackets repeated until ``max_trials`` trials in all."""
    # KerasTuner stops after one pass over the brackets unless told otherwise; repeating them
    # until max_trials (or --time-budget) is what a user asking for N trials expects.
    oracle = HyperbandOracle(max_epochs=max(s.max_epochs, 2), factor=3, hyperband_iterations=s.max_trials,
                             **_common(hp, s))
    # Hyperband has no trial count of its own; the base Oracle stops at max_trials.
    oracle.max_trials = s.max_trials
    return oracle


@register("evolution")
def evolution_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Regularized (aging) evolution: tournament selection, one-value mutations, oldest retired.

    The population is a third of the trials (4 to 50); tournaments draw a quarter of it.
    """
    from automl.search.evolution import EvolutionOracle

    population = min(50, max(4, s.max_trials // 3))
    return EvolutionOracle(population_size=population, tournament_size=max(2, population // 4),
                           max_trials=s.max_trials, **_common(hp, s))


@register("rl")
def rl_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """REINFORCE policy over the space's decisions with a moving-average baseline (NAS-style)."""
    from automl.search.reinforce import ReinforceOracle

    return ReinforceOracle(max_trials=s.max_trials, **_common(hp, s))


@register("asha")
def asha_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Asynchronous successive halving over epochs: rungs grow by 3, the top third goes on."""
    from automl.search.asha import AshaOracle

    return AshaOracle(max_epochs=max(s.max_epochs, 1), eta=3, max_trials=s.max_trials, **_common(hp, s))


@register("tpe")
def tpe_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Optuna's multivariate TPE (the ``optuna`` extra); all objectives of a multi-objective search."""
    from automl.search.optuna_oracle import OptunaOracle, tpe_sampler

    return OptunaOracle(tpe_sampler(max(3, min(10, s.max_trials // 4))), objectives=s.objectives,
                        max_trials=s.max_trials, **_common(hp, s))


@register("nsga2")
def nsga2_oracle(hp: kt.HyperParameters, s: OracleSettings) -> kt.Oracle:
    """Optuna's NSGA-II (the ``optuna`` extra): a Pareto-front genetic search over all objectives.

    A generation is a third of the trials (4 to 50).
    """
    from automl.search.optuna_oracle import OptunaOracle, nsga2_sampler

    return OptunaOracle(nsga2_sampler(min(50, max(4, s.max_trials // 3))), objectives=s.objectives,
                        max_trials=s.max_trials, **_common(hp, s))


class InitialPoints:
    """Oracle mixin: the space's initial points are tried before the oracle's own proposals.

    A point names only some values; the rest take their defaults and values
    of inactive conditional scopes are dropped. Oracles that order their own
    trials by budget (hyperband, asha) take the points as their first random
    draws, so the points enter at the bottom rung. A point is used once: it is
    skipped when a trial (or a rejected candidate) already has its values,
    which is also how a resumed search knows where it was.
    """

    initial_points: tuple[dict, ...] = ()
    points_first: bool = True  # False: the points only replace random draws

    def populate_space(self, trial_id: str) -> dict:
        values = self._next_initial_point() if self.points_first else None
        if values is not None:
            return {"status": "RUNNING", "values": values}
        return super().populate_space(trial_id)

    def _random_values(self) -> dict | None:
        values = self._next_initial_point()
        return values if values is not None else super()._random_values()

    def _next_initial_point(self) -> dict | None:
        used = {_searched_key(t.hyperparameters.values) for t in self.trials.values()}
        for point in self.initial_points:
            values = active_values(self.hyperparameters, point)
            if _searched_key(values) not in used and self._compute_values_hash(values) not in self._tried_so_far:
                self._tried_so_far.add(self._compute_values_hash(values))
                return values
        return None


def _searched_key(values: dict) -> str:
    """The searched values of a trial without KerasTuner's budget bookkeeping (``tuner/...``)."""
    return repr(sorted((k, v) for k, v in values.items() if not k.startswith("tuner/")))


BUDGETED = ("hyperband", "asha")


def make_oracle(name: str, hp: kt.HyperParameters, settings: OracleSettings) -> kt.Oracle:
    """Builds the controller registered under ``name``, starting from the initial points."""
    if settings.initial_points and name == "grid":
        raise SpecError("search.initial_points: expected a controller other than grid, received "
                        "--controller grid (it tries every combination in its own order)")
    oracle = ORACLES.lookup(name)(hp, settings)
    if settings.initial_points:
        # Put the mixin in front of this oracle's own class, whichever it is.
        oracle.__class__ = type(f"Initial{type(oracle).__name__}", (InitialPoints, type(oracle)), {})
        oracle.initial_points = tuple(settings.initial_points)
        oracle.points_first = name not in BUDGETED
    return oracle
