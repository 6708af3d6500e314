"""Closed-form landscapes of 1-D symmetric data ½N(μ, σ²) + ½N(−μ, σ²) under a linear SDE (Yu & Huang App. B).

At time t the marginal is ½N(m, v) + ½N(−m, v) with m = f μ, v = f² σ² + Ξ, so
    ln p = −x²/(2v) + ln cosh(m x / v) + const,   (ln p)''(0) = m²/v² − 1/v,   (ln p)'' → −1/v as |x| → ∞.
With b = a x and the notions of numeric/landscape.py (U'' = a − c D (ln p)'' for c = 2 (drift potential),
1 (flow potential); U'' = −(ln p)'' for the density):
    centre curvature  U''(0),   tail curvature  lim U'' = a + c D / v  (the density: 1/v > 0).
t_S solves U''(0) = 0 and t_USB solves the tail curvature = 0; SymPy's solutions are returned whole
(every branch), and callers pick the real ones for given values.
"""

from __future__ import annotations

import sympy as sp

from .sde import LinearSDE, t

mu = sp.Symbol("mu", positive=True)
sigma2 = sp.Symbol("sigma2", positive=True)
NOTION_FACTOR = {"drift_potential": 2, "flow_potential": 1}


def _mv(lin: LinearSDE):
    if len(lin.sde.variables) != 1:
        raise ValueError("internal: the symmetric closed forms are for one coordinate")
    f, Xi = lin.f[0], lin.Xi[0]
    return f * mu, f**2 * sigma2 + Xi


def centre_curvature(lin: LinearSDE, notion: str) -> sp.Expr:
    """U''(0) at time t as an expression in t, mu, sigma2 (module docstring)."""
    m, v = _mv(lin)
    c = m**2 / v**2 - 1 / v
    if notion == "density":
        return -c
    return lin.a[0] - NOTION_FACTOR[notion] * lin.sde.D[0] * c


def tail_curvature(lin: LinearSDE, notion: str) -> sp.Expr:
    """lim U'' as |x| → ∞ at time t."""
    _, v = _mv(lin)
    if notion == "density":
        return 1 / v
    return lin.a[0] + NOTION_FACTOR[notion] * lin.sde.D[0] / v


def solve_for_t(expr: sp.Expr) -> list:
    """Every solution t of expr = 0 SymPy finds (t as an unrestricted real, so no branch is dropped)."""
    tt = sp.Symbol("tt", real=True)
    numerator = sp.numer(sp.together(expr.subs(t, tt)))
    return [sp.simplify(sol) for sol in sp.solve(numerator, tt)]


def real_times(solutions: list, values: dict) -> list[float]:
    """The real, non-negative values of the solutions at parameter values {mu: …, sigma2: …} (sorted)."""
    out = []
    for sol in solutions:
        z = complex(sp.N(sol.subs(values), 30))
        if abs(z.imag) <= 1e-12 * max(1.0, abs(z.real)) and z.real >= 0:
            out.append(z.real)
    return sorted(out)
