"""The tabular portfolio: which few configurations `auto_tabular` tries first, chosen over every bundled table.

    .venv/bin/python benchmarks/portfolio.py [--seeds 10,11,12] [--keep 3]

Each candidate configuration (below: hand-written, inside the space's ranges)
is trained as a search trains it, on iris, wine, breast_cancer and diabetes,
each split with seeds that the quality benchmark (`quality.py`, seeds 0-4)
does not use. Only validation scores are read: the test rows stay unseen.
Per dataset and seed, each candidate's validation score is turned into a
regret, its distance to the best candidate's score over the spread between the
best and the worst (0: the best; 1: the worst). The portfolio is then chosen
greedily (as auto-sklearn's portfolios are): first the candidate with the
lowest mean regret, then each time the one that most lowers the mean regret
of the best-of-the-portfolio. Its order is the order the search tries them.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
from pathlib import Path

from common import ROOT, result

TABLES = ("iris", "wine", "breast_cancer", "diabetes")
CANDIDATES = {
    "mlp-64-32": {"family": "mlp", "mlp.layers": 2, "mlp.units_1": 64, "mlp.units_2": 32, "mlp.activation": "relu",
                  "mlp.norm": "none", "mlp.dropout": 0.0, "optimizer": "adam", "learning_rate": 3.0e-3},
    "mlp-128-wide-dropout": {"family": "mlp", "mlp.layers": 1, "mlp.units_1": 128, "mlp.activation": "gelu",
                             "mlp.norm": "none", "mlp.dropout": 0.3, "optimizer": "adam", "learning_rate": 1.0e-3},
    "mlp-deep-batchnorm": {"family": "mlp", "mlp.layers": 3, "mlp.units_1": 128, "mlp.units_2": 128,
                           "mlp.units_3": 64, "mlp.activation": "relu", "mlp.norm": "batch", "mlp.dropout": 0.2,
                           "optimizer": "adam", "learning_rate": 1.0e-3},
    "mlp-elu-dropout": {"family": "mlp", "mlp.layers": 2, "mlp.units_1": 128, "mlp.units_2": 64,
                        "mlp.activation": "elu", "mlp.norm": "none", "mlp.dropout": 0.4, "optimizer": "adam",
                        "learning_rate": 3.0e-3},
    "mlp-small-sgd": {"family": "mlp", "mlp.layers": 1, "mlp.units_1": 32, "mlp.activation": "relu",
                      "mlp.norm": "none", "mlp.dropout": 0.1, "optimizer": "sgd", "learning_rate": 1.0e-2},
    "linear": {"family": "mlp", "mlp.layers": 0, "mlp.activation": "relu", "mlp.norm": "none", "mlp.dropout": 0.0,
               "optimizer": "adam", "learning_rate": 1.0e-2},
    "transformer": {"family": "transformer", "transformer.ff_dim": 64, "optimizer": "adam", "learning_rate": 1.0e-3},
}


def validation_scores(folder: Path, name: str, seed: int) -> dict[str, float]:
    """Every candidate trained on one table and split (one search whose trials are the candidates, in order)."""
    from automl.app.search import SearchOptions, run_search

    from quality import card

    dataset = card(folder, name, seed)
    points = json.dumps(list(CANDIDATES.values()))
    space = folder / "portfolio.yaml"
    space.write_text("extends: auto_tabular\nmodel:\n  mlp:\n    layers: {int: [0, 3]}\n"  # 0: the linear candidate
                     f"search:\n  max_trials: {len(CANDIDATES)}\n"
                     f"  initial_points: {points}\n  ensemble: {{size: 0}}\n  refit: never\n"
                     "  cross_validation: {folds: 0}\n")
    opts = SearchOptions(dataset=str(dataset), space=str(space), seed=seed, experiment=f"{name}-{seed}",
                         export_dir=str(folder / "exports"), state_dir=str(folder / "state"), device="cpu",
                         tracking=False)
    searched = run_search(opts, progress_stream=io.StringIO())
    sign = -1 if searched.objective.endswith("loss") else 1  # higher is better from here on
    scores = {}
    for i, label in enumerate(CANDIDATES):  # trial i is candidate i; a failed one scores as the worst
        record = json.loads(next((folder / "state").glob(f"*/trial_{i}/record.json")).read_text())
        scores[label] = sign * record["metrics"][searched.objective] if record["status"] != "failed" else None
    worst = min(v for v in scores.values() if v is not None)
    return {label: worst if v is None else v for label, v in scores.items()}


def regrets(scores: dict[str, float]) -> dict[str, float]:
    best, worst = max(scores.values()), min(scores.values())
    spread = best - worst or 1.0
    return {label: (best - s) / spread for label, s in scores.items()}


def greedy(table: list[dict[str, float]], keep: int) -> list[tuple[str, float]]:
    """Candidates in the order that most lowers the mean regret of the best of those chosen."""
    chosen: list[tuple[str, float]] = []
    for _ in range(keep):
        def mean_with(label: str) -> float:
            members = [c for c, _ in chosen] + [label]
            return statistics.mean(min(row[m] for m in members) for row in table)

        left = [label for label in CANDIDATES if label not in dict(chosen)]
        pick = min(left, key=mean_with)
        chosen.append((pick, mean_with(pick)))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="10,11,12")
    parser.add_argument("--keep", type=int, default=3)
    args = parser.parse_args()
    table = []
    with tempfile.TemporaryDirectory(prefix="bench-portfolio-") as tmp:
        for seed in [int(s) for s in args.seeds.split(",")]:
            for name in TABLES:
                folder = Path(tmp) / f"{name}-{seed}"
                folder.mkdir()
                scores = validation_scores(folder, name, seed)
                table.append(regrets(scores))
                print(f"{name} seed {seed}: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()), flush=True)
    print("\n| candidate | mean regret alone |\n|---|---|")
    for label in CANDIDATES:
        print(f"| {label} | {statistics.mean(row[label] for row in table):.3f} |")
    chosen = greedy(table, args.keep)
    print("\n| portfolio order | mean regret of the best so far |\n|---|---|")
    for label, regret in chosen:
        print(f"| {label} | {regret:.3f} |")
    result("portfolio", chosen=[c for c, _ in chosen], mean_regret=round(chosen[-1][1], 4),
           first_alone=round(chosen[0][1], 4))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
