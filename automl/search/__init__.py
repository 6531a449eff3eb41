"""Search: the controller (a KerasTuner Tuner), the oracles (built by catalog name), progress output."""

from automl.search.controller import SearchController
from automl.search.oracles import OracleSettings, make_oracle
from automl.search.progress import Progress

__all__ = ["OracleSettings", "Progress", "SearchController", "make_oracle"]
