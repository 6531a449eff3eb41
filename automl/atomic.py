"""Files written whole or not at all: a process killed at any instant leaves the old file or the new one.

Imports nothing of the package, so every layer may use it.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Callable


def write_text(path: str | os.PathLike, text: str) -> None:
    """Writes ``text`` to a temporary file beside ``path`` and renames it into place.

    The temporary name carries the process and thread, so two writers never
    share one. The data is not fsynced: the guarantee is against the process
    dying (a kill, a crash), which leaves the kernel's page cache intact, not
    against the machine losing power.
    """
    _replace(path, lambda temporary: temporary.write_text(text))


def write_json(path: str | os.PathLike, value: Any, indent: int | None = None) -> None:
    """`write_text` of ``value`` as JSON."""
    write_text(path, json.dumps(value, indent=indent))


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """`write_text` of bytes: the whole file or the old one, never a part."""
    _replace(path, lambda temporary: temporary.write_bytes(data))


def _replace(path: str | os.PathLike, write: Callable[[Path], Any]) -> None:
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
