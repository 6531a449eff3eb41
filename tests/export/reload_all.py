"""Run in a fresh process by the formats contract suite: runs every artifact of some exports.

    python reload_all.py JOBS.pkl OUTPUTS.pkl

JOBS is a dict: name -> (export folder, inputs, format names). Writes a dict: name -> {format
name -> the main output its plug-in's runner gives (probabilities, probability, prediction or
reconstruction), "outputs" -> the SavedModel's output names}.
"""

import pickle
import sys
from pathlib import Path

from automl.export import runners
from automl.plugins.formats import FORMATS

_loaded = runners.saved_model_outputs
_outputs: dict[str, dict] = {}


def saved_model_outputs(path: Path, x) -> dict:
    """Each SavedModel loaded and served once: the outputs its runner took the main one from are the ones
    whose names are checked (`runners.run_saved_model` calls this through the module)."""
    if str(path) not in _outputs:
        _outputs[str(path)] = _loaded(path, x)
    return _outputs[str(path)]


runners.saved_model_outputs = saved_model_outputs


def reload(folder: Path, x, formats) -> dict:
    results = {name: FORMATS.get(name).runner()(folder / FORMATS.get(name).artifact, x) for name in formats}
    results["outputs"] = sorted(saved_model_outputs(folder / "saved_model", x))
    return results


if __name__ == "__main__":
    jobs = pickle.load(open(sys.argv[1], "rb"))
    pickle.dump({name: reload(Path(folder), x, formats) for name, (folder, x, formats) in jobs.items()},
                open(sys.argv[2], "wb"))
