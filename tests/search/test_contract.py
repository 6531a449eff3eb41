"""Checks every registered controller passes, whatever its algorithm (no network is trained).

In the manner of Optuna's shared sampler tests and scikit-learn's
``parametrize_with_checks``: each check runs once per entry of the controllers catalog, so a
controller registered later gets every check for free. The oracles are built
through `make_oracle`, as a search builds them, and driven as KerasTuner's
Tuner drives them (create_trial, update_trial with made-up metrics,
end_trial). A check that does not apply to a controller says why in
`EXCLUDED` (every check applies to every controller today); a controller
that cannot take part of a space says why in `STEPPED_ONLY`.

Budgeted controllers (hyperband, asha) legitimately propose a configuration
again with more epochs: such a promotion carries ``tuner/trial_id``, the
trial it continues, and is not a new proposal.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import threading
import time
import zlib
from typing import Any, Callable

import keras_tuner as kt
import pytest
from keras_tuner.src.engine import hyperparameters as hp_module

from automl.plugins.controllers import CONTROLLERS as CATALOG
from automl.search.oracles import OracleSettings, make_oracle

CONTROLLERS = CATALOG.names()
METRIC = "score"

# (check, controller) -> why the check does not apply to it.
EXCLUDED: dict[tuple[str, str], str] = {}

# Controllers given the grid-check space without its float range that has no step, and why.
STEPPED_ONLY = {"grid": "it enumerates every combination, so make_oracle refuses a float range without a step"}


def applies(check: str, name: str) -> None:
    """Skips, with its documented reason, a check that does not apply to ``name``."""
    reason = EXCLUDED.get((check, name))
    if reason:
        pytest.skip(reason)


# --- spaces -----------------------------------------------------------------------


def small_space() -> kt.HyperParameters:
    """Twelve configurations: two families of six, each in its own conditional scope."""
    hp = kt.HyperParameters()
    hp.Choice("family", ["mlp", "cnn"])
    with hp.conditional_scope("family", ["mlp"]):
        hp.Int("mlp.layers", 1, 3)
        hp.Boolean("mlp.norm")
    with hp.conditional_scope("family", ["cnn"]):
        hp.Int("cnn.filters", 8, 32, step=2, sampling="log")
        hp.Choice("cnn.activation", ["relu", "tanh"])
    hp.Fixed("batch_size", 32)
    return hp


def product_space() -> kt.HyperParameters:
    """Twelve configurations without scopes: each has only four others one value away."""
    hp = kt.HyperParameters()
    hp.Choice("activation", ["relu", "tanh", "gelu"])
    hp.Boolean("norm")
    hp.Boolean("residual")
    return hp


def nested_space() -> kt.HyperParameters:
    """Twelve configurations that random draws cover unevenly: scopes nested four deep.

    Each "go" opens the next scope, so the eight leaves together get one
    random draw in sixteen: once most configurations are tried, random draws
    keep colliding while leaves are still untried.
    """
    hp = kt.HyperParameters()
    with contextlib.ExitStack() as scopes:
        for depth in range(1, 5):
            hp.Choice(f"depth{depth}", ["stop", "go"])
            scopes.enter_context(hp.conditional_scope(f"depth{depth}", ["go"]))
        hp.Int("leaf", 1, 8)
    return hp


def nested_configurations() -> list[dict]:
    go = {f"depth{d}": "go" for d in range(1, 5)}
    stops = [{**{f"depth{d}": "go" for d in range(1, depth)}, f"depth{depth}": "stop"} for depth in range(1, 5)]
    return stops + [{**go, "leaf": leaf} for leaf in range(1, 9)]


SMALL = {
    "conditional": (small_space, [{"family": "mlp", "mlp.layers": n, "mlp.norm": b, "batch_size": 32}
                                  for n, b in itertools.product([1, 2, 3], [False, True])]
                    + [{"family": "cnn", "cnn.filters": f, "cnn.activation": a, "batch_size": 32}
                       for f, a in itertools.product([8, 16, 32], ["relu", "tanh"])]),
    "product": (product_space, [{"activation": a, "norm": n, "residual": r}
                                for a, n, r in itertools.product(["relu", "tanh", "gelu"], [False, True],
                                                                 [False, True])]),
    "nested": (nested_space, nested_configurations()),
}


def medium_space() -> kt.HyperParameters:
    """Forty-two configurations: a choice and a boolean times two families of four and three."""
    hp = kt.HyperParameters()
    hp.Choice("activation", ["relu", "tanh", "gelu"])
    hp.Boolean("norm")
    hp.Choice("family", ["mlp", "cnn"])
    with hp.conditional_scope("family", ["mlp"]):
        hp.Int("mlp.layers", 1, 4)
    with hp.conditional_scope("family", ["cnn"]):
        hp.Int("cnn.filters", 8, 32, step=2, sampling="log")
    return hp


MEDIUM_SIZE = 3 * 2 * (4 + 3)


def grid_space(name: str) -> kt.HyperParameters:
    """Every kind of value with its grid: linear and log steps, ints and floats, a conditional scope."""
    hp = kt.HyperParameters()
    hp.Int("units", 32, 512, step=32)
    hp.Int("filters", 8, 128, step=2, sampling="log")
    hp.Float("learning_rate", 1e-4, 1e-1, step=10, sampling="log")
    hp.Choice("activation", ["relu", "tanh", "gelu"])
    hp.Boolean("batch_norm")
    hp.Choice("family", ["mlp", "cnn"])
    with hp.conditional_scope("family", ["mlp"]):
        hp.Float("mlp.dropout", 0.0, 0.5, step=0.125)
    with hp.conditional_scope("family", ["cnn"]):
        hp.Int("cnn.kernel", 3, 7, step=2)
        hp.Int("cnn.width", 4, 64, sampling="log")
    if name not in STEPPED_ONLY:
        hp.Float("weight_decay", 1e-6, 1e-2, sampling="log")
    hp.Fixed("batch_size", 32)
    return hp


# --- driving an oracle --------------------------------------------------------------


def make(name: str, hp: kt.HyperParameters, tmp_path, max_trials: int, seed: int = 0,
         direction: str = "max", initial_points: tuple[dict, ...] = ()) -> kt.Oracle:
    """The controller as a search builds it; failures never stop it (the checks fail trials on purpose)."""
    settings = OracleSettings(kt.Objective(METRIC, direction), max_trials, seed, max_consecutive_failures=10_000,
                              max_epochs=3, initial_points=initial_points)
    oracle = make_oracle(name, hp, settings)
    oracle._set_project_dir(str(tmp_path), name)
    return oracle


def searched(values: dict) -> dict:
    """The searched values, without KerasTuner's budget bookkeeping (``tuner/...``)."""
    return {k: v for k, v in values.items() if not k.startswith("tuner/")}


