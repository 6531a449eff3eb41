"""The controllers catalog (``--controller``, ``search.controller``): one module per controller.

A controller is one module here defining ``PLUGIN = ControllerPlugin(...)``.
Its ``build`` makes the KerasTuner oracle from the space's hyperparameters and
the search's `automl.search.oracles.OracleSettings`; it imports KerasTuner
inside the function (or is a ``"module:attribute"`` string), so the catalog
loads without TensorFlow. The oracle's class must name
`automl.search.managed.Managed` first among its bases and pass
``**common(hp, settings)`` (`automl.search.oracles.common`) to its constructor:
that gives it durable files, initial points and the search limits.
``tests/search/test_contract.py`` runs every check on every entry.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, Callable

from automl.catalog import Catalog, Plugin, resolve
from automl.errors import SpecError


@dataclass(frozen=True)
class ControllerPlugin(Plugin):
    """A controller.

    Attributes:
        build: ``(hp, settings) -> oracle``, or a ``"module:attribute"`` naming one.
        extra: ``(module, extra)`` when it needs an optional package (``pip install 'keras-automl[extra]'``).
        budgeted: It orders trials by epochs (``tuner/epochs``): initial points replace its random draws
            instead of going first, and a configuration comes back promoted with more epochs.
        multi_objective: It searches every objective of a multi-objective search (the others follow the first).
        unseeded: Why the seed does not change its proposals ("" when it does); the same seed gives the
            same proposals for every controller.
        no_initial_points: Why it refuses ``search.initial_points`` ("" when it takes them).
        order: Place in listings (then the name).
    """

    build: Callable[..., Any] | str = ""
    extra: tuple[str, str] | None = None
    budgeted: bool = False
    multi_objective: bool = False
    unseeded: str = ""
    no_initial_points: str = ""
    order: int = 100

    def factory(self) -> Callable[..., Any]:
        """The ``(hp, settings) -> oracle`` function (imported now when named by a string)."""
        return resolve(self.build)

    def require(self) -> None:
        """Fails in one line when this controller needs a package that is not installed.

        Checked before TensorFlow loads, so a missing extra costs the user one line,
        not a traceback halfway through a search.

        Raises:
            SpecError: The package is missing.
        """
        module, extra = self.extra or (None, None)
        if module and importlib.util.find_spec(module) is None:
            raise SpecError(f"--controller {self.name}: expected the {module!r} package (the {extra!r} extra), "
                            f"received an environment without it; install it with: "
                            f"pip install 'keras-automl[{extra}]'")


CONTROLLERS: Catalog[ControllerPlugin] = Catalog("--controller", "automl.plugins.controllers", ControllerPlugin)
