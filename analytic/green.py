"""Fourier-side Green's function G̃(k, t) of a LinearPDE (its density flow: analytic/flow.py).

Conventions (README, "Conventions"): L(s, k) is the symbol with s = ∂t and ∇² → q = −k².
- evolution: L(∂t, ∇²) G = δ(x) δ(t), causal, so G̃ = Σ_j Res_{s=s_j} e^{st} / L(s, k);
- boundary:  the solution of L G̃ = 0 for t > 0 that decays at large k (one kept branch s_b),
  normalised so that p̃(k, 0+) = 1, i.e. p(x, 0+) = δ(x) and the total mass at t = 0+ is 1.

M(s, k) = (L(s, k) − L(0, k)) / s (`time_part`) carries the density; the normalisation uses it.
Every object checks its own mathematics when built.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from .dispersion import branches
from .errors import NotSupportedError
from .pde import SAMPLE_VALUES, LinearPDE, k, s, t


def sample_point(pde: LinearPDE, seed: int, extra: dict | None = None) -> dict:
    """A deterministic random point: k, t and every parameter inside its assumption region."""
    rng = random.Random(seed)
    point = {k: sp.Rational(rng.randint(5, 400), 97), t: sp.Rational(rng.randint(5, 300), 113)}
    for p in pde.parameters:
        point[p.symbol] = sp.Rational(str(rng.choice([v for v in SAMPLE_VALUES[p.assumption] if v != 0]
                                                     or SAMPLE_VALUES[p.assumption])))
    point.update(extra or {})
    return point


def assert_vanishes(expr: sp.Expr, pde: LinearPDE, what: str, points: int = 4) -> str:
    """Check that ``expr`` is identically zero: exactly, else at random points to 40 digits.

    Returns how it was shown; raises RuntimeError (an internal defect) when it is not zero.
    """
    if sp.simplify(expr) == 0:
        return f"{what}: exact"
    terms = sp.Add.make_args(sp.expand(expr))
    with mpmath.workdps(40):
        for seed in range(points):
            point = sample_point(pde, 1000 + seed)
            values = [sp.N(term.subs(point), 40) for term in terms]
            total = abs(complex(sp.N(sp.Add(*values), 40)))
            scale = sum(abs(complex(v)) for v in values)
            if total > 1e-25 * max(scale, 1e-300):
                raise RuntimeError(f"internal: {what} fails: residual {total:.3g} at "
                                   f"{ {str(s_): float(v) for s_, v in point.items()} }")
    return f"{what}: zero at {points} random points (40 digits)"


def apply_in_t(poly_in_s: sp.Expr, f: sp.Expr) -> sp.Expr:
    """Apply the polynomial P(∂t) (written in s) to f(t)."""
    poly = sp.Poly(sp.expand(poly_in_s), s)
    return sp.Add(*[c * sp.diff(f, t, m) for (m,), c in poly.terms()])


@dataclass(frozen=True)
class FourierGreen:
    """G̃(k, t) for t > 0, the branches it uses, and the checks it passed when built."""

    mode: str
    G_hat: sp.Expr
    branches: tuple  # growth rates s_j(k) that make up G̃
    checks: tuple


def fourier_green(pde: LinearPDE, mode: str) -> FourierGreen:
    """G̃(k, t) in the given reading, self-checked (ODE in t, initial/jump conditions or decay)."""
    if not pde.isotropic:
        raise NotSupportedError("not supported yet: Green's functions of anisotropic operators "
                                "(the dispersion relation and criterion still apply: use genphys check)")
    found = branches(pde)
    if found is None:
        raise NotSupportedError("not supported yet: Green's functions without closed-form dispersion branches")
    L = sp.expand(pde.symbol)
    n = pde.time_order
    if mode == "evolution":
        G_hat = _residue_sum(L, found)
        used = tuple(b.s for b in found)
        leading = sp.Poly(L, s).LC()
        initial = [sp.limit(sp.diff(G_hat, t, m), t, 0, "+") for m in range(n)]
        expected = [0] * (n - 1) + [1 / leading]
        checks = [assert_vanishes(sp.expand(a - b), pde, f"d^{m}G/dt^{m}(0+) = {sp.sstr(b)}")
                  for m, (a, b) in enumerate(zip(initial, expected))]
    else:
        s_b = _tidy_radicals(_decaying_branch(pde, [b.s for b in found if b.multiplicity == 1]))
        M_b = time_part(L).subs(s, s_b)
        G_hat = sp.exp(s_b * t) / M_b
        used = (s_b,)
        checks = [assert_vanishes(apply_in_t(time_part(L), G_hat).subs(t, 0) - 1, pde, "p̃(k, 0+) = 1 (mass 1, p = δ at t = 0+)")]
    checks.append(assert_vanishes(apply_in_t(L, G_hat), pde, "L(∂t, k) G̃ = 0 for t > 0"))
    return FourierGreen(mode, G_hat, used, tuple(checks))


def time_part(L: sp.Expr) -> sp.Expr:
    """M(s, k) = (L(s, k) − L(0, k)) / s: the operator whose time derivative carries the density."""
    return sp.expand(sp.cancel((L - L.subs(s, 0)) / s))


def _residue_sum(L: sp.Expr, found) -> sp.Expr:
    """Σ_j Res e^{st}/L at each branch; two simple branches c ± √D give the e^{ct} sinh form."""
    poly = sp.Poly(L, s)
    if poly.degree() == 2 and len(found) == 2:
        a2, a1, a0 = poly.all_coeffs()
        D = sp.factor_terms(sp.expand(a1**2 - 4 * a2 * a0))
        root = sp.sqrt(D) / (2 * a2)
        return sp.exp(-a1 * t / (2 * a2)) * sp.sinh(root * t) / (a2 * root)
    total = sp.S.Zero
    for b in found:
        m = b.multiplicity
        if m == 1:
            total += sp.exp(b.s * t) / sp.diff(L, s).subs(s, b.s)
            continue
        z = sp.Dummy("z")
        rest = sp.cancel(L.subs(s, b.s + z) / z**m)
        total += sp.diff(sp.exp((b.s + z) * t) / rest, z, m - 1).subs(z, 0) / sp.factorial(m - 1)
    return total


def _tidy_radicals(expr: sp.Expr) -> sp.Expr:
    """√(4k² − 4c) → 2√(k² − c): pull common numeric factors out of every radicand."""
    return expr.replace(lambda e: e.is_Pow and e.exp.is_Rational and not e.exp.is_Integer,
                        lambda e: sp.factor_terms(e.base) ** e.exp)


def _decaying_branch(pde: LinearPDE, candidates: list) -> sp.Expr:
    """The one simple branch with Re s < 0 at large k, at every parameter sample."""
    picks = set()
    for seed in range(3):
        point = sample_point(pde, seed, {k: sp.Integer(1000)})
        decaying = [c for c in candidates if complex(sp.N(c.subs(point), 30)).real < 0]
        if len(decaying) != 1:
            raise NotSupportedError(
                f"not supported yet: the boundary reading needs exactly one simple branch that decays at large k; "
                f"found {len(decaying)} at {{{', '.join(f'{a}={float(v):g}' for a, v in point.items() if a not in (k, t))}}}")
        picks.add(decaying[0])
    if len(picks) != 1:
        raise NotSupportedError("not supported yet: which branch decays depends on the parameters; "
                                "declare their signs with --param")
    return picks.pop()
