"""The `model:` section of each architecture family (schema only, no TensorFlow).

Here is what every family's schema shares; each family's own schema lives in its
module in `automl.plugins.families`, with its builder, and FAMILY_MODELS reads
them from that catalog. Keys marked layer-wise accept ``{per_layer: value}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any, ClassVar, Iterator

from pydantic import AfterValidator, BaseModel, ConfigDict

from automl.spec.params import Domain, Fixed, parse_param

ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "selu", "swish")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal")
NORMS = ("none", "batch", "layer")


def P(kind: type, per_layer: bool = False, **bounds: Any) -> Any:  # noqa: N802 - a type in field lists
    """Field type for a searchable value whose single values lie in a domain."""
    check = partial(parse_param, domain=Domain(kind, **bounds), per_layer=per_layer)
    return Annotated[Any, AfterValidator(check)]


class Strict(BaseModel):
    """A section of a YAML file: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class FamilyModel(Strict):
    """Knobs every family has: activation, dropout, normalization, initializer, L1/L2."""

    depth: ClassVar[str] = "layers"  # the key that counts layers, for per-layer values
    # key -> (parent key, parent values): the key exists only when the parent has one of them
    # (KerasTuner's conditional scopes; the builder sees no value for it otherwise).
    when: ClassVar[dict[str, tuple[str, tuple]]] = {}

    activation: P(str, allowed=ACTIVATIONS) = Fixed("relu")
    dropout: P(float, ge=0.0, le=0.95) = Fixed(0.0)
    norm: P(str, allowed=NORMS) = Fixed("none")
    initializer: P(str, allowed=INITIALIZERS) = Fixed("glorot_uniform")
    l1: P(float, ge=0.0, le=1.0) = Fixed(0.0)
    l2: P(float, ge=0.0, le=1.0) = Fixed(0.0)


class _FamilyModels(Mapping):
    """Family name -> schema of its `model:` section, read from the families catalog on first use.

    The family modules import this module (for `FamilyModel`), so the catalog is
    loaded when first asked, not when this module is imported.
    """

    def __getitem__(self, family: str) -> type[FamilyModel]:
        return _catalog().get(family).schema

    def __iter__(self) -> Iterator[str]:
        return iter(_catalog().names())

    def __len__(self) -> int:
        return len(_catalog())


def _catalog() -> Any:
    from automl.plugins.families import FAMILIES

    return FAMILIES


FAMILY_MODELS: Mapping[str, type[FamilyModel]] = _FamilyModels()


def family_inputs(family: str) -> tuple[str, ...]:
    """The input kinds a family can take."""
    return _catalog().get(family).inputs
