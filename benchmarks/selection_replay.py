"""Selection rules replayed on recorded candidates: what each rule would have exported, scored on the test rows.

    .venv/bin/python benchmarks/quality.py --systems automl --record-candidates DIR ...
    .venv/bin/python benchmarks/selection_replay.py DIR --baseline runs.jsonl [--rules greedy@linear,uniform]
        [--check recorded-runs.jsonl] [--runs-out rule-runs.jsonl]

A search that chooses by cross-validation weighs its candidates (its best
trials, the linear and the kernel model) on their out-of-fold predictions;
``--record-candidates`` saves those and each candidate's bagged predictions on
the test rows (`automl.search.record`). Here every rule in ``--rules`` weighs
the same candidates from the same out-of-fold predictions, never from the
test rows, and the weighted test predictions are scored as `quality.py` scores
an export. Forty searches take forty minutes; their replay takes seconds, so a
rule is compared with the others on exactly the same candidates.

A rule is ``METHOD@POOL``. The pool is the candidates it may use: ``all``
(everything recorded, the default), ``nets`` (the trials alone), ``linear``
or ``kernel`` (the trials and that one). Methods:

- ``greedy``: the toolkit's choice (`automl.search.selection.select`, 10 steps;
  the best single candidate unless the ensemble is better out of fold);
- ``accuracy``: the same greedy steps on the error rate plus 1% of the selection
  loss (which breaks ties between equal error rates; classification; regression:
  ``greedy``);
- ``calibrated``: ``greedy`` after each candidate's probabilities are
  temperature-scaled on its own out-of-fold predictions;
- ``bootstrap``: ``greedy`` on 20 bootstrap resamples of the rows, weights averaged;
- ``half``: ``greedy`` on 20 random halves of the candidates, weights averaged
  (Caruana et al., 2004, "bagged ensemble selection");
- ``uniform``: every candidate of the pool, equal weights;
- ``within1se``, ``within2se``: every candidate whose out-of-fold loss is within
  one (two) paired standard errors of the best one's, equal weights.

Prints, per dataset and rule, the median test score, the wins, ties and losses
against the best scikit-learn model of ``--baseline`` (as `quality.py --report`
counts them) and against the first rule, the mean, and the score per seed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Callable

import numpy as np

from common import ROOT
from quality import TIE, score

STEPS = 10  # the toolkit's default search.ensemble.size
RESAMPLES = 20
SKLEARN = ("logistic", "svc", "hist_gradient_boosting", "ridge", "svr")
DEFAULT_RULES = ("greedy@linear,greedy@all,greedy@nets,accuracy@all,calibrated@all,bootstrap@all,half@all,"
                 "uniform@all,uniform@linear,within1se@all,within2se@all")


def losses():
    from automl.search.selection import LOSSES

    return LOSSES


def labels(p: np.ndarray) -> np.ndarray:
    """Class ids from probabilities (one column: binary)."""
    return p.argmax(axis=-1) if p.ndim == 2 and p.shape[1] > 1 else (p.reshape(len(p)) > 0.5).astype(int)


def per_row(p: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """Each row's share of ``loss`` (its mean is the loss)."""
    if loss == "log_loss":
        return -np.log(np.clip(p[np.arange(len(y)), y.astype(int).ravel()], 1e-7, 1.0))
    if loss == "binary_log_loss":
        q, t = np.clip(p.reshape(len(y), -1), 1e-7, 1 - 1e-7), y.reshape(len(y), -1).astype("float64")
        return -(t * np.log(q) + (1 - t) * np.log(1 - q)).mean(axis=1)
    return ((p.reshape(len(y), -1) - y.reshape(len(y), -1)) ** 2).mean(axis=1)


def greedy(held: np.ndarray, y: np.ndarray, loss: str, score: Callable | None = None) -> np.ndarray:
    """The toolkit's rule: greedy selection's weights, or the best single candidate's when not better."""
    from automl.search.selection import LOSSES, select

    name = loss
    if score is not None:  # a rule's own score, registered under a private name for `select`
        name = "_replay"
        LOSSES[name] = score
    try:
        chosen = select(list(held), y, name, STEPS)
    finally:
        LOSSES.pop("_replay", None)
    if chosen.loss >= chosen.single_loss or len(chosen.members) < 2:
        return np.eye(len(held))[chosen.best_single]
    return np.asarray(chosen.weights)


def accuracy(held, y, loss):
    if loss == "squared_error":
        return greedy(held, y, loss)
    proper = losses()[loss]
    return greedy(held, y, loss, lambda p, t: float(np.mean(labels(p) != t.reshape(len(t)))) + 1e-2 * proper(p, t))


