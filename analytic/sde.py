"""Itô SDEs dX = b(X, t) dt + g(t) dW and the objects derived from them (Yu & Huang, Secs. II–III).

Conventions (README, "Conventions"): diffusion is diagonal, D_i(t) = g_i(t)²/2;
temperature 1; forward time t, reverse time s = T − t. For a density p(x, t):
    Fokker–Planck   ∂t p = −Σ ∂_i(b_i p) + Σ D_i ∂_i² p = −∇·J,   J_i = b_i p − D_i ∂_i p,
    probability flow   v_i = b_i − D_i ∂_i ln p   (∂t p + ∇·(p v) = 0, same marginals, no noise),
    reverse drift   b*_i(x, s) = −b_i(x, T − s) + 2 D_i ∂_i ln p(x, T − s)   (Anderson; Yu & Huang Eq. 35/40).
``derived_checks`` substitutes each of these back (a generic p for the identities, the closed-form
kernel for the linear class) and returns the residuals; nothing here is trusted unchecked.

The linear class dX_i = a_i(t) X_i dt + g_i(t) dW_i (a_i = −k_i/2 in the issue's notation) has the
Gaussian transition kernel N(f_i(t) x0_i, Ξ_i(t)) with f_i = exp ∫_0^t a_i and
Ξ_i = f_i² ∫_0^t g_i²/f_i² ds, i.e. f' = a f, Ξ' = 2aΞ + g², f(0) = 1, Ξ(0) = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .errors import NotSupportedError, PDEInputError
from .pde import latex as _latex, text as _text

#: forward time (t ≥ 0); its own symbol, apart from the PDE side's t.
t = sp.Symbol("t", nonnegative=True)
#: the componentwise variable of ``dX = …`` (each coordinate of X ∈ R^d follows the same scalar SDE).
X = sp.Symbol("X", real=True)
COORDINATES = {name: sp.Symbol(name, real=True) for name in ("x", "y", "z")}
_u = sp.Symbol("u", nonnegative=True)  # integration variable of Ξ


@dataclass(frozen=True)
class SDE:
    """dX_i = b_i dt + g_i(t) dW_i, i over ``variables`` ((X,) componentwise in any dimension, or x[, y[, z]])."""

    text: str
    drift: tuple
    diffusion: tuple
    variables: tuple
    parameters: tuple = ()
    defaults: tuple = ()  # (name, value) pairs a preset supplies; numeric values are never part of the text

    def __post_init__(self):
        if not (len(self.drift) == len(self.diffusion) == len(self.variables) >= 1):
            raise ValueError("internal: drift, diffusion and variables must have one entry per coordinate")
        allowed = set(self.variables) | {t} | {p.symbol for p in self.parameters}
        for b in self.drift:
            if b.free_symbols - allowed:
                raise ValueError(f"internal: drift {b} has unexpected symbols")
        for g in self.diffusion:
            if g.free_symbols - ({t} | {p.symbol for p in self.parameters}):
                raise ValueError(f"internal: diffusion {g} may depend on t and parameters only")

    @property
    def componentwise(self) -> bool:
        return self.variables == (X,)

    @property
    def D(self) -> tuple:
        """D_i = g_i²/2 (temperature 1)."""
        return tuple(g**2 / 2 for g in self.diffusion)

    @property
    def canonical(self) -> str:
        return "; ".join(f"d{v} = ({_text(b)}) dt + ({_text(g)}) dW"
                         for v, b, g in zip(self.variables, self.drift, self.diffusion))

    @property
    def latex(self) -> str:
        return r" \\ ".join(rf"d{v} = \left({_latex(b)}\right) dt + \left({_latex(g)}\right) dW_{{{v}}}"
                            for v, b, g in zip(self.variables, self.drift, self.diffusion))

    def fokker_planck(self, p: sp.Expr) -> sp.Expr:
        """The right side of ∂t p = −Σ ∂_i(b_i p) + Σ D_i ∂_i² p."""
        return sum(-sp.diff(b * p, v) + D * sp.diff(p, v, 2) for v, b, D in zip(self.variables, self.drift, self.D))

    def current(self, p: sp.Expr) -> tuple:
        """J_i = b_i p − D_i ∂_i p (Yu & Huang below Eq. 24, with D = 1 there)."""
        return tuple(b * p - D * sp.diff(p, v) for v, b, D in zip(self.variables, self.drift, self.D))

    def flow_velocity(self, p: sp.Expr) -> tuple:
        """v_i = b_i − D_i ∂_i ln p: the probability-flow ODE with the SDE's marginals."""
        return tuple(b - D * sp.diff(p, v) / p for v, b, D in zip(self.variables, self.drift, self.D))

    def reverse_drift(self, p: sp.Expr, T: sp.Expr, s: sp.Symbol) -> tuple:
        """b*_i(x, s) = −b_i(x, T − s) + 2 D_i ∂_i ln p(x, T − s), the drift of the reversal in s = T − t."""
        return tuple((-b + 2 * D * sp.diff(p, v) / p).subs(t, T - s)
                     for v, b, D in zip(self.variables, self.drift, self.D))


