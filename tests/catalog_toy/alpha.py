from tests.test_catalog import ToyPlugin

PLUGIN = ToyPlugin(name="alpha", summary="first by order", order=1, impl="json:dumps")
