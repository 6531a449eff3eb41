"""`automl predict` loads only what it can vouch for, and bad or hostile inputs are one line, never a traceback.

A SavedModel is vetted before it loads (automl.export.vetting): its graphs may only run the ops this
toolkit's own exports run, and the model card beside it must say this toolkit wrote it. EXPORTS is
where SAFE_OPS comes from: a model of every family on every input kind and of every knob that changes
the graph; a new family or layer that needs another op fails here, naming it.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from automl.builders import build_model
from automl.builders.base import ColumnSpec
from automl.errors import DataError, ExportError
from automl.export import export_model
from automl.export.card import WRITTEN_BY
from automl.export.serving import write_saved_model
from automl.export.vetting import SAFE_OPS, graph_ops, vet_saved_model
from automl.plugins.families import FAMILIES
from automl.app.predict import load_serving, read_inputs
from automl.spec.families import family_inputs
from tests.builders.conftest import make_spec
from tests.builders.test_families import defaults
from tests.conftest import run_cli

# In SAFE_OPS from Keras' source, not measured: LSTM and GRU trace to cuDNN only on a GPU.
CUDNN_OPS = {"All", "Any", "Assert", "CudnnRNNV3", "LogicalNot", "ReverseSequence"}
ACTIVATIONS = ("sigmoid", "tanh", "leaky_relu", "elu", "gelu", "selu", "swish")
EXPORTS = ([(f"{f}-{k}", f, k, FAMILIES.get(f).tasks[0], {})
            for f in sorted(FAMILIES.names()) for k in family_inputs(f)]
           + [("mlp-columns", "mlp", "columns", "multiclass", {})]
           + [(f"mlp-{t}", "mlp", "tabular", t, {}) for t in ("binary", "multilabel", "regression")]
           + [(f"mlp-{a}", "mlp", "tabular", "multiclass", {"activation": a}) for a in ACTIVATIONS]
           + [(f"mlp-{n}-norm", "mlp", "tabular", "multiclass", {"norm": n}) for n in ("batch", "layer")]
           + [(f"cnn-{k}={v}", "cnn", "image", "multiclass", {k: v})
              for k, v in (("separable", True), ("residual", True), ("pooling", "avg"), ("head", "global_avg"))]
           + [("rnn-simple-bidirectional", "rnn", "sequence", "multiclass", {"cell": "simple", "bidirectional": True}),
              ("rnn-gru-bidirectional", "rnn", "text", "multiclass", {"cell": "gru", "bidirectional": True}),
              ("rnn-recurrent-dropout", "rnn", "sequence", "regression", {"recurrent_dropout": 0.2, "layers": 2}),
              ("autoencoder-conv", "autoencoder", "image", "reconstruction", {"kind": "conv"})]
           + [(f"gnn-{c}-{r}", "gnn", "graph", "regression", {"conv": c, "readout": r, "aggregation": a,
                                                               "residual": True})
              for c, r, a in (("gcn", "mean", "sum"), ("sage", "max", "max"), ("gat", "attention", "mean"),
                              ("gin", "sum", "mean"))]
           + [("gan-conditional-spectral", "gan", "image", "generation",
               {"conditional": True, "d_norm": "spectral", "norm": "layer"}),
              ("diffusion-conditional-attention", "diffusion", "image", "generation",
               {"conditional": True, "attention": True, "noise_schedule": "linear", "ema": 0.0})])
TRUST = "pass --trust-model if you trust where it came from"


def spec_for(kind: str, task: str):
    """The builders' test spec of ``kind``; ``columns`` is a table with a numeric and a string column."""
    if kind != "columns":
        return make_spec(kind, task)
    return replace(make_spec("tabular", task), shape=(4,), columns=(
        ColumnSpec("age", "numeric", 30.0, 4.0), ColumnSpec("city", "categorical", vocabulary=("a", "b"))))


def small_model(family: str, input_kind: str, task: str, **values):
    """An untrained model (the graph is what matters here), small enough to build in a fraction of a second."""
    return build_model(defaults(family, blocks=1, **values), spec_for(input_kind, task), epochs=1)


def names_for(task: str) -> list[str]:
    return {"multiclass": ["a", "b", "c"], "binary": ["no", "yes"]}.get(task, [])


@pytest.fixture(scope="module")
def export_ops(tmp_path_factory) -> dict[str, set[str]]:
    """The op types of each EXPORTS case's serving SavedModel, as the vetting sees them."""
    root = tmp_path_factory.mktemp("vetted")
    ops = {}
    for name, family, kind, task, values in EXPORTS:
        write_saved_model(small_model(family, kind, task, **values), str(root / name), task, names_for(task))
        ops[name] = graph_ops(root / name)
    return ops


