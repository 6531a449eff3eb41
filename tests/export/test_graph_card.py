"""How a graph dataset was read goes into the model card (``dataset.graph`` and a "Graph inputs" section), and
`automl predict` reads new graph files the same way: a node table's column names, its weights and directions,
the node features by name and in order; the defaults without a card."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from automl.app.graph_inputs import read_graph_batches, reading_of
from automl.data import load_dataset
from automl.errors import DataError
from automl.export.card import card_beside, markdown, write_card
from automl.plugins.sources import SOURCES
from automl.spec import load_card
from tests.export.test_graph_predict_inputs import signature

OPTIONS = {"path": "people.csv", "edges": "links.csv", "id": "member", "target": "club", "edge_source": "from",
           "edge_target": "to", "weight": "strength", "directed": True}
FEATURES = ["a", "b", "c", "d", "e"]
TABLE = {"id": "member", "target": "club", "edge_source": "from", "edge_target": "to", "weight": "strength",
         "directed": True}


def people(folder, n: int = 40, columns=("member", *FEATURES, "club"), seed: int = 0):
    """A node table with numeric ids (a feature, if read by the defaults) and an edge table of other names."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"member": np.arange(100, 100 + n), **{f: rng.normal(size=n).round(3) for f in FEATURES},
                          "club": np.where(np.arange(n) % 2 == 0, "north", "south")})
    frame.loc[[3, 8], "club"] = None  # unlabelled members: in the graph, not examples
    frame[list(columns)].to_csv(folder / "people.csv", index=False)
    pairs = np.stack([np.arange(n), (np.arange(n) + 1) % n], axis=1)
    pd.DataFrame({"from": 100 + pairs[:, 0], "to": 100 + pairs[:, 1],
                  "strength": np.linspace(0.5, 2.0, n).round(3)}).to_csv(folder / "links.csv", index=False)
    (folder / "card.yaml").write_text(yaml.safe_dump({"name": "clubs", "source": "graph_tables",
                                                      "options": OPTIONS}))
    return frame


def test_a_node_table_card_with_other_column_names_is_in_the_summary(tmp_path):
    people(tmp_path)
    data = load_dataset(load_card(str(tmp_path / "card.yaml")))
    summary = data.summary()
    assert summary["graph"] == {"level": "node", "source": "graph_tables", "features": FEATURES, "table": TABLE}
    assert json.loads(json.dumps(summary))["graph"] == summary["graph"]  # JSON as it is


def test_weight_read_by_default_is_named_and_none_is_null(tmp_path):
    people(tmp_path)
    options = {k: v for k, v in OPTIONS.items() if k != "weight"}
    pd.read_csv(tmp_path / "links.csv").rename(columns={"strength": "weight"}).to_csv(tmp_path / "links.csv",
                                                                                       index=False)
    card = {"name": "clubs", "source": "graph_tables", "options": options}
    (tmp_path / "card.yaml").write_text(yaml.safe_dump(card))
    read = SOURCES.get("graph_tables").loader()(load_card(str(tmp_path / "card.yaml")))
    assert read.extras["graph"]["table"]["weight"] == "weight"  # the one it found, not None
    pd.read_csv(tmp_path / "links.csv").drop(columns="weight").to_csv(tmp_path / "links.csv", index=False)
    read = SOURCES.get("graph_tables").loader()(load_card(str(tmp_path / "card.yaml")))
    assert read.extras["graph"]["table"]["weight"] is None


@pytest.mark.parametrize("source, level, features", [
    ("graph_npz", "graph", ["feature_0", "feature_1"]),
    ("graph_dir", "graph", []),  # paths and cycles carry no attributes: one constant feature
    ("graphs", "node", [f"member_{m:02d}" for m in range(34)]),  # karate: who each member is
])
def test_every_graph_source_says_its_level_and_features(tmp_path, source, level, features):
    card = SOURCES.get(source).example(tmp_path)
    (tmp_path / "card.yaml").write_text(yaml.safe_dump(card))
    raw = SOURCES.get(source).loader()(load_card(str(tmp_path / "card.yaml")))
    assert raw.extras["graph"] == {"level": level, "source": source, "features": features}


def card_of(summary: dict, level: str = "node") -> dict:
    inputs = {"node_features": "float32 [None, 5]", "edge_index": "int32 [None, 2]", "edge_weight": "float32 [None]"}
    if level == "graph":
        inputs["graph_ids"] = "int32 [None]"
    return {"experiment": "clubs", "dataset": summary, "inputs": inputs,
            "outputs": {"probabilities": "float32 [None, 2]"}, "class_names": ["north", "south"]}


