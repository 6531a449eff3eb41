"""Graph file sources: node and edge tables, a .npz of graphs, a folder of graph files (what the contract suite
does not check: ids, unlabelled nodes, edge directions, regrouping, each bad-data message, which source --data picks).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from automl.data import load_dataset
from automl.errors import DataError
from automl.plugins.sources import SOURCES
from automl.spec import card_for_path, load_card


def raw(tmp_path, source: str, **options):
    """What a source's loader returns for a card of these options (no splits: small files stay small)."""
    card = tmp_path / "card.yaml"
    card.write_text(yaml.safe_dump({"name": "g", "source": source, "options": options}))
    return SOURCES.get(source).loader()(load_card(str(card)))


def tables(tmp_path, nodes: str, edges: str, names=("nodes.csv", "edges.csv")):
    for name, text in zip(names, (nodes, edges)):
        (tmp_path / name).write_text(text)
    return tmp_path / names[0]


NODES = "id,x,label,note\na,1.0,red,hi\nb,2.0,,hi\nc,3.0,blue,hi\nd,4.0,red,hi\ne,5.0,,hi\n"
EDGES = "source,target\na,b\nb,c\nc,c\nb,a\nd,e\n"


# --- node and edge tables -------------------------------------------------------------------------

def test_string_ids_and_unlabelled_nodes_kept_in_the_graph_but_not_examples(tmp_path):
    tables(tmp_path, NODES, EDGES)
    data = raw(tmp_path, "graph_tables", path="nodes.csv")
    x = data.x
    assert (x.level, x.graphs.num_graphs, len(x.graphs.features)) == ("node", 1, 5)  # b and e are in the graph
    assert x.rows.tolist() == [0, 2, 3] and data.class_names == ["blue", "red"] and data.y.tolist() == [1, 0, 1]
    assert x.graphs.features[:, 0].tolist() == [1, 2, 3, 4, 5]  # the text column 'note' is not a feature
    assert {tuple(e) for e in x.graphs.edges.tolist()} >= {(0, 1), (1, 2), (3, 4)}


def test_directed_keeps_edges_as_listed_undirected_adds_each_reverse_once(tmp_path):
    tables(tmp_path, NODES, EDGES)
    directed = raw(tmp_path, "graph_tables", path="nodes.csv", directed=True).x.graphs
    undirected = raw(tmp_path, "graph_tables", path="nodes.csv").x.graphs
    assert len(directed.edges) == 5  # as the file lists them, a->b and b->a included
    # a-b (listed both ways: once each way), b-c both ways, the loop c-c once, d-e both ways
    assert len(undirected.edges) == 7 and {(3, 4), (4, 3), (2, 2)} <= {tuple(e) for e in undirected.edges.tolist()}
    assert np.all(undirected.weights == 1)


def test_integer_ids_weights_and_parquet(tmp_path):
    pd.DataFrame({"node": [10, 20, 30], "f1": [0.5, 1.5, 2.5], "f2": [1, 2, 3], "y": [0.1, 0.2, 0.3]}).to_parquet(
        tmp_path / "cora_nodes.parquet")
    pd.DataFrame({"u": [10, 20], "v": [20, 30], "w": [2.0, 3.0]}).to_parquet(tmp_path / "cora_edges.parquet")
    data = raw(tmp_path, "graph_tables", path="cora_nodes.parquet", id="node", target="y", edge_source="u",
               edge_target="v", weight="w", directed=True)
    assert data.task == "regression" and data.x.graphs.features.shape == (3, 2)
    assert data.x.graphs.edges.tolist() == [[0, 1], [1, 2]] and data.x.graphs.weights.tolist() == [2.0, 3.0]


def test_integer_labels_with_gaps_are_classes_not_floats(tmp_path):
    tables(tmp_path, "id,x,label\n1,0.1,0\n2,0.2,\n3,0.3,1\n", "source,target,weight\n1,2,0.5\n2,3,2\n")
    data = raw(tmp_path, "graph_tables", path="nodes.csv")
    assert data.class_names == ["0", "1"] and data.x.graphs.weights.tolist() == [0.5, 2.0, 0.5, 2.0]


def bad_tables(tmp_path, node_text: str, edge_text: str, **options):
    tables(tmp_path, node_text, edge_text)
    return lambda: raw(tmp_path, "graph_tables", **{"path": "nodes.csv", **options})


