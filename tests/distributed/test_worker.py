"""The worker path's parts without a Ray runtime: flags, the missing extra, one attempt, mixed precision."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from automl.distributed.runtime import WorkerOptions
from tests.conftest import ROOT, run_cli


@pytest.mark.parametrize("flags, words", [
    (["--workers", "0"], "--workers: expected a positive integer, received '0'"),
    (["--cpus-per-trial", "0"], "--cpus-per-trial: expected a number > 0 (fractions allowed), received '0'"),
    (["--gpus-per-trial", "-1"], "--gpus-per-trial: expected a number >= 0 (fractions allowed), received '-1'"),
    (["--gpus-per-trial", "nan"], "--gpus-per-trial: expected a number >= 0"),
    (["--address", "headnode"], "--address: expected a Ray cluster address HOST:PORT"),
    (["--address", "head:99999"], "--address: expected a Ray cluster address HOST:PORT"),
])
def test_bad_worker_flags_are_one_line_and_exit_2(flags, words, tmp_path):
    done = run_cli("search", "--dataset", "iris", "--space", "mlp", *flags, cwd=tmp_path)
    assert done.returncode == 2 and words in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_ray_missing_is_one_line_naming_the_extra(tmp_path):
    # A fresh process where `import ray` fails, as where the extra is not installed.
    code = textwrap.dedent(f"""
        import sys
        sys.modules["ray"] = None
        from automl.cli import main
        sys.exit(main(["search", "--dataset", "{ROOT / 'datasets' / 'iris.yaml'}", "--space",
                       "{ROOT / 'search_spaces' / 'mlp.yaml'}", "--workers", "2", "--no-tracking"]))
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: --workers: needs Ray, which is not installed; install the 'distributed' "
                                   "extra: pip install 'keras-automl[distributed]'")
    assert not (tmp_path / "mlruns").exists()  # refused before anything was written


@pytest.mark.parametrize("options, remote", [
    (WorkerOptions(), False), (WorkerOptions(workers=2), True), (WorkerOptions(address="h:6379"), True),
])
def test_workers_or_an_address_make_a_search_remote(options, remote, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert options.remote is remote


def test_ray_address_in_the_environment_joins_that_cluster(monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", "head:6379")
    assert WorkerOptions().remote and WorkerOptions().joined_address == "head:6379"
    assert WorkerOptions(address="other:1").joined_address == "other:1"


def test_a_joining_driver_uses_the_token_its_machine_has(monkeypatch, tmp_path):
    from automl.distributed import token_auth_like_ray_start

    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    monkeypatch.delenv("RAY_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(tmp_path / "none"))
    token_auth_like_ray_start()
    assert "RAY_AUTH_MODE" not in __import__("os").environ
    (tmp_path / "token").write_text("x" * 32)
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(tmp_path / "token"))
    token_auth_like_ray_start()
    assert __import__("os").environ["RAY_AUTH_MODE"] == "token"
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    token_auth_like_ray_start()
    assert __import__("os").environ["RAY_AUTH_MODE"] == "disabled"  # an explicit choice stays


ATTEMPT = """
import json, sys
from automl.builders import InputSpec, build_model
from automl.data import load_dataset
from automl.distributed.worker import WorkerSetup, prepare
from automl.search.attempt import TrialContext, TrialJob, run_attempt
from automl.spec import load_card
from automl.spec.schema import Train

mixed = sys.argv[1] == "mixed"
prepare(WorkerSetup(cpus=1))
import tensorflow as tf
data = load_dataset(load_card(sys.argv[2]))
spec = InputSpec.from_bundle(data)
context = TrialContext(data, spec, Train(epochs=3), ("val_accuracy", "max"), seed=1,
                       precision="mixed_float16" if mixed else "float32")
values = {"family": "mlp", "layers": 1, "units_1": 16, "activation": "relu", "dropout": 0.0, "norm": "none",
          "initializer": "glorot_uniform", "l1": 0.0, "l2": 0.0, "optimizer": "adam", "learning_rate": 0.01,
          "clipnorm": 0.0, "schedule": "constant", "batch_size": 16, "loss": "auto"}
epochs = []
policies = []
class Spy:  # what the model of each attempt was built with
    def __init__(self, inner): self.inner = inner
    def __call__(self, *a, **k):
        model = self.inner(*a, **k)
        policies.append(model.layers[-2].dtype_policy.name)
        return model
import automl.search.attempt as attempt
attempt.build_model = Spy(attempt.build_model)
good = run_attempt(context, TrialJob("4", values), lambda t, e, m: epochs.append((t, e)))
again = run_attempt(context, TrialJob("6", values), lambda t, e, m: None)  # after clear_session
bad = run_attempt(context, TrialJob("5", {**values, "units_1": -3}), lambda t, e, m: None)
import time
late = run_attempt(context, TrialJob("7", values, deadline=time.time()), lambda t, e, m: None)  # --time-budget
model = build_model(values, spec, 3)
print(json.dumps({"policies": policies, "output": model.outputs[0].dtype,
                  "threads": tf.config.threading.get_intra_op_parallelism_threads(),
                  "epochs": epochs, "weights": len(good.weights or b""), "metrics": good.result.at_best(),
                  "history": sorted(good.history), "bad": bad.reason, "bad_weights": bad.weights,
                  "late_epochs": late.result.epochs_run}))
"""


@pytest.mark.parametrize("precision", ["float32", "mixed"])
def test_one_attempt_returns_its_weights_and_metrics_and_a_failure_as_its_reason(precision):
    import json

    done = subprocess.run([sys.executable, "-c", ATTEMPT, precision, str(ROOT / "datasets" / "iris.yaml")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    # the policy holds for every trial of a process, though each trial ends with clear_session
    assert facts["policies"] == ["mixed_float16" if precision == "mixed" else "float32"] * 3
    assert facts["output"] == "float32"  # the head stays float32 under mixed precision
    assert facts["threads"] == 1  # --cpus-per-trial sizes TensorFlow's pools
    assert facts["epochs"] == [["4", 0], ["4", 1], ["4", 2]]  # every epoch posted as it ended
    assert facts["weights"] > 1000 and 0 <= facts["metrics"]["val_accuracy"] <= 1
    assert "val_accuracy" in facts["history"]
    assert facts["bad"].startswith("ValueError") and facts["bad_weights"] is None
    assert facts["late_epochs"] == 1  # past the deadline: stopped at the first epoch boundary


def test_a_trials_epochs_still_on_their_way_are_logged_once_from_its_history():
    from automl.distributed.driver import ParallelSearch

    class Controller:
        def __init__(self):
            self.logged = []

        def epoch_ended(self, trial_id, epoch, metrics):
            self.logged.append((trial_id, epoch, metrics))

    driver = object.__new__(ParallelSearch)  # no Ray runtime: only the bookkeeping of what was logged
    driver.controller, driver.logged = Controller(), {"3": {0, 1}}
    history = {"loss": [(0, 0.9), (1, 0.7), (2, 0.5), (3, 0.4)], "val_loss": [(0, 1.0), (1, 0.8), (2, 0.6), (3, 0.5)]}
    driver._backfill("3", history)
    assert driver.controller.logged == [("3", 2, {"loss": 0.5, "val_loss": 0.6}),
                                        ("3", 3, {"loss": 0.4, "val_loss": 0.5})]
    driver.controller.logged.clear()
    driver._backfill("4", {"loss": [(0, 0.9)]})  # a trial none of whose epochs came live (its relay gone)
    assert driver.controller.logged == [("4", 0, {"loss": 0.9})]
