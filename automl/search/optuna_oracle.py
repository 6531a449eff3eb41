"""Optuna's samplers (TPE, NSGA-II) behind a KerasTuner oracle (the ``optuna`` extra).

Optuna asks define-by-run, which fits our conditional spaces: the space is
walked in order and only the active decisions are suggested. KerasTuner stays
the one record of the search. The Optuna study lives in memory and is rebuilt
from KerasTuner's trials when a search resumes; the few facts Optuna keeps on
its trials beyond params and values (NSGA-II's generation) are saved in the
oracle state, and so is the order of the study's trials with the proposals it
was told had failed (repeats, rejected candidates), so the rebuilt study is
the one an uninterrupted search would hold. The sampler is seeded afresh for each proposal from the seed and
the number of proposals so far, so a resumed search proposes what an
uninterrupted one would have.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable, Sequence

import keras_tuner as kt
import optuna
from keras_tuner.src.engine import hyperparameters as hp_module
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from automl.search.ending import EndTrialForms
from automl.search.managed import Managed
from automl.search.untried import UntriedFallback

optuna.logging.set_verbosity(optuna.logging.WARNING)

SamplerFactory = Callable[[int], optuna.samplers.BaseSampler]


def tpe_sampler(startup_trials: int) -> SamplerFactory:
    """Multivariate TPE, grouped for conditional spaces; random for the first ``startup_trials``."""
    def make(seed: int) -> optuna.samplers.BaseSampler:
        with warnings.catch_warnings():  # multivariate, group and constant_liar are "experimental"
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup_trials, multivariate=True,
                                              group=True, constant_liar=True)
    return make


def nsga2_sampler(population_size: int) -> SamplerFactory:
    """NSGA-II with ``population_size`` trials per generation."""
    return lambda seed: optuna.samplers.NSGAIISampler(seed=seed, population_size=population_size)


class OptunaSearch(UntriedFallback, EndTrialForms, kt.Oracle):
    """A KerasTuner oracle whose proposals come from an Optuna sampler.

    Args:
        sampler: Makes the sampler from a seed (`tpe_sampler`, `nsga2_sampler`).
        objectives: ``(metric, "max" | "min")`` pairs Optuna optimizes together; by
            default the oracle's own objective alone.
        **kwargs: `kt.Oracle` arguments (objective, max_trials, hyperparameters, seed...).
    """

    def __init__(self, sampler: SamplerFactory, objectives: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sampler = sampler
        self.objectives = [tuple(o) for o in objectives] or [(self.objective.name, self.objective.direction)]
        self._study: optuna.Study | None = None
        self._asked: dict[str, tuple[int, dict]] = {}  # KerasTuner trial id -> (Optuna trial number, its values)
        self._attrs: dict[str, dict] = {}  # KerasTuner trial id -> Optuna's system attrs of its trial
        # The study's trials in order: {"trial": KerasTuner trial id, "params": Optuna's own when it was asked}
        # or {"failed": Optuna's params of a proposal told as failed} (asked params, before `suggest` snaps them).
        self._log: list[dict] = []
        self._saved_log: list[dict] | None = None

    # --- proposing ------------------------------------------------------------

    def populate_space(self, trial_id: str) -> dict:
        """Asks the sampler; a repeat of an earlier trial is told as failed and asked again."""
        study = self.study()
        self._drop_pending(trial_id)  # an earlier proposal for this id was rejected (--max-params)
        for attempt in range(self._max_collisions + 1):
            # Everything proposed so far (trials and rejected candidates alike) is in KerasTuner's saved
            # state, so the seed moves on with each proposal and comes back the same on resume.
            study.sampler = self.sampler((self.seed or 0) * 7919 + len(self._tried_so_far) * 101 + attempt)
            asked = study.ask()
            values = self._suggest(asked)
            if not self._duplicate(values):
                self._asked[trial_id] = (asked.number, values)
                self._note(asked.number, {"trial": trial_id, "params": dict(asked.params)})
                return {"status": kt.engine.trial.TrialStatus.RUNNING, "values": values}
            study.tell(asked, state=TrialState.FAIL)
            self._note(asked.number, {"failed": dict(asked.params)})
        values = self._random_values()  # the sampler only repeats itself: explore
        if values is None:
            return {"status": kt.engine.trial.TrialStatus.STOPPED, "values": None}
        return {"status": kt.engine.trial.TrialStatus.RUNNING, "values": values}

    def _suggest(self, asked: optuna.Trial) -> dict[str, Any]:
        hps = hp_module.HyperParameters()
        for p in self.hyperparameters.space:
            hps.merge([p])
            if hps.is_active(p):
                hps.values[p.name] = p.value if isinstance(p, hp_module.Fixed) else suggest(asked, p)
        return hps.values

    def _drop_pending(self, trial_id: str) -> None:
        number, proposed = self._asked.pop(trial_id, (None, None))
        if number is not None:
            self.study().tell(number, state=TrialState.FAIL, skip_if_finished=True)
            self._note(number, {"failed": self._log[number].get("params", proposed)})

    # --- learning ---------------------------------------------------------------

    def on_end_trial(self, trial: kt.engine.trial.Trial) -> None:
        """Tells Optuna the trial's objective values (or that it failed), under the oracle's lock.

        `end_trial` (KerasTuner's, in either call form) then ends it as usual.
        """
        study, values = self.study(), self._values(trial)
        number, proposed = self._asked.pop(trial.trial_id, (None, None))
        if number is not None and proposed != trial.hyperparameters.values:
            # Another proposal took this trial's place (a --max-params fallback to a random draw).
            study.tell(number, state=TrialState.FAIL, skip_if_finished=True)
            self._note(number, {"failed": self._log[number].get("params", proposed)})
            number = None
        if number is None:  # an initial point, a random fallback or a resumed trial: not asked of Optuna
            study.add_trial(self._frozen(trial, values))
            number = len(study.trials) - 1
            self._note(number, {"trial": trial.trial_id})
        elif values is None:
            study.tell(number, state=TrialState.FAIL)
        else:
            study.tell(number, values)
        self._attrs[trial.trial_id] = dict(study.trials[number].system_attrs)

    def _values(self, trial: kt.engine.trial.Trial) -> list[float] | None:
        """The trial's objective values, or None when it failed or one is missing."""
        if trial.status != kt.engine.trial.TrialStatus.COMPLETED:
            return None
        values = []
        for name, _ in self.objectives:
            value = trial.metrics.get_last_value(name) if trial.metrics.exists(name) else None
            if value is None or not math.isfinite(float(value)):
                return None
            values.append(float(value))
        return values

    def _frozen(self, trial: kt.engine.trial.Trial, values: list[float] | None) -> optuna.trial.FrozenTrial:
        """A KerasTuner trial as an Optuna trial, to add to the study."""
        return self._as_trial(trial.hyperparameters.values, values, self._attrs.get(trial.trial_id, {}))

    def _as_trial(self, params: dict, values: list[float] | None, attrs: dict) -> optuna.trial.FrozenTrial:
        active = {p.name: p for p in self.hyperparameters.space
                  if p.name in params and not isinstance(p, hp_module.Fixed)}
        return optuna.trial.create_trial(
            state=TrialState.COMPLETE if values is not None else TrialState.FAIL, values=values,
            params={name: params[name] for name in active},
            distributions={name: distribution(p) for name, p in active.items()}, system_attrs=attrs)

    def _note(self, number: int, entry: dict) -> None:
        """Records what the study's trial ``number`` is (see ``_log``)."""
        self._log.extend({} for _ in range(number + 1 - len(self._log)))
        self._log[number] = entry

    # --- the study and the saved state --------------------------------------------

    def study(self) -> optuna.Study:
        """The Optuna study, rebuilt from KerasTuner's finished trials the first time."""
        if self._study is None:
            self._study = optuna.create_study(directions=[d + "imize" for _, d in self.objectives],
                                              sampler=self.sampler(self.seed or 0))
            ended = (kt.engine.trial.TrialStatus.COMPLETED, kt.engine.trial.TrialStatus.FAILED,
                     kt.engine.trial.TrialStatus.INVALID)
            # The saved order (with the proposals told as failed), or, from an older state, the trials.
            log = self._saved_log if self._saved_log is not None else [{"trial": t} for t in self.start_order]
            self._log, self._saved_log = [], None
            for entry in log:
                trial = self.trials.get(entry.get("trial"))
                if "failed" in entry:
                    self._study.add_trial(self._as_trial(entry["failed"], None, {}))
                elif trial is not None and trial.status in ended:  # an interrupted one is told when it reruns
                    params = entry.get("params", trial.hyperparameters.values)
                    self._study.add_trial(self._as_trial(params, self._values(trial),
                                                         self._attrs.get(trial.trial_id, {})))
                else:
                    continue
                self._log.append(entry)
        return self._study

    def get_state(self) -> dict:
        """KerasTuner's state plus the objectives and Optuna's per-trial attrs."""
        return {**super().get_state(), "objectives": [list(o) for o in self.objectives],
                "optuna_attrs": self._attrs, "study_log": self._log}

    def set_state(self, state: dict) -> None:
        """Restores KerasTuner's state; the study is rebuilt from it when next needed."""
        super().set_state(state)
        self._attrs = dict(state.get("optuna_attrs", {}))
        self._study, self._asked, self._saved_log = None, {}, state.get("study_log")


def distribution(p: Any) -> BaseDistribution:
    """The Optuna distribution of a KerasTuner hyperparameter.

    A log range with a step (KerasTuner multiplies by the step) is searched as a
    plain log range; `suggest` puts the value back on KerasTuner's grid.
    """
    if isinstance(p, hp_module.Boolean):
        return CategoricalDistribution([False, True])
    if isinstance(p, hp_module.Choice):
        return CategoricalDistribution(list(p.values))
    log = p.sampling == "log"
    if isinstance(p, hp_module.Int):
        step = 1 if log or not p.step else int(p.step)
        return IntDistribution(int(p.min_value), int(p.max_value), log=log, step=step)
    step = None if log or not p.step else float(p.step)
    return FloatDistribution(float(p.min_value), float(p.max_value), log=log, step=step)


def suggest(asked: optuna.Trial, p: Any) -> Any:
    """Asks for one value of ``p`` (a KerasTuner hyperparameter)."""
    d = distribution(p)
    if isinstance(d, CategoricalDistribution):
        return asked.suggest_categorical(p.name, d.choices)
    if isinstance(d, IntDistribution):
        value = asked.suggest_int(p.name, d.low, d.high, step=d.step, log=d.log)
    else:
        value = asked.suggest_float(p.name, d.low, d.high, step=d.step, log=d.log)
    if p.sampling == "log" and p.step:
        value = p.prob_to_value(p.value_to_prob(value))
    return int(value) if isinstance(p, hp_module.Int) else value


class OptunaOracle(Managed, OptunaSearch):
    """The ``tpe`` and ``nsga2`` controller's oracle: `Managed` around `OptunaSearch`."""
