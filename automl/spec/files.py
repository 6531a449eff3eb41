"""Finding and loading the shipped (or the user's own) search spaces and dataset cards."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from automl.errors import SpecError
from automl.plugins.sources import SOURCES
from automl.plugins.families import FAMILIES
from automl.spec.datapaths import problem as data_path_problem
from automl.spec.datapaths import reads_path, resolve
from automl.spec.families import FAMILY_MODELS, FamilyModel, Strict, family_inputs
from automl.spec.names import tidy
from automl.spec.filekind import describe, is_regular
from automl.spec.loader import Document, parse_setting, read_yaml, validate
from automl.spec.params import Fixed, Param, admits, values_of
from automl.plugins.tasks import DERIVED
from automl.spec.schema import TASK_LOSSES, DatasetCard, SearchSpace

# The shipped YAML folders sit beside the package in a checkout.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"space": "search_spaces", "card": "datasets"}
SPACE_SUFFIXES = (".yaml", ".yml")
MAX_EXTENDS = 5  # spaces in one chain of `extends`, each read whole (10,000 values take ~0.7 s)


@dataclass(frozen=True)
class LoadedSpace:
    """A validated search space: its sections, each family's model section, and positions."""

    path: Path
    spec: SearchSpace
    models: dict[str, FamilyModel]
    doc: Document

    @property
    def name(self) -> str:
        """The space's name: its `name` key, else the file's stem made into a name."""
        return self.spec.name or tidy(self.path.stem, "space")

    @property
    def families(self) -> list[str]:
        """The families this space may build."""
        return list(self.models)

    @property
    def prefixed(self) -> bool:
        """Whether parameter names carry their family (``cnn.filters``): the model section is per family."""
        section = self.spec.model
        return bool(section) and set(section) <= set(FAMILY_MODELS) or len(self.models) > 1

    @property
    def initial_points(self) -> list[dict]:
        """The initial points that fit the families left, without values the space fixes.

        Pinning a family drops the other families' points; a value pinned with
        ``--set`` (or fixed in the file) wins over what a point says. So does a
        space that extends the point's file and narrows a parameter: a point's
        value outside it is dropped, and the search draws that value instead.
        """
        from automl.spec.flatten import flatten

        flats = {f.name: f for f in flatten(self)}

        def keep(i: int, name: str, value: object) -> bool:
            flat = flats.get(name)
            if flat is None:
                return True
            if isinstance(flat.param, Fixed):
                return False
            return admits(flat.param, value) or not self.overrides(flat.loc, ("search", "initial_points", i))

        return [{k: v for k, v in p.items() if keep(i, k, v)} for i, p in enumerate(self.spec.search.initial_points)
                if p.get("family", self.families[0]) in self.models]

    def overrides(self, loc: tuple, point: tuple) -> bool:
        """Whether the value at ``loc`` comes from elsewhere than the point at ``point`` does
        (``--set``, or a space that extends the point's file)."""
        return self.pinned(loc) or _source(self.doc.where(loc)) != _source(self.doc.where(point))

    @property
    def objectives(self) -> list[str]:
        """The objectives the file names, first the one that decides (empty: the task's default)."""
        return [name for name, _ in self.objective_directions]

    @property
    def objective_directions(self) -> list[tuple[str, str | None]]:
        """Each objective the file names with the direction it gives (``None``: from the metric)."""
        named = self.spec.search.objective
        items = named if isinstance(named, list) else [] if named is None else [named]
        return [(o, None) if isinstance(o, str) else (o.name, o.direction) for o in items]

    def pinned(self, loc: tuple) -> bool:
        """Whether the value at ``loc`` was given by ``--set``."""
        return self.doc.where(loc).startswith("--set ")

    @property
    def model(self) -> FamilyModel:
        """The model section of a single-family space."""
        return next(iter(self.models.values()))


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
        found = describe(given)
        if found != "a regular file":
            existing = "an existing" if found == "a missing path" else "a regular"
            raise SpecError(f"{name_or_path}: expected {existing} {kind} file, received {found}")
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


