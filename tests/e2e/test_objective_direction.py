"""`objective: val_mae` on diabetes is minimized end to end (issue 17): the parent run says so and the
best trial is the one with the lowest val_mae; a misspelt objective stops `automl search` before training."""

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import AS_SEARCHED, run_cli

pytestmark = pytest.mark.slow

SPACE = """\
family: mlp
model:
  layers: 1
  units: {choice: [4, 16, 64]}
train:
  learning_rate: {choice: [0.0003, 0.003, 0.03]}
  epochs: 3
  early_stopping: {monitor: objective, patience: 3}
search:
  objective: val_mae
  max_trials: 3
"""


def test_val_mae_is_minimized_on_diabetes(tmp_path):
    (tmp_path / "mae.yaml").write_text(SPACE)
    # As searched: best_val_mae is the best trial's, whatever is exported; no cross-validation of diabetes.
    done = run_cli("search", "--dataset", "diabetes", "--space", "mae.yaml", "--experiment", "x", *AS_SEARCHED,
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}")
    exp = client.get_experiment_by_name("x")
    runs = client.search_runs([exp.experiment_id], max_results=50)
    parent = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
    trials = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert parent.data.params["objective"] == "val_mae" and parent.data.params["objective_direction"] == "min"
    scores = {r.info.run_id: r.data.metrics["val_mae"] for r in trials}
    assert len(scores) == 3 and len(set(scores.values())) == 3
    assert parent.data.metrics["best_val_mae"] == pytest.approx(min(scores.values()))


def test_a_misspelt_objective_stops_search_before_training(tmp_path):
    (tmp_path / "typo.yaml").write_text(SPACE.replace("val_mae", "val_acuracy"))
    done = run_cli("search", "--dataset", "diabetes", "--space", "typo.yaml", "--experiment", "x", cwd=tmp_path)
    assert done.returncode == 2 and "typo.yaml:10:14: search.objective: expected a metric" in done.stderr
    assert "trial" not in done.stderr and not (tmp_path / "mlruns").exists()
