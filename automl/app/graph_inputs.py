"""`automl predict` on graphs: the serving inputs of a graph model from the files its sources read.

A model with an ``edge_index`` input takes graphs, not rows: a ``.npz`` of graphs (no
``graph_labels`` needed), a folder of graph files (no labels table needed), or a node table
with its edge table. They are read by the same functions as the sources
(`automl.data.graph_files`), so node features come in the column order training saw.
A graph-level model (a ``graph_ids`` input) gets its graphs in chunks, each one disjoint
union numbered from 0; a node-level model gets the whole graph at once and predicts every node.
The model card beside an export says how training read its files (``dataset.graph``: a node
table's id, label, edge and weight columns, directed or not, the node features in order); predict
reads them the same way, or by the sources' defaults when there is no card (a bare ``.keras``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from automl.data.graph_files import ReadGraphs, checked_table, found_edges, read_graph_dir, read_graph_npz, \
    read_graph_tables
from automl.data.graphs import EDGE_INDEX, GRAPH_IDS, NODE_FEATURES, NODE_INDEX
from automl.errors import DataError

GRAPHS_PER_CALL = 256  # graphs in one call of a graph-level model
TABLES = (".csv", ".parquet")
TABLE_COLUMNS = ("id", "target", "edge_source", "edge_target")  # a node table's columns a model card names


def is_graph_model(specs: dict[str, Any]) -> bool:
    """Whether a serving signature takes graphs (it has an ``edge_index`` input)."""
    return EDGE_INDEX in specs


def reading_of(card: dict[str, Any]) -> dict[str, Any]:
    """How training read its graphs, from a model card's ``dataset.graph`` (``{}``: none, use the defaults).

    Raises:
        DataError: A card whose graph facts are not what this toolkit writes (one line).
    """
    dataset = card.get("dataset")
    graph = dataset.get("graph") if isinstance(dataset, dict) else None
    if graph is None:
        return {}
    where = "--model: the model card's dataset.graph"
    if not isinstance(graph, dict):
        raise DataError(f"{where}: expected a mapping, received {type(graph).__name__}")
    features = graph.get("features")
    if not (isinstance(features, list) and all(isinstance(f, str) for f in features)):
        raise DataError(f"{where}: features: expected a list of column names, received {features!r}")
    source = graph.get("source")
    if not isinstance(source, str):
        raise DataError(f"{where}: source: expected a source's name, received {source!r}")
    reading: dict[str, Any] = {"source": source, "features": features}
    table = graph.get("table")
    if table is None:
        if source == "graph_tables":
            raise DataError(f"{where}: table: expected the node table's columns, received none")
        return reading
    if not isinstance(table, dict):
        raise DataError(f"{where}: table: expected a mapping, received {type(table).__name__}")
    for key in TABLE_COLUMNS:
        if not isinstance(table.get(key), str):
            raise DataError(f"{where}: table: {key}: expected a column name, received {table.get(key)!r}")
    if not (table.get("weight") is None or isinstance(table["weight"], str)):
        raise DataError(f"{where}: table: weight: expected a column name or null, received {table['weight']!r}")
    if not isinstance(table.get("directed"), bool):
        raise DataError(f"{where}: table: directed: expected true or false, received {table.get('directed')!r}")
    reading["table"] = {k: table[k] for k in (*TABLE_COLUMNS, "weight", "directed")}
    return reading


def read_graph_input(path: Path, edges: Path | None = None, reading: dict[str, Any] | None = None) -> ReadGraphs:
    """The graphs of ``--input``: a ``.npz`` of graphs, a folder of graph files, or a node table.

    Args:
        path: The input file or folder.
        edges: A node table's edge table (None: the one beside it, as ``--data`` finds it).
        reading: How training read its graphs (`reading_of` a model card). Files of the kind training
            read (a node table, a folder of graph files) are read as it read them: a node table's
            columns, the node features by name and in order; other files, or ``{}`` or None, by the
            sources' defaults (a ``.npz``'s features are taken by position either way).

    Raises:
        DataError: Another kind of input, ``edges`` for an input that is not a node table, or bad data
            (a node table without the columns training read is one line naming the first one missing).
    """
    reading = reading or {}
    same = lambda source: reading.get("source") == source  # noqa: E731 - files of the kind training read
    suffix = path.suffix.lower()
    if edges is not None and (path.is_dir() or suffix not in TABLES):
        raise DataError(f"--edges: expected only with a node table (.csv, .parquet) as --input, received "
                        f"--input {str(path)!r}")
    if path.is_dir():
        return read_graph_dir(path, reading["features"] if same("graph_dir") else None)
    if suffix == ".npz":
        return read_graph_npz(path, labelled=False)[0]  # features by position, as the file has them
    if suffix in TABLES:
        edge_table = checked_table(edges) if edges is not None else found_edges(path)
        if not same("graph_tables"):  # no card, or one from other files: the default columns
            return read_graph_tables(path, edge_table)[0]
        table = reading["table"]
        return read_graph_tables(path, edge_table, id_column=table["id"], label=table["target"],
                                 source=table["edge_source"], target=table["edge_target"], weight=table["weight"],
                                 directed=table["directed"], features=reading["features"],
                                 weight_by_default=False)[0]
    raise DataError(f"--input: expected a .npz of graphs, a folder of graph files, or a node table (.csv, .parquet) "
                    f"for a graph model, received {str(path)!r}")


def graph_batches(read: ReadGraphs, specs: dict[str, Any],
                  where: str | Path) -> tuple[list[str], list[dict[str, np.ndarray]]]:
    """The serving inputs of these graphs, and the name of each row the model will predict.

    Args:
        read: The graphs (see `read_graph_input`).
        specs: The serving signature: one spec per input name (``node_features``, ``edge_index``, ...).
        where: The input, for errors.

    Returns:
        Row names (graphs for a graph-level model, nodes for a node-level one) and the batches to
        call the model with, in that order; missing edge weights are ones.

    Raises:
        DataError: Node features of another width than the model's.
    """
    spec = specs[NODE_FEATURES]
    width = spec.shape[-1] if spec.shape.rank else None
    if width is not None and read.graphs.num_features != width:
        raise DataError(f"{where}: expected {width} node features for input {NODE_FEATURES!r} (the model's), "
                        f"received {read.graphs.num_features} ({', '.join(read.features) or 'one constant'})")
    graphs = read.graphs
    if GRAPH_IDS in specs:
        batches = [graphs.union(np.arange(start, min(start + GRAPHS_PER_CALL, graphs.num_graphs)))
                   for start in range(0, graphs.num_graphs, GRAPHS_PER_CALL)]
        names = read.graph_names
    else:  # a node-level model predicts every node of the graph it is given
        whole = graphs.whole()
        if NODE_INDEX in specs:  # a .keras model still asks which nodes
            whole[NODE_INDEX] = np.arange(len(graphs.features))
        batches, names = [whole], read.node_names
    return names, [_as_specs(batch, specs) for batch in batches]


def read_graph_batches(path: Path, specs: dict[str, Any], edges: Path | None = None,
                       reading: dict[str, Any] | None = None) -> tuple[list[str], list[dict[str, np.ndarray]]]:
    """`read_graph_input` then `graph_batches`: what `automl predict` calls a graph model with."""
    return graph_batches(read_graph_input(path, edges, reading), specs, path)


def _as_specs(batch: dict[str, np.ndarray], specs: dict[str, Any]) -> dict[str, np.ndarray]:
    """The inputs the signature names, in its dtypes (an unweighted file's weights are already ones)."""
    missing = [name for name in specs if name not in batch]
    if missing:
        raise DataError(f"--model: expected a graph model taking {', '.join(batch)}, received one that also "
                        f"takes {', '.join(missing)}")
    return {name: np.asarray(batch[name]).astype(specs[name].dtype.as_numpy_dtype) for name in specs}
