"""`automl predict` on graph files, without a model: the serving inputs read from a .npz of graphs, a folder of
graph files or a node table, for a graph-level and a node-level signature."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import tensorflow as tf

from automl.app.graph_inputs import GRAPHS_PER_CALL, is_graph_model, read_graph_batches
from automl.app.predict import check_paths
from automl.errors import DataError


def signature(width: int, level: str) -> dict[str, tf.TensorSpec]:
    """The serving signature of a graph model (a node-level one has no node_index: it predicts every node)."""
    specs = {"node_features": tf.TensorSpec([None, width], tf.float32, name="node_features"),
             "edge_index": tf.TensorSpec([None, 2], tf.int32, name="edge_index"),
             "edge_weight": tf.TensorSpec([None], tf.float32, name="edge_weight")}
    if level == "graph":
        specs["graph_ids"] = tf.TensorSpec([None], tf.int32, name="graph_ids")
    return specs


def rings(path, count: int, weights: bool = False):
    """``count`` rings of 3 nodes, one feature each; no graph_labels (prediction needs none)."""
    local = np.array([[0, 1], [1, 2], [2, 0]])
    edges = np.concatenate([local + 3 * g for g in range(count)])
    arrays = {"node_features": np.arange(3 * count, dtype="float64").reshape(-1, 1), "edge_index": edges,
              "graph_ids": np.repeat(np.arange(count), 3)}
    if weights:
        arrays["edge_weight"] = np.full(len(edges), 0.5)
    np.savez(path, **arrays)
    return path


def test_a_graph_model_is_one_taking_edge_index():
    assert is_graph_model(signature(1, "graph")) and not is_graph_model({"x": tf.TensorSpec([None, 3])})


def test_npz_of_graphs_in_chunks_each_numbered_from_zero(tmp_path):
    count = GRAPHS_PER_CALL + 44
    names, batches = read_graph_batches(rings(tmp_path / "g.npz", count), signature(1, "graph"))
    assert names == [str(g) for g in range(count)] and len(batches) == 2
    first, second = batches
    assert set(first) == {"node_features", "edge_index", "edge_weight", "graph_ids"}
    assert first["edge_index"].dtype == np.int32 and first["graph_ids"].dtype == np.int32
    assert first["node_features"].dtype == np.float32 and np.all(first["edge_weight"] == 1)  # none in the file
    assert first["graph_ids"].max() == GRAPHS_PER_CALL - 1 and second["graph_ids"].tolist() == np.repeat(
        np.arange(44), 3).tolist()
    assert second["edge_index"].min() == 0 and second["edge_index"].max() == 3 * 44 - 1
    assert second["node_features"][0, 0] == 3 * GRAPHS_PER_CALL  # the chunk's first graph is graph 256


def test_npz_edge_weights_are_read(tmp_path):
    _, (batch,) = read_graph_batches(rings(tmp_path / "g.npz", 2, weights=True), signature(1, "graph"))
    assert batch["edge_weight"].tolist() == [0.5] * 6


def test_node_table_for_a_node_model_predicts_every_node(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,a,b,label\nx,1,10,red\ny,2,20,\nz,3,30,blue\n")
    (tmp_path / "edges.csv").write_text("source,target\nx,y\ny,z\n")
    names, (batch,) = read_graph_batches(tmp_path / "nodes.csv", signature(2, "node"))
    assert names == ["x", "y", "z"] and set(batch) == {"node_features", "edge_index", "edge_weight"}
    assert batch["node_features"].tolist() == [[1, 10], [2, 20], [3, 30]]  # the label is not a feature
    assert len(batch["edge_index"]) == 4  # undirected, as training reads it by default


def test_node_table_without_labels_with_its_edges_named_and_a_node_index_input(tmp_path):
    (tmp_path / "people.csv").write_text("id,a\n7,1\n8,2\n")
    (tmp_path / "links.csv").write_text("source,target,weight\n7,8,3\n")
    specs = {**signature(1, "node"), "node_index": tf.TensorSpec([None], tf.int32, name="node_index")}
    names, (batch,) = read_graph_batches(tmp_path / "people.csv", specs, edges=tmp_path / "links.csv")
    assert names == ["7", "8"] and batch["node_index"].tolist() == [0, 1]  # a .keras model asks which nodes
    assert batch["edge_weight"].tolist() == [3, 3]


def test_graph_folder_without_a_labels_table(tmp_path):
    root = tmp_path / "graphs"
    root.mkdir()
    nx.write_gml(nx.path_graph(4), root / "p4.gml")
    nx.write_edgelist(nx.cycle_graph(3), root / "c3.edgelist")
    names, (batch,) = read_graph_batches(root, signature(1, "graph"))
    assert names == ["c3", "p4"] and batch["graph_ids"].tolist() == [0, 0, 0, 1, 1, 1, 1]
    assert np.all(batch["node_features"] == 1)  # no node attributes: the one constant feature


@pytest.mark.parametrize("make, edges, words", [
    (lambda p: rings(p / "g.npz", 2), None, "g.npz: expected 3 node features for input 'node_features' "
                                            "(the model's), received 1 (feature_0)"),
    (lambda p: rings(p / "g.npz", 2), "e.csv", "--edges: expected only with a node table"),
    (lambda p: p / "nodes.txt", None, "--input: expected a .npz of graphs, a folder of graph files, or a node table"),
])
def test_bad_graph_inputs_are_one_line(tmp_path, make, edges, words):
    path = make(tmp_path)
    with pytest.raises(DataError) as err:
        read_graph_batches(path, signature(3, "graph"), None if edges is None else tmp_path / edges)
    assert words in str(err.value) and "\n" not in str(err.value), str(err.value)


def test_a_missing_edge_table_fails_before_tensorflow_would_load(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,a\n1,2\n")
    with pytest.raises(DataError, match="--edges: expected an existing edge table"):
        check_paths(str(tmp_path), str(tmp_path / "nodes.csv"), str(tmp_path / "gone.csv"))
