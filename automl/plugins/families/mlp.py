"""The mlp family: a stack of dense layers (images and sequences are flattened first).

On graphs it sees each node's own features only, never the edges: the structure-blind
baseline a graph network has to beat (graph tasks average the nodes' outputs).
"""

from __future__ import annotations

from typing import Any, ClassVar

from automl.plugins.families import FamilyPlugin
from automl.spec.families import FamilyModel, P
from automl.spec.params import Fixed


class MlpModel(FamilyModel):
    """Feed-forward: dense layers (images and sequences are flattened first)."""

    depth: ClassVar[str] = "layers"
    layers: P(int, ge=0, le=16) = Fixed(2)  # 0: a linear model (logistic or ridge regression)
    units: P(int, per_layer=True, ge=1, le=8192) = Fixed(128)


def build(x: Any, v: dict, spec: Any) -> Any:
    """Builds ``layers`` dense units; ``units`` may be given per layer."""
    import keras

    from automl.builders.base import layer_value
    from automl.builders.blocks import dense_unit

    if spec.kind == "graph":  # each node on its own features alone, then the nodes asked for (or their mean)
        from automl.builders.graph import graph_output

        graph, x = x, x["nodes"]
    if len(spec.shape) > 1:
        x = keras.layers.Flatten()(x)
    for i in range(v["layers"]):
        x = dense_unit(x, layer_value(v, "units", i), v)
    return graph_output(x, graph) if spec.kind == "graph" else x


PLUGIN = FamilyPlugin(name="mlp", summary=MlpModel.__doc__.splitlines()[0], schema=MlpModel,
                      inputs=("tabular", "image", "sequence", "audio", "graph"), build=build, order=10)
