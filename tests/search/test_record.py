"""The benchmarks' record of a cross-validation (`automl.search.record`): written only when asked, as the selection
and the export see the candidates; a path it cannot write does not fail the search."""

import numpy as np
import pytest

from automl.data.bundle import DataBundle
from automl.search.record import ENV, record


def rows() -> DataBundle:
    x = np.arange(12, dtype="float32").reshape(6, 2)
    y = np.array([0, 1, 0, 1, 0, 1])
    return DataBundle(name="rows", task="binary", input_kind="tabular", x_train=x, y_train=y, x_val=x[:2],
                      y_val=y[:2], x_test=x[:3], y_test=y[:3], class_names=["no", "yes"])


def constant(value: float):
    """A Keras model that predicts ``value`` for every row (a fold model stand-in with known outputs)."""
    import keras

    inputs = keras.Input((2,))
    return keras.Model(inputs, keras.layers.Lambda(lambda x: x[:, :1] * 0 + value)(inputs))


def test_nothing_is_written_unless_the_variable_is_set(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert record(["0"], [np.zeros((6, 1))], np.zeros(6), "binary_log_loss", [[constant(0.5)]], rows(), None) is None


def test_each_candidate_is_recorded_with_its_fold_models_mean_on_the_test_rows(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, str(tmp_path / "deep" / "rows-0"))
    held = [np.full((6, 1), 0.3), np.full((6, 1), 0.6)]
    path = record(["0", "linear"], held, rows().y_train, "binary_log_loss",
                  [[constant(0.2), constant(0.4)], [constant(0.9)]], rows(), None)
    saved = np.load(path)
    assert path == tmp_path / "deep" / "rows-0" and list(saved["ids"]) == ["0", "linear"]
    assert str(saved["loss"]) == "binary_log_loss" and saved["held"].shape == (2, 6, 1)
    assert np.allclose(saved["test"][:, :, 0], [[0.3] * 3, [0.9] * 3]) and list(saved["y_test"]) == [0, 1, 0]


def test_a_path_it_cannot_write_is_a_warning_and_the_search_goes_on(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(ENV, str(blocker / "rows-0.npz"))
    with pytest.warns(UserWarning, match=f"{ENV}=.*a_file/rows-0.npz: expected a writable file path, received"):
        assert record(["0"], [np.zeros((6, 1))], np.zeros(6), "binary_log_loss", [[constant(0.5)]], rows(),
                      None) is None


def test_regression_is_recorded_as_the_selection_scores_it_and_the_test_rows_in_their_own_units(tmp_path,
                                                                                             monkeypatch):
    """The out-of-fold predictions and targets come in divided by the targets' scale (what the selection
    scores); the fold models predict in the targets' units, and so do the recorded test predictions."""
    monkeypatch.setenv(ENV, str(tmp_path / "rows-0.npz"))
    data = rows()
    scale = np.array([2.0])
    path = record(["0"], [np.full((6, 1), 0.5)], data.y_train / scale, "squared_error",
                  [[constant(10.0), constant(20.0)]], data, scale)
    saved = np.load(path)
    assert np.allclose(saved["std"], [2.0]) and np.allclose(saved["y"], data.y_train / 2.0)
    assert np.allclose(saved["test"][0, :, 0], 15.0) and np.allclose(saved["held"][0], 0.5)