@pytest.mark.parametrize("name", [case[0] for case in EXPORTS])
def test_every_family_export_runs_only_allowed_ops(export_ops, name):
    unknown = sorted(export_ops[name] - SAFE_OPS)
    assert not unknown, f"{name} needs ops outside automl.export.vetting.SAFE_OPS: {unknown}"


def test_the_allow_list_is_what_the_exports_use(export_ops):
    used = set().union(*export_ops.values())
    assert used == SAFE_OPS - CUDNN_OPS, f"in SAFE_OPS but no export uses them: {sorted(SAFE_OPS - CUDNN_OPS - used)}"


def evil_saved_model(folder: Path, target: Path, where: str = "serve") -> Path:
    """A SavedModel that writes ``target`` when it serves (``serve``), in a loop body (``loop``) or as it loads
    (``load``: a resource whose creator runs while tf.saved_model.load restores it)."""
    import tensorflow as tf

    class WritingResource(tf.saved_model.experimental.TrackableResource):
        def _create_resource(self):
            tf.io.write_file(str(target), "written")
            return tf.raw_ops.VarHandleOp(dtype=tf.float32, shape=[], shared_name="evil")

    def write_in_a_loop():
        def body(i):
            tf.io.write_file(str(target), "written")
            return i + 1
        tf.while_loop(lambda i: i < 2, body, [tf.constant(0)])

    class Evil(tf.Module):
        def __init__(self):
            super().__init__()
            self.resource = WritingResource() if where == "load" else None

        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x")])
        def serve(self, x):
            if where == "serve":
                tf.io.write_file(str(target), "written")
            elif where == "loop":
                write_in_a_loop()
            return {"output": x * 2.0}

    module = Evil()
    tf.saved_model.save(module, str(folder), signatures={"serving_default": module.serve})
    return folder


@pytest.mark.parametrize("where", ["serve", "loop", "load"])
def test_a_file_writing_op_is_found_without_running_anything(tmp_path, where):
    target = tmp_path / "written.txt"
    folder = evil_saved_model(tmp_path / "evil", target, where)
    (folder / "model_card.json").write_text(json.dumps({"written_by": WRITTEN_BY}))  # a card is easy to forge
    started = time.perf_counter()
    with pytest.raises(ExportError, match=rf"^--model: expected a SavedModel whose graphs only compute, received "
                                          rf".*, whose graphs run ops? .*WriteFile.*, which our exports never run "
                                          rf"\(such an op may read or write files or call Python\); {TRUST}$"):
        vet_saved_model(folder)
    assert time.perf_counter() - started < 1.0
    assert not target.exists()


def test_our_own_export_passes_and_its_card_says_who_wrote_it(tmp_path):
    folder = export_model(small_model("mlp", "tabular", "multiclass"), tmp_path, "ok", {}, task="multiclass",
                          class_names=["a", "b", "c"], formats=("saved_model",))
    assert json.loads((folder / "model_card.json").read_text())["written_by"] == WRITTEN_BY
    started = time.perf_counter()
    vet_saved_model(folder / "saved_model")
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("card", [None, "{not json", json.dumps({"written_by": "someone else"}), "[1, 2]"])
def test_a_saved_model_we_did_not_write_is_refused(tmp_path, card):
    folder = tmp_path / "saved_model"
    write_saved_model(small_model("mlp", "tabular", "multiclass"), str(folder), "multiclass", ["a", "b", "c"])
    if card is not None:
        (tmp_path / "model_card.json").write_text(card)
    with pytest.raises(ExportError, match=rf"^--model: expected a SavedModel with a model card written by "
                                          rf"{WRITTEN_BY} beside it, received .* without one; {TRUST}$"):
        vet_saved_model(folder)


def test_a_tensorflow_1_saved_model_is_refused(tmp_path):
    import tensorflow as tf

    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        builder = tf.compat.v1.saved_model.Builder(str(tmp_path / "v1"))
        signature = tf.compat.v1.saved_model.predict_signature_def({"x": x}, {"output": x * 2.0})
        builder.add_meta_graph_and_variables(session, ["serve"], signature_def_map={"serving_default": signature})
        builder.save()
    with pytest.raises(ExportError, match=r"^--model: expected a TensorFlow 2 SavedModel .*, received a "
                                          r"TensorFlow 1 one in .*, whose loading runs its own restore and init ops"):
        vet_saved_model(tmp_path / "v1")


