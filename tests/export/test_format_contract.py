"""The contract of an export format, checked for every format in the catalog on every family.

Each family (from the families catalog, on its first input kind) trains one epoch on a tiny
batch and is exported once in every format that can carry it; a fresh process then runs each
artifact with its format's own runner (``FormatPlugin.run``). For every format and family:

- a format that can carry the model writes its artifact, and the artifact run on the raw
  inputs gives what the model in memory gives;
- a format that cannot (the model holds a layer its plug-in ``refuses``, such as text
  vectorization) refuses it in one line naming the layer, and leaves no export behind.

The SavedModel's named outputs and the model card are checked once per family. A new format
module is checked here without a line of this file changing.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from automl.builders import build_model, prepare_targets
from automl.errors import ExportError
from automl.export import export_model
from automl.export.formats import _layers
from automl.plugins.formats import FORMATS
from tests.builders.conftest import fit_batch, make_batch, make_spec
from tests.builders.test_families import defaults

RELOAD = Path(__file__).with_name("reload_all.py")
TOLERANCE = 1e-4
OUTPUTS = {"multiclass": {"probabilities", "class_id", "label"}, "binary": {"probability", "class_id", "label"},
           "multilabel": {"probabilities"}, "regression": {"prediction"}, "reconstruction": {"reconstruction"},
           "generation": {"images"}}


def families() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(family, its input kinds, its tasks), from the families catalog."""
    try:
        from automl.plugins.families import FAMILIES

        return [(f.name, tuple(f.inputs), tuple(f.tasks)) for f in FAMILIES]
    except ImportError:  # before the families catalog: the schema's table
        from automl.spec.families import FAMILY_MODELS

        return [(name, model.inputs, ("reconstruction",) if name == "autoencoder" else
                 ("multiclass", "binary", "regression")) for name, model in FAMILY_MODELS.items()]


# Each family on its first input kind, the tasks it serves taken in turn (so the outputs vary).
CASES = [(name, inputs[0], tasks[i % len(tasks)]) for i, (name, inputs, tasks) in enumerate(families())]
# Ensembles (one model holding several members, `automl.builders.ensemble`) are a model like any other.
CASES += [("ensemble-mlp-transformer", "tabular", "multiclass"), ("ensemble-cnn-mlp", "image", "regression")]
# The kernel candidate (`automl.search.linear`, an RBFFeatures layer under a fitted head) on both kinds of head.
CASES += [("kernel-binary", "tabular", "binary"), ("kernel-regression", "tabular", "regression")]
# A model on text input: the layers some formats refuse.
TEXT = next(((name, "text", "multiclass") for name, inputs, tasks in families()
             if "text" in inputs and "multiclass" in tasks), None)


def class_names(task: str) -> list[str]:
    return {"multiclass": ["a", "b", "c"], "binary": ["no", "yes"]}.get(task, [])


def trained(family: str, kind: str, task: str):
    if family.startswith("ensemble-"):
        return ensemble(family.split("-")[1:], kind, task)
    if family.startswith("kernel-"):
        return kernel(kind, task)
    spec = make_spec(kind, task)
    chosen = defaults(family)
    model = build_model(chosen, spec, epochs=1)
    x, y = make_batch(spec)
    fit_batch(model, x, prepare_targets(chosen, spec, y))
    if hasattr(model, "example_inputs"):  # a generator's input is noise
        return model, model.example_inputs(8)
    return model, x


def ensemble(members: list[str], kind: str, task: str):
    """Members trained one step each, averaged with unequal weights; regression with standardized targets."""
    from dataclasses import replace

    from automl.builders.ensemble import combine
    from automl.plugins.tasks import TASKS

    spec = make_spec(kind, task)
    if task == "regression":
        spec = replace(spec, target_mean=np.array([5.0], "float32"), target_std=np.array([3.0], "float32"))
    x, y = make_batch(spec)
    models = []
    for i, family in enumerate(members):
        chosen = defaults(family)
        models.append(build_model(chosen, spec, epochs=1, name=f"member_{i}"))
        fit_batch(models[-1], x, prepare_targets(chosen, spec, y))
    weights = np.arange(1, len(models) + 1) / np.arange(1, len(models) + 1).sum()
    return combine(models, list(weights), TASKS.get(task).output), x


