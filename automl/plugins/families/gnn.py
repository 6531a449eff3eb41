"""The gnn family: message-passing layers (gcn, sage, gat, gin) on plain Keras 3, then a readout for graph tasks."""

from __future__ import annotations

from typing import Any, ClassVar

from automl.plugins.families import FamilyPlugin
from automl.spec.families import FamilyModel, P
from automl.spec.params import Fixed

CONVOLUTIONS = ("gcn", "sage", "gat", "gin")


class GnnModel(FamilyModel):
    """Graph convolutions over node features and edges; per node, or read out per graph."""

    depth: ClassVar[str] = "layers"
    # aggregation exists for the convolutions that aggregate their neighbours plainly; heads for attention.
    when: ClassVar[dict[str, tuple[str, tuple]]] = {"aggregation": ("conv", ("sage", "gin")),
                                                     "heads": ("conv", ("gat",))}
    conv: P(str, allowed=CONVOLUTIONS) = Fixed("gcn")
    layers: P(int, ge=1, le=8) = Fixed(2)
    units: P(int, per_layer=True, ge=1, le=4096) = Fixed(64)
    aggregation: P(str, allowed=("mean", "sum", "max")) = Fixed("mean")
    heads: P(int, ge=1, le=16) = Fixed(4)
    residual: P(bool) = Fixed(False)
    readout: P(str, allowed=("mean", "sum", "max", "attention")) = Fixed("mean")  # graph tasks only


def build(x: Any, v: dict, spec: Any) -> Any:
    """``layers`` graph convolutions on the normalized node features; then the nodes asked for, or a readout."""
    from automl.builders.base import layer_value
    from automl.builders.graph import conv_unit, graph_output

    states = x["nodes"]
    for i in range(v["layers"]):
        states = conv_unit(states, x, layer_value(v, "units", i), v)
    return graph_output(states, x, v["readout"])


PLUGIN = FamilyPlugin(name="gnn", summary=GnnModel.__doc__.splitlines()[0], schema=GnnModel,
                      inputs=("graph",), tasks=("multiclass", "binary", "regression"), build=build, order=60)
