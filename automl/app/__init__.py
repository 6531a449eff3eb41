"""The application layer: one module per use case, called by the CLI (and by benchmarks and tests).

- `automl.app.search`: load the inputs, run (or resume) a search, export and log its best model.
- `automl.app.export`: write a finished search's best model (or a trial's) again, in more formats.
- `automl.app.predict`: vet an export and run it on a file of raw inputs.
- `automl.app.results`: what a search shows: its summary, leaderboard and Pareto tables.
- `automl.app.state`: a search's folder, lock and the settings a resume needs.

Nothing below this layer imports it.
"""
