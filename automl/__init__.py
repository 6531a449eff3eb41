"""Keras AutoML and architecture-search toolkit."""

__version__ = "0.1.0"
