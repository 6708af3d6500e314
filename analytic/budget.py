"""Run a symbolic step under a wall-clock budget (SymPy has no timeout of its own).

A forked child does the work and sends the result back through a pipe; on timeout it is killed
and BudgetExceeded is raised. The child also dies with its parent (a killed `genphys check` leaves
no SymPy worker behind). Where fork is unavailable the step runs without a limit.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import threading
import time
import traceback

from .errors import BudgetExceeded, GenphysError

logger = logging.getLogger("genphys")

DEFAULT_BUDGET_S = 20.0


class WorkerFailure(RuntimeError):
    """A defect inside a budgeted step: the original exception's type, message, place and traceback."""

    def __init__(self, what: str, kind: str, message: str, where: str, trace: str):
        super().__init__(f"{what} failed: {kind}: {message}")
        self.kind, self.message, self.where, self.trace = kind, message, where, trace


def _die_with(parent: int) -> None:
    """End this worker when its parent ends, however it ends (SIGKILL included): Linux's parent-death
    signal where prctl exists, and everywhere a watchdog thread that polls the parent's pid."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def _child(conn, parent, fn, args, kwargs):
    _die_with(parent)
    try:
        conn.send(("ok", fn(*args, **kwargs)))
    except GenphysError as exc:
        conn.send(("err", exc))
    except BaseException as exc:  # anything else is a bug, not user error: sent as text (it may not pickle)
        where = traceback.extract_tb(exc.__traceback__)[-1]
        conn.send(("bug", (type(exc).__name__, str(exc), f"{os.path.basename(where.filename)}:{where.lineno}",
                           traceback.format_exc())))
    finally:
        conn.close()


def run_with_budget(fn, *args, seconds: float | None = DEFAULT_BUDGET_S, what: str = "symbolic step", **kwargs):
    """Return fn(*args, **kwargs), or raise BudgetExceeded after ``seconds`` (None: no limit)."""
    start = time.perf_counter()
    try:
        return _run(fn, args, kwargs, seconds, what)
    finally:
        logger.debug("%s: %.2f s", what, time.perf_counter() - start)


def _run(fn, args, kwargs, seconds, what):
    if seconds is None or "fork" not in mp.get_all_start_methods():
        return fn(*args, **kwargs)
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, os.getpid(), fn, args, kwargs), daemon=True)
    proc.start()
    send.close()
    try:
        if not recv.poll(seconds):
            raise BudgetExceeded(f"{what} exceeded its time budget of {seconds:g} s")
        status, payload = recv.recv()
    except EOFError:
        raise RuntimeError(f"{what}: worker process died without an answer") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        recv.close()
    if status == "ok":
        return payload
    if status == "err":
        raise payload
    raise WorkerFailure(what, *payload)
