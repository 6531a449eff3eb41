"""Plug-ins, one package per extension point; each module in them defines ``PLUGIN`` (see `automl.catalog`)."""
