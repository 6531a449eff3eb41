"""Tracking: the Tracker interface, MLflow behind it, and a NullTracker for tests."""

from automl.tracking.base import DatasetRecord, NullTracker, Tracker, TrialRecord
from automl.tracking.mlflow_tracker import DEFAULT_URI, MlflowTracker

__all__ = ["DEFAULT_URI", "DatasetRecord", "MlflowTracker", "NullTracker", "Tracker", "TrialRecord"]
