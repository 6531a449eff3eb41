"""Sequence input: timesteps x features, raw values normalized per feature inside the model."""

from __future__ import annotations

from typing import Any

from automl.plugins.inputs import InputKindPlugin, normalized


def make(spec: Any) -> tuple:
    return normalized(spec, "sequence")


PLUGIN = InputKindPlugin(name="sequence", summary="Timesteps x features", input_name="sequence", make=make,
                         order=30)
