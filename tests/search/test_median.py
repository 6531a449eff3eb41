"""Median stopping: the rule on made-up curves, then a real search where a hopeless trial is stopped."""

from __future__ import annotations

import json

import keras
import pytest

from automl.search.median import MedianStop, best_by

PEERS = [[(0, 0.50), (1, 0.70), (2, 0.80)], [(0, 0.40), (1, 0.60), (2, 0.90)], [(0, 0.30), (1, 0.50)]]


def run(rule: MedianStop, values: list[float]) -> int:
    """Feeds epochs to the rule until it stops the (stand-in) model; returns the epochs run."""
    rule.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    rule.model.stop_training = False
    for epoch, value in enumerate(values):
        rule.on_epoch_end(epoch, {"val_accuracy": value})
        if rule.model.stop_training:
            return epoch + 1
    return len(values)


def test_best_by_an_epoch_looks_only_at_that_epoch_and_before():
    assert best_by(PEERS[0], 1, "max") == 0.70 and best_by(PEERS[0], 1, "min") == 0.50
    assert best_by(PEERS[2], 5, "max") == 0.50  # a trial that stopped keeps its best
    assert best_by([(3, 1.0)], 1, "max") is None  # a continuation that started later


def test_a_trial_below_the_median_stops_after_the_grace_period_with_its_reason():
    rule = MedianStop("val_accuracy", "max", PEERS, grace_epochs=2, min_trials=3)
    assert run(rule, [0.1, 0.2, 0.3, 0.4]) == 2  # epoch 2: best 0.2 < median(0.7, 0.6, 0.5) = 0.6
    assert rule.reason == ("median stopping: best val_accuracy 0.2000 by epoch 2 is worse than the median 0.6000 "
                           "of 3 completed trials by then")


def test_a_trial_at_or_above_the_median_runs_on():
    rule = MedianStop("val_accuracy", "max", PEERS, grace_epochs=1, min_trials=3)
    assert run(rule, [0.45, 0.65, 0.85, 0.95]) == 4 and rule.reason == ""


def test_lower_is_better_objectives_compare_the_other_way():
    losses = [[(0, 1.0), (1, 0.5)], [(0, 2.0), (1, 0.6)], [(0, 1.5), (1, 0.7)]]
    rule = MedianStop("val_loss", "min", losses, grace_epochs=2, min_trials=2)
    rule.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    rule.model.stop_training = False
    rule.on_epoch_end(0, {"val_loss": 3.0})
    rule.on_epoch_end(1, {"val_loss": 0.9})
    assert rule.model.stop_training and "median 0.6000" in rule.reason


@pytest.mark.parametrize("peers", [PEERS[:2], []])
def test_too_few_completed_trials_stop_nothing(peers):
    rule = MedianStop("val_accuracy", "max", peers, grace_epochs=1, min_trials=3)
    assert run(rule, [0.0, 0.0, 0.0]) == 3


MEDIAN_SPACE = """\
name: median
family: cnn
model: {blocks: 1, filters: 8, kernel_size: 3, dense_units: 16}
train:
  learning_rate: {float: [1.0e-7, 1.0e-2], log: true}
  batch_size: 64
  epochs: 4
  early_stopping: {patience: 4}
search:
  max_trials: 2
  median_stopping: {grace_epochs: 1, min_trials: 1}
  initial_points: [{learning_rate: 1.0e-2}, {learning_rate: 1.0e-7}]
"""


def test_a_hopeless_trial_is_stopped_and_recorded_as_stopped_early(write_yaml, tmp_path):
    """The second trial (a learning rate of 1e-7 learns nothing) is worse than the first after one epoch."""
    from automl.app.search import SearchOptions, run_search
    from tests.conftest import AS_SEARCHED_SETTINGS

    space = write_yaml(MEDIAN_SPACE, "median.yaml")
    # As searched: the records are the point; no ensemble or refit of the two trials after them.
    opts = SearchOptions(dataset="digits", space=str(space), export_dir=str(tmp_path / "exports"),
                         state_dir=str(tmp_path / "state"), device="cpu", tracking=False, seed=0,
                         settings=AS_SEARCHED_SETTINGS)
    with open(tmp_path / "progress.txt", "w") as progress:
        run_search(opts, progress_stream=progress)
    assert "(median stopping)" in (tmp_path / "progress.txt").read_text()
    record = json.loads(next((tmp_path / "state").glob("*/trial_1/record.json")).read_text())
    assert record["status"] == "stopped_early"
    assert record["tags"]["epochs_run"] == 1 and record["tags"]["stop_reason"].startswith("median stopping")
    first = json.loads(next((tmp_path / "state").glob("*/trial_0/record.json")).read_text())
    assert first["tags"]["epochs_run"] == 4 and "stop_reason" not in first["tags"]
