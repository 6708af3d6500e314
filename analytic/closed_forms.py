"""Closed-form inverse radial Fourier transforms F_N[f̃](r, t) for the kernel shapes that have one.

F_N[f̃](r) = (2π)^(−N) ∫ f̃(|k|) e^{ik·x} d^N k for a radial f̃(k, t). A kernel is split as
amplitude(k) · exp(t·E(k)) · oscillating(k, t) and matched against a small table of transform
pairs (below). Nothing here is trusted: derivations/derive.py compares every closed form with a
numeric inverse transform and checks L G = 0 by finite differences before it is reported.

Pairs (C, c, a, b, μ constants in k; ρ = √(τ² + r²), τ = b t; ν = (N−1)/2):
  C e^{ct} e^{−a k² t}              → C e^{ct} (4π a t)^(−N/2) e^{−r²/(4 a t)}        (heat)
  C e^{ct} e^{−b k t}               → C e^{ct} Γ((N+1)/2) π^(−(N+1)/2) τ ρ^(−(N+1))   (Poisson p)
  C e^{ct} e^{−b k t} / k           → C e^{ct} Γ((N−1)/2) / (2 π^((N+1)/2)) ρ^(−(N−1)), N ≥ 2
  C e^{ct} e^{−τ√(k²+μ)} / √(k²+μ)  → 2 C e^{ct} (2π)^(−(N+1)/2) (m/ρ)^ν K_ν(m ρ), m = √μ (Yukawa,
                                      Helmholtz with μ < 0)
  C e^{ct} e^{−τ√(k²+μ)}            → −∂τ of the line above                          (Yukawa p)
  C sin(b k t) / k                  → N = 1: C Θ(bt − r)/2; N = 2: C Θ(bt − r)/(2π√(b²t² − r²));
                                      N = 3: C δ(bt − r)/(4π r)                      (ideal wave)
  C e^{ct} sinh(t√(μ − b²k²))/√(μ − b²k²) → N = 1, 2 (telegraph; b^(−N) g(r/b))
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .pde import k, r, s, t

_tau = sp.Symbol("tau", positive=True)


@dataclass(frozen=True)
class ClosedForm:
    """A real-space kernel f(r, t) with the name of the transform pair that produced it."""

    expr: sp.Expr
    pair: str


def _parts(f: sp.Expr):
    """f = amplitude(k) · exp(t·rate(k)) · oscillating(k, t); None when f has another shape."""
    f = sp.powsimp(sp.expand_power_exp(sp.factor_terms(f)), combine="exp")
    exponent, amplitude, oscillating = sp.S.Zero, sp.S.One, sp.S.One
    for factor in sp.Mul.make_args(f):
        if isinstance(factor, sp.exp):
            exponent += factor.args[0]
        elif factor.has(t):
            oscillating *= factor
        else:
            amplitude *= factor
    rate = sp.expand(exponent / t)
    if rate.has(t):
        return None
    return amplitude, rate, oscillating


def _split_rate(rate: sp.Expr):
    """rate = c + (polynomial or √-term in k): returns (c, kind, data) or None."""
    c = sp.Add(*[term for term in sp.Add.make_args(rate) if not term.has(k)])
    rest = sp.expand(rate - c)
    if rest == 0:
        return c, "const", None
    if rest.is_polynomial(k):
        poly = sp.Poly(rest, k)
        coeffs = dict(poly.terms())
        if set(coeffs) == {(2,)}:
            return c, "gauss", -coeffs[(2,)]
        if set(coeffs) == {(1,)}:
            return c, "exp_k", -coeffs[(1,)]
        return None
    roots = [p for p in rest.atoms(sp.Pow) if p.exp == sp.S.Half and p.base.has(k)]
    if len(roots) != 1:
        return None
    root = roots[0]
    beta = sp.simplify(rest / root)
    if beta.has(k):
        return None
    radicand = _quadratic_in_k(root.base)
    if radicand is None:
        return None
    gamma, delta = radicand
    if not gamma.is_positive:
        return None
    return c, "yukawa", (-beta * sp.sqrt(gamma), delta / gamma, sp.sqrt(gamma))


def _quadratic_in_k(expr):
    """γ k² + δ → (γ, δ); None otherwise."""
    expr = sp.expand(expr)
    if not expr.is_polynomial(k):
        return None
    poly = sp.Poly(expr, k)
    terms = dict(poly.terms())
    if not set(terms) <= {(2,), (0,)} or (2,) not in terms:
        return None
    return terms[(2,)], terms.get((0,), sp.S.Zero)


def inverse_radial(f_hat: sp.Expr, N) -> ClosedForm | None:
    """F_N[f̃](r, t) in closed form, or None when no pair of the table matches."""
    N = sp.Integer(N) if isinstance(N, int) else N
    if f_hat == 0:
        return ClosedForm(sp.S.Zero, "zero")
    parts = _parts(f_hat)
    if parts is None:
        return None
    amplitude, rate, oscillating = parts
    split = _split_rate(rate)
    if split is None:
        return None
    c, kind, data = split
    decay = sp.exp(c * t)
    if oscillating == 1:
        return _monotone(amplitude, decay, kind, data, N)
    if kind == "const":
        return _wave(amplitude, oscillating, decay, N)
    return None


def _monotone(amplitude, decay, kind, data, N):
    if kind == "gauss" and not amplitude.has(k):
        a = data
        if not (a.is_positive or (sp.re(a).is_nonnegative and a != 0)):
            return None
        expr = amplitude * decay * (4 * sp.pi * a * t) ** (-N / 2) * sp.exp(-r**2 / (4 * a * t))
        return ClosedForm(expr, "heat kernel")
    if kind == "exp_k":
        b = data
        if not b.is_positive:
            return None
        rho2 = (b * t) ** 2 + r**2
        if not amplitude.has(k):
            expr = amplitude * decay * sp.gamma((N + 1) / 2, evaluate=False) / sp.pi ** ((N + 1) / 2) * b * t * rho2 ** (-(N + 1) / 2)
            return ClosedForm(expr, "Poisson kernel")
        C = sp.simplify(amplitude * k)
        if C.has(k) or N == 1:
            return None
        expr = C * decay * sp.gamma((N - 1) / 2, evaluate=False) / (2 * sp.pi ** ((N + 1) / 2)) * rho2 ** (-(N - 1) / 2)
        return ClosedForm(expr, "Newton potential in N+1 dimensions")
    if kind == "yukawa":
        b, mu, sqrt_gamma = data
        if not b.is_positive:
            return None
        m = sp.sqrt(mu)
        nu = (N - 1) / 2
        rho = sp.sqrt(_tau**2 + r**2)
        yukawa = 2 * (2 * sp.pi) ** (-(N + 1) / 2) * (m / rho) ** nu * sp.besselk(nu, m * rho)
        C = sp.simplify(amplitude * sqrt_gamma * sp.sqrt(k**2 + mu))
        if not C.has(k):
            return ClosedForm(C * decay * yukawa.subs(_tau, b * t), "Yukawa (modified Bessel K)")
        if not amplitude.has(k):
            # −∂τ of (m/ρ)^ν K_ν(mρ) is τ (m/ρ)^(ν+1) K_(ν+1)(mρ) (DLMF 10.29.4: d[z^−ν K_ν]/dz = −z^−ν K_(ν+1)):
            # one Bessel term, where sympy's diff gives three (K_(ν−1), K_(ν+1), K_ν/ρ); derive checks it
            expr = amplitude * decay * 2 * (2 * sp.pi) ** (-(N + 1) / 2) * b * t * (m / rho) ** (nu + 1) \
                * sp.besselk(nu + 1, m * rho)
            return ClosedForm(expr.subs(_tau, b * t), "Yukawa density (−∂τ of the modified Bessel K kernel)")
    return None


def _wave(amplitude, oscillating, decay, N):
    """sin(b k t)/k (ideal wave) and sinh(t√(μ − b²k²))/√(μ − b²k²) (telegraph)."""
    if not N.is_Integer:
        return None
    if isinstance(oscillating, sp.sin):
        b = sp.simplify(oscillating.args[0] / (k * t))
        C = sp.simplify(amplitude * k)
        if b.has(k, t) or C.has(k) or not b.is_positive:
            return None
        front = b * t - r
        forms = {1: C * sp.Heaviside(front) / 2,
                 2: C * sp.Heaviside(front) / (2 * sp.pi * sp.sqrt(b**2 * t**2 - r**2)),
                 3: C * sp.DiracDelta(front) / (4 * sp.pi * r)}
        if N not in forms:
            return None
        return ClosedForm(decay * forms[N], f"ideal wave, N = {N}")
    if isinstance(oscillating, sp.sinh):
        root = sp.simplify(oscillating.args[0] / t)
        if not (root.is_Pow and root.exp == sp.S.Half):
            return None
        quad = _quadratic_in_k(root.base)
        if quad is None or not (-quad[0]).is_positive:
            return None
        b, mu = sp.sqrt(-quad[0]), quad[1]
        C = sp.simplify(amplitude * root)
        if C.has(k) or N not in (1, 2):
            return None
        u = sp.sqrt(t**2 - (r / b) ** 2)
        g = {1: sp.besseli(0, sp.sqrt(mu) * u) * sp.Heaviside(t - r / b) / 2,
             2: sp.cosh(sp.sqrt(mu) * u) / (2 * sp.pi * u) * sp.Heaviside(t - r / b)}[N]
        return ClosedForm(C * decay * b ** (-N) * g, f"telegraph, N = {N}")
    return None


def local_terms(expr: sp.Expr) -> list | None:
    """expr(s, k) as Σ c · s^a · (−k²)^b, i.e. the operator Σ c ∂t^a (∇²)^b; None if non-local."""
    q = sp.Dummy("q")
    polynomial = sp.expand(expr).subs(k**2, -q)
    if polynomial.has(k):
        return None
    try:
        poly = sp.Poly(polynomial, s, q)
    except sp.PolynomialError:
        return None
    return [(c, a, b) for (a, b), c in poly.terms()]


def radial_laplacian(f: sp.Expr, N, times: int = 1) -> sp.Expr:
    """(∇²)^times of a radial function f(r) in N dimensions."""
    for _ in range(times):
        f = sp.diff(f, r, 2) + (N - 1) / r * sp.diff(f, r)
    return f


def apply_local(expr: sp.Expr, f: sp.Expr, N) -> sp.Expr | None:
    """The operator expr(∂t, ∇²) applied to the radial f(r, t); None for non-local symbols."""
    terms = local_terms(expr)
    if terms is None:
        return None
    return sp.Add(*[c * sp.diff(radial_laplacian(f, N, b), t, a) for c, a, b in terms])


@dataclass(frozen=True)
class RealSpaceKernels:
    """G, P, j, R as closed forms in r, t (None where no closed form was found), for dimension N.

    p = Σ_i w_i P(|x − y_i|, t),  J = Σ_i w_i (x − y_i) j(|x − y_i|, t),  R = Σ_i w_i R(|x − y_i|, t).
    """

    N: object
    G: ClosedForm | None
    P: ClosedForm | None
    j: ClosedForm | None
    R: ClosedForm | None

    def items(self):
        return {"G": self.G, "P": self.P, "j": self.j, "R": self.R}.items()


def real_space(green, flow, N) -> RealSpaceKernels:
    """Closed forms for every kernel: by the table of pairs, else by local operators applied to G.

    j uses F_N[∇ f](x) = x · (−2π) F_{N+2}[f̃](r) (raising the dimension by two), so the pair table
    serves the flux too.
    """
    N = sp.Integer(N) if isinstance(N, int) else N
    G = inverse_radial(green.G_hat, N)
    P = inverse_radial(flow.p_hat, N)
    if P is None and G is not None:
        applied = apply_local(flow.sigma * flow.M, G.expr, N)
        P = None if applied is None else ClosedForm(applied, f"σ M(∂t, ∇²) applied to G ({G.pair})")
    j = None
    raised = inverse_radial(flow.QG_hat, N + 2)
    if raised is not None:
        j = ClosedForm(-2 * sp.pi * flow.sigma * raised.expr, f"−2πσ F_(N+2)[Q G̃] ({raised.pair})")
    elif G is not None:
        applied = apply_local(flow.Q, G.expr, N)
        if applied is not None:
            j = ClosedForm(flow.sigma * sp.diff(applied, r) / r, f"σ (1/r) ∂r Q(∇²) G ({G.pair})")
    if flow.L00 == 0:
        R = ClosedForm(sp.S.Zero, "L(0,0) = 0")
    else:
        R = None if G is None else ClosedForm(-flow.sigma * flow.L00 * G.expr, f"−σ L(0,0) G ({G.pair})")
    return RealSpaceKernels(N, G, P, j, R)
