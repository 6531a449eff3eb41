"""What runs in a Ray worker process: its one-time set-up, and one attempt at a trial.

A worker process serves at most `TRIALS_PER_PROCESS` trials, then Ray starts
a fresh one: importing TensorFlow costs a new process about 5 s on two CPU
cores (far over the 0.5 s a trial we allow for dispatch), while what a trial
leaves behind in a process is bounded by `released_graphs` and
``clear_session``; a bounded count returns whatever does leak to the system
(benchmarks/parallel.py measures both).
"""

from __future__ import annotations

import gc
import os
import uuid
from dataclasses import dataclass
from typing import Any

TRIALS_PER_PROCESS = 20
ATTEMPTS = 3  # a trial whose process or node dies this many times is FAILED (Ray's retries: ATTEMPTS - 1)
_prepared = False  # whether this process was set up (TensorFlow takes thread pools only once)


@dataclass(frozen=True)
class WorkerSetup:
    """How each worker process runs TensorFlow.

    Attributes:
        cpus: CPUs a trial has: TensorFlow's thread pools are this size.
        gpus: GPUs a trial has; with none, TensorFlow is kept off the machine's GPUs (Ray 2.60 no longer
            hides them from a task that asked for none).
    """

    cpus: float = 1.0
    gpus: float = 0.0


def prepare(setup: WorkerSetup) -> None:
    """Sets TensorFlow's thread pools and GPU memory growth, once per process (the precision policy is
    the trial's: `automl.search.attempt.TrialContext`).

    Ray sets ``CUDA_VISIBLE_DEVICES`` to the trial's own GPUs before the task runs,
    so TensorFlow sees only those.
    """
    global _prepared
    if _prepared:  # thread pools can be sized only before TensorFlow's runtime starts
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    threads = max(1, int(setup.cpus))
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    gpus = tf.config.list_physical_devices("GPU")
    if not setup.gpus and gpus:  # GPUs Ray did not give this trial are another trial's
        tf.config.set_visible_devices([], "GPU")
        gpus = []
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)
    import automl.search.attempt  # noqa: F401 - the builders and everything a trial imports

    # As the in-process search does (`automl.search.controller.frozen_heap`): the full collection in each
    # trial's clear_session then walks only what trials made, not TensorFlow's and Keras's own objects.
    gc.collect(1)
    gc.freeze()
    _prepared = True


def warm(setup: WorkerSetup) -> str:
    """Imports TensorFlow and Keras in this process ahead of its first trial; returns the host and pid."""
    import socket

    prepare(setup)
    return f"{socket.gethostname()}:{os.getpid()}"


def attempt(context: Any, job: Any, relay: Any, setup: WorkerSetup) -> Any:
    """One attempt at ``job``: announced on the relay, its epochs posted there, its `Outcome` returned.

    Ray runs this again elsewhere when the process or its node dies; the driver
    tells the attempts apart by the token each one announces.
    """
    from automl.faults import checkpoint
    from automl.search.attempt import run_attempt

    prepare(setup)
    token = uuid.uuid4().hex
    post(relay, ("begin", job.trial_id, token, _where()))
    checkpoint("worker.started", f"{job.trial_id} {os.getpid()} {_node()}")

    def sink(trial_id: str, epoch: int, metrics: dict) -> None:
        post(relay, ("epoch", trial_id, token, epoch, metrics))
        checkpoint("worker.epoch", trial_id)  # where the fault tests kill a worker mid-trial

    outcome = run_attempt(context, job, sink)
    outcome.where = _where()
    outcome.rss_mb = _rss_mb()
    checkpoint("worker.ended", job.trial_id)
    return token, outcome


def _rss_mb() -> float:
    """This process's resident memory in MB, after the trial (what a long-lived worker keeps)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):  # not Linux
        return 0.0


def post(relay: Any, message: tuple) -> None:
    """Puts a message on the relay without waiting (`automl.distributed.relay` says why); the trial goes on
    if the relay is gone (its history comes back with its outcome anyway)."""
    try:
        relay.post.remote(message)
    except Exception:  # noqa: BLE001 - live metrics are a view; the outcome carries the record
        pass


def _where() -> str:
    import socket

    return f"{socket.gethostname()}:{os.getpid()} (node {_node()[:8]})"


def _node() -> str:
    """This process's Ray node id ("local" outside Ray)."""
    try:
        import ray

        return ray.get_runtime_context().get_node_id()
    except Exception:  # noqa: BLE001 - outside Ray (tests call attempt directly)
        return "local"