def read_space(name_or_path: str, seen: tuple[Path, ...] = ()) -> Document:
    """Reads a space file, merged over the space it `extends` (recursively)."""
    path = find("space", name_or_path)
    doc = read_yaml(path)
    parent = doc.data.get("extends") if isinstance(doc.data, dict) else None
    if parent is None:
        return doc
    where = f"{doc.where(('extends',))}: extends"
    base_path = _base_path(parent, path, where)
    if base_path.resolve() in seen or base_path.resolve() == path.resolve():
        raise SpecError(f"{where}: expected no cycle, received {parent!r} again")
    if len(seen) + 1 >= MAX_EXTENDS:
        raise SpecError(f"{where}: expected at most {MAX_EXTENDS} spaces in a chain of extends, received more")
    base = read_space(str(base_path), seen + (path.resolve(),))
    if not isinstance(base.data, dict) or not {"family", "extends"} & set(base.data):
        raise SpecError(f"{where}: expected a search space (a mapping with a 'family' key), received "
                        f"{_what(base.data)} in {str(base_path)!r}")
    # The child is its own space: it keeps neither the base's name nor the base's parent.
    base.data.pop("name", None)
    base.data.pop("extends", None)
    return base.merge(doc)


def _base_path(parent: object, path: Path, where: str) -> Path:
    """The file ``extends: parent`` names: a shipped space, or a path to a .yaml/.yml file.

    A relative path resolves from the extending file's folder, then (as it always
    has) from the current folder. Nothing else is read: not ``/etc/passwd``, not a
    FIFO named ``x.yaml``.

    Raises:
        SpecError: One line at the ``extends`` value (``where``).
    """
    if isinstance(parent, str) and parent.lower().endswith(SPACE_SUFFIXES):
        given = Path(parent).expanduser()
        candidates = [given] if given.is_absolute() else [path.parent / given, given]
        found = next((c for c in candidates if describe(c) != "a missing path"), candidates[0])
        kind = describe(found)
        if kind != "a regular file":
            existing = "an existing" if kind == "a missing path" else "a regular"
            raise SpecError(f"{where}: expected {existing} space file, received {kind} ({parent!r})")
        return found
    if isinstance(parent, str) and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]*", parent):
        for root in (Path("."), PROJECT_ROOT):
            candidate = root / FOLDERS["space"] / f"{parent}.yaml"
            if is_regular(candidate):
                return candidate
    known = ", ".join(available("space")) or "none"
    raise SpecError(f"{where}: expected one of: {known} (or a path to a .yaml or .yml file), received {parent!r}")


def _what(data: object) -> str:
    if isinstance(data, dict):
        return "a mapping without a 'family' key"
    return "an empty file" if data is None else f"a {type(data).__name__} value"  # not the content: never echo a file


def load_space(name_or_path: str, settings: Sequence[str] = ()) -> LoadedSpace:
    """Loads and validates a search space, its base (`extends`), and ``--set`` pins."""
    doc = read_space(name_or_path)
    path = doc.path
    for text in settings:
        doc = doc.merge(parse_setting(text))
    doc.path = path  # the space is still the file's, pins and all
    spec = validate(doc, SearchSpace)
    models = _models(doc, spec)
    space = LoadedSpace(doc.path, spec, models, doc)
    _check_initial_points(space)
    _check_objectives(space)
    return space


def _check_objectives(space: LoadedSpace) -> None:
    names = space.objectives
    if space.spec.search.objective is not None and not names:
        raise SpecError(f"{space.doc.where(('search', 'objective'))}: search.objective: expected a metric "
                        f"name or a list of them, received an empty list")
    for i, name in enumerate(names):
        loc = _objective_loc(space, i)
        if i == 0 and name in DERIVED:
            raise SpecError(f"{space.doc.where(loc)}: search.objective: expected a training metric first "
                            f"(such as val_accuracy or val_loss; {name} can only come after it), received {name!r}")
        if name in names[:i]:
            raise SpecError(f"{space.doc.where(loc)}: search.objective: expected each objective once, "
                            f"received {name!r} twice")
    check_metrics(space, None)


def _objective_loc(space: LoadedSpace, i: int) -> tuple:
    """Where the ``i``-th objective's name sits (a plain name, or the ``name`` of a mapping)."""
    named = space.spec.search.objective
    loc = ("search", "objective") + ((i,) if isinstance(named, list) else ())
    item = named[i] if isinstance(named, list) else named
    return loc if isinstance(item, str) else loc + ("name",)


