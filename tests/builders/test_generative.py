"""What is special about the generative families: their own train steps, noise in and images out,
the seeded noise an export draws the same, the noise schedules and DDIM, collapse and NaN failures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from automl.builders import InputSpec, build_model
from automl.plugins.families import FAMILIES

SPEC = InputSpec((8, 8, 1), "image", "generation", 3, n_train=32, value_range=(0.0, 16.0))
SMALL = {"latent": 4, "g_filters": 8, "d_filters": 8, "g_layers": 2, "d_layers": 2,
         "width": 8, "levels": 1, "noise_steps": 20, "sampling_steps": 4}


def values(family: str, **chosen) -> dict:
    """The family's defaults, made small, with ``chosen`` values, as a trial's values."""
    from automl.spec.flatten import TRAIN_KEYS
    from automl.spec.schema import Train, model_params

    own = {k: p.value for k, p in model_params(FAMILIES.get(family).schema()).items()}
    own.update({k: v for k, v in SMALL.items() if k in own})
    own.update(chosen)
    return {"family": family, **{f"{family}.{k}": v for k, v in own.items()},
            **{k: getattr(Train(), k).value for k in TRAIN_KEYS}, "batch_size": 16}


def digits_like(n: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 16, (n, 8, 8, 1)).astype("float32"), rng.integers(0, 3, n)


def trained(family: str, epochs: int = 1, **chosen):
    import keras

    keras.utils.set_random_seed(0)
    model = build_model(values(family, **chosen), SPEC, epochs)
    x, y = digits_like()
    history = model.fit(x, y, batch_size=16, epochs=epochs, verbose=0).history
    return model, history


@pytest.mark.parametrize("chosen", [{"gan_loss": "non_saturating"}, {"gan_loss": "hinge", "d_norm": "spectral"},
                                    {"gan_loss": "wasserstein_gp", "d_steps": 2, "conditional": True}],
                         ids=lambda c: c["gan_loss"])
def test_every_gan_loss_trains_both_networks_to_finite_losses(chosen):
    import keras

    keras.utils.set_random_seed(0)
    model = build_model(values("gan", **chosen), SPEC, 1)
    before = [w.copy() for w in (model.generator.get_weights()[0], model.discriminator.get_weights()[0])]
    x, y = digits_like()
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0).history
    assert set(history) == {"d_loss", "g_loss"} and all(math.isfinite(v[0]) for v in history.values())
    after = (model.generator.get_weights()[0], model.discriminator.get_weights()[0])
    assert all(not np.allclose(b, a) for b, a in zip(before, after)), "a network did not learn"


def test_the_discriminator_takes_the_norm_asked_for_and_no_batch_norm_under_the_gradient_penalty():
    def kinds(**chosen):
        model = build_model(values("gan", **chosen), SPEC, 1)
        return {type(layer).__name__ for layer in model.discriminator.layers}

    assert "SpectralNormalization" in kinds(d_norm="spectral")
    assert "BatchNormalization" in kinds(d_norm="batch", gan_loss="hinge")
    under_penalty = kinds(d_norm="batch", gan_loss="wasserstein_gp")
    assert "BatchNormalization" not in under_penalty and "LayerNormalization" in under_penalty


@pytest.mark.parametrize("family", ["gan", "diffusion"])
def test_the_same_seed_gives_the_same_images_in_the_datas_range_and_each_class_asked_for(family):
    model, _ = trained(family, conditional=True)
    first, again, other = model.generate(6, seed=3), model.generate(6, seed=3), model.generate(6, seed=4)
    assert first.shape == (6, 8, 8, 1)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert first.min() >= 0.0 and first.max() <= 16.0
    inputs = model.inputs_for(3, seed=1)
    assert list(inputs["label"]) == [0, 1, 2]  # the classes in turn
    same_noise = {"noise": np.repeat(inputs["noise"][:1], 3, axis=0), "label": np.array([0, 1, 2], "int32")}
    images = np.asarray(model.predict(same_noise, verbose=0))
    assert not np.allclose(images[0], images[1]) and not np.allclose(images[1], images[2])
    np.testing.assert_array_equal(model.generate(2, seed=3, label=2), model.predict(
        {"noise": model.inputs_for(2, seed=3)["noise"], "label": np.array([2, 2], "int32")}, verbose=0))


def test_a_conditional_model_on_data_without_classes_is_refused_in_one_line():
    unlabelled = InputSpec((8, 8, 1), "image", "generation", 1, n_train=32)
    with pytest.raises(ValueError, match=r"^conditional: expected data with at least 2 classes .* received 0$"):
        build_model(values("gan", conditional=True), unlabelled, 1)


def test_noise_schedules_fall_from_nearly_one_to_nearly_zero():
    from automl.builders.diffusion import alpha_bars

    for schedule in ("linear", "cosine"):
        bars = alpha_bars(schedule, 1000)
        assert np.all(np.diff(bars) < 0), schedule
        assert bars[0] > 0.99 and bars[-1] < 0.01, (schedule, bars[0], bars[-1])
    # fewer steps keep the same span: the linear betas are rescaled
    assert alpha_bars("linear", 100)[-1] < 0.01


def test_ddim_visits_steps_from_the_last_to_the_first_and_ends_on_the_clean_image():
    from automl.builders.diffusion import alpha_bars, ddim_plan

    bars = alpha_bars("cosine", 100)
    steps, now, before = ddim_plan(bars, 5)
    assert list(steps) == [99, 74, 50, 25, 0]
    np.testing.assert_allclose(now, bars[[99, 74, 50, 25, 0]])
    np.testing.assert_allclose(before, [*bars[[74, 50, 25, 0]], 1.0])  # the last step lands on x0


def test_ddim_with_a_perfect_denoiser_recovers_the_image_the_noise_came_from():
    """If the network predicted the true noise, one DDIM step from any t gives back x0 exactly."""
    import tensorflow as tf

    model = build_model(values("diffusion"), SPEC, 1)  # the network is replaced: no need to train it
    # A schedule that keeps a quarter of the signal at its last step: a float32 division by sqrt(alpha_bar)
    # near 0 (where real schedules end) would bury the check in rounding.
    model.alpha_bar = np.linspace(0.99, 0.25, 20).astype("float32")
    x0 = np.random.default_rng(1).uniform(-1, 1, (2, 8, 8, 1)).astype("float32")
    noise = np.random.default_rng(2).normal(size=x0.shape).astype("float32")
    ab = 0.25
    noisy = math.sqrt(ab) * x0 + math.sqrt(1 - ab) * noise

    class Oracle:
        def __call__(self, inputs, training=False):
            return tf.constant(noise)

    model.ema_denoiser, model.denoiser = None, Oracle()
    model.values["sampling_steps"] = 1  # from the last step straight to the clean image
    np.testing.assert_allclose(np.asarray(model.sample(tf.constant(noisy), None)), x0, atol=1e-4)


def test_the_weight_average_trails_the_trained_denoiser():
    start = build_model(values("diffusion", ema=0.9), SPEC, 1)
    initial = start.denoiser.get_weights()[0].copy()
    model, _ = trained("diffusion", ema=0.9)
    trained_w, average = model.denoiser.get_weights()[0], model.ema_denoiser.get_weights()[0]
    assert not np.allclose(average, trained_w)
    # between where both started and where training went, coordinate by coordinate
    moved = np.abs(trained_w - initial) > 1e-6
    assert np.all(np.abs(average - initial)[moved] <= np.abs(trained_w - initial)[moved] + 1e-6)
    assert build_model(values("diffusion", ema=0.0), SPEC, 1).ema_denoiser is None


def test_a_nan_in_either_gan_loss_fails_the_trial():
    from automl.errors import TrialFailedError
    from automl.training import FailOnNonFinite

    with pytest.raises(TrialFailedError, match="d_loss became nan at epoch 2"):
        FailOnNonFinite().on_epoch_end(2, {"d_loss": float("nan"), "g_loss": 1.0})


def test_a_collapsed_generator_fails_with_that_reason():
    """A generator whose weights are all zero draws one image whatever the noise: the trial fails as collapsed."""
    from automl.errors import TrialFailedError
    from automl.search.samples import check_collapse, scores
    from automl.training import FitResult

    model = build_model(values("gan"), SPEC, 1)
    model.generator.set_weights([np.zeros_like(w) for w in model.generator.get_weights()])
    fake = model.generate(40, seed=0)
    assert np.ptp(fake, axis=0).max() == 0.0

    x, _ = digits_like(40)
    found = scores(lambda images: (np.asarray(images).reshape(len(images), -1).astype("float64"),
                                   np.ones((len(images), 3)) / 3), x, fake)
    assert found["diversity"] == 0.0
    with pytest.raises(TrialFailedError, match=r"generator collapsed: its samples are nearly alike \(diversity "
                                               r"0\.000 .* at its best epoch 1"):
        check_collapse(FitResult({"val_fd": [found["fd"]], "val_diversity": [found["diversity"]]}, 0, 1))


def test_twos_counts_how_often_a_size_halves():
    from automl.builders.generative import twos

    assert [twos(n) for n in (1, 7, 8, 28, 32, 12)] == [0, 0, 3, 2, 5, 2]