def test_a_corrupt_protobuf_is_one_line(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(np.random.default_rng(0).bytes(300))
    with pytest.raises(ExportError, match=r"^--model: expected a SavedModel protobuf in .*, received one that "
                                          r"does not parse: "):
        load_serving(tmp_path, trust=False)
    with pytest.raises(ExportError, match=r"^--model: expected a SavedModel with a 'serving_default' signature, "
                                          r"received .*, which does not load: "):
        load_serving(tmp_path, trust=True)


def keras_naming(tmp_path: Path, module: str, name: str, config: dict) -> Path:
    """A .keras file whose Dense layer's config names ``module.name`` instead (Keras would call its from_config)."""
    import keras

    inputs = keras.Input((3,), name="x")
    keras.Model(inputs, keras.layers.Dense(2)(inputs)).save(tmp_path / "ok.keras")
    with zipfile.ZipFile(tmp_path / "ok.keras") as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    model = json.loads(files["config.json"])
    for layer in model["config"]["layers"]:
        if layer["class_name"] == "Dense":
            layer.update(module=module, class_name=name, registered_name=None, config=config)
    files["config.json"] = json.dumps(model).encode()
    return zip_of(tmp_path / f"{name}.keras", files)


def zip_of(path: Path, files: dict) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


@pytest.mark.parametrize("trust", [False, True])
def test_a_keras_config_naming_a_foreign_class_never_imports_or_calls_it(tmp_path, monkeypatch, trust):
    # Keras 3 imports only keras, keras_hub, keras_cv and keras_nlp modules, in safe mode or not.
    marker = tmp_path / "imported"
    (tmp_path / "planted_module.py").write_text(f"open({str(marker)!r}, 'w').close()\nBoom = print\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for module, name, config in (("os", "system", {"command": f"touch {tmp_path / 'ran'}"}),
                                 ("planted_module", "Boom", {})):
        path = keras_naming(tmp_path, module, name, config)
        with pytest.raises(ExportError, match=rf"^--model: expected a Keras model in .*{name}.keras, received one "
                                              rf"that does not load: Could not locate class '{name}'$"):
            load_serving(path, trust)
    assert not marker.exists() and not (tmp_path / "ran").exists() and "planted_module" not in sys.modules


@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04" + bytes(100), r"expected a \.keras file \(a zip archive\), received .*, which is not one"),
    (b"not a zip at all", r"expected a \.keras file \(a zip archive\), received .*, which is not one"),
    (None, r"expected a Keras model in .*, received one that does not load: \"There is no item named "
           r"'config.json' in the archive\""),
])
def test_a_corrupt_keras_file_is_one_line(tmp_path, content, message):
    path = tmp_path / "model.keras"
    if content is None:
        zip_of(path, {"hello.txt": "hi"})
    else:
        path.write_bytes(content)
    with pytest.raises(ExportError, match=f"^--model: {message}$"):
        load_serving(path, trust=False)


def specs(shape=(None, 3), dtype="float32") -> dict:
    import tensorflow as tf

    return {"x": tf.TensorSpec(shape, dtype, name="x")}


@pytest.mark.parametrize("write, message", [
    (lambda p: np.savez(p, x=np.array([{"a": 1}, None], dtype=object)),
     r"expected a \.npz archive of numeric or string arrays, received .*, which cannot be read: Object arrays "
     r"cannot be loaded when allow_pickle=False"),
    (lambda p: p.write_bytes(np.random.default_rng(0).bytes(500)),
     r"expected a \.npz archive \(numpy\.savez\), received .*, which is not one"),
    (lambda p: p.write_bytes(b"PK\x03\x04" + bytes(100)),
     r"expected a \.npz archive \(numpy\.savez\), received .*, which is not one"),
    (lambda p: zip_of(p, {"x.npy": b"\x93NUMPY garbage"}),
     r"expected a \.npz archive of numeric or string arrays, received .*, which cannot be read: "),
])
def test_an_unreadable_npz_is_one_line_and_unpickles_nothing(tmp_path, write, message):
    path = tmp_path / "x.npz"
    write(path)
    with pytest.raises(DataError, match=f"^--input: {message}"):
        read_inputs(path, specs())


@pytest.mark.parametrize("arrays, spec, message", [
    ({"x": np.ones((4, 5), "float32")}, specs(), r"expected array 'x' of shape \[rows, 3\], received shape \[4, 5\]"),
    ({"x": np.ones(4, "float32")}, specs(), r"expected array 'x' of shape \[rows, 3\], received shape \[4\]"),
    ({"x": np.array([["a", "b", "c"]])}, specs(), r"expected array 'x' of numbers, received dtype <U1"),
    ({"x": np.ones((2, 1))}, specs((None, 1), "string"), r"expected array 'x' of strings, received dtype float64"),
    ({"y": np.ones((2, 3))}, specs(), r"expected array 'x', received y"),
])
def test_arrays_the_model_does_not_take_are_one_line(tmp_path, arrays, spec, message):
    np.savez(tmp_path / "x.npz", **arrays)
    with pytest.raises(DataError, match=f"^{tmp_path / 'x.npz'}: {message}$"):
        read_inputs(tmp_path / "x.npz", spec)


