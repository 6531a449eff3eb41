"""Many small graphs in one NumPy ``.npz``: node features, an edge index, graph ids and graph labels."""

from __future__ import annotations

from automl.plugins.sources import SourcePlugin
from automl.spec.families import Strict


class GraphNpzOptions(Strict):
    """Options of a ``.npz`` of graphs.

    It holds ``node_features`` ``[N, F]``, ``edge_index`` ``[E, 2]`` (or ``[2, E]``) of node
    numbers counted over the whole file, ``graph_ids`` ``[N]``, ``graph_labels`` ``[G]`` and
    optionally ``edge_weight`` ``[E]``; edges are taken as given (list both ways for undirected).
    """

    path: str


def example(folder) -> dict:
    """40 graphs: rings (class 0) and stars (class 1) of 5 to 9 nodes, nodes interleaved across graphs."""
    import numpy as np

    rng = np.random.default_rng(5)
    features, edges, graph_ids, labels, start = [], [], [], [], 0
    for g in range(40):
        n, star = int(rng.integers(5, 10)), g % 2
        pairs = [(0, i) for i in range(1, n)] if star else [(i, (i + 1) % n) for i in range(n)]
        edges += [(start + a, start + b) for a, b in pairs] + [(start + b, start + a) for a, b in pairs]
        features.append(rng.normal(size=(n, 2)))
        graph_ids += [g] * n
        labels.append(star)
        start += n
    order = rng.permutation(start)  # the file need not keep a graph's nodes together
    new = np.empty(start, "int64")
    new[order] = np.arange(start)
    np.savez(folder / "graphs.npz", node_features=np.concatenate(features)[order].astype("float32"),
             edge_index=new[np.array(edges)], graph_ids=np.array(graph_ids)[order], graph_labels=np.array(labels))
    return {"name": "shapes", "source": "graph_npz", "options": {"path": "graphs.npz"}, "task": "binary",
            "input": "graph"}


def broken(folder) -> dict:
    (folder / "broken.npz").write_bytes(b"not a zip file")
    return {"name": "broken", "source": "graph_npz", "options": {"path": "broken.npz"}}


def guess(path) -> bool:
    import zipfile

    if path.suffix.lower() != ".npz" or not path.is_file():
        return False
    try:  # the member list only: nothing is decompressed
        with zipfile.ZipFile(path) as archive:
            return "edge_index.npy" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


PLUGIN = SourcePlugin("graph_npz", "a NumPy .npz of many small graphs", options=GraphNpzOptions,
                      load="automl.data.graph_files:graph_npz_source", reads="file", suffixes=(".npz",),
                      noun=".npz file of graphs", example=example, broken=broken, guess=guess, order=35)
