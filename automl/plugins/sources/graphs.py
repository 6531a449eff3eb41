"""Bundled graph datasets (karate club, a block-model graph, a wiring-only set): no file, no download."""

from __future__ import annotations

from typing import Literal

from automl.plugins.sources import SourcePlugin
from automl.spec.families import Strict

DATASETS = ("karate", "block_model", "graph_mixing")


class GraphsOptions(Strict):
    """Options of the bundled graph datasets (`automl.data.graph_bundled` says what each is)."""

    dataset: Literal[DATASETS]


def example(folder) -> dict:
    return {"name": "karate", "source": "graphs", "options": {"dataset": "karate"}, "task": "binary",
            "input": "graph"}


PLUGIN = SourcePlugin("graphs", "bundled graphs: karate club, a block-model graph, a wiring-only set",
                      options=GraphsOptions, load="automl.data.graph_bundled:bundled_graph_source",
                      example=example, order=15)