# The same, as a user meets them: `automl predict` (in a fresh process where the model must not run;
# the other refusals in this process, through the CLI's own entry point).


def predict_here(monkeypatch, capsys, folder, *args: str):
    """`automl predict ARGS` run in this process from ``folder``: its exit code and what it printed."""
    from types import SimpleNamespace

    from automl.cli import main

    monkeypatch.chdir(folder)
    capsys.readouterr()
    code = main(["predict", *args])
    out = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)


def one_line_refusal(done, start: str) -> str:
    assert done.returncode == 2, done.stdout + done.stderr[-3000:]
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"error: {start}"), done.stderr
    return done.stderr.strip()


@pytest.mark.slow
def test_cli_refuses_a_file_writing_saved_model_unless_trusted(tmp_path):
    target = tmp_path / "written.txt"
    evil_saved_model(tmp_path / "evil", target)
    np.savez(tmp_path / "x.npz", x=np.ones((4, 3), "float32"))
    args = ["predict", "--model", "evil", "--input", "x.npz", "--output", "p.csv"]
    error = one_line_refusal(run_cli(*args, cwd=tmp_path), "--model: expected a SavedModel whose graphs only compute")
    assert error == (f"error: --model: expected a SavedModel whose graphs only compute, received evil, whose graphs "
                     f"run op WriteFile, which our exports never run (such an op may read or write files or call "
                     f"Python); {TRUST}")
    assert not target.exists() and not (tmp_path / "p.csv").exists()
    trusted = run_cli(*args, "--trust-model", cwd=tmp_path)
    assert trusted.returncode == 0, trusted.stderr[-3000:]
    assert target.read_text() == "written" and (tmp_path / "p.csv").exists()


def test_cli_predicts_with_our_export_and_refuses_one_without_our_card(tmp_path, monkeypatch, capsys):
    model = small_model("mlp", "tabular", "multiclass")
    folder = export_model(model, tmp_path / "exports", "ok", {}, task="multiclass", class_names=["a", "b", "c"],
                          formats=("saved_model",))
    write_saved_model(model, str(tmp_path / "bare"), "multiclass", ["a", "b", "c"])
    np.savez(tmp_path / "x.npz", x=np.ones((5, 6), "float32"))
    done = predict_here(monkeypatch, capsys, tmp_path, "--model", str(folder), "--input", "x.npz", "--output", "p.csv")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "wrote 5 predictions to p.csv"
    bare = predict_here(monkeypatch, capsys, tmp_path, "--model", "bare", "--input", "x.npz", "--output", "q.csv")
    assert one_line_refusal(bare, "--model: ") == (f"error: --model: expected a SavedModel with a model card written "
                                                   f"by {WRITTEN_BY} beside it, received bare without one; {TRUST}")


def test_cli_hostile_or_corrupt_models_and_inputs_are_one_line(tmp_path, monkeypatch, capsys):
    keras_naming(tmp_path, "os", "system", {"command": "touch ran"})
    (tmp_path / "corrupt.keras").write_bytes(b"PK\x03\x04" + bytes(100))
    np.savez(tmp_path / "x.npz", x=np.ones((4, 3), "float32"))
    np.savez(tmp_path / "objects.npz", x=np.array([{"a": 1}, None], dtype=object))
    (tmp_path / "random.npz").write_bytes(os.urandom(500))
    cases = [("system.keras", "x.npz", "--model: expected a Keras model in system.keras, received one that does not "
                                       "load: Could not locate class 'system'"),
             ("corrupt.keras", "x.npz", "--model: expected a .keras file (a zip archive), received corrupt.keras"),
             ("ok.keras", "objects.npz", "--input: expected a .npz archive of numeric or string arrays, received "
                                         "objects.npz, which cannot be read: Object arrays cannot be loaded"),
             ("ok.keras", "random.npz", "--input: expected a .npz archive (numpy.savez), received random.npz")]
    for model, source, start in cases:
        one_line_refusal(predict_here(monkeypatch, capsys, tmp_path, "--model", model, "--input", source,
                                      "--output", "p.csv"), start)
    assert not (tmp_path / "p.csv").exists() and not (tmp_path / "ran").exists()
