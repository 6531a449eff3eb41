"""Time-series windows: forecasting and classification, split in time order."""

import numpy as np
import pandas as pd
import pytest

from automl.data import load_dataset
from automl.errors import DataError
from automl.spec import load_card
from tests.data.makers import series_csv


def card(write_yaml, options: str) -> str:
    return str(write_yaml(f"name: s\nsource: timeseries\noptions: {{path: series.csv, time_column: time, {options}}}\n"
                          "splits: {validation: 0.15, test: 0.15}\n", "s.yaml"))


def test_forecast_windows_are_in_time_order(tmp_path, write_yaml):
    series_csv(tmp_path)
    data = load_dataset(load_card(card(write_yaml, "columns: [load, temp], target: load, input_length: 16, "
                                                   "horizon: 2")))
    assert data.input_kind == "sequence" and data.task == "regression" and data.input_shape == (16, 2)
    frame = pd.read_csv(tmp_path / "series.csv").sort_values("time")
    # The first window's target is the load 2 rows after its last row.
    assert data.y_train[0] == pytest.approx(frame.load.iloc[16 + 2 - 1])
    np.testing.assert_allclose(data.x_train[0][:, 0], frame.load.iloc[:16], rtol=1e-6)
    assert len(data.y_train) + len(data.y_val) + len(data.y_test) == 400 - 16 - 2 + 1
    # Test windows come last: none of them starts before the last training window.
    assert data.x_test[0][0, 0] != data.x_train[0][0, 0]


def test_classification_by_label_at_the_window_end(tmp_path, write_yaml):
    series_csv(tmp_path)
    data = load_dataset(load_card(card(write_yaml, "columns: [load], label: regime, input_length: 8")))
    assert data.task == "binary" and data.class_names == ["high", "low"]


def test_too_short_a_series_is_one_line(tmp_path, write_yaml):
    series_csv(tmp_path, n=20)
    with pytest.raises(DataError, match="expected at least 10 windows of 16 rows, received 4 from 20 rows"):
        load_dataset(load_card(card(write_yaml, "input_length: 16")))


def test_text_values_are_refused(tmp_path, write_yaml):
    series_csv(tmp_path)
    with pytest.raises(DataError, match="column 'regime': expected numeric series values, received text"):
        load_dataset(load_card(card(write_yaml, "columns: [load, regime]")))