@dataclass(frozen=True)
class Potential:
    """A potential V(t, x[, y[, z]]) and its overdamped Langevin SDE dX = −∇V dt + √(2/β) dW (temperature 1/β)."""

    text: str
    V: sp.Expr
    variables: tuple
    parameters: tuple = ()

    def force(self) -> tuple:
        """−∇V, one component per coordinate."""
        return tuple(-sp.diff(self.V, v) for v in self.variables)

    def hessian(self) -> tuple:
        """∂_i ∂_j V as rows (the stiffness a step size must respect)."""
        return tuple(tuple(sp.diff(self.V, a, b) for b in self.variables) for a in self.variables)

    def sde(self, beta) -> SDE:
        """The overdamped Langevin SDE at inverse temperature β (a positive number)."""
        g = sp.sqrt(2 / sp.Rational(str(beta)))
        return SDE(self.text, self.force(), (g,) * len(self.variables), self.variables, self.parameters)


@dataclass(frozen=True)
class LinearSDE:
    """The linear class: b_i = a_i(t) x_i; transition N(f_i x0_i, Ξ_i) (module docstring)."""

    sde: SDE
    a: tuple
    f: tuple
    Xi: tuple

    def marginal_variance(self, i: int, data_variance: sp.Expr) -> sp.Expr:
        """Var of coordinate i at t for data of variance σ² along it: f_i² σ² + Ξ_i."""
        return self.f[i] ** 2 * data_variance + self.Xi[i]


class NotLinearError(PDEInputError):
    """The drift is outside the linear class a(t)·X that a command needing Gaussian marginals was given."""


def linear(sde: SDE) -> LinearSDE:
    """The linear-class form of ``sde`` (f and Ξ in closed form, checked by substitution), or NotLinearError
    naming the coordinate and why."""
    a_list, f_list, xi_list = [], [], []
    for v, b, g in zip(sde.variables, sde.drift, sde.diffusion):
        a = sp.simplify(sp.diff(b, v))
        rest = sp.simplify(b - a * v)
        others = a.free_symbols & set(sde.variables)
        if others or rest != 0:
            why = (f"its slope in {v} depends on {sorted(map(str, others))}" if others
                   else f"it has the term {_text(rest)} that is not proportional to {v}")
            raise NotLinearError(f"d{v} has drift {_text(b)}, outside the linear class a(t)·{v} this needs (only "
                                 f"there is the transition kernel Gaussian and p_t known in closed form), because {why}")
        log_f = sp.integrate(a.subs(t, _u), (_u, 0, t), conds="none")
        f = sp.exp(log_f)
        if log_f.has(sp.Integral):
            raise NotSupportedError(f"not supported yet: no closed form for ∫ a(t) dt of d{v} (a = {_text(a)})")
        if log_f.has(sp.zoo, sp.oo, -sp.oo, sp.nan) or f == 0:
            raise NotLinearError(f"d{v} has drift {_text(b)}, whose slope a(t) = {_text(a)} is not integrable from "
                                 "t = 0, so the process has no transition kernel from the data at t = 0; make the "
                                 "drift finite at t = 0")
        integrand = sp.simplify((g**2 / f**2).subs(t, _u))
        integral = sp.integrate(integrand, (_u, 0, t), conds="none")  # generic parameter values
        if integral.has(sp.Integral):
            raise NotSupportedError(f"not supported yet: no closed form for ∫ g²/f² ds of d{v} ({_text(integrand)})")
        Xi = sp.simplify(f**2 * integral)
        f = sp.simplify(f)
        for residual in (sp.diff(f, t) - a * f, sp.diff(Xi, t) - 2 * a * Xi - g**2):
            if sp.simplify(residual) != 0:
                raise ValueError(f"internal: the transition kernel of d{v} fails its ODE ({residual})")
        if sp.simplify(f.subs(t, 0) - 1) != 0 or sp.simplify(Xi.subs(t, 0)) != 0:
            raise ValueError(f"internal: the transition kernel of d{v} misses its initial condition")
        a_list.append(a)
        f_list.append(f)
        xi_list.append(Xi)
    return LinearSDE(sde, tuple(a_list), tuple(f_list), tuple(xi_list))


