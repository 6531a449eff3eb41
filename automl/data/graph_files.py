"""Graph files: a node table with an edge table, a ``.npz`` of many graphs, a folder of graph files.

Each reader returns `ReadGraphs` (the graphs, and names for their graphs and nodes) so that
the sources (`graph_tables_source`, `graph_npz_source`, `graph_dir_source`) and `automl predict`
read a file the same way, node features in the same column order. Bad data is one line that
names the file (and its row, column or array).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from automl.data.graphs import GraphExamples, Graphs, check_graph, reading_facts
from automl.data.sources import RawData, data_path, source_path
from automl.data.tables import check_finite, read_table
from automl.data.targets import encode_target
from automl.errors import DataError, first_line
from automl.spec import LoadedCard
from automl.spec.datapaths import problem

GRAPH_SUFFIXES = (".graphml", ".gml", ".edgelist")
NPZ_ARRAYS = ("node_features", "edge_index", "graph_ids")


@dataclass(frozen=True)
class ReadGraphs:
    """Graphs read from a file, with names to report predictions by.

    Attributes:
        graphs: The graphs, nodes grouped by graph.
        graph_names: One per graph (a file name without suffix, or the graph's number).
        node_names: One per node of ``graphs``, in its order (a node id, or the node's row in the file).
        features: The node features' names, in column order (empty: the nodes had none; each takes one
            constant feature).
        table: For a node table: the columns it was read by (see `automl.data.graphs.reading_facts`).
    """

    graphs: Graphs
    graph_names: list[str]
    node_names: list[str]
    features: list[str]
    table: dict[str, Any] | None = None


# --- the sources ---------------------------------------------------------------------------------


def graph_tables_source(loaded: LoadedCard) -> RawData:
    """One graph from a node and an edge table; the labelled nodes are the examples (`GraphTablesOptions`)."""
    opts = loaded.options
    nodes = data_path(loaded)
    edges = checked_table(source_path(loaded, opts.edges)) if opts.edges else found_edges(nodes)
    read, labels = read_graph_tables(nodes, edges, id_column=opts.id, label=opts.target, source=opts.edge_source,
                                     target=opts.edge_target, weight=opts.weight, directed=opts.directed,
                                     labelled=True)
    rows = np.flatnonzero(labels.notna().to_numpy())
    if len(rows) == 0:
        raise DataError(f"{nodes}: column {opts.target!r}: expected at least one labelled node, received none")
    y, task, classes = encode_target(_integral(labels.iloc[rows]).to_frame(), f"{nodes}: column {opts.target!r}")
    return RawData(GraphExamples(read.graphs, "node", rows.astype("int64")), y, task, "graph", classes,
                   extras={"graph": reading_facts("node", read.features, "graph_tables", read.table)})


def graph_npz_source(loaded: LoadedCard) -> RawData:
    """Graphs and their labels from a ``.npz`` (`GraphNpzOptions`); the graphs are the examples."""
    path = data_path(loaded)
    read, labels = read_graph_npz(path, labelled=True)
    if labels.ndim == 1 and labels.dtype.kind == "f":  # float labels: a quantity, whatever its values
        if not np.isfinite(labels).all():
            raise DataError(f"{path}: graph_labels: expected finite numbers, received NaN or infinite values")
        y, task, classes = labels.astype("float32"), "regression", []
    else:
        y, task, classes = encode_target(pd.DataFrame(labels.reshape(len(labels), -1)), f"{path}: graph_labels")
    return RawData(GraphExamples(read.graphs, "graph", np.arange(read.graphs.num_graphs)), y, task, "graph", classes,
                   extras={"graph": reading_facts("graph", read.features, "graph_npz")})


def graph_dir_source(loaded: LoadedCard) -> RawData:
    """Graph files and their labels table (`GraphDirOptions`); the graphs are the examples."""
    opts = loaded.options
    folder = data_path(loaded)
    read = read_graph_dir(folder)
    table = checked_table(folder / Path(opts.labels).expanduser())
    frame = read_table(table, table.suffix.lower()[1:])
    for column in (opts.id, opts.target):
        _has_column(frame, column, table)
    names = _keys(frame[opts.id])
    duplicated = names[names.duplicated()]
    if len(duplicated):
        raise DataError(f"{table}: column {opts.id!r}: expected one row per graph, received {duplicated.iloc[0]!r} "
                        f"more than once")
    row_of = pd.Series(np.arange(len(frame)), index=names)
    missing = [n for n in read.graph_names if n not in row_of.index]
    if missing:
        file = next(f for f in _graph_files(folder) if f.stem == missing[0])
        raise DataError(f"{file}: expected a row for graph {missing[0]!r} in {table} (column {opts.id!r}), "
                        f"received none")
    labels = frame[opts.target].iloc[row_of[read.graph_names].to_numpy()]
    if labels.isna().any():
        row = int(row_of[read.graph_names].to_numpy()[np.argmax(labels.isna().to_numpy())])
        raise DataError(f"{table}: column {opts.target!r}: expected a label for every graph, received a missing one "
                        f"in row {row + 1}")
    y, task, classes = encode_target(labels.to_frame(), f"{table}: column {opts.target!r}")
    return RawData(GraphExamples(read.graphs, "graph", np.arange(read.graphs.num_graphs)), y, task, "graph", classes,
                   extras={"graph": reading_facts("graph", read.features, "graph_dir")})


# --- node and edge tables ------------------------------------------------------------------------


def found_edges(nodes: Path) -> Path:
    """The edge table beside a node table (`edges_beside`), checked like a card's path.

    Raises:
        DataError: None there, or one the source may not read.
    """
    from automl.plugins.sources.graph_tables import edges_beside

    edges = edges_beside(nodes)
    if edges is None:
        raise DataError(f"{nodes}: expected an edge table beside it (edges.csv, edges.parquet, or its name with "
                        f"'nodes' replaced by 'edges'), received none; name one in options.edges or --edges")
    return checked_table(edges)


def checked_table(path: Path) -> Path:
    """``path`` once checked to be a regular CSV or Parquet file, by the rules a card's ``options.path`` follows.

    Raises:
        DataError: Missing, of another kind, or not a regular file.
    """
    wrong = problem("graph_tables", path)  # an edge or labels table is read as the node table is
    if wrong:
        raise DataError(f"{path}: {wrong}")
    return path


def read_graph_tables(nodes: Path, edges: Path, id_column: str = "id", label: str = "label",
                      source: str = "source", target: str = "target", weight: str | None = None,
                      directed: bool = False, labelled: bool = False, features: list[str] | None = None,
                      weight_by_default: bool = True) -> tuple[ReadGraphs, pd.Series | None]:
    """One graph from a node table and an edge table.

    Args:
        nodes: The node table: an id column, numeric feature columns, maybe a label column.
        edges: The edge table: the ids of each edge's two ends, maybe a weight column.
        id_column: The node table's id column (ids may be numbers or strings).
        label: The node table's label column (not a feature; absent is allowed here).
        source: The edge table's column of the node a message flows from.
        target: The edge table's column of the node it flows to.
        weight: The edge table's weight column (None: ``weight`` when there is one and
            ``weight_by_default``, else ones).
        directed: False: each edge is added both ways (an edge listed both ways counts once).
        labelled: Whether the label column must be there (training) or may be absent (prediction).
        features: The feature columns, in order (prediction, as the model card says training read
            them; empty: one constant feature); None: every numeric column but the id and the label.
        weight_by_default: Whether an edge table's ``weight`` column is read when ``weight`` is None
            (not when the model card says training had no weights).

    Returns:
        The graph (node names are the ids; ``table`` the columns it was read by, the weight column
        actually read or None), and the label column with empty cells as NaN (None when the table has none).

    Raises:
        DataError: A missing column, a missing or repeated id, an edge naming a missing node, bad numbers.
    """
    frame = read_table(nodes, nodes.suffix.lower()[1:])
    for column in (id_column,) + ((label,) if labelled else ()):
        _has_column(frame, column, nodes)
    _no_gaps(frame[id_column], id_column, nodes)
    ids = _keys(frame[id_column])
    repeated = ids[ids.duplicated()]
    if len(repeated):
        raise DataError(f"{nodes}: column {id_column!r}: expected one row per node, received id {repeated.iloc[0]!r} "
                        f"more than once")
    names = feature_columns(frame, id_column, label) if features is None else _named_features(frame, features, nodes)
    check_finite(frame[names], nodes)
    for column in names:
        _no_gaps(frame[column], column, nodes)
    values = frame[names].to_numpy("float32") if names else np.ones((len(frame), 1), "float32")
    edge_frame = read_table(edges, edges.suffix.lower()[1:])
    weight = weight or ("weight" if weight_by_default and "weight" in edge_frame.columns else None)
    pairs, weights = _edges(edge_frame, edges, pd.Index(ids), source, target, weight)
    if not directed:
        pairs, weights = _both_ways(pairs, weights)
    graphs = Graphs.from_parts([(values, pairs, weights)], str(nodes))
    labels = frame[label].reset_index(drop=True) if label in frame.columns else None
    table = {"id": id_column, "target": label, "edge_source": source, "edge_target": target, "weight": weight,
             "directed": directed}
    return ReadGraphs(graphs, [nodes.stem], ids.tolist(), list(map(str, names)), table), labels


def feature_columns(frame: pd.DataFrame, id_column: str, label: str) -> list[str]:
    """The node table's feature columns: numeric (not boolean) ones other than the id and the label, in order."""
    return [c for c in frame.columns if c not in (id_column, label) and _numeric(frame[c])]


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _named_features(frame: pd.DataFrame, features: list[str], path: Path) -> list[str]:
    """The feature columns a model was trained on, by name, or one line naming the first one missing or not numeric."""
    by_name = {str(c): c for c in frame.columns}
    for name in features:
        if name not in by_name:
            raise DataError(f"{path}: column {name!r}: expected the node feature columns the model was trained on "
                            f"({', '.join(features)}), received columns {', '.join(map(str, frame.columns))}")
        if not _numeric(frame[by_name[name]]):
            raise DataError(f"{path}: column {name!r}: expected numbers (a node feature the model was trained on), "
                            f"received {frame[by_name[name]].dtype} values")
    return [by_name[name] for name in features]


