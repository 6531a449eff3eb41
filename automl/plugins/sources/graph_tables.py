"""A graph as two tables: its nodes (id, numeric features, a label) and its edges (two node ids, a weight)."""

from __future__ import annotations

from pathlib import Path

from automl.plugins.sources import SourcePlugin
from automl.spec.families import Strict

SUFFIXES = (".csv", ".parquet")


class GraphTablesOptions(Strict):
    """Options of a node table and an edge table (CSV or Parquet), for node classification or regression.

    Node features are the node table's numeric columns other than ``id`` and ``target``, in
    file order. A node whose label cell is empty is part of the graph but not an example.
    """

    path: str  # the node table
    edges: str | None = None  # relative to the card's folder; default: `edges_beside` the node table
    id: str = "id"
    target: str = "label"
    edge_source: str = "source"
    edge_target: str = "target"
    weight: str | None = None  # default: the edge table's "weight" column when it has one, else ones
    directed: bool = False  # undirected: every edge also carries messages the other way


def edges_beside(nodes: Path) -> Path | None:
    """The edge table found beside a node table, or None.

    Looks for the node table's name with ``nodes`` replaced by ``edges`` (``cora_nodes.csv`` ->
    ``cora_edges.csv``), then ``edges.csv`` and ``edges.parquet``; never the node table itself.
    """
    named = [nodes.with_name(nodes.stem.replace("nodes", "edges") + s) for s in SUFFIXES] if "nodes" in nodes.stem \
        else []
    for candidate in (*named, nodes.with_name("edges.csv"), nodes.with_name("edges.parquet")):
        if candidate != nodes and candidate.is_file():
            return candidate
    return None


def example(folder) -> dict:
    """Two communities of 30 nodes with string ids; 10 nodes unlabelled; weighted edges."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(4)
    side = np.repeat([0, 1], 30)
    ids = [f"n{i}" for i in range(60)]
    label = np.where(side == 0, "red", "blue").astype(object)
    label[rng.choice(60, 10, replace=False)] = None
    pd.DataFrame({"id": ids, "degree_hint": rng.normal(size=60).round(2), "label": label}).to_csv(
        folder / "nodes.csv", index=False)
    pairs = rng.integers(0, 60, (200, 2))
    pairs = pairs[(side[pairs[:, 0]] == side[pairs[:, 1]]) | (rng.random(200) < 0.1)]
    pd.DataFrame({"source": [ids[a] for a in pairs[:, 0]], "target": [ids[b] for b in pairs[:, 1]],
                  "weight": rng.uniform(0.5, 2.0, len(pairs)).round(2)}).to_csv(folder / "edges.csv", index=False)
    return {"name": "communities", "source": "graph_tables", "options": {"path": "nodes.csv", "edges": "edges.csv"},
            "task": "binary", "input": "graph"}


def broken(folder) -> dict:
    example(folder)
    (folder / "nodes.csv").write_bytes(b"")
    return {"name": "broken", "source": "graph_tables", "options": {"path": "nodes.csv", "edges": "edges.csv"}}


def guess(path) -> bool:
    return path.suffix.lower() in SUFFIXES and path.is_file() and edges_beside(path) is not None


PLUGIN = SourcePlugin("graph_tables", "a graph as a node table and an edge table (CSV or Parquet)",
                      options=GraphTablesOptions, load="automl.data.graph_files:graph_tables_source", reads="file",
                      suffixes=SUFFIXES, noun="csv or parquet table", example=example, broken=broken, guess=guess,
                      order=18)
