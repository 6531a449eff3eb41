"""TensorFlow Datasets by name (``mnist``, ``imdb_reviews``...), read into arrays."""

from __future__ import annotations

from pydantic import Field

from automl.plugins.sources import SourcePlugin
from automl.spec.families import Strict


class TfdsOptions(Strict):
    """Options of a TensorFlow Datasets set, loaded by name with its supervised (input, label) keys."""

    name: str
    data_dir: str | None = None
    train_split: str = "train"
    test_split: str | None = "test"  # None: split the test part off the training split
    max_examples: int | None = Field(None, ge=10)


def example(folder) -> dict:
    return {"name": "mnist", "source": "tfds", "options": {"name": "mnist", "data_dir": str(folder)},
            "task": "multiclass", "input": "image", "splits": {"validation": 0.2}}


def broken(folder) -> dict:
    return {"name": "broken", "source": "tfds", "options": {"name": "no_such_set", "data_dir": str(folder)}}


def offline():
    """Fake examples instead of a download (the contract suite's example)."""
    import tensorflow_datasets as tfds

    return tfds.testing.mock_data(num_examples=30)


PLUGIN = SourcePlugin("tfds", "a TensorFlow Datasets set by name", options=TfdsOptions,
                      load="automl.data.tfds_source:tfds_source", example=example, broken=broken,
                      offline=offline, order=60)
