"""The controller runs real trials, records failures, stops after too many, resumes."""

import gc
import weakref
from pathlib import Path

import keras
import keras_tuner as kt
import pytest

from automl.errors import SearchError, TrackingError
from automl.plugins.families import FAMILIES, FamilyPlugin
from automl.plugins.families.mlp import MlpModel
from automl.search import OracleSettings, Progress, SearchController, make_oracle
from automl.search.controller import searched_keys
from automl.spec.schema import Train
from automl.tracking import NullTracker, Tracker


class Recorder(Tracker):
    """A tracker that keeps what it was told, to check the controller's reports."""

    def __init__(self):
        self.started, self.ended, self.epochs = [], [], []

    def start_trial(self, trial_id, params):
        self.started.append((trial_id, dict(params)))

    def log_epoch(self, trial_id, epoch, metrics):
        self.epochs.append((trial_id, epoch, metrics))

    def end_trial(self, record):
        self.ended.append(record)


@pytest.fixture()
def broken_family(monkeypatch):
    """A family whose layer cannot be built (a real Keras error), in the families catalog for one test."""
    def body(x, values, spec):
        return keras.layers.Dense(0)(x)  # Keras refuses units=0
    broken = FamilyPlugin("broken", "Keras refuses its layer", schema=MlpModel, inputs=("image",), build=body)
    monkeypatch.setattr(FAMILIES, "_entries", {**dict(zip(FAMILIES.names(), FAMILIES)), "broken": broken})
    return "broken"


def make_hp(family="mlp", lr=(1e-3, 1e-2), optimizer="adam") -> kt.HyperParameters:
    hp = kt.HyperParameters()
    if isinstance(family, list):
        hp.Choice("family", family)
    else:
        hp.Fixed("family", family)
    for name, value in {"layers": 1, "activation": "relu", "dropout": 0.0, "norm": "none",
                        "optimizer": optimizer, "batch_size": 128}.items():
        hp.Fixed(name, value)
    hp.Choice("units", [16, 32, 64])
    hp.Float("learning_rate", *lr, sampling="log")
    return hp


def controller(tmp_path: Path, digits, hp, *, trials=3, seed=0, failures=3, tracker=None, fresh=True,
               name="search"):
    settings = OracleSettings(kt.Objective("val_accuracy", "max"), trials, seed, failures, 2)
    oracle = make_oracle("random", hp, settings)
    oracle.verbose = 0
    return SearchController(oracle, data=digits, train=Train(epochs=2), tracker=tracker or NullTracker(),
                            progress=Progress(trials, "val_accuracy", open(tmp_path / "progress.txt", "a")),
                            directory=str(tmp_path), project_name=name, overwrite=fresh, seed=seed)


def statuses(c: SearchController) -> list[str]:
    return [c.oracle.trials[i].status for i in c.oracle.start_order]


def test_search_runs_real_trials_and_reports_each(tmp_path, digits):
    recorder = Recorder()
    c = controller(tmp_path, digits, make_hp(), tracker=recorder)
    c.search()
    assert statuses(c) == ["COMPLETED"] * 3
    assert [t for t, _ in recorder.started] == ["0", "1", "2"]
    assert all(r.status == "completed" and 0.0 < r.metrics["val_accuracy"] <= 1.0 for r in recorder.ended)
    assert all(r.tags["stopped_early"] == "false" and "Total params" in r.texts["model_summary.txt"]
               for r in recorder.ended)
    assert {e[1] for e in recorder.epochs} == {0, 1}  # per-epoch metrics, step = epoch
    assert "val_loss" in recorder.epochs[0][2] and "learning_rate" in recorder.epochs[0][2]
    best = c.oracle.get_best_trials(1)[0]
    model = c.load_model(best)
    reloaded = model.evaluate(digits.x_val, digits.y_val, verbose=0, return_dict=True)["accuracy"]
    assert reloaded == pytest.approx(best.score, abs=1e-6)
    lines = (tmp_path / "progress.txt").read_text().splitlines()
    assert any("trial 3/3" in line and "best so far: val_accuracy=" in line for line in lines)
    starts = [line for line in lines if "(id " in line]
    assert len(starts) == 3  # each names the searched values alone: the space's constants left out
    assert all("units=" in line and "learning_rate=" in line and "activation" not in line
               and "batch_size" not in line for line in starts)


def test_a_trial_line_leaves_out_fixed_values_and_one_value_choices():
    hp = make_hp()
    hp.Choice("pooling", ["max"])
    hp.Int("blocks", 1, 3)
    hp.Boolean("residual")
    values = {**hp.values, "tuner/epochs": 3}
    assert searched_keys(hp, values) == ["units", "learning_rate", "blocks", "residual", "tuner/epochs"]
    assert "family" not in searched_keys(make_hp(family=["mlp", "cnn"]), make_hp(family=["mlp", "cnn"]).values)


