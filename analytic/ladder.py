"""The SDE ladder (Zhou, "Generative Models meets Physics", "General SDE ladder"): path → Fokker–Planck →
action S = −log ρ → score → probability-flow velocity → the velocity's own PDE, each checked by substitution.

For dX_i = b_i(X, t) dt + g_i(t) dW_i with D_i = g_i²/2 (the slides' α(t) = g² for isotropic noise, a = αI):
    FP        ∂t ρ = −Σ_i ∂_i(b_i ρ) + Σ_i D_i ∂_i² ρ
    action    ∂t S = Σ_i [∂_i b_i − b_i ∂_i S + D_i (∂_i² S − (∂_i S)²)]                  (ρ = e^{−S})
    score     s_i = ∂_i log ρ = −∂_i S,   ∂t s_i = ∂_i Σ_j [−∂_j b_j − b_j s_j + D_j (∂_j s_j + s_j²)]
    velocity  v_i = b_i − D_i s_i   (∂t ρ + ∇·(ρ v) = 0: same marginals, no noise)
    velocity PDE  (every D_i ≠ 0) s_i = (b_i − v_i)/D_i put into the score PDE: ∂t v_i = ∂t b_i − D_i' s_i − D_i ∂t s_i.
The action and score PDEs follow from FP by ρ = e^{−S} alone; the score PDE uses s = −∇S (a gradient field),
so ∂_i s_j = ∂_j s_i may be used. ``Ladder.checks`` substitutes an exact solution into every rung and
reports each residual: symbolically simplified where SymPy reaches 0, otherwise evaluated at sample points
with 30 significant digits (``Residual``). Without an exact solution the rungs are checked as identities
(ρ = e^{−S} with S an undefined function: FP/ρ equals −(action), and so on), and the check says so.

Exact solutions used (all closed forms of the linear class, ``analytic.sde.linear``): ρ(x, t) = Σ_k w_k
Π_i N(x_i; f_i m_ki, f_i² σ_ki² + Ξ_i) for Gaussian-mixture data, which includes one Gaussian and, with the
bridge's drift −x/(1 − t), the Brownian bridge.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .sde import SDE, linear, t

DIGITS = 30
#: where a numeric residual is evaluated: a few points of x and t (t inside (0, 1) for the VP schedule and bridges)
SAMPLE_X = (sp.Rational(-13, 10), sp.Rational(2, 5), sp.Rational(21, 10))
SAMPLE_T = (sp.Rational(3, 10), sp.Rational(7, 10))


@dataclass(frozen=True)
class Residual:
    """A rung substituted back: ``symbolic`` is the simplified residual when SymPy reached a closed form (0 if it
    holds), else None; ``max_abs`` the largest |residual| over the sample points, ``scale`` the largest term
    there (so ``max_abs / scale`` is a relative residual), ``method`` how it was obtained."""

    symbolic: sp.Expr | None
    max_abs: float
    scale: float
    method: str

    @property
    def relative(self) -> float:
        return self.max_abs / self.scale if self.scale > 0 else self.max_abs

    @property
    def holds(self) -> bool:
        if self.symbolic is not None:
            return self.symbolic == 0
        return self.relative < 10 ** (-DIGITS // 2)

    def to_json(self) -> dict:
        return {"holds": self.holds, "symbolic": None if self.symbolic is None else str(self.symbolic),
                "max_abs": self.max_abs, "relative": self.relative, "method": self.method}


def residual(expr: sp.Expr, terms: list, variables: tuple, simplify: bool = True) -> Residual:
    """``expr`` (which should vanish) at the sample points; ``terms`` are its pieces, for the scale."""
    symbolic = None
    if simplify:
        reduced = sp.simplify(sp.together(expr))
        if reduced == 0 or not reduced.free_symbols:
            symbolic = sp.S.Zero if reduced == 0 else reduced
    worst = scale = 0.0
    points = [(x0, t0) for x0 in SAMPLE_X for t0 in SAMPLE_T]
    for x0, t0 in points:
        at = {v: x0 + sp.Rational(i, 7) for i, v in enumerate(variables)}
        at[t] = t0
        worst = max(worst, abs(complex(sp.N(expr.subs(at), DIGITS))))
        scale = max([scale] + [abs(complex(sp.N(term.subs(at), DIGITS))) for term in terms])
    method = "simplified to 0" if symbolic == 0 else f"evaluated at {len(points)} points, {DIGITS} digits"
    return Residual(symbolic, worst, scale, method)


@dataclass(frozen=True)
class Rung:
    """One rung: the equation as ``lhs = rhs`` (SymPy, in the generic functions ρ, S, s_i, v_i)."""

    name: str
    lhs: sp.Expr
    rhs: sp.Expr

    @property
    def latex(self) -> str:
        return sp.latex(sp.Eq(self.lhs, self.rhs, evaluate=False))


class Ladder:
    """The ladder of ``sde`` (module docstring), symbolic in generic functions of (variables, t)."""

    def __init__(self, sde: SDE):
        self.sde = sde
        self.variables = sde.variables
        args = (*self.variables, t)
        self.rho = sp.Function("rho")(*args)
        self.S = sp.Function("S")(*args)
        names = [str(v) for v in self.variables]
        self.s = tuple(sp.Function(f"s_{n}")(*args) for n in names)
        self.v = tuple(sp.Function(f"v_{n}")(*args) for n in names)

    # --- the right sides, as functions of the field they act on -------------------------------------------
    def fp_rhs(self, rho):
        return self.sde.fokker_planck(rho)

    def action_rhs(self, S):
        return sum(sp.diff(b, x) - b * sp.diff(S, x) + D * (sp.diff(S, x, 2) - sp.diff(S, x) ** 2)
                   for x, b, D in zip(self.variables, self.sde.drift, self.sde.D))

    def _score_potential(self, s):
        return sum(-sp.diff(b, x) - b * si + D * (sp.diff(si, x) + si ** 2)
                   for x, b, D, si in zip(self.variables, self.sde.drift, self.sde.D, s))

    def score_rhs(self, s):
        phi = self._score_potential(s)
        return tuple(sp.diff(phi, x) for x in self.variables)

    def velocity(self, s):
        return tuple(b - D * si for b, D, si in zip(self.sde.drift, self.sde.D, s))

    @property
    def velocity_closes(self) -> bool:
        """The score is (b − v)/D, so v has a PDE of its own exactly when no D_i vanishes."""
        return all(sp.simplify(D) != 0 for D in self.sde.D)

    def velocity_rhs(self, v):
        """∂t v_i in terms of v (``velocity_closes`` must hold)."""
        s = tuple((b - vi) / D for b, vi, D in zip(self.sde.drift, v, self.sde.D))
        ds = self.score_rhs(s)
        return tuple(sp.diff(b, t) - sp.diff(D, t) * si - D * dsi
                     for b, D, si, dsi in zip(self.sde.drift, self.sde.D, s, ds))

    def rungs(self) -> list[Rung]:
        dt = lambda f: sp.Derivative(f, t)
        out = [Rung("Fokker–Planck", dt(self.rho), self.fp_rhs(self.rho)),
               Rung("action S = −log ρ", dt(self.S), self.action_rhs(self.S))]
        out += [Rung(f"score s_{x}", dt(si), r) for x, si, r in zip(self.variables, self.s, self.score_rhs(self.s))]
        out += [Rung(f"velocity v_{x}", vi, r) for x, vi, r in zip(self.variables, self.v, self.velocity(self.s))]
        if self.velocity_closes:
            out += [Rung(f"velocity PDE v_{x}", dt(vi), sp.simplify(r))
                    for x, vi, r in zip(self.variables, self.v, self.velocity_rhs(self.v))]
        return out

    # --- substitution checks ------------------------------------------------------------------------------
    def checks(self, rho: sp.Expr | None = None, simplify: bool = True) -> list[dict]:
        """Each rung with its residual on the exact density ``rho`` (or, without one, as an identity)."""
        xs = self.variables
        if rho is None:
            return self._identity_checks()
        S = -sp.log(rho)
        s = tuple(sp.diff(sp.log(rho), x) for x in xs)
        v = self.velocity(s)
        rows = [("Fokker–Planck", sp.diff(rho, t) - self.fp_rhs(rho), [sp.diff(rho, t)]),
                ("action S = −log ρ", sp.diff(S, t) - self.action_rhs(S), [sp.diff(S, t)])]
        rows += [(f"score s_{x}", sp.diff(si, t) - r, [sp.diff(si, t)]) for x, si, r in zip(xs, s, self.score_rhs(s))]
        flux = sum(sp.diff(rho * vi, x) for x, vi in zip(xs, v))
        rows.append(("probability flow ∂t ρ + ∇·(ρv) = 0", sp.diff(rho, t) + flux, [sp.diff(rho, t)]))
        if self.velocity_closes:
            rows += [(f"velocity PDE v_{x}", sp.diff(vi, t) - r, [sp.diff(vi, t)])
                     for x, vi, r in zip(xs, v, self.velocity_rhs(v))]
        return [{"rung": name, "residual": residual(expr, terms, xs, simplify)} for name, expr, terms in rows]

    def _identity_checks(self) -> list[dict]:
        """No exact solution: each rung's equivalence with FP for a generic S (ρ = e^{−S})."""
        xs, S = self.variables, self.S
        rho = sp.exp(-S)
        s = tuple(-sp.diff(S, x) for x in xs)
        rows = [("action S = −log ρ", sp.expand(self.fp_rhs(rho) / rho + self.action_rhs(S)))]
        rows += [(f"score s_{x}", sp.expand(-sp.diff(self.action_rhs(S), x) - r))
                 for x, r in zip(xs, self.score_rhs(s))]
        v = self.velocity(s)
        rows.append(("probability flow ∂t ρ + ∇·(ρv) = 0",
                     sp.expand((sum(sp.diff(rho * vi, x) for x, vi in zip(xs, v)) + self.fp_rhs(rho)) / rho)))
        out = []
        for name, expr in rows:
            reduced = sp.simplify(expr)
            out.append({"rung": name, "residual": Residual(reduced, 0.0 if reduced == 0 else float("nan"), 1.0,
                                                           "identity for a generic S (no exact solution known here)")})
        return out


