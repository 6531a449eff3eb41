"""Export formats: one module each, defining ``PLUGIN = FormatPlugin(...)``.

A format writes one artifact of a trained model into the export folder. Its
module names the writer (a ``"module:attribute"`` string: the writers import
Keras and TensorFlow), the layers it cannot carry (so the export refuses such a
model in one line before converting anything), the optional extra it needs and
whether ``automl export`` writes it by default. ``--format``'s choices and the
exporter read this catalog; adding a format is one module here and its test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from automl.catalog import Catalog, Plugin, resolve
from automl.errors import ExportError


@dataclass(frozen=True)
class FormatPlugin(Plugin):
    """An export format.

    Attributes:
        write: ``(model, folder, facts: automl.export.formats.ExportFacts) -> Path``: writes the
            artifact into ``folder`` (the SavedModel is there already, at ``facts.saved_model``) and
            returns its path; or a ``"module:attribute"`` naming it.
        artifact: The name of what it writes in the export folder (``model.onnx``).
        run: ``(artifact path, inputs) -> the model's main output``: runs the artifact on raw inputs
            (one array, or arrays by input name), or a ``"module:attribute"`` naming it; the contract
            suite checks with it that the artifact gives what the model in memory gives.
        refuses: Keras layer class names it has no equivalent for (``TextVectorization``): a model
            holding one is refused in one line, which is how a format declines input kinds (text)
            and families it cannot carry.
        extra: ``(module, extra)``: the optional package it needs and the extra that installs it.
        default: Written by ``automl export`` and after a search when no ``--format`` is given.
        order: Place in listings.
    """

    write: str | Callable[..., Any]
    artifact: str
    run: str | Callable[..., Any]
    refuses: tuple[str, ...] = ()
    extra: tuple[str, str] | None = None
    default: bool = False
    order: int = 100

    def writer(self) -> Callable[..., Any]:
        """The writer, imported on first use."""
        return resolve(self.write)

    def runner(self) -> Callable[..., Any]:
        """The runner, imported on first use."""
        return resolve(self.run)


FORMATS: Catalog[FormatPlugin] = Catalog("--format", "automl.plugins.formats", FormatPlugin, ExportError)


def default_formats() -> tuple[str, ...]:
    """The formats written when none are asked for: the SavedModel first (the others convert from it)."""
    return tuple(sorted((f.name for f in FORMATS if f.default), key=lambda name: name != "saved_model"))


def require_extras(names: tuple[str, ...] | list[str]) -> None:
    """Fails in one line when a format asked for needs a package that is not installed (before TensorFlow
    loads: a search checks this before its trials, not after them).

    Raises:
        ExportError: The first such format, with the extra that installs its package.
    """
    import importlib.util

    for plugin in (FORMATS.get(name) for name in names):
        if plugin.extra and importlib.util.find_spec(plugin.extra[0]) is None:
            raise ExportError(f"--format {plugin.name}: needs the {plugin.extra[1]} extra: "
                              f"pip install -e '.[{plugin.extra[1]}]'")
