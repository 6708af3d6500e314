"""The generic density flow (p, J, R) of a LinearPDE and its Fourier-side kernels for φ = G.

Density flow (Algorithm 1, step 1), for any symbol the parser accepts:
    L(s, q) = L(0, q) + s M(s, q),   L(0, q) = L(0, 0) + q Q(q),
    L φ = ∂t(M φ) + ∇·(∇ Q φ) + L(0, 0) φ,
so p = σ M φ, J = σ ∇ Q φ, R = −σ L(0, 0) φ with σ = ±1 the sign of the mass of M G at t = 0+.
Every object checks its own mathematics when built.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .errors import NotSupportedError
from .grammar import operator_forms
from .green import FourierGreen, apply_in_t, assert_vanishes, time_part
from .pde import LinearPDE, k, s, t


@dataclass(frozen=True)
class DensityFlow:
    """p = σ M φ, J = σ ∇(Q φ), R = −σ L(0,0) φ, and their Fourier-side kernels for one source.

    ``M`` is a polynomial in s (= ∂t) with k-dependent coefficients, ``Q`` a function of k
    (polynomial in q = −k² for local operators); the hatted kernels are for φ = G.
    """

    sigma: int
    M: sp.Expr
    Q: sp.Expr
    L00: sp.Expr
    p_hat: sp.Expr  # p̃(k, t)
    QG_hat: sp.Expr  # Fourier transform of Q G, so J = σ ∇(Q G)
    R_hat: sp.Expr  # R̃(k, t)
    checks: tuple

    def forms(self, style: str = "text") -> dict:
        """p, J, v, R as text (``style="text"``: the operators on φ in the input grammar's notation, grad(…) for the
        gradient) or as LaTeX (``"latex"``)."""
        J, v = current_forms(self.sigma * self.Q, self.sigma * self.M, style)
        return {"p": _form(self.sigma * self.M, style), "J": J, "v": v, "R": _form(-self.sigma * self.L00, style)}


def current_forms(potential: sp.Expr, density: sp.Expr, style: str = "text") -> tuple[str, str]:
    """J = ∇(A φ) and v = ∇(A φ) / (B φ) for the operator symbols A (``potential``) and B (``density``), as text or
    LaTeX (GenPhys notation: J = p v)."""
    A, B = _form(potential, style), _form(density, style)
    if style == "text":
        return f"grad({A})", f"grad({A}) / ({B})"
    grad = rf"\nabla {A}" if A in (r"\phi", "0") else rf"\nabla\left({A}\right)"
    return grad, rf"\frac{{{grad}}}{{{B}}}"


def _form(expr: sp.Expr, style: str) -> str:
    if style not in ("text", "latex"):
        raise ValueError(f"internal: style must be 'text' or 'latex', not {style!r}")
    return operator_forms(expr)[style == "latex"]


def density_flow(pde: LinearPDE, green: FourierGreen) -> DensityFlow:
    """The generic density flow and its kernels for φ = G, checked by substitution."""
    L = sp.expand(pde.symbol)
    M = time_part(L)
    L0k = L.subs(s, 0)
    L00 = sp.simplify(L0k.subs(k, 0))
    Q = sp.simplify((L0k - L00) / (-k**2))
    checks = [assert_vanishes(s * M + (-k**2) * Q + L00 - L, pde, "L = s M + q Q + L(0,0) (q = -k^2)")]
    mass = sp.limit(sp.limit(apply_in_t(M, green.G_hat), k, 0, "+"), t, 0, "+")
    mass = sp.simplify(mass)
    if mass not in (1, -1):
        raise NotSupportedError(f"not supported yet: the mass of M G at t = 0+ is {sp.sstr(mass)}, not ±1")
    sigma = int(mass)
    p_hat = sp.simplify(sigma * apply_in_t(M, green.G_hat))
    QG_hat = sp.simplify(Q * green.G_hat)
    R_hat = -sigma * L00 * green.G_hat
    # ∂t p + ∇·J − R, with ∇·∇ → −k², must be σ L(∂t) G̃ = 0 for t > 0
    residual = sp.diff(p_hat, t) + sigma * (-k**2) * QG_hat - R_hat
    checks.append(assert_vanishes(residual, pde, "∂t p̃ − k² σ Q G̃ − R̃ = 0 (flow reproduces L G = 0)"))
    return DensityFlow(sigma, M, Q, L00, p_hat, QG_hat, R_hat, tuple(checks))
