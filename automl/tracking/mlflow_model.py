"""The MLflow entities for a search's dataset and best model (MLflow imported lazily)."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from types import SimpleNamespace
from typing import Any

from automl.tracking.base import DatasetRecord
from automl.tracking.uri import using


# MLflow stores a dataset's schema in a column of at most 1 MB and refuses a longer one (a table of
# 100,000 columns); past this many characters the schema lists the first columns only, and says so.
MAX_SCHEMA_CHARS = 64_000
MAX_SCHEMA_COLUMNS = 1_000


def dataset_input(record: DatasetRecord):
    """The `DatasetInput` that ``log_inputs`` takes: name, digest, source and schema of the data."""
    from mlflow.data.code_dataset_source import CodeDatasetSource
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.entities import DatasetInput, InputTag

    schema, shown, total = _schema(_plain(record.example))
    cut = {"automl.schema": f"the first {shown} of {total} columns"} if shown < total else {}
    source = CodeDatasetSource({"automl.source": record.source, "automl.location": record.location[:1000],
                                **{f"automl.{k}_rows": str(v) for k, v in record.sizes.items()}, **cut})
    dataset = MetaDataset(source=source, name=record.name, digest=record.digest, schema=schema)
    return DatasetInput(dataset._to_mlflow_entity(), tags=[InputTag("mlflow.data.context", "training")])


def _schema(example: Any) -> tuple[Any, int, int]:
    """The example's schema, cut to its first columns while too long; with the columns shown and in all."""
    from mlflow.models import infer_signature

    total = len(example) if isinstance(example, dict) else 1
    shown = min(total, MAX_SCHEMA_COLUMNS)
    while True:
        part = dict(list(example.items())[:shown]) if isinstance(example, dict) else example
        schema = infer_signature(part).inputs
        if shown == 1 or len(schema.to_json()) <= MAX_SCHEMA_CHARS:
            return schema, shown, total
        shown //= 2


def log_keras_model(uri: str, run_id: str, model: Any, example: Any, register: str | None) -> str:
    """Logs ``model`` on run ``run_id`` with MLflow's TensorFlow (Keras) flavour.

    The signature is inferred from ``example`` and the model's own outputs on
    it; the example is stored with the model.

    Returns:
        The logged model's URI (``models:/...``).
    """
    import mlflow
    from mlflow.models import Model, infer_signature

    example = _plain(example)
    signature = infer_signature(example, _predict(model, example))
    quiet = logging.getLogger("mlflow")
    level, quiet.level = quiet.level, logging.ERROR
    try:
        # The registry prints its own lines: keep them out of the progress.
        with using(uri), warnings.catch_warnings(), mlflow.start_run(run_id=run_id), \
                contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            # What `mlflow.tensorflow.log_model` does, without MLflow's serving-input check.
            info = Model.log(artifact_path=None, name="model", flavor=_TENSORFLOW, flavor_name="tensorflow",
                             model=model, signature=signature, input_example=example,
                             registered_model_name=register, pip_requirements=_requirements(),
                             validate_serving_input=False)
    finally:
        quiet.setLevel(level)
    return info.model_uri


def _save_tensorflow(**kwargs: Any) -> None:
    """`mlflow.tensorflow.save_model`, minus the ``validate_serving_input`` switch meant for `Model.log`."""
    import mlflow.tensorflow

    kwargs.pop("validate_serving_input", None)
    mlflow.tensorflow.save_model(**kwargs)


# The flavour `Model.log` saves with. It is MLflow's TensorFlow flavour, except that `Model.log`
# is told to skip its serving-input check. That check reloads the logged model and predicts the
# example: 0.24 s of the 0.37 s that logging took. Its outcome is only a warning, which the
# tracker silences, and it fails on string inputs anyway (Keras' predict refuses string arrays).
# tests/tracking/test_mlflow_tracker.py reloads the logged model and compares its predictions.
_TENSORFLOW = SimpleNamespace(__name__="mlflow.tensorflow", save_model=_save_tensorflow)


def warm_requirements_check() -> None:
    """Builds, ahead of time, the module-to-package map MLflow's ``log_model`` checks requirements with.

    MLflow builds it once a process, on the first ``log_model``, by reading the
    file lists of every installed distribution: about 0.9 s of the 1.4 s that
    logging the best model took (TensorFlow's alone is long). Run on the
    tracker's background writer at the search's start, it is ready when the
    model is logged. A MLflow without this helper is left to build it itself.
    The modules ``log_model`` imports are imported here as well.
    """
    import mlflow.pyfunc  # noqa: F401 - imported on the first log_model otherwise (about 0.1 s)
    import mlflow.tensorflow  # noqa: F401

    try:
        from mlflow.utils.requirements_utils import _init_modules_to_packages_map
    except ImportError:
        return
    _init_modules_to_packages_map()


def _requirements() -> list[str]:
    # Given, MLflow skips inferring them by reloading the model in a subprocess (6 s of 6.5).
    import keras
    import tensorflow as tf

    return [f"tensorflow=={tf.__version__}", f"keras=={keras.__version__}"]


def _plain(example: Any) -> Any:
    """Strings as Python objects: NumPy's fixed-width ``<U`` arrays are not an MLflow type."""
    import numpy as np

    def fix(array: np.ndarray) -> np.ndarray:
        return array.astype(object) if array.dtype.kind in "US" else array

    if isinstance(example, dict):
        return {k: fix(np.asarray(v)) for k, v in example.items()}
    return fix(np.asarray(example))


def _predict(model: Any, example: Any):
    import numpy as np
    import tensorflow as tf

    if isinstance(example, dict):
        tensors = {k: tf.constant(v.astype(str) if v.dtype == object else v) for k, v in example.items()}
    else:
        tensors = tf.constant(example.astype(str) if example.dtype == object else example)
    outputs = model(tensors, training=False)
    if isinstance(outputs, dict):
        return {k: np.asarray(v) for k, v in outputs.items()}
    return np.asarray(outputs)
