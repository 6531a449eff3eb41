"""A space as a flat list of named parameters, each with the conditions under which it exists.

Names are what users see in MLflow and in initial points: ``units`` in a
single-family space, ``cnn.filters`` in a multi-family one, ``units_2`` for
the second layer of a per-layer value. Conditions map onto KerasTuner's
conditional scopes: a parameter exists only when each parent has one of the
listed values. A condition on a fixed parent is decided here: the parameter is
kept unconditionally or dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from automl.spec.files import LoadedSpace
from automl.spec.params import Fixed, Param, PerLayer, values_of
from automl.spec.schema import Train, model_params

Condition = tuple[str, tuple]


@dataclass(frozen=True)
class Flat:
    """One named parameter and the (parent, values) conditions for it to exist."""

    name: str
    param: Param
    conditions: tuple[Condition, ...] = ()
    loc: tuple = ()  # where the value sits in the file, for errors and for telling --set pins apart


TRAIN_KEYS = tuple(k for k in Train.model_fields if k not in ("epochs", "early_stopping"))


def flatten(space: LoadedSpace) -> list[Flat]:
    """Every parameter of the space, family first, then the model's, then training's."""
    flats = [Flat("family", space.spec.family, loc=("family",))]
    multi = len(space.families) > 1
    for family, model in space.models.items():
        prefix = f"{family}." if space.prefixed else ""
        base = (("family", (family,)),) if multi else ()
        section = ("model", family) if space.prefixed else ("model",)
        flats += _model_flats(model, prefix, base, section)
    flats += [Flat(f"augment.{k}", p, loc=("augment", k)) for k, p in model_params(space.spec.augment).items()]
    flats += _conditional(flats, {k: getattr(space.spec.train, k) for k in TRAIN_KEYS}, Train.when, "", ("train",))
    return flats


def _model_flats(model, prefix: str, base: tuple[Condition, ...], section: tuple) -> list[Flat]:
    params = model_params(model)
    depth_name, depth = prefix + model.depth, params.get(model.depth)
    flats: list[Flat] = []
    when = type(model).when
    for key, param in params.items():
        if key in when:
            continue  # after the keys they depend on
        if not isinstance(param, PerLayer):
            flats.append(Flat(prefix + key, param, base, section + (key,)))
            continue
        depths = values_of(depth)
        for i in range(1, max(depths) + 1):
            needed = tuple(d for d in depths if d >= i)
            extra = () if len(needed) == len(depths) else ((depth_name, needed),)
            flats.append(Flat(f"{prefix}{key}_{i}", param.inner, base + extra, section + (key,)))
    own = _conditional(flats, {k: p for k, p in params.items() if k in when}, when, prefix, section)
    return flats + own


def _conditional(known: list[Flat], params: dict[str, Param], when: dict, prefix: str,
                 section: tuple) -> list[Flat]:
    """The parameters that exist only when another has some values (``when``: key -> (parent, values))."""
    out: list[Flat] = []
    by_name = {f.name: f for f in known}
    for key, param in params.items():
        loc = section + (key,)
        if key not in when:
            out.append(Flat(prefix + key, param, loc=loc))
            by_name[prefix + key] = out[-1]
            continue
        parent_key, wanted = when[key]
        parent = by_name[prefix + parent_key]
        possible = [v for v in values_of(parent.param) if v in wanted]
        if not possible:
            continue  # the parent can never take a value that needs this key
        if isinstance(parent.param, Fixed):
            out.append(Flat(prefix + key, param, parent.conditions, loc))
        else:
            out.append(Flat(prefix + key, param, parent.conditions + ((parent.name, tuple(possible)),), loc))
    return out


def searched(flats: list[Flat]) -> list[str]:
    """Names of the parameters that are actually searched (not fixed)."""
    return [f.name for f in flats if not isinstance(f.param, Fixed)]
