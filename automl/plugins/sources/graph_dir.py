"""A folder of graph files (GraphML, GML, edge lists) and a table of their labels."""

from __future__ import annotations

from automl.plugins.sources import SourcePlugin
from automl.spec.families import Strict

SUFFIXES = (".graphml", ".gml", ".edgelist")


class GraphDirOptions(Strict):
    """Options of a folder of graph files, one graph each, labelled by a table in the folder.

    Node features are the numeric node attributes every node has (none: one constant).
    """

    path: str
    labels: str = "labels.csv"  # CSV or Parquet, relative to the folder
    id: str = "graph"  # the labels table's column of file names without their suffix
    target: str = "label"


def example(folder) -> dict:
    """30 graphs, one of each file kind in turn: paths (class "path") and cycles (class "cycle")."""
    import networkx as nx
    import pandas as pd

    root = folder / "graphs"
    root.mkdir(exist_ok=True)
    rows = []
    for i in range(30):
        n, kind = 5 + i % 4, ("path", "cycle")[i % 2]
        graph = nx.path_graph(n) if kind == "path" else nx.cycle_graph(n)
        write = (nx.write_graphml, nx.write_gml, nx.write_edgelist)[i % 3]
        write(graph, root / f"g{i:02d}{SUFFIXES[i % 3]}")
        rows.append({"graph": f"g{i:02d}", "label": kind})
    pd.DataFrame(rows).to_csv(root / "labels.csv", index=False)
    return {"name": "shapes", "source": "graph_dir", "options": {"path": "graphs"}, "task": "binary",
            "input": "graph"}


def broken(folder) -> dict:
    example(folder)
    (folder / "graphs" / "g01.gml").write_text("graph [ node [ id 0 ")  # cut short
    return {"name": "broken", "source": "graph_dir", "options": {"path": "graphs"}}


def guess(path) -> bool:
    return path.is_dir() and any(f.suffix.lower() in SUFFIXES for f in path.iterdir())


PLUGIN = SourcePlugin("graph_dir", "a folder of graph files (GraphML, GML, edge lists) and a labels table",
                      options=GraphDirOptions, load="automl.data.graph_files:graph_dir_source", reads="folder",
                      noun="folder of graph files", example=example, broken=broken, guess=guess, order=45)
