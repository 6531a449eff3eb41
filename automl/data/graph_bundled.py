"""Bundled graph datasets, offline: Zachary's karate club, and two made with a fixed seed.

- ``karate``: Zachary's karate club (1977), as NetworkX ships it: 34 members, 78
  friendships weighted by how many contexts the two shared, and the club each member
  joined after the split. Node classification; a member's only feature is who they
  are (one-hot), so only the friendships say anything about the others.
- ``block_model``: a stochastic block model of 4 communities of 150 nodes (an edge
  within a community with probability 0.05, across with 0.005). Each node has 8
  features whose mean leans only slightly towards its community's own direction, so
  the features alone are weak evidence and the neighbours are strong evidence.
- ``graph_mixing``: 400 small graphs (12 to 30 nodes) in two classes that differ only
  in how they are wired: hubs joined to hubs (assortative) or hubs joined to leaves
  (disassortative). Each starts as a Barabasi-Albert graph and is rewired by degree-
  preserving edge swaps (Xulvi-Brunet and Sokolov, 2004) towards its class, so node
  counts, edge counts and degree histograms come from the same distribution in both
  classes. Nodes have no features (one constant).
"""

from __future__ import annotations

import numpy as np

from automl.data.graph_nx import to_graphs
from automl.data.graphs import GraphExamples, Graphs, reading_facts
from automl.data.sources import RawData
from automl.spec import LoadedCard

DATASETS = ("karate", "block_model", "graph_mixing")
SEED = 0


def bundled_graph_source(loaded: LoadedCard) -> RawData:
    """One of `DATASETS`, built in memory (nothing read, nothing downloaded)."""
    return {"karate": karate, "block_model": block_model, "graph_mixing": graph_mixing}[loaded.options.dataset]()


def karate() -> RawData:
    import networkx as nx

    graph = nx.karate_club_graph()
    clubs = [graph.nodes[n]["club"] for n in graph.nodes()]
    names = sorted(set(clubs))
    for n in graph.nodes():  # one-hot identity: no attribute of a member says which club they chose
        graph.nodes[n].clear()
        graph.nodes[n].update({f"member_{m:02d}": float(m == n) for m in graph.nodes()})
    graphs, features = to_graphs([graph], ["karate"])
    y = np.array([names.index(c) for c in clubs], "int32")
    return RawData(GraphExamples(graphs, "node", np.arange(len(y))), y, "binary", "graph", names,
                   extras={"graph": reading_facts("node", features, "graphs")})


def block_model(communities: int = 4, size: int = 150, p_in: float = 0.05, p_out: float = 0.005,
                features: int = 8, lean: float = 0.35, seed: int = SEED) -> RawData:
    """The block-model graph (see the module's docstring); ``lean`` is how far a feature mean leans to its class."""
    import networkx as nx

    rng = np.random.default_rng(seed)
    probabilities = np.full((communities, communities), p_out) + np.eye(communities) * (p_in - p_out)
    graph = nx.stochastic_block_model([size] * communities, probabilities.tolist(), seed=seed)
    y = np.repeat(np.arange(communities), size).astype("int32")
    directions = rng.normal(size=(communities, features))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    x = rng.normal(size=(len(y), features)) + lean * directions[y]
    edges = np.array([(u, v) for a, b in graph.edges() for u, v in ((a, b), (b, a))], "int64")
    graphs = Graphs.from_parts([(x, edges, None)], "block_model")
    return RawData(GraphExamples(graphs, "node", np.arange(len(y))), y, "multiclass", "graph",
                   [f"community_{c}" for c in range(communities)],
                   extras={"graph": reading_facts("node", [f"feature_{i}" for i in range(features)], "graphs")})


def graph_mixing(count: int = 400, seed: int = SEED) -> RawData:
    """The wiring-only graph classification set (see the module's docstring)."""
    import networkx as nx

    rng = np.random.default_rng(seed)
    graphs, labels = [], []
    for i in range(count):
        label = i % 2
        n = int(rng.integers(12, 31))
        graph = nx.barabasi_albert_graph(n, int(rng.integers(1, 3)), seed=int(rng.integers(2**31)))
        _rewire(graph, assortative=bool(label), swaps=4 * graph.number_of_edges(), rng=rng)
        graphs.append(graph)
        labels.append(label)
    stacked, features = to_graphs(graphs, [f"graph_mixing graph {i}" for i in range(count)])
    y = np.asarray(labels, "int32")
    return RawData(GraphExamples(stacked, "graph", np.arange(count)), y, "binary", "graph",
                   ["disassortative", "assortative"], extras={"graph": reading_facts("graph", features, "graphs")})


def _rewire(graph, assortative: bool, swaps: int, rng: np.random.Generator) -> None:
    """Degree-preserving swaps: of two edges' four ends, join the two of highest degree (or highest to lowest)."""
    degree = dict(graph.degree())
    for _ in range(swaps):
        edges = list(graph.edges())
        (a, b), (c, d) = (edges[i] for i in rng.choice(len(edges), 2, replace=False))
        ends = sorted({a, b, c, d}, key=lambda n: (degree[n], rng.random()))
        if len(ends) < 4:
            continue
        low, low2, high2, high = ends
        pairs = ((high, high2), (low2, low)) if assortative else ((high, low), (high2, low2))
        if any(graph.has_edge(u, v) for u, v in pairs):
            continue
        graph.remove_edges_from([(a, b), (c, d)])
        graph.add_edges_from(pairs)
