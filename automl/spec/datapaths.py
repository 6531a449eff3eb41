"""What a dataset card may read: one rule, checked by `automl validate` and again by the data sources.

A card names its data in ``options.path``. Relative paths resolve from the
card's folder; ``~`` is the user's home. A file-based source reads only a
regular file whose name ends in the suffix it takes, and a folder source only
a folder: a card cannot make the toolkit read ``~/.ssh/id_rsa``, ``/etc/passwd``
or ``/dev/zero`` (rows of the data are logged to MLflow as the dataset example).
"""

from __future__ import annotations

from pathlib import Path

from automl.spec.filekind import describe

CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zst", ".csv.zip")  # pandas decompresses these
# Source -> the endings of the files it reads.
FILE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "csv": CSV_SUFFIXES, "timeseries": CSV_SUFFIXES, "parquet": (".parquet",), "npz": (".npz",),
}
# Sources that read a folder of class subfolders.
FOLDER_SOURCES = ("image_dir", "audio_dir")
# What each source reads, in errors (a table's words are the ones its reader has always used).
_NOUNS = {"csv": "csv file", "timeseries": "csv file", "parquet": "parquet file", "npz": ".npz file",
          "image_dir": "folder of class subfolders", "audio_dir": "folder of class subfolders"}


def reads_path(source: str) -> bool:
    """Whether the source reads ``options.path`` from disk."""
    return source in FILE_SUFFIXES or source in FOLDER_SOURCES


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
    noun = _NOUNS[source]
    suffixes = FILE_SUFFIXES.get(source, ())
    if suffixes and not path.name.lower().endswith(suffixes):
        endings = suffixes[0] if len(suffixes) == 1 else f"one of {', '.join(suffixes)}"
        return f"expected a path to a {noun} (a name ending in {endings}), received {str(path)!r}"
    found = describe(path)
    wanted = "a folder" if source in FOLDER_SOURCES else "a regular file"
    if found == wanted or (found == "a missing path" and not must_exist):
        return None
    if found == "a missing path":
        return f"expected an existing {noun}, received a missing path"
    return f"expected {'a' if source in FOLDER_SOURCES else 'a regular'} {noun}, received {found}"
