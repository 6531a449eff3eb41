"""The diffusion family: a small U-Net denoiser, a noise schedule and DDIM sampling (`automl.builders.diffusion`)."""

from __future__ import annotations

from typing import ClassVar

from automl.plugins.families import FamilyPlugin
from automl.spec.families import FamilyModel, P
from automl.spec.params import Fixed


class DiffusionModel(FamilyModel):
    """Denoising diffusion: U-Net depth and width, attention, noise steps, noise_schedule, DDIM steps, EMA."""

    depth: ClassVar[str] = "levels"
    levels: P(int, ge=1, le=5) = Fixed(2)  # resolutions of the U-Net (each halves the image)
    width: P(int, ge=8, le=256) = Fixed(32)  # channels at full resolution, doubled per level
    attention: P(bool) = Fixed(False)  # self-attention at the lowest resolution
    noise_steps: P(int, ge=10, le=4000) = Fixed(1000)
    noise_schedule: P(str, allowed=("linear", "cosine")) = Fixed("cosine")
    sampling_steps: P(int, ge=2, le=1000) = Fixed(20)  # DDIM steps when sampling
    ema: P(float, ge=0.0, lt=1.0) = Fixed(0.99)  # 0: no moving average of the weights
    conditional: P(bool) = Fixed(False)  # class-conditional: needs labelled data


PLUGIN = FamilyPlugin(name="diffusion", summary=DiffusionModel.__doc__.splitlines()[0], schema=DiffusionModel,
                      inputs=("image",), tasks=("generation",), build="automl.builders.diffusion:build", whole=True,
                      order=75)
