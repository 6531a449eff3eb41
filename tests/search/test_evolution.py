"""Aging evolution's own logic (no network is trained), then one short real search."""

from __future__ import annotations

import keras_tuner as kt

from automl.search.evolution import EvolutionOracle


def space() -> kt.HyperParameters:
    """Two families with their own conditional values, plus shared ones of every kind."""
    hp = kt.HyperParameters()
    family = hp.Choice("family", ["mlp", "cnn"])
    with hp.conditional_scope("family", ["mlp"]):
        hp.Int("mlp.layers", 1, 4)
        hp.Choice("mlp.units", [16, 32, 64])
    with hp.conditional_scope("family", ["cnn"]):
        hp.Int("cnn.blocks", 1, 3)
        hp.Boolean("cnn.residual")
    hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
    hp.Fixed("batch_size", 32)
    assert family == "mlp"  # the default, while no value is chosen
    return hp


def oracle(tmp_path, population=4, tournament=2, trials=40, seed=1, name="evo") -> EvolutionOracle:
    o = EvolutionOracle(population_size=population, tournament_size=tournament,
                        objective=kt.Objective("val_accuracy", "max"), max_trials=trials,
                        hyperparameters=space(), seed=seed)
    o._set_project_dir(str(tmp_path), name)
    if (tmp_path / name / "oracle.json").exists():
        o.reload()
    return o


def finish(o: EvolutionOracle, score: float) -> kt.engine.trial.Trial:
    trial = o.create_trial("tuner0")
    o.update_trial(trial.trial_id, {"val_accuracy": score})
    trial.status = "COMPLETED"
    o.end_trial(trial)
    o.save()  # as the Tuner does after each trial (end_trial saves while the trial is still "ongoing")
    return o.trials[trial.trial_id]


def is_valid(values: dict) -> bool:
    """Every value present is active under the others, and every active value is present."""
    hps = kt.HyperParameters()
    for p in space().space:
        hps.merge([p])
        active = hps.is_active(p) if p.name not in values else None
        if p.name in values:
            hps.values[p.name] = values[p.name]
            if not hps.is_active(p):
                return False
        elif active:
            return False
    return True


def one_step_from(child: dict, member: dict) -> bool:
    """Whether ``child`` is ``member`` with one value changed (a family change redraws its scope)."""
    if child["family"] != member["family"]:
        return all(child[k] == member[k] for k in ("learning_rate", "batch_size"))
    return sum(child[k] != member[k] for k in child) == 1


def test_the_population_fills_with_random_trials_then_children_differ_by_one_choice(tmp_path):
    o = oracle(tmp_path)
    first = [finish(o, s).hyperparameters.values for s in (0.5, 0.6, 0.7, 0.8)]
    assert len({str(sorted(v.items())) for v in first}) == 4
    for step in range(30):
        population = [t.hyperparameters.values for t in o.population()]
        child = finish(o, 0.1 * (step % 7)).hyperparameters.values
        assert is_valid(child)
        assert any(one_step_from(child, member) for member in population)


def test_a_family_mutation_draws_the_new_scope_and_drops_the_old(tmp_path):
    o = oracle(tmp_path)
    parent = {"family": "mlp", "mlp.layers": 2, "mlp.units": 32, "learning_rate": 0.01, "batch_size": 32}
    seen = set()
    for _ in range(60):
        child = o.mutate(parent)
        assert is_valid(child) and sum(child.get(k) != v for k, v in parent.items()) >= 1
        if child["family"] == "cnn":
            assert "mlp.layers" not in child and {"cnn.blocks", "cnn.residual"} <= set(child)
            assert child["learning_rate"] == parent["learning_rate"]
        else:
            changed = [k for k, v in parent.items() if child[k] != v]
            assert len(changed) == 1
        seen.add(child["family"])
    assert seen == {"mlp", "cnn"}  # every value, the family too, can be the one that changes


def test_tournament_picks_the_best_of_those_drawn(tmp_path):
    o = oracle(tmp_path, population=4, tournament=4)
    members = [finish(o, s) for s in (0.2, 0.9, 0.4, 0.3)]
    assert o.tournament(members).score == 0.9
    o.objective = kt.Objective("val_loss", "min")
    assert o.tournament(members).score == 0.2


def test_the_oldest_member_retires(tmp_path):
    o = oracle(tmp_path, population=3)
    ids = [finish(o, s).trial_id for s in (0.9, 0.1, 0.2, 0.3)]
    assert [t.trial_id for t in o.population()] == ids[1:]  # the best, but oldest, is gone


def test_a_short_real_search_with_the_evolution_controller(short_search):
    result, log = short_search(controller="evolution", max_trials=5, epochs=2)
    assert result.completed == 5 and result.test_metrics["test_accuracy"] > 0.5
    assert "evolution controller, 5 trials" in log


def test_under_a_time_budget_the_population_follows_the_trials_that_fit(tmp_path):
    """max_trials 1000 gives a population of 50; a budget that fits 12 trials gives one of 4, so the search
    leaves its random start after 4 trials instead of never."""
    o = EvolutionOracle(population_size=50, tournament_size=12, objective=kt.Objective("val_accuracy", "max"),
                        max_trials=1000, hyperparameters=space(), seed=1, budget_seconds=120.0)
    o._set_project_dir(str(tmp_path), "budget")
    assert o.sizes() == (50, 12)  # before any trial ended, the configured sizes
    for score in (0.5, 0.6, 0.7, 0.8):
        finish(o, score)
    o.started -= 40.0  # as if each of the 4 trials took 10 s: the 120 s budget fits 12
    assert o.expected_trials() == 12 and o.sizes() == (4, 2)
    parents = [t.hyperparameters.values for t in o.trials.values()]
    child = finish(o, 0.9).hyperparameters.values
    assert any(one_step_from(child, p) for p in parents)  # a mutation, not a fifth random draw


def test_without_a_budget_the_configured_population_holds(tmp_path):
    o = oracle(tmp_path, population=6, tournament=3, trials=40)
    for score in (0.1, 0.2):
        finish(o, score)
    assert o.expected_trials() is None and o.sizes() == (6, 3)