def key(values: dict) -> str:
    """One configuration's identity."""
    return repr(sorted(searched(values).items()))


def score(values: dict) -> float:
    """A made-up score, fixed per configuration (a little higher with more epochs)."""
    return zlib.crc32(key(values).encode()) % 1000 / 1000 + values.get("tuner/epochs", 0) / 100


Proposal = tuple[str, dict]  # trial id, values


def drive(oracle: kt.Oracle, fail: Callable[[dict], bool] = lambda v: False,
          limit: int = 500, stop_at_limit: bool = False) -> tuple[list[Proposal], str]:
    """Runs trials one at a time until the oracle stops proposing (or, with ``stop_at_limit``, after
    ``limit`` trials: a process killed there); returns the proposals and the last status."""
    proposals: list[Proposal] = []
    for _ in range(limit):
        trial = oracle.create_trial("tuner0")
        if trial.status != "RUNNING":
            return proposals, trial.status
        values = dict(trial.hyperparameters.values)
        proposals.append((trial.trial_id, values))
        if fail(values):
            trial.status = "FAILED"
        else:
            oracle.update_trial(trial.trial_id, {METRIC: score(values)})
            trial.status = "COMPLETED"
        oracle.end_trial(trial)
        oracle.save()  # as the Tuner does once a trial has ended
    if stop_at_limit:
        return proposals, "RUNNING"
    raise AssertionError(f"no STOPPED after {limit} trials")


