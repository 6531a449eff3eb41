"""Finding and loading the shipped (or the user's own) search spaces and dataset cards."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from automl.errors import SpecError
from automl.spec.loader import read_yaml, validate
from automl.spec.schema import (
    FAMILY_INPUTS,
    FAMILY_MODELS,
    SOURCE_OPTIONS,
    DatasetCard,
    SearchSpace,
    Strict,
)

# The shipped YAML folders sit beside the package in a checkout.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"space": "search_spaces", "card": "datasets"}


@dataclass(frozen=True)
class LoadedSpace:
    """A validated search space: the file, its sections and its family's model section."""

    path: Path
    spec: SearchSpace
    model: Strict

    @property
    def name(self) -> str:
        """The space's name: its `name` key, else the file's stem."""
        return self.spec.name or self.path.stem


@dataclass(frozen=True)
class LoadedCard:
    """A validated dataset card and its source's options."""

    path: Path
    card: DatasetCard
    options: Strict


def find(kind: str, name_or_path: str) -> Path:
    """Resolves a shipped name (``cnn``) or a path to a YAML file.

    Raises:
        SpecError: Nothing by that name exists; the message lists what does.
    """
    given = Path(name_or_path)
    if given.suffix in (".yaml", ".yml") or given.exists():
        if not given.is_file():
            raise SpecError(f"{name_or_path}: expected an existing {kind} file, received a missing path")
        return given
    for root in (Path("."), PROJECT_ROOT):
        candidate = root / FOLDERS[kind] / f"{name_or_path}.yaml"
        if candidate.is_file():
            return candidate
    known = ", ".join(available(kind)) or "none"
    flag = "--space" if kind == "space" else "--dataset"
    raise SpecError(f"{flag}: expected one of: {known} (or a path to a .yaml file), "
                    f"received {name_or_path!r}")


def available(kind: str) -> list[str]:
    """Names of the shipped files of one kind."""
    names: set[str] = set()
    for root in (Path("."), PROJECT_ROOT):
        names.update(p.stem for p in (root / FOLDERS[kind]).glob("*.yaml"))
    return sorted(names)


def load_space(name_or_path: str) -> LoadedSpace:
    """Loads and validates a search space, including its family's model section."""
    path = find("space", name_or_path)
    doc = read_yaml(path)
    spec = validate(doc, SearchSpace)
    model = validate(doc, FAMILY_MODELS[spec.family], spec.model, ("model",))
    return LoadedSpace(path, spec, model)


def load_card(name_or_path: str) -> LoadedCard:
    """Loads and validates a dataset card, including its source's options."""
    path = find("card", name_or_path)
    doc = read_yaml(path)
    card = validate(doc, DatasetCard)
    options = validate(doc, SOURCE_OPTIONS[card.source], card.options, ("options",))
    if card.splits.validation + card.splits.test >= 1.0:
        raise SpecError(f"{doc.where(('splits',))}: splits: expected validation + test < 1, "
                        f"received {card.splits.validation} + {card.splits.test}")
    return LoadedCard(path, card, options)


def check_fits(space: LoadedSpace, input_kind: str) -> None:
    """Raises SpecError when the space's family cannot take this input kind."""
    allowed = FAMILY_INPUTS[space.spec.family]
    if input_kind not in allowed:
        raise SpecError(f"{space.path}: family: expected a family for {input_kind} input "
                        f"(family {space.spec.family!r} takes {', '.join(allowed)}), "
                        f"received {space.spec.family!r}")


def validate_file(path: str) -> str:
    """Validates one YAML file, telling a space from a card by its keys.

    Returns:
        A one-line description of what was validated.
    """
    doc = read_yaml(Path(path))
    if isinstance(doc.data, dict) and "source" in doc.data:
        loaded = load_card(path)
        return f"{path}: ok (dataset card {loaded.card.name!r}, source {loaded.card.source})"
    if isinstance(doc.data, dict) and "family" in doc.data:
        loaded = load_space(path)
        return f"{path}: ok (search space {loaded.name!r}, family {loaded.spec.family})"
    raise SpecError(f"{path}:1:1: expected a search space (with a 'family' key) or a dataset card "
                    f"(with a 'source' key), received neither")
