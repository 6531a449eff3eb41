"""The on-disk record of a search that makes it resumable: which MLflow run is its parent.

KerasTuner keeps the oracle's state in the same folder; together they let the
same command continue a search that was interrupted.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from automl.errors import SpecError

FILE = "search.json"


@dataclass
class SearchState:
    """What must match for a search to be continued, and the parent run to reopen."""

    dataset: str
    space: str
    parent_run_id: str | None = None
    inputs: dict = field(default_factory=dict)  # how to load the data and space again (automl export)


def open_state(folder: Path, dataset: str, space: str, fresh: bool) -> SearchState:
    """Returns the saved state of the search in ``folder``, or a new one.

    Args:
        folder: This search's state folder.
        dataset: Dataset name of the current command.
        space: Space name of the current command.
        fresh: Forget any earlier search in this folder.

    Raises:
        SpecError: The folder holds a search on another dataset or space.
    """
    if fresh and folder.exists():
        shutil.rmtree(folder)
    path = folder / FILE
    if not path.exists():
        return SearchState(dataset, space)
    saved = SearchState(**json.loads(path.read_text()))
    if (saved.dataset, saved.space) != (dataset, space):
        raise SpecError(f"--experiment: expected a new name or --fresh, received {folder.name!r}, "
                        f"which already holds a search of dataset {saved.dataset!r} with space {saved.space!r}")
    return saved


def read_state(folder: Path) -> SearchState:
    """The saved state of the search in ``folder``.

    Raises:
        SpecError: There is none.
    """
    path = folder / FILE
    if not path.exists():
        raise SpecError(f"--experiment: expected a search, received {folder.name!r}: no {path}")
    return SearchState(**json.loads(path.read_text()))


def save_state(folder: Path, state: SearchState) -> None:
    """Writes the state atomically (a killed process leaves the old file or the new one)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (FILE + ".tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2))
    tmp.replace(folder / FILE)