def test_the_card_explains_a_node_models_graph_inputs_and_how_the_table_was_read(tmp_path):
    people(tmp_path)
    page = markdown(card_of(load_dataset(load_card(str(tmp_path / "card.yaml"))).summary()))
    section = page.split("## Graph inputs\n", 1)[1].split("\n## ", 1)[0]
    assert "| node_features | one row per node, its features in this order: a, b, c, d, e (float32 [None, 5]) |" \
        in section
    assert "(source, target) node numbers within the batch" in section and "ones for an unweighted graph" in section
    assert "| outputs | one row per node" in section and "graph_ids" not in section
    assert "'member'" in section and "'club'" in section and "'from' -> 'to'" in section
    assert "column 'strength'" in section and "directed (as listed)" in section
    data = page.split("## Data\n", 1)[1].split("\n## ", 1)[0]
    assert "\n| graph |" not in data and "| train_size |" in data  # said above, not as a dict


def test_the_card_of_a_graph_model_names_graph_ids_and_a_row_per_graph():
    summary = {"dataset": "shapes", "task": "binary",
               "graph": {"level": "graph", "source": "graph_dir", "features": []}}
    section = markdown(card_of(summary, "graph")).split("## Graph inputs\n", 1)[1].split("\n## ", 1)[0]
    assert "| graph_ids | which graph each node is, numbered from 0" in section
    assert "| outputs | one row per graph |" in section and "a single constant 1" in section
    assert "## Graph inputs" not in markdown(card_of({"dataset": "digits", "task": "multiclass"}))


def written_card(folder, summary: dict) -> dict:
    folder.mkdir(exist_ok=True)
    write_card(folder, card_of(summary))
    return card_beside(folder / "saved_model")  # a SavedModel in an export: the card in the folder above


def test_predict_reads_the_node_table_as_the_card_says(tmp_path):
    frame = people(tmp_path, columns=("e", "club", "member", "a", "b", "c", "d"))  # another column order
    pd.read_csv(tmp_path / "people.csv").assign(extra=7.0).to_csv(tmp_path / "people.csv", index=False)  # unread
    card = written_card(tmp_path / "export", {"dataset": "clubs", "graph": {
        "level": "node", "source": "graph_tables", "features": FEATURES, "table": TABLE}})
    names, (batch,) = read_graph_batches(tmp_path / "people.csv", signature(5, "node"), tmp_path / "links.csv",
                                         reading_of(card))
    assert names == [str(i) for i in range(100, 140)]  # the member ids, unlabelled ones included
    assert np.allclose(batch["node_features"], frame[FEATURES].to_numpy("float32"))  # in the card's order
    assert len(batch["edge_index"]) == 40  # directed: as listed, not both ways
    assert batch["edge_index"][:3].tolist() == [[0, 1], [1, 2], [2, 3]]
    assert np.allclose(batch["edge_weight"], np.linspace(0.5, 2.0, 40).round(3))


def test_without_a_card_the_defaults_and_a_card_without_weights_reads_none(tmp_path):
    people(tmp_path)
    with pytest.raises(DataError, match=r"people.csv: column 'id': expected a column of the file"):
        read_graph_batches(tmp_path / "people.csv", signature(5, "node"), tmp_path / "links.csv", reading_of({}))
    unweighted = {"level": "node", "source": "graph_tables", "features": FEATURES,
                  "table": {**TABLE, "weight": None, "directed": False}}
    pd.read_csv(tmp_path / "links.csv").rename(columns={"strength": "weight"}).to_csv(tmp_path / "links.csv",
                                                                                       index=False)
    _, (batch,) = read_graph_batches(tmp_path / "people.csv", signature(5, "node"), tmp_path / "links.csv",
                                     reading_of({"dataset": {"graph": unweighted}}))
    assert np.all(batch["edge_weight"] == 1) and len(batch["edge_index"]) == 80  # trained on ones, both ways


