"""Augmentation changes training batches only, and never enters the model."""

import numpy as np
import pytest

from automl.builders import augmenter, build_model
from automl.data.feed import to_dataset
from tests.builders.conftest import make_batch, make_spec
from tests.builders.test_families import defaults


def test_nothing_on_means_no_augmenter():
    assert augmenter(defaults("cnn"), make_spec("image")) is None
    assert augmenter(defaults("mlp"), make_spec("tabular")) is None


@pytest.mark.parametrize("key, value", [("augment.flip", "horizontal"), ("augment.rotation", 0.2),
                                        ("augment.zoom", 0.2), ("augment.translation", 0.2),
                                        ("augment.contrast", 0.5)])
def test_every_image_augmentation_changes_training_batches(key, value):
    spec = make_spec("image")
    x, y = make_batch(spec)
    augment = augmenter(defaults("cnn", **{key: value}), spec)
    batch, _ = next(iter(to_dataset(x, y, 24, augment=augment)))
    assert batch.shape == x.shape and not np.allclose(batch.numpy(), x)


def test_noise_is_scaled_per_feature_and_centred():
    spec = make_spec("sequence")
    x = np.zeros((2000, *spec.shape), "float32")
    augment = augmenter(defaults("rnn", **{"augment.noise": 0.5}), spec)
    noisy = augment(x)
    assert abs(float(np.mean(noisy))) < 0.01 and float(np.std(noisy)) == pytest.approx(0.5, rel=0.05)


def test_the_model_has_no_random_layers_and_validation_data_stays_raw(tmp_path):
    spec = make_spec("image")
    values = defaults("cnn", **{"augment.flip": "horizontal", "augment.rotation": 0.1})
    model = build_model(values, spec)
    assert not any(type(layer).__name__.startswith("Random") for layer in model.layers)
    x, y = make_batch(spec)
    plain, _ = next(iter(to_dataset(x, y, 24)))
    np.testing.assert_array_equal(plain.numpy(), x)
