"""Run a symbolic step under a wall-clock budget (SymPy has no timeout of its own).

A forked child does the work and sends the result back through a pipe; on timeout it is killed
and BudgetExceeded is raised. Where fork is unavailable the step runs without a limit.
"""

from __future__ import annotations

import multiprocessing as mp
import traceback

from .errors import BudgetExceeded, GenphysError

DEFAULT_BUDGET_S = 20.0


def _child(conn, fn, args, kwargs):
    try:
        conn.send(("ok", fn(*args, **kwargs)))
    except GenphysError as exc:
        conn.send(("err", exc))
    except BaseException:  # report anything else as text: it is a bug, not user error
        conn.send(("bug", traceback.format_exc()))
    finally:
        conn.close()


def run_with_budget(fn, *args, seconds: float | None = DEFAULT_BUDGET_S, what: str = "symbolic step", **kwargs):
    """Return fn(*args, **kwargs), or raise BudgetExceeded after ``seconds`` (None: no limit)."""
    if seconds is None or "fork" not in mp.get_all_start_methods():
        return fn(*args, **kwargs)
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args, kwargs), daemon=True)
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
    raise RuntimeError(f"{what} failed inside the worker:\n{payload}")
