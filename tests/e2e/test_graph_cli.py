"""Graphs as a user runs them, each command in a fresh process: `automl search` on a node table and an edge
table of their own column names (named in a card), on a .npz of graphs with no card, and on a bundled graph;
then `automl predict` on the same files, against the model run in the test process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

from tests.conftest import run_cli

pytestmark = pytest.mark.slow

CLASSES = ["east", "west"]
OPTIONS = {"path": "nodes.csv", "id": "member", "target": "side", "edge_source": "src", "edge_target": "dst",
           "weight": "strength"}


def two_communities(folder: Path, n: int = 80, seed: int = 0) -> pd.DataFrame:
    """Two communities of ``n / 2`` members: mostly edges within one; two features that lean only slightly
    towards the member's community; a tenth of the members unlabelled; columns not named as the defaults."""
    rng = np.random.default_rng(seed)
    side = np.arange(n) % 2
    x = rng.normal(size=(n, 2)) + 0.3 * np.where(side[:, None] == 0, 1.0, -1.0)
    labels = np.array(CLASSES, dtype=object)[side]
    labels[rng.choice(n, n // 10, replace=False)] = None
    ids = [f"m{i:03d}" for i in range(n)]
    nodes = pd.DataFrame({"member": ids, "age": x[:, 0].round(4), "score": x[:, 1].round(4), "side": labels})
    nodes.to_csv(folder / "nodes.csv", index=False)
    pairs = rng.integers(0, n, (6 * n, 2))
    keep = (side[pairs[:, 0]] == side[pairs[:, 1]]) | (rng.random(len(pairs)) < 0.1)
    pairs = pairs[keep & (pairs[:, 0] != pairs[:, 1])]
    pd.DataFrame({"src": [ids[a] for a in pairs[:, 0]], "dst": [ids[b] for b in pairs[:, 1]],
                  "strength": rng.uniform(0.5, 2.0, len(pairs)).round(3)}).to_csv(folder / "edges.csv", index=False)
    (folder / "card.yaml").write_text(yaml.safe_dump({"name": "communities", "source": "graph_tables",
                                                      "options": OPTIONS, "task": "binary", "input": "graph"}))
    return nodes


def rings_and_stars(path: Path, count: int = 60, seed: int = 1) -> None:
    """``count`` graphs of 5 to 9 nodes: rings (class 0) and stars (class 1), one feature of noise each node."""
    rng = np.random.default_rng(seed)
    features, edges, graph_ids, labels, start = [], [], [], [], 0
    for g in range(count):
        n, star = int(rng.integers(5, 10)), g % 2
        pairs = [(0, i) for i in range(1, n)] if star else [(i, (i + 1) % n) for i in range(n)]
        edges += [(start + a, start + b) for a, b in pairs] + [(start + b, start + a) for a, b in pairs]
        features.append(rng.normal(size=(n, 1)))
        graph_ids += [g] * n
        labels.append(star)
        start += n
    np.savez(path, node_features=np.concatenate(features).astype("float32"), edge_index=np.array(edges),
             graph_ids=np.array(graph_ids), graph_labels=np.array(labels))


def export_of(root: Path) -> Path:
    folders = list((root / "exports").glob("*/*"))
    assert len(folders) == 1, folders
    return folders[0]


def predicted(root: Path, folder: Path, data: str, *extra: str) -> pd.DataFrame:
    done = run_cli("predict", "--model", str(folder), "--input", data, "--output", "p.csv", *extra, cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    table = pd.read_csv(root / "p.csv", dtype={"input": str})
    assert f"wrote {len(table)} predictions to p.csv" in done.stdout
    return table


def graph_section(folder: Path) -> str:
    page = (folder / "model_card.md").read_text()
    assert "## Graph inputs\n" in page, page
    return page.split("## Graph inputs\n", 1)[1].split("\n## ", 1)[0]


def test_node_table_with_its_own_column_names_search_then_predict_every_node(tmp_path):
    nodes = two_communities(tmp_path)
    done = run_cli("search", "--dataset", "card.yaml", "--space", "gnn", "--max-trials", "2", "--epochs", "3",
                   "--experiment", "nodes", "--seed", "0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "trials: 2 completed, 0 failed" in done.stdout
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("nodes").experiment_id])
    trials = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(trials) == 2 and all(r.info.status == "FINISHED" for r in trials)

    folder = export_of(tmp_path)
    card = json.loads((folder / "model_card.json").read_text())
    assert card["dataset"]["graph"] == {
        "level": "node", "source": "graph_tables", "features": ["age", "score"],
        "table": {"id": "member", "target": "side", "edge_source": "src", "edge_target": "dst",
                  "weight": "strength", "directed": False}}
    assert set(card["inputs"]) == {"node_features", "edge_index", "edge_weight"}  # no node_index: every node
    section = graph_section(folder)
    assert "its features in this order: age, score" in section and "| outputs | one row per node" in section
    assert "'member'" in section and "'src' -> 'dst'" in section and "graph_ids" not in section

    table = predicted(tmp_path, folder, "nodes.csv")
    probabilities = [f"probabilities_{c}" for c in CLASSES] if "probabilities_east" in table else ["probability"]
    assert list(table.columns) == ["input", "label", "class_id", *probabilities]
    assert table["input"].tolist() == nodes["member"].tolist()  # every member, the unlabelled ones too
    assert nodes["side"].isna().sum() == 8 and set(table["label"]) <= set(CLASSES)

    import keras

    from automl.app.graph_inputs import graph_batches, read_graph_input, reading_of
    from automl.app.predict import load_serving

    serve, specs = load_serving(folder / "model.keras", trust=False)
    assert "node_index" in specs  # the .keras model still asks which nodes
    read = read_graph_input(tmp_path / "nodes.csv", reading=reading_of(card))
    _, (inputs,) = graph_batches(read, specs, "nodes.csv")
    assert inputs["node_features"].shape == (80, 2) and np.allclose(inputs["node_features"],
                                                                    nodes[["age", "score"]].to_numpy())
    in_memory = np.asarray(keras.saving.load_model(folder / "model.keras")(inputs, training=False))
    assert in_memory.shape[0] == 80
    served = table[probabilities].to_numpy()
    assert np.abs(served.reshape(in_memory.shape) - in_memory).max() <= 1e-5

    # the .keras file alone, in a fresh process: its graph layers load, the card beside it still names the columns
    keras_table = predicted(tmp_path, folder / "model.keras", "nodes.csv")
    assert keras_table["input"].tolist() == table["input"].tolist()
    output = [c for c in keras_table.columns if c.startswith("output")]
    assert np.abs(keras_table[output].to_numpy().reshape(in_memory.shape) - in_memory).max() <= 1e-5


def test_npz_of_graphs_without_a_card_search_then_predict_every_graph(tmp_path):
    import tensorflow as tf

    from automl.app.graph_inputs import read_graph_batches

    rings_and_stars(tmp_path / "graphs.npz")
    done = run_cli("search", "--data", "graphs.npz", "--space", "auto", "--max-trials", "2", "--epochs", "3",
                   "--experiment", "shapes", "--no-tracking", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "trials: 2 completed, 0 failed" in done.stdout
    folder = export_of(tmp_path)
    card = json.loads((folder / "model_card.json").read_text())
    assert card["space"] == "auto_graph" and card["dataset"]["task"] == "binary"
    assert card["dataset"]["graph"] == {"level": "graph", "source": "graph_npz", "features": ["feature_0"]}
    assert "graph_ids" in card["inputs"]
    section = graph_section(folder)
    assert "| graph_ids | which graph each node is, numbered from 0" in section
    assert "| outputs | one row per graph |" in section

    table = predicted(tmp_path, folder, "graphs.npz")
    assert table["input"].tolist() == [str(g) for g in range(60)]

    serve = tf.saved_model.load(str(folder / "saved_model")).signatures["serving_default"]
    specs = dict(serve.structured_input_signature[1])
    _, (inputs,) = read_graph_batches(tmp_path / "graphs.npz", specs)
    assert inputs["graph_ids"].max() == 59
    outputs = serve(**{k: tf.constant(v) for k, v in inputs.items()})
    key = next(k for k in ("probabilities", "probability", "prediction") if k in outputs)
    expected = outputs[key].numpy().reshape(60, -1)
    columns = [c for c in table.columns if c.startswith(key)]
    assert len(columns) == expected.shape[1]
    assert np.abs(table[columns].to_numpy() - expected).max() <= 1e-5
    if "class_id" in outputs:
        assert table["class_id"].tolist() == outputs["class_id"].numpy().reshape(-1).tolist()


def test_bundled_karate_search_exports_a_card_with_graph_inputs(tmp_path):
    done = run_cli("search", "--dataset", "karate", "--space", "gnn", "--max-trials", "1", "--epochs", "2",
                   "--no-tracking", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "trials: 1 completed, 0 failed" in done.stdout
    folder = export_of(tmp_path)
    card = json.loads((folder / "model_card.json").read_text())
    graph = card["dataset"]["graph"]
    assert graph["level"] == "node" and graph["features"] == [f"member_{m:02d}" for m in range(34)]
    section = graph_section(folder)
    assert "member_00, member_01" in section and "| outputs | one row per node" in section
    assert "| edge_weight | one weight per edge (ones for an unweighted graph)" in section
