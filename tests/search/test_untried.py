"""Walking a space in order for its first untried configuration (the controllers' last resort)."""

from __future__ import annotations

import itertools

import keras_tuner as kt

from automl.search.untried import configurations, first_untried, grid


def scoped() -> kt.HyperParameters:
    hp = kt.HyperParameters()
    hp.Choice("family", ["mlp", "cnn"])
    with hp.conditional_scope("family", ["mlp"]):
        hp.Int("mlp.layers", 1, 2)
    with hp.conditional_scope("family", ["cnn"]):
        hp.Int("cnn.filters", 8, 32, step=2, sampling="log")
        hp.Boolean("cnn.residual")
    hp.Fixed("batch_size", 32)
    return hp


def test_only_the_active_values_of_each_scope_are_walked_in_the_spaces_order():
    assert list(configurations(scoped())) == [
        {"family": "mlp", "mlp.layers": 1, "batch_size": 32},
        {"family": "mlp", "mlp.layers": 2, "batch_size": 32},
        *({"family": "cnn", "cnn.filters": f, "cnn.residual": r, "batch_size": 32}
          for f, r in itertools.product([8, 16, 32], [False, True])),
    ]


def test_values_are_those_keras_tuners_own_draws_give():
    hp = kt.HyperParameters()
    hp.Int("filters", 8, 128, step=2, sampling="log")
    hp.Float("dropout", 0.0, 0.5, step=0.125)
    hp.Int("width", 4, 9, sampling="log")
    hp.Float("learning_rate", 1e-4, 1e-1, step=10, sampling="log")
    oracle = kt.oracles.RandomSearchOracle(objective=kt.Objective("score", "max"), hyperparameters=hp, seed=1)
    walked = {repr(sorted(v.items())) for v in configurations(hp)}
    drawn = {repr(sorted(oracle._random_values().items())) for _ in range(200)}
    assert len(walked) == 5 * 5 * 6 * 4 and drawn <= walked  # same types too: 16, not 16.0


def test_a_float_range_without_a_step_never_runs_out_and_stays_in_its_bounds():
    hp = kt.HyperParameters()
    hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
    values = [v["learning_rate"] for v in itertools.islice(configurations(hp), 1000)]
    assert len(set(values)) == 1000 and all(1e-4 <= v <= 1e-1 for v in values)
    assert next(grid(hp.space[0])) == hp.space[0].prob_to_value(0.5)


def test_the_first_untried_configuration_or_none_when_the_space_is_exhausted():
    hp = scoped()
    every = list(configurations(hp))
    tried = {repr(v) for v in every[:-1]}
    assert first_untried(hp, lambda v: repr(v) in tried) == every[-1]
    assert first_untried(hp, lambda v: True) is None


def test_a_huge_space_is_walked_only_up_to_the_limit():
    hp = kt.HyperParameters()
    for i in range(12):
        hp.Int(f"units{i}", 1, 100)  # 100^12 configurations
    walked = []
    assert first_untried(hp, lambda v: walked.append(v) or True, limit=500) is None
    assert len(walked) == 500
