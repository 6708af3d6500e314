"""Numeric scan of the dispersion criterion (Eq. 16): an independent check of the symbolic route.

For each sampled parameter value, the roots of L(s, k) are found with mpmath at high precision
on log-spaced |k| from 1e-4 to 1e4 (and several directions for anisotropic operators); the
envelope E(k) = max Re s_j over the kept roots is compared with E(0). No symbolic reasoning is
shared with analytic/criterion.py: only the symbol L itself.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from analytic.pde import SAMPLE_VALUES, LinearPDE, s

DPS = 40
K_MIN_EXP, K_MAX_EXP = -4, 4
POINTS_PER_DECADE = 15
MAX_PARAMETER_SAMPLES = 40
_TOL = mpmath.mpf("1e-30")


@dataclass(frozen=True)
class SampleScan:
    """Outcome of the scan at one parameter sample."""

    params: dict  # name -> float
    holds: bool
    E0: float
    worst_k: dict | None  # wave vector where E(k) − E(0) is largest
    worst_gap: float  # max over the grid of E(k) − E(0)
    note: str = ""


def parameter_samples(pde: LinearPDE, limit: int = MAX_PARAMETER_SAMPLES) -> list[dict]:
    """Deterministic parameter values drawn from each parameter's assumption region."""
    names = [p.name for p in pde.parameters]
    grids = [SAMPLE_VALUES[p.assumption] for p in pde.parameters]
    combos = [dict(zip(names, values)) for values in itertools.product(*grids)]
    if len(combos) > limit:
        combos = random.Random(0).sample(combos, limit)
    return combos


def k_grid(points_per_decade: int = POINTS_PER_DECADE) -> list:
    n = (K_MAX_EXP - K_MIN_EXP) * points_per_decade + 1
    return [mpmath.mpf(10) ** (K_MIN_EXP + (K_MAX_EXP - K_MIN_EXP) * i / (n - 1)) for i in range(n)]


def _directions(dim: int) -> list[tuple]:
    dirs = []
    for i in range(dim):
        for sign in (1, -1):
            dirs.append(tuple(sign if j == i else 0 for j in range(dim)))
    for signs in itertools.product((1, -1), repeat=dim):
        if dim > 1 and signs[0] == 1:
            dirs.append(tuple(x / math.sqrt(dim) for x in signs))
    rng = random.Random(7)
    for _ in range(4 if dim > 1 else 0):
        v = [rng.gauss(0, 1) for _ in range(dim)]
        norm = math.sqrt(sum(x * x for x in v))
        dirs.append(tuple(x / norm for x in v))
    return dirs


def _coefficient_function(pde: LinearPDE):
    """mpmath function (k-components..., params...) -> coefficients of L in s, highest first."""
    coeffs = sp.Poly(pde.symbol, s).all_coeffs()
    args = [*pde.kvars, *pde.param_symbols]
    # dummify: argument names never come from user text (names are validated anyway)
    return sp.lambdify(args, coeffs, modules="mpmath", dummify=True)


def _roots(coeffs) -> list:
    cs = [mpmath.mpc(c) for c in coeffs]
    scale = max(abs(c) for c in cs)
    if scale == 0 or not mpmath.isfinite(scale):
        return []
    while cs and abs(cs[0]) <= scale * mpmath.mpf("1e-35"):
        cs.pop(0)
    if len(cs) <= 1:
        return []
    if len(cs) == 2:
        return [-cs[1] / cs[0]]
    if len(cs) == 3:
        a, b, c = cs
        d = mpmath.sqrt(b * b - 4 * a * c)
        q = -(b + d) / 2 if abs(-b - d) >= abs(-b + d) else -(b - d) / 2
        return [q / a, c / q] if q != 0 else [-b / (2 * a)] * 2
    return list(mpmath.polyroots(cs, maxsteps=400, extraprec=2 * DPS))


def _envelope(roots, mode: str):
    values = [mpmath.re(r) for r in roots]
    if mode == "boundary":
        values = [v for v in values if v <= _TOL * (1 + abs(v))]
    return max(values) if values else None


def scan(pde: LinearPDE, mode: str, samples: list[dict] | None = None,
         points_per_decade: int = POINTS_PER_DECADE) -> list[SampleScan]:
    """Scan Eq. 16 numerically at each parameter sample; see the module docstring."""
    samples = parameter_samples(pde) if samples is None else samples
    coeff_fn = _coefficient_function(pde)
    dim = len(pde.kvars)
    directions = _directions(dim) if not pde.isotropic else [(1,)]
    grid = k_grid(points_per_decade if pde.isotropic else max(3, points_per_decade // 3))
    out = []
    with mpmath.workdps(DPS):
        for sample in samples:
            values = [mpmath.mpf(str(sample[p.name])) for p in pde.parameters]
            out.append(_scan_one(coeff_fn, values, sample, mode, dim, directions, grid, pde))
    return out


def _scan_one(coeff_fn, values, sample, mode, dim, directions, grid, pde) -> SampleScan:
    note = ""
    try:
        E0 = _envelope(_roots(coeff_fn(*([0] * dim), *values)), mode)
    except (ZeroDivisionError, ValueError):
        E0 = None
    if E0 is None or not mpmath.isfinite(E0):
        tiny = mpmath.mpf("1e-30")
        try:
            E0 = _envelope(_roots(coeff_fn(*([tiny] * dim), *values)), mode)
        except (ZeroDivisionError, ValueError):
            E0 = None
        note = "E(0) taken at |k| = 1e-30 (L is singular or degenerate at k = 0)"
        if E0 is None:
            return SampleScan(sample, False, float("nan"), None, float("inf"),
                              "no branch with a finite growth rate as k -> 0 (Im omega(0) is not finite)")
    worst_gap, worst_k = -mpmath.inf, None
    for direction in directions:
        for kk in grid:
            kvec = [kk * mpmath.mpf(c) for c in direction]
            E = _envelope(_roots(coeff_fn(*kvec, *values)), mode)
            if E is None:
                continue
            gap = E - E0
            if gap > worst_gap:
                worst_gap = gap
                worst_k = {str(kv): float(x) for kv, x in zip(pde.kvars, kvec)}
    tol = _TOL * (1 + abs(E0))
    holds = worst_gap < -tol
    return SampleScan(sample, bool(holds), float(E0), worst_k, float(worst_gap), note)


def spectrum(pde: LinearPDE, mode: str, sample: dict, ks: list) -> list:
    """Per |k| in ``ks``: (sorted Re s_j = Im ω_j of every root, the envelope E(k) or None), as floats.

    Anisotropic operators are evaluated with k along the first axis."""
    coeff_fn = _coefficient_function(pde)
    axis = [0] * (len(pde.kvars) - 1)
    out = []
    with mpmath.workdps(DPS):
        values = [mpmath.mpf(str(sample[p.name])) for p in pde.parameters]
        for kk in ks:
            roots = _roots(coeff_fn(mpmath.mpf(kk), *axis, *values))
            E = _envelope(roots, mode)
            out.append((sorted(float(mpmath.re(z)) for z in roots), None if E is None else float(E)))
    return out


def envelope(pde: LinearPDE, mode: str, sample: dict, ks: list) -> list:
    """E(k) = max Re s_j over the kept roots at each |k| in ``ks``, as floats (None where none is kept)."""
    return [E for _, E in spectrum(pde, mode, sample, ks)]
