"""The `automl` command: search, validate, export, predict, generate, ui, leaderboard.

A user's mistake is one line and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Sequence

from automl.errors import AutoMLError
from automl.spec.schema import CONTROLLERS
from automl.tracking.uri import DEFAULT_URI, chosen


class UsageError(Exception):
    """A bad command line (argparse's complaint, made one line)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage and exit itself
        raise UsageError(message)


def _int_at_least(lowest: int, words: str):
    """An argparse type: an integer >= ``lowest``, described as ``words`` in errors."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lowest - 1
        if value < lowest:
            raise argparse.ArgumentTypeError(f"expected {words}, received {text!r}")
        return value
    return parse


_positive = _int_at_least(1, "a positive integer")
_non_negative = _int_at_least(0, "an integer >= 0")


def _duration(text: str) -> float:
    """Seconds in ``90``, ``90s``, ``15m``, ``2h`` or ``1h30m``."""
    import re

    match = re.fullmatch(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?", text.strip())
    hours, minutes, seconds = (float(g) if g else 0.0 for g in (match.groups() if match else (None,) * 3))
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise argparse.ArgumentTypeError(f"expected a duration such as 90s, 15m or 1h30m, received {text!r}")
    return total


def _formats(text: str) -> tuple[str, ...]:
    """Names in the formats catalog (`automl.plugins.formats`), comma-separated."""
    from automl.plugins.formats import FORMATS

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    known = FORMATS.names()
    for name in names or ("",):
        if name not in known:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(known)}, "
                                             f"received {name!r}")
    return names


def _experiment(text: str) -> str:
    """An experiment name: it names folders, so it must not be a path (`automl.spec.names`)."""
    from automl.spec.names import problem

    wrong = problem(text)
    if wrong:
        raise argparse.ArgumentTypeError(wrong)
    return text


def _amount(lowest: float):
    """An argparse type: a number of CPUs or GPUs (fractions allowed) of at least ``lowest``."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not value >= lowest or value == float("inf"):
            bound = "a number > 0" if lowest > 0 else "a number >= 0"
            raise argparse.ArgumentTypeError(f"expected {bound} (fractions allowed), received {text!r}")
        return value
    return parse


def _address(text: str) -> str:
    """A Ray cluster's address: ``HOST:PORT``, or ``auto`` (the cluster started on this machine)."""
    host, _, port = text.rpartition(":")
    if text == "auto" or (host and port.isdigit() and 0 < int(port) < 65536):
        return text
    raise argparse.ArgumentTypeError(f"expected a Ray cluster address HOST:PORT (as `ray start --head` prints) "
                                     f"or auto, received {text!r}")


def _port(text: str) -> int:
    value = _int_at_least(1, "a port number from 1 to 65535")(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, received {text!r}")
    return value


SEARCH_EXAMPLES = """examples:
  automl search --dataset iris                        a bundled dataset; the space for its kind (auto)
  automl search --data table.csv --target y           your own table
  automl search --data photos/                        a folder of images, one subfolder per class
  automl search --dataset digits --space cnn --time-budget 15m
  automl search --dataset digits --space cnn          again: resumes (or re-exports) the same search
"""


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    from automl.plugins.formats import FORMATS, default_formats

    parser = _Parser(prog="automl", description="Keras AutoML: search, track in MLflow, export.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    search = sub.add_parser("search", help="run (or resume) a search and export the best model",
                            formatter_class=argparse.RawDescriptionHelpFormatter, epilog=SEARCH_EXAMPLES)
    source = search.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", help="dataset card name (datasets/NAME.yaml) or path")
    source.add_argument("--data", help="a CSV, Parquet or .npz file, or an image folder, without a card")
    search.add_argument("--target", help="with --data on a table: the column to predict (graph files: default label)")
    search.add_argument("--space", default="auto",
                        help="search space name (search_spaces/NAME.yaml), path, or auto (default: auto, the "
                             "auto_<kind> space for the data's input kind)")
    search.add_argument("--controller", choices=CONTROLLERS, help="search algorithm (default: the space's)")
    search.add_argument("--max-trials", type=_positive, help="trials in all, resumed ones included")
    search.add_argument("--epochs", type=_positive, help="maximum epochs per trial")
    search.add_argument("--seed", type=_non_negative, help="seed of the controller and of training")
    search.add_argument("--max-consecutive-failures", type=_positive,
                        help="stop after this many failed trials in a row")
    search.add_argument("--time-budget", type=_duration, metavar="DURATION",
                        help="no trial starts after this long (e.g. 90s, 15m, 1h30m); a running one stops "
                             "at its next epoch boundary")
    search.add_argument("--max-params", type=_positive, metavar="N",
                        help="reject candidates with more parameters before training (default: the space's)")
    search.add_argument("--experiment", type=_experiment,
                        help="MLflow experiment and search name: letters, digits, '.', '_', '-' "
                             "(default: DATASET-SPACE)")
    search.add_argument("--tracking-uri", help=f"MLflow tracking URI (default: $MLFLOW_TRACKING_URI or {DEFAULT_URI})")
    search.add_argument("--export-dir", default="exports", help="where the best model goes (default: exports)")
    search.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto",
                        help="auto uses a GPU when TensorFlow sees one")
    search.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE", dest="settings",
                        help="pin a value of the space, e.g. --set model.filters=32 (repeatable)")
    search.add_argument("--fresh", action="store_true", help="start over instead of resuming")
    search.add_argument("--no-tracking", action="store_true", help="do not log to MLflow")
    search.add_argument("--register", metavar="NAME", help="register the best model in MLflow's model registry")
    search.add_argument("--format", default=",".join(default_formats()), type=_formats,
                        help=f"what the best model is exported as, comma-separated: {', '.join(FORMATS.names())} "
                             f"(default: {','.join(default_formats())}; the SavedModel is always written)")
    scale = search.add_argument_group("scaling out (Ray; the 'distributed' extra)")
    scale.add_argument("--workers", type=_positive, default=1, metavar="N",
                       help="trials at once, each in a Ray worker process (default: 1, in this process)")
    scale.add_argument("--address", type=_address, metavar="HOST:PORT",
                       help="join this Ray cluster (default: $RAY_ADDRESS; else a local runtime with --workers)")
    scale.add_argument("--cpus-per-trial", type=_amount(0.01), default=1.0, metavar="N",
                       help="CPUs per trial, and its TensorFlow thread pools (default: 1)")
    scale.add_argument("--gpus-per-trial", type=_amount(0.0), metavar="N",
                       help="GPUs per trial (default: 1 where Ray sees GPUs, else 0)")
    scale.add_argument("--mixed-precision", action="store_true",
                       help="train with float16 compute and float32 weights (for GPUs)")
    ui = sub.add_parser("ui", help="start the MLflow UI on this project's store (127.0.0.1)")
    ui.add_argument("--port", type=_port, default=5000, help="port to serve on (default: 5000)")
    ui.add_argument("--tracking-uri", help=f"store to show (default: $MLFLOW_TRACKING_URI or {DEFAULT_URI})")
    export = sub.add_parser("export", help="export a search's best model (or a trial's) in more formats")
    which = export.add_mutually_exclusive_group()
    which.add_argument("--experiment", type=_experiment, help="the search to export from (default: the latest)")
    which.add_argument("--run-id", help="an MLflow run id: a search's parent run, or one trial's run")
    export.add_argument("--format", default=",".join(default_formats()), type=_formats,
                        help=f"comma-separated: {', '.join(FORMATS.names())} (default: {','.join(default_formats())}; "
                             "the SavedModel is always written)")
    export.add_argument("--out", default="exports", help="exports folder (default: exports)")
    export.add_argument("--retrain", action="store_true",
                        help="retrain on train + validation for the best epoch count before export")
    export.add_argument("--tracking-uri", help=f"store --run-id is in (default: $MLFLOW_TRACKING_URI or {DEFAULT_URI})")
    export.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    predict = sub.add_parser("predict", help="run an exported model on new raw inputs; write predictions as CSV")
    predict.add_argument("--model", required=True, help="an export folder, a SavedModel folder or a .keras file")
    predict.add_argument("--input", required=True,
                         help="a CSV or Parquet file, an image folder, or a .npz file; for a graph model, a .npz "
                              "of graphs, a folder of graph files, or a node table")
    predict.add_argument("--edges", metavar="PATH",
                         help="a graph model on a node table: its edge table (default: edges.csv or edges.parquet "
                              "beside it, or its name with 'nodes' replaced by 'edges')")
    predict.add_argument("--output", default="predictions.csv", help="CSV to write (default: predictions.csv)")
    predict.add_argument("--trust-model", action="store_true",
                         help="load a model predict would refuse: a SavedModel that runs ops beyond pure "
                              "computation (file I/O, Python calls) or that no model card of ours vouches for, "
                              "or a .keras file carrying Python code (a Lambda layer)")
    generate = sub.add_parser("generate", help="draw images from an exported generator (a gan or diffusion search)")
    generate.add_argument("--model", required=True, help="an export folder, a SavedModel folder or a .keras file")
    generate.add_argument("--n", type=_positive, default=64, help="images to draw (default: 64)")
    generate.add_argument("--out", default="samples.png",
                          help="a .png file (one grid), a .npy file (the raw values) or a folder (one PNG per "
                               "image) (default: samples.png)")
    generate.add_argument("--seed", type=int, default=0, help="the noise's seed: the same seed, the same images")
    generate.add_argument("--label", type=int,
                          help="class id of every image, for a class-conditional model (default: the classes in "
                               "turn, a column each)")
    generate.add_argument("--trust-model", action="store_true",
                          help="load a model generate would refuse (as for predict)")
    board = sub.add_parser("leaderboard", help="the trials of a search from MLflow, best first")
    board.add_argument("--experiment", help="experiment name (default: the latest search's)")
    board.add_argument("--top", type=_positive, default=10, help="rows to print (default: 10)")
    board.add_argument("--csv", metavar="FILE", help="also write every trial and hyperparameter to FILE")
    board.add_argument("--pareto", action="store_true",
                       help="a multi-objective search: only the trials on the Pareto front")
    board.add_argument("--tracking-uri", help=f"store to read (default: $MLFLOW_TRACKING_URI or {DEFAULT_URI})")
    report = sub.add_parser("report", help="write a search's report: an HTML page and PNG charts (no network)")
    chosen_search = report.add_mutually_exclusive_group()
    chosen_search.add_argument("--experiment", type=_experiment, help="the search to report on (default: the latest)")
    chosen_search.add_argument("--run-id", help="an MLflow run id: a search's parent run, or one of its trial runs")
    report.add_argument("--out", help="folder to write into (default: reports/EXPERIMENT)")
    report.add_argument("--tracking-uri", help=f"store to read (default: $MLFLOW_TRACKING_URI or {DEFAULT_URI})")
    validate = sub.add_parser("validate", help="check search spaces and dataset cards (no TensorFlow)")
    validate.add_argument("files", nargs="+", help="YAML files to check")
    validate.add_argument("--dataset", help="also check that each space fits this dataset card's input and task")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except AutoMLError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130


