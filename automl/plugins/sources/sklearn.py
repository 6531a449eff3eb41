"""scikit-learn's bundled datasets (digits, iris, wine, breast_cancer, diabetes): no file, no download."""

from __future__ import annotations

from typing import Literal

from automl.plugins.sources import SourcePlugin
from automl.spec.families import Strict

DATASETS = ("digits", "iris", "wine", "breast_cancer", "diabetes")


class SklearnOptions(Strict):
    """Options of the scikit-learn bundled-data source."""

    dataset: Literal[DATASETS]


def example(folder) -> dict:
    return {"name": "iris", "source": "sklearn", "options": {"dataset": "iris"}, "task": "multiclass",
            "input": "tabular"}


PLUGIN = SourcePlugin("sklearn", "scikit-learn's bundled datasets", options=SklearnOptions,
                      load="automl.data.bundled:sklearn_source", example=example, order=10)
