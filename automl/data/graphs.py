"""Graph data: graphs stored flat, examples that are whole graphs or single nodes, and their batches.

A node classification dataset is one graph whose examples are its labelled
nodes; a graph classification or regression dataset is many small graphs
whose examples are the graphs. Both are a `Graphs` (every graph's nodes and
edges stacked, with the offsets where each graph starts) and a `GraphExamples`
(which rows, at which level), which the splits, the fingerprint and the
feeding code take like an array of examples.

The model takes raw graph tensors by name (``node_features``, ``edge_index``,
``edge_weight``, then ``graph_ids`` or ``node_index``): a batch of graphs is
their disjoint union, with no padding: nodes stacked, edge indices offset by
where each graph's nodes start, and ``graph_ids`` saying whose each node is.
A batch of nodes is the whole graph and the ``node_index`` of the nodes to
predict.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from automl.errors import DataError

NODE_FEATURES, EDGE_INDEX, EDGE_WEIGHT = "node_features", "edge_index", "edge_weight"
GRAPH_IDS, NODE_INDEX = "graph_ids", "node_index"
LEVELS = ("node", "graph")


@dataclass(frozen=True, eq=False)
class Graphs:
    """One or more graphs, stored flat.

    Attributes:
        features: ``[nodes, features]`` float32, every graph's nodes one after another.
        edges: ``[edges, 2]`` int64 (source, target) node numbers counted over all graphs,
            grouped by graph; a message flows from source to target.
        weights: ``[edges]`` float32 edge weights (ones for an unweighted graph).
        node_splits: ``[graphs + 1]``: graph ``g`` holds nodes ``node_splits[g]:node_splits[g + 1]``.
        edge_splits: ``[graphs + 1]``: likewise for edges.
    """

    features: np.ndarray
    edges: np.ndarray
    weights: np.ndarray
    node_splits: np.ndarray
    edge_splits: np.ndarray

    @property
    def num_graphs(self) -> int:
        return len(self.node_splits) - 1

    @property
    def num_features(self) -> int:
        return int(self.features.shape[1])

    @classmethod
    def from_parts(cls, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]], where: str) -> "Graphs":
        """Stacks graphs given as ``(features [n, F], edges [e, 2] local node numbers, weights [e] or None)``.

        Args:
            parts: One tuple per graph.
            where: The file (or dataset) the graphs came from, for errors.

        Raises:
            DataError: A graph with no nodes, features of different widths, an edge naming
                a node the graph does not have, or sizes that disagree.
        """
        if not parts:
            raise DataError(f"{where}: expected at least one graph, received none")
        widths = {np.asarray(f).reshape(len(f), -1).shape[1] for f, _, _ in parts if len(f)}
        if len(widths) > 1:
            raise DataError(f"{where}: expected node features of one width, received widths {sorted(widths)}")
        features, edges, weights = [], [], []
        node_splits, edge_splits = [0], [0]
        for g, (f, e, w) in enumerate(parts):
            f = np.asarray(f, dtype="float32")
            f = f.reshape(len(f), -1) if len(f) else f  # an empty graph is check_graph's to refuse
            e = np.asarray(e, dtype="int64").reshape(-1, 2)
            check_graph(f, e, w, f"{where}: graph {g}")
            features.append(f)
            edges.append(e + node_splits[-1])
            weights.append(np.ones(len(e), "float32") if w is None else np.asarray(w, "float32"))
            node_splits.append(node_splits[-1] + len(f))
            edge_splits.append(edge_splits[-1] + len(e))
        return cls(np.concatenate(features), np.concatenate(edges), np.concatenate(weights),
                   np.asarray(node_splits, "int64"), np.asarray(edge_splits, "int64"))

    def union(self, graphs: np.ndarray) -> dict[str, np.ndarray]:
        """The model inputs of these graphs as one disjoint union (``graph_ids`` count from 0 in order)."""
        graphs = np.asarray(graphs, dtype="int64")
        starts, ends = self.node_splits[graphs], self.node_splits[graphs + 1]
        estarts, eends = self.edge_splits[graphs], self.edge_splits[graphs + 1]
        nodes = _ranges(starts, ends)
        edges = _ranges(estarts, eends)
        sizes = ends - starts
        new_starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype("int64")
        shift = np.repeat(new_starts - starts, eends - estarts)  # old global number -> new global number
        return {NODE_FEATURES: self.features[nodes], EDGE_INDEX: (self.edges[edges] + shift[:, None]).astype("int32"),
                EDGE_WEIGHT: self.weights[edges], GRAPH_IDS: np.repeat(np.arange(len(graphs)), sizes).astype("int32")}

    def whole(self) -> dict[str, np.ndarray]:
        """The model inputs of every node and edge (a node-level dataset's one graph)."""
        return {NODE_FEATURES: self.features, EDGE_INDEX: self.edges.astype("int32"), EDGE_WEIGHT: self.weights}

    def local_edges(self) -> np.ndarray:
        """Edges numbered within their own graph (for batching graphs in TensorFlow)."""
        owner = np.repeat(np.arange(self.num_graphs), np.diff(self.edge_splits))
        return (self.edges - self.node_splits[owner][:, None]).astype("int32")

    def update_digest(self, digest: Any) -> None:
        for array in (self.features, self.edges, self.weights, self.node_splits, self.edge_splits):
            digest.update(np.ascontiguousarray(array).tobytes())


def check_graph(features: np.ndarray, edges: np.ndarray, weights: np.ndarray | None, where: str) -> None:
    """Refuses, in one line, a graph with no nodes, an edge naming a missing node, or sizes that disagree."""
    if len(features) == 0:
        raise DataError(f"{where}: expected a graph with at least one node, received one with no nodes")
    if not np.isfinite(features).all():
        raise DataError(f"{where}: expected finite node features, received NaN or infinite values")
    if len(edges) and (edges.min() < 0 or edges.max() >= len(features)):
        bad = edges[(edges < 0) | (edges >= len(features))][0]
        raise DataError(f"{where}: expected edges between its {len(features)} nodes (0 to {len(features) - 1}), "
                        f"received an edge naming node {int(bad)}")
    if weights is not None and len(weights) != len(edges):
        raise DataError(f"{where}: expected one edge weight per edge ({len(edges)}), received {len(weights)}")
    if weights is not None and not np.isfinite(np.asarray(weights, "float64")).all():
        raise DataError(f"{where}: expected finite edge weights, received NaN or infinite values")


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The concatenation of ``range(s, e)`` for each pair, without a Python loop."""
    lengths = ends - starts
    if lengths.sum() == 0:
        return np.zeros(0, "int64")
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(lengths.sum()) + offsets


@dataclass(frozen=True, eq=False)
class GraphExamples:
    """The examples of a graph dataset: graphs (``level="graph"``) or nodes of one graph (``"node"``).

    Behaves as an array of examples where the search needs one: ``len``, indexing with
    row numbers (splits), ``shape`` (examples, node features).
    """

    graphs: Graphs
    level: str
    rows: np.ndarray

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level: expected one of {LEVELS}, received {self.level!r}")

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: Any) -> "GraphExamples":
        return replace(self, rows=np.atleast_1d(self.rows[index]))

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.rows), self.graphs.num_features)

    def training_nodes(self) -> np.ndarray:
        """The node features these examples train on (for the input's statistics)."""
        if self.level == "node":
            return self.graphs.features  # the whole graph is seen, labelled or not
        return self.graphs.union(self.rows)[NODE_FEATURES]

    def inputs(self) -> dict[str, np.ndarray]:
        """The model inputs for all these examples as one batch."""
        if self.level == "graph":
            return self.graphs.union(self.rows)
        return {**self.graphs.whole(), NODE_INDEX: self.rows.astype("int32")}

    def digest(self) -> bytes:
        digest = hashlib.sha256(self.level.encode())
        self.graphs.update_digest(digest)
        digest.update(np.ascontiguousarray(self.rows).tobytes())
        return digest.digest()


def reading_facts(level: str, features: list[str], source: str, table: dict | None = None) -> dict[str, Any]:
    """How a graph dataset was read, for ``RawData.extras["graph"]``: the model card keeps it and
    `automl predict` reads new files the same way.

    Args:
        level: ``"node"`` (the examples are one graph's nodes) or ``"graph"``.
        features: The node feature names, in the column order the model takes them (empty: the
            nodes had none and the model takes one constant feature).
        source: The source that read the data.
        table: A node table's columns as read (``id``, ``target``, ``edge_source``, ``edge_target``,
            ``weight`` (None: none, edge weights are ones), ``directed``); None for other sources.

    Returns:
        A small JSON-able dict.
    """
    if level not in LEVELS:
        raise ValueError(f"level: expected one of {LEVELS}, received {level!r}")
    facts: dict[str, Any] = {"level": level, "source": source, "features": [str(f) for f in features]}
    if table is not None:
        facts["table"] = dict(table)
    return facts


def model_inputs(x: Any) -> Any:
    """What a model takes for ``x``: a graph batch's named tensors, or ``x`` itself."""
    return x.inputs() if isinstance(x, GraphExamples) else x


def graph_dataset(x: GraphExamples, y: np.ndarray | None, batch_size: int, shuffle: bool = False, seed: int = 0,
                  cache: bool = True, prefetch: bool = True) -> Any:
    """A `tf.data.Dataset` of graph batches: disjoint unions of graphs, or the graph with a batch of nodes."""
    import tensorflow as tf

    rows = x.rows.astype("int32" if x.level == "node" else "int64")
    if x.level == "node":
        whole = {k: tf.constant(v) for k, v in x.graphs.whole().items()}
        data = tf.data.Dataset.from_tensor_slices(rows if y is None else (rows, y))
        data = data.cache() if cache else data
        data = data.shuffle(len(rows), seed=seed, reshuffle_each_iteration=True) if shuffle else data
        data = data.batch(batch_size)
        attach = lambda index: {**whole, NODE_INDEX: index}  # noqa: E731
        data = data.map(attach if y is None else (lambda index, t: (attach(index), t)))
        return data.prefetch(tf.data.AUTOTUNE) if prefetch else data
    g = x.graphs
    ragged = lambda values, splits: tf.gather(tf.RaggedTensor.from_row_splits(values, splits), rows)  # noqa: E731
    parts = (ragged(g.features, g.node_splits), ragged(g.local_edges(), g.edge_splits),
             ragged(g.weights, g.edge_splits))
    data = tf.data.Dataset.from_tensor_slices(parts if y is None else (parts, y))
    data = data.cache() if cache else data
    data = data.shuffle(len(rows), seed=seed, reshuffle_each_iteration=True) if shuffle else data
    data = data.ragged_batch(batch_size)
    data = data.map(_union if y is None else (lambda p, t: (_union(p), t)))
    return data.prefetch(tf.data.AUTOTUNE) if prefetch else data


def _union(parts: tuple) -> dict[str, Any]:
    """A ragged batch of graphs as their disjoint union (TensorFlow ops, inside the input pipeline)."""
    import tensorflow as tf

    features, edges, weights = parts
    starts = tf.cast(features.row_starts(), tf.int32)
    shift = tf.repeat(starts, tf.cast(edges.row_lengths(), tf.int32))
    return {NODE_FEATURES: features.values, EDGE_INDEX: edges.values + shift[:, None], EDGE_WEIGHT: weights.values,
            GRAPH_IDS: tf.cast(features.value_rowids(), tf.int32)}
