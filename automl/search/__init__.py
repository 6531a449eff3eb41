"""Search: the controller (a KerasTuner Tuner), the oracles by name, progress output."""

from automl.search.controller import SearchController
from automl.search.oracles import ORACLES, OracleSettings, make_oracle
from automl.search.progress import Progress

__all__ = ["ORACLES", "OracleSettings", "Progress", "SearchController", "make_oracle"]