@pytest.mark.parametrize("columns, words", [
    (("member", "a", "b", "d", "e", "club"), "people.csv: column 'c': expected the node feature columns the model "
                                             "was trained on (a, b, c, d, e), received columns member, a, b, d, e"),
    (("a", "b", "c", "d", "e", "club"), "people.csv: column 'member': expected a column of the file"),
])
def test_a_node_table_whose_columns_do_not_match_is_one_line(tmp_path, columns, words):
    people(tmp_path, columns=columns)
    reading = reading_of({"dataset": {"graph": {"level": "node", "source": "graph_tables", "features": FEATURES,
                                                "table": TABLE}}})
    with pytest.raises(DataError) as err:
        read_graph_batches(tmp_path / "people.csv", signature(5, "node"), tmp_path / "links.csv", reading)
    assert words in str(err.value) and "\n" not in str(err.value), str(err.value)


def test_the_card_of_other_files_leaves_a_node_table_to_the_defaults(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,x\n1,0.5\n2,1.5\n")
    (tmp_path / "edges.csv").write_text("source,target\n1,2\n")
    reading = reading_of({"dataset": {"graph": {"level": "graph", "source": "graph_npz", "features": ["feature_0"]}}})
    names, (batch,) = read_graph_batches(tmp_path / "nodes.csv", signature(1, "node"), reading=reading)
    assert names == ["1", "2"] and batch["node_features"].tolist() == [[0.5], [1.5]]


@pytest.mark.parametrize("graph, words", [
    ("nodes", "dataset.graph: expected a mapping, received str"),
    ({"source": "graph_tables", "features": "a,b"}, "dataset.graph: features: expected a list of column names"),
    ({"source": "graph_tables", "features": []}, "dataset.graph: table: expected the node table's columns"),
    ({"source": "graph_tables", "features": [], "table": {**TABLE, "id": 3}}, "table: id: expected a column name"),
    ({"source": "graph_tables", "features": [], "table": {**TABLE, "directed": "no"}},
     "table: directed: expected true or false"),
])
def test_a_damaged_cards_graph_facts_are_one_line(graph, words):
    with pytest.raises(DataError) as err:
        reading_of({"dataset": {"graph": graph}})
    assert words in str(err.value) and "\n" not in str(err.value) and str(err.value).startswith("--model: ")


def test_predict_file_on_an_export_uses_its_card_and_a_bare_keras_file_the_defaults(tmp_path):
    import tensorflow as tf

    from automl.app.graph_inputs import graph_batches, read_graph_input
    from automl.app.predict import predict_file
    from automl.builders import build_model
    from automl.export.serving import write_saved_model
    from tests.builders.conftest import make_spec
    from tests.builders.test_families import defaults

    people(tmp_path, columns=("member", "club", *FEATURES[::-1]))
    model = build_model(defaults("gnn", blocks=1), make_spec("graph", "multiclass"), epochs=1)
    export = tmp_path / "export"
    export.mkdir()
    write_saved_model(model, str(export / "saved_model"), "multiclass", ["x", "y", "z"])
    model.save(export / "model.keras")
    summary = {"dataset": "clubs", "task": "multiclass",
               "graph": {"level": "node", "source": "graph_tables", "features": FEATURES, "table": TABLE}}
    write_card(export, {**card_of(summary), "class_names": ["x", "y", "z"]})

    path, rows = predict_file(str(export), str(tmp_path / "people.csv"), str(tmp_path / "p.csv"),
                              edges=str(tmp_path / "links.csv"))
    table = pd.read_csv(path)
    assert rows == 40 and table["input"].tolist() == list(range(100, 140))
    assert list(table.columns) == ["input", "label", "class_id", "probabilities_x", "probabilities_y",
                                   "probabilities_z"]
    read = read_graph_input(tmp_path / "people.csv", tmp_path / "links.csv", reading_of(card_beside(export)))
    specs = {k: tf.TensorSpec(None, v) for k, v in (("node_features", tf.float32), ("edge_index", tf.int32),
                                                     ("edge_weight", tf.float32), ("node_index", tf.int32))}
    _, (inputs,) = graph_batches(read, specs, "people.csv")
    expected = np.asarray(model(inputs, training=False))
    served = table[["probabilities_x", "probabilities_y", "probabilities_z"]].to_numpy()
    assert np.abs(served - expected).max() <= 1e-5

    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(export / "model.keras", bare / "model.keras")  # no card beside it
    with pytest.raises(DataError, match=r"people.csv: column 'id': expected a column of the file"):
        predict_file(str(bare / "model.keras"), str(tmp_path / "people.csv"), str(tmp_path / "q.csv"),
                     edges=str(tmp_path / "links.csv"))