@dataclass(frozen=True)
class Identity:
    """One derived object substituted back: ``residual`` must be 0."""

    name: str
    statement: str
    residual: sp.Expr

    @property
    def holds(self) -> bool:
        return self.residual == 0


def _zero(expr: sp.Expr) -> sp.Expr:
    expr = sp.simplify(sp.expand(expr))
    return sp.S.Zero if expr == 0 else expr


def derived_checks(sde: SDE) -> list[Identity]:
    """Substitute the derived objects back (module docstring): each residual simplifies to 0, or it is shown."""
    s, T = sp.Symbol("s", nonnegative=True), sp.Symbol("T", positive=True)
    p = sp.Function("p", positive=True)(*sde.variables, t)
    checks = []
    fp = sde.fokker_planck(p)
    divergence = sum(sp.diff(J, v) for J, v in zip(sde.current(p), sde.variables))
    checks.append(Identity("current", "FP right side = −∇·J", _zero(fp + divergence)))
    flux = sum(sp.diff(p * v_i, v) for v_i, v in zip(sde.flow_velocity(p), sde.variables))
    checks.append(Identity("probability flow", "∇·(p v) = −(FP right side)", _zero(flux + fp)))
    # Yu & Huang App. C: the reversal's Fokker–Planck equation, solved by P(x, s) = p(x, T − s)
    P = p.subs(t, T - s)
    drift_rev = sde.reverse_drift(p, T, s)
    fp_rev = sum(-sp.diff(b * P, v) + D.subs(t, T - s) * sp.diff(P, v, 2)
                 for v, b, D in zip(sde.variables, drift_rev, sde.D))
    checks.append(Identity("reverse marginals", "∂s P = FP*(P) for P(x, s) = p(x, T − s) when p solves FP",
                           _zero(sp.diff(P, s) - fp_rev + (sp.Derivative(p, t) - fp).subs(t, T - s).doit())))
    # App. D: the reversal's current is −J at the same point in time
    J_rev = tuple(b * P - D.subs(t, T - s) * sp.diff(P, v) for v, b, D in zip(sde.variables, drift_rev, sde.D))
    checks.append(Identity("reverse current", "J*(x, s) = −J(x, T − s)",
                           sum(_zero(a + J.subs(t, T - s)) ** 2 for a, J in zip(J_rev, sde.current(p)))))
    try:
        lin = linear(sde)
    except (NotLinearError, NotSupportedError):
        return checks
    # log K in terms of F_i(t), Ξ_i(t) whose ODEs ``linear`` checked: then ∂t K/K − FP(K)/K is rational
    x0 = [sp.Symbol(f"x0_{i}", real=True) for i in range(len(sde.variables))]
    F = [sp.Function(f"F_{i}", positive=True)(t) for i in range(len(x0))]
    V = [sp.Function(f"Xi_{i}", positive=True)(t) for i in range(len(x0))]
    E = sum(-(v - f * y) ** 2 / (2 * Xi) - sp.log(2 * sp.pi * Xi) / 2 for v, f, Xi, y in zip(sde.variables, F, V, x0))
    fp_over_K = sum(-sp.diff(b, v) - b * sp.diff(E, v) + D * (sp.diff(E, v, 2) + sp.diff(E, v) ** 2)
                    for v, b, D in zip(sde.variables, sde.drift, sde.D))
    odes = {}
    for f, Xi, a, g, ff, VV in zip(lin.f, lin.Xi, lin.a, sde.diffusion, F, V):
        odes[sp.Derivative(ff, t)] = a * ff
        odes[sp.Derivative(VV, t)] = 2 * a * VV + g**2
    residual = sp.together((sp.diff(E, t) - fp_over_K).subs(odes))
    checks.append(Identity("transition kernel", "∂t K = FP(K) for K = Π N(x_i; f_i x0_i, Ξ_i), given f' = a f and "
                           "Ξ' = 2aΞ + g²", _zero(sp.numer(residual))))
    return checks
