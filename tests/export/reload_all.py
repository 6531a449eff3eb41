"""Run in a fresh process by the formats contract suite: runs every artifact of some exports.

    python reload_all.py JOBS.pkl OUTPUTS.pkl

JOBS is a dict: name -> (export folder, inputs, format names). Writes a dict: name -> {format
name -> the main output its plug-in's runner gives (probabilities, probability, prediction or
reconstruction), "outputs" -> the SavedModel's output names}.
"""

import pickle
import sys
from pathlib import Path

from automl.export.runners import saved_model_outputs
from automl.plugins.formats import FORMATS


def reload(folder: Path, x, formats) -> dict:
    results = {name: FORMATS.get(name).runner()(folder / FORMATS.get(name).artifact, x) for name in formats}
    results["outputs"] = sorted(saved_model_outputs(folder / "saved_model", x))
    return results


if __name__ == "__main__":
    jobs = pickle.load(open(sys.argv[1], "rb"))
    pickle.dump({name: reload(Path(folder), x, formats) for name, (folder, x, formats) in jobs.items()},
                open(sys.argv[2], "wb"))