def test_the_heap_before_the_search_is_frozen_and_what_trials_make_is_still_collected(tmp_path, digits):
    class Cycle:
        def __init__(self):
            self.me = self

    class Watcher(Recorder):
        def start_trial(self, trial_id, params):
            super().start_trial(trial_id, params)
            self.frozen = gc.get_freeze_count()
            self.garbage = weakref.ref(Cycle())  # unreachable at once, but only a collection frees a cycle

        def end_trial(self, record):
            super().end_trial(record)
            self.collected = self.garbage() is None  # the trial's clear_session collected

    watcher = Watcher()
    gc.disable()  # no automatic collection may free the cycle instead
    try:
        controller(tmp_path, digits, make_hp(), trials=1, tracker=watcher).search()
    finally:
        gc.enable()
    assert watcher.frozen > 10_000 and watcher.collected
    assert gc.get_freeze_count() == 0  # unfrozen after the search


def test_a_failing_trial_is_recorded_and_the_search_goes_on(tmp_path, digits, broken_family, capfd):
    hp = make_hp(family=["mlp", broken_family])
    recorder = Recorder()
    c = controller(tmp_path, digits, hp, trials=4, tracker=recorder, failures=4)
    c.search()
    assert "Traceback" not in capfd.readouterr().err  # the reason is in the progress line, once
    failed = [r for r in recorder.ended if r.status == "failed"]
    assert failed and len(recorder.ended) == 4
    assert all("units" in r.reason and "\n" not in r.reason for r in failed)
    assert any(r.status == "completed" for r in recorder.ended)


@pytest.mark.parametrize("seed", [0, 1])
def test_nan_loss_fails_the_trial(tmp_path, digits, seed):
    # Plain SGD at a learning rate of 1e30 overflows the weights to inf within a few batches.
    recorder = Recorder()
    c = controller(tmp_path, digits, make_hp(lr=(1e30, 2e30), optimizer="sgd"), trials=1, failures=2, seed=seed,
                   tracker=recorder)
    c.search()
    assert statuses(c) == ["FAILED"]
    assert "loss became" in recorder.ended[0].reason


def test_a_tracking_failure_stops_the_search_and_the_trial_reruns_on_resume(tmp_path, digits):
    class Broken(Recorder):
        def log_epoch(self, trial_id, epoch, metrics):
            if trial_id == "1":
                raise TrackingError("MLflow store 'x' failed (log_epoch): gone")
            super().log_epoch(trial_id, epoch, metrics)

    with pytest.raises(TrackingError, match="gone"):
        controller(tmp_path, digits, make_hp(), tracker=Broken(), name="broken_store").search()
    assert gc.get_freeze_count() == 0  # unfrozen when the search fails too
    recorder = Recorder()
    resumed = controller(tmp_path, digits, make_hp(), tracker=recorder, fresh=False, name="broken_store")
    resumed.search()
    assert statuses(resumed) == ["COMPLETED"] * 3
    assert [t for t, _ in recorder.started] == ["1", "2"]  # trial 1 was not counted as failed


def test_too_many_consecutive_failures_stop_the_search(tmp_path, digits, broken_family):
    c = controller(tmp_path, digits, make_hp(family=broken_family), trials=10, failures=2)
    with pytest.raises(SearchError, match="2 trials in a row failed .* last reason: ValueError"):
        c.search()
    assert len(c.oracle.trials) == 2


def test_resume_runs_only_the_missing_trials(tmp_path, digits):
    first = controller(tmp_path, digits, make_hp(), trials=2)
    first.search()
    recorder = Recorder()
    again = controller(tmp_path, digits, make_hp(), trials=4, tracker=recorder, fresh=False)
    again.oracle.max_trials = 4
    again.search()
    assert [t for t, _ in recorder.started] == ["2", "3"]
    assert statuses(again) == ["COMPLETED"] * 4


def test_a_trial_trains_through_image_augmentation(tmp_path, digits):
    hp = kt.HyperParameters()
    for name, value in {"family": "cnn", "blocks": 1, "filters": 8, "kernel_size": 3, "activation": "relu",
                        "dropout": 0.0, "norm": "none", "separable": False, "residual": False, "pooling": "max",
                        "head": "flatten", "dense_units": 16, "optimizer": "adam", "learning_rate": 3e-3,
                        "batch_size": 64, "augment.translation": 0.1, "augment.rotation": 0.05}.items():
        hp.Fixed(name, value)
    c = controller(tmp_path, digits, hp, trials=1)
    c.search()
    assert statuses(c) == ["COMPLETED"]
    assert c.oracle.get_best_trials(1)[0].score > 0.3  # ten classes: chance is 0.1; two epochs reach ~0.5
