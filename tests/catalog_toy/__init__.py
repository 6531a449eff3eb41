"""A package of toy plug-ins for tests/test_catalog.py."""
