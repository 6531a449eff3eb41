"""A module without PLUGIN: shared code in a plug-in package is allowed."""
