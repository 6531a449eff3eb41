"""`automl predict`: an exported model on new raw inputs (CSV / Parquet, an image folder, .npz, graphs), to CSV.

A SavedModel's graphs run when it loads and predicts, so one is vetted first
(automl.export.vetting): it loads only when every op it can run is a pure
computation and the model card beside it says this toolkit wrote it. A
``.keras`` file loads in Keras' safe mode: one carrying a Lambda layer's code
is refused. ``--trust-model`` lets either load anyway. Anything unreadable or
hostile in the model or the inputs is one line, never a traceback.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from automl.app.graph_inputs import is_graph_model, read_graph_batches, reading_of
from automl.data.graphs import EDGE_INDEX
from automl.data.images import SUFFIXES, read_image
from automl.data.tables import read_table, safe_name, write_csv
from automl.errors import DataError, ExportError, first_line

BATCH = 256


def predict_file(model_path: str, input_path: str, output: str, trust: bool = False,
                 edges: str | None = None) -> tuple[Path, int]:
    """Predicts every row (or image, graph, node) of ``input_path`` and writes them to ``output`` as CSV.

    Args:
        model_path: An export folder, a SavedModel folder or a ``.keras`` file.
        input_path: The inputs (`read_inputs`; for a graph model, `automl.app.graph_inputs.read_graph_input`).
        output: The CSV to write.
        trust: Load a model that vetting would refuse.
        edges: For a graph model and a node table as input: its edge table (default: the one beside it).
            A graph model's files are read as the model card beside it says training read them
            (a node table's column names, the node features in order), by default without a card.

    Returns:
        The output path and the number of rows written.

    Raises:
        AutoMLError: A missing or unsafe model, unreadable input, or inputs the model does not take.
    """
    serve, signature = load_serving(Path(model_path), trust)
    if is_graph_model(signature):  # graphs, not rows: a graph or a node per output row
        card = _card(Path(model_path))
        ids, batches = read_graph_batches(Path(input_path), signature, None if edges is None else Path(edges),
                                          reading_of(card))
        frame = _table(ids, _run(serve, batches), _names(card))
        return write_csv(frame, output, "--output"), len(frame)
    if "noise" in signature:  # a generator draws images from noise; it predicts nothing from inputs
        raise ExportError(f"--model: expected a model that predicts from inputs, received {model_path}, a "
                          f"generator (it takes noise); draw images with: automl generate --model {model_path}")
    if edges is not None:
        raise DataError(f"--edges: expected only with a graph model (one taking {EDGE_INDEX!r}), received a model "
                        f"taking {', '.join(signature)}")
    ids, inputs = read_inputs(Path(input_path), signature)
    outputs = _in_batches(serve, inputs)
    frame = _table(ids, outputs, _class_names(Path(model_path)))
    if "reconstruction" in outputs and len(inputs) == 1:  # an autoencoder: how far each row is rebuilt
        x = next(iter(inputs.values())).astype("float32")
        frame["reconstruction_error"] = ((outputs["reconstruction"] - x) ** 2).reshape(len(x), -1).mean(axis=1)
    return write_csv(frame, output, "--output"), len(frame)


def check_paths(model_path: str, input_path: str, edges: str | None = None) -> None:
    """Fails early, in one line, on a model, an input or an edge table that is not there.

    Raises:
        AutoMLError: A path is missing.
    """
    if not Path(model_path).exists():
        raise ExportError(f"--model: expected an export folder, a SavedModel folder or a .keras file, "
                          f"received {model_path!r}, which does not exist")
    if not Path(input_path).exists():
        raise DataError(f"--input: expected an existing file or folder, received {input_path!r}")
    if edges is not None and not Path(edges).exists():
        raise DataError(f"--edges: expected an existing edge table (.csv, .parquet), received {edges!r}")


def load_serving(path: Path, trust: bool) -> tuple[Callable, dict[str, Any]]:
    """The serving function of an export folder, a SavedModel or a ``.keras`` file, and its input specs.

    Raises:
        ExportError: Not a model, one that does not load, or (without ``trust``) one that is not vetted.
    """
    if path.is_dir() and (path / "saved_model").is_dir():
        path = path / "saved_model"
    if path.is_dir() and any((path / name).exists() for name in ("saved_model.pb", "saved_model.pbtxt")):
        return _saved_model(path, trust)
    if path.suffix == ".keras" and path.is_file():
        return _keras(path, trust)
    raise ExportError(f"--model: expected an export folder, a SavedModel folder or a .keras file, "
                      f"received {str(path)!r}")


def _saved_model(path: Path, trust: bool) -> tuple[Callable, dict[str, Any]]:
    import tensorflow as tf

    from automl.export.vetting import SIGNATURE, vet_saved_model  # the export package imports Keras: not earlier

    if not trust:
        vet_saved_model(path)  # reads the protobuf only: nothing of the model has run yet
    try:
        serve = tf.saved_model.load(str(path)).signatures[SIGNATURE]
        specs = dict(serve.structured_input_signature[1])
    except Exception as err:  # noqa: BLE001 - a corrupt or odd SavedModel fails in many ways
        raise ExportError(f"--model: expected a SavedModel with a {SIGNATURE!r} signature, received {path}, "
                          f"which does not load: {first_line(err)}") from None
    return (lambda **kw: serve(**kw)), specs


def _keras(path: Path, trust: bool) -> tuple[Callable, dict[str, Any]]:
    import keras
    import tensorflow as tf

    import automl.builders.blocks  # noqa: F401 - registers the custom layers our models use
    import automl.builders.graph  # noqa: F401 - and the graph layers (GraphConv, ...)

    if not zipfile.is_zipfile(path):
        raise ExportError(f"--model: expected a .keras file (a zip archive), received {path}, which is not one")
    try:
        model = keras.saving.load_model(path, safe_mode=not trust)
    except Exception as err:  # noqa: BLE001 - a crafted archive fails in many ways (BadZipFile, KeyError, ...)
        reason = _innermost(err)  # Keras wraps the error that says what was wrong
        if "safe_mode" in str(reason):
            raise ExportError(f"--model: {path} holds Python code (a Lambda layer) that would run on load; "
                              f"pass --trust-model if you trust where the file came from") from None
        raise ExportError(f"--model: expected a Keras model in {path}, received one that does not load: "
                          f"{first_line(reason).split('. ')[0]}") from None
    if not isinstance(model, keras.Model):
        raise ExportError(f"--model: expected a Keras model in {path}, received a {type(model).__name__}")
    from automl.export.serving import input_signature

    signature = input_signature(model)
    specs = signature if isinstance(signature, dict) else {signature.name: signature}
    single = not isinstance(signature, dict)

    def serve(**inputs: Any) -> dict[str, Any]:
        value = next(iter(inputs.values())) if single else inputs
        return {"output": model(value, training=False)}

    specs = {k: tf.TensorSpec(v.shape, v.dtype, name=k) for k, v in specs.items()}
    return serve, specs


def _innermost(err: BaseException) -> BaseException:
    """The error at the bottom of a chain of errors raised while handling others."""
    for _ in range(16):  # a chain is short; the bound only guards against a cycle
        inner = err.__cause__ or err.__context__
        if inner is None:
            break
        err = inner
    return err


def read_inputs(path: Path, specs: dict[str, Any]) -> tuple[list[str], dict[str, np.ndarray]]:
    """Row names and one array per model input, from a table, an image folder or a .npz file."""
    if path.is_dir():
        return _images(path, specs)
    if not path.exists():
        raise DataError(f"--input: expected an existing file or folder, received {str(path)!r}")
    if path.suffix == ".npz":
        return _arrays(path, specs)
    if path.suffix in (".csv", ".parquet"):
        return _columns(read_table(path, path.suffix[1:]), path, specs)
    raise DataError(f"--input: expected a .csv, .parquet or .npz file or an image folder, received {str(path)!r}")


def _columns(frame: pd.DataFrame, path: Path, specs: dict[str, Any]) -> tuple[list[str], dict[str, np.ndarray]]:
    by_name = {safe_name(str(c)): c for c in frame.columns}
    ids = [str(i) for i in range(len(frame))]
    if len(specs) == 1 and not set(specs) & set(by_name):  # one array input: the numeric columns, in order
        (name, spec), = specs.items()
        numeric = frame.select_dtypes("number")
        width = spec.shape[-1]
        if numeric.shape[1] != width:
            raise DataError(f"{path}: expected {width} numeric columns for input {name!r}, "
                            f"received {numeric.shape[1]}")
        return ids, {name: numeric.to_numpy(dtype="float32")}
    missing = [n for n in specs if n not in by_name]
    if missing:
        raise DataError(f"{path}: expected column {missing[0]!r} (the model takes {', '.join(specs)}), "
                        f"received columns {', '.join(map(str, frame.columns))}")
    inputs = {}
    for name, spec in specs.items():
        column = frame[by_name[name]]
        inputs[name] = (column.astype(str).to_numpy(dtype=object) if spec.dtype.name == "string"
                        else pd.to_numeric(column, errors="coerce").to_numpy(dtype="float32")).reshape(-1, 1)
    return ids, inputs


def _images(root: Path, specs: dict[str, Any]) -> tuple[list[str], dict[str, np.ndarray]]:
    (name, spec), = specs.items()
    files = sorted(f for f in root.rglob("*") if f.suffix.lower() in SUFFIXES)
    if not files:
        raise DataError(f"{root}: expected image files ({', '.join(sorted(SUFFIXES))}), received none")
    if len(spec.shape) != 4:
        raise DataError(f"--input: the model takes {name!r} of shape {list(spec.shape)}, not images")
    height, width, channels = spec.shape[1:]
    mode = "grayscale" if channels == 1 else "rgb"
    images = [read_image(f, mode, (height, width)) for f in files]
    return [str(f.relative_to(root)) for f in files], {name: np.stack(images).astype("float32")}


def _arrays(path: Path, specs: dict[str, Any]) -> tuple[list[str], dict[str, np.ndarray]]:
    """One array per input from a ``numpy.savez`` archive: ``x`` for a one-input model, else by input name."""
    if not zipfile.is_zipfile(path):
        raise DataError(f"--input: expected a .npz archive (numpy.savez), received {path}, which is not one")
    try:  # pickles stay off: an object array is refused, never unpickled
        with np.load(path, allow_pickle=False) as arrays:
            if len(specs) == 1 and "x" in arrays.files:
                inputs = {next(iter(specs)): arrays["x"]}
            else:
                missing = [n for n in specs if n not in arrays.files]
                if missing:
                    either = " or 'x'" if len(specs) == 1 and missing[0] != "x" else ""
                    raise DataError(f"{path}: expected array {missing[0]!r}{either}, received "
                                    f"{', '.join(arrays.files) or 'no arrays'}")
                inputs = {n: arrays[n] for n in specs}
    except DataError:
        raise
    except Exception as err:  # noqa: BLE001 - BadZipFile, ValueError (object arrays), EOFError...: one line
        raise DataError(f"--input: expected a .npz archive of numeric or string arrays, received {path}, "
                        f"which cannot be read: {first_line(err)}") from None
    inputs = {name: _as_input(path, name, array, specs[name]) for name, array in inputs.items()}
    rows = {len(a) for a in inputs.values()}
    if len(rows) > 1:
        raise DataError(f"{path}: expected arrays with as many rows each, received {sorted(rows)} rows")
    return [str(i) for i in range(rows.pop())], inputs


def _as_input(path: Path, name: str, array: np.ndarray, spec: Any) -> np.ndarray:
    """``array`` as input ``name`` takes it (dtype and shape), or one line saying how it differs."""
    shape = [] if spec.shape.rank is None else [None if d is None else int(d) for d in spec.shape]
    wanted = "rows" + "".join(f", {d}" for d in shape[1:])
    if shape and (array.ndim != len(shape) or any(d not in (None, n) for d, n in zip(shape[1:], array.shape[1:]))):
        raise DataError(f"{path}: expected array {name!r} of shape [{wanted}], received shape {list(array.shape)}")
    text = spec.dtype.name == "string"
    if array.dtype.kind not in ("US" if text else "biuf"):
        raise DataError(f"{path}: expected array {name!r} of {'strings' if text else 'numbers'}, received "
                        f"dtype {array.dtype}")
    return array.astype(object if text else spec.dtype.as_numpy_dtype)


def _in_batches(serve: Callable, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    rows = len(next(iter(inputs.values())))
    return _run(serve, [{k: v[start:start + BATCH] for k, v in inputs.items()} for start in range(0, rows, BATCH)])


def _run(serve: Callable, batches: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The model's outputs for each batch of inputs, joined in order."""
    import tensorflow as tf

    parts: dict[str, list[np.ndarray]] = {}
    for inputs in batches:
        try:
            outputs = serve(**{k: tf.constant(v) for k, v in inputs.items()})
        except Exception as err:  # noqa: BLE001 - what a model does with odd inputs is up to the model
            shapes = ", ".join(f"{k} {list(v.shape)}" for k, v in inputs.items())
            raise DataError(f"--input: expected inputs the model takes, received {shapes}, which it refused: "
                            f"{first_line(err)}") from None
        for key, value in outputs.items():
            parts.setdefault(key, []).append(np.asarray(value))
    return {k: np.concatenate(v) for k, v in parts.items()}


def _card(model_path: Path) -> dict[str, Any]:
    """The export's model card beside the model (``{}``: none)."""
    from automl.export.card import card_beside  # the export package imports Keras: not earlier

    return card_beside(model_path)


def _class_names(model_path: Path) -> list[str]:
    """The class names in the export's model card, when there is one beside the model."""
    return _names(_card(model_path))


def _names(card: dict[str, Any]) -> list[str]:
    names = card.get("class_names")
    return [str(n) for n in names] if isinstance(names, list) else []


def _table(ids: list[str], outputs: dict[str, np.ndarray], classes: list[str]) -> pd.DataFrame:
    """One row per input: the label first, then the numbers behind it (a column per class)."""
    frame = pd.DataFrame({"input": ids})
    if "label" in outputs:
        frame["label"] = [v.decode() if isinstance(v, bytes) else str(v) for v in outputs["label"]]
        frame["class_id"] = outputs["class_id"]
    for key in ("probabilities", "probability", "prediction", "output"):
        if key in outputs:
            values = outputs[key].reshape(len(ids), -1)
            labels = classes if len(classes) == values.shape[1] else [str(i) for i in range(values.shape[1])]
            names = [key] if values.shape[1] == 1 else [f"{key}_{c}" for c in labels]
            frame[names] = values
    return frame