def new_configurations(proposals: list[Proposal]) -> list[str]:
    """The configurations the proposals start, in order; a promotion must continue an earlier trial as it was."""
    earlier: dict[str, dict] = {}
    started = []
    for trial_id, values in proposals:
        parent = values.get("tuner/trial_id")
        if parent is None:
            started.append(key(values))
        else:
            assert parent in earlier, f"trial {trial_id} continues {parent}, which is not an earlier trial"
            assert key(earlier[parent]) == key(values), f"trial {trial_id} changed the values of {parent}"
        earlier[trial_id] = values
    return started


def repeats(configurations: list[str]) -> list[str]:
    return [c for i, c in enumerate(configurations) if c in configurations[:i]]


# --- on the grid ---------------------------------------------------------------------


def active_names(hp: kt.HyperParameters, values: dict) -> set[str]:
    """The names active under ``values`` (a conditional scope's only when its parent matches)."""
    return {p.name for p in hp.space if all(c.is_active(values) for c in p.conditions)}


def off_grid(p: Any, value: Any) -> str | None:
    """Why ``value`` is not one ``p`` declares, or None: bounds, linear steps, log steps (KerasTuner
    multiplies by the step), and ints for an Int (a 64.0 is another configuration than 64 to KerasTuner)."""
    if isinstance(p, hp_module.Fixed):
        return None if value == p.value else "not the fixed value"
    if isinstance(p, hp_module.Boolean):
        return None if isinstance(value, bool) else "not a boolean"
    if isinstance(p, hp_module.Choice):
        return None if value in p.values else "not one of the choices"
    if isinstance(value, bool) or not isinstance(value, int if isinstance(p, hp_module.Int) else (int, float)):
        return f"a {type(value).__name__}"
    if not p.min_value <= value <= p.max_value:
        return "out of bounds"
    if p.step:
        steps = (value - p.min_value) / p.step if p.sampling == "linear" else \
            math.log(value / p.min_value) / math.log(p.step)
        if abs(steps - round(steps)) > 1e-9:
            return f"not a whole number of steps ({steps:.4f})"
    return None


def assert_on_grid(name: str, hp: kt.HyperParameters, proposals: list[Proposal]) -> None:
    """Each proposal holds exactly its active values, each one on its declared grid."""
    for trial_id, values in proposals:
        mine = searched(values)
        assert set(mine) == active_names(hp, mine), f"{name} trial {trial_id}: {sorted(mine)}"
        for p in hp.space:
            if p.name in mine:
                why = off_grid(p, mine[p.name])
                assert why is None, f"{name} proposed {p.name}={mine[p.name]!r}: {why}"


# --- the checks --------------------------------------------------------------------------


@pytest.mark.parametrize("name", CONTROLLERS)
def test_a_no_configuration_is_proposed_twice_while_untried_ones_remain(name, tmp_path):
    """(a) With 30 trials in a space of 42, every new proposal is new, and none is STOPPED."""
    applies("a", name)
    oracle = make(name, medium_space(), tmp_path, max_trials=30)
    proposals, status = drive(oracle)
    started = new_configurations(proposals)
    assert not repeats(started), f"{name} proposed again: {repeats(started)}"
    assert len(proposals) == 30, f"{name} said {status} after {len(proposals)} trials, with untried ones left"
    assert len(started) <= MEDIUM_SIZE


@pytest.mark.parametrize("name", CONTROLLERS)
def test_b_every_proposed_value_is_on_its_declared_grid(name, tmp_path):
    """(b) Bounds, linear steps, log steps, ints for ints, and exactly the active values."""
    applies("b", name)
    hp = grid_space(name)
    oracle = make(name, hp, tmp_path, max_trials=40)
    proposals, _ = drive(oracle)
    assert len(proposals) == 40
    assert_on_grid(name, hp, proposals)


@pytest.mark.parametrize("space", sorted(SMALL))
@pytest.mark.parametrize("name", CONTROLLERS)
def test_c_a_finite_space_is_proposed_whole_once_then_stopped(name, space, tmp_path):
    """(c) With more trials allowed than the space's 12 configurations: each once, then STOPPED.

    Three spaces: scopes, a plain product (where one-value mutations run out
    first) and nested scopes (where random draws run out first).
    """
    applies("c", name)
    make_space, expected = SMALL[space]
    oracle = make(name, make_space(), tmp_path, max_trials=30)
    proposals, status = drive(oracle)
    assert_on_grid(name, make_space(), proposals)
    started = new_configurations(proposals)
    assert not repeats(started), f"{name} proposed again: {repeats(started)}"
    assert sorted(started) == sorted(key(v) for v in expected), f"{name} proposed {len(started)} of 12"
    assert status == "STOPPED" and len(oracle.trials) < 30  # stopped by the space, not by max_trials


