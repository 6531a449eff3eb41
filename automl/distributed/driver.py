"""The search's driver with Ray: the controller proposes as slots free up, workers train, the driver records.

Everything the in-process search keeps stays here: the oracle and its files
(`automl.search.journal`), the tracker, the progress lines. A free slot asks
the oracle for a trial (``create_trial`` with the slot's id, KerasTuner's
multi-worker protocol, so a running trial's values count as tried and
resumed trials come first); the trial goes to Ray as a task; whichever task
ends first is concluded as an in-process trial is (`SearchController.conclude`),
and its slot asks again.

Workers never write to MLflow: each attempt announces itself and posts its
epochs on an actor pinned to the driver's node (`automl.distributed.relay`),
and the driver logs them (one writer, whatever the store); they post without
waiting (a waiting task lends its CPU to another), so the epochs not yet
arrived when a trial ends are logged from the history its outcome carries.
An attempt lost with its process or node is run again by Ray
(``max_retries``); the driver sees the new attempt's announcement, closes the
lost attempt's run as KILLED and opens a new one.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

import keras_tuner as kt

from automl.distributed.relay import start_relay
from automl.distributed.runtime import RayRuntime
from automl.distributed.worker import ATTEMPTS
from automl.errors import first_line
from automl.faults import checkpoint
from automl.search.attempt import Outcome, TrialJob
from automl.search.controller import WEIGHTS, SearchController

POLL_SECONDS = 0.5  # longest wait between two looks at the relay (live metrics, lost attempts)
RUNNING = kt.engine.trial.TrialStatus.RUNNING


class ParallelSearch:
    """Runs a controller's trials on Ray, ``workers`` at a time.

    Args:
        controller: The search's controller (its oracle, tracker and progress).
        runtime: The started Ray runtime.
    """

    def __init__(self, controller: SearchController, runtime: RayRuntime) -> None:
        self.controller, self.runtime, self.ray = controller, runtime, runtime.ray
        self.slots = [f"worker{i}" for i in range(runtime.options.workers)]
        self.task, self.setup = runtime.task, runtime.setup
        self.running: dict[Any, tuple[str, kt.engine.trial.Trial]] = {}  # task -> (slot, trial)
        self.stopping = False
        self.relay: Any = None  # the actor the workers post on (`automl.distributed.relay`), while `run` runs
        self.attempts: dict[str, tuple[str, int]] = {}  # trial -> (its current attempt's token, attempt number)
        self.logged: dict[str, set[int]] = {}  # trial -> the epochs of its current attempt logged live

    def run(self) -> None:
        """Runs trials until the oracle stops proposing and every running trial has ended."""
        c = self.controller
        c.tracker.recover_trials(c.ended_records())
        self.relay = start_relay(self.ray)
        self.context = self.ray.put(without_test(c.context))
        try:
            self._fill()
            while self.running:
                ready, _ = self.ray.wait(list(self.running), num_returns=1, timeout=POLL_SECONDS)
                self._drain()
                # Each ended trial is committed, the freed workers get their next trials, and only then
                # are the store and the progress lines told: a worker never waits on MLflow.
                reports = [self._conclude(task) for task in ready]
                try:
                    # Asked again whenever a trial ends, even after a STOPPED: with trials running, a
                    # result can open new proposals (an ASHA promotion, an evolution child).
                    if ready and not any(report.stop for report in reports):
                        self._fill()
                finally:
                    for report in reports:
                        report()
        finally:
            self._teardown()

    def _teardown(self) -> None:
        """Cancels what still runs and closes the relay; each step on its own, none hiding why it stopped."""
        self.stopping = True
        for task in self.running:
            with contextlib.suppress(Exception):
                self.ray.cancel(task, force=True)
        with contextlib.suppress(Exception):
            self.ray.kill(self.relay)

    def _fill(self) -> None:
        """Gives every free slot a trial, until the oracle has none to give now."""
        busy = {slot for slot, _ in self.running.values()}
        for slot in (s for s in self.slots if s not in busy):
            trial = self.controller.oracle.create_trial(slot)
            if trial.status != RUNNING:  # STOPPED, or IDLE: nothing to give until a result comes
                return
            # Submitted first, its run opened after: the driver logs its epochs only after this returns.
            self.running[self.task.remote(self.context, self._job(trial), self.relay, self.setup)] = (slot, trial)
            self.controller.on_trial_begin(trial)

    def _job(self, trial: kt.engine.trial.Trial) -> TrialJob:
        import os
        import time
        from pathlib import Path

        values = dict(trial.hyperparameters.values)
        parent = values.get("tuner/trial_id")
        path = self.controller._file(parent, WEIGHTS) if parent else None
        weights = Path(path).read_bytes() if path and os.path.exists(path) else None
        deadline = self.controller.deadline
        wall = None if deadline is None else time.time() + (deadline - time.monotonic())
        return TrialJob(trial.trial_id, values, wall, weights, self.controller.peers())

    def _conclude(self, task: Any) -> Callable[[], None]:
        """Commits the trial of a finished task (its outcome, or a failure after its last lost attempt);
        returns what tells the tracker."""
        _, trial = self.running[task]
        try:
            token, outcome = self.ray.get(task)
        except Exception as err:  # noqa: BLE001 - every attempt died with its process or node
            token, tries = None, self.attempts.get(trial.trial_id, ("", 1))[1]
            outcome = Outcome(trial.trial_id, reason=f"{tries} attempt(s) lost with their worker: "
                                                     f"{first_line(err, typed=True)}")
        self._drain()  # its last epochs (and its attempt's begin), while it still counts as running
        if token is not None:  # the attempt that completed, even one whose begin is still on its way
            self._attempt(trial.trial_id, token, outcome.where, completed=True)
        self._backfill(trial.trial_id, outcome.history)
        del self.running[task]
        self.attempts.pop(trial.trial_id, None)
        self.logged.pop(trial.trial_id, None)
        return self.controller.conclude(trial, outcome)

    def _backfill(self, trial_id: str, history: dict[str, list[tuple[int, float]]]) -> None:
        """Logs the epochs of the outcome's history the relay has not delivered (workers post without
        waiting, so the last ones may still be on their way; a lost relay delivers none); traced as
        ``trial.backfilled TRIAL N`` so a test can tell the live epochs from these."""
        logged = self.logged.get(trial_id, set())
        epochs: dict[int, dict[str, float]] = {}
        for name, points in history.items():
            for epoch, value in points:
                if epoch not in logged:
                    epochs.setdefault(epoch, {})[name] = value
        for epoch in sorted(epochs):
            self.controller.epoch_ended(trial_id, epoch, epochs[epoch])
        if epochs:
            checkpoint("trial.backfilled", f"{trial_id} {len(epochs)}")

    def _drain(self) -> None:
        """Logs the epochs the workers posted and notes new attempts."""
        if self.relay is None or self.stopping:
            return
        try:
            messages = self.ray.get(self.relay.take.remote())
        except Exception:  # noqa: BLE001 - the relay's node went away: the outcomes still carry the histories
            return
        running = {trial.trial_id for _, trial in self.running.values()}
        for message in messages:
            if message[1] not in running:  # a trial already ended or given up: nothing of it is logged now
                continue
            if message[0] == "begin":
                self._attempt(*message[1:])
            elif message[0] == "epoch":
                _, trial_id, token, epoch, metrics = message
                if self.attempts.get(trial_id, ("",))[0] == token:  # a lost attempt's late epochs are dropped
                    self.controller.epoch_ended(trial_id, epoch, metrics)
                    self.logged.setdefault(trial_id, set()).add(epoch)

    def _attempt(self, trial_id: str, token: str, where: str, completed: bool = False) -> None:
        """Notes the attempt ``token`` of a trial; a new one means the one before was lost. An attempt past
        the bound is cancelled, unless it ``completed``: its result is as good as any."""
        known = self.attempts.get(trial_id)
        if known is None:
            self.attempts[trial_id] = (token, 1)
        elif known[0] != token:
            number = known[1] + 1
            if number > ATTEMPTS and not completed:  # Ray retries a task its memory monitor killed unbounded
                for task, (_, trial) in self.running.items():
                    if trial.trial_id == trial_id:
                        self.ray.cancel(task, force=True)
                return
            self.attempts[trial_id] = (token, number)
            self.logged.pop(trial_id, None)  # the next attempt's run starts empty
            reason = f"attempt {known[1]} lost with its worker process or node; attempt {number} runs on {where}"
            self.controller.progress.say(f"trial {int(trial_id) + 1} (id {trial_id}): {reason}")
            trial = self.controller.oracle.trials[trial_id]
            self.controller.tracker.restart_trial(trial_id, dict(trial.hyperparameters.values), reason)


def without_test(context: Any) -> Any:
    """The context with the test split emptied: trials never use it, so it never leaves the driver."""
    import dataclasses

    import numpy as np

    from automl.data.splits import take

    data = context.data
    none = np.arange(0)
    return dataclasses.replace(context, data=dataclasses.replace(data, x_test=take(data.x_test, none),
                                                                 y_test=data.y_test[:0]))
