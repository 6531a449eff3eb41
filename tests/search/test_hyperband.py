"""Hyperband as we configure it: its brackets repeat until max_trials (no training)."""

from __future__ import annotations

import keras_tuner as kt

from automl.search import OracleSettings, make_oracle


def test_hyperband_repeats_its_brackets_until_max_trials(tmp_path):
    hp = kt.HyperParameters()
    hp.Int("units", 8, 256)
    hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
    oracle = make_oracle("hyperband", hp, OracleSettings(kt.Objective("val_accuracy", "max"), 30, 0, 3, 9))
    oracle._set_project_dir(str(tmp_path), "hb")
    epochs = []
    while True:
        trial = oracle.create_trial("tuner0")
        if trial.status == "STOPPED":
            break
        values = trial.hyperparameters.values
        epochs.append(values["tuner/epochs"])
        oracle.update_trial(trial.trial_id, {"val_accuracy": values["units"] / 256})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
    assert len(epochs) == 30  # one pass over the brackets of 9 epochs is fewer trials than that
    assert oracle._current_iteration >= 1 and max(epochs) == 9


def test_under_a_time_budget_that_fits_few_trials_only_brackets_that_fit_run(tmp_path):
    """30 epochs, factor 3: the widest bracket is 34 + 12 + 4 + 2 trials. With trials of 10 s in a
    120 s budget (12 fit), the brackets run are those of at most 12 trials: 8 + 3, and the random search."""
    hp = kt.HyperParameters()
    hp.Int("units", 8, 256)
    settings = OracleSettings(kt.Objective("val_accuracy", "max"), 1000, 0, 3, 30, budget_seconds=120.0)
    oracle = make_oracle("hyperband", hp, settings)
    oracle._set_project_dir(str(tmp_path), "hb")
    assert [oracle.bracket_trials(s) for s in range(4)] == [5, 11, 22, 52]

    def run() -> dict:
        trial = oracle.create_trial("tuner0")
        oracle.update_trial(trial.trial_id, {"val_accuracy": trial.hyperparameters.values["units"] / 256})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
        oracle.started -= 10.0  # as if it took 10 s
        return trial.hyperparameters.values

    assert run()["tuner/epochs"] == 2  # the widest bracket's first trial, before any trial was timed
    runs = [run() for _ in range(30)]
    assert {v["tuner/bracket"] for v in runs} == {0, 1}
    assert runs[0]["tuner/epochs"] == 10 and max(v["tuner/epochs"] for v in runs) == 30
    assert oracle.bracket_cap() == 1 and oracle._current_iteration >= 1  # cycled back to bracket 1, not 3
