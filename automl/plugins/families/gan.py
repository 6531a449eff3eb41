"""The gan family: a DCGAN-style generator and discriminator, searched together (`automl.builders.gan`)."""

from __future__ import annotations

from typing import ClassVar

from automl.plugins.families import FamilyPlugin
from automl.spec.families import FamilyModel, P
from automl.spec.params import Fixed

LOSSES = ("non_saturating", "hinge", "wasserstein_gp")


class GanModel(FamilyModel):
    """Generative adversarial networks: generator and discriminator depth, width, norms, loss and optimizers."""

    depth: ClassVar[str] = "g_layers"
    when: ClassVar[dict[str, tuple[str, tuple]]] = {"gp_weight": ("gan_loss", ("wasserstein_gp",))}
    latent: P(int, ge=2, le=512) = Fixed(32)
    g_layers: P(int, ge=1, le=6) = Fixed(2)
    g_filters: P(int, ge=4, le=512) = Fixed(64)
    norm: P(str, allowed=("none", "batch", "layer")) = Fixed("batch")  # the generator's
    d_layers: P(int, ge=1, le=6) = Fixed(2)
    d_filters: P(int, ge=4, le=512) = Fixed(64)
    # batch becomes layer under wasserstein_gp: the gradient penalty is per image
    d_norm: P(str, allowed=("none", "batch", "layer", "spectral")) = Fixed("none")
    gan_loss: P(str, allowed=LOSSES) = Fixed("non_saturating")
    gp_weight: P(float, ge=0.0, le=100.0) = Fixed(10.0)
    d_steps: P(int, ge=1, le=5) = Fixed(1)  # discriminator steps per generator step
    g_learning_rate: P(float, gt=0.0, le=1.0) = Fixed(2e-4)
    d_learning_rate: P(float, gt=0.0, le=1.0) = Fixed(2e-4)
    g_beta_1: P(float, ge=0.0, lt=1.0) = Fixed(0.5)
    g_beta_2: P(float, ge=0.0, lt=1.0) = Fixed(0.999)
    d_beta_1: P(float, ge=0.0, lt=1.0) = Fixed(0.5)
    d_beta_2: P(float, ge=0.0, lt=1.0) = Fixed(0.999)
    conditional: P(bool) = Fixed(False)  # class-conditional: needs labelled data


PLUGIN = FamilyPlugin(name="gan", summary=GanModel.__doc__.splitlines()[0], schema=GanModel, inputs=("image",),
                      tasks=("generation",), build="automl.builders.gan:build", whole=True, order=70)
