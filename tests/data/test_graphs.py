"""Graph data in memory: checks, disjoint-union batches, graph examples in a DataBundle, the bundled graphs."""

from __future__ import annotations

import numpy as np
import pytest

from automl.data.bundle import DataBundle
from automl.data.graphs import GraphExamples, Graphs, graph_dataset
from automl.errors import DataError


def parts(seed: int = 0, count: int = 5) -> list:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n = int(rng.integers(1, 6))
        out.append((rng.normal(size=(n, 3)), rng.integers(0, n, (int(rng.integers(0, 8)), 2)), None))
    return out


@pytest.mark.parametrize("broken, message", [
    ([(np.zeros((0, 3)), np.zeros((0, 2)), None)], "where: graph 0: expected a graph with at least one node, "
                                                    "received one with no nodes"),
    ([(np.zeros((2, 3)), np.array([[0, 2]]), None)], "where: graph 0: expected edges between its 2 nodes (0 to 1), "
                                                     "received an edge naming node 2"),
    ([(np.zeros((2, 3)), np.array([[0, 1]]), np.ones(3))], "where: graph 0: expected one edge weight per edge (1), "
                                                           "received 3"),
    ([(np.zeros((2, 3)), np.zeros((0, 2)), None), (np.zeros((2, 4)), np.zeros((0, 2)), None)],
     "where: expected node features of one width, received widths [3, 4]"),
    ([(np.array([[np.nan]]), np.zeros((0, 2)), None)], "where: graph 0: expected finite node features, received NaN"),
])
def test_bad_graphs_are_one_line(broken, message):
    with pytest.raises(DataError) as err:
        Graphs.from_parts(broken, "where")
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_a_union_offsets_each_graphs_edges_by_where_its_nodes_start():
    g = Graphs.from_parts([(np.ones((2, 1)), [[0, 1]], None), (np.ones((3, 1)) * 2, [[2, 0], [1, 2]], [0.5, 2.0])],
                          "t")
    union = g.union(np.array([1, 0]))  # the second graph first
    assert union["graph_ids"].tolist() == [0, 0, 0, 1, 1]
    assert union["edge_index"].tolist() == [[2, 0], [1, 2], [3, 4]]
    assert union["edge_weight"].tolist() == [0.5, 2.0, 1.0]
    assert union["node_features"][:, 0].tolist() == [2, 2, 2, 1, 1]


def test_the_input_pipeline_batches_graphs_as_the_numpy_union_does():
    g = Graphs.from_parts(parts(count=7), "t")
    rows = np.array([6, 0, 3, 2, 5, 1, 4])
    x = GraphExamples(g, "graph", rows)
    batches = list(graph_dataset(x, np.arange(7), batch_size=3).as_numpy_iterator())
    assert [len(y) for _, y in batches] == [3, 3, 1]
    for i, (inputs, y) in enumerate(batches):
        expected = g.union(rows[3 * i:3 * i + 3])
        assert y.tolist() == list(range(3 * i, min(3 * i + 3, 7)))
        for name, array in expected.items():
            np.testing.assert_array_equal(inputs[name], array, err_msg=name)


def test_node_batches_carry_the_whole_graph_and_the_nodes_to_predict():
    g = Graphs.from_parts(parts(count=1), "t")
    n = len(g.features)
    x = GraphExamples(g, "node", np.arange(n))
    batches = list(graph_dataset(x, np.arange(n), batch_size=2, shuffle=True, seed=1).as_numpy_iterator())
    assert sorted(np.concatenate([b[0]["node_index"] for b in batches]).tolist()) == list(range(n))
    for inputs, y in batches:
        assert inputs["node_features"].shape == (n, 3) and y.tolist() == inputs["node_index"].tolist()


def bundle(x: GraphExamples) -> DataBundle:
    y = np.arange(len(x)) % 2
    return DataBundle("t", "binary", "graph", x[np.arange(0, 3)], y[:3], x[np.arange(3, 4)], y[3:4],
                      x[np.arange(4, 5)], y[4:5], class_names=["a", "b"])


def test_graph_examples_split_fingerprint_and_join_like_arrays():
    g = Graphs.from_parts(parts(), "t")
    data = bundle(GraphExamples(g, "graph", np.arange(5)))
    assert data.input_shape == (3,) and data.summary()["train_size"] == 3
    joined = data.with_validation_in_train()
    assert joined.x_train.rows.tolist() == [0, 1, 2, 3] and len(joined.y_train) == 4
    moved = Graphs(g.features, g.edges[::-1].copy(), g.weights, g.node_splits, g.edge_splits)
    assert bundle(GraphExamples(moved, "graph", np.arange(5))).fingerprint() != data.fingerprint()
    assert bundle(GraphExamples(g, "graph", np.arange(5))).fingerprint() == data.fingerprint()
    with pytest.raises(DataError, match="expected numeric array inputs for an autoencoder, received graph"):
        data.as_reconstruction()


def test_the_block_model_features_alone_are_weak_evidence_and_the_neighbours_strong():
    """What the bundled block-model graph promises: a node's features guess its community
    far worse than the average features of its neighbours do."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    from automl.data.graph_bundled import block_model

    raw = block_model()
    g, y = raw.x.graphs, raw.y
    sums = np.zeros_like(g.features)
    np.add.at(sums, g.edges[:, 1], g.features[g.edges[:, 0]])
    neighbours = sums / np.maximum(np.bincount(g.edges[:, 1], minlength=len(y)), 1)[:, None]
    alone = cross_val_score(LogisticRegression(max_iter=500), g.features, y, cv=3).mean()
    around = cross_val_score(LogisticRegression(max_iter=500), neighbours, y, cv=3).mean()
    assert alone < 0.6 and around > alone + 0.2, (alone, around)


def test_the_mixing_classes_share_their_degrees_and_differ_in_wiring():
    import networkx as nx

    from automl.data.graph_bundled import graph_mixing

    raw = graph_mixing(count=60)
    g, y = raw.x.graphs, raw.y
    mean_degree, mixing = [], []
    for i in range(g.num_graphs):
        edges = g.edges[g.edge_splits[i]:g.edge_splits[i + 1]] - g.node_splits[i]
        graph = nx.Graph(edges.tolist())
        mean_degree.append(2 * graph.number_of_edges() / graph.number_of_nodes())
        mixing.append(nx.degree_assortativity_coefficient(graph))
    mean_degree, mixing = np.array(mean_degree), np.nan_to_num(np.array(mixing))
    assert abs(mean_degree[y == 0].mean() - mean_degree[y == 1].mean()) < 0.3
    assert mixing[y == 0].mean() < -0.3 and mixing[y == 1].mean() > mixing[y == 0].mean() + 0.3
