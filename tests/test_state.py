"""Names never become paths, --fresh deletes only the toolkit's own folder, one search per experiment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from automl.errors import SearchError, SpecError
from automl.app.search import SearchOptions, run_search
from automl.spec.names import check_name, inside, tidy
from automl.app.state import MARKER, search_lock
from tests.conftest import AS_SEARCHED, AS_SEARCHED_SETTINGS, run_cli


@pytest.mark.parametrize("name", ["", "/abs/path", "../x", "a/b", "..", "a..b", ".hidden", "-flag", "x" * 101,
                                  "tab\there", "new\nline", "spa ce", "C:\\x"])
def test_names_that_could_act_as_paths_are_refused(name):
    with pytest.raises(SpecError, match=r"^--experiment: expected a name of letters, digits"):
        check_name(name, "--experiment")


@pytest.mark.parametrize("name", ["digits-cnn", "iris_mlp.v2", "A1", "x" * 100])
def test_ordinary_names_pass(name):
    assert check_name(name, "--experiment") == name


def test_a_file_stem_is_tidied_into_a_name():
    assert tidy("my data (final)") == "my_data_final"
    assert tidy("..") == "data" and tidy("") == "data" and check_name(tidy("../../x y"), "x")


def test_a_symbolic_link_cannot_lead_a_folder_out(tmp_path):
    root, outside = tmp_path / "searches", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "linked").symlink_to(outside)
    with pytest.raises(SpecError, match=r"expected a folder inside"):
        inside(root, "linked", "--experiment")
    assert inside(root, "plain", "--experiment") == root / "plain"


def options(tmp_path: Path, space: Path, **kw) -> SearchOptions:
    # As searched: these tests are about folders and locks, not what a search of iris exports (a refit).
    return SearchOptions(dataset="iris", space=str(space), export_dir=str(tmp_path / "exports"),
                         state_dir=str(tmp_path / "state"), device="cpu", tracking=False,
                         settings=AS_SEARCHED_SETTINGS, **kw)


MLP = "family: mlp\nmodel: {layers: 1, units: {choice: [4, 8]}}\ntrain: {epochs: 1}\nsearch: {max_trials: 1}\n"


@pytest.fixture()
def mlp(write_yaml) -> Path:
    return write_yaml(MLP, "one.yaml")


def test_an_empty_or_path_like_experiment_stops_before_anything_is_written(tmp_path, mlp):
    for name in ("", "../outside", str(tmp_path / "abs")):
        with pytest.raises(SpecError, match="^--experiment: expected a name"):
            run_search(options(tmp_path, mlp, experiment=name))
    assert not (tmp_path / "state").exists() and not (tmp_path / "exports").exists()
    assert not (tmp_path / "outside").exists() and not (tmp_path / "abs").exists()


def test_fresh_leaves_a_folder_the_toolkit_did_not_make_untouched(tmp_path, mlp):
    folder = tmp_path / "state" / "mine"
    folder.mkdir(parents=True)
    (folder / "precious.txt").write_text("keep me")
    with pytest.raises(SpecError, match=r"^--fresh: expected a search folder made by automl, received .*mine"):
        run_search(options(tmp_path, mlp, experiment="mine", fresh=True))
    assert (folder / "precious.txt").read_text() == "keep me"


def test_a_second_search_of_a_running_experiment_stops_at_once_and_another_experiment_runs(tmp_path, mlp):
    with search_lock(tmp_path / "state", "busy"):
        with pytest.raises(SearchError, match=r"^--experiment: expected an experiment no other search is running, "
                                              r"received 'busy', which process \d+ \(since .*\) is searching now"):
            run_search(options(tmp_path, mlp, experiment="busy"))
        result = run_search(options(tmp_path, mlp, experiment="other"))
    assert result.completed == 1
    assert (tmp_path / "state" / "other" / MARKER).is_file()
    again = run_search(options(tmp_path, mlp, experiment="busy", fresh=True))  # the lock went with its holder
    assert again.completed == 1


@pytest.mark.slow
def test_searches_started_together_on_a_brand_new_store(tmp_path, mlp):
    """Two of one experiment (the second stops at once) and one of another, all at the same instant."""
    # As searched: each finished search would cross-validate its two trials on iris.
    args = ["search", "--dataset", "iris", "--space", str(mlp), "--max-trials", "2", *AS_SEARCHED]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    runs = {name: subprocess.Popen([sys.executable, "-m", "automl.cli", *args, "--experiment", experiment],
                                   cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for name, experiment in (("first", "same"), ("second", "same"), ("other", "different"))}
    done = {name: (proc.wait(timeout=600), proc.stdout.read(), proc.stderr.read()) for name, proc in runs.items()}
    codes = sorted(code for code, _, _ in (done["first"], done["second"]))
    assert codes == [0, 2], done
    loser = next(err for code, _, err in (done["first"], done["second"]) if code == 2)
    assert loser.strip().splitlines()[-1].startswith("error: --experiment: expected an experiment no other search "
                                                     "is running, received 'same'"), loser
    assert "Traceback" not in loser and "alembic" not in loser.lower()
    assert done["other"][0] == 0, done["other"][2][-2000:]
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}")
    for experiment in ("same", "different"):
        runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
        parents = [r for r in runs if r.data.tags.get("automl.kind") == "search"]
        assert len(parents) == 1 and parents[0].info.status == "FINISHED"
        assert len(runs) == 3  # the parent and two trials: nothing ran twice
    everything = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*")}
    assert everything <= {"one.yaml", "mlruns", "exports"}, everything  # nothing written elsewhere


def test_a_path_like_card_name_is_refused_by_validate(write_yaml):
    card = write_yaml("name: ../../outside\nsource: sklearn\noptions: {dataset: iris}\n", "card.yaml")
    done = run_cli("validate", str(card), cwd=card.parent)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"error: {card}:1:7: name: expected a name of letters, digits, '.', '_' and '-' "
                                   f"(1 to 100 characters, starting with a letter or digit, without '..'), "
                                   f"received '../../outside'")
