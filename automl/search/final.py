"""The model a search exports: its best trial, or a greedy ensemble of its top trials, refit on small data.

After the trials, the best ``candidates`` completed trials predict the
validation rows; greedy selection (`automl.search.selection`) weighs them. The
ensemble replaces the best single model only when its selection loss on the
validation rows (log loss, or squared error in standardized units) is lower
than the best candidate's; the objective is recorded beside it.

On a training split under ``search.cross_validation.max_rows`` the search's
best few trials are instead cross-validated (`automl.search.folds`): their
out-of-fold predictions on every training and validation row choose the best
single model and weigh the ensemble, so the choice no longer rests on a
validation split of some dozens of rows. Each chosen trial is exported as the
average of its fold models (bagging; ``bag: false`` refits it instead). The
two best trials are always cross-validated, the others while the time budget
lasts (a search that ran out of trials before it).

On a small training split (under `SMALL` rows, or always with ``refit:
always``) the chosen model(s) are then trained again from scratch on the
training and validation rows together, each for the epoch count its trial
chose: on small data the validation rows are a large share of what there is
to learn from, and they have done their job (choosing) by then.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import keras
import numpy as np

from automl.builders import InputSpec, augmenter, build_model, family_values, prepare_targets
from automl.builders.compile import compile_model
from automl.builders.ensemble import combine
from automl.data.feed import to_dataset
from automl.errors import TrialFailedError
from automl.plugins.tasks import TASKS
from automl.search import linear
from automl.search.folds import fold_of_rows, out_of_fold, predictions, stratifies
from automl.search.record import record
from automl.search.selection import LOSSES, Selection, select
from automl.spec.schema import CrossValidation, Ensemble, Search
from automl.training import fit_epochs

# Training rows under which `refit: auto` retrains on train + validation. Every bundled table and digits
# (150 to 1,300 training rows) is under it; the cost is one training per member, of the trial's own length,
# so it stops at the size where a trial takes minutes on a CPU.
SMALL = 10_000
# What an ensemble is compiled with: its loss and metrics are the task's (for evaluation), it never trains.
PLAIN = {"loss": "auto", "optimizer": "adam", "learning_rate": 1e-3, "batch_size": 32}


@dataclass
class Final:
    """The exported model and how it was made.

    Attributes:
        model: Compiled, trained, ready to evaluate and export.
        spec: The input statistics it was built with (the refit's when refit).
        members: ``(trial id, weight)`` per member; one member of weight 1 for a single model.
        refit: Whether it was retrained on train + validation.
        facts: What the model card and the run record say about the selection.
        bagged: Fold models averaged per member, when the members are bagged (0: one model per member).
    """

    model: keras.Model
    spec: InputSpec
    members: list[tuple[str, float]]
    refit: bool
    facts: dict[str, Any] = field(default_factory=dict)
    bagged: int = 0  # fold models averaged per member (0: one model per member)

    @property
    def is_ensemble(self) -> bool:
        return len(self.members) > 1

    @property
    def averages(self) -> bool:
        """Whether the model averages several (a compiled-for-evaluation ensemble, not a trial's model)."""
        return self.is_ensemble or self.bagged > 0


def should_refit(mode: str, rows: int) -> bool:
    """Whether the exported model is retrained on train + validation (``auto``: under `SMALL` rows)."""
    return mode == "always" or (mode == "auto" and rows < SMALL)


def cross_validates(cv: CrossValidation, task: str, kind: str, rows: int, objective: str,
                    derived: bool) -> bool:
    """Whether the search's candidates are chosen by k-fold cross-validation: folds asked for, a training
    split under ``cv.max_rows`` rows, and a search whose models can be ensembled (a classification or
    regression task with a ``val_`` objective, not a graph)."""
    return (cv.folds >= 2 and rows < cv.max_rows and rows >= cv.folds and bool(TASKS.get(task).ensemble_loss)
            and kind != "graph" and not derived and objective.startswith("val_"))


def final_model(controller, data, search: Search, say: Callable[[str], None],
                deadline: float | None = None) -> Final:
    """The model to export: the best trial or an ensemble, refit when asked or when the data is small.

    Args:
        controller: The search's controller, its trials ended.
        data: The dataset (its test split is not used here).
        search: The space's ``search`` section (``ensemble``, ``cross_validation``, ``refit``).
        say: Where progress lines go.
        deadline: A `time.monotonic` value past which no further candidate is cross-validated (the two
            best always are); None: no limit.
    """
    ensemble, refit = search.ensemble, search.refit
    best = [t for t in controller.oracle.get_best_trials(max(ensemble.candidates, search.cross_validation.candidates))
            if t.status == "COMPLETED"]
    if not TASKS.get(controller.spec.task).ensemble_loss or controller.spec.kind == "graph":
        # Generators and autoencoders, and graphs (whose splits are rows of one graph), export as searched.
        return Final(controller.load_model(best[0]), controller.spec, [(best[0].trial_id, 1.0)], False,
                     {"method": "best trial"})
    outcome = None
    if len(best) >= 2 and cross_validates(search.cross_validation, controller.spec.task, controller.spec.kind,
                                          len(data.y_train), controller.objective_pair[0], bool(controller.derived)):
        outcome = _cross_validated(controller, data, best[:search.cross_validation.candidates], search, say,
                                   deadline)
    if outcome is not None:
        best, weights, facts, loaded, bags = outcome
        if search.cross_validation.bag:
            return _bagged(best, weights, bags, data, facts)
    else:
        best = best[:ensemble.candidates]
        weights, facts, loaded = _weights(controller, data, best, ensemble, say)
    chosen = [i for i, w in enumerate(weights) if w > 0]
    again = should_refit(refit, len(data.y_train))
    facts["refit"] = ("on train + validation" if again else "no") + f" ({len(data.y_train)} training rows, " \
                     f"refit: {refit})"
    if again:
        merged = data.with_validation_in_train()
        spec = InputSpec.from_bundle(merged)  # statistics of the data it now learns from
        models = []
        for i in chosen:
            if isinstance(best[i], linear.LinearCandidate):
                say(f"refitting {linear.member_label(best[i].trial_id)} on train + validation "
                    f"({len(merged.y_train)} rows)")
                models.append(linear.fitted(best[i].values, merged, f"member_{best[i].trial_id}", controller.seed,
                                            best[i].kernel))
                continue
            say(f"refitting trial {best[i].trial_id} on train + validation ({len(merged.y_train)} rows) for "
                f"{best_epochs(controller, best[i])} epochs")
            models.append(retrained(controller, best[i], merged, spec, name=f"member_{best[i].trial_id}",
                                    seed=controller.seed + int(best[i].trial_id)))
    else:
        spec = controller.spec
        models = [loaded[i] if loaded else controller.load_model(best[i], name=f"member_{best[i].trial_id}")
                  for i in chosen]
    members = [(best[i].trial_id, weights[i]) for i in chosen]
    if len(members) == 1:
        return Final(models[0], spec, members, again, facts)
    return Final(_combined(models, [w for _, w in members], spec), spec, members, again, facts)


def _bagged(best: list, weights: list[float], bags: list[list], data, facts: dict) -> Final:
    """Each chosen trial as the average of its fold models, weighted as chosen: no refit, and the
    variance of a single training on a few hundred rows averages out over the folds."""
    chosen = [i for i, w in enumerate(weights) if w > 0]
    merged = data.with_validation_in_train()
    spec = InputSpec.from_bundle(merged)
    folds = len(bags[chosen[0]])
    facts["refit"] = (f"no: each chosen trial is the average of its {folds} fold models (bagged), each trained on "
                      f"{folds - 1} of {folds} folds of the {len(merged.y_train)} training and validation rows")
    models = [m for i in chosen for m in bags[i]]
    shares = [weights[i] / len(bags[i]) for i in chosen for _ in bags[i]]
    members = [(best[i].trial_id, weights[i]) for i in chosen]
    return Final(_combined(models, shares, spec), spec, members, False, facts, bagged=folds)


def _combined(models: list, weights: list[float], spec: InputSpec) -> keras.Model:
    """The members as one compiled model (compiled for evaluation: the task's default loss and metrics)."""
    model = combine(models, weights, TASKS.get(spec.task).output)
    compile_model(model, PLAIN, spec, 1)
    return model


def _scaled(predictions: list[np.ndarray], y: np.ndarray, std) -> tuple[list[np.ndarray], np.ndarray]:
    """Regression predictions and targets in standardized units (``std`` None: as they are), so the
    selection's squared error weighs every target alike, as the loss does."""
    if std is None:
        return predictions, y
    return [p / std for p in predictions], (y.reshape(len(y), -1) / std).reshape(y.shape)


def _validation_predictions(controller, data, loaded: list) -> tuple[list[np.ndarray], np.ndarray]:
    """The searched models' predictions on the validation rows, and those rows' targets, as selection
    scores them."""
    held = [predictions(m, data.x_val) for m in loaded]
    return _scaled(held, np.asarray(data.y_val), controller.spec.target_std)


def _cross_validated(controller, data, best: list, search: Search, say,
                     deadline: float | None) -> tuple[list, list[float], dict, list, list] | None:
    """Candidates scored by k-fold cross-validation on train + validation, best single or greedy ensemble
    chosen on their out-of-fold predictions: the candidates cross-validated, a weight for each, the facts,
    their searched models (loaded for an ensemble, else empty) and each one's fold models; None when every
    candidate's folds failed."""
    task = TASKS.get(controller.spec.task)
    cv, ensemble = search.cross_validation, search.ensemble
    merged = data.with_validation_in_train()
    y = np.asarray(merged.y_train)
    fold = fold_of_rows(y, cv.folds, controller.seed, stratifies(controller.spec.task, y))
    say(f"cross-validating the {len(best)} best trials: {cv.folds} folds of the {len(y)} training and validation "
        f"rows ({len(data.y_train)} training rows < search.cross_validation.max_rows {cv.max_rows})")
    std = None if controller.spec.target_std is None else np.maximum(
        np.asarray(y, "float64").reshape(len(y), -1).std(axis=0), 1e-6)
    _, y = _scaled([], y, std)  # the targets as selection scores them, once
    held, bags, kept, losses, scored = [], [], [], {}, LOSSES[task.ensemble_loss]

    def keep(candidate, p: np.ndarray, models: list, seconds: float) -> None:
        p = p if std is None else p / std
        held.append(p)
        bags.append(models)
        kept.append(candidate)
        losses[candidate.trial_id] = round(scored(p, y), 6)
        say(f"{linear.member_label(candidate.trial_id)}: {task.ensemble_loss} {losses[candidate.trial_id]:.4f} "
            f"out of fold ({seconds:.1f}s)")

    for i, trial in enumerate(best):
        if i >= 2 and deadline is not None and time.monotonic() >= deadline:
            say(f"time budget reached: {i} of the {len(best)} candidates cross-validated")
            break
        epochs = best_epochs(controller, trial)
        say(f"cross-validating trial {trial.trial_id}: {cv.folds} trainings of {epochs} epochs")
        try:
            keep(trial, *_timed(out_of_fold, dict(trial.hyperparameters.values), merged, fold, epochs,
                                seed=controller.seed + int(trial.trial_id), name=f"member_{trial.trial_id}"))
        except TrialFailedError as err:  # a configuration can diverge on other rows and another seed
            say(f"trial {trial.trial_id} left out: a fold's training failed ({err})")
    fits_convex = linear.applies(controller.spec.task, controller.spec.kind, merged.y_train)
    for kind in [k for k, on in ((linear.NAME, cv.linear), (linear.KERNEL, cv.kernel)) if on and fits_convex]:
        # Always, budget or not: its folds are convex fits of a few seconds, not trainings.
        candidate = linear.LinearCandidate(linear.linear_values(dict(best[0].hyperparameters.values)), kind)
        fit = "ridge" if controller.spec.task == "regression" else "logistic"
        say(f"cross-validating a {kind} model ({'kernel ' if candidate.kernel else ''}{fit} regression, its L2 "
            f"penalty chosen by inner folds): {cv.folds} fits")
        try:
            keep(candidate, *_timed(linear.out_of_fold, candidate.values, merged, fold, controller.seed,
                                    candidate.kernel))
        except ValueError as err:  # folds too small to fit (a class alone)
            say(f"{linear.member_label(kind)} left out: {err}")
    if not held:
        return None
    record([t.trial_id for t in kept], held, y, task.ensemble_loss, bags, data, std)  # benchmarks only
    searched_best, best = best[0].trial_id, kept
    chosen = select(held, y, task.ensemble_loss, max(ensemble.size, 1))
    top = best[chosen.best_single]
    facts = {"candidates": [t.trial_id for t in best], "selection_loss": task.ensemble_loss,
             "cross_validation": {"folds": cv.folds, "rows": len(y), "out_of_fold_losses": losses},
             "ensemble_selection_loss": round(chosen.loss, 6), "best_candidate_selection_loss":
             round(chosen.single_loss, 6), "best_candidate": top.trial_id}
    convex = [t.trial_id for t in best if isinstance(t, linear.LinearCandidate)]
    method = f"{cv.folds}-fold cross-validation of the {len(best) - len(convex)} best trials" + (
        f" and a {' and a '.join(convex)} model" if convex else "")
    why = _alone_because(ensemble, chosen)
    if why:
        say(f"no ensemble ({why}): {linear.member_label(top.trial_id)} is the best out of fold ({task.ensemble_loss} "
            f"{chosen.single_loss:.4f}; the search's best on the validation split was trial {searched_best})")
        alone = [1.0 if i == chosen.best_single else 0.0 for i in range(len(best))]
        return best, alone, {"method": f"{method}, best single model", "ensemble": why, **facts}, [], bags
    # The ensemble's row on the leaderboard: the searched members' average on the validation rows.
    objective = controller.objective_pair[0]
    loaded = [_searched_model(controller, data, t) for t in best]
    searched, y_val = _validation_predictions(controller, data, loaded)
    facts[f"ensemble_{objective}"] = _validation_objective(controller, data, loaded, chosen, searched, y_val)
    facts["weights"] = {best[i].trial_id: round(chosen.weights[i], 4) for i in chosen.members}
    say(f"ensemble of {len(chosen.members)} models ({_listed(best, chosen)}): {task.ensemble_loss} out of fold "
        f"{chosen.loss:.4f} against the best candidate's {chosen.single_loss:.4f} "
        f"({linear.member_label(top.trial_id)})")
    return (best, list(chosen.weights), {"method": f"{method}, greedy ensemble (Caruana et al., 2004)", **facts},
            loaded, bags)


def _timed(fit: Callable, *args, **kwargs) -> tuple[np.ndarray, list, float]:
    """``fit``'s out-of-fold predictions and fold models, and the seconds it took."""
    started = time.perf_counter()
    p, models = fit(*args, **kwargs)
    return p, models, time.perf_counter() - started


def _searched_model(controller, data, candidate) -> keras.Model:
    """A candidate's model as the search had it, trained on the training split alone: a trial's own, or the
    linear model fitted on those rows (for the ensemble's validation score)."""
    name = f"member_{candidate.trial_id}"
    if isinstance(candidate, linear.LinearCandidate):
        return linear.fitted(candidate.values, data, name, controller.seed, candidate.kernel)
    return controller.load_model(candidate, name=name)


def _alone_because(ensemble: Ensemble, chosen: Selection) -> str:
    """Why the out-of-fold choice is one trial rather than the greedy ensemble ('' when it is the ensemble)."""
    if ensemble.size == 0:
        return "off (search.ensemble.size: 0)"
    if len(chosen.members) < 2:
        return "greedy selection kept one trial"
    if chosen.loss >= chosen.single_loss:
        return "not better than the best trial out of fold"
    return ""


def _weights(controller, data, best: list, ensemble: Ensemble, say) -> tuple[list[float], dict, list]:
    """Each candidate's weight (the best trial alone unless an ensemble wins on validation), the facts,
    and the candidates' models (loaded to predict; empty when there was no selection)."""
    task = TASKS.get(controller.spec.task)
    alone = [1.0] + [0.0] * (len(best) - 1)
    objective = controller.objective_pair[0]
    why = _no_ensemble(controller, task.ensemble_loss, ensemble, len(best))
    if why:
        return alone, {"method": "best trial", "ensemble": why}, []
    loaded = [controller.load_model(t, name=f"member_{t.trial_id}") for t in best]
    held, y = _validation_predictions(controller, data, loaded)
    chosen = select(held, y, task.ensemble_loss, ensemble.size)
    single = best[0].score
    facts = {"candidates": [t.trial_id for t in best], "selection_loss": task.ensemble_loss,
             "ensemble_selection_loss": round(chosen.loss, 6), "best_candidate_selection_loss":
             round(chosen.single_loss, 6), f"best_trial_{objective}": single}
    if len(chosen.members) < 2:
        facts["ensemble"] = "greedy selection kept one trial"
        say(f"no ensemble: greedy selection over the {len(best)} best trials kept one ({task.ensemble_loss} on "
            f"the validation rows {chosen.loss:.4f})")
        return alone, {"method": "best trial", **facts}, loaded
    ours = _validation_objective(controller, data, loaded, chosen, held, y)
    if objective == "val_loss":
        single = chosen.single_loss  # the same loss, without the weight penalties, on both sides
    facts[f"ensemble_{objective}"] = ours
    facts["weights"] = {best[i].trial_id: round(chosen.weights[i], 4) for i in chosen.members}
    listed = _listed(best, chosen)
    # The selection loss decides: a proper score of the predictions, where the objective (accuracy on some
    # dozens of rows) moves in steps of one row and ties more often than not.
    if chosen.loss < chosen.single_loss:
        say(f"ensemble of {len(chosen.members)} models ({listed}): validation {objective} {ours:.4f} against the "
            f"best trial's {single:.4f}, {task.ensemble_loss} {chosen.loss:.4f} against {chosen.single_loss:.4f}")
        return list(chosen.weights), {"method": "greedy ensemble (Caruana et al., 2004)", **facts}, loaded
    facts["ensemble"] = "not better than the best trial on the validation rows"
    say(f"no ensemble: the greedy ensemble ({listed}) did not beat the best candidate on the validation "
        f"rows ({task.ensemble_loss} {chosen.loss:.4f} against {chosen.single_loss:.4f})")
    return alone, {"method": "best trial", **facts}, loaded


def _listed(best: list, chosen: Selection) -> str:
    return ", ".join(f"{linear.member_label(best[i].trial_id)} x{chosen.weights[i]:.2f}" for i in chosen.members)


def _validation_objective(controller, data, loaded: list, chosen: Selection, held: list, y) -> float:
    """The objective of the searched models' weighted average on the validation rows (what a trial's row
    on the leaderboard shows)."""
    objective = controller.objective_pair[0]
    if objective == "val_loss":
        # The selection loss is the task's default loss without the members' weight penalties, which
        # Keras's val_loss of an ensemble would add up.
        average = sum(chosen.weights[i] * held[i] for i in chosen.members)
        return LOSSES[TASKS.get(controller.spec.task).ensemble_loss](average, y)
    candidate = _combined([loaded[i] for i in chosen.members], [chosen.weights[i] for i in chosen.members],
                          controller.spec)
    return _evaluated(candidate, data, controller.spec).get(objective)


def _evaluated(model: keras.Model, data, spec: InputSpec) -> dict[str, float]:
    """A compiled model's loss and metrics on the validation rows, as ``val_<name>``."""
    y = prepare_targets(PLAIN, spec, data.y_val)
    scores = model.evaluate(to_dataset(data.x_val, y, 256), verbose=0, return_dict=True)
    return {f"val_{k}": float(v) for k, v in scores.items()}


def _no_ensemble(controller, loss: str, ensemble: Ensemble, candidates: int) -> str:
    """Why this search's export cannot be an ensemble ('' when it can)."""
    if ensemble.size == 0:
        return "off (search.ensemble.size: 0)"
    if not loss:
        return f"not for a {controller.spec.task} task"
    if controller.derived or not controller.objective_pair[0].startswith("val_"):
        return f"not for the objective {controller.objective_pair[0]}"
    if candidates < 2:
        return "fewer than two completed trials"
    return ""


def best_epochs(controller, trial) -> int:
    """The epochs a trial's best weights had trained for (what a refit trains)."""
    return int(controller.facts(trial.trial_id).get("best_epoch", 0)) + 1


def retrained(controller, trial, merged, spec: InputSpec, seed: int, name: str | None = None) -> keras.Model:
    """The trial's configuration trained from scratch on ``merged`` (train + validation) for its best epoch
    count; used by the search's refit and by ``automl export --retrain``."""
    epochs = best_epochs(controller, trial)
    values = dict(trial.hyperparameters.values)
    own = family_values(values)
    keras.utils.set_random_seed(seed)  # its initial weights too: a resumed search refits the same model
    model = build_model(values, spec, epochs, name=name)
    fit_epochs(model, merged, values["batch_size"], epochs, targets=lambda y: prepare_targets(own, spec, y),
               seed=seed, augment=augmenter(own, spec))
    return model
