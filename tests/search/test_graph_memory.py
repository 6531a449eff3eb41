"""A trial's traced graphs are freed after it: TensorFlow's custom-gradient registrations are dropped."""

import gc

import keras
import numpy as np
from tensorflow.python.framework.func_graph import FuncGraph

from automl.search.graph_memory import custom_gradient_names, released_graphs
from tests.search.test_controller import controller, make_hp


def fit_once(units: int = 8) -> float:
    """Fits a tiny real model for one epoch; returns its final loss."""
    rng = np.random.default_rng(units)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.integers(0, 2, 64)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model.fit(x, y, epochs=1, batch_size=16, verbose=0).history["loss"][-1]


def live_graphs() -> int:
    gc.collect()
    return sum(isinstance(o, FuncGraph) for o in gc.get_objects())


def test_a_fit_registers_names_that_the_context_drops_and_older_names_stay():
    fit_once()
    keras.backend.clear_session(free_memory=True)
    before = custom_gradient_names()
    fit_once()  # outside: Keras's optimizer step registers and nothing takes it out
    outside = custom_gradient_names()
    assert outside > before
    with released_graphs():
        assert np.isfinite(fit_once(16))
        assert custom_gradient_names() > outside
    assert custom_gradient_names() == outside  # only what was made inside is gone


def test_graphs_of_finished_fits_are_collected_and_training_goes_on():
    keras.backend.clear_session(free_memory=True)
    counts = []
    for units in (8, 16, 32):
        with released_graphs():
            fit_once(units)
        keras.backend.clear_session(free_memory=True)
        counts.append(live_graphs())
    assert counts[2] == counts[1]  # nothing of the second and third fits stays alive
    assert np.isfinite(fit_once(4))  # a new model still traces its gradients after names were dropped
    keras.backend.clear_session(free_memory=True)
    assert live_graphs() > counts[2]  # outside the context, that fit's graphs outlive its model


def test_a_search_leaves_no_registrations_behind(tmp_path, digits):
    before = custom_gradient_names()
    controller(tmp_path, digits, make_hp(), trials=2).search()
    assert custom_gradient_names() == before
