"""Pinning a shipped space: `extends:` files and `--set` values, without copying the space."""

import pytest

from automl.errors import SpecError
from automl.spec import load_space
from automl.spec.params import Choice, Fixed


def test_extends_overrides_only_what_it_names(write_yaml):
    path = write_yaml("extends: cnn\nname: my_cnn\nmodel:\n  filters: 64\nsearch:\n  max_trials: 3\n")
    space = load_space(str(path))
    assert space.name == "my_cnn" and space.spec.family == Fixed("cnn")
    assert space.model.filters == Fixed(64)
    assert space.model.kernel_size == Choice((3, 5))  # kept from the shipped space
    assert space.spec.search.max_trials == 3 and space.spec.train.epochs == 40


def test_extends_a_file_beside_it_and_errors_point_into_the_right_file(write_yaml):
    write_yaml("family: mlp\nmodel:\n  layers: {int: [1, 3]}\n", "base.yaml")
    child = write_yaml("extends: base.yaml\nmodel:\n  units: 0\n", "child.yaml")
    with pytest.raises(SpecError, match=r"child.yaml:3:10: model.units: expected an integer >= 1"):
        load_space(str(child))
    bad_base = write_yaml("family: mlp\nmodel:\n  layers: {int: [3, 1]}\n", "base.yaml")
    with pytest.raises(SpecError) as err:
        load_space(str(child.with_name("child.yaml")))
    assert str(err.value).startswith(str(bad_base) + ":3:11: model.layers") or "units" in str(err.value)


def test_extends_cycle_is_an_error(write_yaml):
    write_yaml("extends: b.yaml\nfamily: mlp\n", "a.yaml")
    b = write_yaml("extends: a.yaml\nfamily: mlp\n", "b.yaml")
    with pytest.raises(SpecError, match="extends: expected no cycle"):
        load_space(str(b))


def test_set_pins_values_and_names_itself_in_errors():
    space = load_space("cnn", ["model.filters=32", "train.optimizer=adam", "search.max_trials=2"])
    assert space.model.filters == Fixed(32) and space.spec.train.optimizer == Fixed("adam")
    assert space.spec.search.max_trials == 2
    with pytest.raises(SpecError, match=r"^--set model.filters=big:1:15: model.filters: expected an integer"):
        load_space("cnn", ["model.filters=big"])
    with pytest.raises(SpecError, match=r"--set: expected KEY.PATH=VALUE"):
        load_space("cnn", ["filters"])


def test_set_can_pin_one_family_of_a_multi_family_space():
    space = load_space("auto_image", ["family=cnn"])
    assert space.families == ["cnn"] and space.model.blocks.lo == 1
    assert space.initial_points[0]["cnn.blocks"] == 2  # names keep their family prefix
    assert load_space("auto_image", ["family=mlp"]).initial_points == []


def test_a_space_extending_a_shipped_one_may_narrow_what_its_initial_point_names(write_yaml):
    narrowed = write_yaml("extends: cnn\nmodel:\n  filters: {choice: [64, 128]}\n  blocks: 2\n")
    point = load_space(str(narrowed)).initial_points[0]
    assert "filters" not in point and "blocks" not in point  # the search draws / fixes them instead
    assert point["kernel_size"] == 3 and point["learning_rate"] == 2.0e-3  # the rest of the baseline stays
    own = write_yaml("family: cnn\nmodel:\n  filters: {choice: [64, 128]}\n"
                     "search:\n  initial_points:\n    - {filters: 32}\n", "own.yaml")
    with pytest.raises(SpecError, match=r"own.yaml:6:\d+: search.initial_points\[0\].filters: expected a value "
                                        r"inside the space \(one of \[64, 128\]\), received 32"):
        load_space(str(own))  # a point in the same file as the parameter is still checked
