"""TensorFlow Datasets by name, on mocked data (nothing is downloaded)."""

import tensorflow_datasets as tfds

from automl.data import load_dataset
from automl.app.search import SearchOptions, run_search
from automl.spec import load_card
from tests.conftest import AS_SEARCHED_SETTINGS


def card(write_yaml, tmp_path, name: str, extra: str = "") -> str:
    return str(write_yaml(f"name: {name}\nsource: tfds\noptions: {{name: {name}, data_dir: {tmp_path}{extra}}}\n"
                          "splits: {validation: 0.2}\n", f"{name}.yaml"))


def test_image_set_uses_its_own_test_split(write_yaml, tmp_path):
    with tfds.testing.mock_data(num_examples=30):
        data = load_dataset(load_card(card(write_yaml, tmp_path, "mnist")))
    assert data.input_kind == "image" and data.input_shape == (28, 28, 1) and data.num_classes == 10
    assert len(data.y_test) == 30 and len(data.y_train) + len(data.y_val) == 30


def test_text_set_gives_raw_strings(write_yaml, tmp_path):
    with tfds.testing.mock_data(num_examples=20):
        data = load_dataset(load_card(card(write_yaml, tmp_path, "imdb_reviews", ", max_examples: 12")))
    assert data.input_kind == "text" and data.task == "binary" and isinstance(data.x_train[0], str)
    assert len(data.y_test) == 12


def test_search_on_a_mocked_tfds_set(write_yaml, tmp_path):
    # As searched: the export's files are what is checked, not a refit of the one trial on its few rows.
    opts = SearchOptions(dataset=card(write_yaml, tmp_path, "mnist"), space="auto", max_trials=1, epochs=1,
                         tracking=False, export_dir=str(tmp_path / "exports"), state_dir=str(tmp_path / "state"),
                         settings=("model.cnn.filters=8", "model.cnn.blocks=1", *AS_SEARCHED_SETTINGS))
    with tfds.testing.mock_data(num_examples=40):
        result = run_search(opts, progress_stream=open(tmp_path / "progress.txt", "w"))
    assert result.experiment == "mnist-auto_image" and result.completed == 1
    assert (result.export_path / "saved_model" / "saved_model.pb").exists()
