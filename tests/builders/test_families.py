"""Every registered family builds, trains a step, and takes raw inputs."""

import numpy as np
import pytest

from automl.builders import FAMILIES, InputSpec, build_model
from automl.spec.schema import FAMILY_MODELS, model_params

BASE = {"optimizer": "adam", "learning_rate": 1e-3, "batch_size": 32}


def defaults(family: str) -> dict:
    """The family's default values (every field of its schema)."""
    params = model_params(FAMILY_MODELS[family]())
    return {"family": family, **{k: p.value if hasattr(p, "value") else p.default for k, p in params.items()},
            **BASE}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_learns_from_raw_digits(family, digits):
    spec = InputSpec.from_bundle(digits)
    model = build_model(defaults(family), spec)
    before = model.evaluate(digits.x_val, digits.y_val, verbose=0, return_dict=True)["loss"]
    model.fit(digits.x_train, digits.y_train, epochs=2, batch_size=64, verbose=0)
    after = model.evaluate(digits.x_val, digits.y_val, verbose=0, return_dict=True)["loss"]
    assert after < before


def test_every_schema_family_has_a_builder():
    assert set(FAMILY_MODELS) == set(FAMILIES)


def test_normalization_uses_training_statistics_only(digits):
    spec = InputSpec.from_bundle(digits)
    assert spec.mean.shape == (1,)
    assert spec.mean[0] == pytest.approx(digits.x_train.mean(), rel=1e-5)


def test_cnn_depth_and_width_follow_the_values(digits):
    spec = InputSpec.from_bundle(digits)
    small = build_model({**defaults("cnn"), "blocks": 1, "filters": 8}, spec)
    large = build_model({**defaults("cnn"), "blocks": 3, "filters": 8}, spec)
    convs = [layer for layer in large.layers if "conv2d" in layer.name]
    assert [c.filters for c in convs] == [8, 16, 32]
    assert large.count_params() != small.count_params()


@pytest.mark.parametrize("task, units, loss", [("binary", 1, "binary_crossentropy"),
                                               ("regression", 1, "mse")])
def test_heads_per_task(task, units, loss):
    spec = InputSpec((4,), "tabular", task, 2 if task == "binary" else 0,
                     np.zeros(4, "float32"), np.ones(4, "float32"))
    model = build_model(defaults("mlp"), spec)
    assert model.output_shape == (None, units)
    assert model.loss == loss