def kernel(kind: str, task: str):
    """The kernel model fitted by scikit-learn on a small table; regression targets standardized in the model."""
    from automl.data.bundle import DataBundle
    from automl.search import linear

    x, y = make_batch(make_spec(kind, task), n=40)
    y = y * 3.0 + 5.0 if task == "regression" else y
    data = DataBundle(name="rows", task=task, input_kind=kind, x_train=x, y_train=y, x_val=x[:4], y_val=y[:4],
                      x_test=x[:4], y_test=y[:4], class_names=class_names(task) or None)
    values = linear.linear_values({"family": "mlp", "optimizer": "adam", "learning_rate": 1e-3, "batch_size": 8})
    return linear.fitted(values, data, None, seed=0, kernel=True), x


def refused_by(model, plugin) -> str | None:
    """The first layer of ``model`` that ``plugin`` refuses, or None."""
    return next((type(layer).__name__ for layer in _layers(model) if type(layer).__name__ in plugin.refuses), None)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every family exported once in every format that carries it; one fresh process runs every artifact."""
    root = tmp_path_factory.mktemp("formats")
    jobs, models = {}, {}
    for family, kind, task in CASES:
        model, x = trained(family, kind, task)
        formats = [p.name for p in FORMATS if not refused_by(model, p)]
        folder = export_model(model, root, family, {"dataset": {"task": task}}, task=task,
                              class_names=class_names(task), formats=formats)
        jobs[family] = (str(folder), x, formats)
        models[family] = (folder, np.asarray(model(x, training=False)), task)
    with open(root / "jobs.pkl", "wb") as handle:
        pickle.dump(jobs, handle)
    done = subprocess.run([sys.executable, str(RELOAD), str(root / "jobs.pkl"), str(root / "out.pkl")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(root / "out.pkl", "rb") as handle:
        return models, pickle.load(handle)


@pytest.mark.parametrize("fmt", FORMATS.names())
@pytest.mark.parametrize("family, kind, task", CASES, ids=[c[0] for c in CASES])
def test_every_format_carries_every_family_it_supports(exported, fmt, family, kind, task):
    models, reloaded = exported
    folder, expected, _ = models[family]
    plugin = FORMATS.get(fmt)
    assert fmt in reloaded[family], f"{fmt} refused {family} on {kind}"
    assert (folder / plugin.artifact).exists()
    difference = np.abs(np.reshape(reloaded[family][fmt], expected.shape) - expected).max()
    assert difference <= TOLERANCE, (fmt, difference)


@pytest.mark.parametrize("family, kind, task", CASES, ids=[c[0] for c in CASES])
def test_the_export_names_its_outputs_and_files_in_the_card(exported, family, kind, task):
    models, reloaded = exported
    folder, _, _ = models[family]
    assert set(reloaded[family]["outputs"]) == OUTPUTS[task]
    card = json.loads((folder / "model_card.json").read_text())
    assert set(card["outputs"]) == OUTPUTS[task] and card["inputs"]
    assert {FORMATS.get(f).artifact for f in reloaded[family] if f != "outputs"} <= set(card["files"])


@pytest.fixture(scope="module")
def text_model():
    """Built, not trained: a format refuses it for a layer it holds, before anything is written."""
    assert TEXT, "no family takes text"
    family, kind, task = TEXT
    return build_model(defaults(family), make_spec(kind, task), epochs=1)


@pytest.mark.parametrize("fmt", [p.name for p in FORMATS if p.refuses])
def test_a_layer_a_format_refuses_is_one_line_and_leaves_nothing(text_model, tmp_path, fmt):
    plugin = FORMATS.get(fmt)
    layer = refused_by(text_model, plugin)
    assert layer, f"{fmt} refuses {plugin.refuses}, none of which is in a text model"
    with pytest.raises(ExportError, match=rf"^--format {fmt}: layer '.*' \({layer}\) has no {fmt} "
                                          r"equivalent; export saved_model or keras instead$"):
        export_model(text_model, tmp_path, "text", {}, task="multiclass", class_names=["a", "b", "c"],
                     formats=("saved_model", fmt))
    assert not any((tmp_path / "text").iterdir())
