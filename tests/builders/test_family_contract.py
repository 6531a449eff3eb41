"""The contract every family meets, parametrized from the families and input kinds catalogs.

Every family, on every input kind it declares (with the first task it serves): builds,
trains a step to a finite loss, exports a SavedModel whose input is named as the input
kind says, and the reloaded SavedModel gives what the model in memory gives. Every
other task a family serves: builds and compiles with that task's head, output shape
and loss, on the family's first input kind (no training step: the head and loss do not
depend on the family, test_families.py trains every loss of every task on mlp, and a
traced train step per family and task would double this suite's time). Catalog-level:
each entry's schema, input kinds and tasks are known names, its module imports without
TensorFlow, and it ships a search space; every input kind has an automatic space. A
new family or input kind joins these cases by being in its catalog;
tests/builders/test_toy_family.py shows it with a family written for the test.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from automl.plugins.families import FAMILIES, FamilyPlugin
from automl.plugins.inputs import INPUT_KINDS
from automl.plugins.tasks import TASKS
from automl.spec.families import FamilyModel
from tests.builders.conftest import fit_batch, graph_examples, make_batch, make_spec

ROOT = Path(__file__).resolve().parents[2]
# Small widths so a case builds and traces in about a second on one core.
SMALL = {"units": 8, "filters": 4, "dense_units": 8, "embed_dim": 8, "ff_dim": 8, "key_dim": 4, "heads": 2,
         "vocab_size": 100, "sequence_length": 8, "bottleneck": 2, "blocks": 1, "layers": 1,
         "latent": 4, "g_filters": 4, "d_filters": 4, "g_layers": 1, "d_layers": 1,  # gan
         "width": 8, "levels": 1, "noise_steps": 10, "sampling_steps": 2}  # diffusion
# The outputs a SavedModel's serving signature gives for each task (automl.export.serving).
OUTPUTS = {"multiclass": {"probabilities", "class_id", "label"}, "binary": {"probability", "class_id", "label"},
           "multilabel": {"probabilities"}, "regression": {"prediction"}, "reconstruction": {"reconstruction"},
           "generation": {"images"}}


def family_kinds() -> list[tuple[str, str, str]]:
    """(family, input kind, task): every input kind each family declares, with its first task."""
    return [(f.name, kind, f.tasks[0]) for f in FAMILIES for kind in f.inputs]


def family_tasks() -> list[tuple[str, str, str]]:
    """(family, input kind, task): every further task each family serves, on its first input kind."""
    return [(f.name, f.inputs[0], task) for f in FAMILIES for task in f.tasks[1:]]


def values_for(family: str) -> dict:
    """The family's and training's defaults, made small."""
    from automl.spec.flatten import TRAIN_KEYS
    from automl.spec.schema import Train, model_params

    own = {k: p.value for k, p in model_params(FAMILIES.get(family).schema()).items()}
    own.update({k: v for k, v in SMALL.items() if k in own})
    return {"family": family, **own, **{k: getattr(Train(), k).value for k in TRAIN_KEYS}, "batch_size": 8}


def builds_and_trains(family: str, kind: str, task: str):
    """Builds the family on this input kind and task and trains one step; returns the model and its batch."""
    from automl.builders import build_model, prepare_targets

    values, spec = values_for(family), make_spec(kind, task)
    model = build_model(values, spec, epochs=1)
    x, y = make_batch(spec, n=8)
    history = fit_batch(model, x, prepare_targets(values, spec, y))
    losses = {k: v[0] for k, v in history.items() if k.endswith("loss")}  # a GAN reports two
    assert losses and all(math.isfinite(v) for v in losses.values()), f"{family} on {kind} ({task}): {losses}"
    if hasattr(model, "example_inputs"):  # a generative model's input is noise
        return model, model.example_inputs(8)
    return model, x


def exports_and_reloads(model, x: np.ndarray, kind: str, task: str, folder: Path) -> None:
    """Writes the serving SavedModel, reloads it in this process, and compares its outputs with the model's."""
    import tensorflow as tf

    from automl.export.serving import write_saved_model

    write_saved_model(model, str(folder), task, [])
    serve = tf.saved_model.load(str(folder)).signatures["serving_default"]
    names = list(serve.structured_input_signature[1])
    if task == "generation":  # noise (and labels) in, by the names the model's example gives
        assert set(names) == (set(x) if isinstance(x, dict) else {"noise"}), names
        served = serve(**({n: tf.constant(v) for n, v in x.items()} if isinstance(x, dict) else
                          {"noise": tf.constant(x)}))
    elif isinstance(x, dict):  # a graph: named tensors, the input kind's main one among them
        assert INPUT_KINDS.get(kind).input_name in names and set(names) <= set(x), names
        served = serve(**{n: tf.constant(x[n]) for n in names})
    else:
        assert names == [INPUT_KINDS.get(kind).input_name], f"the {kind} input kind names its input differently"
        served = serve(**{names[0]: tf.constant(x)})
    assert set(served) == OUTPUTS[task]
    expected = np.asarray(model(x, training=False))
    main = "probability" if task == "binary" else next(iter(OUTPUTS[task] - {"class_id", "label"}))
    np.testing.assert_allclose(served[main].numpy(), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("family, kind, task", family_kinds(), ids=lambda v: v)
def test_every_family_on_every_input_kind_builds_trains_exports_and_reloads(family, kind, task, tmp_path):
    model, x = builds_and_trains(family, kind, task)
    exports_and_reloads(model, x, kind, task, tmp_path / "saved_model")


@pytest.mark.parametrize("family, kind, task", family_tasks(), ids=lambda v: v)
def test_every_family_builds_for_every_task_it_serves(family, kind, task):
    from automl.builders import build_model

    spec = make_spec(kind, task)
    model = build_model(values_for(family), spec, epochs=1)
    assert model.output_shape == (None, spec.num_outputs) and model.loss


def check_entry(entry: FamilyPlugin, spaces: Path = ROOT / "search_spaces") -> None:
    """What a family's catalog entry must say: a schema with working defaults, known input kinds and tasks, a
    builder, and a shipped space of its name whose family it is."""
    from automl.spec import load_space

    assert issubclass(entry.schema, FamilyModel) and entry.schema(), entry.name
    assert entry.inputs and set(entry.inputs) <= set(INPUT_KINDS.names()), entry.inputs
    assert entry.tasks and set(entry.tasks) <= set(TASKS.names()), entry.tasks
    assert callable(entry.body()) and entry.summary
    assert load_space(str(spaces / f"{entry.name}.yaml")).families == [entry.name]


@pytest.mark.parametrize("name", FAMILIES.names())
def test_every_family_entry_is_complete_and_ships_a_space(name):
    check_entry(FAMILIES.get(name))


def test_every_input_kind_has_an_automatic_space_its_families_all_take():
    from automl.spec import check_fits, load_space

    for kind in INPUT_KINDS:
        assert kind.input_name and kind.summary
        space = load_space(str(ROOT / "search_spaces" / f"auto_{kind.name}.yaml"))
        check_fits(space, kind.name)
        assert all(kind.name in FAMILIES.get(f).inputs for f in space.families)


def test_family_modules_import_without_tensorflow_in_any_order():
    """Importing one family module first (before the catalog) still lists them all, with no TensorFlow loaded."""
    code = ("import sys, automl.plugins.families.transformer\n"
            "from automl.plugins.families import FAMILIES\n"
            "print(','.join(FAMILIES.names()), 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.split() == [",".join(sorted(FAMILIES.names(), key=lambda n: (FAMILIES.get(n).order, n))),
                           "False", "False"]


def test_a_family_refuses_a_task_it_does_not_serve():
    from automl.builders import build_model

    with pytest.raises(ValueError, match=r"family: expected a family for a reconstruction task \(autoencoder\), "
                                         r"received family 'mlp'"):
        build_model(values_for("mlp"), make_spec("tabular", "reconstruction"))


@pytest.mark.parametrize("kind", INPUT_KINDS.names())
def test_every_input_kind_computes_its_spec_from_the_training_split(kind):
    from automl.builders import InputSpec
    from automl.data.bundle import DataBundle

    like = make_spec(kind)
    x, y = make_batch(like, n=24)
    if kind == "graph":  # a dataset holds graph examples, not one batch of tensors
        x = graph_examples(like, 24, np.random.default_rng(0))
    extras = {"sampling_rate": like.sampling_rate, "num_mel_bins": like.num_mel_bins}  # what an audio source adds
    data = DataBundle("t", "multiclass", kind, x, y, x[:4], y[:4], x[:4], y[:4], class_names=["a", "b", "c"],
                      extras=extras)
    spec = InputSpec.from_bundle(data)
    assert (spec.kind, spec.shape, spec.num_outputs, spec.n_train) == (kind, like.shape, 3, 24)
    assert spec.for_body().shape == like.for_body().shape
