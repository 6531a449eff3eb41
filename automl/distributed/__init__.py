"""Trials in Ray worker processes: several at once on one machine (``--workers N``) or a cluster (``--address``).

Ray is imported in this package and nowhere else, and only when a search asks
for workers: `require` says in one line which extra to install when it is missing.
The controller stays in the driver (`automl.distributed.driver`); a trial is a
Ray task (`automl.distributed.worker`) that trains with the same function as
the in-process search (`automl.search.attempt`).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

from automl.errors import AutoMLError

EXTRA = "distributed"


def require(flag: str) -> ModuleType:
    """Ray, imported; or one line naming the extra that brings it.

    Raises:
        AutoMLError: Ray is not installed.
    """
    token_auth_like_ray_start()  # read by Ray as it loads
    try:
        import ray
    except ImportError:
        raise AutoMLError(f"{flag}: needs Ray, which is not installed; install the {EXTRA!r} extra: "
                          f"pip install 'keras-automl[{EXTRA}]'") from None
    return ray


def token_auth_like_ray_start() -> None:
    """Uses token authentication when this machine has a token, as ``ray start`` does.

    Ray's nodes turn token authentication on by themselves when ``RAY_AUTH_MODE`` is unset and a
    token exists (``RAY_AUTH_TOKEN``, ``RAY_AUTH_TOKEN_PATH`` or ``~/.ray/auth_token``); a driver
    joining a cluster does not, and is then refused by it. Ray reads the mode as it loads.
    """
    if "RAY_AUTH_MODE" in os.environ:
        return
    path = Path(os.environ.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token")
    if os.environ.get("RAY_AUTH_TOKEN") or path.exists():
        os.environ["RAY_AUTH_MODE"] = "token"