def _edges(frame: pd.DataFrame, path: Path, ids: pd.Index, source: str, target: str,
           weight: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Edges as node numbers (rows of the node table), and their weights (None: no weight column)."""
    for column in (source, target) + ((weight,) if weight else ()):
        _has_column(frame, column, path)
    ends = []
    for column in (source, target):
        _no_gaps(frame[column], column, path)
        found = ids.get_indexer(_keys(frame[column]))
        if (found < 0).any():
            row = int(np.argmax(found < 0))
            raise DataError(f"{path}: row {row + 1}: column {column!r}: expected the id of a node in the node table, "
                            f"received {frame[column].iloc[row]!r}")
        ends.append(found)
    if weight is None:
        return np.stack(ends, axis=1).astype("int64"), None
    values = pd.to_numeric(frame[weight], errors="coerce").to_numpy("float64")
    if not np.isfinite(values).all():
        row = int(np.argmax(~np.isfinite(values)))
        raise DataError(f"{path}: row {row + 1}: column {weight!r}: expected a finite number, received "
                        f"{frame[weight].iloc[row]!r}")
    return np.stack(ends, axis=1).astype("int64"), values.astype("float32")


def _both_ways(pairs: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Each edge and its reverse; an edge the file lists both ways (or twice) is kept once, its first weight."""
    loops = pairs[:, 0] == pairs[:, 1]
    both = np.concatenate([pairs, pairs[~loops][:, ::-1]])
    _, first = np.unique(both, axis=0, return_index=True)
    keep = np.sort(first)  # the file's edges in its order, then the reverses it did not list
    if weights is None:
        return both[keep], None
    return both[keep], np.concatenate([weights, weights[~loops]])[keep]


def _integral(labels: pd.Series) -> pd.Series:
    """Labels read as floats only because some cells were empty (1.0, 2.0) as the integers they are."""
    if pd.api.types.is_float_dtype(labels) and np.equal(np.mod(labels.to_numpy(), 1), 0).all():
        return labels.astype("int64")
    return labels


# --- a .npz of graphs ------------------------------------------------------------------------------


def read_graph_npz(path: Path, labelled: bool = True) -> tuple[ReadGraphs, np.ndarray | None]:
    """Graphs from a ``.npz`` (see `GraphNpzOptions`), nodes regrouped by graph when the file interleaves them.

    Args:
        path: The file; it is never unpickled.
        labelled: Whether ``graph_labels`` must be there (training) or is not needed (prediction).

    Returns:
        The graphs (node names are each node's row in the file), and the graph labels (None when not labelled).

    Raises:
        DataError: An unreadable file, a missing array, sizes that disagree, an edge naming a missing node
            or joining two graphs, a graph with no nodes.
    """
    wanted = NPZ_ARRAYS + (("graph_labels",) if labelled else ())
    found = _npz_arrays(path, wanted)
    features = found["node_features"]
    if features.ndim == 1:
        features = features.reshape(-1, 1)
    if features.ndim != 2 or features.dtype.kind not in "biuf":
        raise DataError(f"{path}: node_features: expected numbers of shape [nodes, features], received "
                        f"{features.dtype} of shape {list(features.shape)}")
    graph_ids = _integers(path, found["graph_ids"], "graph_ids", 1)
    if len(graph_ids) != len(features):
        raise DataError(f"{path}: expected one graph id per node, received graph_ids has {len(graph_ids)} rows, "
                        f"node_features has {len(features)}")
    edges = _edge_index(path, found["edge_index"])
    weights = found.get("edge_weight")
    if weights is not None and (weights.ndim != 1 or len(weights) != len(edges) or weights.dtype.kind not in "biuf"):
        raise DataError(f"{path}: edge_weight: expected one number per edge ({len(edges)}), received "
                        f"{weights.dtype} of shape {list(weights.shape)}")
    labels = found.get("graph_labels")
    count = len(labels) if labels is not None else (int(graph_ids.max()) + 1 if len(graph_ids) else 0)
    if len(graph_ids) and (graph_ids.min() < 0 or graph_ids.max() >= count):
        bad = int(graph_ids[(graph_ids < 0) | (graph_ids >= count)][0])
        raise DataError(f"{path}: graph_ids: expected graph numbers 0 to {count - 1} (one per graph label), "
                        f"received {bad}")
    sizes = np.bincount(graph_ids, minlength=count)
    if count == 0 or (sizes == 0).any():
        empty = int(np.argmax(sizes == 0)) if count else 0
        raise DataError(f"{path}: graph {empty}: expected a graph with at least one node, received one with no nodes")
    if len(edges) and (edges.min() < 0 or edges.max() >= len(features)):
        row = int(np.argmax(((edges < 0) | (edges >= len(features))).any(axis=1)))
        raise DataError(f"{path}: edge_index row {row}: expected node numbers 0 to {len(features) - 1}, received "
                        f"{edges[row].tolist()}")
    owner = graph_ids[edges[:, 0]]
    across = owner != graph_ids[edges[:, 1]]
    if across.any():
        row = int(np.argmax(across))
        a, b = edges[row]
        raise DataError(f"{path}: edge_index row {row}: expected an edge within one graph, received one from node "
                        f"{a} (graph {graph_ids[a]}) to node {b} (graph {graph_ids[b]})")
    order = np.argsort(graph_ids, kind="stable")  # nodes grouped by graph, in file order within each
    new = np.empty(len(order), "int64")
    new[order] = np.arange(len(order))
    edge_order = np.argsort(owner, kind="stable")
    weights = np.ones(len(edges), "float32") if weights is None else weights.astype("float32")[edge_order]
    features = features.astype("float32")[order]
    edges = new[edges][edge_order]
    check_graph(features, edges, weights, str(path))  # finite features and weights
    splits = lambda counts: np.concatenate([[0], np.cumsum(counts)]).astype("int64")  # noqa: E731
    graphs = Graphs(features, edges, weights, splits(sizes), splits(np.bincount(owner, minlength=count)))
    names = [str(i) for i in order]
    return ReadGraphs(graphs, [str(g) for g in range(count)], names, [f"feature_{i}" for i in range(
        features.shape[1])]), labels


def _npz_arrays(path: Path, wanted: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays of a ``.npz`` this reader uses (``wanted`` and ``edge_weight``), pickles refused."""
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path}: expected a .npz archive (numpy.savez), received a file that is not one")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            missing = [k for k in wanted if k not in arrays.files]
            if missing:
                raise DataError(f"{path}: expected arrays {', '.join(wanted)}, received "
                                f"{', '.join(arrays.files) or 'no arrays'}")
            return {k: arrays[k] for k in (*wanted, "edge_weight") if k in arrays.files}
    except DataError:
        raise
    except MemoryError as err:  # a header may declare any shape, whatever the file's size
        raise DataError(f"{path}: expected arrays that fit in memory, received {first_line(err)}") from None
    except Exception as err:  # noqa: BLE001 - BadZipFile, ValueError (object arrays), EOFError...: one line
        raise DataError(f"{path}: expected a readable .npz file of numeric arrays, received an error "
                        f"({first_line(err)})") from None


def _integers(path: Path, array: np.ndarray, name: str, ndim: int) -> np.ndarray:
    if array.ndim != ndim or array.dtype.kind not in "iu":
        raise DataError(f"{path}: {name}: expected integers with {ndim} axes, received {array.dtype} of shape "
                        f"{list(array.shape)}")
    return array.astype("int64")


def _edge_index(path: Path, array: np.ndarray) -> np.ndarray:
    """``[E, 2]``, or ``[2, E]`` transposed when ``E`` is not 2 (a 2 by 2 array is read as ``[E, 2]``)."""
    if array.ndim == 2 and array.shape[0] == 2 and array.shape[1] != 2:
        array = array.T
    if array.ndim == 2 and array.shape[1] == 2 and array.size == 0:
        return np.zeros((0, 2), "int64")  # a file of graphs with no edges (savez writes them as floats)
    if array.ndim != 2 or array.shape[1] != 2:
        raise DataError(f"{path}: edge_index: expected shape [edges, 2] or [2, edges], received "
                        f"{list(array.shape)}")
    return _integers(path, array, "edge_index", 2)


# --- a folder of graph files -----------------------------------------------------------------------


def read_graph_dir(folder: Path, features: list[str] | None = None) -> ReadGraphs:
    """The graph files of a folder, sorted by name; a file's name without its suffix names its graph.

    Node features are the numeric node attributes every node of every graph has (`graph_nx.to_graphs`),
    or ``features`` in that order (prediction: the ones the model was trained on; empty: one constant);
    node names are ``graph:node``.

    Raises:
        DataError: No graph files, two with one name, an unreadable file, a graph with no nodes.
    """
    from automl.data.graph_nx import to_graphs

    files = _graph_files(folder)
    if not files:
        raise DataError(f"{folder}: expected graph files ({', '.join(GRAPH_SUFFIXES)}), received none")
    stems = [f.stem for f in files]
    for earlier, file in zip(files, files[1:]):
        if earlier.stem == file.stem:
            raise DataError(f"{file}: expected one graph file per name, received {earlier.name} too")
    graphs = [_read_graph(f) for f in files]
    stacked, features = to_graphs(graphs, [str(f) for f in files], features)
    nodes = [f"{stem}:{node}" for stem, graph in zip(stems, graphs) for node in graph.nodes()]
    return ReadGraphs(stacked, stems, nodes, features)


def _graph_files(folder: Path) -> list[Path]:
    files = [f for f in folder.iterdir() if f.suffix.lower() in GRAPH_SUFFIXES and f.is_file()]
    return sorted(files, key=lambda f: (f.stem, f.name))


def _read_graph(path: Path) -> Any:
    """One NetworkX graph; an edge list's third field may be a weight or a ``{...}`` of attributes."""
    import networkx as nx

    suffix = path.suffix.lower()
    try:
        if suffix == ".graphml":
            return nx.read_graphml(path)
        if suffix == ".gml":
            return nx.read_gml(path, label=None)  # node ids as written; a 'label' needs not be there
        try:
            return nx.read_edgelist(path)
        except TypeError:  # "a b 0.5": a bare number, not a dict of attributes
            return nx.read_edgelist(path, data=(("weight", float),))
    except Exception as err:  # noqa: BLE001 - the parsers raise many kinds (NetworkXError, ParseError, ...)
        raise DataError(f"{path}: expected a readable {suffix[1:]} file, received an error "
                        f"({first_line(err)})") from None


# --- shared checks --------------------------------------------------------------------------------


def _has_column(frame: pd.DataFrame, column: str, path: Path) -> None:
    if column not in frame.columns:
        raise DataError(f"{path}: column {column!r}: expected a column of the file "
                        f"({', '.join(map(str, frame.columns))}), received a missing column")


def _no_gaps(column: pd.Series, name: str, path: Path) -> None:
    gaps = column.isna().to_numpy()
    if gaps.any():
        raise DataError(f"{path}: row {int(np.argmax(gaps)) + 1}: column {name!r}: expected a value, received an "
                        f"empty cell")


def _keys(column: pd.Series) -> pd.Series:
    """Ids as text, so that a node table's ids and an edge table's match whatever type pandas read each as
    (``7`` and ``7.0`` are both ``"7"``)."""
    if pd.api.types.is_float_dtype(column) and np.equal(np.mod(column.dropna().to_numpy(), 1), 0).all():
        column = column.astype("Int64")
    return column.astype(str).reset_index(drop=True)
