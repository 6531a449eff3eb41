"""Data sources: one module each, defining ``PLUGIN = SourcePlugin(...)``.

A source turns a dataset card (``source: NAME`` and its ``options:``) into raw
arrays. Its module says what its ``options`` section may hold (a pydantic
schema, TensorFlow-free), which files it may read, and where its loader is
(a ``"module:attribute"`` string, or a function that imports what it needs
inside). ``automl validate``, the card schema and `automl.data.load_dataset`
all read this catalog; adding a source is one module here and its test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from automl.catalog import Catalog, Plugin, resolve
from automl.errors import DataError


@dataclass(frozen=True)
class SourcePlugin(Plugin):
    """A data source.

    Attributes:
        options: The pydantic schema (a ``Strict`` model) of the card's ``options:`` section.
        load: The loader, ``(LoadedCard) -> automl.data.RawData``, or a ``"module:attribute"`` naming it.
        reads: ``"file"`` or ``"folder"`` when the source reads ``options.path`` from disk, else ``""``.
        suffixes: For a file source, the endings of the file names it reads (an empty tuple: any).
        noun: What it reads, in errors (``csv file``, ``folder of class subfolders``).
        example: ``(folder) -> card dict``: writes a small example into ``folder`` and returns a card
            for it that declares the task and input kind the data must give (the contract suite loads it).
        broken: ``(folder) -> card dict`` for a broken file: loading it must fail in one line naming
            the file (or the card, for a source that reads no file). None: the source reads no file.
        offline: Optional ``() -> context manager`` under which ``example`` loads without a network.
        guess: Optional ``(path) -> bool``: whether ``automl search --data PATH`` (no card) names this
            source's data; the first source in catalog order that says so reads it, with
            ``options.path`` (and ``options.target`` from ``--target`` when its options have one; required
            unless the option has a default, as a graph source's label column does).
        order: Place in listings.
    """

    options: type
    load: str | Callable[..., Any]
    reads: str = ""
    suffixes: tuple[str, ...] = ()
    noun: str = ""
    example: Callable[..., dict] | None = None
    broken: Callable[..., dict] | None = None
    offline: Callable[[], Any] | None = None
    guess: Callable[[Any], bool] | None = None
    order: int = 100

    def loader(self) -> Callable[..., Any]:
        """The loader, imported on first use."""
        return resolve(self.load)


SOURCES: Catalog[SourcePlugin] = Catalog("source", "automl.plugins.sources", SourcePlugin, DataError)
