"""The schema of search spaces and dataset cards (pydantic models).

This module is the truth about what a YAML file may say; `search_spaces/README.md`
documents it for users. It never imports TensorFlow or Keras.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from automl.spec.params import Bool, Domain, Fixed, Param, parse_param

ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "selu", "swish")
OPTIMIZERS = ("sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "nadam")
CONTROLLERS = ("random", "grid", "bayesian", "hyperband")
TASKS = ("multiclass", "binary", "regression")
INPUT_KINDS = ("tabular", "image")
SKLEARN_DATASETS = ("digits", "iris", "wine", "breast_cancer", "diabetes")


def P(kind: type, **bounds: Any) -> Any:  # noqa: N802 - reads as a type in field declarations
    """Field type for a searchable value whose single values lie in a domain."""
    return Annotated[Any, AfterValidator(partial(parse_param, domain=Domain(kind, **bounds)))]


class Strict(BaseModel):
    """A section of a YAML file: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class MlpModel(Strict):
    """Feed-forward network: dense layers, optionally after flattening an image."""

    layers: P(int, ge=1, le=16) = Fixed(2)
    units: P(int, ge=1, le=8192) = Fixed(128)
    activation: P(str, allowed=ACTIVATIONS) = Fixed("relu")
    dropout: P(float, ge=0.0, le=0.95) = Fixed(0.0)
    batchnorm: P(bool) = Bool(False)


class CnnModel(Strict):
    """Convolutional network: conv blocks (filters double per block), then a dense head."""

    blocks: P(int, ge=1, le=8) = Fixed(2)
    filters: P(int, ge=1, le=1024) = Fixed(32)
    kernel_size: P(int, ge=1, le=11) = Fixed(3)
    activation: P(str, allowed=ACTIVATIONS) = Fixed("relu")
    batchnorm: P(bool) = Bool(False)
    pooling: P(str, allowed=("max", "avg")) = Fixed("max")
    dropout: P(float, ge=0.0, le=0.95) = Fixed(0.0)
    head: P(str, allowed=("global_avg", "flatten")) = Fixed("flatten")
    dense_units: P(int, ge=0, le=8192) = Fixed(64)


# Family name -> schema of its `model` section. A new family adds one entry here
# and one builder module registered under the same name in `automl.builders`.
FAMILY_MODELS: dict[str, type[Strict]] = {"mlp": MlpModel, "cnn": CnnModel}
FAMILY_INPUTS: dict[str, tuple[str, ...]] = {"mlp": ("tabular", "image"), "cnn": ("image",)}


class EarlyStopping(Strict):
    """Stop a trial when a validation metric stops improving; keep its best epoch.

    ``monitor: objective`` watches the search objective itself; the default,
    ``val_loss``, is smoother on small validation splits, and the trial's
    objective is then read at the epoch of the lowest validation loss.
    """

    monitor: str = "val_loss"
    patience: int = Field(5, ge=0)
    min_delta: float = Field(0.0, ge=0.0)


class Train(Strict):
    """How each candidate is trained."""

    optimizer: P(str, allowed=OPTIMIZERS) = Fixed("adam")
    learning_rate: P(float, gt=0.0, le=10.0) = Fixed(1e-3)
    batch_size: P(int, ge=1, le=65536) = Fixed(32)
    epochs: int = Field(20, ge=1)
    early_stopping: EarlyStopping = EarlyStopping()


class Search(Strict):
    """How the search runs; every field can be overridden from the CLI."""

    controller: Literal[CONTROLLERS] = "random"
    objective: str | None = None
    max_trials: int = Field(10, ge=1)
    seed: int = Field(0, ge=0)
    max_consecutive_failures: int = Field(3, ge=1)


class SearchSpace(Strict):
    """A search space file: what models to try and how to train them."""

    name: str | None = None
    description: str = ""
    family: Literal[tuple(FAMILY_MODELS)]
    model: dict[str, Any] = {}
    train: Train = Train()
    search: Search = Search()


class Splits(Strict):
    """How the data is split; fractions are of the whole dataset."""

    validation: float = Field(0.15, gt=0.0, lt=1.0)
    test: float = Field(0.15, gt=0.0, lt=1.0)
    stratify: bool = True
    seed: int = Field(0, ge=0)


class SklearnOptions(Strict):
    """Options of the scikit-learn bundled-data source."""

    dataset: Literal[SKLEARN_DATASETS]


# Source name -> schema of its `options` section.
SOURCE_OPTIONS: dict[str, type[Strict]] = {"sklearn": SklearnOptions}


class DatasetCard(Strict):
    """A dataset card: where the data comes from and what to learn from it."""

    name: str
    description: str = ""
    source: Literal[tuple(SOURCE_OPTIONS)]
    options: dict[str, Any] = {}
    task: Literal[TASKS] | None = None
    input: Literal[INPUT_KINDS] | None = None
    splits: Splits = Splits()


def model_params(model: Strict) -> dict[str, Param]:
    """Returns the searchable values of a parsed section by name."""
    return {name: getattr(model, name) for name in type(model).model_fields}
