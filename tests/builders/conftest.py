"""Small synthetic inputs of every kind, for building and one-step training."""

import numpy as np
import pytest

from automl.builders import InputSpec

TEXTS = np.array(["the cat sat on the mat", "a dog ran far away", "cats and dogs play",
                  "stock prices fell today", "markets rose on good news", "rain is expected"] * 4,
                 dtype=object)
SHAPES = {"tabular": (6,), "image": (8, 8, 1), "sequence": (10, 3), "text": (), "audio": (2000,)}
OUTPUTS = {"multiclass": 3, "binary": 1, "multilabel": 4, "regression": 1, "reconstruction": 1, "generation": 3}


def make_spec(kind: str, task: str = "multiclass") -> InputSpec:
    """An InputSpec of one input kind and task, with unit statistics."""
    if kind == "text":
        return InputSpec((), "text", task, OUTPUTS[task], n_train=len(TEXTS), texts=TEXTS)
    if kind == "audio":  # 0.25 s at 8 kHz -> a 26 x 16 log-mel image
        return InputSpec((2000,), "audio", task, OUTPUTS[task], np.zeros(1, "float32"), np.ones(1, "float32"),
                         n_train=24, sampling_rate=8000, num_mel_bins=16, image_shape=(26, 16, 1))
    if kind == "graph":  # a node task on one graph; a regression on many small graphs
        return InputSpec((5,), "graph", task, OUTPUTS[task], np.zeros(5, "float32"), np.ones(5, "float32"),
                         n_train=24, graph_level="graph" if task == "regression" else "node")
    channels = SHAPES[kind][-1]
    return InputSpec(SHAPES[kind], kind, task, OUTPUTS[task], np.zeros(channels, "float32"),
                     np.ones(channels, "float32"), n_train=24)


def make_batch(spec: InputSpec, n: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets that fit the spec's kind and task."""
    rng = np.random.default_rng(seed)
    if spec.kind == "graph":
        x = graph_examples(spec, n, rng).inputs()
        return x, _targets(spec, n, rng, x)
    x = TEXTS[:n] if spec.kind == "text" else rng.normal(size=(n, *spec.shape)).astype("float32")
    return x, _targets(spec, n, rng, x)


def _targets(spec: InputSpec, n: int, rng: np.random.Generator, x) -> np.ndarray:
    targets = {
        "multiclass": lambda: rng.integers(0, spec.num_outputs, n),
        "binary": lambda: rng.integers(0, 2, n),
        "multilabel": lambda: rng.integers(0, 2, (n, spec.num_outputs)).astype("float32"),
        "regression": lambda: rng.normal(size=n).astype("float32"),
        "reconstruction": lambda: x,
        "generation": lambda: rng.integers(0, spec.num_outputs, n),  # class ids, for conditional models
    }
    return targets[spec.task]()


def graph_examples(spec: InputSpec, n: int, rng: np.random.Generator):
    """``n`` examples of a graph spec: nodes of one random graph, or ``n`` random small graphs."""
    from automl.data.graphs import GraphExamples, Graphs

    def one(nodes: int) -> tuple:
        return rng.normal(size=(nodes, spec.shape[0])), rng.integers(0, nodes, (2 * nodes, 2)), rng.random(2 * nodes)

    if spec.graph_level == "node":
        return GraphExamples(Graphs.from_parts([one(n)], "test graph"), "node", np.arange(n))
    graphs = Graphs.from_parts([one(int(rng.integers(2, 7))) for _ in range(n)], "test graphs")
    return GraphExamples(graphs, "graph", np.arange(n))


def fit_batch(model, x, y, epochs: int = 1) -> dict:
    """Trains on one batch of ``x``, which may be a graph batch (named tensors of unequal lengths)."""
    import tensorflow as tf

    if isinstance(x, dict) and "edge_index" in x:
        data = tf.data.Dataset.from_tensors((x, y))
        return model.fit(data, epochs=epochs, verbose=0).history
    return model.fit(x, y, batch_size=8, epochs=epochs, verbose=0).history


@pytest.fixture()
def spec_of():
    return make_spec
