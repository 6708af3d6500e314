"""What the CLI says while it works, on stderr: progress, notes, and how much of it (--quiet, --verbose).

Long work calls ``progress(i, n, label)`` (i of n done, working on label). On a terminal that is a tqdm
bar with rate and ETA; when stderr is a file or a pipe (CI, `2> log`), a `progress:` line per finished
piece (for loops of more than FINE_GRAINED pieces at most one per LINE_EVERY_S seconds, and always the last).
The library's records on the "genphys" logger (a request reduced, a header read as names) are `note:` lines,
DEBUG records (each symbolic stage's time) `debug:` lines.
--quiet: errors only; --verbose: DEBUG records too.
"""

from __future__ import annotations

import logging
import sys
import time

from tqdm import tqdm

LINE_EVERY_S = 5.0
FINE_GRAINED = 50  # loops of more pieces than this (integration steps) get a line per LINE_EVERY_S, not per piece
QUIET, NORMAL, VERBOSE = 0, 1, 2
_state = {"level": NORMAL, "bar": None, "last_line": 0.0}


class _Notes(logging.Handler):
    """Records of the "genphys" logger as `note:` lines on stderr (`debug:` for DEBUG records; whatever
    sys.stderr is at the time)."""

    def emit(self, record):
        _close_bar()
        print(f"{'note' if record.levelno >= logging.INFO else 'debug'}: {record.getMessage()}", file=sys.stderr)


def configure(level: int) -> None:
    """How much the CLI says: QUIET, NORMAL or VERBOSE (the logger's level follows)."""
    _state.update(level=level, bar=None, last_line=0.0)
    logger = logging.getLogger("genphys")
    if not any(isinstance(h, _Notes) for h in logger.handlers):
        logger.addHandler(_Notes())
    logger.setLevel({QUIET: logging.ERROR, NORMAL: logging.INFO, VERBOSE: logging.DEBUG}[level])


def _close_bar() -> None:
    if _state["bar"] is not None:
        _state["bar"].close()
        _state["bar"] = None


def progress(i: int, n: int, label: str) -> None:
    """i of n pieces done, now at ``label``."""
    if _state["level"] == QUIET or n <= 0:
        return
    if sys.stderr.isatty():
        bar = _state["bar"]
        if bar is None or bar.total != n or i < bar.n:
            _close_bar()
            bar = _state["bar"] = tqdm(total=n, file=sys.stderr, dynamic_ncols=True, leave=False)
        bar.set_description_str(label[:40], refresh=False)
        bar.update(i - bar.n)
        bar.refresh()  # the calls are per piece (at most a few hundred): each one shown, with its label
        if i >= n:
            _close_bar()
        return
    now = time.monotonic()
    if i >= n or n <= FINE_GRAINED or now - _state["last_line"] >= LINE_EVERY_S:
        _state["last_line"] = now
        print(f"progress: {i}/{n} {label}", file=sys.stderr, flush=True)
