"""What is special about the gnn family: messages follow the edges, and a graph's output is its own.

The family contract suite builds, trains and exports gnn like every family; here: every
convolution and readout gives a graph the same output whatever batch it is in and however
its nodes are numbered, a one-layer convolution reads a node's neighbours and nobody else,
the mlp on graphs ignores the edges, a node with no incoming edge stays finite, and the
conditional knobs (aggregation, heads) exist only for the convolutions that use them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from automl.builders import build_model
from automl.data.graphs import GraphExamples, Graphs
from tests.builders.conftest import make_spec
from tests.builders.test_families import defaults

ROOT = Path(__file__).resolve().parents[2]
CONVS = ("gcn", "sage", "gat", "gin")


def graphs(count: int, seed: int = 0, features: int = 5) -> Graphs:
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(count):
        n = int(rng.integers(2, 8))
        parts.append((rng.normal(size=(n, features)), rng.integers(0, n, (2 * n, 2)), rng.random(2 * n) + 0.5))
    return Graphs.from_parts(parts, "test")


def gnn(conv: str, level: str, task: str = "regression", **values):
    spec = make_spec("graph", task)
    spec = type(spec)(**{**spec.__dict__, "graph_level": level})
    return build_model(defaults("gnn", conv=conv, layers=2, aggregation="max", residual=True, **values), spec)


@pytest.mark.parametrize("conv, readout", [("gcn", "mean"), ("sage", "max"), ("gat", "attention"), ("gin", "sum")])
def test_a_graph_gives_the_same_output_alone_in_a_batch_or_with_its_nodes_renumbered(conv, readout):
    model = gnn(conv, "graph", readout=readout, norm="layer")
    g = graphs(6)
    together = np.asarray(model(GraphExamples(g, "graph", np.arange(6)).inputs()))
    alone = np.concatenate([np.asarray(model(GraphExamples(g, "graph", np.array([i])).inputs())) for i in range(6)])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    inputs = GraphExamples(g, "graph", np.array([2])).inputs()
    order = np.random.default_rng(1).permutation(len(inputs["node_features"]))
    renumber = np.argsort(order)  # old node number -> new
    shuffled = {**inputs, "node_features": inputs["node_features"][order],
                "edge_index": renumber[inputs["edge_index"]].astype("int32")}
    np.testing.assert_allclose(np.asarray(model(shuffled)), np.asarray(model(inputs)), atol=1e-5)


@pytest.mark.parametrize("conv", CONVS)
def test_one_layer_reads_a_nodes_neighbours_and_nobody_else(conv):
    spec = make_spec("graph", "regression")
    spec = type(spec)(**{**spec.__dict__, "graph_level": "node"})
    model = build_model(defaults("gnn", conv=conv, layers=1, aggregation="mean"), spec)
    rng = np.random.default_rng(0)
    features = rng.normal(size=(4, 5)).astype("float32")
    inputs = {"node_features": features, "edge_index": np.array([[1, 0], [2, 3]], "int32"),
              "edge_weight": np.ones(2, "float32"), "node_index": np.arange(4, dtype="int32")}
    before = np.asarray(model(inputs))
    changed = features.copy()
    changed[1] += 3.0  # node 1 sends to node 0 only
    after = np.asarray(model({**inputs, "node_features": changed}))
    moved = np.abs(after - before).max(axis=1) > 1e-6
    assert moved.tolist() == [True, True, False, False], moved


def test_the_mlp_on_graphs_ignores_the_edges():
    spec = make_spec("graph", "multiclass")
    model = build_model(defaults("mlp"), spec)
    g = graphs(1)
    inputs = GraphExamples(g, "node", np.arange(g.features.shape[0])).inputs()
    rewired = {**inputs, "edge_index": inputs["edge_index"][:, ::-1].copy(), "edge_weight": inputs["edge_weight"] * 5}
    np.testing.assert_allclose(np.asarray(model(rewired)), np.asarray(model(inputs)), atol=1e-6)


@pytest.mark.parametrize("conv", CONVS)
def test_a_node_no_edge_reaches_stays_finite_under_max_aggregation(conv):
    model = gnn(conv, "node")
    inputs = {"node_features": np.ones((3, 5), "float32"), "edge_index": np.array([[0, 1]], "int32"),
              "edge_weight": np.ones(1, "float32"), "node_index": np.arange(3, dtype="int32")}
    out = np.asarray(model(inputs))
    assert out.shape == (3, 1) and np.isfinite(out).all()


@pytest.mark.parametrize("conv", CONVS)
def test_a_saved_gnn_reloads_with_the_same_outputs(conv, tmp_path):
    import keras

    model = gnn(conv, "graph", readout="attention")
    inputs = GraphExamples(graphs(3), "graph", np.arange(3)).inputs()
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(again(inputs)), np.asarray(model(inputs)), atol=1e-6)


def test_aggregation_and_heads_exist_only_for_the_convolutions_that_use_them():
    from automl.spec import flatten, load_space

    flats = {f.name: f for f in flatten(load_space(str(ROOT / "search_spaces" / "gnn.yaml")))}
    assert flats["aggregation"].conditions == (("conv", ("sage", "gin")),)
    assert flats["heads"].conditions == (("conv", ("gat",)),)
    assert flats["conv"].conditions == ()
    multi = {f.name: f for f in flatten(load_space(str(ROOT / "search_spaces" / "auto_graph.yaml")))}
    assert multi["gnn.aggregation"].conditions == (("family", ("gnn",)), ("gnn.conv", ("sage", "gin")))
