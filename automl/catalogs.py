"""Every catalog of the toolkit, for code that reads them all (docs, tests, ``automl plugins``).

Each catalog lives beside its plug-ins, in ``automl/plugins/<kind>/__init__.py``;
add a line here when a new extension point appears, not when a plug-in does.
"""

from __future__ import annotations

from automl.catalog import Catalog

ALL: list[Catalog] = []

from automl.plugins.tasks import TASKS  # noqa: E402

ALL.append(TASKS)

from automl.plugins.families import FAMILIES  # noqa: E402
from automl.plugins.inputs import INPUT_KINDS  # noqa: E402

ALL += [FAMILIES, INPUT_KINDS]

from automl.plugins.sources import SOURCES  # noqa: E402

ALL.append(SOURCES)

from automl.plugins.formats import FORMATS  # noqa: E402

ALL.append(FORMATS)

from automl.plugins.controllers import CONTROLLERS  # noqa: E402

ALL.append(CONTROLLERS)
