"""YAML read with limits: a hostile file gets one line, never a hang, a memory blow-up or a RecursionError.

Spaces and cards are a few KB, a few levels deep and a few hundred values, so
each limit below is far above what a real file needs. The checks run while the
file is composed (PyYAML's composer is recursive and reads lazily), before any
Python object is built, and the data is then constructed from that one node
graph.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any, Callable

import yaml

from automl.errors import SpecError
from automl.spec.filekind import kind_of

# The shipped files are at most 4 KB, 7 levels deep and 140 values: each limit is far above. Pure-Python
# YAML scans about 200,000 characters a second, so the size cap also bounds the time a file takes.
MAX_FILE_BYTES = 250_000
MAX_DEPTH = 32  # nesting levels once aliases are expanded
MAX_NODES = 10_000  # scalars, lists, mappings and aliases as written (pure-Python YAML reads ~15k a second)
MAX_EXPANDED_NODES = 20_000  # the same once every alias is expanded ("billion laughs")


class Loader(yaml.SafeLoader):
    """SafeLoader that also reads ``1e-4`` as a float, as YAML 1.2 does."""


Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)$|^[-+]?(?:\d+\.\d*|\.\d+)$"),
    list("-+0123456789."),
)


class LimitError(yaml.MarkedYAMLError):
    """A file is valid YAML but over a limit (or holds a value Python cannot build).

    ``problem`` reads ``expected ..., received ...``; ``loc`` is the key path
    where it was found.
    """

    def __init__(self, problem: str, mark: yaml.Mark, loc: tuple = ()):
        super().__init__(problem=problem, problem_mark=mark)
        self.loc = loc


class BoundedLoader(Loader):
    """A Loader that enforces the limits while it composes and names values it cannot build."""

    def __init__(self, text: str):
        super().__init__(text)
        self._nodes = 0
        self._depth = 0
        self._loc: list = []  # key path of the node being composed, for errors
        self._open: set[str] = set()  # anchors whose node is still being composed
        self._sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes once expanded, levels)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        """Composes one node, refusing it over the limits (an alias re-uses its anchor's measure)."""
        event = self.peek_event()
        self._nodes += 1
        if self._nodes > MAX_NODES:
            self._refuse(f"expected at most {MAX_NODES:,} YAML values, received more", event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open:  # its expansion would never end
                self._loc.append(_part(index))
                self._refuse(f"expected no alias inside its own anchor, received *{event.anchor} "
                             f"inside &{event.anchor}", event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:  # checked on the way down: the composer recurses once a level
            self._refuse(f"expected at most {MAX_DEPTH} levels of nesting, received more", event.start_mark)
        self._loc.append(_part(index))
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open.add(anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._open.discard(anchor)
            self._depth -= 1
        self._measure(node)
        self._loc.pop()
        return node

    def _measure(self, node: yaml.Node) -> None:
        """Records the node's size and depth once aliases are expanded, from its children's (linear)."""
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = node.value if isinstance(node, yaml.SequenceNode) else []
        measures = [self._sizes[id(child)] for child in children]
        size = 1 + sum(m[0] for m in measures)
        levels = 1 + max((m[1] for m in measures), default=0)
        self._sizes[id(node)] = (size, levels)
        if size > MAX_EXPANDED_NODES:
            self._refuse(f"expected at most {MAX_EXPANDED_NODES:,} values once aliases are expanded, "
                         f"received {size:,}", node.start_mark)
        if levels > MAX_DEPTH:
            self._refuse(f"expected at most {MAX_DEPTH} levels of nesting once aliases are expanded, "
                         f"received {levels}", node.start_mark)

    def _refuse(self, problem: str, mark: yaml.Mark) -> None:
        raise LimitError(problem, mark, tuple(part for part in self._loc if part is not None))

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Builds one value; one Python cannot build (``2001-13-45``, an int of 5,000 digits) is an error."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as err:
            kind = node.tag.rsplit(":", 1)[-1]
            value = node.value if isinstance(node.value, str) else ""
            raise LimitError(f"expected a valid {kind}, received {_clip(value, 40)!r} "
                             f"({_clip(str(err).splitlines()[0], 80)})", node.start_mark) from None


def _part(index: Any) -> Any:
    """The key-path part PyYAML's ``index`` stands for: an item's number, a value's key, None for a key."""
    if isinstance(index, yaml.ScalarNode):
        return index.value
    return index if isinstance(index, int) else None


def _clip(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most - 3] + "..."


def load(text: str, inspect: Callable[[yaml.Node], None] | None = None) -> tuple[yaml.Node | None, Any]:
    """Composes ``text`` once, within the limits, and builds its data from that node graph.

    Args:
        text: The YAML text.
        inspect: Called with the root node before the data is built: building
            rewrites the graph where merge keys (``<<: *base``) are.

    Returns:
        The root node (None for an empty document) and the data.

    Raises:
        yaml.YAMLError: Not YAML; `LimitError` when over a limit.
    """
    loader = BoundedLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None and inspect is not None:
            inspect(root)
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data


def read_text(path: Path) -> str:
    """Reads a YAML file's text: a regular file, at most `MAX_FILE_BYTES`, in UTF-8.

    Raises:
        SpecError: One line naming the file and what is wrong with it.
    """
    try:
        info = os.stat(path)
    except OSError as err:
        raise SpecError(f"{path}: cannot read file: {err.strerror or err}") from None
    if not stat.S_ISREG(info.st_mode):  # never open a FIFO or a device: it may block or never end
        raise SpecError(f"{path}: expected a regular YAML file, received {kind_of(info.st_mode)}")
    if info.st_size > MAX_FILE_BYTES:
        raise SpecError(f"{path}: expected a YAML file of at most {MAX_FILE_BYTES:,} bytes, "
                        f"received {info.st_size:,} bytes")
    raw = _read_at_most(path, MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:  # it grew since, or it reports no size (as /proc files do)
        raise SpecError(f"{path}: expected a YAML file of at most {MAX_FILE_BYTES:,} bytes, received more")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        start = raw.rfind(b"\n", 0, err.start) + 1
        line = raw.count(b"\n", 0, err.start) + 1
        col = len(raw[start:err.start].decode("utf-8", "replace")) + 1
        raise SpecError(f"{path}:{line}:{col}: expected UTF-8 text, received byte 0x{raw[err.start]:02x}") from None


def _read_at_most(path: Path, limit: int) -> bytes:
    # Non-blocking, and checked again once open: the path may have been swapped for a FIFO since `stat`.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise SpecError(f"{path}: cannot read file: {err.strerror or err}") from None
    with os.fdopen(fd, "rb") as stream:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise SpecError(f"{path}: expected a regular YAML file, received {kind_of(mode)}")
        try:
            return stream.read(limit)
        except OSError as err:
            raise SpecError(f"{path}: cannot read file: {err.strerror or err}") from None