def mixture_density(sde: SDE, weights, means, variances) -> sp.Expr:
    """The exact ρ(x, t) of a linear SDE from Gaussian-mixture data (per-coordinate means and variances)."""
    lin = linear(sde)
    total = sp.S.Zero
    for w, m, var in zip(weights, means, variances):
        term = sp.sympify(w)  # safe: weights are numbers from callers in the code (derivations.zhou), never user text
        for i, x in enumerate(sde.variables):
            V = lin.marginal_variance(i, sp.sympify(var[i]))  # safe: numbers from callers in the code, not user text
            term *= sp.exp(-(x - lin.f[i] * m[i]) ** 2 / (2 * V)) / sp.sqrt(2 * sp.pi * V)
        total += term
    return total


def heat_bridge(sde: SDE) -> dict | None:
    """GenPhys bridge: for a linear SDE, y_i = x_i/f_i(t) and dτ_i = g_i²/(2 f_i²) dt turn FP into the heat
    equation ∂τ q = Δ_y q (the catalog's "phi_t - lap(phi)"), ρ(x, t) = Π_i q(x_i/f_i, τ_i)/f_i: for VE (f = 1)
    this is the Cole–Hopf statement that S = −log ρ solves the nonlinear action PDE while ρ = e^{−S} is heat. Checked by
    substitution of the heat kernel q = N(y; y0, 2τ + c) with symbolic y0, c: the residual is returned.
    None when the SDE is not linear or its integrals have no closed form."""
    from .errors import GenphysError

    try:
        lin = linear(sde)
    except GenphysError:
        return None
    u = sp.Symbol("u", nonnegative=True)
    log_rho, taus = sp.S.Zero, []
    for i, (x, f, g) in enumerate(zip(sde.variables, lin.f, sde.diffusion)):
        tau = sp.integrate(sp.simplify(g ** 2 / (2 * f ** 2)).subs(t, u), (u, 0, t), conds="none")
        if tau.has(sp.Integral):
            return None
        y0, c = sp.Symbol(f"y0_{i}", real=True), sp.Symbol(f"c_{i}", positive=True)
        var = 2 * tau + c
        # log ρ, so that only log(var) and log(f) appear: their derivatives are rational, and no branch of a
        # square root of a t-dependent expression (the bridge's 1 − t) has to be chosen
        log_rho += -(x / f - y0) ** 2 / (2 * var) - sp.log(2 * sp.pi * var) / 2 - sp.log(f)
        taus.append(sp.simplify(tau))
    # (∂t ρ − FP ρ)/ρ written in log ρ =: E:  ∂t E + Σ [∂_i b_i + b_i ∂_i E − D_i (∂_i² E + (∂_i E)²)]
    res = sp.diff(log_rho, t) + sum(sp.diff(b, x) + b * sp.diff(log_rho, x) - D * (sp.diff(log_rho, x, 2)
                                                                                   + sp.diff(log_rho, x) ** 2)
                                    for x, b, D in zip(sde.variables, sde.drift, sde.D))
    res = sp.simplify(sp.together(res))
    single = all(sp.simplify(tau - taus[0]) == 0 for tau in taus)
    return {"pde": "phi_t - lap(phi)", "y": [str(x / f) for x, f in zip(sde.variables, lin.f)],
            "tau": [str(tau) for tau in taus], "residual": str(res), "holds": res == 0, "single_time": single,
            "note": "one heat equation ∂τ q = Δ_y q in all coordinates" if single else
                    "each coordinate follows the 1-D heat equation in its own τ_i (the τ_i differ, so there is no "
                    "single constant-coefficient PDE in one time)"}
