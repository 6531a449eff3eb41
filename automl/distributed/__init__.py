"""Trials in Ray worker processes: several at once on one machine (``--workers N``) or a cluster (``--address``).

Ray is imported in this package and nowhere else, and only when a search asks
for workers: `require` says in one line which extra to install when it is missing.
The controller stays in the driver (`automl.distributed.driver`); a trial is a
Ray task (`automl.distributed.worker`) that trains with the same function as
the in-process search (`automl.search.attempt`).
"""

from __future__ import annotations

from types import ModuleType

from automl.errors import AutoMLError

EXTRA = "distributed"


def require(flag: str) -> ModuleType:
    """Ray, imported; or one line naming the extra that brings it.

    Raises:
        AutoMLError: Ray is not installed.
    """
    try:
        import ray
    except ImportError:
        raise AutoMLError(f"{flag}: needs Ray, which is not installed; install the {EXTRA!r} extra: "
                          f"pip install 'keras-automl[{EXTRA}]'") from None
    return ray
