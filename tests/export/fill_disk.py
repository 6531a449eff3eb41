"""Run in a fresh process by the export tests: one export, then a second one on a "full disk".

    python fill_disk.py ROOT LIMIT_BYTES

The second export runs with RLIMIT_FSIZE at LIMIT_BYTES (and SIGXFSZ ignored), so
every write past the limit fails with EFBIG as it would on a full disk, even for
root. Prints the first export's folder, then the error the second one raised.
"""

import resource
import signal
import sys
from pathlib import Path

import numpy as np

from automl.builders import build_model
from automl.errors import AutoMLError
from automl.export import export_model
from tests.builders.conftest import make_batch, make_spec
from tests.builders.test_families import defaults

root, limit = Path(sys.argv[1]), int(sys.argv[2])
spec = make_spec("image", "multiclass")
model = build_model(defaults("cnn", filters=16, dense_units=64), spec, epochs=1)
x, _ = make_batch(spec)
first = export_model(model, root, "exp", {}, task="multiclass", class_names=["a", "b", "c"])
np.save(root / "x.npy", x)
np.save(root / "expected.npy", np.asarray(model(x)))
print(first, flush=True)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
try:
    export_model(model, root, "exp", {}, task="multiclass", class_names=["a", "b", "c"],
                 formats=("saved_model", "keras", "tflite"))
except AutoMLError as err:
    print(f"error: {err}", flush=True)
    sys.exit(2)
print("exported anyway", flush=True)