@pytest.mark.parametrize("name", CONTROLLERS)
def test_d_a_failed_configuration_is_not_proposed_again(name, tmp_path):
    """(d) Every configuration with ``norm`` fails; none of them comes back, new or promoted."""
    applies("d", name)
    oracle = make(name, medium_space(), tmp_path, max_trials=30)
    proposals, _ = drive(oracle, fail=lambda v: v["norm"])
    failed: set[str] = set()
    for trial_id, values in proposals:
        assert key(values) not in failed, f"{name} trial {trial_id} proposed a failed configuration again"
        if values["norm"]:
            failed.add(key(values))
    assert failed


@pytest.mark.parametrize("name", CONTROLLERS)
def test_e_concurrent_workers_end_every_trial_once(name, tmp_path):
    """(e) Four threads creating and ending trials on one oracle: each trial ended once, none lost.

    Each worker ends a copy of its trial, as KerasTuner's oracle server does
    for its remote tuners: setting the status on the oracle's own record
    outside the lock would show the others a COMPLETED trial without a score.
    """
    applies("e", name)
    oracle = make(name, grid_space(name), tmp_path, max_trials=24)
    errors: list[BaseException] = []
    deadline = time.monotonic() + 60

    def worker(tuner_id: str) -> None:
        try:
            while time.monotonic() < deadline:
                trial = oracle.create_trial(tuner_id)
                if trial.status == "IDLE":  # waiting on the others' trials, as a Tuner would
                    time.sleep(0.01)
                    continue
                if trial.status != "RUNNING":
                    return
                oracle.update_trial(trial.trial_id, {METRIC: score(trial.hyperparameters.values)})
                copy = kt.engine.trial.Trial(trial.hyperparameters.copy(), trial.trial_id, "COMPLETED")
                oracle.end_trial(copy)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    # Daemons: KerasTuner's lock is not released when a synchronized call raises, so a failing
    # check must not leave the test process waiting on threads that wait on it.
    threads = [threading.Thread(target=worker, args=(f"tuner{i}",), daemon=True) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()) + 5)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads), f"{name}: workers still running after a minute"
    assert len(oracle.trials) == 24 and sorted(oracle.end_order) == sorted(oracle.trials)
    assert not oracle.ongoing_trials
    for trial in oracle.trials.values():
        assert trial.status == "COMPLETED" and trial.score == pytest.approx(score(trial.hyperparameters.values))


@pytest.mark.parametrize("name", CONTROLLERS)
def test_e_end_trial_waits_for_the_oracle_lock(name, tmp_path):
    """(e) end_trial is `keras_tuner.synchronized`: while another call holds the oracle, it changes nothing."""
    applies("e", name)
    oracle = make(name, grid_space(name), tmp_path, max_trials=10)
    trial = oracle.create_trial("tuner0")
    oracle.update_trial(trial.trial_id, {METRIC: 0.5})
    trial.status = "COMPLETED"
    release, held = threading.Event(), threading.Event()

    def hold(self) -> None:  # another synchronized call on the same oracle, still running
        held.set()
        release.wait(10)

    holder = threading.Thread(target=kt.synchronized(hold), args=(oracle,), daemon=True)
    holder.start()
    held.wait(10)
    before = json.dumps(oracle.get_state(), sort_keys=True, default=str)
    ender = threading.Thread(target=oracle.end_trial, args=(trial,), daemon=True)
    ender.start()
    ender.join(0.3)
    during = json.dumps(oracle.get_state(), sort_keys=True, default=str)
    release.set()
    holder.join(10)
    ender.join(10)
    assert during == before, f"{name}'s end_trial changed the oracle while another call held it"
    assert oracle.end_order == [trial.trial_id]