def tempered(p: np.ndarray, temperature: float, loss: str) -> np.ndarray:
    """Probabilities with their logits divided by ``temperature``."""
    if loss == "binary_log_loss":
        q = np.clip(p, 1e-7, 1 - 1e-7)
        return 1 / (1 + np.exp(-np.log(q / (1 - q)) / temperature))
    z = np.log(np.clip(p, 1e-7, 1.0)) / temperature
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def temperatures(held, y, loss) -> list[float]:
    grid = np.exp(np.linspace(np.log(0.25), np.log(4.0), 41))
    return [min(grid, key=lambda t: losses()[loss](tempered(h, t, loss), y)) for h in held]


def bootstrap(held, y, loss):
    rng, total = np.random.default_rng(0), np.zeros(len(held))
    for _ in range(RESAMPLES):
        rows = rng.integers(0, len(y), len(y))
        total += greedy(held[:, rows], y[rows], loss)
    return total / RESAMPLES


def half(held, y, loss):
    if len(held) < 3:  # halves of one or two candidates are the whole pool
        return greedy(held, y, loss)
    rng, total = np.random.default_rng(0), np.zeros(len(held))
    for _ in range(RESAMPLES):
        some = np.sort(rng.choice(len(held), max(2, (len(held) + 1) // 2), replace=False))
        total[some] += greedy(held[some], y, loss)
    return total / RESAMPLES


def uniform(held, y, loss):
    return np.full(len(held), 1 / len(held))


def within(k: float) -> Callable:
    def rule(held, y, loss):
        rows = np.stack([per_row(h, y, loss) for h in held])
        best = int(np.argmin(rows.mean(axis=1)))
        gaps = rows.mean(axis=1) - rows[best].mean()
        errors = np.array([0.0 if i == best else np.std(rows[i] - rows[best], ddof=1) / np.sqrt(len(y))
                           for i in range(len(held))])
        kept = (gaps <= k * errors).astype("float64")
        return kept / kept.sum()
    return rule


METHODS: dict[str, Callable] = {"greedy": greedy, "accuracy": accuracy, "bootstrap": bootstrap, "half": half,
                                "uniform": uniform, "within1se": within(1.0), "within2se": within(2.0)}
POOLS = {"all": None, "nets": set(), "linear": {"linear"}, "kernel": {"kernel"}}


def replay(rule: str, recorded) -> np.ndarray:
    """The test predictions ``rule`` exports from one search's recorded candidates."""
    method, _, pool = rule.partition("@")
    ids = [str(i) for i in recorded["ids"]]
    convex = POOLS[pool or "all"]
    keep = [i for i, name in enumerate(ids) if convex is None or name not in ("linear", "kernel") or name in convex]
    held, test, loss = recorded["held"][keep], recorded["test"][keep], str(recorded["loss"])
    y = recorded["y"]
    if method == "calibrated" and loss != "squared_error":
        scales = temperatures(held, y, loss)
        held = np.stack([tempered(h, t, loss) for h, t in zip(held, scales)])
        test = np.stack([tempered(p, t, loss) for p, t in zip(test, scales)])
        method = "greedy"
    weights = METHODS["greedy" if method == "calibrated" else method](held, y, loss)
    return np.tensordot(weights, test, axes=1)


def scored(p: np.ndarray, y: np.ndarray, loss: str) -> tuple[str, float]:
    """Test accuracy or R², as quality.py scores an export (with its own function)."""
    return score(p, y, "regression" if loss == "squared_error" else "classification")


def best_sklearn(baseline: list[dict], dataset: str) -> tuple[str, dict[int, float]]:
    by: dict[str, dict[int, float]] = {}
    for x in baseline:
        if x["dataset"] == dataset and x["system"] in SKLEARN and x["score"] is not None:
            by.setdefault(x["system"], {})[x["seed"]] = x["score"]
    name = max(by, key=lambda s: statistics.median(by[s].values()))
    return name, by[name]


def write_runs(path: Path, rule: str, scores: dict[str, dict[int, float]], metric: dict[str, str]) -> None:
    """A rule's replayed test scores as the automl rows `quality.py` writes (what --report reads)."""
    lines = [json.dumps({"label": rule, "dataset": dataset, "seed": seed, "system": "automl",
                         "metric": metric[dataset], "score": value, "replayed": True})
             for dataset, by_seed in scores.items() for seed, value in sorted(by_seed.items())]
    path.write_text("".join(f"{line}\n" for line in lines))
    print(f"wrote {len(lines)} replayed runs of {rule} to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="quality.py --record-candidates folder (<dataset>-<seed>.npz files)")
    parser.add_argument("--baseline", required=True, help="quality.py JSON lines with scikit-learn runs")
    parser.add_argument("--rules", default=DEFAULT_RULES)
    parser.add_argument("--check", default="", metavar="RUNS.jsonl",
                        help="the quality.py runs that recorded the folder: checks that greedy@all gives each "
                             "run's own test score (the replay reproduces the real exports)")
    parser.add_argument("--runs-out", default="", metavar="RUNS.jsonl",
                        help="write the first rule's test scores as quality.py automl runs (label: the rule), "
                             "for quality.py --report to put beside other runs")
    args = parser.parse_args()
    rules = args.rules.split(",")
    unknown = [r for r in rules if r.partition("@")[0] not in {*METHODS, "calibrated"}
               or (r.partition("@")[2] or "all") not in POOLS]
    if unknown:
        parser.error(f"--rules: expected METHOD@POOL with a method in {sorted({*METHODS, 'calibrated'})} and a "
                     f"pool in {sorted(POOLS)}, received {unknown}")
    baseline = [json.loads(line) for line in Path(args.baseline).read_text().splitlines() if line.strip()]
    scores: dict[tuple[str, str], dict[int, float]] = {}
    metric = {}
    for path in sorted(Path(args.folder).glob("*.npz")):
        dataset, _, seed = path.stem.rpartition("-")
        recorded = np.load(path)
        for rule in rules:
            metric[dataset], value = scored(replay(rule, recorded), recorded["y_test"], str(recorded["loss"]))
            scores.setdefault((dataset, rule), {})[int(seed)] = value
    if args.check:
        check(Path(args.folder), Path(args.check))
    if args.runs_out:
        write_runs(Path(args.runs_out), rules[0], {d: v for (d, r), v in scores.items() if r == rules[0]}, metric)
    for dataset in dict.fromkeys(d for d, _ in scores):
        if not any(x["dataset"] == dataset and x["system"] in SKLEARN for x in baseline):
            print(f"\n### {dataset}: no scikit-learn runs in {args.baseline}, left out")
            continue
        name, theirs = best_sklearn(baseline, dataset)
        tie = TIE[metric[dataset]]
        print(f"\n### {dataset}: best scikit-learn {name}, median {statistics.median(theirs.values()):.4f}\n")
        print(f"| rule | median | W/T/L vs {name} | W/T/L vs {rules[0]} | mean | per seed |\n|---|---|---|---|---|---|")
        for rule in rules:
            mine = scores[(dataset, rule)]
            print(f"| {rule} | {statistics.median(mine.values()):.4f} | {tally(mine, theirs, tie)} | "
                  f"{tally(mine, scores[(dataset, rules[0])], tie)} | {np.mean(list(mine.values())):.4f} | "
                  + " ".join(f"{mine[s]:.3f}" for s in sorted(mine)) + " |")


def check(folder: Path, runs: Path) -> None:
    """Prints how many recorded searches greedy@all replays to the test score their own export scored."""
    real = {(x["dataset"], x["seed"]): x["score"] for x in map(json.loads, runs.read_text().splitlines())
            if x.get("system") == "automl" and x.get("score") is not None}
    same, differ = 0, []
    for path in sorted(folder.glob("*.npz")):
        dataset, _, seed = path.stem.rpartition("-")
        if (dataset, int(seed)) not in real:
            continue
        recorded = np.load(path)
        _, value = scored(replay("greedy@all", recorded), recorded["y_test"], str(recorded["loss"]))
        if abs(value - real[(dataset, int(seed))]) <= 1e-4:  # R² of float32 exports against float64 sums
            same += 1
        else:
            differ.append(f"{path.stem} ({value:.4f} against {real[(dataset, int(seed))]:.4f})")
    print(f"check: greedy@all gives the export's own test score on {same} of {same + len(differ)} recorded "
          f"searches" + (f"; differs on {', '.join(differ)}" if differ else ""))


def tally(mine: dict[int, float], other: dict[int, float], tie: float) -> str:
    """Wins, ties and losses of ``mine`` against ``other``, seed by seed."""
    diffs = [mine[s] - other[s] for s in mine if s in other]
    return f"{sum(d > tie for d in diffs)}/{sum(abs(d) <= tie for d in diffs)}/{sum(d < -tie for d in diffs)}"


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
