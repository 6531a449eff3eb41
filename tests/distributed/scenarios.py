"""Searches on real Ray runtimes, run inside a network namespace that has only loopback.

``python -m tests.distributed.scenarios NAME FOLDER`` runs scenario ``NAME``
in ``FOLDER`` (its mlruns/, exports/ and logs) and writes what the tests check
to ``FOLDER/result.json``; `tests.distributed.test_ray` starts it under
``unshare --net`` (`isolated`), so Ray, which listens on every interface, can
reach nothing but 127.0.0.1. Faults are real: a worker process or a whole
node's processes get SIGKILL from here, mid-trial, found through the trace
(`automl.faults`): each attempt writes ``worker.started TRIAL PID NODE``,
``worker.epoch TRIAL`` as it trains and ``worker.ended TRIAL``, and the driver
``trial.backfilled TRIAL N`` for the epochs it logged from an outcome, not live.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import psutil

from tests.conftest import AS_SEARCHED

SPACE = """\
    name: tiny_mlp
    family: mlp
    model:
      layers: 1
      units: {choice: [4, 8, 16, 32, 64]}
      dropout: {choice: [0.0, 0.1, 0.2]}
    train:
      learning_rate: {float: [1.0e-3, 1.0e-2], log: true}
      batch_size: 16
      epochs: 12
      early_stopping: {patience: 100}
