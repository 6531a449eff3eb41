"""The Bayesian controller's bounded fit and acquisition search, with made-up scores (no training)."""

from __future__ import annotations

import math

import keras_tuner as kt
import numpy as np

from automl.search import bayesian
from automl.search.bayesian import FastBayesianOracle, kept_points


def make(tmp_path, seed=1) -> FastBayesianOracle:
    hp = kt.HyperParameters()
    hp.Choice("optimizer", ["adam", "sgd"])
    hp.Int("units", 16, 128, step=16)
    hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
    hp.Fixed("batch_size", 32)
    o = FastBayesianOracle(objective=kt.Objective("val_accuracy", "max"), max_trials=200, hyperparameters=hp,
                           seed=seed)
    o._set_project_dir(str(tmp_path), "b")
    return o


def score(values: dict) -> float:
    """Peaks at learning_rate 1e-2 with adam."""
    return 0.9 - abs(math.log10(values["learning_rate"]) + 2) / 10 - (0.1 if values["optimizer"] == "sgd" else 0)


def finish(o: FastBayesianOracle) -> kt.engine.trial.Trial:
    trial = o.create_trial("tuner0")
    o.update_trial(trial.trial_id, {"val_accuracy": score(trial.hyperparameters.values)})
    trial.status = "COMPLETED"
    o.end_trial(trial)
    return trial


def test_a_bounded_fit_keeps_the_best_half_and_the_most_recent():
    assert kept_points(np.array([3.0, 1.0, 2.0]), 5).tolist() == [0, 1, 2]
    scores = np.array([0.1, 5.0, 0.2, 6.0, 7.0, 8.0, 9.0, 0.05])  # lower is better
    assert kept_points(scores, 4).tolist() == [0, 5, 6, 7]  # best two (7, 0), then the latest others (6, 5)


def test_it_learns_where_the_objective_peaks_and_never_repeats_a_trial(tmp_path):
    o = make(tmp_path)
    trials = [finish(o) for _ in range(32)]  # 12 random draws (3 per value, KerasTuner's count), then the process
    values = [t.hyperparameters.values for t in trials]
    gap = [abs(math.log10(v["learning_rate"]) + 2) for v in values]
    assert np.median(gap[-10:]) < np.median(gap[:12]) and np.median(gap[-10:]) < 0.3
    assert sum(v["optimizer"] == "adam" for v in values[-10:]) >= 8
    hashes = [o._compute_values_hash(v) for v in values]
    assert len(set(hashes)) == len(hashes)


def test_past_the_point_limit_it_fits_on_a_bounded_set_and_refits_the_kernel_periodically(tmp_path, monkeypatch):
    monkeypatch.setattr(bayesian, "MAX_POINTS", 14)
    o = make(tmp_path)
    fitted, optimized = [], []
    original = o.gpr.fit

    def fit(x, y):
        fitted.append(len(x))
        optimized.append(o.gpr.optimizer is not None)
        return original(x, y)

    monkeypatch.setattr(o.gpr, "fit", fit)
    for _ in range(12 + 15):
        finish(o)
    assert fitted == [12, 13] + [14] * 13  # all points, then at most 14
    assert optimized == [k % bayesian.REFIT_EVERY == 0 for k in range(15)]


def test_under_a_time_budget_the_random_start_follows_the_trials_that_fit(tmp_path):
    """Four dimensions give a random start of 12 trials; a budget that fits 9 gives one of 3, after which
    the Gaussian process proposes."""
    hp = kt.HyperParameters()
    hp.Choice("optimizer", ["adam", "sgd"])
    hp.Int("units", 16, 128, step=16)
    hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
    hp.Float("dropout", 0.0, 0.5)
    o = FastBayesianOracle(objective=kt.Objective("val_accuracy", "max"), max_trials=1000, hyperparameters=hp,
                           seed=1, budget_seconds=90.0)
    o._set_project_dir(str(tmp_path), "budget")
    for _ in range(3):
        finish(o)
    assert o._proposals == 0  # random so far
    o.started -= 30.0  # as if each of the 3 trials took 10 s: the 90 s budget fits 9
    assert o.expected_trials() == 9
    finish(o)
    assert o._proposals == 1  # the fourth came from the Gaussian process
