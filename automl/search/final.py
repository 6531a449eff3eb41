"""The model a search exports: its best trial, or a greedy ensemble of its top trials, refit on small data.

After the trials, the best ``candidates`` completed trials predict the
validation rows; greedy selection (`automl.search.selection`) weighs them. The
ensemble replaces the best single model only when its selection loss on the
validation rows (log loss, or squared error in standardized units) is lower
than the best candidate's; the objective is recorded beside it.

On a small training split (under `SMALL` rows, or always with ``refit:
always``) the chosen model(s) are then trained again from scratch on the
training and validation rows together, each for the epoch count its trial
chose: on small data the validation rows are a large share of what there is
to learn from, and they have done their job (choosing) by then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import keras
import numpy as np

from automl.builders import InputSpec, augmenter, build_model, family_values, prepare_targets
from automl.builders.compile import compile_model
from automl.builders.ensemble import combine
from automl.data.feed import to_dataset
from automl.plugins.tasks import TASKS
from automl.search.selection import select
from automl.spec.schema import Ensemble
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
    """

    model: keras.Model
    spec: InputSpec
    members: list[tuple[str, float]]
    refit: bool
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def is_ensemble(self) -> bool:
        return len(self.members) > 1


def should_refit(mode: str, rows: int) -> bool:
    """Whether the exported model is retrained on train + validation (``auto``: under `SMALL` rows)."""
    return mode == "always" or (mode == "auto" and rows < SMALL)


def final_model(controller, data, ensemble: Ensemble, refit: str, say: Callable[[str], None]) -> Final:
    """The model to export: the best trial or an ensemble, refit when asked or when the data is small.

    Args:
        controller: The search's controller, its trials ended.
        data: The dataset (its test split is not used here).
        ensemble: The space's ``search.ensemble`` section.
        refit: The space's ``search.refit`` (``auto``, ``always``, ``never``).
        say: Where progress lines go.
    """
    best = [t for t in controller.oracle.get_best_trials(ensemble.candidates) if t.status == "COMPLETED"]
    if not TASKS.get(controller.spec.task).ensemble_loss or controller.spec.kind == "graph":
        # Generators and autoencoders, and graphs (whose splits are rows of one graph), export as searched.
        return Final(controller.load_model(best[0]), controller.spec, [(best[0].trial_id, 1.0)], False,
                     {"method": "best trial"})
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


def _combined(models: list, weights: list[float], spec: InputSpec) -> keras.Model:
    """The members as one compiled model (compiled for evaluation: the task's default loss and metrics)."""
    model = combine(models, weights, TASKS.get(spec.task).output)
    compile_model(model, PLAIN, spec, 1)
    return model


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
    predictions = [m.predict(to_dataset(data.x_val, None, 256), verbose=0) for m in loaded]
    y = np.asarray(data.y_val)
    if controller.spec.target_std is not None:  # regression: errors in standardized units, as the loss has them
        std = controller.spec.target_std
        predictions, y = [p / std for p in predictions], (y.reshape(len(y), -1) / std).reshape(y.shape)
    chosen = select(predictions, y, task.ensemble_loss, ensemble.size)
    single = best[0].score
    facts = {"candidates": [t.trial_id for t in best], "selection_loss": task.ensemble_loss,
             "ensemble_selection_loss": round(chosen.loss, 6), "best_candidate_selection_loss":
             round(chosen.single_loss, 6), f"best_trial_{objective}": single}
    if len(chosen.members) < 2:
        facts["ensemble"] = "greedy selection kept one trial"
        say(f"no ensemble: greedy selection over the {len(best)} best trials kept one ({task.ensemble_loss} on "
            f"the validation rows {chosen.loss:.4f})")
        return alone, {"method": "best trial", **facts}, loaded
    if objective == "val_loss":
        # The selection loss is the task's default loss without the members' weight penalties, which
        # Keras's val_loss of an ensemble would add up; compared with the best candidate's, it decides.
        ours, single = chosen.loss, chosen.single_loss
    else:
        candidate = _combined([loaded[i] for i in chosen.members], [chosen.weights[i] for i in chosen.members],
                              controller.spec)
        ours = _evaluated(candidate, data, controller.spec).get(objective)
    facts[f"ensemble_{objective}"] = ours
    facts["weights"] = {best[i].trial_id: round(chosen.weights[i], 4) for i in chosen.members}
    listed = ", ".join(f"trial {best[i].trial_id} x{chosen.weights[i]:.2f}" for i in chosen.members)
    # The selection loss decides: a proper score of the predictions, where the objective (accuracy on some
    # dozens of rows) moves in steps of one row and ties more often than not.
    if chosen.loss < chosen.single_loss:
        say(f"ensemble of {len(chosen.members)} trials ({listed}): validation {objective} {ours:.4f} against the "
            f"best trial's {single:.4f}, {task.ensemble_loss} {chosen.loss:.4f} against {chosen.single_loss:.4f}")
        return list(chosen.weights), {"method": "greedy ensemble (Caruana et al., 2004)", **facts}, loaded
    facts["ensemble"] = "not better than the best trial on the validation rows"
    say(f"no ensemble: the greedy ensemble ({listed}) did not beat the best candidate on the validation "
        f"rows ({task.ensemble_loss} {chosen.loss:.4f} against {chosen.single_loss:.4f})")
    return alone, {"method": "best trial", **facts}, loaded


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
    model = build_model(values, spec, epochs, name=name)
    fit_epochs(model, merged, values["batch_size"], epochs, targets=lambda y: prepare_targets(own, spec, y),
               seed=seed, augment=augmenter(own, spec))
    return model
