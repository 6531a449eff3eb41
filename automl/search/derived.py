"""Objectives measured on a trained model rather than read from its history.

Each is registered by the name a space's ``search.objective`` list uses
(`automl.plugins.tasks.DERIVED`); lower is better for all of them.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

import numpy as np

from automl.data.graphs import model_inputs
from automl.data.splits import take
from automl.registry import Registry

Measure = Callable[[Any, Any], float]  # (model, one raw example) -> value
DERIVED: Registry[Measure] = Registry("search.objective")

WARM_CALLS, TIMED_CALLS = 3, 15


@DERIVED.register("parameter_count")
def parameter_count(model: Any, example: Any) -> float:
    """Weights in the model, trainable or not."""
    return float(model.count_params())


@DERIVED.register("latency_ms")
def latency_ms(model: Any, example: Any) -> float:
    """Median milliseconds to predict one example (the compiled predict step, after warm-up)."""
    for _ in range(WARM_CALLS):  # the first call traces the predict function
        model.predict_on_batch(example)
    times = []
    for _ in range(TIMED_CALLS):
        started = time.perf_counter()
        model.predict_on_batch(example)
        times.append(time.perf_counter() - started)
    return 1000.0 * statistics.median(times)


def measure(names: list[str], model: Any, x_val: Any) -> dict[str, float]:
    """The derived objectives ``names`` of ``model``, measured on the first validation example."""
    if not names:
        return {}
    if hasattr(model, "example_inputs"):  # a generative model takes noise, not the data's inputs
        example = model.example_inputs(1)
    else:
        example = model_inputs(take(x_val, np.arange(1)))  # a graph example is a dict of its tensors
    return {name: DERIVED.lookup(name)(model, example) for name in names}
