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