def cmd_validate(args: argparse.Namespace) -> int:
    """Validates each file; reports all of them, fails if any is bad."""
    from automl.spec import validate_file

    bad = 0
    for path in args.files:
        try:
            print(validate_file(path, args.dataset))
        except AutoMLError as err:
            print(f"error: {err}", file=sys.stderr)
            bad += 1
    return 2 if bad else 0


def cmd_search(args: argparse.Namespace) -> int:
    """Runs a search and prints the leaderboard, test score and where things went."""
    from automl.app.search import SearchOptions, load_inputs, run_search, start_workers

    opts = SearchOptions(
        dataset=args.dataset, space=args.space, controller=args.controller, max_trials=args.max_trials,
        epochs=args.epochs, seed=args.seed, max_consecutive_failures=args.max_consecutive_failures,
        time_budget=args.time_budget, max_params=args.max_params,
        experiment=args.experiment, tracking_uri=args.tracking_uri, export_dir=args.export_dir,
        device=args.device, fresh=args.fresh, tracking=not args.no_tracking, settings=tuple(args.settings),
        data=args.data, target=args.target, register=args.register, workers=args.workers, address=args.address,
        cpus_per_trial=args.cpus_per_trial, gpus_per_trial=args.gpus_per_trial,
        mixed_precision=args.mixed_precision, formats=args.format)
    if args.register and args.no_tracking:
        raise UsageError("--register: needs MLflow tracking, but --no-tracking was given")
    inputs = load_inputs(opts)  # bad names, files and data fail here, before TensorFlow loads
    import contextlib

    # With --workers: Ray's workers import TensorFlow while this process does; stopped whatever happens.
    with start_workers(opts) or contextlib.nullcontext() as runtime:
        _quiet_tensorflow(args.device)
        from automl.app.results import print_summary

        print_summary(run_search(opts, inputs=inputs, runtime=runtime))
    return 0