def check_metrics(space: LoadedSpace, task: str | None) -> None:
    """Raises SpecError when an objective or ``train.early_stopping.monitor`` names no metric the
    task's models report (with no task: no metric any task's models report), at its file:line.

    A misspelt ``val_acuracy`` would otherwise be found only after each trial had trained.
    """
    from automl.plugins.tasks import known_directions

    known = known_directions(task)
    scope = f"a {task} task" if task else "any task"
    listed = ", ".join(known)
    for i, name in enumerate(space.objectives):
        if name not in known:
            raise SpecError(f"{space.doc.where(_objective_loc(space, i))}: search.objective: expected a metric "
                            f"of {scope} ({listed}), received {name!r}")
    monitor = space.spec.train.early_stopping.monitor
    loc = ("train", "early_stopping", "monitor")
    if monitor != "objective" and monitor not in known:
        raise SpecError(f"{space.doc.where(loc)}: train.early_stopping.monitor: expected objective or a metric "
                        f"of {scope} ({listed}), received {monitor!r}")
    if monitor in DERIVED:
        raise SpecError(f"{space.doc.where(loc)}: train.early_stopping.monitor: expected objective or a metric "
                        f"logged each epoch, received {monitor!r} (measured once, after training)")


def _models(doc: Document, spec: SearchSpace) -> dict[str, FamilyModel]:
    families = values_of(spec.family)
    section = spec.model
    by_family = bool(section) and set(section) <= set(FAMILY_MODELS)
    if len(families) == 1 and not by_family:
        return {families[0]: validate(doc, FAMILY_MODELS[families[0]], section, ("model",))}
    if len(families) == 1:
        # A multi-family space pinned to one family keeps that family's sub-space only.
        fam = families[0]
        return {fam: validate(doc, FAMILY_MODELS[fam], section.get(fam) or {}, ("model", fam))}
    tasks = {fam: FAMILIES.get(fam).tasks for fam in families}
    if not set.intersection(*map(set, tasks.values())):  # no task every family serves: one stands apart
        apart = min(families, key=lambda fam: len(tasks[fam]))
        raise SpecError(f"{doc.where(('family',))}: family: expected {apart} alone (it serves "
                        f"{', '.join(tasks[apart])} only, not what the others serve), "
                        f"received a choice of {', '.join(families)}")
    for key in section:
        if key not in families:
            raise SpecError(f"{doc.where(('model', key), at_key=True)}: model.{key}: expected a sub-space "
                            f"for one of the families {', '.join(families)}, received {key!r}")
    return {fam: validate(doc, FAMILY_MODELS[fam], section.get(fam) or {}, ("model", fam))
            for fam in families}


def _check_initial_points(space: LoadedSpace) -> None:
    from automl.spec.flatten import flatten  # here to keep the import graph acyclic

    flats = {flat.name: flat for flat in flatten(space)}
    params = {name: flat.param for name, flat in flats.items()}
    for i, point in enumerate(space.spec.search.initial_points):
        if point.get("family", space.families[0]) not in space.models:
            continue  # a family pinned away
        for name, value in point.items():
            loc = ("search", "initial_points", i, name)
            if name in flats and space.overrides(flats[name].loc, loc[:3]):
                continue  # --set, or a space extending the point's file, wins over the point
            if name not in params:
                raise SpecError(f"{space.doc.where(loc, at_key=True)}: search.initial_points[{i}].{name}: "
                                f"expected a parameter of this space ({', '.join(params)}), received {name!r}")
            if not admits(params[name], value):
                raise SpecError(f"{space.doc.where(loc)}: search.initial_points[{i}].{name}: expected a value "
                                f"inside the space ({_describe(params[name])}), received {value!r}")


def _source(where: str) -> str:
    """The file (or ``--set ...``) of a ``file:line:col`` position."""
    return where.rsplit(":", 2)[0]


def _describe(param: Param) -> str:
    found = values_of(param)
    return f"one of {found}" if found is not None else f"between {param.lo} and {param.hi}"


def load_card(name_or_path: str) -> LoadedCard:
    """Loads and validates a dataset card, including its source's options."""
    path = find("card", name_or_path)
    doc = read_yaml(path)
    card = validate(doc, DatasetCard)
    options = validate(doc, SOURCES.get(card.source).options, card.options, ("options",))
    if reads_path(card.source):  # the data may be elsewhere today, but never a file the source cannot take
        wrong = data_path_problem(card.source, resolve(path, options.path), must_exist=False)
        if wrong:
            raise SpecError(f"{doc.where(('options', 'path'))}: options.path: {wrong}")
    if card.splits.validation + card.splits.test >= 1.0:
        raise SpecError(f"{doc.where(('splits',))}: splits: expected validation + test < 1, "
                        f"received {card.splits.validation} + {card.splits.test}")
    return LoadedCard(path, card, options)


