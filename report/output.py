"""Output that is atomic and honest: a run owns its folder, and a half-written run never looks complete.

A run is written into a hidden sibling folder (``.NAME.partial-…``) and swapped in by renames only when
everything is written; a run killed before that leaves the previous folder untouched (and a partial
folder, which the next run into the same place removes). A folder is replaced only when it is empty or
holds a previous genphys run (its MARKER file says so); anything else is refused with the names found.
JSON is strict: NaN and infinities are written as null, never as the non-standard NaN/Infinity.
Provenance (`provenance`, `with_provenance`): the tool's version, the command line and the UTC time, in every
run folder's MARKER and in every JSON object the CLI writes (catalog.json and verify.json are lists, kept as
they are: catalog.json is byte-identical across machines; their folder's MARKER carries it).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from analytic.errors import PDEInputError
from derivations.result_forms import jsonable

MARKER = ".genphys-run"
logger = logging.getLogger("genphys")
_command: list[str] | None = None  # the CLI's command line (set_command); None in a Python session


def set_command(argv: list[str]) -> None:
    """Record the command line the CLI was called with, for `provenance`."""
    global _command
    _command = list(argv)


def provenance() -> dict:
    """{"tool", "version", "command" (the CLI's, or null from Python), "python", "date" (UTC, ISO 8601)}."""
    import datetime
    import importlib.metadata
    import platform
    import shlex

    try:  # the installed distribution's version (pyproject.toml reads it from genphys.__version__)
        version = importlib.metadata.version("genphys-workbench")
    except importlib.metadata.PackageNotFoundError:
        version = None  # run from a checkout without `pip install`
    return {"tool": "genphys-workbench", "version": version,
            "command": None if _command is None else shlex.join(["genphys", *_command]),
            "python": platform.python_version(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def byline() -> str:
    """Who wrote a document and when, for its title block: "GenPhys Workbench 0.1.0, 2026-12-03 18:40 UTC"."""
    p = provenance()
    return f"GenPhys Workbench {p['version'] or '(not installed: version unknown)'}, {p['date'][:16].replace('T', ' ')} UTC"


def with_provenance(obj: dict) -> dict:
    """``obj`` with a "provenance" key (`provenance`) added."""
    return {**obj, "provenance": provenance()}


def check_folder(path, option: str = "--out") -> Path:
    """Refuse, before any work, a place a run cannot own: a file, a device, a folder of other files."""
    path = Path(path)
    if path.is_symlink():
        raise PDEInputError(f"{option} {str(path)!r} is a link; give a plain folder name")
    if path.exists():
        if not path.is_dir():
            raise PDEInputError(f"{option} {str(path)!r} exists and is not a folder; give a folder name")
        foreign = sorted(p.name for p in path.iterdir() if p.name != MARKER)
        if foreign and not (path / MARKER).exists():
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise PDEInputError(f"{option} {str(path)!r} holds files that are not a genphys run ({shown}); "
                                "choose a new or empty folder")
    _writable_parent(path, option)
    return path


def check_file(path, option: str, suffix: str) -> Path:
    """Refuse, before any work, a file name a run cannot write: no stem, another suffix, a link, a folder."""
    path = Path(path)
    if path.suffix != suffix or not path.stem or path.name.startswith("."):
        raise PDEInputError(f"{option} {str(path)!r}: give a file name ending in {suffix}, e.g. {option} result{suffix}")
    if path.is_symlink() or path.is_dir():
        raise PDEInputError(f"{option} {str(path)!r} is a {'link' if path.is_symlink() else 'folder'}; "
                            "give a plain file name")
    _writable_parent(path, option)
    return path


def _writable_parent(path: Path, option: str) -> None:
    parent = path.absolute().parent
    if parent.exists() and not parent.is_dir():
        raise PDEInputError(f"{option} {str(path)!r}: {str(parent)!r} is not a folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PDEInputError(f"{option} {str(path)!r}: cannot create its parent folder ({exc.strerror})") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PDEInputError(f"{option} {str(path)!r}: its parent folder is not writable")


def mark(folder: Path, what: str) -> None:
    """Write ``folder``'s MARKER: a genphys run of ``what``, with its provenance."""
    (folder / MARKER).write_text(json.dumps({"what": what, "provenance": provenance()}) + "\n", encoding="utf-8")


@contextmanager
def run_folder(path, what: str, option: str = "--out"):
    """Yield a fresh staging folder; on success it becomes ``path`` (replacing a previous run there)."""
    path = check_folder(path, option)
    parent = path.absolute().parent
    for stale in parent.glob(f".{path.name}.partial-*"):  # left by a run that was killed
        shutil.rmtree(stale, ignore_errors=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=parent))
    try:
        yield stage
        mark(stage, what)
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=parent))
            os.rename(path, old / "previous")
            os.rename(stage, path)
            shutil.rmtree(old, ignore_errors=True)
            logger.info("replaced the previous run in %s", path)
        else:
            os.rename(stage, path)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def dumps(value, **kwargs) -> str:
    """Strict JSON: non-finite floats as null (derivations.result_forms.jsonable), anything else non-standard refused."""
    return json.dumps(jsonable(value), allow_nan=False, **kwargs)


def json_document(value, **kwargs) -> str:
    """`dumps` of what the CLI writes: an object gets its "provenance" (`with_provenance`), a list stays a list."""
    return dumps(with_provenance(value) if isinstance(value, dict) else value, **kwargs)
