"""YAML within limits reads as before (aliases, merge keys, extends); over them, one line."""

import pytest

from automl.errors import SpecError
from automl.spec import load_space
from automl.spec.bounded_yaml import MAX_DEPTH, LimitError, load


def test_aliases_and_merge_keys_still_work(write_yaml):
    path = write_yaml("family: mlp\nmodel: {units: {int: [8, 32]}, layers: {int: [1, 3]}}\n"
                      "search:\n  initial_points: [&p {units: 8, layers: 2}, {<<: *p, units: 16}]\n")
    space = load_space(str(path))
    assert space.spec.search.initial_points == [{"units": 8, "layers": 2}, {"units": 16, "layers": 2}]


def test_nesting_up_to_the_limit_reads(write_yaml):
    root, data = load("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    for _ in range(MAX_DEPTH - 1):
        data = data[0]
    assert data == []
    with pytest.raises(LimitError, match="expected at most 32 levels of nesting"):
        load("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_set_is_read_with_the_same_limits():
    laughs = "[&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]," \
             " &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]]"
    with pytest.raises(SpecError, match=r"^--set model.units=\[.*: expected at most 20,000 values once aliases "
                                        r"are expanded, received 111,11\d$"):
        load_space("mlp", [f"model.units={laughs}"])


def test_a_key_spelled_as_a_number_in_a_space_that_extends_another(write_yaml):
    path = write_yaml("extends: mlp\nmodel:\n  1: 2\n")  # the key is 1 in the data, "1" in the positions
    with pytest.raises(SpecError, match=r":3:3: model\[1\]"):
        load_space(str(path))


def test_merging_a_large_space_over_a_large_base_is_quick(write_yaml):
    import time

    points = ", ".join(f"{{units: {i}}}" for i in range(1, 3000))
    write_yaml(f"family: mlp\nsearch: {{initial_points: [{points}]}}\n", "base.yaml")
    keys = ", ".join(f"k{i}: 0" for i in range(4000))
    child = write_yaml(f"extends: base.yaml\nmodel: {{{keys}}}\n", "child.yaml")
    start = time.perf_counter()
    with pytest.raises(SpecError, match=r"child.yaml:2:9: model.k0: unknown key"):
        load_space(str(child))
    assert time.perf_counter() - start < 6  # about 1 s; 10 s when merging compared every pair of positions