@pytest.mark.parametrize("name", CONTROLLERS)
def test_e_end_trial_takes_both_of_keras_tuners_call_forms(name, tmp_path):
    """(e) ``end_trial(trial)`` and the older ``end_trial(trial_id, status)``; the trial keeps its values."""
    applies("e", name)
    oracle = make(name, grid_space(name), tmp_path, max_trials=10)
    ended = {}
    for form, status in [("trial", "COMPLETED"), ("id", "COMPLETED"), ("id", "FAILED")]:
        trial = oracle.create_trial("tuner0")
        values = dict(trial.hyperparameters.values)
        oracle.update_trial(trial.trial_id, {METRIC: score(values)})
        if form == "trial":
            trial.status = status
            oracle.end_trial(trial)
        else:
            oracle.end_trial(trial.trial_id, status)
        ended[trial.trial_id] = (values, status)
    assert oracle.end_order == list(ended) and not oracle.ongoing_trials
    for trial_id, (values, status) in ended.items():
        trial = oracle.trials[trial_id]
        assert trial.status == status and trial.hyperparameters.values == values, f"{name} trial {trial_id}"
        if status == "COMPLETED":
            assert trial.score == pytest.approx(score(values))
    assert oracle.create_trial("tuner0").status == "RUNNING"


# --- seeds, resumes, limits, failures, directions, workers ----------------------------------


def reopen(name: str, hp: kt.HyperParameters, tmp_path, max_trials: int, seed: int = 0, **more) -> kt.Oracle:
    """The controller of a new process on the same folder: built again, then reloaded from the saved state."""
    oracle = make(name, hp, tmp_path, max_trials, seed, **more)
    oracle.reload()
    return oracle


@pytest.mark.parametrize("name", CONTROLLERS)
def test_f_the_same_seed_gives_the_same_proposals(name, tmp_path):
    """(f) Scored by a fixed rule, two runs with one seed propose the same; another seed proposes otherwise,
    unless the catalog says why the seed changes nothing for this controller."""
    applies("f", name)
    runs = {folder: drive(make(name, medium_space(), tmp_path / folder, max_trials=12, seed=seed))[0]
            for folder, seed in [("a", 0), ("b", 0), ("c", 8)]}
    values = {folder: [v for _, v in proposals] for folder, proposals in runs.items()}
    assert values["a"] == values["b"], f"{name}: the same seed gave other proposals"
    unseeded = CATALOG.get(name).unseeded
    if unseeded:
        assert len(unseeded.split()) >= 3, f"{name}: the catalog's unseeded reason is not a reason: {unseeded!r}"
        assert values["a"] == values["c"], f"{name} is said to ignore the seed ({unseeded}), yet it changed"
    else:
        assert values["a"] != values["c"], f"{name}: another seed gave the same proposals (say why in unseeded)"


@pytest.mark.parametrize("name", CONTROLLERS)
def test_g_a_resumed_controller_proposes_what_an_uninterrupted_one_would(name, tmp_path):
    """(g) Killed after 5 of 12 trials (a new process reloads the saved state): the same 12 proposals."""
    applies("g", name)
    straight, _ = drive(make(name, medium_space(), tmp_path / "a", max_trials=12))
    first, _ = drive(make(name, medium_space(), tmp_path / "b", max_trials=12), limit=5, stop_at_limit=True)
    rest, status = drive(reopen(name, medium_space(), tmp_path / "b", max_trials=12))
    assert status == "STOPPED"
    assert first + rest == straight, f"{name}: the resumed search proposed otherwise"


@pytest.mark.parametrize("name", CONTROLLERS)
def test_h_it_stops_at_max_trials(name, tmp_path):
    """(h) Five trials allowed in a space of 42: five proposals, then STOPPED, also when asked again."""
    applies("h", name)
    oracle = make(name, medium_space(), tmp_path, max_trials=5)
    proposals, status = drive(oracle)
    assert len(proposals) == 5 and status == "STOPPED"
    assert oracle.create_trial("tuner1").status == "STOPPED"


@pytest.mark.parametrize("name", CONTROLLERS)
def test_i_it_goes_on_after_failed_trials(name, tmp_path):
    """(i) The first six trials fail (no metric reported): the controller goes on to max_trials."""
    applies("i", name)
    seen: list[dict] = []

    def first_six(values: dict) -> bool:
        seen.append(values)
        return len(seen) <= 6

    oracle = make(name, medium_space(), tmp_path, max_trials=15)
    proposals, status = drive(oracle, fail=first_six)
    assert len(proposals) == 15 and status == "STOPPED", f"{name} stopped after {len(proposals)} trials"
    statuses = [oracle.trials[trial_id].status for trial_id, _ in proposals]
    assert statuses == ["FAILED"] * 6 + ["COMPLETED"] * 9


