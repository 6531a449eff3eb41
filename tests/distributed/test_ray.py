"""Searches on real Ray runtimes, each in a network namespace with only loopback (`scenarios.isolated`).

Each module fixture runs one scenario of `tests.distributed.scenarios` (a
real ``automl search`` with ``--workers`` or ``--address``, real faults) and
the tests read what it left: the store's runs, the search's files, its trace
and its log.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.distributed.scenarios import TRIALS, isolated

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")]
REPO = Path(__file__).resolve().parents[2]


def scenario(name: str, folder: Path) -> dict:
    done = isolated([sys.executable, "-m", "tests.distributed.scenarios", name, str(folder)], cwd=REPO,
                    capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"scenario {name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads((folder / "result.json").read_text())


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    return scenario("local", tmp_path_factory.mktemp("local"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    return scenario("cluster", tmp_path_factory.mktemp("cluster"))


def trial_runs(result: dict, status: str = "FINISHED", stage: str = "active") -> list[dict]:
    return [r for r in result["runs"] if r["trial"] is not None and r["status"] == status and r["stage"] == stage]


def loopback_only(result: dict) -> None:
    assert result["interfaces"] == ["lo"]
    hosts = {address.rsplit(":", 1)[0] for address in result["listeners"]}
    assert hosts and hosts <= {"127.0.0.1", "[::ffff:127.0.0.1]", "[::1]", "*", "0.0.0.0", "[::]"}, hosts


def test_two_workers_run_trials_at_the_same_time(local):
    runs = sorted(trial_runs(local), key=lambda r: r["start"])
    assert len(runs) == TRIALS and local["code"] == 0
    overlapping = [(a["trial"], b["trial"]) for i, a in enumerate(runs) for b in runs[i + 1:]
                   if b["start"] < a["end"]]
    assert overlapping, "no two trials ran at the same time"
    assert "2 worker(s) on a local Ray runtime" in local["log"]


def test_every_trial_has_its_live_epochs_and_nothing_is_left_running(local):
    assert all(r["epochs"] == 12 for r in trial_runs(local))  # each epoch once: live or from its outcome
    assert local["backfilled"] < TRIALS * 12 / 2  # most came live, while their trials trained
    assert local["audit"] == {"trials_completed": TRIALS, "repeats": 0, "losses": 0, "runs_left_running": 0,
                              "artifacts_missing": 0, "temporary_exports": 0}


def test_a_worker_killed_mid_trial_loses_only_that_attempt(local):
    assert len(local["killed"]) == 1  # the attempt running in the killed process
    trial = local["killed"][0]
    killed = trial_runs(local, "KILLED", "deleted")
    assert [r["trial"] for r in killed] == [trial]  # closed as KILLED and replaced, as a resume does
    assert "attempt 1 lost" in killed[0]["reason"] and 1 <= killed[0]["epochs"] < 12
    finished = Counter(r["trial"] for r in trial_runs(local))
    assert finished == {str(t): 1 for t in range(TRIALS)}  # each trial once, the killed one included
    assert f"(id {trial}): attempt 1 lost with its worker" in local["log"]


def test_local_runtime_listens_on_loopback_only(local):
    loopback_only(local)


def test_a_worker_that_dies_every_time_fails_its_trial_after_bounded_attempts(tmp_path):
    result = scenario("always_dies", tmp_path)
    assert result["code"] == 0
    attempts = [words[1] for words in result["started"]]
    assert attempts.count("1") == 3  # driver.ATTEMPTS
    failed = trial_runs(result, "FAILED")
    assert [r["trial"] for r in failed] == ["1"] and "3 attempt(s) lost with their worker" in failed[0]["reason"]
    assert sorted(r["trial"] for r in trial_runs(result)) == ["0", "2"]
    assert "trials: 2 completed, 1 failed" in result["log"]


def test_the_driver_killed_resumes_with_workers_keeping_what_completed(tmp_path):
    result = scenario("driver_killed", tmp_path)
    assert result["first"] == -9 and result["second"] == 0
    assert result["audit"] == {"trials_completed": TRIALS, "repeats": 0, "losses": 0, "runs_left_running": 0,
                               "artifacts_missing": 0, "temporary_exports": 0}
    assert Counter(r["trial"] for r in trial_runs(result)) == {str(t): 1 for t in range(TRIALS)}
    assert "resuming:" in result["log"]
    promoted = [r for r in trial_runs(result) if r["parent"]]  # ASHA continued these from a worker's weights
    assert promoted and all(r["epochs"] < 12 for r in promoted)


def test_a_two_node_cluster_runs_trials_on_both_nodes(cluster):
    nodes = {node for _, node, _ in cluster["probe"]["nodes"]}
    assert len(nodes) == 2 and {ip for ip, _, _ in cluster["probe"]["nodes"]} == {"127.0.0.1"}
    assert cluster["probe"]["on_node2"] == f"127.0.0.1 {cluster['second_node']}"  # the custom resource's task
    assert set(cluster["attempts_per_node"]) == nodes  # the search's attempts ran on both nodes
    finished_on = {r["worker"].split("(node ")[1].rstrip(")") for r in trial_runs(cluster)}
    assert {node[:8] for node in nodes} == finished_on  # and trials completed on both
    # One CPU each: a trial never waits in a call that lends its CPU to a second trial on its node.
    assert cluster["most_at_once"] == {node: 1 for node in nodes}
    loopback_only(cluster)


def test_a_node_stopped_mid_trial_has_its_trial_run_again_elsewhere(cluster):
    assert cluster["code"] == 0 and cluster["killed_processes"] >= 2
    assert Counter(r["trial"] for r in trial_runs(cluster)) == {str(t): 1 for t in range(TRIALS)}
    assert len(cluster["killed_trials"]) == 1  # the trial running on the node when it went
    assert [r["trial"] for r in trial_runs(cluster, "KILLED", "deleted")] == cluster["killed_trials"]
    assert cluster["audit"]["trials_completed"] == TRIALS and cluster["audit"]["losses"] == 0
