"""Built-in data for the generators: toy 2-D sets (embedded in any N), user files, sklearn's digits.

Every generator takes a seeded ``numpy.random.Generator``; the same seed gives the same data.
2-D sets are embedded in N > 2 dimensions by a fixed random orthonormal map (seeded by N), so
their intrinsic geometry is kept and the extra directions carry no data.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np

from analytic.errors import PDEInputError

logger = logging.getLogger("genphys")

BUILTIN = ("two_points", "gaussians", "moons", "rings", "swiss_roll", "digits")


def _two_points(n, rng):
    return np.where(rng.random(n)[:, None] < 0.5, [[-1.0, 0.0]], [[1.0, 0.0]])


def _gaussians(n, rng):
    """Eight Gaussians (σ = 0.1) on the circle of radius 2."""
    angle = 2 * np.pi * rng.integers(0, 8, n) / 8
    return 2 * np.stack([np.cos(angle), np.sin(angle)], axis=1) + 0.1 * rng.normal(size=(n, 2))


def _moons(n, rng):
    """scikit-learn's two moons (noise 0.05), centred."""
    upper = rng.random(n) < 0.5
    u = np.pi * rng.random(n)
    x = np.where(upper, np.cos(u), 1 - np.cos(u))
    y = np.where(upper, np.sin(u), 0.5 - np.sin(u))
    return np.stack([x - 0.5, y - 0.25], axis=1) + 0.05 * rng.normal(size=(n, 2))


def _rings(n, rng):
    """Two concentric circles, radii 1 and 2 (noise 0.03)."""
    radius = np.where(rng.random(n) < 0.5, 1.0, 2.0) + 0.03 * rng.normal(size=n)
    angle = 2 * np.pi * rng.random(n)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)


def _swiss_roll(n, rng):
    """The 2-D Swiss roll (a spiral), scaled to radius ≈ 2 (noise 0.03)."""
    u = 1.5 * np.pi * (1 + 2 * rng.random(n))
    return np.stack([u * np.cos(u), u * np.sin(u)], axis=1) / 7 + 0.03 * rng.normal(size=(n, 2))


_TOY = {"two_points": _two_points, "gaussians": _gaussians, "moons": _moons, "rings": _rings,
        "swiss_roll": _swiss_roll}


def embedding(N: int) -> np.ndarray:
    """The fixed orthonormal (2, N) map of 2-D sets into N dimensions (identity for N = 2; for N = 1 the
    projection on the first axis, so a 1-D set is the 2-D set's first coordinate)."""
    if N == 1:
        return np.array([[1.0], [0.0]])
    if N == 2:
        return np.eye(2)
    q, _ = np.linalg.qr(np.random.default_rng(1000 + N).normal(size=(N, 2)))
    return q.T


def digits() -> np.ndarray:
    """scikit-learn's bundled 8×8 digits (1797 × 64, pixel values scaled to [0, 1])."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise PDEInputError("the digits data need scikit-learn: pip install 'genphys-workbench[data]'") from None
    return load_digits().data / 16.0


def make(name: str, n: int, rng: np.random.Generator, N: int = 2) -> np.ndarray:
    """``n`` points of a built-in set (``BUILTIN``); toy sets in any N ≥ 1 (`embedding`), digits in 64."""
    if n < 1:
        raise PDEInputError(f"need at least one data point; got n = {n}")
    if name == "digits":
        data = digits()
        if N not in (2, 64):
            raise PDEInputError(f"digits are 64-dimensional; got --dim {N}")
        return data[rng.choice(len(data), size=n, replace=n > len(data))]
    if name not in _TOY:
        raise PDEInputError(f"unknown data set {name!r}; use one of {', '.join(BUILTIN)} or a .npy/.csv file")
    if N < 1:
        raise PDEInputError(f"the dimension must be at least 1; got N = {N}")
    return _TOY[name](n, rng) @ embedding(N)


def builtin(name: str, n: int, seed: int = 0, N: int = 2) -> np.ndarray:
    """``n`` points of the built-in set ``name`` (one of BUILTIN) drawn with ``seed``, in N dimensions."""
    return make(name, n, np.random.default_rng(seed), N)


def load(path: str, what: str = "data", min_rows: int = 2) -> np.ndarray:
    """A user array of points, one per row: .npy, or .csv (comma-separated numbers, optionally a header
    line of names), of real numbers; refused with the reason otherwise (never converted silently)."""
    p = Path(path)
    if not p.is_file():
        builtin = f"; built-in sets: {', '.join(BUILTIN)}" if what == "data" and not p.suffix else ""
        raise PDEInputError(f"{what} file {path!r} does not exist{builtin}")
    if p.stat().st_size == 0:
        raise PDEInputError(f"{what} file {path!r} is empty")
    try:
        if p.suffix == ".npy":
            data = np.load(p, allow_pickle=False)
            if not isinstance(data, np.ndarray):  # an .npz archive under an .npy name
                data.close()
                raise PDEInputError(f"{what} file {path!r} is an .npz archive, not one .npy array; "
                                    "save the array alone with numpy.save")
        elif p.suffix == ".csv":
            with open(p) as fh:
                first = fh.readline()
            fields = [c.strip() for c in first.strip().split(",")]
            numeric = [_is_number(c) for c in fields]
            if any(numeric) and not all(numeric):
                raise PDEInputError(f"{what} file {path!r}: the first line mixes numbers and text ({first.strip()[:60]!r}); "
                                    "use a header of names only, or numbers only")
            skip = 0 if all(numeric) else 1
            if skip:
                logger.info("%s file %s: the first line is read as a header of column names (%s)",
                            what, path, first.strip()[:60])
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # an empty file is a refusal, not a warning and an empty array
                data = np.loadtxt(p, delimiter=",", skiprows=skip, ndmin=2)
        else:
            raise PDEInputError(f"{what} file {path!r}: use .npy or .csv")
    except (ValueError, OSError, EOFError, UserWarning) as exc:
        raise PDEInputError(f"{what} file {path!r} could not be read as numbers: {' '.join(str(exc).split())[:200]}") from None
    if data.dtype.kind not in "iuf":
        kind = {"b": "booleans", "c": "complex numbers", "V": "a structured array", "O": "Python objects",
                "U": "text", "S": "bytes"}.get(data.dtype.kind, f"dtype {data.dtype}")
        raise PDEInputError(f"{what} file {path!r} holds {kind}; points must be real numbers (integer or float)")
    data = np.asarray(data, dtype=float)
    if data.ndim != 2 or data.shape[0] < min_rows or data.shape[1] < 1:
        raise PDEInputError(f"{what} file {path!r} must hold a 2-D array of at least {min_rows} rows (points) and "
                            f"one column per coordinate; got shape {data.shape}")
    if not np.all(np.isfinite(data)):
        raise PDEInputError(f"{what} file {path!r} has NaN or infinite entries; remove or impute them")
    return data


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
