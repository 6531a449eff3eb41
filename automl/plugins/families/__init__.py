"""The families catalog: architecture families, each with its `model:` schema, input kinds, tasks and builder.

A family is one module here defining ``PLUGIN = FamilyPlugin(...)``: the pydantic
schema of its ``model:`` section (a `automl.spec.families.FamilyModel`), the input
kinds and tasks it serves, and its body builder. The module must import without
TensorFlow: the builder imports Keras inside itself (or is named by a
``"module:function"`` string). The schema (``family:`` choices, the ``model:``
section), ``automl validate``'s family/input and family/task checks, the model
builder and the contract suite (tests/builders/test_family_contract.py) all read
this table. Adding a family is its module, its test and a YAML in search_spaces/.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from automl.catalog import Catalog, Plugin, resolve

# The tasks a family that predicts labels or values serves (an autoencoder reconstructs instead).
SUPERVISED = ("multiclass", "binary", "multilabel", "regression")


@dataclass(frozen=True)
class FamilyPlugin(Plugin):
    """One architecture family.

    Attributes:
        schema: The `FamilyModel` subclass validating the family's ``model:`` section.
        inputs: The input kinds (names in the input kinds catalog) the family takes.
        tasks: The tasks (names in the tasks catalog) the family serves.
        build: The body: ``build(x, values, spec)`` takes the preprocessed input tensor,
            the trial's values and the `InputSpec` the body sees, and returns the
            feature tensor the task's head goes on. A function that imports Keras
            inside itself, or a ``"module:function"`` string.
        fits: Optional ``fits(model, input_kind)``: given the validated ``model:``
            section, ``(key, message)`` when a value of ``key`` cannot take
            ``input_kind`` (``None``: it can), for what the input kinds alone do
            not say (a conv autoencoder on a table).
        whole: ``build(values, spec, epochs)`` returns the compiled model itself, not a body for a
            head: the generative families, which train with their own steps.
        order: Where the family sits in listings.
    """

    schema: type = object
    inputs: tuple[str, ...] = ()
    tasks: tuple[str, ...] = SUPERVISED
    build: Callable[..., Any] | str = ""
    fits: Callable[[Any, str], tuple[str, str] | None] | None = None
    whole: bool = False
    order: int = 100

    def body(self) -> Callable[..., Any]:
        """The builder function (importing it when named by a string)."""
        return resolve(self.build)


FAMILIES: Catalog[FamilyPlugin] = Catalog("family", "automl.plugins.families", FamilyPlugin)


class Names(Sequence):
    """The catalog's names, read on first use: for schema fields defined before the plug-ins can load.

    Family modules import `automl.spec.families`, which imports the schema, so the
    schema cannot list the families when it is defined; it holds this view instead.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def __getitem__(self, i: Any) -> Any:
        return self.catalog.names()[i]

    def __len__(self) -> int:
        return len(self.catalog)

    def __contains__(self, name: object) -> bool:
        return name in self.catalog

    def __iter__(self) -> Iterator[str]:
        return iter(self.catalog.names())

    def __repr__(self) -> str:  # pydantic calls it while the schema is defined: must not load
        return f"Names({self.catalog.package})"
