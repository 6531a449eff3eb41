"""What a path names (a regular file, a folder, a FIFO, a device...), found without opening it.

Opening a FIFO blocks until someone writes to it and a device such as
``/dev/zero`` never ends, so every file the toolkit reads on a user's word is
looked at with ``stat`` first.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def kind_of(mode: int) -> str:
    """Names the kind of file a ``st_mode`` describes (``a FIFO``)."""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def describe(path: Path) -> str:
    """Names what ``path`` is, following links: ``a regular file``, ``a folder``, ``a missing path``, ...

    Never opens the path, so it cannot block on a FIFO or a device.
    """
    try:
        return kind_of(os.stat(path).st_mode)
    except FileNotFoundError:
        return "a missing path"
    except OSError as err:
        return f"an unreadable path ({err.strerror or err})"


def is_regular(path: Path) -> bool:
    """Whether ``path`` is a regular file (links followed), without opening it."""
    return describe(path) == "a regular file"
