"""Optional extras: which features need a package that a plain install leaves out.

Checked before TensorFlow loads, so a missing package costs the user one line,
not a traceback halfway through a search.
"""

from __future__ import annotations

import importlib.util

from automl.errors import SpecError


def require_controller(name: str) -> None:
    """Fails in one line when controller ``name`` needs a package that is not installed.

    Raises:
        SpecError: The package is missing.
    """
    from automl.plugins.controllers import CONTROLLERS

    module, extra = (CONTROLLERS.get(name).extra if name in CONTROLLERS else None) or (None, None)
    if module and importlib.util.find_spec(module) is None:
        raise SpecError(f"--controller {name}: expected the {module!r} package (the {extra!r} extra), "
                        f"received an environment without it; install it with: "
                        f"pip install 'keras-automl[{extra}]'")
