"""Names a user types (an experiment, a card's or a space's name) are identifiers, never paths.

An experiment's name becomes a folder under the search-state and export
folders, so a name such as ``/home/me`` or ``../../x`` must never reach the
file system: it is refused in one line instead. A name made from a file's
stem (``--data "my data.csv"``) is tidied into the allowed characters.
"""

from __future__ import annotations

import re
from pathlib import Path

from automl.errors import SpecError

MAX_LENGTH = 100
_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_LENGTH - 1}}}")
RULE = (f"a name of letters, digits, '.', '_' and '-' (1 to {MAX_LENGTH} characters, starting with a "
        f"letter or digit, without '..')")


def problem(name: object) -> str | None:
    """What is wrong with ``name`` as an identifier, or None when it is fine."""
    if isinstance(name, str) and _NAME.fullmatch(name) and ".." not in name:
        return None
    shown = repr(name)
    return f"expected {RULE}, received {shown if len(shown) <= 120 else shown[:100] + '...'}"


def check_name(name: object, where: str) -> str:
    """Returns ``name`` when it is a valid identifier.

    Args:
        name: What the user gave.
        where: The flag or file position that gave it, for the error.

    Raises:
        SpecError: The name could act as a path, or is empty.
    """
    wrong = problem(name)
    if wrong:
        raise SpecError(f"{where}: {wrong}")
    return name  # type: ignore[return-value]


def tidy(text: str, fallback: str = "data") -> str:
    """``text`` made into a valid name: other characters become ``_``; empty becomes ``fallback``."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text).replace("..", "_").strip("._-")[:MAX_LENGTH]
    return name or fallback


def inside(root: Path, name: str, where: str) -> Path:
    """``root / name`` after checking that it stays under ``root`` (a symbolic link may not lead out).

    Raises:
        SpecError: ``name`` is not a valid name, or the folder resolves outside ``root``.
    """
    check_name(name, where)
    folder = Path(root) / name
    base = Path(root).resolve()
    if not folder.resolve().is_relative_to(base):
        raise SpecError(f"{where}: expected a folder inside {str(root)!r}, received {name!r}, which leads to "
                        f"{str(folder.resolve())!r}")
    return folder
