"""Spec values become KerasTuner hyperparameters, every one of them named."""

import keras_tuner as kt

from automl.spec import load_space
from automl.space import build_hyperparameters, searched_names


def test_every_value_is_a_named_hyperparameter():
    space = load_space("cnn")
    hp = build_hyperparameters(space)
    names = {p.name for p in hp.space}
    assert {"family", "blocks", "filters", "dropout", "optimizer", "learning_rate", "batch_size"} <= names
    kinds = {p.name: type(p).__name__ for p in hp.space}
    assert kinds["blocks"] == "Int" and kinds["filters"] == "Choice" and kinds["batchnorm"] == "Boolean"
    assert kinds["family"] == "Fixed" and kinds["pooling"] == "Fixed"
    lr = next(p for p in hp.space if p.name == "learning_rate")
    assert lr.sampling == "log" and lr.min_value == 3e-4


def test_searched_names_leave_fixed_values_out():
    names = searched_names(load_space("cnn"))
    assert "filters" in names and "pooling" not in names and "family" not in names


def test_random_values_stay_inside_the_space():
    hp = build_hyperparameters(load_space("mlp"))
    oracle = kt.oracles.RandomSearchOracle(objective="val_accuracy", max_trials=5, hyperparameters=hp, seed=1)
    for _ in range(20):
        values = oracle._random_values()
        assert 1 <= values["layers"] <= 3 and values["units"] in (64, 128, 256)
        assert 1e-4 <= values["learning_rate"] <= 1e-2
