"""What runs in a Ray worker process: its one-time set-up, and one attempt at a trial.

A worker process serves at most `TRIALS_PER_PROCESS` trials, then Ray starts
a fresh one: importing TensorFlow costs a new process about 5 s on two CPU
cores (far over the 0.5 s a trial we allow for dispatch), while what a trial
leaves behind in a process is bounded by `released_graphs` and
``clear_session``; a bounded count returns whatever does leak to the system
(benchmarks/parallel.py measures both).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

TRIALS_PER_PROCESS = 20
_prepared: tuple | None = None  # the set-up this process was given (it can be given only once)


@dataclass(frozen=True)
class WorkerSetup:
    """How each worker process runs TensorFlow.

    Attributes:
        cpus: CPUs a trial has: TensorFlow's thread pools are this size.
        mixed_precision: Train in float16 with float32 variables (Keras's ``mixed_float16`` policy).
    """

    cpus: float = 1.0
    mixed_precision: bool = False


def prepare(setup: WorkerSetup) -> None:
    """Sets TensorFlow's thread pools, GPU memory growth and the precision policy, once per process.

    Ray sets ``CUDA_VISIBLE_DEVICES`` to the trial's own GPUs before the task runs,
    so TensorFlow sees only those.
    """
    global _prepared
    key = (setup.cpus, setup.mixed_precision)
    if _prepared == key:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    threads = max(1, int(setup.cpus))
    if _prepared is None:  # thread pools can be sized only before TensorFlow's runtime starts
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        for gpu in tf.config.list_physical_devices("GPU"):
            tf.config.experimental.set_memory_growth(gpu, True)
    keras.mixed_precision.set_global_policy("mixed_float16" if setup.mixed_precision else "float32")
    _prepared = key


def warm(setup: WorkerSetup) -> str:
    """Imports TensorFlow and Keras in this process ahead of its first trial; returns the host and pid."""
    import socket

    prepare(setup)
    import automl.search.attempt  # noqa: F401 - the builders and everything a trial imports

    return f"{socket.gethostname()}:{os.getpid()}"


def attempt(context: Any, job: Any, relay: Any, setup: WorkerSetup) -> Any:
    """One attempt at ``job``: announced on the relay, its epochs posted there, its `Outcome` returned.

    Ray runs this again elsewhere when the process or its node dies; the driver
    tells the attempts apart by the token each one announces.
    """
    from automl.search.attempt import run_attempt

    prepare(setup)
    token = uuid.uuid4().hex
    post(relay, ("begin", job.trial_id, token, _where()))

    def sink(trial_id: str, epoch: int, metrics: dict) -> None:
        post(relay, ("epoch", trial_id, token, epoch, metrics))

    outcome = run_attempt(context, job, sink)
    outcome.where = _where()
    return token, outcome


def post(relay: Any, message: tuple) -> None:
    """Puts a message for the driver; the trial goes on if the relay is gone (its history comes back anyway)."""
    try:
        relay.put_nowait(message)
    except Exception:  # noqa: BLE001 - live metrics are a view; the outcome carries the record
        pass


def _where() -> str:
    import socket

    try:
        import ray

        node = ray.get_runtime_context().get_node_id()[:8]
    except Exception:  # noqa: BLE001 - outside Ray (tests call attempt directly)
        node = "local"
    return f"{socket.gethostname()}:{os.getpid()} (node {node})"
