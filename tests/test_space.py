"""Spec values become KerasTuner hyperparameters: named, conditional, per layer."""


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


def test_an_initial_point_that_opens_a_branch_gets_that_branchs_defaults():
    """auto_tabular's momentum exists only for sgd; a point that picks sgd (and names no momentum) gets 0.9."""
    space = load_space("auto_tabular")
    values = active_values(build_hyperparameters(space), {"family": "mlp", "optimizer": "sgd"})
    assert values["momentum"] == 0.9 and values["nesterov"] is True
    assert not any(k.startswith("transformer.") for k in values)
