"""Safe YAML loading with positions, and validation errors that name file:line:col.

Every error says where (file, line, column, key path), what was expected and
what was received, on one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from automl.errors import SpecError
from automl.spec.bounded_yaml import LimitError, load, read_text

M = TypeVar("M", bound=BaseModel)
KeyPath = tuple


@dataclass
class Document:
    """A parsed YAML file and where each of its keys and values sits."""

    path: Path
    data: Any
    value_marks: dict[KeyPath, tuple[str, int, int]]
    key_marks: dict[KeyPath, tuple[str, int, int]]

    def where(self, loc: KeyPath, at_key: bool = False) -> str:
        """Returns ``file:line:col`` for the deepest known part of ``loc``.

        After `merge`, a key may come from a base file or from ``--set``; the
        position names whichever gave the value.
        """
        marks = self.key_marks if at_key else self.value_marks
        for end in range(len(loc), -1, -1):
            if loc[:end] in marks:
                source, line, col = marks[loc[:end]]
                return f"{source}:{line}:{col}"
        return str(self.path)

    def merge(self, child: "Document") -> "Document":
        """This document overridden by ``child``, key by key (mappings merge, the rest replaces)."""
        merged = Document(child.path, _merge(self.data, child.data), {}, {})
        for marks, mine, theirs in ((merged.value_marks, self.value_marks, child.value_marks),
                                    (merged.key_marks, self.key_marks, child.key_marks)):
            marks.update({loc: m for loc, m in mine.items() if not _replaced(child.data, loc, theirs)})
            marks.update(theirs)
        return merged


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base.get(key), value) if key in base else value
        return out
    return over


def _replaced(data: Any, loc: KeyPath, marks: dict) -> bool:
    """Whether ``data`` replaces the value at ``loc``: it holds a non-mapping there or above, at a marked place.

    One walk down ``loc`` (not a scan of every marked place), so merging stays
    linear in the size of the files.
    """
    for end, part in enumerate(loc):
        if not isinstance(data, dict):
            return loc[:end] in marks
        if part not in data:  # a key the file does not give (or spells differently, as 1 for "1")
            return False
        data = data[part]
    return not isinstance(data, dict) and loc in marks


def parse_setting(text: str) -> Document:
    """Turns ``--set model.units=64`` into a one-key document (the value read as YAML).

    Raises:
        SpecError: The text is not ``dotted.key=value``.
    """
    key, sep, raw = text.partition("=")
    parts = [p for p in key.strip().split(".") if p]
    if not sep or not parts:
        raise SpecError(f"--set: expected KEY.PATH=VALUE (e.g. model.units=64), received {text!r}")
    try:
        value = load(raw)[1] if raw.strip() else None
    except LimitError as err:
        raise SpecError(f"--set {text}: {err.problem}") from None
    except yaml.YAMLError:
        raise SpecError(f"--set {text}: expected a YAML value after '=', received {raw!r}") from None
    data: Any = value
    for part in reversed(parts):
        data = {part: data}
    source = f"--set {text}"
    doc = Document(Path(source), data, {}, {})
    for end in range(0, len(parts) + 1):
        doc.value_marks[tuple(parts[:end])] = (source, 1, len(key) + 2 if end == len(parts) else 1)
        if end:
            doc.key_marks[tuple(parts[:end])] = (source, 1, 1)
    return doc


def read_yaml(path: Path) -> Document:
    """Reads a YAML file safely and within limits, keeping the position of every key and value.

    The file is composed once (see `automl.spec.bounded_yaml` for the limits) and
    its data built from that node graph.

    Raises:
        SpecError: The file is missing, not a regular file, too large, not UTF-8,
            not YAML, over a limit, or has a duplicate key.
    """
    text = read_text(Path(path))
    doc = Document(Path(path), None, {}, {})
    try:
        doc.data = load(text, inspect=lambda root: _index(doc, root, ()))[1]
    except yaml.YAMLError as err:
        raise SpecError(_yaml_problem(str(path), text, err)) from None
    return doc


def _yaml_problem(source: str, text: str, err: yaml.YAMLError) -> str:
    """One line for a YAML error: where, the key path when known, expected and received."""
    if isinstance(err, yaml.reader.ReaderError):  # a control character; the reader gives an offset only
        line = text.count("\n", 0, err.position) + 1
        col = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        return f"{source}:{line}:{col}: expected printable text, received character #x{err.character:04x}"
    mark = getattr(err, "problem_mark", None)
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
    if isinstance(err, LimitError):
        key = _dotted(err.loc)
        key = key if len(key) <= 60 else f"{key[:28]}...{key[-29:]}"  # 3,000 levels of [0] say little more
        return f"{where}: {key + ': ' if key else ''}{err.problem}"
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"{where}: expected valid YAML, received a syntax error ({problem})"


def _index(doc: Document, node: yaml.Node, loc: KeyPath) -> None:
    doc.value_marks[loc] = (str(doc.path), node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                raise SpecError(f"{doc.path}:{line}:{col}: {_dotted(loc + (key,))}: "
                                f"expected each key once, received a duplicate")
            seen.add(key)
            doc.key_marks[loc + (key,)] = (str(doc.path), key_node.start_mark.line + 1,
                                           key_node.start_mark.column + 1)
            _index(doc, value_node, loc + (key,))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(doc, item, loc + (i,))


def validate(doc: Document, model: type[M], data: Any = None, prefix: KeyPath = ()) -> M:
    """Validates ``data`` (default: the whole document) against a schema.

    Args:
        doc: The document the data came from, for positions in errors.
        model: The pydantic model to validate against.
        data: The part of the document to validate; ``prefix`` is its key path.
        prefix: Key path of ``data`` inside the document.

    Raises:
        SpecError: One line: position, key path, expected and received.
    """
    data = doc.data if data is None and not prefix else data
    if not isinstance(data, dict):
        where = doc.where(prefix)
        name = _dotted(prefix) or "top level"
        raise SpecError(f"{where}: {name}: expected a mapping of keys, received {_short(data)}")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise SpecError(_describe(doc, err.errors()[0], prefix, model)) from None


def _describe(doc: Document, error: dict, prefix: KeyPath, model: type[BaseModel]) -> str:
    loc = prefix + tuple(part for part in error["loc"] if not _is_union_tag(part))
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        parent = _model_at(model, error["loc"][:-1])
        expected = ", ".join(parent.model_fields) if parent else "a known key"
        return f"{doc.where(loc, at_key=True)}: {_dotted(loc)}: unknown key; expected one of: {expected}"
    if kind == "missing":
        return f"{doc.where(loc[:-1])}: {_dotted(loc)}: missing required key"
    if kind == "value_error":
        detail = msg.removeprefix("Value error, ")
        return f"{doc.where(loc)}: {_dotted(loc)}: {detail}"
    expected = msg.removeprefix("Input should be ").removeprefix("input should be ")
    return f"{doc.where(loc)}: {_dotted(loc)}: expected {expected}, received {_short(error.get('input'))}"


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _dotted(loc: KeyPath) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
