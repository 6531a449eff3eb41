"""MLflow's process-wide tracking URI, set only for the calls that read it and then put back.

`mlflow.set_tracking_uri` also sets ``MLFLOW_TRACKING_URI`` in the environment,
which every later subprocess (and our own default store lookup) would inherit.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

VARIABLE = "MLFLOW_TRACKING_URI"
# The project's own store: what every command uses when neither a flag nor the variable names one.
DEFAULT_URI = "sqlite:///mlruns/mlflow.db"


def chosen(explicit: str | None) -> str:
    """The store a command uses: its ``--tracking-uri``, else ``$MLFLOW_TRACKING_URI``, else `DEFAULT_URI`."""
    return explicit or os.environ.get(VARIABLE) or DEFAULT_URI


@contextlib.contextmanager
def using(uri: str) -> Iterator[None]:
    """Makes ``uri`` MLflow's tracking URI inside the block only."""
    import mlflow

    saved_variable, saved_uri = os.environ.get(VARIABLE), mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(saved_uri)
        if saved_variable is None:
            os.environ.pop(VARIABLE, None)
        else:
            os.environ[VARIABLE] = saved_variable
