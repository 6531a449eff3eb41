"""Opening an MLflow store: safely when several searches start at once, quickly when a server is away.

- A new SQLite store is created (MLflow runs its schema migrations) under a
  file lock, so two searches started together on a brand-new store do not
  both migrate it; the second waits and then opens the finished store.
- A tracking server is asked for its health first, with a short timeout, so an
  address where nothing answers is one line within seconds; and MLflow's own
  retries (7 by default, doubling waits: about 250 s of silence) are bounded
  unless the user set them.
- A store error that a rerun cannot fix (MLflow refusing a value) is told
  apart from one that it can (a server away, a locked or full disk).
"""

from __future__ import annotations

import contextlib
import logging
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

from automl.errors import TrackingError, first_line

HEALTH_TIMEOUT = 10.0  # seconds to wait for a tracking server's /health before giving up
# MLflow's request settings when the user has not set them: at most about 20 s of retries.
HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "3", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
                 "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}
# MLflow error codes that mean the store refused what it was sent: the same call fails again on a rerun.
REFUSALS = {"INVALID_PARAMETER_VALUE", "BAD_REQUEST", "RESOURCE_ALREADY_EXISTS", "INVALID_STATE"}


def open_client(uri: str) -> Any:
    """An `MlflowClient` on ``uri``, with the store created or the server checked first.

    Raises:
        TrackingError: An unknown scheme, a store MLflow cannot create, or no server answering.
    """
    from mlflow.tracking import MlflowClient

    quiet_libraries()
    if uri.startswith(("http://", "https://")):
        for name, value in HTTP_DEFAULTS.items():
            os.environ.setdefault(name, value)
        check_server(uri)
    try:
        with _creating(uri):
            return MlflowClient(tracking_uri=uri)
    except TrackingError:
        raise
    except Exception as err:  # noqa: BLE001 - an unknown scheme, a malformed URI, an unwritable folder
        raise TrackingError(f"--tracking-uri: expected a URI MLflow can store runs in (sqlite:///..., "
                            f"http://...), received {uri!r} ({first_line(err)})") from None


def quiet_libraries() -> None:
    """Keeps the store's libraries from printing to the terminal.

    MLflow's INFO lines about creating tables and the "View run" line it prints for each
    run it closes on a server would interleave with the progress lines; SQLAlchemy's and
    alembic's loggers print whole tracebacks (80 lines on a full disk) before the one line
    the search prints for the same failure.
    """
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    for name in ("alembic", "sqlalchemy", "mlflow.store.db.utils"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")


def check_server(uri: str, timeout: float = HEALTH_TIMEOUT) -> None:
    """Raises TrackingError unless a tracking server answers at ``uri`` within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=timeout):
            return
    except urllib.error.HTTPError:
        return  # something answers there; MLflow's own calls will say whether it is a tracking server
    except (OSError, ValueError) as err:
        reason = getattr(err, "reason", None) or err  # urllib wraps the socket's error
        raise TrackingError(f"--tracking-uri: expected an MLflow tracking server answering at {uri}, received "
                            f"no answer ({reason})") from None


@contextlib.contextmanager
def _creating(uri: str) -> Iterator[None]:
    """Holds a file lock beside a SQLite store while it is opened (and created, when new)."""
    if not uri.startswith("sqlite:///"):
        yield
        return
    import fcntl

    path = Path(uri.removeprefix("sqlite:///"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path.with_name(path.name + ".lock"), "a")
    except OSError as err:
        raise TrackingError(f"--tracking-uri: expected a folder the store can be written in, received "
                            f"{str(path.parent)!r} ({err.strerror})") from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits: the other process is creating the store
        yield


def refused(err: BaseException) -> bool:
    """Whether the store refused what it was sent (a rerun sends the same and fails the same)."""
    return getattr(err, "error_code", None) in REFUSALS
