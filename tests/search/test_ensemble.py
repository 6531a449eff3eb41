"""Greedy ensemble selection, the ensemble as one Keras model, and regression targets standardized inside it."""

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from automl.search.final import SMALL, should_refit
from automl.search.selection import binary_log_loss, log_loss, select, squared_error


def one_hot(labels: np.ndarray, classes: int, sure: float = 0.9) -> np.ndarray:
    p = np.full((len(labels), classes), (1 - sure) / (classes - 1))
    p[np.arange(len(labels)), labels] = sure
    return p


# --- selection (NumPy) ---------------------------------------------------------------


def test_two_members_right_on_different_halves_beat_either_alone():
    y = np.repeat([0, 1, 2], 20)
    wrong = (y + 1) % 3
    half = np.arange(len(y)) < 30
    a = one_hot(np.where(half, y, wrong), 3, 0.6)  # right on the first half
    b = one_hot(np.where(half, wrong, y), 3, 0.6)  # right on the second half
    chosen = select([a, b], y, "log_loss", size=10)
    assert chosen.members == [0, 1]
    assert chosen.loss < chosen.single_loss
    assert sum(chosen.weights) == pytest.approx(1.0)


def test_a_member_that_only_hurts_is_left_out():
    y = np.repeat([0, 1], 25)
    good = one_hot(y, 2, 0.95)
    bad = one_hot(1 - y, 2, 0.95)
    chosen = select([good, bad], y, "log_loss", size=10)
    assert chosen.weights == (1.0, 0.0) and chosen.members == [0]
    assert chosen.loss == pytest.approx(chosen.single_loss)


@pytest.mark.parametrize("seed", range(5))
def test_the_ensemble_is_never_worse_than_the_best_member_on_the_rows_it_was_chosen_on(seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=80)
    predictions = [y + rng.normal(scale=s, size=80) + rng.normal(scale=0.3) for s in (0.5, 0.8, 1.0, 2.0)]
    chosen = select(predictions, y, "squared_error", size=12)
    assert chosen.loss <= chosen.single_loss + 1e-12
    assert chosen.single_loss == pytest.approx(min(squared_error(p, y) for p in predictions))
    # counts of picks over the steps kept: multiples of 1/k for some k <= 12
    assert any(all(abs(w * k - round(w * k)) < 1e-9 for w in chosen.weights) for k in range(1, 13))


def test_independent_errors_average_out():
    rng = np.random.default_rng(0)
    y = rng.normal(size=2000)
    predictions = [y + rng.normal(size=2000) for _ in range(4)]
    chosen = select(predictions, y, "squared_error", size=8)
    assert chosen.weights == pytest.approx((0.25,) * 4)
    assert chosen.loss == pytest.approx(chosen.single_loss / 4, rel=0.15)


def test_losses_match_their_definitions():
    y = np.array([0, 1, 1])
    p = np.array([[0.8, 0.2], [0.3, 0.7], [0.5, 0.5]])
    assert log_loss(p, y) == pytest.approx(-np.mean(np.log([0.8, 0.7, 0.5])))
    q = np.array([[0.2], [0.7], [0.5]])
    assert binary_log_loss(q, y) == pytest.approx(-np.mean(np.log([0.8, 0.7, 0.5])))
    assert squared_error(np.array([[1.0], [3.0]]), np.array([0.0, 1.0])) == pytest.approx(2.5)


@pytest.mark.parametrize("call, message", [
    (lambda: select([], np.zeros(3), "log_loss", 5), "expected at least one candidate, received none"),
    (lambda: select([np.zeros((3, 2)), np.zeros((4, 2))], np.zeros(3), "log_loss", 5), "one shape"),
    (lambda: select([np.zeros((3, 2))], np.zeros(3), "hinge", 5), "received 'hinge', 5"),
    (lambda: select([np.zeros((3, 2))], np.zeros(3), "log_loss", 0), "size >= 1"),
])
def test_bad_selection_input_is_one_line(call, message):
    with pytest.raises(ValueError, match=message) as caught:
        call()
    assert "\n" not in str(caught.value)


def test_refit_follows_its_mode_and_the_training_rows():
    assert should_refit("auto", SMALL - 1) and not should_refit("auto", SMALL)
    assert should_refit("always", 10 * SMALL) and not should_refit("never", 10)


# --- the ensemble as one Keras model ------------------------------------------------


@pytest.fixture(scope="module")
def members():
    """Two different tabular models trained a little on the same rows."""
    from automl.builders import build_model
    from tests.builders.conftest import fit_batch, make_batch, make_spec
    from tests.builders.test_families import defaults

    spec = make_spec("tabular", "multiclass")
    x, y = make_batch(spec, n=48)
    models = []
    for i, family in enumerate(("mlp", "transformer")):
        model = build_model(defaults(family), spec, epochs=2, name=f"member_{i}")
        fit_batch(model, x, y, epochs=2)
        models.append(model)
    return models, x


def test_the_ensemble_gives_the_weighted_average_of_its_members(members):
    from automl.builders.ensemble import combine

    models, x = members
    model = combine(models, [0.25, 0.75], "probabilities")
    expected = 0.25 * models[0].predict(x, verbose=0) + 0.75 * models[1].predict(x, verbose=0)
    assert np.abs(model.predict(x, verbose=0) - expected).max() <= 1e-6
    assert model.output_names == ["probabilities"]
    assert model.count_params() == sum(m.count_params() for m in models)


