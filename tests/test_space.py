"""Spec values become KerasTuner hyperparameters: named, conditional, per layer."""

import keras_tuner as kt
import pytest

from automl.space import active_values, build_hyperparameters, random_configurations
from automl.spec import flatten, load_space, searched


def names(space) -> set[str]:
    return {p.name for p in build_hyperparameters(space).space}


def test_every_value_is_a_named_hyperparameter():
    hp = build_hyperparameters(load_space("cnn"))
    kinds = {p.name: type(p).__name__ for p in hp.space}
    assert kinds["blocks"] == "Int" and kinds["filters"] == "Choice" and kinds["family"] == "Fixed"
    assert kinds["pooling"] == "Fixed" and kinds["loss"] == "Fixed"
    lr = next(p for p in hp.space if p.name == "learning_rate")
    assert lr.sampling == "log" and lr.min_value == 3e-4


def test_searched_names_leave_fixed_values_out():
    found = searched(flatten(load_space("cnn")))
    assert "filters" in found and "pooling" not in found and "family" not in found


def test_per_layer_values_exist_only_for_layers_that_exist():
    hp = build_hyperparameters(load_space("mlp"))
    by_name = {p.name: p for p in hp.space}
    assert {"units_1", "units_2", "units_3"} <= set(by_name) and "units" not in by_name
    assert not by_name["units_1"].conditions
    assert by_name["units_3"].conditions[0].values == [3]
    for values in random_configurations(load_space("mlp"), 15, seed=0):
        wanted = {f"units_{i}" for i in range(1, values["layers"] + 1)}
        assert {k for k in values if k.startswith("units_")} == wanted


def test_momentum_only_for_sgd_and_family_subspaces_only_for_their_family():
    for values in random_configurations(load_space("auto_tabular"), 20, seed=1):
        assert ("momentum" in values) == (values["optimizer"] == "sgd")
        other = "transformer" if values["family"] == "mlp" else "mlp"
        assert not any(k.startswith(other + ".") for k in values)
        assert any(k.startswith(values["family"] + ".") for k in values)


def test_condition_on_a_fixed_parent_is_decided_statically(write_yaml):
    path = write_yaml("family: mlp\ntrain:\n  optimizer: adam\n  momentum: {float: [0.5, 0.9]}\n")
    assert "momentum" not in names(load_space(str(path)))
    path = write_yaml("family: mlp\ntrain:\n  optimizer: sgd\n  momentum: {float: [0.5, 0.9]}\n")
    momentum = next(p for p in build_hyperparameters(load_space(str(path))).space if p.name == "momentum")
    assert not momentum.conditions


def test_initial_point_is_completed_with_defaults_and_inactive_values_dropped():
    space = load_space("mlp")
    values = active_values(build_hyperparameters(space), space.spec.search.initial_points[0])
    assert values["layers"] == 2 and values["units_1"] == 128 and values["units_2"] == 64
    assert "units_3" not in values and "momentum" not in values
    assert values["initializer"] == "glorot_uniform"  # not named in the point: its default


@pytest.mark.parametrize("controller", ["random", "bayesian", "hyperband", "evolution", "rl", "asha", "tpe", "nsga2"])
def test_oracles_propose_the_initial_points_first(controller, tmp_path):
    from automl.search import OracleSettings, make_oracle

    space = load_space("auto_image")
    settings = OracleSettings(kt.Objective("val_accuracy", "max"), 5, 0, 3, 9,
                              tuple(space.initial_points))
    oracle = make_oracle(controller, build_hyperparameters(space), settings)
    oracle._set_project_dir(str(tmp_path), "points")
    first = oracle.create_trial("tuner0")
    values = first.hyperparameters.values
    assert values["family"] == "cnn" and values["cnn.blocks"] == 2 and values["cnn.filters"] == 32
    assert not any(k.startswith(("mlp.", "transformer.")) for k in values)
    # Used once: the oracle's own proposals follow, also after a resume from the saved state.
    oracle.update_trial(first.trial_id, {"val_accuracy": 0.5})
    first.status = "COMPLETED"
    oracle.end_trial(first)
    oracle.save()  # KerasTuner saves before it lets go of the ongoing trial
    resumed = make_oracle(controller, build_hyperparameters(space), settings)
    resumed._set_project_dir(str(tmp_path), "points")
    resumed.reload()
    second = resumed.create_trial("tuner0").hyperparameters.values
    strip = lambda v: {k: x for k, x in v.items() if not k.startswith("tuner/")}  # noqa: E731
    assert strip(second) != strip(values)


def test_grid_refuses_initial_points():
    from automl.errors import SpecError
    from automl.search import OracleSettings, make_oracle

    space = load_space("auto_image")
    settings = OracleSettings(kt.Objective("val_accuracy", "max"), 5, 0, 3, 9, tuple(space.initial_points))
    with pytest.raises(SpecError, match="other than grid"):
        make_oracle("grid", build_hyperparameters(space), settings)
