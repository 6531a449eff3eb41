"""Store writes that need not hold up training, done in order on one background thread.

A trial's artifacts (its summary and learning-curve figure) took about 90 ms of
the search's own thread per trial, most of it drawing the figure; here they
are written while the next trial trains. The tracker waits for what is queued
(``drain``) before it closes the search, and a write that failed is reported on
the tracker's next call (``check``), so a store that is gone still stops the
search in one line.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable

from automl.errors import first_line


class BackgroundWriter:
    """Runs queued jobs one at a time on a daemon thread; keeps the first failure for the caller.

    Once a job has failed, later jobs are dropped until the failure is taken by
    ``check`` or ``drain`` (the store is gone; the search is about to stop).
    """

    def __init__(self, name: str = "automl-tracking") -> None:
        self.name = name
        self.busy_seconds = 0.0  # wall time spent in jobs, for benchmarks/tracking_share.py
        self.cpu_seconds = 0.0  # the thread's CPU time in jobs (waits for Python's lock left out)
        self._jobs: queue.Queue = queue.Queue()
        self._failure: tuple[str, BaseException] | None = None
        self._thread: threading.Thread | None = None
        self._held: list[tuple[str, Callable[..., Any], tuple]] = []

    def submit(self, label: str, job: Callable[..., Any], *args: Any) -> None:
        """Queues ``job(*args)``; ``label`` names it if it fails (``"artifacts of trial-0003"``)."""
        if self._thread is None:
            # A daemon: a process killed or exiting on an error never waits on a store that hangs.
            self._thread = threading.Thread(target=self._work, name=self.name, daemon=True)
            self._thread.start()
        self._jobs.put((label, job, args))

    def hold(self, label: str, job: Callable[..., Any], *args: Any) -> None:
        """Keeps a job back until ``release``: the caller releases it once its own thread is busy
        in work that leaves Python's lock free (training), so the two do not take turns at it."""
        self._held.append((label, job, args))

    def release(self) -> None:
        """Queues the held jobs."""
        held, self._held = self._held, []
        for label, job, args in held:
            self.submit(label, job, *args)

    def check(self) -> None:
        """Raises ``RuntimeError`` naming the job that failed since the last check, if one did."""
        failure, self._failure = self._failure, None
        if failure is not None:
            label, err = failure
            raise RuntimeError(f"{label}: {first_line(err)}")

    def wait(self) -> None:
        """Queues the held jobs and waits until every job has run (or been dropped after a failure)."""
        self.release()
        self._jobs.join()

    def drain(self) -> None:
        """Waits until every queued job has run, then reports a failure as ``check`` does."""
        self.wait()
        self.check()

    def _work(self) -> None:
        while True:
            label, job, args = self._jobs.get()
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                if self._failure is None:
                    job(*args)
            except Exception as err:  # noqa: BLE001 - kept and raised on the search's own thread
                self._failure = (label, err)
            finally:
                self.busy_seconds += time.perf_counter() - started
                self.cpu_seconds += time.thread_time() - cpu
                self._jobs.task_done()
