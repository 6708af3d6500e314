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
from mpmath.libmp.libhyper import NoConvergence
import sympy as sp

from analytic.pde import SAMPLE_VALUES, LinearPDE, s
from .lambdified import mp_function

DPS = 40
K_MIN_EXP, K_MAX_EXP = -4, 4
POINTS_PER_DECADE = 15
MAX_PARAMETER_SAMPLES = 40
_TOL = mpmath.mpf("1e-30")


@dataclass(frozen=True)
class SampleScan:
    """Outcome of the scan at one parameter sample."""

    params: dict  # name -> float
    holds: bool | None  # None: the scan could not be carried out at this sample (see note)
    E0: float
    worst_k: dict | None  # wave vector where E(k) − E(0) is largest
    worst_gap: float  # max over the grid of E(k) − E(0) (−0.0 where it is negative below the double range)
    note: str = ""
    # |E(k) − E(0)| at its worst is within the scan's resolution: "fails" only because it cannot resolve the gap
    # (a damping of 1e-304, or (−Δ)^41's k^82 at k = 1e-4); a proof decides such a sample, not the scan. Decided at
    # working precision: worst_gap as a double can have underflowed to −0.0.
    marginal: bool = False


def _resolution(E0) -> float:
    """The smallest gap E(k) − E(0) the scan resolves at working precision (relative to 1 + |E(0)|)."""
    return _TOL * (1 + abs(E0))


def parameter_samples(pde: LinearPDE, limit: int = MAX_PARAMETER_SAMPLES) -> list[dict]:
    """Deterministic parameter values drawn from each parameter's assumption region.

    The grid (every combination of the per-assumption values) is indexed, never built: with many
    parameters it has 5^n points, so ``limit`` of its indices are drawn and decoded (mixed radix,
    in itertools.product order)."""
    names = [p.name for p in pde.parameters]
    grids = [SAMPLE_VALUES[p.assumption] for p in pde.parameters]
    total = math.prod(len(g) for g in grids)
    indices = range(total) if total <= limit else random.Random(0).sample(range(total), limit)
    return [dict(zip(names, _decode(i, grids))) for i in indices]


def _decode(index: int, grids: list) -> list:
    """The index-th combination of itertools.product(*grids)."""
    values = []
    for grid in reversed(grids):
        index, j = divmod(index, len(grid))
        values.append(grid[j])
    return values[::-1]


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
    return mp_function(sp.Tuple(*coeffs), (*pde.kvars, *pde.param_symbols))


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
    zeros = []
    while len(cs) > 1 and cs[-1] == 0:  # exact deflation of roots s = 0 (e.g. L = s^n + k^2 at k = 0)
        cs.pop()
        zeros.append(mpmath.mpc(0))
    if len(cs) == 1:
        return zeros
    if len(cs) == 2:
        return zeros + [-cs[1] / cs[0]]
    if len(cs) == 3:
        a, b, c = cs
        d = mpmath.sqrt(b * b - 4 * a * c)
        q = -(b + d) / 2 if abs(-b - d) >= abs(-b + d) else -(b - d) / 2
        return zeros + ([q / a, c / q] if q != 0 else [-b / (2 * a)] * 2)
    try:
        return zeros + list(mpmath.polyroots(cs, maxsteps=400, extraprec=2 * DPS))
    except NoConvergence:  # (near-)multiple roots: Durand-Kerner stalls, QR does not
        return zeros + _eigenvalue_roots(cs)


def _eigenvalue_roots(cs) -> list:
    """Roots as eigenvalues of the companion matrix, at three times the working precision.

    A root of multiplicity m is found to about (working precision)^(1/m), so tripling the digits
    keeps a triple root as accurate as a simple one at the scan's own precision."""
    n = len(cs) - 1
    with mpmath.extraprec(2 * mpmath.mp.prec):
        companion = mpmath.zeros(n, n)
        for j in range(n):
            companion[0, j] = -cs[j + 1] / cs[0]
        for i in range(1, n):
            companion[i, i - 1] = 1
        values = mpmath.eig(companion, left=False, right=False)
    return [+mpmath.mpc(v) for v in values]


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
            try:
                out.append(_scan_one(coeff_fn, values, sample, mode, dim, directions, grid, pde))
            except (NoConvergence, ZeroDivisionError, OverflowError, ValueError) as exc:
                # one sample the root finder cannot handle costs that sample, not the answer
                out.append(SampleScan(sample, None, float("nan"), None, float("nan"),
                                      f"numeric scan failed at this sample ({type(exc).__name__}: {exc})"))
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
    holds = worst_gap < -_resolution(E0)
    marginal = not holds and -_resolution(E0) <= worst_gap < 0
    return SampleScan(sample, bool(holds), float(E0), worst_k, float(worst_gap), note, bool(marginal))


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
