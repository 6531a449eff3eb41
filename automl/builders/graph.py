"""Message passing on plain Keras 3: graph convolutions, readouts, and the nodes a node task predicts.

Every layer works on a disjoint union of graphs, the way the input pipeline
batches them (`automl.data.graphs`): node states ``[nodes, d]``, an edge index
``[edges, 2]`` of (source, target) rows and edge weights ``[edges]``. A message
flows from source to target and is gathered with `keras.ops.segment_sum` or
`keras.ops.segment_max` over the target, so nothing is padded and nothing
crosses from one graph to another.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from automl.builders.blocks import activation, dropout, normalize, weights

CONVOLUTIONS = ("gcn", "sage", "gat", "gin")
AGGREGATIONS = ("mean", "sum", "max")
READOUTS = ("mean", "sum", "max", "attention")
_EPSILON = 1e-9


def aggregate(messages: Any, weights_: Any, targets: Any, nodes: Any, how: str) -> Any:
    """Each target node's messages, combined by ``how`` (weighted by the edge weights); zero where none arrive.

    Args:
        messages: ``[edges, d]``, one per edge.
        weights_: ``[edges]`` edge weights.
        targets: ``[edges]`` the node each message goes to.
        nodes: The number of nodes (a scalar tensor).
        how: ``sum``, ``mean`` (weighted by the weights' sum) or ``max``.
    """
    weighted = messages * ops.expand_dims(weights_, -1)
    if how == "max":
        found = ops.segment_max(weighted, targets, num_segments=nodes)
        arrived = ops.segment_sum(ops.ones_like(weights_), targets, num_segments=nodes)
        return ops.where(ops.expand_dims(arrived > 0, -1), found, ops.zeros_like(found))
    total = ops.segment_sum(weighted, targets, num_segments=nodes)
    if how == "sum":
        return total
    mass = ops.segment_sum(weights_, targets, num_segments=nodes)
    return total / ops.expand_dims(ops.maximum(mass, _EPSILON), -1)


def segment_softmax(scores: Any, segments: Any, count: Any) -> Any:
    """Softmax of ``scores`` ``[items, heads]`` within each segment (stable: the segment's maximum comes off first)."""
    top = ops.segment_max(scores, segments, num_segments=count)
    exp = ops.exp(scores - ops.take(top, segments, axis=0))
    return exp / (ops.take(ops.segment_sum(exp, segments, num_segments=count), segments, axis=0) + _EPSILON)


@keras.saving.register_keras_serializable(package="automl")
class GraphConv(keras.layers.Layer):
    """One graph convolution: ``gcn``, ``sage``, ``gat`` or ``gin``.

    - ``gcn`` (Kipf and Welling, 2017): the symmetric-normalized weighted sum over the
      neighbours and the node itself; ``aggregation`` does not apply.
    - ``sage`` (Hamilton et al., 2017): the node's own transform plus a transform of its
      neighbours' ``aggregation``.
    - ``gat`` (Velickovic et al., 2018): ``heads`` attention heads over the neighbours and
      the node itself, concatenated (``units // heads`` each); ``aggregation`` does not apply.
    - ``gin`` (Xu et al., 2019): a two-layer perceptron of ``(1 + eps)`` times the node plus
      its neighbours' ``aggregation`` (``sum`` in the paper), ``eps`` learned.

    Called on ``[states, edge_index, edge_weight]``; returns ``[nodes, units]``.
    """

    def __init__(self, units: int, conv: str = "gcn", aggregation: str = "sum", heads: int = 1,
                 kernel_initializer: Any = "glorot_uniform", kernel_regularizer: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if conv not in CONVOLUTIONS:
            raise ValueError(f"conv: expected one of {', '.join(CONVOLUTIONS)}, received {conv!r}")
        if aggregation not in AGGREGATIONS:
            raise ValueError(f"aggregation: expected one of {', '.join(AGGREGATIONS)}, received {aggregation!r}")
        self.units, self.conv, self.aggregation = int(units), conv, aggregation
        self.heads = max(1, min(int(heads), self.units)) if conv == "gat" else 1
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

    def _kernel(self, name: str, shape: tuple) -> Any:
        return self.add_weight(name=name, shape=shape, initializer=self.kernel_initializer,
                               regularizer=self.kernel_regularizer)

    def build(self, input_shape: Any) -> None:
        width = int(input_shape[0][-1])
        units = self.units
        if self.conv == "gat":
            self.per_head = max(1, units // self.heads)
            units = self.per_head * self.heads
            self.attend_source = self._kernel("attend_source", (self.heads, self.per_head))
            self.attend_target = self._kernel("attend_target", (self.heads, self.per_head))
        if self.conv == "gin":
            self.eps = self.add_weight(name="eps", shape=(), initializer="zeros")
            self.inner = self._kernel("inner", (width, units))
            self.inner_bias = self.add_weight(name="inner_bias", shape=(units,), initializer="zeros")
            width = units
        if self.conv == "sage":
            self.neighbours = self._kernel("neighbours", (width, units))
        self.kernel = self._kernel("kernel", (width, units))
        self.bias = self.add_weight(name="bias", shape=(units,), initializer="zeros")
        self.out_units = units

    def call(self, inputs: Any) -> Any:
        states, edges, edge_weight = inputs
        nodes = ops.shape(states)[0]
        sources, targets = edges[:, 0], edges[:, 1]
        edge_weight = ops.cast(edge_weight, states.dtype)
        return getattr(self, f"_{self.conv}")(states, sources, targets, edge_weight, nodes) + self.bias

    def _gcn(self, states, sources, targets, edge_weight, nodes):
        z = ops.matmul(states, self.kernel)
        degree = 1.0 + ops.segment_sum(edge_weight, targets, num_segments=nodes)  # the self loop counts once
        scale = ops.rsqrt(degree)
        norm = edge_weight * ops.take(scale, sources, axis=0) * ops.take(scale, targets, axis=0)
        gathered = ops.segment_sum(ops.take(z, sources, axis=0) * ops.expand_dims(norm, -1), targets,
                                   num_segments=nodes)
        return gathered + z / ops.expand_dims(degree, -1)

    def _sage(self, states, sources, targets, edge_weight, nodes):
        neighbours = aggregate(ops.take(states, sources, axis=0), edge_weight, targets, nodes, self.aggregation)
        return ops.matmul(states, self.kernel) + ops.matmul(neighbours, self.neighbours)

    def _gin(self, states, sources, targets, edge_weight, nodes):
        neighbours = aggregate(ops.take(states, sources, axis=0), edge_weight, targets, nodes, self.aggregation)
        hidden = ops.relu(ops.matmul((1.0 + self.eps) * states + neighbours, self.inner) + self.inner_bias)
        return ops.matmul(hidden, self.kernel)

    def _gat(self, states, sources, targets, edge_weight, nodes):
        z = ops.reshape(ops.matmul(states, self.kernel), (-1, self.heads, self.per_head))
        own = ops.sum(z * self.attend_source, axis=-1)  # [nodes, heads]
        other = ops.sum(z * self.attend_target, axis=-1)
        # Every node also attends to itself: its self loop is one more "edge" of weight one.
        loops = ops.arange(nodes, dtype=sources.dtype)
        sources, targets = ops.concatenate([sources, loops]), ops.concatenate([targets, loops])
        edge_weight = ops.concatenate([edge_weight, ops.ones((nodes,), dtype=edge_weight.dtype)])
        scores = ops.leaky_relu(ops.take(own, sources, axis=0) + ops.take(other, targets, axis=0), 0.2)
        alpha = segment_softmax(scores, targets, nodes) * ops.expand_dims(edge_weight, -1)
        messages = ops.take(z, sources, axis=0) * ops.expand_dims(alpha, -1)
        return ops.reshape(ops.segment_sum(messages, targets, num_segments=nodes), (-1, self.out_units))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        units = self.units if self.conv != "gat" else max(1, self.units // self.heads) * self.heads
        return (input_shape[0][0], units)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "conv": self.conv, "aggregation": self.aggregation,
                "heads": self.heads, "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer)}


@keras.saving.register_keras_serializable(package="automl")
class GraphReadout(keras.layers.Layer):
    """One vector per graph from its nodes' states: ``mean``, ``sum``, ``max`` or ``attention``.

    ``attention`` is a learned gate: a softmax over each graph's nodes of a linear score
    (Li et al., 2016), then the weighted sum. Called on ``[states, graph_ids]``; the number
    of graphs is the largest id plus one (the input pipeline numbers them from 0).
    """

    def __init__(self, how: str = "mean", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if how not in READOUTS:
            raise ValueError(f"readout: expected one of {', '.join(READOUTS)}, received {how!r}")
        self.how = how

    def build(self, input_shape: Any) -> None:
        if self.how == "attention":
            self.gate = self.add_weight(name="gate", shape=(int(input_shape[0][-1]), 1),
                                        initializer="glorot_uniform")

    def call(self, inputs: Any) -> Any:
        states, graph_ids = inputs
        count = ops.max(graph_ids) + 1
        if self.how == "max":
            return ops.segment_max(states, graph_ids, num_segments=count)  # every graph has a node
        if self.how == "attention":
            states = states * segment_softmax(ops.matmul(states, self.gate), graph_ids, count)
        total = ops.segment_sum(states, graph_ids, num_segments=count)
        if self.how == "mean":
            sizes = ops.segment_sum(ops.ones_like(graph_ids, dtype=states.dtype), graph_ids, num_segments=count)
            total = total / ops.expand_dims(ops.maximum(sizes, 1.0), -1)
        return total

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (None, input_shape[0][-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "how": self.how}


@keras.saving.register_keras_serializable(package="automl")
class GatherNodes(keras.layers.Layer):
    """The states of the nodes a node task predicts: called on ``[states, node_index]``."""

    def call(self, inputs: Any) -> Any:
        states, index = inputs
        return ops.take(states, index, axis=0)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (input_shape[1][0], input_shape[0][-1])


def graph_output(states: Any, graph: dict, readout: str = "mean") -> Any:
    """What the task's head sees: the states of the nodes asked for, or one readout per graph."""
    if "node_index" in graph:
        return GatherNodes()([states, graph["node_index"]])
    return GraphReadout(readout)([states, graph["graph_ids"]])


def conv_unit(states: Any, graph: dict, units: int, v: dict) -> Any:
    """Convolution -> (norm) -> activation -> (residual) -> (dropout), as the trial's values say."""
    out = GraphConv(units, v["conv"], v.get("aggregation", "sum"), v.get("heads", 1),
                    **weights(v))([states, graph["edges"], graph["weights"]])
    out = activation(normalize(out, v), v["activation"])
    if v.get("residual"):
        width = out.shape[-1]
        skip = states if states.shape[-1] == width else keras.layers.Dense(width, use_bias=False)(states)
        out = keras.layers.Add()([out, skip])
    return dropout(out, v["dropout"])
