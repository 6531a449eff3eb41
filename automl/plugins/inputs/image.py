"""Image input: height x width x channels pixels, raw values normalized inside the model."""

from __future__ import annotations

from typing import Any

from automl.plugins.inputs import InputKindPlugin, normalized


def make(spec: Any) -> tuple:
    return normalized(spec, "image")


PLUGIN = InputKindPlugin(name="image", summary="Pixels: height x width x channels", input_name="image", make=make,
                         order=20)