@pytest.mark.parametrize("direction", ["min", "max"])
@pytest.mark.parametrize("name", CONTROLLERS)
def test_j_min_and_max_objectives(name, direction, tmp_path):
    """(j) Either direction: the search runs to max_trials and its best trial is the lowest or the highest."""
    applies("j", name)
    oracle = make(name, medium_space(), tmp_path, max_trials=12, direction=direction)
    proposals, status = drive(oracle)
    assert len(proposals) == 12 and status == "STOPPED"
    scores = [t.score for t in oracle.trials.values() if t.status == "COMPLETED"]
    best = oracle.get_best_trials(1)[0].score
    assert best == (min(scores) if direction == "min" else max(scores)), f"{name} {direction}: best {best}"


@pytest.mark.parametrize("name", CONTROLLERS)
def test_k_two_trials_run_at_once(name, tmp_path):
    """(k) Two workers each ask before either reports, and report out of order (the later first).

    Both get a trial at once (two ids, two configurations); to the end, every
    trial is ended once, no configuration starts twice, and the search ends at max_trials.
    """
    applies("k", name)
    hp = grid_space(name)
    oracle = make(name, hp, tmp_path, max_trials=12)
    a, b = oracle.create_trial("worker-a"), oracle.create_trial("worker-b")
    assert a.status == b.status == "RUNNING", f"{name}: {a.status}, {b.status} with one trial running"
    assert a.trial_id != b.trial_id and key(a.hyperparameters.values) != key(b.hyperparameters.values)
    running = {"worker-a": a, "worker-b": b}
    proposals: list[Proposal] = [(t.trial_id, dict(t.hyperparameters.values)) for t in (a, b)]
    for _ in range(100):
        if not running:
            break
        worker, trial = list(running.items())[-1]  # the later one reports first
        del running[worker]
        oracle.update_trial(trial.trial_id, {METRIC: score(trial.hyperparameters.values)})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
        for asking in (worker, *(w for w in ("worker-a", "worker-b") if w not in running and w != worker)):
            if asking in running:
                continue
            new = oracle.create_trial(asking)
            if new.status == "RUNNING":
                running[asking] = new
                proposals.append((new.trial_id, dict(new.hyperparameters.values)))
    assert not running and not oracle.ongoing_trials
    assert len(oracle.trials) == 12 and sorted(oracle.end_order) == sorted(oracle.trials)
    assert all(t.status == "COMPLETED" for t in oracle.trials.values())
    assert not repeats(new_configurations(proposals)), f"{name} started a configuration twice"
    assert_on_grid(name, hp, proposals)
    assert oracle.create_trial("worker-a").status == "STOPPED"


@pytest.mark.parametrize("name", CONTROLLERS)
def test_m_four_workers_never_get_a_configuration_still_running(name, tmp_path):
    """(m) Four workers keep four trials running for a whole search, past any random start.

    ``automl search --workers 4`` asks the controller whenever a worker frees up,
    while three other trials train: no proposal may repeat a configuration still
    running (a model-based controller sees no score for it yet), and none repeats
    one that ended while untried ones remain.
    """
    applies("m", name)
    hp = medium_space()
    oracle = make(name, hp, tmp_path, max_trials=30)
    running: dict[str, kt.engine.trial.Trial] = {}
    proposals: list[Proposal] = []
    workers = [f"worker-{i}" for i in range(4)]
    for turn in range(200):
        for worker in (w for w in workers if w not in running):
            trial = oracle.create_trial(worker)
            if trial.status != "RUNNING":
                continue
            values = dict(trial.hyperparameters.values)
            if "tuner/trial_id" not in values:
                busy = {key(t.hyperparameters.values) for t in running.values()}
                assert key(values) not in busy, f"{name} proposed {key(values)}, which is still running"
            else:
                assert values["tuner/trial_id"] not in {t.trial_id for t in running.values()}
            running[worker] = trial
            proposals.append((trial.trial_id, values))
        if not running:
            break
        worker = sorted(running)[turn % len(running)]  # trials end in an order unrelated to their start
        trial = running.pop(worker)
        oracle.update_trial(trial.trial_id, {METRIC: score(trial.hyperparameters.values)})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
    assert not running and len(oracle.trials) == 30
    assert not repeats(new_configurations(proposals)), f"{name} started a configuration twice"