def test_members_must_have_distinct_names_and_a_weight_each(members):
    from automl.builders.ensemble import combine

    models, _ = members
    with pytest.raises(ValueError, match=r"^ensemble: expected a weight per member, received 2 members and 1"):
        combine(models, [1.0], "probabilities")
    with pytest.raises(ValueError, match="expected members with distinct names"):
        combine([models[0], models[0]], [0.5, 0.5], "probabilities")


RELOAD = """
import json, sys
import numpy as np
import keras, onnxruntime, tensorflow as tf
import automl.builders.blocks  # our layers, registered as `automl predict` registers them
folder, x = sys.argv[1], np.load(sys.argv[2])
keras_out = keras.saving.load_model(folder + "/model.keras").predict(x, verbose=0)
serve = tf.saved_model.load(folder + "/saved_model").signatures["serving_default"]
saved_out = serve(features=tf.constant(x))["probabilities"].numpy()
session = onnxruntime.InferenceSession(folder + "/model.onnx")
onnx_out = session.run(["probabilities"], {session.get_inputs()[0].name: x})[0]
np.save(sys.argv[3], np.stack([keras_out, saved_out, onnx_out]))
"""


def test_an_exported_ensemble_reloads_in_a_fresh_process_and_converts_to_onnx(members, tmp_path):
    from automl.builders.ensemble import combine
    from automl.export import export_model

    models, x = members
    model = combine(models, [0.4, 0.6], "probabilities")
    folder = export_model(model, tmp_path, "ens", {"dataset": {"task": "multiclass"}}, task="multiclass",
                          class_names=["a", "b", "c"], formats=("saved_model", "keras", "onnx"))
    np.save(tmp_path / "x.npy", x.astype("float32"))
    (tmp_path / "reload.py").write_text(RELOAD)
    done = subprocess.run([sys.executable, str(tmp_path / "reload.py"), str(folder), str(tmp_path / "x.npy"),
                           str(tmp_path / "out.npy")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    in_memory = model.predict(x, verbose=0)
    for name, out in zip(("keras", "saved_model", "onnx"), np.load(tmp_path / "out.npy")):
        assert np.abs(out - in_memory).max() <= 1e-5, name
    card = json.loads((folder / "model_card.json").read_text())
    assert set(card["outputs"]) == {"probabilities", "class_id", "label"}


# --- regression targets standardized inside the model -------------------------------


def test_regression_in_the_thousands_trains_on_standardized_targets_and_predicts_in_its_units():
    import keras

    from automl.builders import InputSpec, build_model
    from automl.data import DataBundle
    from tests.builders.test_families import defaults

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 4)).astype("float32")
    y = (5000 + 800 * x[:, 0] - 400 * x[:, 1]).astype("float32")
    data = DataBundle("big", "regression", "tabular", x[:300], y[:300], x[300:], y[300:], x[300:], y[300:])
    spec = InputSpec.from_bundle(data)
    assert spec.target_mean[0] == pytest.approx(y[:300].mean(), rel=1e-5)
    assert spec.target_std[0] == pytest.approx(y[:300].std(), rel=1e-4)
    # SGD at 0.05 would diverge on squared errors in the millions; on standardized targets it learns.
    model = build_model(defaults("mlp", optimizer="sgd", learning_rate=0.05, units=16), spec, epochs=30)
    untrained = model.predict(x[300:], verbose=0)
    # It starts near the mean (a plain linear head starts near 0, about 6 standard deviations away).
    assert abs(float(untrained.mean()) - spec.target_mean[0]) < 2 * spec.target_std[0]
    first = model.evaluate(x[300:], y[300:], verbose=0, return_dict=True)
    assert first["loss"] < 10  # the loss is in standardized units...
    model.fit(x[:300], y[:300], epochs=30, batch_size=32, verbose=0)
    scores = model.evaluate(x[300:], y[300:], verbose=0, return_dict=True)
    assert scores["mae"] < 0.1 * y.std()  # ...the metric in the targets' own
    assert np.isfinite(scores["loss"]) and scores["loss"] < first["loss"] / 10
    path = str(__import__("tempfile").mkdtemp()) + "/m.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    assert np.abs(again.predict(x[300:], verbose=0) - model.predict(x[300:], verbose=0)).max() <= 1e-3


def test_a_spec_without_target_statistics_keeps_a_plain_linear_head():
    from automl.builders import build_model
    from tests.builders.conftest import make_spec
    from tests.builders.test_families import defaults

    spec = make_spec("tabular", "regression")
    plain = build_model(defaults("mlp"), spec, epochs=1)
    standardized = build_model(defaults("mlp"), replace(spec, target_mean=np.array([1.0], "float32"),
                                                        target_std=np.array([2.0], "float32")), epochs=1)
    assert plain.get_layer("prediction").__class__.__name__ == "Dense"
    assert standardized.get_layer("prediction").__class__.__name__ == "Normalization"
    assert standardized.loss.__class__.__name__ == "StandardizedLoss"
