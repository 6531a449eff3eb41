"""An exported graph model, run by `automl predict` in a fresh process on raw graph files, against the model in memory.

    .venv/bin/python benchmarks/graph_export.py [--epochs 20]

Trains one GCN in this process on each bundled graph kind, exports it (every
format), writes the graph as the raw files a user has, and runs ``automl predict``
on them in a fresh process:

- ``block_model`` (node task): a node table and an edge table (CSV), each
  undirected edge listed once; one predicted row per node;
- ``graph_mixing`` (graph task): a ``.npz`` of all 400 graphs; one row per graph.

Prints the largest absolute difference between the predicted probabilities and
the model's own outputs in memory, over every node or graph.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, result


def trained(name: str, epochs: int):
    """A GCN trained on a bundled graph dataset, and the dataset."""
    from automl.builders import InputSpec, build_model
    from automl.data import load_dataset
    from automl.data.feed import to_dataset
    from automl.spec import load_card
    from automl.spec.flatten import TRAIN_KEYS
    from automl.spec.schema import Train

    data = load_dataset(load_card(name))
    values = {"family": "gnn", "conv": "gcn", "layers": 2, "units": 32, "residual": False, "readout": "mean",
              "activation": "relu", "dropout": 0.0, "norm": "none", "initializer": "glorot_uniform", "l1": 0.0,
              "l2": 0.0, **{k: getattr(Train(), k).value for k in TRAIN_KEYS}, "batch_size": 32}
    spec = InputSpec.from_bundle(data)
    model = build_model(values, spec, epochs=epochs)
    model.fit(to_dataset(data.x_train, data.y_train, 32, shuffle=True), epochs=epochs, verbose=0)
    return model, data


def node_files(data, folder: Path) -> Path:
    import numpy as np
    import pandas as pd

    g = data.x_train.graphs
    nodes = pd.DataFrame(g.features, columns=[f"f{i}" for i in range(g.num_features)])
    nodes.insert(0, "id", np.arange(len(nodes)))
    edges = g.edges[g.edges[:, 0] < g.edges[:, 1]]  # each undirected edge once: the loader adds both ways
    nodes.to_csv(folder / "nodes.csv", index=False)
    pd.DataFrame(edges, columns=["source", "target"]).to_csv(folder / "edges.csv", index=False)
    return folder / "nodes.csv"


def graph_file(data, folder: Path) -> Path:
    import numpy as np

    g = data.x_train.graphs
    graph_ids = np.repeat(np.arange(g.num_graphs), np.diff(g.node_splits))
    np.savez(folder / "graphs.npz", node_features=g.features, edge_index=g.edges, graph_ids=graph_ids)
    return folder / "graphs.npz"


def difference(name: str, epochs: int, folder: Path) -> tuple[float, int]:
    """The largest |predict - in memory| over every row, and the rows predicted."""
    import numpy as np
    import pandas as pd

    from automl.data.graphs import GraphExamples
    from automl.export import export_model

    model, data = trained(name, epochs)
    g = data.x_train.graphs
    level = data.x_train.level
    every = GraphExamples(g, level, np.arange(len(g.features) if level == "node" else g.num_graphs))
    expected = np.asarray(model(every.inputs(), training=False))
    card = {"dataset": data.summary(), "class_names": data.class_names}
    export = export_model(model, folder / "exports", name, card, task=data.task, class_names=data.class_names)
    raw = node_files(data, folder) if level == "node" else graph_file(data, folder)
    automl = str(Path(sys.executable).with_name("automl"))
    done = subprocess.run([automl, "predict", "--model", str(export), "--input", str(raw), "--output",
                           str(folder / f"{name}.csv")], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"predict failed: {done.stderr[-2000:]}")
    table = pd.read_csv(folder / f"{name}.csv")
    columns = [c for c in table.columns if c.startswith("probabilit")]
    got = table[columns].to_numpy().reshape(expected.shape)
    return float(np.abs(got - expected).max()), len(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory(prefix="bench-graph-export-") as tmp:
        for name in ("block_model", "graph_mixing"):
            folder = Path(tmp) / name
            folder.mkdir()
            worst, rows = difference(name, args.epochs, folder)
            print(f"{name}: {rows} rows predicted in a fresh process, max |predict - in memory| = {worst:.3g}")
            figures[f"{name}_max_abs_difference"], figures[f"{name}_rows"] = worst, rows
    result("graph_export", **figures)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
