"""Vetting a SavedModel before `automl predict` loads it: pure computation, written by this toolkit.

A SavedModel holds graphs, and loading and serving one runs them: resource
creators and initializers at load, the serving function at predict. A graph
can hold ops that read or write files (``WriteFile``, ``SaveV2``), call back
into Python (``EagerPyFunc``) or print to a file (``PrintV2``), so a hostile
SavedModel can act on the machine as soon as it loads. The check reads the
SavedModel protobuf and never runs it: it walks every function the loader can
call and the serving signature's subgraph, and names each op type that is not
in `SAFE_OPS`. A model that passes still has to come with a model card that
says this toolkit wrote it; anything else needs ``--trust-model``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from automl.errors import ExportError, first_line
from automl.export.card import WRITTEN_BY, card_beside

SIGNATURE = "serving_default"
TRUST = "pass --trust-model if you trust where it came from"

# The op types this toolkit's own exports run at load and in `serving_default`: an
# allow-list, so an op nobody has looked at (file I/O, py_func, PrintV2 to a file,
# ImmutableConst from a file, anything new in TensorFlow) is refused by default.
# Made by exporting a model of every family on every input kind it takes (tabular
# with numeric and string columns, image, sequence, text, audio, graph), every task (generation too, with
# both of a generator's signatures), every
# activation and norm and every family knob that changes the graph, and taking the
# union of `graph_ops` over them: the EXPORTS of tests/export/test_predict_safety.py,
# which fails naming any op a new export needs and any op here no export uses.
# The last group is the exception: read from keras/src/backend/tensorflow/rnn.py,
# not measured, because LSTM and GRU trace to cuDNN only when a GPU is present.
# Every op here computes, or touches only the model's own variables and tables.
SAFE_OPS: frozenset[str] = frozenset({
    # arithmetic, comparisons, reductions, the FFT of the audio front end, a diffusion model's step features
    "Abs", "AddV2", "ArgMax", "Cast", "Cos", "Cumsum", "Equal", "Erfc", "FloorDiv", "FloorMod", "Greater",
    "GreaterEqual", "Imag", "Less", "Log", "LogicalAnd", "Max", "Maximum", "Mean", "Minimum", "Mul", "Neg",
    "NotEqual", "Pow", "Prod", "RFFT", "Real", "RealDiv", "Rsqrt", "Sqrt", "Square", "SquaredDifference",
    "Sin", "Sub", "Sum",
    # layers: products, convolutions, pooling, activations, encodings
    "AvgPool", "BatchMatMulV2", "BiasAdd", "Conv2D", "DenseBincount", "DepthwiseConv2dNative", "Einsum",
    "Elu", "LeakyRelu", "MatMul", "MaxPool", "OneHot", "Relu", "Selu", "Sigmoid", "Softmax", "Tanh",
    # shapes and arrays
    "BroadcastArgs", "BroadcastTo", "ConcatV2", "Const", "ExpandDims", "Fill", "GatherV2", "Identity",
    "IdentityN", "MirrorPad", "OnesLike", "Pack", "Pad", "RaggedTensorToTensor", "Range", "Reshape",
    "ReverseV2", "SelectV2", "Shape", "Size", "Slice", "Split", "SplitV", "Squeeze", "StopGradient",
    "StridedSlice", "Tile", "Transpose", "ZerosLike",
    # graph plumbing: inputs, calls of the SavedModel's own functions, recurrent loops
    "NoOp", "Placeholder", "StatefulPartitionedCall", "TensorListFromTensor", "TensorListGetItem",
    "TensorListReserve", "TensorListSetItem", "TensorListStack", "While",
    # graphs: messages gathered per node, readouts per graph, attention's softmax over each node's edges
    "Exp", "UnsortedSegmentMax", "UnsortedSegmentSum",
    # text: standardize, split, look tokens and categories up in the model's own tables
    "HashTableV2", "LookupTableFindV2", "LookupTableImportV2", "StaticRegexReplace", "StringLower",
    "StringSplitV2",
    # a generator's ``generate`` signature: normal noise drawn from the seed it is given
    "StatelessRandomNormalV2",
    # the model's own state: weights, and the seed of recurrent dropout
    "AssignVariableOp", "ReadVariableOp", "StatelessRandomGetKeyCounter", "StatelessRandomUniformV2",
    "VarHandleOp",
    # LSTM / GRU through cuDNN (exports written on a GPU), read from Keras' source
    "All", "Any", "Assert", "CudnnRNNV3", "LogicalNot", "ReverseSequence",
})


def vet_saved_model(folder: Path) -> None:
    """Refuses a SavedModel whose graphs run an op outside `SAFE_OPS` or that this toolkit did not write.

    Args:
        folder: The SavedModel folder (``saved_model.pb`` in it).

    Raises:
        ExportError: One line: the op types found, or the missing model card; both say to pass
            ``--trust-model`` for a model the user trusts.
    """
    unsafe = sorted(graph_ops(folder) - SAFE_OPS)
    if unsafe:
        shown = ", ".join(unsafe[:8]) + (f" and {len(unsafe) - 8} more" if len(unsafe) > 8 else "")
        raise ExportError(f"--model: expected a SavedModel whose graphs only compute, received {folder}, whose "
                          f"graphs run op{'s' if len(unsafe) > 1 else ''} {shown}, which our exports never run "
                          f"(such an op may read or write files or call Python); {TRUST}")
    if not written_here(folder):
        raise ExportError(f"--model: expected a SavedModel with a model card written by {WRITTEN_BY} beside it, "
                          f"received {folder} without one; {TRUST}")


def graph_ops(folder: Path) -> set[str]:
    """Every op type that loading ``folder`` and calling its serving signature can run (nothing is run).

    Raises:
        ExportError: The protobuf does not parse, is not a TensorFlow 2 SavedModel or has no serving signature.
    """
    meta = _meta_graph(folder)
    library = {f.signature.name: f for f in meta.graph_def.library.function}
    ops: set[str] = set()
    pending = [*_loadable_functions(meta), *_signature_calls(meta, library, ops, folder)]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in library:  # a func attr may name a primitive op instead of a function
            ops.add(name)
            continue
        for node in library[name].node_def:
            pending.extend(_calls(node, library, ops))
    return ops


def written_here(folder: Path) -> bool:
    """Whether the model card beside the SavedModel (in it, or in the export folder above) says we wrote it."""
    return card_beside(folder).get("written_by") == WRITTEN_BY


def _meta_graph(folder: Path):
    """The one MetaGraph that `tf.saved_model.load` would load, parsed the way it parses it."""
    # The loader's own parser: the same file (saved_model.pb, else .pbtxt) and the same rules.
    from tensorflow.python.saved_model.loader_impl import parse_saved_model

    try:
        saved = parse_saved_model(str(folder))
    except Exception as err:  # noqa: BLE001 - IOError, DecodeError, ParseError: all one line
        raise ExportError(f"--model: expected a SavedModel protobuf in {folder}, received one that does not "
                          f"parse: {first_line(err)}") from None
    # Anything else loads the TensorFlow 1 way, which runs the graph's own restore and init ops.
    if len(saved.meta_graphs) != 1 or not saved.meta_graphs[0].HasField("object_graph_def"):
        raise ExportError(f"--model: expected a TensorFlow 2 SavedModel (one MetaGraph with an object graph), "
                          f"received a TensorFlow 1 one in {folder}, whose loading runs its own restore and init "
                          f"ops; {TRUST}")
    meta = saved.meta_graphs[0]
    if SIGNATURE not in meta.signature_def:
        raise ExportError(f"--model: expected a SavedModel with a {SIGNATURE!r} signature, received {folder} "
                          f"with {', '.join(sorted(meta.signature_def)) or 'none'}")
    return meta


def _loadable_functions(meta) -> Iterator[str]:
    """Every function the loader restores: any of them may run (resource initializers, signatures...)."""
    yield from meta.object_graph_def.concrete_functions
    for node in meta.object_graph_def.nodes:
        kind = node.WhichOneof("kind")
        if kind == "function":
            yield from node.function.concrete_functions
        elif kind == "bare_concrete_function":
            yield node.bare_concrete_function.concrete_function_name


def _signature_calls(meta, library: dict, ops: set[str], folder: Path) -> list[str]:
    """Every signature's subgraph of the main graph (serving, and a generator's ``generate``): adds its ops,
    returns the functions it calls."""
    nodes = {node.name: node for node in meta.graph_def.node}
    pending = []
    for signature in meta.signature_def.values():
        pending += [t.name for t in signature.outputs.values()] + [t.name for t in signature.inputs.values()]
    seen: set[str] = set()
    calls: list[str] = []
    while pending:
        name = pending.pop().lstrip("^").split(":")[0]
        if name in seen:
            continue
        seen.add(name)
        if name not in nodes:
            raise ExportError(f"--model: expected the signatures of {folder} to name nodes of its "
                              f"graph, received {name!r}, which is not there")
        calls.extend(_calls(nodes[name], library, ops))
        pending.extend(nodes[name].input)
    return calls


def _calls(node, library: dict, ops: set[str]) -> list[str]:
    """Adds ``node``'s op type to ``ops`` (a call of a library function is not an op) and returns what it calls."""
    calls = [node.op] if node.op in library else []
    if not calls:
        ops.add(node.op)
    calls.extend(_attr_functions(node.attr.values()))
    return calls


def _attr_functions(attrs: Iterable) -> Iterator[str]:
    """Function names in attr values: ``f`` of a call, If/While branches and bodies, lists of them, nested."""
    for attr in attrs:
        functions = [attr.func] if attr.HasField("func") else list(attr.list.func)
        for func in functions:
            yield func.name
            yield from _attr_functions(func.attr.values())
