"""Dispersion relation: the branches s_j(k) of L(s, k) = 0 (ω_j = i s_j), and the reading (mode).

Roots are taken factor by factor: linear and quadratic factors by formula (one discriminant, so
radicands stay clean for the case analysis), binomials a s^n + c by n-th roots, other factors by
SymPy's cubic/quartic formulas. Every root is substituted back into L when built.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from .pde import SAMPLE_VALUES, LinearPDE, latex, s

MODES = ("evolution", "boundary")
USER_MODE = "chosen by the user (--mode)"  # the reason recorded when a mode was given, not read from the PDE


@dataclass(frozen=True)
class Branch:
    """One root of the dispersion relation: growth rate s_j(k) = −iω_j(k)."""

    s: sp.Expr
    multiplicity: int = 1

    @property
    def omega(self) -> sp.Expr:
        return _tidy(sp.I * self.s)

    def _repr_latex_(self) -> str:
        return rf"$\omega = {latex(self.omega)}$"


def _tidy(expr: sp.Expr) -> sp.Expr:
    expr = sp.expand(expr)
    simpler = sp.factor_terms(expr)
    return simpler if sp.count_ops(simpler) <= sp.count_ops(expr) else expr


def roots_in_s(L: sp.Expr) -> list[tuple[sp.Expr, int]] | None:
    """Closed-form roots of L in s with multiplicities, or None when none are found."""
    poly = sp.Poly(sp.expand(L), s)
    if poly.degree() < 1:
        return []
    factors = _factors(poly)
    out: list[tuple[sp.Expr, int]] = []
    for factor, mult in factors:
        roots = _factor_roots(factor)
        if roots is None:
            return None
        out.extend((r, mult) for r in roots)
    return out


def _factors(poly: sp.Poly) -> list[tuple[sp.Poly, int]]:
    coeffs = poly.all_coeffs()
    low = 0
    while coeffs[-1 - low] == 0:
        low += 1
    rest = sp.Poly(sp.Add(*[c * s ** i for i, c in enumerate(reversed(coeffs[: len(coeffs) - low]))]), s)
    out = [(sp.Poly(s, s), low)] if low else []
    if rest.degree() <= 2:
        return out + ([(rest, 1)] if rest.degree() >= 1 else [])
    try:
        _, parts = sp.factor_list(rest.as_expr(), s)
    except (sp.PolynomialError, NotImplementedError):
        parts = [(rest.as_expr(), 1)]
    return out + [(sp.Poly(f, s), m) for f, m in parts if sp.Poly(f, s).degree() >= 1]


def _factor_roots(poly: sp.Poly) -> list[sp.Expr] | None:
    c = poly.all_coeffs()
    n = poly.degree()
    if n == 1:
        return [sp.simplify(-c[1] / c[0])]
    if n == 2:
        a, b, cc = c
        # expanded, not factored: sqrt of a factored radicand splits into products SymPy cannot re-join
        root = sp.sqrt(sp.expand(b**2 - 4 * a * cc))
        return [(-b + sign * root) / (2 * a) for sign in (1, -1)]
    if all(ci == 0 for ci in c[1:-1]):
        radicand = -c[-1] / c[0]
        base = sp.root(radicand, n)
        return [base * sp.exp(2 * sp.pi * sp.I * j / n) for j in range(n)]
    found = sp.roots(poly, cubics=True, quartics=True)
    if sum(found.values()) != n:
        return None
    return [r for r, m in found.items() for _ in range(m)]


def branches(pde: LinearPDE) -> list[Branch] | None:
    """All branches of L(s, k) = 0, each checked by substitution; None if no closed form exists."""
    found = roots_in_s(pde.symbol)
    if found is None:
        return None
    merged: dict[sp.Expr, int] = {}
    for root, mult in found:
        merged[root] = merged.get(root, 0) + mult
    out = [Branch(r, m) for r, m in merged.items()]
    for b in out:
        check_root(pde, b.s)
    return out


def check_root(pde: LinearPDE, root: sp.Expr) -> None:
    """Substitute a root back into L: exact simplification, else high-precision random points."""
    residual = pde.symbol.subs(s, root)
    if sp.simplify(residual) == 0:
        return
    rng = random.Random(1234)
    with mpmath.workdps(40):
        for _ in range(4):
            point = {kv: sp.Rational(rng.randint(1, 400), 97) for kv in pde.kvars}
            for p in pde.parameters:
                point[p.symbol] = sp.Rational(str(rng.choice(SAMPLE_VALUES[p.assumption])))
            root_value = sp.N(root.subs(point), 40)
            terms = [sp.N(term.subs(point).subs(s, root_value), 40) for term in sp.Add.make_args(pde.symbol)]
            value = abs(complex(sp.Add(*terms)))
            scale = sum(abs(complex(term)) for term in terms)
            if value > 1e-25 * max(scale, 1e-300):
                raise RuntimeError(f"internal: root {root} does not satisfy L = 0 (residual {value} at {point})")


def default_mode(pde: LinearPDE) -> tuple[str, str]:
    """The reading of t (README, "How t is read"): boundary when the principal part is elliptic in (t, x)."""
    if pde.time_order != 2:
        return "evolution", f"time order {pde.time_order}: t is read as time (causal initial-value problem)"
    tau = sp.Dummy("tau", real=True)
    variables = [tau, *pde.kvars]
    expr = sp.expand(pde.symbol.subs(s, sp.I * tau))
    try:
        poly = sp.Poly(expr, *variables)
    except sp.PolynomialError:
        return "evolution", "the spatial operator is not polynomial, so the principal part is not elliptic"
    if poly.total_degree() != 2:
        return "evolution", "the principal part is not of second order in (t, x)"
    quad = sp.Add(*[c * sp.Mul(*[v**e for v, e in zip(variables, m)])
                    for m, c in poly.terms() if sum(m) == 2])
    hessian = sp.hessian(quad, variables) / 2
    if hessian.has(sp.I):
        return "evolution", "the principal part has complex coefficients"
    pos, neg = hessian.is_positive_definite, hessian.is_negative_definite
    if pos or neg:
        return "boundary", "the principal part is elliptic in (t, x) (phi_tt and the Laplacian have the same sign)"
    if pos is False and neg is False:
        return "evolution", "the principal part is not elliptic in (t, x) (hyperbolic or degenerate)"
    return "evolution", ("the type of the principal part depends on parameter signs that the assumptions do not fix; "
                         "evolution was chosen, declare the signs or pass --mode")