@pytest.mark.parametrize("nodes, edges, options, file, words", [
    (NODES, EDGES + "d,zz\n", {}, "edges.csv", "row 6: column 'target': expected the id of a node in the node table, "
                                               "received 'zz'"),
    (NODES, EDGES, {"target": "club"}, "nodes.csv", "column 'club': expected a column of the file (id, x, label"),
    (NODES, EDGES, {"id": "name"}, "nodes.csv", "column 'name': expected a column of the file (id, x, label, note)"),
    (NODES + "a,6.0,red,hi\n", EDGES, {}, "nodes.csv", "column 'id': expected one row per node, received id 'a'"),
    ("id,x,label\na,1,red\nb,,blue\n", "source,target\na,b\n", {}, "nodes.csv",
     "row 2: column 'x': expected a value, received an empty cell"),
    (NODES, "source,target\na,\n", {}, "edges.csv", "row 1: column 'target': expected a value, received an empty cell"),
    (NODES, "from,to\na,b\n", {}, "edges.csv", "column 'source': expected a column of the file (from, to)"),
    (NODES, "source,target,weight\na,b,heavy\n", {}, "edges.csv", "row 1: column 'weight': expected a finite number"),
    ("id,x,label\na,1,\nb,2,\n", "source,target\na,b\n", {}, "nodes.csv",
     "column 'label': expected at least one labelled node, received none"),
    (NODES, EDGES, {"edges": "/dev/zero"}, "/dev/zero", "expected a path to a csv or parquet table"),
    (NODES, EDGES, {"edges": "gone.csv"}, "gone.csv", "expected an existing csv or parquet table"),
])
def test_bad_tables_are_one_line_naming_the_file(tmp_path, nodes, edges, options, file, words):
    with pytest.raises(DataError) as err:
        bad_tables(tmp_path, nodes, edges, **options)()
    message = str(err.value)
    assert "\n" not in message and words in message and file in message and "expected" in message, message


def test_no_edge_table_beside_is_one_line(tmp_path):
    (tmp_path / "nodes.csv").write_text(NODES)
    with pytest.raises(DataError, match=r"nodes.csv: expected an edge table beside it .* received none"):
        raw(tmp_path, "graph_tables", path="nodes.csv")


# --- a .npz of graphs ---------------------------------------------------------------------------------

def interleaved(tmp_path, name="graphs.npz", **changes):
    """Two graphs whose nodes alternate in the file: graph 0 is nodes 0, 2, 4 and graph 1 is nodes 1, 3."""
    arrays = {"node_features": np.arange(5, dtype="float32").reshape(5, 1), "graph_ids": np.array([0, 1, 0, 1, 0]),
              "edge_index": np.array([[0, 2], [3, 1], [2, 4]]), "edge_weight": np.array([1.0, 2.0, 3.0]),
              "graph_labels": np.array(["ring", "star"])}
    arrays.update(changes)
    np.savez(tmp_path / name, **{k: v for k, v in arrays.items() if v is not None})
    return name


def test_interleaved_graph_ids_are_regrouped_and_edges_renumbered(tmp_path):
    data = raw(tmp_path, "graph_npz", path=interleaved(tmp_path))
    g = data.x.graphs
    assert data.x.level == "graph" and data.task == "binary" and data.class_names == ["ring", "star"]
    assert g.features[:, 0].tolist() == [0, 2, 4, 1, 3] and g.node_splits.tolist() == [0, 3, 5]
    # file edges 0-2, 3-1, 2-4 are, once regrouped, 0-1 and 1-2 in graph 0 and 4-3 in graph 1
    assert g.edges.tolist() == [[0, 1], [1, 2], [4, 3]] and g.weights.tolist() == [1.0, 3.0, 2.0]
    assert g.edge_splits.tolist() == [0, 2, 3]


