"""The controllers' oracles (KerasTuner oracles) and `make_oracle`, which builds one by its catalog name.

The controllers themselves are the plug-ins of `automl.plugins.controllers.CONTROLLERS`;
this module holds the oracle classes of the controllers KerasTuner provides and
what every controller is built from.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Callable

import keras_tuner as kt

from automl.errors import SpecError
from automl.search.brackets import BudgetBrackets
from automl.search.ending import EndTrialForms
from automl.search.managed import Managed
from automl.search.untried import UntriedFallback


@dataclass(frozen=True)
class OracleSettings:
    """What every controller is built from (``common`` turns it into constructor arguments)."""

    objective: kt.Objective
    max_trials: int
    seed: int
    max_consecutive_failures: int
    max_epochs: int
    initial_points: tuple[dict, ...] = ()
    objectives: tuple[tuple[str, str], ...] = ()  # every objective of a multi-objective search, first = objective
    budget_seconds: float | None = None  # --time-budget, from the oracle's construction
    max_params: int | None = None  # --max-params
    size_of: Callable[[dict], int] | None = None  # a proposal's parameter count (with max_params)
    on_reject: Callable[[dict, int], None] | None = None  # told of each proposal over max_params
    points_first: bool = True  # set by make_oracle from the catalog (False for budgeted controllers)


def common(hp: kt.HyperParameters, s: OracleSettings) -> dict:
    """The constructor arguments every controller's oracle takes (KerasTuner's and `Managed`'s)."""
    # KerasTuner reads seed 0 as "no seed" and draws a random one; shifting by one
    # keeps every user seed, 0 included, reproducible.
    return dict(objective=s.objective, hyperparameters=hp, seed=s.seed + 1,
                max_consecutive_failed_trials=s.max_consecutive_failures,
                initial_points=tuple(s.initial_points), points_first=s.points_first,
                budget_seconds=s.budget_seconds, max_params=s.max_params, size_of=s.size_of,
                on_reject=s.on_reject)


class RandomOracle(Managed, UntriedFallback, EndTrialForms, kt.oracles.RandomSearchOracle):
    """KerasTuner's random search, which stops only when the space is exhausted."""


class GridSearch(EndTrialForms, kt.oracles.GridSearchOracle):
    """KerasTuner's grid search (exhaustive by itself), with an Int's log-step values as ints, resumable.

    KerasTuner keeps the grid's order of the tried combinations only in memory, so a reloaded grid
    search found nothing after its last default and stopped; the order is rebuilt from the trials.
    """

    _order_stale = False

    def set_state(self, state: dict) -> None:
        super().set_state(state)
        self._order_stale = True  # rebuilt on the next proposal, once the reload has reconciled the trials

    def _rebuild_order(self) -> None:
        from keras_tuner.src.tuners.gridsearch import LinkedList

        values = {t: self.trials[t].hyperparameters.values for t in self.start_order if t in self.trials}
        ordered = sorted(values, key=functools.cmp_to_key(lambda a, b: self._compare(values[a], values[b])))
        self._ordered_ids = LinkedList()
        for trial_id in ordered:
            self._ordered_ids.insert(trial_id)
        self._populate_next = [t for t in self.end_order if t in values]
        self._order_stale = False


    def populate_space(self, trial_id: str) -> dict:
        if self._order_stale or (self.start_order and not self._ordered_ids._memory):  # reloaded
            self._rebuild_order()
        proposal = super().populate_space(trial_id)
        if proposal.get("values"):
            # KerasTuner's grid takes an Int's values from `Int.values`, floats for a log step (16.0
            # filters); its own ordering compares them by value, so ints keep the grid's order.
            ints = {p.name for p in self.hyperparameters.space if isinstance(p, kt.engine.hyperparameters.Int)}
            proposal["values"] = {k: int(v) if k in ints else v for k, v in proposal["values"].items()}
        return proposal


class GridOracle(Managed, GridSearch):
    """The grid controller's oracle: `Managed` around `GridSearch`."""


class HyperbandOracle(Managed, BudgetBrackets, UntriedFallback, EndTrialForms, kt.oracles.HyperbandOracle):
    """KerasTuner's Hyperband, which stops only when the space is exhausted, or at ``max_trials``; under a
    time budget, only brackets that fit it (`BudgetBrackets`)."""

    def __init__(self, *args, max_trials: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Hyperband has no trial count of its own; the base Oracle stops at max_trials.
        self.max_trials = max_trials


def make_oracle(name: str, hp: kt.HyperParameters, settings: OracleSettings) -> kt.Oracle:
    """Builds the controller ``name`` of the catalog, starting from the initial points.

    Raises:
        SpecError: No such controller, or it refuses the space's initial points.
        TypeError: The plug-in's oracle is not a `Managed` one.
    """
    from automl.plugins.controllers import CONTROLLERS

    plugin = CONTROLLERS.get(name)
    if settings.initial_points and plugin.no_initial_points:
        raise SpecError(f"search.initial_points: expected a controller other than {name}, received "
                        f"--controller {name} ({plugin.no_initial_points})")
    oracle = plugin.factory()(hp, dataclasses.replace(settings, points_first=not plugin.budgeted))
    check_managed(type(oracle), f"--controller {name}")
    return oracle


def check_managed(cls: type, what: str) -> None:
    """Refuses an oracle class that is not `Managed`, or whose own methods come before Managed's.

    ``class MyOracle(Managed, MySearch)``: the algorithm's class after `Managed`, so the limits,
    the initial points and the durable files wrap its proposals and its bookkeeping.

    Raises:
        TypeError: It is not.
    """
    mro = cls.__mro__
    if Managed not in mro:
        raise TypeError(f"{what}: expected an oracle class built as class X(Managed, YourSearch), "
                        f"received {cls.__name__} without Managed")
    wrapped = {n for c in Managed.__mro__ if c is not object for n in vars(c) if not n.startswith("__")}
    for c in mro[:mro.index(Managed)]:
        early = sorted(wrapped & set(vars(c)))
        if early:
            raise TypeError(f"{what}: expected Managed's methods to wrap the algorithm's, received "
                            f"{c.__name__} defining {', '.join(early)} before Managed (put them in a base class "
                            f"after Managed)")
