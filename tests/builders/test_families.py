"""Every value of every knob builds and trains one step, plus checks of what the values do to the model.

That every family builds, trains, exports and reloads on every input kind and task it
declares is the contract suite's (test_family_contract.py), read from the catalogs."""

import math

import numpy as np
import pytest

from automl.builders import build_model, prepare_targets, schedule_callbacks
from automl.plugins.families.autoencoder import reconstruction_error
from automl.spec.families import ACTIVATIONS, FAMILY_MODELS, INITIALIZERS, NORMS
from automl.spec.flatten import TRAIN_KEYS
from automl.spec.schema import OPTIMIZERS, SCHEDULES, TASK_LOSSES, Train, model_params
from tests.builders.conftest import make_batch, make_spec

TRAIN = {k: getattr(Train(), k).value for k in TRAIN_KEYS}


def defaults(family: str, **overrides) -> dict:
    """The family's and training's default values, then the overrides."""
    own = {k: p.value for k, p in model_params(FAMILY_MODELS[family]()).items()}
    small = {"units": 8, "filters": 4, "dense_units": 8, "embed_dim": 8, "ff_dim": 8, "key_dim": 4,
             "heads": 2, "vocab_size": 100, "sequence_length": 8, "bottleneck": 2,
             "latent": 4, "g_filters": 8, "d_filters": 8, "width": 8, "levels": 1, "noise_steps": 20,
             "sampling_steps": 3}
    own.update({k: v for k, v in small.items() if k in own})
    return {"family": family, **own, **TRAIN, "batch_size": 8, **overrides}


def train_one_step(values: dict, spec) -> float:
    """Builds, trains one step, and returns the loss (it must be finite)."""
    model = build_model(values, spec, epochs=3)
    x, y = make_batch(spec)
    history = model.fit(x[:8], prepare_targets(values, spec, y)[:8], epochs=1, verbose=0,
                        validation_data=(x[8:16], prepare_targets(values, spec, y)[8:16]),
                        callbacks=schedule_callbacks(values))
    loss = history.history["loss"][0]
    assert math.isfinite(loss)
    return loss


KNOBS = ([("activation", a) for a in ACTIVATIONS] + [("initializer", i) for i in INITIALIZERS]
         + [("norm", n) for n in NORMS] + [("optimizer", o) for o in OPTIMIZERS]
         + [("schedule", s) for s in SCHEDULES]
         + [("dropout", 0.5), ("l1", 1e-3), ("l2", 1e-3), ("clipnorm", 1.0)])


@pytest.mark.parametrize("key, value", KNOBS, ids=[f"{k}={v}" for k, v in KNOBS])
def test_every_value_of_every_shared_knob(key, value):
    train_one_step(defaults("mlp", **{key: value}), make_spec("tabular"))


@pytest.mark.parametrize("optimizer, extra", [("sgd", {"momentum": 0.9, "nesterov": True}),
                                              ("rmsprop", {"momentum": 0.5}), ("adamw", {"weight_decay": 0.01})])
def test_optimizer_specific_values_reach_the_optimizer(optimizer, extra):
    model = build_model(defaults("mlp", optimizer=optimizer, **extra), make_spec("tabular"))
    for key, value in extra.items():
        assert getattr(model.optimizer, key) == pytest.approx(value)


# Every loss a space may pick for the supervised tasks and reconstruction; a generative family's losses are its
# own (gan_loss, the diffusion model's noise error) and are trained in test_generative.py.
TASK_LOSS = [(t, loss) for t, losses in TASK_LOSSES.items() if t != "generation" for loss in losses]


@pytest.mark.parametrize("task, loss", TASK_LOSS, ids=[f"{t}-{loss}" for t, loss in TASK_LOSS])
def test_every_loss_of_every_task(task, loss):
    family = "autoencoder" if task == "reconstruction" else "mlp"
    train_one_step(defaults(family, loss=loss), make_spec("tabular", task))


@pytest.mark.parametrize("family, key, values, kind", [
    ("cnn", "separable", [True, False], "image"), ("cnn", "residual", [True, False], "image"),
    ("cnn", "pooling", ["max", "avg"], "image"), ("cnn", "head", ["flatten", "global_avg"], "image"),
    ("rnn", "cell", ["simple", "lstm", "gru"], "sequence"), ("rnn", "bidirectional", [True, False], "sequence"),
    ("rnn", "recurrent_dropout", [0.0, 0.2], "sequence"),
    ("transformer", "patch_size", [1, 2, 4], "image"),
    ("autoencoder", "kind", ["dense", "conv"], "image"),
])
def test_every_value_of_every_family_knob(family, key, values, kind):
    task = "reconstruction" if family == "autoencoder" else "multiclass"
    for value in values:
        train_one_step(defaults(family, **{key: value}), make_spec(kind, task))


def test_heads_say_what_they_output():
    shapes = {"multiclass": (None, 3), "binary": (None, 1), "multilabel": (None, 4), "regression": (None, 1)}
    for task, shape in shapes.items():
        model = build_model(defaults("mlp"), make_spec("tabular", task))
        assert model.output_shape == shape
    probs = build_model(defaults("mlp"), make_spec("tabular")).predict(make_batch(make_spec("tabular"))[0],
                                                                       verbose=0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)  # softmax on multiclass outputs


def test_per_layer_values_shape_the_layers():
    values = defaults("mlp", layers=3, units_1=16, units_2=8, units_3=4)
    dense = [layer.units for layer in build_model(values, make_spec("tabular")).layers
             if type(layer).__name__ == "Dense"]
    assert dense[:3] == [16, 8, 4]
    cnn = build_model(defaults("cnn", blocks=3, filters=4), make_spec("image"))
    assert [la.filters for la in cnn.layers if type(la).__name__ == "Conv2D"] == [4, 8, 16]


def test_an_mlp_of_zero_layers_is_a_linear_model_on_the_normalized_inputs():
    for kind, task in (("tabular", "binary"), ("tabular", "regression"), ("image", "multiclass")):
        spec = make_spec(kind, task)
        model = build_model(defaults("mlp", layers=0), spec)
        weighted = [layer for layer in model.layers if layer.trainable_weights]
        assert [type(layer).__name__ for layer in weighted] == ["Dense"]  # the head alone
        features = int(np.prod(spec.shape))
        assert model.count_params() - _untrained(model) == (features + 1) * spec.num_outputs
        train_one_step(defaults("mlp", layers=0), spec)


def _untrained(model) -> int:
    """Parameters that are not trained (the normalization statistics)."""
    return sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)


def test_autoencoder_reconstructs_raw_scale_and_scores_anomalies():
    spec = make_spec("tabular", "reconstruction")
    model = build_model(defaults("autoencoder", units=16, bottleneck=4, learning_rate=1e-2), spec)
    x, _ = make_batch(spec, n=24)
    model.fit(x, x, epochs=30, verbose=0)
    normal = reconstruction_error(model, x).mean()
    odd = reconstruction_error(model, x * 10.0).mean()
    assert odd > 5 * normal


def test_loss_that_does_not_fit_the_task_is_refused():
    with pytest.raises(ValueError, match="loss: expected one of mse, mae, huber for a regression task"):
        build_model(defaults("mlp", loss="hinge"), make_spec("tabular", "regression"))
