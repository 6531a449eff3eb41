"""NetworkX graphs to `Graphs`: node features from numeric node attributes, edges both ways when undirected."""

from __future__ import annotations

from typing import Any

import numpy as np

from automl.data.graphs import Graphs
from automl.errors import DataError

def feature_names(graphs: list[Any]) -> list[str]:
    """The numeric node attributes every node of every graph has, sorted (empty: none in common)."""
    common: set[str] | None = None
    for graph in graphs:
        for _, attributes in graph.nodes(data=True):
            numeric = {k for k, v in attributes.items() if _number(v)}
            common = numeric if common is None else common & numeric
    return sorted(common or ())


def to_graphs(graphs: list[Any], where: list[str], features: list[str] | None = None) -> tuple[Graphs, list[str]]:
    """Stacks NetworkX graphs.

    Args:
        graphs: ``networkx`` graphs (directed or not); an undirected edge becomes two directed ones.
        where: The file (or name) of each graph, for errors.
        features: The node attributes to use as features (default: `feature_names`; none: one constant).

    Returns:
        The graphs, and the feature names in column order (empty: the nodes take one constant feature).

    Raises:
        DataError: A graph with no nodes, or a node missing a feature attribute.
    """
    names = feature_names(graphs) if features is None else features
    parts = []
    for graph, place in zip(graphs, where):
        if graph.number_of_nodes() == 0:
            raise DataError(f"{place}: expected a graph with at least one node, received one with no nodes")
        parts.append(_part(graph, place, names))
    return Graphs.from_parts(parts, where[0] if len(where) == 1 else str(where[0])), list(names)


def _part(graph: Any, place: str, names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nodes = list(graph.nodes())
    number = {node: i for i, node in enumerate(nodes)}
    if names:
        try:
            features = np.array([[float(graph.nodes[n][k]) for k in names] for n in nodes], "float32")
        except (KeyError, TypeError, ValueError):
            raise DataError(f"{place}: expected numeric node attributes {', '.join(names)} on every node, "
                            f"received a node without one") from None
    else:  # no numeric attribute: the structure is all there is to learn (as GIN does for unlabelled graphs)
        features = np.ones((len(nodes), 1), "float32")
    edges, weights = [], []
    for u, v, attributes in graph.edges(data=True):
        weight = attributes.get("weight", 1.0)
        weight = float(weight) if _number(weight) else 1.0
        edges.append((number[u], number[v]))
        weights.append(weight)
        if not graph.is_directed() and u != v:
            edges.append((number[v], number[u]))
            weights.append(weight)
    return (features, np.asarray(edges, "int64").reshape(-1, 2), np.asarray(weights, "float32"))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
