"""Tracking: the Tracker interface, MLflow behind it, and a NullTracker for tests."""

from automl.tracking.base import NullTracker, Tracker, TrialRecord
from automl.tracking.mlflow_tracker import DEFAULT_URI, MlflowTracker

__all__ = ["DEFAULT_URI", "MlflowTracker", "NullTracker", "Tracker", "TrialRecord"]
