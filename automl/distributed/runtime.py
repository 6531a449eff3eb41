"""Ray for one search: a local runtime started and stopped by the command, or an existing cluster joined.

A local runtime advertises 127.0.0.1, runs no dashboard and sends no usage
statistics; its CPUs are the trials' (``workers x cpus_per_trial``), its GPUs
those the machine has. Joining a cluster (``--address`` or ``RAY_ADDRESS``)
uses the cluster's resources as they are and leaves the cluster running.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from dataclasses import dataclass
from typing import Any

from automl.distributed import require
from automl.errors import AutoMLError, first_line


@dataclass(frozen=True)
class WorkerOptions:
    """The command's flags for trials in worker processes.

    Attributes:
        workers: Trials at once; 1 keeps trials in the command's own process (unless ``address`` is set).
        address: A Ray cluster's ``HOST:PORT`` to join (None: ``RAY_ADDRESS``, else a local runtime).
        cpus_per_trial: CPUs Ray reserves for a trial, and the size of its TensorFlow thread pools.
        gpus_per_trial: GPUs per trial (None: 1 where the cluster has GPUs, else 0).
        mixed_precision: Train with Keras's ``mixed_float16`` policy.
    """

    workers: int = 1
    address: str | None = None
    cpus_per_trial: float = 1.0
    gpus_per_trial: float | None = None
    mixed_precision: bool = False

    @property
    def remote(self) -> bool:
        """Whether trials run in worker processes (more than one worker, or a cluster to join)."""
        return self.workers > 1 or bool(self.joined_address)

    @property
    def joined_address(self) -> str | None:
        """The cluster to join: ``--address``, else ``RAY_ADDRESS``."""
        return self.address or os.environ.get("RAY_ADDRESS") or None


class RayRuntime:
    """Starts (or joins) Ray on entering, stops (or leaves) it on exit.

    Args:
        options: The worker flags.
    """

    def __init__(self, options: WorkerOptions) -> None:
        self.options = options
        self.ray = require("--address" if options.joined_address else "--workers")
        self.gpus_per_trial = 0.0
        self.started = False
        self.task: Any = None  # the trial task (`automl.distributed.worker.attempt`) with its resources
        self.warming: list = []  # the warm-up tasks, one per worker

    def __enter__(self) -> "RayRuntime":
        if not self.started:
            self.start()
        return self

    def start(self) -> "RayRuntime":
        """Starts or joins Ray, and has every worker import TensorFlow while the caller goes on."""
        ray, address = self.ray, self.options.joined_address
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing is sent anywhere
        from automl.faults import KILL_VARIABLE, TRACE_VARIABLE

        # The fault tests' kill points and trace follow the search to workers on every node.
        faults = {k: os.environ[k] for k in (KILL_VARIABLE, TRACE_VARIABLE) if os.environ.get(k)}
        env = {"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore", **faults}}
        try:
            if address:
                ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False, runtime_env=env)
            else:
                cpus = max(1, math.ceil(self.options.workers * self.options.cpus_per_trial))
                ray.init(num_cpus=cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                         logging_level=logging.ERROR, log_to_driver=False, runtime_env=env)
        except Exception as err:  # noqa: BLE001 - Ray raises ConnectionError, RuntimeError, ValueError...
            what = f"--address: cannot join the Ray cluster at {address!r}" if address else \
                "--workers: cannot start a local Ray runtime"
            raise AutoMLError(f"{what}: {first_line(err)}") from None
        try:
            self._fit_resources()
            self._tasks()
        except BaseException:
            ray.shutdown()
            raise
        self.started = True
        return self

    def _fit_resources(self) -> None:
        """Chooses the GPUs per trial and refuses a trial no node can hold (Ray would wait forever)."""
        gpus = self.cluster_resources().get("GPU", 0)
        chosen = self.options.gpus_per_trial
        self.gpus_per_trial = float(chosen if chosen is not None else (1 if gpus >= 1 else 0))
        nodes = [n.get("Resources", {}) for n in self.ray.nodes() if n.get("Alive")]
        cpus, needed = self.options.cpus_per_trial, self.gpus_per_trial
        if not any(n.get("CPU", 0) >= cpus and n.get("GPU", 0) >= needed for n in nodes):
            largest = max(nodes, key=lambda n: (n.get("GPU", 0), n.get("CPU", 0)), default={})
            raise AutoMLError(f"--cpus-per-trial/--gpus-per-trial: expected a trial one node can hold (the largest "
                              f"has {largest.get('CPU', 0):g} CPUs and {largest.get('GPU', 0):g} GPUs), received "
                              f"{cpus:g} CPUs and {needed:g} GPUs per trial")

    def _tasks(self) -> None:
        """The trial task with its resources and retries, and the warm-up of one process per worker."""
        from automl.distributed.worker import ATTEMPTS, TRIALS_PER_PROCESS, WorkerSetup, attempt, warm

        gpus = self.gpus_per_trial
        self.setup = WorkerSetup(self.options.cpus_per_trial, gpus)
        resources = dict(num_cpus=self.options.cpus_per_trial, num_gpus=gpus)
        # A process that initialized CUDA keeps the GPU it saw first: GPU trials take a fresh process each.
        self.task = self.ray.remote(max_calls=1 if gpus else TRIALS_PER_PROCESS, max_retries=ATTEMPTS - 1,
                                    retry_exceptions=False, **resources)(attempt)
        if not gpus:  # a fresh process per GPU trial: nothing to warm
            warming = self.ray.remote(max_calls=TRIALS_PER_PROCESS, **resources)(warm)
            self.warming = [warming.remote(self.setup) for _ in range(self.options.workers)]

    def __exit__(self, *exc: Any) -> None:
        """Stops (or leaves) Ray once; a second exit does nothing (the CLI and `run_search` both hold it)."""
        if not self.started:
            return
        self.started = False
        warming, self.warming = self.warming, []
        try:
            for task in warming:
                with contextlib.suppress(Exception):  # a warm-up long done, or its worker gone
                    self.ray.cancel(task, force=True)
        finally:
            self.ray.shutdown()

    def cluster_resources(self) -> dict[str, float]:
        """Ray's resources in all (``CPU``, ``GPU``, custom ones)."""
        return dict(self.ray.cluster_resources())

    def describe(self) -> str:
        """Where trials run, for the search's first line."""
        resources = self.cluster_resources()
        nodes = sum(1 for n in self.ray.nodes() if n.get("Alive"))
        where = f"Ray cluster at {self.options.joined_address}" if self.options.joined_address else \
            "a local Ray runtime"
        gpus = f" + {self.gpus_per_trial:g} GPU" if self.gpus_per_trial else ""
        per = f"{self.options.cpus_per_trial:g} CPU{gpus}"
        return (f"{self.options.workers} worker(s) on {where} ({nodes} node(s), {resources.get('CPU', 0):g} CPUs, "
                f"{resources.get('GPU', 0):g} GPUs), {per} per trial")
