"""Every task in the catalog: the head its models end with and the outputs its export serves."""

import keras
import numpy as np
import pytest

from automl.export.serving import serving_function
from automl.plugins.tasks import TASKS

# What exports have always served, by task (users' code reads these keys).
SERVED = {"multiclass": {"probabilities", "class_id", "label"}, "binary": {"probability", "class_id", "label"},
          "multilabel": {"probabilities"}, "regression": {"prediction"}, "reconstruction": {"reconstruction"}}


@pytest.mark.parametrize("task", TASKS.names())
def test_every_task_serves_its_named_outputs(task):
    entry = TASKS.get(task)
    width = 1 if task == "binary" else 3
    inputs = keras.Input((4,), name="features")
    model = keras.Model(inputs, keras.layers.Dense(width, activation=entry.activation, name=entry.output)(inputs))
    serve, _ = serving_function(model, task, [])
    out = {k: v.numpy() for k, v in serve(np.zeros((2, 4), "float32")).items()}
    assert entry.serving_output in out and ("label" in out) == entry.labels
    if task in SERVED:
        assert set(out) == SERVED[task]
    if entry.labels:
        assert out["label"].shape == (2,) and out["class_id"].dtype == np.int32
