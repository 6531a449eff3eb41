"""Graph input: node features, an edge index and edge weights, and which nodes or graphs to predict.

The model takes the raw graph tensors by name (`automl.data.graphs`): ``node_features``
``[nodes, F]``, normalized inside the model with the training graphs' statistics,
``edge_index`` ``[edges, 2]`` (source, target), ``edge_weight`` ``[edges]``, and either
``graph_ids`` ``[nodes]`` (whose graph each node is, for graph tasks) or ``node_index``
``[targets]`` (the nodes to predict, for node tasks). Families receive them as a dict
with the features under ``nodes``.
"""

from __future__ import annotations

from typing import Any

from automl.plugins.inputs import InputKindPlugin


def make(spec: Any) -> tuple:
    """The graph's named inputs, and ``{nodes, edges, weights, graph_ids | node_index}`` for the family."""
    import keras

    from automl.data.graphs import EDGE_INDEX, EDGE_WEIGHT, GRAPH_IDS, NODE_FEATURES, NODE_INDEX

    target = GRAPH_IDS if spec.graph_level == "graph" else NODE_INDEX
    inputs = {NODE_FEATURES: keras.Input(shape=spec.shape, name=NODE_FEATURES),
              EDGE_INDEX: keras.Input(shape=(2,), dtype="int32", name=EDGE_INDEX),
              EDGE_WEIGHT: keras.Input(shape=(), name=EDGE_WEIGHT),
              target: keras.Input(shape=(), dtype="int32", name=target)}
    nodes = keras.layers.Normalization(axis=-1, mean=spec.mean, variance=spec.variance)(inputs[NODE_FEATURES])
    return inputs, {"nodes": nodes, "edges": inputs[EDGE_INDEX], "weights": inputs[EDGE_WEIGHT],
                    target: inputs[target]}


def statistics(data: Any, outputs: int) -> Any:
    """Per-feature mean and variance over the training side's nodes, and whether nodes or graphs are predicted."""
    import numpy as np

    from automl.builders.base import InputSpec

    nodes = data.x_train.training_nodes().astype("float64")
    mean, variance = nodes.mean(axis=0), nodes.var(axis=0)
    # A constant feature (graphs with no node features get one) passes through as it is: normalized,
    # it would be zero, and a sum of zeros over the neighbours says nothing of the structure.
    constant = variance < 1e-12
    mean, variance = np.where(constant, 0.0, mean), np.where(constant, 1.0, variance)
    return InputSpec(data.input_shape, "graph", data.task, outputs, mean.astype("float32"),
                     variance.astype("float32"), len(data.y_train), graph_level=data.x_train.level)


PLUGIN = InputKindPlugin(name="graph", summary="Graphs: node features and edges; predict nodes or whole graphs",
                         input_name="node_features", make=make, statistics=statistics, order=60)
