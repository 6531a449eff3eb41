"""Search quality: `automl search` against scikit-learn and a plain KerasTuner random search, same splits and budget.

    .venv/bin/python benchmarks/quality.py [--seeds 0,1,2,3,4] [--datasets digits,iris,...]
        [--systems automl,plain,sklearn] [--label after] [--out results.jsonl] [--report a.jsonl,b.jsonl]
        [--record-candidates DIR]

For every bundled scikit-learn dataset (digits, iris, wine, breast_cancer,
diabetes) and every seed, the bundled card is copied with its split seed set
to the seed, so every system sees the same train, validation and test rows:

- ``automl``: ``automl search --space auto`` in a fresh process, as a user runs
  it, with ``--time-budget`` (30 s for tables, 60 s for digits), a trial cap it
  never reaches and the seed as search seed. The exported ``model.keras`` is
  loaded here and scored on the test rows.
- ``plain``: what a KerasTuner user writes: ``kt.RandomSearch`` over the same
  space's models (our builders), fit on the train rows with early stopping on
  the validation rows, stopped by the same time budget (no trial starts after
  it, the running one stops at its next epoch); its best model is scored.
- ``sklearn``: a few lines of scikit-learn, fit on train + validation rows:
  logistic (ridge) regression and SVC (SVR) on standardized features, and
  HistGradientBoosting, each with its defaults.

The score is test accuracy (classification) or R² (regression). Each run is
one JSON line in ``--out``; ``--report`` reads such files (a ``before`` and an
``after`` label in them give two tables) and prints, per dataset, the median of
each system and the toolkit's wins, ties and losses against the best
scikit-learn model (the one with the highest median) and against plain
KerasTuner, seed by seed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, result

ENV = "AUTOML_RECORD_CANDIDATES"  # automl.search.record.ENV, without importing TensorFlow here

DATASETS = ("digits", "iris", "wine", "breast_cancer", "diabetes")
BUDGETS = {"digits": 60.0}  # seconds; tables get --table-budget
TIE = {"accuracy": 1e-9, "r2": 0.005}  # accuracy ties are exact; R² within half a percent


def card(folder: Path, name: str, seed: int) -> Path:
    """The bundled card with its split seed set to ``seed``."""
    text = (ROOT / "datasets" / f"{name}.yaml").read_text()
    path = folder / f"{name}-{seed}.yaml"
    path.write_text(re.sub(r"seed: \d+", f"seed: {seed}", text))
    return path


def load(path: Path):
    from automl.data import load_dataset
    from automl.spec import load_card

    return load_dataset(load_card(str(path)))


def score(predicted, y, task: str) -> tuple[str, float]:
    """Test accuracy (classification) or R² (regression) of predictions (scores or probabilities)."""
    import numpy as np

    predicted = np.asarray(predicted)
    if task == "regression":
        predicted = predicted.reshape(len(y))
        return "r2", float(1 - np.sum((y - predicted) ** 2) / np.sum((y - y.mean()) ** 2))
    if predicted.ndim == 2 and predicted.shape[1] > 1:
        labels = predicted.argmax(axis=1)
    else:
        labels = (predicted.reshape(len(y)) > 0.5).astype(int)
    return "accuracy", float(np.mean(labels == y))


def automl_run(folder: Path, dataset: Path, seed: int, budget: float, record: str = "") -> dict:
    """One `automl search` in a fresh process; its export scored on the test rows (``record``: a folder where
    the search writes its cross-validated candidates, as ``<dataset>-<seed>.npz``, for selection_replay.py)."""
    import keras

    import automl.builders.blocks  # noqa: F401 - registers the layers a saved model may hold, as predict does
    from automl.data.graphs import model_inputs

    experiment = f"{dataset.stem}"
    command = str(Path(sys.executable).with_name("automl"))
    argv = [command, "search", "--dataset", str(dataset), "--space", "auto", "--experiment", experiment,
            "--seed", str(seed), "--max-trials", "1000", "--time-budget", str(budget), "--no-tracking",
            "--device", "cpu", "--export-dir", str(folder / "exports")]
    started = time.perf_counter()
    env = {**os.environ, ENV: str(Path(record).resolve() / f"{dataset.stem}.npz")} if record else None
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:  # a failed search scores as the worst of all (a user gets no model)
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        print(f"{experiment} seed {seed} failed: {reason}", flush=True)
        return {"metric": "r2" if load(dataset).task == "regression" else "accuracy", "score": None,
                "seconds": round(seconds, 1), "failed": reason}
    export = max((folder / "exports" / experiment).glob("*/model_card.json")).parent
    data = load(dataset)
    model = keras.saving.load_model(export / "model.keras")
    metric, value = score(model.predict(model_inputs(data.x_test), verbose=0), data.y_test, data.task)
    trials = next((line for line in done.stdout.splitlines() if line.startswith("trials:")), "")
    facts = json.loads((export / "model_card.json").read_text())
    keras.backend.clear_session()
    selection = facts.get("selection", {})
    return {"metric": metric, "score": value, "seconds": round(seconds, 1),
            "trials": trials.split(":", 1)[-1].strip(), "selection": selection.get("method"),
            "members": selection.get("members"),
            "out_of_fold": selection.get("cross_validation", {}).get("out_of_fold_losses")}


def plain_run(folder: Path, dataset: Path, seed: int, budget: float) -> dict:
    """A plain KerasTuner RandomSearch over the same space's models, stopped by the same budget."""
    import keras
    import keras_tuner as kt

    from automl.app.inputs import SearchOptions, load_inputs
    from automl.builders import InputSpec, build_model, prepare_targets, family_values
    from automl.builders.compile import default_objective
    from automl.data.graphs import model_inputs
    from automl.space import build_hyperparameters

    _, space, data = load_inputs(SearchOptions(dataset=str(dataset), space="auto"))
    spec, hp = InputSpec.from_bundle(data), build_hyperparameters(space)
    objective, direction = default_objective(data.task)
    epochs, patience = space.spec.train.epochs, space.spec.train.early_stopping.patience
    started = time.perf_counter()

    class Budgeted(kt.RandomSearch):
        def run_trial(self, trial, *args, **kwargs):
            values = dict(trial.hyperparameters.values)
            targets = lambda y: prepare_targets(family_values(values), spec, y)  # noqa: E731
            kwargs["x"], kwargs["y"] = model_inputs(data.x_train), targets(data.y_train)
            kwargs["validation_data"] = (model_inputs(data.x_val), targets(data.y_val))
            kwargs["batch_size"] = values["batch_size"]
            return super().run_trial(trial, *args, **kwargs)

    class OutOfTime(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None) -> None:
            if time.perf_counter() - started > budget:
                self.model.stop_training = True

    tuner = Budgeted(lambda hp: build_model(dict(hp.values), spec, epochs), hyperparameters=hp,
                     objective=kt.Objective(objective, direction), max_trials=1000, seed=seed,
                     directory=str(folder), project_name=f"plain-{dataset.stem}", overwrite=True)
    original = tuner.oracle.create_trial

    def create_trial(tuner_id):  # no trial starts once the budget is spent
        if time.perf_counter() - started > budget:
            return kt.engine.trial.Trial(tuner.oracle.hyperparameters.copy(), status="STOPPED")
        return original(tuner_id)

    tuner.oracle.create_trial = create_trial
    try:
        tuner.search(epochs=epochs, verbose=0,
                     callbacks=[keras.callbacks.EarlyStopping(monitor=objective, mode=direction, patience=patience,
                                                              restore_best_weights=True), OutOfTime()])
    except RuntimeError as err:  # KerasTuner ends a search after 3 failed trials in a row (NaN losses)
        print(f"plain KerasTuner on {dataset.stem}: {err}", flush=True)
    trials = sum(t.status == "COMPLETED" for t in tuner.oracle.trials.values())
    if not trials:
        return {"metric": "r2" if data.task == "regression" else "accuracy", "score": None,
                "seconds": round(time.perf_counter() - started, 1), "failed": "no trial completed"}
    model = tuner.get_best_models(1)[0]
    metric, value = score(model.predict(model_inputs(data.x_test), verbose=0), data.y_test, data.task)
    keras.backend.clear_session()
    return {"metric": metric, "score": value, "seconds": round(time.perf_counter() - started, 1),
            "trials": f"{trials} completed"}


