from tests.test_catalog import ToyPlugin

PLUGIN = ToyPlugin(name="beta", summary="second by order", order=2)
