"""The on-disk record of a search that makes it resumable: which MLflow run is its parent.

KerasTuner keeps the oracle's state in the same folder; together they let the
same command continue a search that was interrupted. A lock beside the folder
keeps a second search of the same experiment out while one runs, and a marker
inside it tells `--fresh` the folder is the toolkit's own to delete.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from automl import atomic
from automl.errors import SearchError, SpecError

FILE = "search.json"
MARKER = ".automl-search"  # written into every state folder the toolkit creates


@dataclass
class SearchState:
    """What must match for a search to be continued, and the parent run to reopen."""

    dataset: str
    space: str
    parent_run_id: str | None = None
    inputs: dict = field(default_factory=dict)  # how to load the data and space again (automl export)
    # Tags the parent run before its id is known here, so a kill between creating the run and
    # saving its id does not leave a second parent run behind on resume.
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


def open_state(folder: Path, dataset: str, space: str, fresh: bool) -> SearchState:
    """Returns the saved state of the search in ``folder``, or a new one.

    Args:
        folder: This search's state folder.
        dataset: Dataset name of the current command.
        space: Space name of the current command.
        fresh: Forget any earlier search in this folder.

    Raises:
        SpecError: The folder holds a search on another dataset or space, or ``fresh`` would
            delete a folder the toolkit did not make.
    """
    if fresh and folder.exists():
        _forget(folder)
    path = folder / FILE
    if not path.exists():
        return SearchState(dataset, space)
    saved = _read(path)
    if (saved.dataset, saved.space) != (dataset, space):
        raise SpecError(f"--experiment: expected a new name or --fresh, received {folder.name!r}, "
                        f"which already holds a search of dataset {saved.dataset!r} with space {saved.space!r}")
    return saved


def _forget(folder: Path) -> None:
    """Deletes a search's state folder, but only one the toolkit made (a folder with its marker)."""
    if folder.is_symlink() or not ((folder / MARKER).is_file() or (folder / FILE).is_file()):
        raise SpecError(f"--fresh: expected a search folder made by automl, received {str(folder)!r}, which has "
                        f"no {MARKER} marker; it was left as it is: remove it yourself or choose another --experiment")
    shutil.rmtree(folder)


def read_state(folder: Path) -> SearchState:
    """The saved state of the search in ``folder``.

    Raises:
        SpecError: There is none.
    """
    path = folder / FILE
    if not path.exists():
        raise SpecError(f"--experiment: expected a search, received {folder.name!r}: no {path}")
    return _read(path)


def _read(path: Path) -> SearchState:
    try:
        return SearchState(**json.loads(path.read_text()))
    except (ValueError, TypeError, OSError) as err:
        raise SpecError(f"{path}: expected the state of a search, received an unreadable file ({err}); "
                        f"start over with --fresh") from None


def save_state(folder: Path, state: SearchState) -> None:
    """Writes the state atomically (a killed process leaves the old file or the new one)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / MARKER
    if not marker.exists():
        marker.write_text("a search state folder made by automl; `automl search --fresh` may delete it\n")
    atomic.write_json(folder / FILE, asdict(state), indent=2)


@contextlib.contextmanager
def search_lock(root: Path, experiment: str) -> Iterator[None]:
    """Holds the experiment's lock for the block: a second search of it stops at once, in one line.

    An advisory ``flock`` on ``<root>/.<experiment>.lock``, outside the state folder so that
    ``--fresh`` can delete the folder while holding it. The system releases it when the process
    ends in any way, a kill included, so a stale lock never blocks a resume.

    Raises:
        SearchError: Another process holds the lock.
    """
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".{experiment}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise SearchError(f"--experiment: expected an experiment no other search is running, received "
                              f"{experiment!r}, which {holder} is searching now; wait for it to end or choose "
                              f"another --experiment") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} (since {time.strftime('%H:%M:%S')})")
        handle.flush()
        yield
