"""Catalogs: one per extension point, each found by listing a package of plug-in modules.

A plug-in is one module in its kind's package (``automl/plugins/<kind>/``) that
defines ``PLUGIN``, an instance of that kind's `Plugin` subclass. The catalog
imports every module of the package the first time it is asked, so a plug-in
module must import without TensorFlow: heavy libraries are imported inside the
functions that need them, or named by a ``"module:attribute"`` string that
`resolve` imports on use. That keeps ``automl validate`` and ``--help`` instant
and lets the schema, the CLI's choices and the validator read one table.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Generic, Iterator, TypeVar

from automl.errors import AutoMLError, SpecError


@dataclass(frozen=True)
class Plugin:
    """What every plug-in says of itself.

    Attributes:
        name: The name users write (``--controller evolution``, ``family: cnn``).
        summary: One line for ``--help`` and the docs.
    """

    name: str
    summary: str


E = TypeVar("E", bound=Plugin)


class Catalog(Generic[E]):
    """The plug-ins of one kind, by name, in the order of their ``order`` then name.

    Args:
        what: How a user names the choice in errors (``--controller``, ``family``).
        package: Dotted name of the package whose modules define ``PLUGIN``.
        kind: The `Plugin` subclass every entry must be.
        error: The error class raised for an unknown name.
    """

    def __init__(self, what: str, package: str, kind: type[E], error: type[AutoMLError] = SpecError) -> None:
        self.what, self.package, self.kind, self.error = what, package, kind, error
        self._entries: dict[str, E] | None = None

    def _load(self) -> dict[str, E]:
        if self._entries is None:
            found: dict[str, E] = {}
            for module in _modules(self.package):
                entry = getattr(module, "PLUGIN", None)
                if entry is None:
                    continue
                if not isinstance(entry, self.kind):
                    raise TypeError(f"{module.__name__}.PLUGIN: expected a {self.kind.__name__}, "
                                    f"received {type(entry).__name__}")
                if entry.name in found:
                    raise TypeError(f"{module.__name__}.PLUGIN: expected a new {self.what} name, "
                                    f"received {entry.name!r} again")
                found[entry.name] = entry
            order = sorted(found.values(), key=lambda e: (getattr(e, "order", 100), e.name))
            self._entries = {e.name: e for e in order}
        return self._entries

    def names(self) -> tuple[str, ...]:
        """Every registered name, in catalog order."""
        return tuple(self._load())

    def get(self, name: str) -> E:
        """The entry called ``name``.

        Raises:
            AutoMLError: (of the catalog's class) No such entry; the message lists the known names.
        """
        entries = self._load()
        if name not in entries:
            raise self.error(f"{self.what}: expected one of: {', '.join(entries)}, received {name!r}")
        return entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._load()

    def __iter__(self) -> Iterator[E]:
        return iter(self._load().values())

    def __len__(self) -> int:
        return len(self._load())


def _modules(package: str) -> Iterator[Any]:
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{package}.{info.name}")


def resolve(ref: Any) -> Any:
    """Imports ``"package.module:attribute"`` and returns the attribute (the heavy half of a plug-in).

    Anything but a string is returned as it is, so a plug-in field may hold either the
    function itself or the name of one.
    """
    if not isinstance(ref, str):
        return ref
    module, _, attribute = ref.partition(":")
    return getattr(importlib.import_module(module), attribute)
