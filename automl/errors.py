"""The toolkit's error hierarchy.

Every error a user can cause is an `AutoMLError`; the CLI prints its message on
one line and exits with code 2. This module imports nothing so any layer may
raise these errors.
"""


class AutoMLError(Exception):
    """Base class for errors caused by user input or by a failed search."""


class SpecError(AutoMLError):
    """A search space or dataset card is invalid."""


class DataError(AutoMLError):
    """A dataset cannot be loaded or does not fit the task."""


class SearchError(AutoMLError):
    """A search cannot go on (for example, too many consecutive failures)."""


class TrialFailedError(AutoMLError):
    """A single trial failed; the search records it and goes on."""


class ExportError(AutoMLError):
    """A model cannot be exported."""


class TrackingError(AutoMLError):
    """The tracking store cannot be reached or written."""


def first_line(err: BaseException, typed: bool = False) -> str:
    """An exception's first non-empty line, for a one-line message.

    A long line keeps its start and its end, where the cause usually is
    (``... File too large``).

    Args:
        err: The exception.
        typed: Start with the exception's type (``ValueError: ...``), for failures of code
            rather than of input, where the type says as much as the message.
    """
    text = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    line = text[0] if text else type(err).__name__
    if typed and text:
        line = f"{type(err).__name__}: {line}"
    return line if len(line) <= 240 else f"{line[:100]} ... {line[-130:]}"
