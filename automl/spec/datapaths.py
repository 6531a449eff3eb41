"""What a dataset card may read: one rule, checked by `automl validate` and again by the data sources.

A card names its data in ``options.path``. Relative paths resolve from the
card's folder; ``~`` is the user's home. A file-based source reads only a
regular file whose name ends in a suffix it takes, and a folder source only
a folder (each source's plug-in in `automl.plugins.sources` says which): a card
cannot make the toolkit read ``~/.ssh/id_rsa``, ``/etc/passwd`` or ``/dev/zero``
(rows of the data are logged to MLflow as the dataset example).
"""

from __future__ import annotations

from pathlib import Path

from automl.spec.filekind import describe


def _plugin(source: str):
    from automl.plugins.sources import SOURCES  # its plug-ins import automl.spec

    return SOURCES.get(source)


def reads_path(source: str) -> bool:
    """Whether the source reads ``options.path`` from disk (its plug-in's ``reads``)."""
    return bool(_plugin(source).reads)


def resolve(card: Path, given: str) -> Path:
    """``given`` from a card's options: ``~`` expanded, relative to the card's folder unless absolute."""
    path = Path(given).expanduser()
    return path if path.is_absolute() else card.parent / path


def problem(source: str, path: Path, must_exist: bool = True) -> str | None:
    """Why ``source`` may not read ``path`` (``expected ..., received ...``), or None when it may.

    Args:
        source: A source that `reads_path`.
        path: The resolved path.
        must_exist: False when only checking a card: its data may live on another machine.
    """
    plugin = _plugin(source)
    noun, suffixes, folder = plugin.noun, plugin.suffixes, plugin.reads == "folder"
    if suffixes and not path.name.lower().endswith(suffixes):
        endings = suffixes[0] if len(suffixes) == 1 else f"one of {', '.join(suffixes)}"
        return f"expected a path to a {noun} (a name ending in {endings}), received {str(path)!r}"
    found = describe(path)
    wanted = "a folder" if folder else "a regular file"
    if found == wanted or (found == "a missing path" and not must_exist):
        return None
    if found == "a missing path":
        return f"expected an existing {noun}, received a missing path"
    return f"expected {'a' if folder else 'a regular'} {noun}, received {found}"