def sklearn_runs(dataset: Path, seed: int) -> dict[str, dict]:
    """Each scikit-learn model fit on train + validation rows, scored on the test rows."""
    import numpy as np
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, SVR

    data = load(dataset)
    train = data.with_validation_in_train()
    flat = lambda x: np.asarray(x, "float64").reshape(len(x), -1)  # noqa: E731
    if data.task == "regression":
        models = {"ridge": make_pipeline(StandardScaler(), Ridge()),
                  "svr": TransformedTargetRegressor(make_pipeline(StandardScaler(), SVR()),
                                                    transformer=StandardScaler()),
                  "hist_gradient_boosting": HistGradientBoostingRegressor(random_state=seed)}
    else:
        models = {"logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
                  "svc": make_pipeline(StandardScaler(), SVC(random_state=seed)),
                  "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=seed)}
    runs = {}
    for name, model in models.items():
        started = time.perf_counter()
        model.fit(flat(train.x_train), np.asarray(train.y_train).ravel())
        predicted = model.predict(flat(data.x_test))
        if data.task != "regression":
            metric, value = "accuracy", float(np.mean(predicted == data.y_test))
        else:
            metric, value = score(predicted, data.y_test, data.task)
        runs[name] = {"metric": metric, "score": value, "seconds": round(time.perf_counter() - started, 2)}
    return runs


def run(args: argparse.Namespace) -> None:
    """Runs the systems asked for, appending one JSON line per run to ``--out``."""
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    systems = args.systems.split(",")
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        for seed in [int(s) for s in args.seeds.split(",")]:
            for name in args.datasets.split(","):
                folder = Path(tmp) / f"{name}-{seed}"
                folder.mkdir()
                dataset = card(folder, name, seed)
                budget = BUDGETS.get(name, args.table_budget)
                runs: dict[str, dict] = {}
                if "sklearn" in systems:
                    runs.update(sklearn_runs(dataset, seed))
                if "plain" in systems:
                    runs["plain_kerastuner"] = plain_run(folder, dataset, seed, budget)
                if "automl" in systems:
                    runs["automl"] = automl_run(folder, dataset, seed, budget, args.record_candidates)
                with out.open("a") as f:
                    for system, facts in runs.items():
                        line = {"label": args.label, "dataset": name, "seed": seed, "system": system,
                                "budget_s": budget, **facts}
                        f.write(json.dumps(line) + "\n")
                        print(json.dumps(line), flush=True)


def report(paths: list[str]) -> dict:
    """Prints a table per label: median per system, and the toolkit's wins/ties/losses; returns the figures."""
    lines = [json.loads(line) for p in paths for line in Path(p).read_text().splitlines() if line.strip()]
    baselines = [x for x in lines if x["system"] != "automl"]  # measured once, shared by every label
    figures: dict = {}
    for label in dict.fromkeys(x["label"] for x in lines if x["system"] == "automl"):
        ours = [x for x in lines if x["system"] == "automl" and x["label"] == label]
        print(f"\n### {label}\n")
        print("| dataset | metric | automl | plain KerasTuner | best scikit-learn | vs best scikit-learn (W/T/L) "
              "| vs plain KerasTuner (W/T/L) | all scikit-learn medians |")
        print("|---|---|---|---|---|---|---|---|")
        for name in dict.fromkeys(x["dataset"] for x in ours):
            row = _row(name, [x for x in ours if x["dataset"] == name],
                       [x for x in baselines if x["dataset"] == name])
            figures[f"{label}_{name}"] = row
            failed = f" ({row['failed']} failed)" if row["failed"] else ""
            print(f"| {name} | {row['metric']} | {row['automl']:.4f}{failed} | {row['plain']:.4f} | "
                  f"{row['best_sklearn']:.4f} ({row['best_sklearn_name']}) | {row['vs_sklearn']} | {row['vs_plain']} | "
                  f"{row['sklearn_medians']} |")
    return figures


def _row(name: str, ours: list[dict], theirs: list[dict]) -> dict:
    by_system: dict[str, dict[int, float]] = {}
    for x in theirs:
        by_system.setdefault(x["system"], {})[x["seed"]] = -math.inf if x["score"] is None else x["score"]
    # A search that failed (no model) counts as the worst score there is.
    mine = {x["seed"]: -math.inf if x["score"] is None else x["score"] for x in ours}
    medians = {s: statistics.median(v.values()) for s, v in by_system.items()}
    learners = {s: m for s, m in medians.items() if s != "plain_kerastuner"}
    best = max(learners, key=learners.get)
    tie = TIE[ours[0]["metric"]]

    def tally(other: dict[int, float]) -> str:
        diffs = [mine[s] - other[s] for s in mine if s in other]
        return f"{sum(d > tie for d in diffs)}/{sum(abs(d) <= tie for d in diffs)}/{sum(d < -tie for d in diffs)}"

    return {"metric": ours[0]["metric"], "automl": statistics.median(mine.values()),
            "failed": sum(x["score"] is None for x in ours),
            "plain": medians.get("plain_kerastuner", float("nan")), "best_sklearn": learners[best],
            "best_sklearn_name": best, "vs_sklearn": tally(by_system[best]),
            "vs_plain": tally(by_system.get("plain_kerastuner", {})),
            "sklearn_medians": ", ".join(f"{s} {m:.4f}" for s, m in learners.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--systems", default="automl,plain,sklearn")
    parser.add_argument("--table-budget", type=float, default=30.0, help="seconds per search on a table")
    parser.add_argument("--label", default="current")
    parser.add_argument("--out", default="", help="JSON lines file (default: a temporary one)")
    parser.add_argument("--record-candidates", default="", metavar="DIR",
                        help="save each search's cross-validated candidates here (benchmarks/selection_replay.py)")
    parser.add_argument("--report", default="", help="comma-separated JSON lines files to report on, no runs")
    args = parser.parse_args()
    if args.report:
        figures = report(args.report.split(","))
    else:
        args.out = args.out or str(Path(tempfile.mkdtemp(prefix="quality-")) / "runs.jsonl")
        run(args)
        if "sklearn" not in args.systems.split(","):  # nothing to compare with in this file
            print(f"\nno scikit-learn runs in {args.out}; compare with --report BASELINE.jsonl,{args.out}")
            return
        figures = report([args.out])
    worst = min(f["automl"] - f["best_sklearn"] for f in figures.values())
    result("quality", worst_margin_to_best_sklearn=round(worst, 4),
           below_plain=sum(f["automl"] < f["plain"] for f in figures.values()),
           **{k: round(f["automl"], 4) for k, f in figures.items()})


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