def effective_task(space: LoadedSpace, task: str) -> str:
    """The task a search trains for: families that serve one task only (an autoencoder reconstructs) train for it,
    whatever the data's labels."""
    served = set.intersection(*(set(FAMILIES.get(fam).tasks) for fam in space.families))
    return served.pop() if len(served) == 1 and task not in served else task


def check_task(space: LoadedSpace, task: str) -> None:
    """Raises SpecError when a loss the space may pick, an objective or the early-stopping monitor
    does not fit the task."""
    allowed = TASK_LOSSES[effective_task(space, task)]
    for loss in values_of(space.spec.train.loss):
        if loss != "auto" and loss not in allowed:
            raise SpecError(f"{space.doc.where(('train', 'loss'))}: train.loss: expected auto or one of "
                            f"{', '.join(allowed)} for a {effective_task(space, task)} task, received {loss!r}")
    check_metrics(space, effective_task(space, task))


def card_for_path(path: str, target: str | None) -> LoadedCard:
    """A card made on the fly for ``--data PATH [--target COLUMN]``: the first source that claims the path
    (``SourcePlugin.guess``: CSV, Parquet, .npz, an image or a sound folder, graph files) reads it.

    Raises:
        SpecError: The path is missing, of an unknown kind, or a table without ``--target``.
    """
    given = Path(path).expanduser().resolve()
    plugin = next((p for p in SOURCES if p.guess and p.guess(given)), None)
    if plugin is None and not given.exists():
        raise SpecError(f"--data: expected an existing file or folder, received {path!r}")
    if plugin is None:
        kinds = ", ".join(dict.fromkeys(p.noun for p in SOURCES if p.guess))
        raise SpecError(f"--data: expected one of: {kinds}, received {path!r}")
    options = {"path": str(given)}
    field = plugin.options.model_fields.get("target")
    if field is not None:  # a source with a default label column (graph tables) needs no --target
        if not target and field.is_required():
            raise SpecError(f"--target: expected the column to predict in {path}, received nothing")
        if target:
            options["target"] = target
    card = DatasetCard(name=tidy(given.stem), source=plugin.name, options=options)
    return LoadedCard(Path("--data"), card, plugin.options.model_validate(options))


def check_against_card(space: LoadedSpace, card: DatasetCard) -> None:
    """Checks a space against the input kind and task a card declares (what it leaves out is not checked)."""
    if card.input:
        check_fits(space, card.input)
    if card.task:
        check_task(space, card.task)


def check_fits(space: LoadedSpace, input_kind: str) -> None:
    """Raises SpecError when a family of the space cannot take this input kind."""
    for family in space.families:
        allowed = family_inputs(family)
        if input_kind not in allowed:
            raise SpecError(f"{space.doc.where(('family',))}: family: expected families for {input_kind} input "
                            f"(family {family!r} takes {', '.join(allowed)}), received {family!r}")
    for family, model in space.models.items():  # what a family's own values narrow (a conv autoencoder)
        fits = FAMILIES.get(family).fits
        problem = fits(model, input_kind) if fits else None
        if problem:
            key, message = problem
            loc = ("model",) + ((family,) if space.prefixed else ()) + (key,)
            raise SpecError(f"{space.doc.where(loc)}: model.{key}: {message}")


def validate_file(path: str, dataset: str | None = None) -> str:
    """Validates one YAML file, telling a space from a card by its keys.

    Args:
        path: The file.
        dataset: A card name or path; a space is then also checked against the
            input kind and task the card declares.

    Returns:
        A one-line description of what was validated.
    """
    doc = read_yaml(Path(path))
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else repr(doc.data)
        raise SpecError(f"{doc.where(())}: top level: expected a mapping of keys (a search space or a dataset "
                        f"card), received {kind}")
    if "source" in doc.data:
        loaded = load_card(path)
        return f"{path}: ok (dataset card {loaded.card.name!r}, source {loaded.card.source})"
    if "family" in doc.data or "extends" in doc.data:
        space = load_space(path)
        if dataset:
            check_against_card(space, load_card(dataset).card)
        return f"{path}: ok (search space {space.name!r}, families {', '.join(space.families)})"
    raise SpecError(f"{path}:1:1: expected a search space (with a 'family' key) or a dataset card "
                    f"(with a 'source' key), received neither")