@pytest.mark.parametrize("name", CONTROLLERS)
def test_l_initial_points_come_first_once_or_are_refused_with_the_reason(name, tmp_path):
    """(l) A point (completed with defaults, inactive values dropped) is the first proposal, or among the
    first random draws of a budgeted controller, and is not proposed again after a resume; a controller
    that refuses initial points says why."""
    applies("l", name)
    point = {"family": "cnn", "cnn.filters": 16, "mlp.layers": 3}  # mlp.layers is inactive under cnn
    plugin = CATALOG.get(name)
    if plugin.no_initial_points:
        from automl.errors import SpecError

        with pytest.raises(SpecError, match=f"other than {name}.*{plugin.no_initial_points}"):
            make(name, medium_space(), tmp_path, max_trials=5, initial_points=(point,))
        return
    oracle = make(name, medium_space(), tmp_path, max_trials=5, initial_points=(point,))
    first = oracle.create_trial("tuner0")
    values = searched(first.hyperparameters.values)
    assert values == {"activation": "relu", "norm": False, "family": "cnn", "cnn.filters": 16}
    oracle.update_trial(first.trial_id, {METRIC: 0.5})
    first.status = "COMPLETED"
    oracle.end_trial(first)
    rest, _ = drive(reopen(name, medium_space(), tmp_path, max_trials=5, initial_points=(point,)))
    assert key(values) not in {key(v) for _, v in rest if "tuner/trial_id" not in v}


def test_the_catalog_states_every_controllers_facts():
    """Every entry builds lazily, has a summary, and its optional package is (module, extra)."""
    for plugin in CATALOG:
        assert plugin.summary and (callable(plugin.build) or ":" in plugin.build), plugin.name
        assert plugin.extra is None or (len(plugin.extra) == 2 and all(plugin.extra)), plugin.name
    assert {p.name for p in CATALOG if p.budgeted} == {"hyperband", "asha"}


# --- a controller added as one module ----------------------------------------------------------

TOY = '''"""A toy controller: KerasTuner's random draws, as a plug-in would add one."""

from automl.plugins.controllers import ControllerPlugin


def build(hp, s):
    import keras_tuner as kt

    from automl.search.ending import EndTrialForms
    from automl.search.managed import Managed
    from automl.search.oracles import common
    from automl.search.untried import UntriedFallback

    class ToySearch(UntriedFallback, EndTrialForms, kt.Oracle):
        def populate_space(self, trial_id):
            values = self._random_values()
            return {"status": "RUNNING" if values else "STOPPED", "values": values}

    class ToyOracle(Managed, ToySearch):  # Managed first: it wraps the algorithm
        pass

    return ToyOracle(max_trials=s.max_trials, **common(hp, s))


PLUGIN = ControllerPlugin("toy", "random draws, for the test of the catalog", build)
'''


def checks_by_name() -> list[Callable]:
    """The contract checks that take a controller's name."""
    import inspect

    return [fn for n, fn in sorted(globals().items())
            if n.startswith("test_") and callable(fn) and "name" in inspect.signature(fn).parameters]


def test_a_controller_module_dropped_into_the_package_gets_every_check(tmp_path, monkeypatch):
    """One new module in the controllers package: the catalog, the CLI's extras check and every check see it."""
    import automl.plugins.controllers as package

    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "toy.py").write_text(TOY)
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])
    monkeypatch.setattr(CATALOG, "_entries", None)
    monkeypatch.delitem(__import__("sys").modules, "automl.plugins.controllers.toy", raising=False)
    assert "toy" in CATALOG.names()
    CATALOG.get("toy").require()
    ran = 0
    for check in checks_by_name():
        params = __import__("inspect").signature(check).parameters
        extra = {"space": "conditional"} if "space" in params else {}
        for direction in (["min", "max"] if "direction" in params else [None]):
            run = tmp_path / f"{check.__name__}-{direction}"
            run.mkdir()
            check(name="toy", tmp_path=run, **extra, **({"direction": direction} if direction else {}))
            ran += 1
    assert ran >= 12