"""
REPO = Path(__file__).resolve().parents[2]
EXPERIMENT = "iris-tiny"
TRIALS = 6


def isolated(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Runs ``argv`` in a new network namespace whose only interface, loopback, is up."""
    namespace = ["unshare", "--net"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    return subprocess.run([*namespace, "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *argv], **kwargs)


def search(folder: Path, *flags: str, env: dict | None = None, **popen) -> subprocess.Popen:
    """``automl search`` on iris with the tiny space, in ``folder``, its output in ``search.log``."""
    (folder / "tiny.yaml").write_text(textwrap.dedent(SPACE))
    automl = str(Path(sys.executable).with_name("automl"))
    # As searched: the export would cross-validate the best trials in the driver, no part of what is checked.
    argv = [automl, "search", "--dataset", str(REPO / "datasets" / "iris.yaml"), "--space", "tiny.yaml",
            "--experiment", EXPERIMENT, "--max-trials", str(TRIALS), "--seed", "3", *AS_SEARCHED, *flags]
    log = open(folder / "search.log", "a")
    return subprocess.Popen(argv, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "AUTOML_TRACE": str(folder / "trace.txt"), **(env or {})}, **popen)


def events(folder: Path) -> list[list[str]]:
    """The trace's lines, each split in words."""
    path = folder / "trace.txt"
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


def wait_for(predicate, timeout: float = 120.0, every: float = 0.05):
    """Polls ``predicate`` until it returns something true; fails after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        time.sleep(every)
    raise TimeoutError(f"gave up after {timeout} s waiting for {predicate.__name__}")


def attempts(trace: list[list[str]]) -> list[dict]:
    """Every attempt the trace shows, in the order they started: trial, pid, Ray node, epochs trained and
    whether it ended (``worker.ended``; a lost attempt never does)."""
    started, current = [], {}
    for words in trace:
        if words[0] == "worker.started":
            current[words[1]] = {"trial": words[1], "pid": int(words[2]), "node": words[3], "epochs": 0,
                                 "ended": False}
            started.append(current[words[1]])
        elif words[0] in ("worker.epoch", "worker.ended") and words[1] in current:
            attempt = current[words[1]]
            attempt["epochs"] += words[0] == "worker.epoch"
            attempt["ended"] |= words[0] == "worker.ended"
    return started


def mid_trial(folder: Path, pick=lambda trial, node: True):
    """``(trial, pid)`` of an attempt ``pick`` accepts (by trial and Ray node) that has trained two epochs
    and not ended: a worker process runs trial after trial, so its pid alone says nothing. Two, because a
    worker posts an epoch without waiting for it to arrive: the first has had an epoch's time to."""
    def found():
        for attempt in attempts(events(folder)):
            if attempt["epochs"] >= 2 and not attempt["ended"] and pick(attempt["trial"], attempt["node"]):
                return attempt["trial"], attempt["pid"]
        return None
    return found


def lost(trace: list[list[str]], where) -> list[str]:
    """The trials whose attempt ``where`` accepts (by pid and Ray node) never ended."""
    return [a["trial"] for a in attempts(trace) if not a["ended"] and where(a["pid"], a["node"])]


def most_at_once(trace: list[list[str]]) -> dict[str, int]:
    """The most attempts each Ray node ran at the same time (``worker.started`` to ``worker.ended``; a
    killed attempt never ends, but its node runs nothing after it)."""
    running: dict[str, set[str]] = {}
    where: dict[str, str] = {}
    most: dict[str, int] = {}
    for words in trace:
        if words[0] == "worker.started":
            trial, node = words[1], words[3]
            running.setdefault(where.get(trial, node), set()).discard(trial)  # a lost attempt's node
            where[trial] = node
            running.setdefault(node, set()).add(trial)
            most[node] = max(most.get(node, 0), len(running[node]))
        elif words[0] == "worker.ended":
            running[where[words[1]]].discard(words[1])
    return most


def listeners() -> list[str]:
    """Every listening TCP socket's local address (``ss -ltn``)."""
    lines = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout.splitlines()
    return [line.split()[3] for line in lines if line.strip()]


def interfaces() -> list[str]:
    """The network interfaces of this namespace (``ip -o link``; /sys/class/net shows the mount's)."""
    lines = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout.splitlines()
    return sorted(line.split(":")[1].strip().split("@")[0] for line in lines if line.strip())


def watch_sockets(stop: threading.Event, seen: set[str]) -> None:
    while not stop.is_set():
        seen.update(listeners())
        time.sleep(0.5)


def store(folder: Path) -> dict:
    """Every run of the search, deleted ones too: name, status, lifecycle, trial, worker, start and end."""
    from mlflow.entities import ViewType
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{folder / 'mlruns' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(EXPERIMENT).experiment_id
    runs = client.search_runs([experiment], run_view_type=ViewType.ALL, max_results=1000)
    return [{"name": r.info.run_name, "status": r.info.status, "stage": r.info.lifecycle_stage,
             "trial": r.data.tags.get("automl.trial_id"), "worker": r.data.tags.get("worker", ""),
             "tag_status": r.data.tags.get("status"), "reason": r.data.tags.get("failure_reason", ""),
             "parent": r.data.params.get("tuner/trial_id"),
             "start": r.info.start_time, "end": r.info.end_time,
             "epochs": len(client.get_metric_history(r.info.run_id, "val_loss"))} for r in runs]


def audit(folder: Path, trials: int = TRIALS) -> dict:
    from automl.faults import audit_search

    return audit_search(folder, EXPERIMENT, trials, folder / "trace.txt")


def local(folder: Path) -> dict:
    """``--workers 2`` on a local runtime; trial 2's worker process gets SIGKILL after its second epoch."""
    stop, seen = threading.Event(), set()
    watcher = threading.Thread(target=watch_sockets, args=(stop, seen), daemon=True)
    watcher.start()
    process = search(folder, "--workers", "2")
    _, pid = wait_for(mid_trial(folder, lambda trial, node: trial == "2"), timeout=300)
    os.kill(pid, signal.SIGKILL)
    code = process.wait(timeout=600)
    stop.set()
    watcher.join()
    trace = events(folder)
    return {"code": code, "killed": lost(trace, lambda attempt, node: attempt == pid),
            "backfilled": sum(int(w[2]) for w in trace if w[0] == "trial.backfilled"),
            "listeners": sorted(seen), "interfaces": interfaces(),
            "runs": store(folder), "audit": audit(folder), "log": (folder / "search.log").read_text()}


def always_dies(folder: Path) -> dict:
    """Trial 1's worker dies at its first epoch on every attempt: the trial is FAILED, the others complete."""
    process = search(folder, "--workers", "2", "--max-trials", "3", "--epochs", "3",
                     env={"AUTOML_KILL_AT": "worker.epoch:1"})
    code = process.wait(timeout=600)
    return {"code": code, "runs": store(folder), "log": (folder / "search.log").read_text(),
            "started": [w for w in events(folder) if w[0] == "worker.started"]}


def driver_killed(folder: Path) -> dict:
    """The driver gets SIGKILL while trials run on its workers; the same command resumes and finishes.

    With ASHA, whose promotions continue a trial from its weights: the weights came back from a worker.
    """
    first = search(folder, "--workers", "2", "--controller", "asha", env={"AUTOML_KILL_AT": "trial.run_started@4"},
                   start_new_session=True)
    code = first.wait(timeout=600)
    in_flight = [w[1] for w in events(folder) if w[0] == "trial.run_started"]
    _kill_session(first.pid)  # what the driver's local Ray runtime left behind
    second = search(folder, "--workers", "2", "--controller", "asha")
    return {"first": code, "second": second.wait(timeout=600), "started_before_kill": in_flight,
            "runs": store(folder), "audit": audit(folder), "log": (folder / "search.log").read_text()}


def cluster(folder: Path) -> dict:
    """A head and a second node (``ray start``, both on 127.0.0.1, the second with a custom resource);
    ``--address`` joins them; the second node's processes all get SIGKILL mid-trial."""
    ray = str(Path(sys.executable).with_name("ray"))
    port = "6391"
    # Joining a cluster that uses token authentication needs the mode set on every node (README, Scaling out).
    os.environ["RAY_AUTH_MODE"] = "token"
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    common = ["--num-cpus", "1", "--disable-usage-stats", "--node-ip-address", "127.0.0.1"]
    subprocess.run([ray, "start", "--head", "--port", port, "--include-dashboard", "false", *common],
                   check=True, capture_output=True, env=env)
    node2 = subprocess.Popen([ray, "start", "--address", f"127.0.0.1:{port}", "--resources", '{"node2": 1}',
                              *common], start_new_session=True, env=env,
                             stdout=open(folder / "node2.log", "w"), stderr=subprocess.STDOUT)
    node2.wait(timeout=120)
    try:
        probe = _two_node_probe(port)
        second = [node for _, node, has in probe["nodes"] if has][0]
        process = search(folder, "--workers", "2", "--address", f"127.0.0.1:{port}")
        # Not the second node's first trial, and only once the driver has committed that one: a trial
        # completes there before the node goes.
        pick = lambda trial, node: node == second and _after_first(folder, trial, node)  # noqa: E731
        _, pid = wait_for(mid_trial(folder, pick), timeout=300)
        killed = _kill_node_of(pid)
        code = process.wait(timeout=600)
        trace = events(folder)
        on = [attempt["node"] for attempt in attempts(trace)]
        return {"code": code, "probe": probe, "killed_trials": lost(trace, lambda _, node: node == second),
                "killed_processes": killed, "second_node": second,
                "attempts_per_node": {node: on.count(node) for node in set(on)},
                "most_at_once": most_at_once(trace),
                "listeners": listeners(), "interfaces": interfaces(), "runs": store(folder), "audit": audit(folder),
                "log": (folder / "search.log").read_text()}
    finally:
        subprocess.run([ray, "stop", "--force"], capture_output=True)


def _after_first(folder: Path, trial: str, node: str) -> bool:
    """Whether ``trial`` is not the first trial started on ``node`` and that first one is committed."""
    trace = events(folder)
    first = next(a["trial"] for a in attempts(trace) if a["node"] == node)
    return trial != first and ["trial.committed", first] in trace


def _two_node_probe(port: str) -> dict:
    """A task on each node (one asks for the custom resource): both run, both on 127.0.0.1."""
    code = textwrap.dedent(f"""
        import json
        from automl.distributed import require
        ray = require("--address")
        ray.init(address="127.0.0.1:{port}", logging_level="ERROR", log_to_driver=False)
        where = lambda: ray.util.get_node_ip_address() + " " + ray.get_runtime_context().get_node_id()
        two = ray.get(ray.remote(resources={{"node2": 1}})(where).remote())
        nodes = [(n["NodeManagerAddress"], n["NodeID"], "node2" in n["Resources"]) for n in ray.nodes() if n["Alive"]]
        print(json.dumps({{"on_node2": two, "nodes": nodes}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = out.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"the two-node probe failed: {out.stderr[-2000:]}")
    return json.loads(lines[-1])


def _kill_node_of(worker: int) -> int:
    """SIGKILL to the raylet that started ``worker`` and to everything under it (the node's workers and
    agents): the node is gone. Returns how many processes were killed."""
    raylet = psutil.Process(worker)
    while raylet.name() != "raylet":
        raylet = raylet.parent()
    return _kill_all([raylet, *raylet.children(recursive=True)])


def _session_of(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def _kill_session(session: int) -> int:
    """SIGKILL to every process of a session; returns how many there were."""
    return _kill_all([p for p in psutil.process_iter() if _session_of(p.pid) == session])


def _kill_all(doomed: list[psutil.Process]) -> int:
    """SIGKILL to each process (those already gone are skipped); returns how many were asked to die."""
    for process in doomed:
        try:
            process.kill()
        except psutil.Error:
            pass
    return len(doomed)


SCENARIOS = {"local": local, "always_dies": always_dies, "driver_killed": driver_killed, "cluster": cluster}

if __name__ == "__main__":
    name, where = sys.argv[1], Path(sys.argv[2])
    where.mkdir(parents=True, exist_ok=True)
    result = SCENARIOS[name](where)
    (where / "result.json").write_text(json.dumps(result, indent=1))
