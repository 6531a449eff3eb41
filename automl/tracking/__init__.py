"""Tracking: the Tracker interface, MLflow behind it, and a NullTracker for tests."""

from automl.tracking.base import DatasetRecord, NullTracker, Tracker, TrialRecord
from automl.tracking.mlflow_tracker import MlflowTracker
from automl.tracking.uri import DEFAULT_URI

__all__ = ["DEFAULT_URI", "DatasetRecord", "MlflowTracker", "NullTracker", "Tracker", "TrialRecord"]
