"""Searched GANs and diffusion models against one fixed DCGAN on digits: the same time budget, Fréchet distances.

    .venv/bin/python benchmarks/generation.py [--seeds 0,1] [--budget 150] [--out FOLDER]

For each seed (the card's split seed and the search's seed both), three
``automl search`` runs in fresh processes, as a user runs them, each with the
same ``--time-budget`` and a trial cap it never reaches:

- ``gan``: the gan space (its first trial is the DCGAN configuration below);
- ``diffusion``: the diffusion space;
- ``dcgan``: the DCGAN of Radford et al. (2016), every value pinned, one trial
  trained until early stopping or the budget ends it.

Each export's model card gives ``test_fd`` (its samples against the held-out
test images, in the features of the classifier the search trained on the
training images) and ``test_fd_floor`` (as many training images against the
test images: the best to expect). Lower is better; the numbers are not
comparable to published FID. ``automl generate`` then draws a 64-image grid
of each best model (seed 0) into ``--out``, beside a grid of real test images.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, result

CARD = """\
name: digits
description: digits, split with seed {seed}
source: sklearn
options: {{dataset: digits}}
task: multiclass
input: image
splits: {{validation: 0.15, test: 0.15, stratify: true, seed: {seed}}}
"""
# gan.yaml's first initial point, pinned: Radford et al. (2016).
DCGAN = {"latent": 64, "g_layers": 2, "g_filters": 64, "norm": "batch", "d_layers": 2, "d_filters": 64,
         "d_norm": "batch", "gan_loss": "non_saturating", "d_steps": 1, "g_learning_rate": 2.0e-4,
         "d_learning_rate": 2.0e-4, "g_beta_1": 0.5, "d_beta_1": 0.5, "g_beta_2": 0.999, "d_beta_2": 0.999}
SYSTEMS = ("gan", "diffusion", "dcgan")


def dcgan_space(folder: Path) -> Path:
    """The DCGAN alone: the gan space with every value pinned, one trial, as many epochs as the budget allows."""
    import yaml

    path = folder / "dcgan.yaml"
    path.write_text(yaml.safe_dump({
        "name": "dcgan", "extends": str(ROOT / "search_spaces" / "gan.yaml"), "model": DCGAN,
        "train": {"batch_size": 64, "epochs": 1000},
        "search": {"max_trials": 1, "initial_points": []}}))
    return path


def searched(folder: Path, dataset: Path, system: str, space: str, seed: int, budget: float) -> dict:
    """One search; the best model's test scores and how many trials it completed."""
    experiment = f"{system}-{seed}"
    automl = str(Path(sys.executable).with_name("automl"))
    argv = [automl, "search", "--dataset", str(dataset), "--space", space, "--experiment", experiment,
            "--seed", str(seed), "--max-trials", "1" if system == "dcgan" else "500", "--time-budget", str(budget),
            "--no-tracking", "--device", "cpu", "--export-dir", str(folder / "exports")]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{experiment} failed:\n{done.stderr[-3000:]}")
    export = max((folder / "exports" / experiment).glob("*/model_card.json")).parent
    facts = json.loads((export / "model_card.json").read_text())
    trials = next((line for line in done.stdout.splitlines() if line.startswith("trials:")), "")
    return {"test_fd": facts["metrics"]["test_fd"], "floor": facts["metrics"]["test_fd_floor"],
            "precision": facts["metrics"]["test_precision"], "recall": facts["metrics"]["test_recall"],
            "trials": trials.split(":", 1)[-1].strip(), "export": export,
            "seconds": round(time.perf_counter() - started, 1)}


def grid(folder: Path, export: Path, out: Path) -> None:
    """The best model's 64 images from seed 0, as a user draws them."""
    automl = str(Path(sys.executable).with_name("automl"))
    done = subprocess.run([automl, "generate", "--model", str(export), "--n", "64", "--seed", "0", "--out", str(out)],
                          cwd=folder, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"generate failed:\n{done.stderr[-3000:]}")


def real_grid(dataset: Path, out: Path) -> None:
    """64 held-out test images, for the eye to compare with."""
    from automl import quality
    from automl.data import load_dataset
    from automl.spec import load_card

    data = load_dataset(load_card(str(dataset)))
    out.write_bytes(quality.png_bytes(quality.image_grid(data.x_test[:64], low=0.0, high=16.0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--budget", type=float, default=150.0, help="seconds per search")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / f"generation-{time.strftime('%F')}"),
                        help="where the grids go")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[dict]] = {system: [] for system in SYSTEMS}
    with tempfile.TemporaryDirectory(prefix="bench-generation-") as tmp:
        folder = Path(tmp)
        spaces = {"gan": "gan", "diffusion": "diffusion", "dcgan": str(dcgan_space(folder))}
        for seed in seeds:
            dataset = folder / f"digits-{seed}.yaml"
            dataset.write_text(CARD.format(seed=seed))
            real_grid(dataset, out / f"real-seed{seed}.png")
            for system in SYSTEMS:
                run = searched(folder, dataset, system, spaces[system], seed, args.budget)
                grid(folder, run.pop("export"), out / f"{system}-seed{seed}.png")
                rows[system].append(run)
                print(f"seed {seed}: {system}: {run}", flush=True)
    floors = [r["floor"] for r in rows["gan"]]
    print(f"\n| system | {' | '.join(f'seed {s}' for s in seeds)} | median |")
    print("|---|" + "---|" * (len(seeds) + 1))
    for system, runs in rows.items():
        scores = [r["test_fd"] for r in runs]
        print(f"| {system} | {' | '.join(f'{s:.2f}' for s in scores)} | {statistics.median(scores):.2f} |")
    print(f"| floor: training images vs test images | {' | '.join(f'{s:.2f}' for s in floors)} | "
          f"{statistics.median(floors):.2f} |")
    median = {f"{system}_fd": round(statistics.median(r["test_fd"] for r in runs), 3) for system, runs in rows.items()}
    best_searched = min(median["gan_fd"], median["diffusion_fd"])
    result("generation", seeds=seeds, budget_s=args.budget, **median, floor_fd=round(statistics.median(floors), 3),
           ratio_best_searched_to_dcgan=round(best_searched / median["dcgan_fd"], 3), grids=str(out))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