def _quiet_tensorflow(device: str) -> None:
    """Imports TensorFlow with its C++ start-up chatter (oneDNN, CUDA probes) silenced.

    Those lines come from the native library before any Python logging is set
    up, so the only way to keep them out of the progress output is to point
    file descriptor 2 elsewhere while the import runs.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _store(args: argparse.Namespace) -> str:
    return chosen(args.tracking_uri)


def cmd_ui(args: argparse.Namespace) -> int:
    """Serves the MLflow UI on the store until Ctrl-C (a server URI is only printed)."""
    from pathlib import Path

    from automl.errors import TrackingError
    from automl.tracking.server import start_server, stop, wait_ready

    uri = _store(args)
    if uri.startswith(("http://", "https://")):
        print(f"MLflow UI: {uri} (served by that tracking server)")
        return 0
    if uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).exists():
        raise TrackingError(f"--tracking-uri: no MLflow store at {uri.removeprefix('sqlite:///')!r}; "
                            f"run `automl search` first")
    address = f"http://127.0.0.1:{args.port}"
    _interrupt_on(signal.SIGINT, signal.SIGTERM)
    server = start_server(uri, "127.0.0.1", args.port, Path("mlruns") / "artifacts")
    print(f"starting the MLflow UI on {uri} ...", file=sys.stderr)
    try:
        wait_ready(server, address)
        print(f"MLflow UI: {address} (Ctrl-C stops it)", flush=True)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(server)
    return 0


def _interrupt_on(*signals: int) -> None:
    """Makes each signal raise KeyboardInterrupt, so the server this process started goes with it.

    A shell starting a command in the background without job control starts it with
    SIGINT ignored, and Python then never raises KeyboardInterrupt; SIGTERM would end
    the process without stopping its server.
    """
    for sig in signals:
        signal.signal(sig, signal.default_int_handler)


def cmd_export(args: argparse.Namespace) -> int:
    """Exports a finished search's best (or chosen) trial."""
    from automl.app.export import ExportOptions, export_best, plan_export

    opts = ExportOptions(experiment=args.experiment, run_id=args.run_id, formats=args.format, out=args.out,
                         retrain=args.retrain, tracking_uri=_store(args), device=args.device)
    plan = plan_export(opts)  # wrong names fail here, before TensorFlow loads
    _quiet_tensorflow(args.device)
    result = export_best(opts, plan=plan)
    tests = ", ".join(f"{k}={v:.4f}" for k, v in result.test_metrics.items())
    print(f"exported trial {result.trial_id} of {result.experiment!r}"
          + (f" (retrained {result.retrained_epochs} epochs on train + validation)" if result.retrained_epochs
             else "") + f" to {result.path}")
    print(f"files: {', '.join(result.files)}")
    print(f"held-out test split: {tests}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    """Writes the model's predictions for every input row or image (or graph, or node)."""
    from automl.app.predict import check_paths, predict_file

    check_paths(args.model, args.input, args.edges)  # before TensorFlow loads
    _quiet_tensorflow("auto")
    path, rows = predict_file(args.model, args.input, args.output, trust=args.trust_model, edges=args.edges)
    print(f"wrote {rows} predictions to {path}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    """Writes images drawn from an exported generator: a PNG grid, PNG files or a .npy array."""
    from automl.app.generate import check_request, generate_images

    check_request(args.model, args.n, args.out)  # before TensorFlow loads
    _quiet_tensorflow("auto")
    path, count = generate_images(args.model, args.n, args.out, seed=args.seed, label=args.label,
                                  trust=args.trust_model)
    print(f"wrote {count} images to {path}")
    return 0


def cmd_leaderboard(args: argparse.Namespace) -> int:
    """Prints a search's trials from MLflow; ``--csv`` writes all of them, every column."""
    from automl.data.tables import write_csv
    from automl.app.results import trials_table
    from automl.tracking.query import trial_table

    table = trial_table(_store(args), args.experiment)
    if args.csv:
        write_csv(table.frame, args.csv, "--csv")
    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 160, soft_wrap=True)
    console.print(trials_table(table, args.top, args.pareto))
    if args.csv:
        print(f"wrote {len(table.frame)} trials to {args.csv}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Writes a search's report from the store: charts, leaderboard, failures and outcome on one page."""
    from automl.app.report import ReportOptions, report_from_store

    page = report_from_store(ReportOptions(args.experiment, args.run_id, args.out, _store(args)))
    print(f"report: {page}")
    return 0


COMMANDS = {"search": cmd_search, "validate": cmd_validate, "ui": cmd_ui, "leaderboard": cmd_leaderboard,
            "export": cmd_export, "predict": cmd_predict, "generate": cmd_generate, "report": cmd_report}


if __name__ == "__main__":
    sys.exit(main())