def test_npz_edge_index_two_by_edges_and_float_labels(tmp_path):
    path = interleaved(tmp_path, edge_index=np.array([[0, 3, 2], [2, 1, 4]]), graph_labels=np.array([0.5, 1.5]),
                       edge_weight=None)
    data = raw(tmp_path, "graph_npz", path=path)
    assert data.task == "regression" and data.x.graphs.edges.tolist() == [[0, 1], [1, 2], [4, 3]]
    assert data.x.graphs.weights.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("changes, words", [
    ({"graph_ids": np.array([0, 1, 0, 1])}, "expected one graph id per node, received graph_ids has 4 rows, "
                                           "node_features has 5"),
    ({"graph_labels": np.array([0, 1, 0])}, "graph 2: expected a graph with at least one node, received one with no"),
    ({"graph_ids": np.array([0, 1, 0, 1, 7])}, "graph_ids: expected graph numbers 0 to 1 (one per graph label), "
                                              "received 7"),
    ({"edge_index": np.array([[0, 2], [0, 9]]), "edge_weight": None},
     "edge_index row 1: expected node numbers 0 to 4, received [0, 9]"),
    ({"edge_index": np.array([[0, 1]]), "edge_weight": None},
     "edge_index row 0: expected an edge within one graph, received one from node 0 (graph 0) to node 1 (graph 1)"),
    ({"edge_index": np.array([[0, 1, 2]])}, "edge_index: expected shape [edges, 2] or [2, edges], received [1, 3]"),
    ({"edge_weight": np.array([1.0])}, "edge_weight: expected one number per edge (3)"),
    ({"graph_labels": None}, "expected arrays node_features, edge_index, graph_ids, graph_labels, received"),
    ({"node_features": np.array([[np.nan]] * 5)}, "graphs.npz: expected finite node features"),
    ({"graph_labels": np.array([1, None], dtype=object)}, "expected a readable .npz file of numeric arrays"),
])
def test_bad_npz_is_one_line_naming_the_file(tmp_path, changes, words):
    path = interleaved(tmp_path, **changes)
    with pytest.raises(DataError) as err:
        raw(tmp_path, "graph_npz", path=path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(str(tmp_path / path)) and words in message, message


# --- a folder of graph files ------------------------------------------------------------------------------

def graph_folder(tmp_path, labels="graph,label\ntri,a\nsquare,b\n"):
    import networkx as nx

    root = tmp_path / "graphs"
    root.mkdir()
    tri = nx.cycle_graph(3)
    nx.set_node_attributes(tri, {n: float(n) for n in tri}, "mass")
    nx.write_graphml(tri, root / "tri.graphml")
    square = nx.cycle_graph(4)
    nx.set_node_attributes(square, {n: 1.0 for n in square}, "mass")
    nx.write_gml(square, root / "square.gml")
    (root / "labels.csv").write_text(labels)
    return root


def test_graph_files_labelled_by_name_with_numeric_attributes_as_features(tmp_path):
    graph_folder(tmp_path)
    data = raw(tmp_path, "graph_dir", path="graphs")
    g = data.x.graphs
    assert data.x.level == "graph" and g.num_graphs == 2 and g.num_features == 1
    assert g.node_splits.tolist() == [0, 4, 7] and data.y.tolist() == [1, 0]  # square, tri (sorted by name)
    assert len(g.edges) == 2 * 4 + 2 * 3  # undirected: both ways


def test_an_edge_list_with_bare_weights(tmp_path):
    root = tmp_path / "graphs"
    root.mkdir()
    (root / "one.edgelist").write_text("a b 0.5\nb c 2\n")
    (root / "two.edgelist").write_text("a b\n")
    (root / "labels.csv").write_text("graph,label\none,1.5\ntwo,2.5\n")
    data = raw(tmp_path, "graph_dir", path="graphs")
    assert data.task == "regression" and data.x.graphs.weights.tolist() == [0.5, 0.5, 2, 2, 1, 1]


@pytest.mark.parametrize("labels, extra, file, words", [
    ("graph,label\ntri,a\n", None, "square.gml", "expected a row for graph 'square' in"),
    ("name,label\ntri,a\nsquare,b\n", None, "labels.csv", "column 'graph': expected a column of the file"),
    ("graph,label\ntri,a\nsquare,\n", None, "labels.csv", "column 'label': expected a label for every graph, "
                                                          "received a missing one in row 2"),
    ("graph,label\ntri,a\ntri,b\nsquare,b\n", None, "labels.csv", "expected one row per graph, received 'tri'"),
    (None, ("bad.graphml", "<graphml"), "bad.graphml", "expected a readable graphml file, received an error"),
    (None, ("empty.edgelist", ""), "empty.edgelist", "expected a graph with at least one node, received one with no"),
    (None, ("tri.edgelist", "a b\n"), "tri.graphml", "expected one graph file per name, received tri.edgelist too"),
])
def test_bad_graph_folders_are_one_line_naming_the_file(tmp_path, labels, extra, file, words):
    root = graph_folder(tmp_path, *([labels] if labels else []))
    if extra:
        (root / extra[0]).write_text(extra[1])
        (root / "labels.csv").write_text(f"graph,label\ntri,a\nsquare,b\n{extra[0].split('.')[0]},a\n")
    with pytest.raises(DataError) as err:
        raw(tmp_path, "graph_dir", path="graphs")
    message = str(err.value)
    assert "\n" not in message and str(root / file) in message and words in message, message


# --- which source --data picks ----------------------------------------------------------------------------

def test_data_picks_the_graph_sources_before_the_plain_ones(tmp_path):
    tables(tmp_path, NODES, EDGES)
    assert card_for_path(str(tmp_path / "nodes.csv"), None).card.source == "graph_tables"  # no --target needed
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "table.csv").write_text("a,y\n1,2\n")
    assert card_for_path(str(tmp_path / "plain" / "table.csv"), "y").card.source == "csv"
    interleaved(tmp_path)
    assert card_for_path(str(tmp_path / "graphs.npz"), None).card.source == "graph_npz"
    np.savez(tmp_path / "arrays.npz", x=np.zeros((4, 2)), y=np.arange(4))
    assert card_for_path(str(tmp_path / "arrays.npz"), None).card.source == "npz"
    root = graph_folder(tmp_path)
    assert card_for_path(str(root), None).card.source == "graph_dir"


def test_data_on_a_node_table_finds_its_edges_and_loads(tmp_path):
    SOURCES.get("graph_tables").example(tmp_path)
    (tmp_path / "nodes.csv").rename(tmp_path / "club_nodes.csv")
    (tmp_path / "edges.csv").rename(tmp_path / "club_edges.csv")
    data = load_dataset(card_for_path(str(tmp_path / "club_nodes.csv"), "label"))
    assert (data.input_kind, data.task, data.x_train.level) == ("graph", "binary", "node")
    assert len(data.y_train) + len(data.y_val) + len(data.y_test) == 50  # the 50 labelled nodes of 60
