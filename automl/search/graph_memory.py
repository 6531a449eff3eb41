"""Gives back the memory of a trial's traced graphs once the trial is over.

Every ``model.fit`` under TensorFlow traces a train function whose optimizer
step all-reduces the gradients through ``tf.custom_gradient``. In graph mode
that decorator registers a gradient function under a fresh name
(``CustomGradient-N``) in TensorFlow's global gradient registry and never takes
it out. The function's closure holds the whole traced graph, so each trained
model left about 4 MB behind that ``keras.backend.clear_session`` cannot free
(measured on digits with a small MLP: RSS grew 4.1 MB a model in a plain Keras
loop, 0.03 MB with the registrations dropped; ``benchmarks/memory.py``).

The names a trial registered belong to graphs that die with the trial's
model, so dropping them afterwards loses nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

PREFIX = "CustomGradient-"


def _registry() -> dict | None:
    # TensorFlow's registry of gradient functions by op type; private, so looked up with care.
    try:
        from tensorflow.python.framework import ops
    except ImportError:  # another Keras backend: nothing of TensorFlow's to release
        return None
    table = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    return table if isinstance(table, dict) else None


def custom_gradient_names() -> set[str]:
    """The custom-gradient names now registered with TensorFlow (empty if it has no such registry)."""
    table = _registry()
    return {name for name in table if name.startswith(PREFIX)} if table is not None else set()


@contextlib.contextmanager
def released_graphs() -> Iterator[None]:
    """Drops the custom-gradient registrations made while inside, so their graphs can be collected.

    Use it around one trial: build, fit, save, then leave. Only names registered
    inside are dropped; graphs alive before keep theirs.
    """
    before = custom_gradient_names()
    try:
        yield
    finally:
        table = _registry()
        for name in custom_gradient_names() - before:
            table.pop(name, None)
