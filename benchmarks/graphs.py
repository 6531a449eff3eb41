"""Graph networks against structure-blind baselines on the bundled graphs, same splits, same time budget.

    .venv/bin/python benchmarks/graphs.py [--seeds 0,1,2] [--budget 60] [--karate-budget 30]

For each seed (the card's split seed and the search's seed both), each
``automl search`` runs in a fresh process as a user runs it, with
``--time-budget`` and a trial cap it never reaches, and the test accuracy is
read from the export's model card:

- ``block_model`` (node classification): the ``gnn`` space against the ``mlp``
  space, which on a graph sees each node's own features only (and, for
  reference, ``LogisticRegressionCV`` on the same features).
- ``graph_mixing`` (graph classification, classes differ only in wiring): the
  ``gnn`` space against scikit-learn's ``LogisticRegressionCV`` on simple graph
  statistics (degree histogram, node and edge counts), on the same train and
  test graphs (the baseline trains on train + validation).
- ``karate``: the ``gnn`` space's best model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, result

CARD = """\
name: {name}
source: graphs
options: {{dataset: {name}}}
splits: {{validation: {validation}, test: {test}, stratify: true, seed: {seed}}}
"""
SPLITS = {"karate": (0.2, 0.2), "block_model": (0.15, 0.15), "graph_mixing": (0.15, 0.15)}


def card(folder: Path, name: str, seed: int) -> Path:
    validation, test = SPLITS[name]
    path = folder / f"{name}-{seed}.yaml"
    path.write_text(CARD.format(name=name, validation=validation, test=test, seed=seed))
    return path


def searched(folder: Path, dataset: Path, space: str, seed: int, budget: float) -> dict:
    """One search; returns its test accuracy and how many trials it completed."""
    experiment = f"{dataset.stem}-{space}"
    automl = str(Path(sys.executable).with_name("automl"))
    argv = [automl, "search", "--dataset", str(dataset), "--space", space, "--experiment", experiment,
            "--seed", str(seed), "--max-trials", "500", "--time-budget", str(budget), "--no-tracking",
            "--device", "cpu", "--export-dir", str(folder / "exports")]
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{experiment} failed:\n{done.stderr[-3000:]}")
    card_path = max((folder / "exports" / experiment).glob("*/model_card.json"))
    facts = json.loads(card_path.read_text())
    trials = next((line for line in done.stdout.splitlines() if line.startswith("trials:")), "")
    return {"test_accuracy": facts["metrics"]["test_accuracy"], "trials": trials.split(":", 1)[-1].strip(),
            "best": {k: v for k, v in facts["hyperparameters"].items() if k in ("family", "conv", "layers")}}


def statistics_baseline(dataset: Path) -> float:
    """LogisticRegressionCV on degree histograms and node and edge counts, on the search's own splits."""
    import numpy as np
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from automl.data import load_dataset
    from automl.spec import load_card

    data = load_dataset(load_card(str(dataset)))

    def table(x) -> np.ndarray:
        g = x.graphs
        rows = []
        for i in x.rows:
            nodes = g.node_splits[i + 1] - g.node_splits[i]
            edges = g.edges[g.edge_splits[i]:g.edge_splits[i + 1]] - g.node_splits[i]
            degree = np.bincount(edges[:, 1], minlength=nodes)
            histogram = np.bincount(np.minimum(degree, 15), minlength=16) / nodes
            rows.append([nodes, len(edges) / 2, *histogram])
        return np.asarray(rows, "float64")

    train = data.with_validation_in_train()
    model = make_pipeline(StandardScaler(), LogisticRegressionCV(max_iter=5000))
    model.fit(table(train.x_train), train.y_train)
    return float(model.score(table(data.x_test), data.y_test))


def features_baseline(dataset: Path) -> float:
    """LogisticRegressionCV on each node's own features (what the mlp space sees), on the search's own splits."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from automl.data import load_dataset
    from automl.spec import load_card

    data = load_dataset(load_card(str(dataset)))
    train = data.with_validation_in_train()
    features = lambda x: x.graphs.features[x.rows]  # noqa: E731
    model = make_pipeline(StandardScaler(), LogisticRegressionCV(max_iter=5000))
    model.fit(features(train.x_train), train.y_train)
    return float(model.score(features(data.x_test), data.y_test))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per search (block_model, graph_mixing)")
    parser.add_argument("--karate-budget", type=float, default=30.0)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    rows: dict[str, list] = {"block_model gnn": [], "block_model mlp": [], "block_model features+logistic": [],
                             "graph_mixing gnn": [],
                             "graph_mixing statistics+logistic": [], "karate gnn": []}
    with tempfile.TemporaryDirectory(prefix="bench-graphs-") as tmp:
        folder = Path(tmp)
        for seed in seeds:
            blocks, mixing, karate = (card(folder, n, seed) for n in ("block_model", "graph_mixing", "karate"))
            for space in ("gnn", "mlp"):
                rows[f"block_model {space}"].append(searched(folder, blocks, space, seed, args.budget))
            rows["block_model features+logistic"].append({"test_accuracy": features_baseline(blocks)})
            rows["graph_mixing gnn"].append(searched(folder, mixing, "gnn", seed, args.budget))
            rows["graph_mixing statistics+logistic"].append({"test_accuracy": statistics_baseline(mixing)})
            rows["karate gnn"].append(searched(folder, karate, "gnn", seed, args.karate_budget))
            for name, runs in rows.items():
                print(f"seed {seed}: {name}: {runs[-1]}", flush=True)
    print(f"\n| system | {' | '.join(f'seed {s}' for s in seeds)} | median |")
    print("|---|" + "---|" * (len(seeds) + 1))
    for name, runs in rows.items():
        scores = [r["test_accuracy"] for r in runs]
        print(f"| {name} | {' | '.join(f'{s:.4f}' for s in scores)} | {statistics.median(scores):.4f} |")
    median = {name.replace(" ", "_").replace("+", "_"): round(statistics.median(r["test_accuracy"] for r in runs), 4)
              for name, runs in rows.items()}
    result("graphs", seeds=seeds, budget_s=args.budget, **median,
           margin_block_model=round(median["block_model_gnn"] - median["block_model_mlp"], 4),
           margin_graph_mixing=round(median["graph_mixing_gnn"] - median["graph_mixing_statistics_logistic"], 4))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
