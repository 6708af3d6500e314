"""Zhou, "Generative Models meets Physics" (the seed slides): the SDE ladder table and the printed formulas,
each checked by substitution on an exact solution; and the ladder of any SDE (`genphys ladder`).

Every slide formula is written here as SymPy in one coordinate x (the table's rows are isotropic, so the
1-D case carries every term), and its residual — the printed equation with an exact density substituted —
is computed by ``analytic.ladder.residual``, beside the residual of our own equation on the same density.
Exact solutions (closed forms checked against their own Fokker–Planck equation first, ``_solves``):
    VE       ρ(x, τ) = N(x; m, c + τ), τ = ∫_0^t g² (the slide's τ = σ(t)²);
    VP       ρ = N(x; f m, f² c + Ξ) for dX = −½β(t) X dt + √β dW, β = 0.1 + 19.9 t (the `vp` preset);
    FM       X_t = (1 − t)X_0 + tX_1, X_0 ~ N(0, 1), X_1 ~ N(1, ¼) independent: ρ_t = N(t, (1 − t)² + t²/4),
             v = E[X_1 − X_0 | X_t = x] and Σ = Var(X_1 − X_0 | X_t) from the joint Gaussian;
    SB       the Brownian bridge dX = −X/(1 − t) dt + √ε dW (ε = ½) from N(0, ½): ρ_t = N(0, (1 − t)²/2 + εt(1 − t)).
"""

from __future__ import annotations

import dataclasses
import functools

import mpmath
import sympy as sp

from analytic.ladder import Ladder, heat_bridge, mixture_density, residual
from analytic.sde import SDE, X, t
from analytic.sde_grammar import parse_sde, sde_values
from .claims import Claim, Finding

x = X  # the slides' one coordinate is the SDE grammar's componentwise X
#: the Schrödinger-bridge rows are checked on the Brownian bridge to 0 with noise √ε, ε ≠ 1 so that ε and ε² differ
SB_TEXT, SB_EPS = "dX = -X/(1 - t) dt + sqrt(eps) dW", 0.5
WHERE = "General SDE ladder, table"


def _gauss(mean, var):
    return sp.exp(-(x - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def _res(expr, *terms, simplify: bool = True):
    return residual(expr, list(terms) or [expr], (x,), simplify)


def _fmt(r) -> str:
    return "0 (simplified)" if r.symbolic == 0 else f"{r.relative:.3g} relative"


def _solves(rho, drift, D) -> None:
    """An exact solution must solve ∂t ρ = −∂x(bρ) + D ∂x² ρ before any row is checked on it."""
    r = _res(sp.diff(rho, t) + sp.diff(drift * rho, x) - D * sp.diff(rho, x, 2), sp.diff(rho, t), simplify=False)
    if not r.holds:
        raise ValueError(f"internal: the reference density does not solve its Fokker–Planck equation ({_fmt(r)})")


def _pair(paper, ours, terms, reason: str = "", simplify: bool = True) -> Finding:
    """Both residuals on the same exact density; agree when the printed equation's residual vanishes."""
    rp, ro = _res(paper, *terms, simplify=simplify), _res(ours, *terms, simplify=simplify)
    if not ro.holds:
        raise ValueError(f"internal: our own equation fails on the exact density ({_fmt(ro)})")
    return Finding(rp.holds, f"residual of the printed equation {_fmt(rp)}; of ours {_fmt(ro)}", reason)


def _rungs(lad: Ladder, rho):
    """(S, s, v) of ρ and our action, score and velocity-PDE residuals (``Ladder``, derived from the SDE)."""
    S = -sp.log(rho)
    s = -sp.diff(S, x)
    v = lad.velocity((s,))[0]
    return S, s, v, {"action": sp.diff(S, t) - lad.action_rhs(S), "score": sp.diff(s, t) - lad.score_rhs((s,))[0],
                     "velocity": sp.diff(v, t) - lad.velocity_rhs((v,))[0]}


# --- VE: dX = g dW; in τ = ∫ g² it is dX = dW_τ, D = ½ ---------------------------------------------------
@functools.lru_cache(maxsize=1)
def _ve_tau():
    """ρ(x, τ) with τ written as t (the sample points' t is τ here)."""
    rho = _gauss(sp.Rational(1, 2), sp.Rational(1, 3) + t)
    _solves(rho, 0, sp.Rational(1, 2))
    return _rungs(Ladder(parse_sde("dX = dW")), rho)


def _check_ve_action():
    S, s, v, ours = _ve_tau()
    return _pair(sp.diff(S, t) - (sp.diff(S, x, 2) - sp.diff(S, x) ** 2) / 2, ours["action"], [sp.diff(S, t)])


def _check_ve_score():
    S, s, v, ours = _ve_tau()
    return _pair(sp.diff(s, t) - sp.diff(sp.diff(s, x) + s ** 2, x) / 2, ours["score"], [sp.diff(s, t)])


def _check_ve_velocity():
    S, s, v, ours = _ve_tau()
    printed = -s / 2
    if sp.simplify(printed - v) != 0:
        return Finding(False, f"v = b − D s = {v}, not −s/2")
    pde = sp.diff(printed, t) + 2 * printed * sp.diff(printed, x) - sp.diff(printed, x, 2) / 2
    return _pair(pde, ours["velocity"], [sp.diff(v, t)])


def _check_ve_heat_in_t():
    """"∂t ρ = ½Δρ" with the slide's τ = ∫g²: true in τ, not in t (ours: ∂t ρ = (g²/2) Δρ)."""
    sigma = 25
    g2 = sp.Integer(sigma) ** (2 * t)
    tau = (g2 - 1) / (2 * sp.log(sigma))
    rho = _gauss(sp.Rational(1, 2), sp.Rational(1, 3) + tau)
    paper = sp.diff(rho, t) - sp.diff(rho, x, 2) / 2
    ours = sp.diff(rho, t) - Ladder(numeric_sde(parse_sde("ve"))).fp_rhs(rho)
    return _pair(paper, ours, [sp.diff(rho, t)], reason=(
        "∂ρ/∂t = ½Δρ is the heat equation in τ = ∫g² dt, not in t: in t it is ∂tρ = (g(t)²/2)Δρ (checked on the "
        "VE preset g = 25^t); every other VE row is written in τ and holds"))


# --- VP / DDPM: dX = −½βX dt + √β dW; the slide's κ is not defined: κ = β/2 -------------------------------
@functools.lru_cache(maxsize=1)
def _vp():
    sde = numeric_sde(parse_sde("vp"))
    beta = 2 * sde.D[0]
    rho = mixture_density(sde, [1], [[sp.Rational(1, 2)]], [[sp.Rational(1, 3)]])
    _solves(rho, sde.drift[0], sde.D[0])
    return (beta, *_rungs(Ladder(sde), rho))


def _vp_reason(paper_beta) -> str:
    return (f"the slide never defines κ: with κ = β/2 the row holds; with κ = β its residual is {_fmt(paper_beta)} "
            "(the drift −½βX and D = β/2 both carry the ½)")


def _vp_row(row, ours, scale) -> Finding:
    beta = _vp()[0]
    found = _pair(row(beta / 2), ours, [scale], simplify=False)
    return Finding(found.agree, found.ours, _vp_reason(_res(row(beta), scale, simplify=False)))


def _check_vp_action():
    beta, S, s, v, ours = _vp()
    row = lambda k: sp.diff(S, t) - (-k + k * x * sp.diff(S, x) + k * sp.diff(S, x, 2) - k * sp.diff(S, x) ** 2)
    return _vp_row(row, ours["action"], sp.diff(S, t))


def _check_vp_score():
    beta, S, s, v, ours = _vp()
    row = lambda k: sp.diff(s, t) - k * (s + x * sp.diff(s, x) + sp.diff(sp.diff(s, x) + s ** 2, x))
    return _vp_row(row, ours["score"], sp.diff(s, t))


def vp_velocity_pde(v, k):
    """Our closed velocity PDE for VP (κ = β/2; derived from v = −κ(x + s) and the score PDE):
    ∂t v + 2 v ∂x v + κ x ∂x v + κ v − (κ̇/κ) v − κ ∂x² v = 0."""
    return (sp.diff(v, t) + 2 * v * sp.diff(v, x) + k * x * sp.diff(v, x) + k * v - sp.diff(k, t) / k * v
            - k * sp.diff(v, x, 2))


def _check_vp_velocity():
    beta, S, s, v, ours = _vp()
    found = _vp_row(lambda k: -k * (x + s) - v, vp_velocity_pde(v, beta / 2), v)
    stated = _res(vp_velocity_pde(v, beta / 2), sp.diff(v, t), simplify=False)
    return Finding(found.agree, found.ours + "; the slide prints no velocity PDE for VP: ours closes as ∂t v + 2(v·∇)v "
                   f"+ κ(x·∇)v + κv − (κ̇/κ)v = κΔv (κ = β/2), residual {_fmt(stated)}", found.reason)


# --- flow matching -----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _fm():
    m, s2 = 1, sp.Rational(1, 4)
    var = (1 - t) ** 2 + t ** 2 * s2
    cov = t * s2 - (1 - t)  # Cov(X1 − X0, X_t)
    v = m + cov / var * (x - t * m)
    Sigma = (s2 + 1) - cov ** 2 / var
    rho = _gauss(t * m, var)
    r = _res(sp.diff(rho, t) + sp.diff(rho * v, x), sp.diff(rho, t))
    if not r.holds:
        raise ValueError("internal: the flow-matching velocity does not carry its marginals")
    S = -sp.log(rho)
    return rho, S, -sp.diff(S, x), v, Sigma


_FM_REASON = ("the row is the continuity equation rewritten (∇·(ρv)/ρ = ∇·v − v·∇S), so what the substitution tests "
              "is that the flow-matching v = E[X1 − X0 | X_t] carries the marginals of X_t, which holds")


def _check_fm_action():
    rho, S, s, v, _ = _fm()
    expr = sp.diff(S, t) - (sp.diff(v, x) - v * sp.diff(S, x))
    ours = sp.diff(S, t) - sp.diff(rho * v, x) / rho  # −∂t log ρ = ∇·(ρv)/ρ, the continuity equation
    return _pair(expr, ours, [sp.diff(S, t)], reason=_FM_REASON)


def _check_fm_score():
    rho, S, s, v, _ = _fm()
    expr = sp.diff(s, t) + sp.diff(sp.diff(v, x) + v * s, x)
    ours = sp.diff(s, t) + sp.diff(sp.diff(rho * v, x) / rho, x)  # ∇ of the continuity equation over ρ
    return _pair(expr, ours, [sp.diff(s, t)], reason=_FM_REASON)


def _check_fm_velocity():
    rho, S, s, v, Sigma = _fm()
    lhs = sp.diff(v, t) + v * sp.diff(v, x)
    return _pair(lhs + Sigma, lhs + sp.diff(rho * Sigma, x) / rho, [sp.diff(v, t)], reason=(
        "the printed right side −ρ⁻¹(ρΣ) is −Σ, a matrix where a vector belongs: the divergence is missing "
        "(possibly lost in the slides' transcription). "
        "Straight paths carry u = X_1 − X_0 unchanged, so ∂t(ρv) + ∇·(ρ E[u uᵀ | x]) = 0 with E[u uᵀ | x] = v vᵀ + Σ, "
        "Σ = Cov(X_1 − X_0 | X_t = x): ∂t v + (v·∇)v = −ρ⁻¹ ∇·(ρΣ)"))


# --- Schrödinger bridge: dX = ε∇η dt + √ε dW ------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _sb_ladder() -> Ladder:
    return Ladder(numeric_sde(parse_sde(SB_TEXT, {"eps": "positive"}), {"eps": SB_EPS}))


def _sb():
    eps = sp.nsimplify(SB_EPS)
    var = (1 - t) ** 2 / 2 + eps * t * (1 - t)  # f² σ0² + Ξ with f = 1 − t, Ξ = ε t(1 − t), σ0² = ½
    rho = _gauss(0, var)
    drift = -x / (1 - t)
    _solves(rho, drift, eps / 2)
    S = -sp.log(rho)
    s = -sp.diff(S, x)
    eta = -x ** 2 / (2 * eps * (1 - t))  # ε ∇η = the drift
    v = _sb_ladder().velocity((s,))[0]
    psi = sp.integrate(v, x)  # the probability-flow potential, ∇ψ = v
    return eps, rho, S, s, eta, psi, v


_SB_REASON = ("ψ is not defined on the slide. Reading ψ = εη (the drift's potential, the only potential the SDE "
              "names), the printed row misses the diffusion term: for dX = ε∇η dt + √ε dW, ∂t S = εΔη − ε∇η·∇S "
              "+ (ε/2)(ΔS − |∇S|²). The row is the continuity equation of the probability flow and holds when ψ is "
              "its velocity potential, ∇ψ = ε∇η + (ε/2)∇S")


def _check_sb_action():
    eps, rho, S, s, eta, psi, v = _sb()

    def row(p):
        return sp.diff(S, t) - (sp.diff(p, x, 2) - sp.diff(S, x) * sp.diff(p, x))

    literal, flow = _res(row(eps * eta), sp.diff(S, t)), _res(row(psi), sp.diff(S, t))
    ours = sp.diff(S, t) - _sb_ladder().action_rhs(S)
    return Finding(None, f"residual with ψ = εη {_fmt(literal)}; with ψ the flow potential {_fmt(flow)}; of ours "
                   f"{_fmt(_res(ours, sp.diff(S, t)))}", _SB_REASON)


def _check_sb_score():
    eps, rho, S, s, eta, psi, v = _sb()

    def row(p):
        return sp.diff(s, t) + sp.diff(sp.diff(p, x, 2) + sp.diff(p, x) * s, x)

    literal, flow = _res(row(eps * eta), sp.diff(s, t)), _res(row(psi), sp.diff(s, t))
    return Finding(None, f"residual with ψ = εη {_fmt(literal)}; with ψ the flow potential {_fmt(flow)}",
                   _SB_REASON + " (the score row is the gradient of the action row)")


def _check_sb_velocity():
    eps, rho, S, s, eta, psi, v = _sb()
    root = sp.sqrt(rho)
    expr = sp.diff(v, t) + v * sp.diff(v, x) + eps ** 2 / 2 * sp.diff(sp.diff(root, x, 2) / root, x)
    ours = sp.diff(v, t) - _sb_ladder().velocity_rhs((v,))[0]
    return _pair(expr, ours, [sp.diff(v, t)])


# --- the rest of the slides ----------------------------------------------------------------------------
def _check_ve_kernel_variance():
    """The VE kernel variance (σ^{2ξ} − 1)/(2 log σ) against ∫_0^ξ g² with g = σ^s: equal with unit white noise;
    with the slide's ⟨ηη⟩ = 2αδ it is 2α times that."""
    sigma, u = sp.Symbol("sigma", positive=True), sp.Symbol("u", positive=True)
    integral = sp.integrate(sigma ** (2 * u), (u, 0, t), conds="none")
    printed = (sigma ** (2 * t) - 1) / (2 * sp.log(sigma))
    ok = sp.simplify(integral - printed) == 0
    return Finding(None if ok else False, f"∫_0^ξ σ^(2s) ds = {sp.simplify(integral)}: the printed variance "
                   f"{'equals' if ok else 'differs from'} it for unit white noise",
                   "the same slide states ⟨η(ξ)η(ξ′)⟩ = 2αδ(ξ − ξ′), for which the variance is 2α ∫g²: the kernel "
                   "is consistent with it only for α = ½ (or unit noise), and α is not given")


def _check_heat_kernel_variance():
    u = sp.Symbol("u", positive=True)
    g = sp.Function("g")
    rho = _gauss(0, sp.Integral(g(u) ** 2, (u, 0, t)))
    paper = _gauss(0, g(t))
    fp = lambda p: sp.diff(p, t) - g(t) ** 2 / 2 * sp.diff(p, x, 2)
    ours_zero = sp.simplify(fp(rho).doit() / rho) == 0
    paper_zero = sp.simplify(fp(paper) / paper) == 0
    return Finding(paper_zero and ours_zero, "N(φ; φ0, ∫_0^t g² ds) solves ∂tP = (g²/2)∂²P "
                   f"({'yes' if ours_zero else 'no'}); N(φ; φ0, g(t)) does {'so' if paper_zero else 'not'}",
                   "dφ/dt = g(t)η adds variance ∫_0^t g(s)² ds, not g(t): the kernel's variance (and the prior "
                   "N(0, g(t)) of the backward process, which should be N(0, ∫g²) for wide noise) is the integral")


def _check_heat_fp():
    g = sp.Function("g")(t)
    P = sp.Function("P")(x, t)
    Z = sp.Symbol("Z", positive=True)
    printed = sp.diff(g ** 2 * P, x, 2) / Z
    ours = g ** 2 / 2 * sp.diff(P, x, 2)
    diff = sp.simplify(printed - ours)
    return Finding(diff == 0, f"dφ = g dW: ∂tP = (g²/2)∂²P; printed minus ours = {sp.sstr(diff)}",
                   "Z normalises P*, not the flow, so it cannot stand in a Fokker–Planck equation: the factor must be "
                   "½ for unit white noise (most likely a ½ lost in the slides' transcription: the next lines "
                   "carry ½g²); g² may stand inside ∂² since g depends on t only")


def _check_score_pde():
    g = sp.Function("g")(t)
    P = sp.exp(sp.Function("L")(x, t))  # any positive P = e^L
    S0 = sp.diff(sp.log(P), x)
    from_fp = sp.diff(g ** 2 / 2 * sp.diff(P, x, 2) / P, x)  # ∂x of ∂t log P = ∂x (∂t P / P)
    printed = g ** 2 / 2 * (sp.diff(S0, x, 2) + 2 * S0 * sp.diff(S0, x))
    diff = sp.simplify(sp.expand(from_fp - printed))
    return Finding(diff == 0, "∂t S0 = ∂x(∂t log P) with ∂t P = (g²/2)∂²P gives (g²/2)(∂²S0 + 2 S0 ∂S0)"
                   + ("" if diff == 0 else f"; difference {diff}"),
                   "" if diff == 0 else "the printed score PDE does not follow from the heat equation")


def _check_stochastic_quantisation():
    """dφ/dτ = −∇S + √2 η with ⟨ηη⟩ = 2αδ against the printed FP α∫δ(δ + δS)P: the stationary laws."""
    alpha = sp.Symbol("alpha", positive=True)
    Sfun = sp.Function("S")(x)
    P = sp.exp(-Sfun / (2 * alpha))
    D = 2 * alpha  # noise √2η with variance 2α per unit time: D = (√2)² · 2α / 2
    langevin = sp.simplify((sp.diff(sp.diff(Sfun, x) * P, x) + D * sp.diff(P, x, 2)) / P)
    printed_stationary = sp.exp(-Sfun)
    printed = sp.simplify(alpha * sp.diff(sp.diff(printed_stationary, x) + sp.diff(Sfun, x) * printed_stationary, x)
                          / printed_stationary)
    if langevin != 0 or printed != 0:
        raise ValueError(f"internal: a stationary law fails its FP ({langevin}, {printed})")
    same = sp.solve(sp.Eq(1 / (2 * alpha), 1), alpha)  # where e^{−S/(2α)} is e^{−S}
    agree = False if not same else None
    return Finding(agree,
                   "with ⟨ηη⟩ = 2αδ the Langevin equation has D = 2α and stationary law e^{−S/(2α)}; the printed "
                   "FP α∫δ(δ/δφ + δS/δφ)P has stationary law e^{−S} and is the FP of dφ = −α∇S dτ + √(2α) dW",
                   f"the stationary laws agree only at α = {same[0] if same else '—'} (or when the √2η of the Langevin "
                   "equation is read as unit white noise, ⟨ηη⟩ = δ, and α = 1 in the FP); α is not fixed on the "
                   "slide, and even at α = ½ the printed FP runs at half the Langevin equation's rate")


def _check_cumulant_flow():
    """κ_n(t) from W[J] = ½J²Ξ + log E[e^{J f x0}] for data with mean m, variance v, higher κ_n(0)."""
    J, f, Xi, m = sp.symbols("J f Xi m", real=True)
    kappas = sp.symbols("k1:7", real=True)
    log_mgf0 = sum(kappas[n - 1] * (J * f) ** n / sp.factorial(n) for n in range(1, 7))  # log E e^{Jf x0}
    W = J ** 2 * Xi / 2 + log_mgf0
    k2 = sp.diff(W, J, 2).subs(J, 0)
    mu2_0 = kappas[1] + kappas[0] ** 2
    printed = mu2_0 * f ** 2 + Xi
    higher = all(sp.simplify(sp.diff(W, J, n).subs(J, 0) - kappas[n - 1] * f ** n) == 0 for n in range(3, 7))
    gap = sp.simplify(printed - k2)
    centred = sp.simplify(gap.subs(kappas[0], 0)) == 0
    agree = higher and (True if gap == 0 else None if centred else False)
    return Finding(agree, f"κ2(t) = κ2(0) f² + Ξ; the printed μ2(0) f² + Ξ exceeds it by {sp.sstr(gap)} (κ1(0) the "
                   f"data's mean); κ_n(t) = κ_n(0) fⁿ for n = 3…6: {'holds' if higher else 'FAILS'}",
                   "the slide writes κ2(t) = μ2(t) = μ2(0)f² + Ξ, which assumes centred data: d²/dJ² log E[e^{J f x0}] "
                   "at J = 0 is f² Var(x0), not f² E[x0²], so for data with a mean (a broken-phase lattice, two-moons) "
                   "use κ2(0)f² + Ξ (the ✓ line repeats E_{P0}[x0²])")


def quartic_z(sigma0, lam, dps: int = 40):
    """(printed, quadrature, relative difference) for Z = ∫ e^{−σ0 x²/2 − λx⁴/4} dx: the slide's √(4ξ/σ0) e^ξ K_{−1/4}(ξ), ξ = σ0²/(8λ)."""
    with mpmath.workdps(dps):
        s0, lam = mpmath.mpmathify(sigma0), mpmath.mpf(lam)
        xi = s0 ** 2 / (8 * lam)
        printed = mpmath.sqrt(4 * xi / s0) * mpmath.exp(xi) * mpmath.besselk(-0.25, xi)
        quad = 2 * mpmath.quad(lambda y: mpmath.exp(-s0 * y ** 2 / 2 - lam * y ** 4 / 4), [0, 1, 3, mpmath.inf])
        return complex(printed), complex(quad), float(abs(printed - quad) / abs(quad))


def _check_quartic():
    p, q, rel = quartic_z(1 + 1j, 1)
    pn, qn, _ = quartic_z(-1, 1)
    return Finding(rel < 1e-25, f"at the slide's σ0 = 1 + i, λ = 1: printed {p:.10g}, quadrature {q:.10g} "
                   f"(relative difference {rel:.1e} at 40 digits); at σ0 = −1: printed {pn:.6g}, quadrature "
                   f"{qn.real:.6g}",
                   "the closed form holds for Re σ0 > 0 only (the Bessel K route needs ξ off the negative axis "
                   "branch); for Re σ0 < 0 use (π/2)√(−σ0/λ) e^ξ [I_{−1/4}(ξ) + I_{1/4}(ξ)]")


def _check_path_identities():
    """A one-step Gaussian chain with a known Z and KL (tests/test_pathspace.py derives them): π_0 = N(0, 1),
    x1 = x0 + ξ, q_B(x0 | x1) = N(x1/2, ½), S(x) = x²/2, so Z = √(2π) and KL(P_F‖Q_B) = ½ − ½ log 2."""
    import math

    import numpy as np
    from scipy.stats import norm

    from numeric.pathspace import PathPair, simulate

    pair = PathPair(log_prior=lambda y: norm.logpdf(y[:, 0]), sample_prior=lambda rng, n: rng.standard_normal((n, 1)),
                    drift_forward=lambda y, tt: np.zeros_like(y), drift_backward=lambda y, tt: -0.5 * y,
                    action=lambda y: 0.5 * y[:, 0] ** 2, times=[0.0, 1.0], sigma=[1.0],
                    sigma_backward=[math.sqrt(0.5)])
    work = simulate(pair, 100_000, seed=0)
    log_z, kl_true = 0.5 * math.log(2 * math.pi), 0.5 - 0.5 * math.log(2)
    (lz, lz_se), (kl, kl_se), (js, js_se) = work.log_Z(), work.kl(log_z), work.jarzynski_sigma(log_z)
    ok = abs(lz - log_z) < 4 * lz_se and abs(kl - kl_true) < 4 * kl_se and abs(js - 1) < 4 * js_se and kl > 0
    return Finding(ok, f"10⁵ paths: log⟨e^(−W)⟩ = {lz:.4f} ± {lz_se:.1g} (log Z = {log_z:.4f}); ⟨Σ⟩ = {kl:.4f} ± "
                   f"{kl_se:.1g} (KL = {kl_true:.4f}); ⟨e^(−Σ)⟩ = {js:.4f} ± {js_se:.1g}",
                   "" if ok else "an identity fails beyond 4 standard errors")


CLAIMS = [
    Claim("ve-action", WHERE + ", VE", "∂τS = ½(ΔS − |∇S|²)", _check_ve_action),
    Claim("ve-score", WHERE + ", VE", "∂τs = ½∇(∇·s + |s|²)", _check_ve_score),
    Claim("ve-velocity", WHERE + ", VE", "v = −½s, ∂τv + 2(v·∇)v = ½Δv", _check_ve_velocity),
    Claim("ve-heat", "VE DM case", "dX = g dW, τ = ∫g² = σ(t)²: ∂tρ = ½Δρ", _check_ve_heat_in_t),
    Claim("vp-action", WHERE + ", DDPM/VP", "∂tS = −κd + κx·∇S + κΔS − κ|∇S|²", _check_vp_action),
    Claim("vp-score", WHERE + ", DDPM/VP", "∂ts = κ[s + (x·∇)s + ∇(∇·s + |s|²)]", _check_vp_score),
    Claim("vp-velocity", WHERE + ", DDPM/VP", "v = −κ(x + s) (no velocity PDE printed)", _check_vp_velocity),
    Claim("fm-action", WHERE + ", flow matching", "∂tS = ∇·v − v·∇S", _check_fm_action),
    Claim("fm-score", WHERE + ", flow matching", "∂ts = −∇(∇·v + v·s)", _check_fm_score),
    Claim("fm-velocity", WHERE + ", flow matching", "∂tv + (v·∇)v = −ρ⁻¹(ρΣ)", _check_fm_velocity),
    Claim("sb-action", WHERE + ", Schrödinger bridge", "dX = ε∇η dt + √ε dW: ∂tS = Δψ − ∇S·∇ψ", _check_sb_action),
    Claim("sb-score", WHERE + ", Schrödinger bridge", "∂ts = −∇(Δψ + ∇ψ·s)", _check_sb_score),
    Claim("sb-velocity", WHERE + ", Schrödinger bridge", "∂tv + (v·∇)v = −(ε²/2)∇(Δ√ρ/√ρ)", _check_sb_velocity),
    Claim("heat-kernel", "Forward noising", "dφ/dt = g(t)η ⇒ P_t(φ) = ∫P*(φ0) N(φ; φ0, g(t)) dφ0; prior N(0, g(t))",
          _check_heat_kernel_variance),
    Claim("heat-fp", "Forward noising", "∂tP = (1/Z) ∂²(g² P)", _check_heat_fp),
    Claim("score-pde", "Forward noising", "∂tS0 = ½g²(∂²S0 + 2 S0 ∂S0)", _check_score_pde),
    Claim("ve-kernel", "Flow of the effective action", "p(φ_ξ|φ0) = N(φ0, (σ^{2ξ} − 1)/(2 log σ)) with ⟨ηη⟩ = 2αδ",
          _check_ve_kernel_variance),
    Claim("stochastic-quantisation", "Diffusion Model as Stochastic Quantization",
          "∂φ/∂τ = −∇S + √2η (⟨ηη⟩ = 2αδ) and ∂P/∂τ = α∫δ(δ + δS)P", _check_stochastic_quantisation),
    Claim("cumulant-flow", "How correlations are destroyed and rebuilt", "κ2(t) = μ2(0)f² + Ξ; κ_{n>2}(t) = κ_n(0)fⁿ",
          _check_cumulant_flow),
    Claim("path-identities", "Change-of-measure identities", "⟨e^{−Σ}⟩ = 1, ⟨e^{−W}⟩ = Z, ⟨Σ⟩ = KL(P_F‖Q_B) ≥ 0",
          _check_path_identities),
    Claim("quartic-z", "Complex Langevin, quartic model", "Z = √(4ξ/σ0) e^ξ K_{−1/4}(ξ), ξ = σ0²/(8λ), σ0 = A + iB",
          _check_quartic),
]


# --- the ladder of any SDE ---------------------------------------------------------------------------
def numeric_sde(sde: SDE, values: dict | None = None) -> SDE:
    """``sde`` with its parameters replaced by exact rationals of their values (``sde_values``: preset defaults
    or ``values``), so that residuals are evaluated at numbers."""
    known = {k: sp.nsimplify(v, rational=True) for k, v in sde_values(sde, values).items()}
    return dataclasses.replace(sde, drift=tuple(b.subs(known) for b in sde.drift),
                               diffusion=tuple(g.subs(known) for g in sde.diffusion),
                               parameters=(), defaults=())


def ladder(sde: SDE, values: dict | None = None, mixture: bool = False) -> dict:
    """Every rung of ``sde``'s ladder with its residual on an exact density (linear SDEs: one Gaussian
    N(½, ⅓) per coordinate, or with ``mixture`` the two-component ⅓N(−1, ¼) + ⅔N(1, ½), several times slower),
    else as identities for a generic S; and the GenPhys bridge (a heat equation after y = x/f, τ)."""
    from analytic.errors import GenphysError
    from analytic.sde import linear

    num = numeric_sde(sde, values)
    lad = Ladder(num)
    density = None
    try:
        linear(num)
        if mixture:
            d = len(num.variables)
            density = mixture_density(num, [sp.Rational(1, 3), sp.Rational(2, 3)], [[-1] * d, [1] * d],
                                      [[sp.Rational(1, 4)] * d, [sp.Rational(1, 2)] * d])
            solution = "⅓N(−1, ¼) + ⅔N(1, ½) per coordinate at t = 0 (exact for the linear class)"
        else:
            density = mixture_density(num, [1], [[sp.Rational(1, 2)] * len(num.variables)],
                                      [[sp.Rational(1, 3)] * len(num.variables)])
            solution = "N(½, ⅓) per coordinate at t = 0 (exact for the linear class)"
    except GenphysError as exc:
        solution = f"none in closed form ({' '.join(str(exc).split())[:160]}): rungs checked as identities"
    checks = lad.checks(density, simplify=False)
    bridge = heat_bridge(num)
    if bridge is not None:
        from analytic.grammar import parse
        from .check import check

        bridge["check"] = check(parse(bridge["pde"], dim=len(num.variables))).criterion.holds.value
    return {"sde": sde.canonical, "numeric_sde": num.canonical, "exact_solution": solution,
            "rungs": [{"rung": r.name, "latex": r.latex, "text": sp.sstr(sp.Eq(r.lhs, r.rhs, evaluate=False))}
                      for r in lad.rungs()],
            "checks": [{"rung": c["rung"], **c["residual"].to_json()} for c in checks],
            # the velocity's PDE is built from the score PDE by v = b − D s alone: as an identity it would restate
            # its own construction, so without an exact density it is listed as not checked
            "unchecked": [r.name for r in lad.rungs() if r.name.startswith("velocity PDE")
                          and r.name not in {c["rung"] for c in checks}],
            "velocity_closes": lad.velocity_closes, "heat_bridge": bridge}


# --- the cumulant flow (`genphys cumulants`) ----------------------------------------------------------
CLOSED_FORM = "closed form: κ_r(t) = f(t)^r κ_r(0) (+ Ξ(t) for r = 2), κ_r(0) the data's k-statistics"
EM_STEP = 1e-3


def cumulant_flow(sde: SDE, data, times, orders=(2, 4, 6, 8), values: dict | None = None, seed: int = 0,
                  step: float = EM_STEP, progress=None) -> list[dict]:
    """κ_r of the forward process at each time, from data (n, d) at t = 0: rows {"t", "order", "value", "stderr",
    "method"}. Linear SDEs: the closed form (``CLOSED_FORM``; stderr the data's jackknife carried through the
    same map). Otherwise Monte Carlo: one Euler–Maruyama path per data point with ``step`` (stderr the jackknife
    of the samples at t; the O(step) discretisation bias is not in it)."""
    import numpy as np

    from analytic.errors import GenphysError, PDEInputError
    from analytic.sde import linear
    from numeric import statistics
    from numeric.lambdified import np_real_function
    from numeric.linear_sde import Process

    data = np.asarray(data, float)
    data = data.reshape(len(data), -1)
    orders = statistics.check_orders(orders)
    times = sorted(float(tt) for tt in times)
    if not times or times[0] < 0 or not all(np.isfinite(times)):
        raise PDEInputError(f"times must be finite and ≥ 0; got {times}")
    num = numeric_sde(sde, values)
    d = data.shape[1]
    if not num.componentwise and len(num.variables) != d:
        raise PDEInputError(f"the SDE has {len(num.variables)} coordinates but the data have {d} columns; use the "
                            "componentwise form dX = … for any dimension")
    statistics.cumulants(data, orders)  # the data's own checks (finite, enough rows) before any work
    # the rows are independent draws in whatever order the file has them: shuffle, so that the jackknife's
    # consecutive blocks are not whole classes of a sorted file
    data = data[np.random.default_rng([seed, 2]).permutation(len(data))]
    columns = "" if d == 1 else f"; per coordinate, averaged over the {d} columns"
    rows = []
    try:
        process = Process(linear(num), {}, d)
    except GenphysError:
        process = None
    if process is not None:
        for tt in times:
            f, Xi = process.f(tt), process.Xi(tt)
            if np.any(f <= 0) or np.any(Xi < 0):
                raise PDEInputError(f"t = {tt:g} is outside this SDE's transition kernel from t = 0 (f = {f.min():.3g}, "
                                    f"Ξ = {Xi.min():.3g}; f > 0 and Ξ ≥ 0 are needed): choose times inside its domain")
            scale = np.stack([f ** r for r in orders], axis=1)
            offset = np.stack([Xi if r == 2 else np.zeros(d) for r in orders], axis=1)
            for r, (value, se) in statistics.cumulants(data, orders, scale=scale, offset=offset).items():
                rows.append({"t": tt, "order": r, "value": value, "stderr": se, "method": CLOSED_FORM + columns})
        return rows
    names = num.variables
    drift = np_real_function(list(num.drift), (*names, t))
    noise = np_real_function(list(num.diffusion), (t,))
    x = data.copy()
    rng = np.random.default_rng(seed)
    now, method = 0.0, f"Monte Carlo: Euler–Maruyama, step {step:g}, one path per data point{columns}"
    for i, tt in enumerate(times):
        steps = int(np.ceil((tt - now) / step - 1e-9))
        h = (tt - now) / steps if steps else 0.0
        for _ in range(steps):
            columns = [x] if num.componentwise else [x[:, j] for j in range(d)]
            b = np.stack(drift(*columns, np.full(x.shape if num.componentwise else len(x), now)), axis=-1)
            b = b.reshape(x.shape)
            g = np.array([float(v) for v in noise(np.array(now))])
            x = x + b * h + g * np.sqrt(h) * rng.standard_normal(x.shape)
            now += h
        if not np.all(np.isfinite(x)):
            raise PDEInputError(f"the Euler–Maruyama paths left the finite numbers before t = {tt:g}: the drift "
                                "is too stiff for the step; pass a smaller step")
        for r, (value, se) in statistics.cumulants(x, orders).items():
            rows.append({"t": tt, "order": r, "value": value, "stderr": se, "method": method})
        if progress:
            progress(i + 1, len(times))
    return rows


# --- the lattice comparison (`genphys lattice compare`) ---------------------------------------------
def _lattice_table(sets: dict, blocks: dict) -> list[dict]:
    """Rows {"observable", "values": {set name: (value, stderr)}} for ⟨M⟩, ⟨|M|⟩, χ₂, U_L, the cumulants of M and
    of single sites and of the lowest Fourier mode, and G(r) (connected; r = 0 … L/2); ``blocks[name]`` the
    jackknife blocks of each set."""
    import numpy as np

    from numeric import lattice, statistics

    def lowest_mode(c):
        """Re φ̃(k) at k = (2π/L, 0) and (0, 2π/L), normalised by √V: two columns per configuration."""
        L = c.shape[1]
        wave = np.cos(2 * np.pi * np.arange(L) / L)
        return np.stack([(c * wave[:, None]).sum(axis=(1, 2)), (c * wave[None, :]).sum(axis=(1, 2))], axis=1) / L

    per = {name: (lattice.observables(c, blocks[name]),
                  statistics.cumulants(lattice.magnetisation(c), (2, 4, 6, 8), blocks[name]),
                  statistics.cumulants(c.reshape(len(c), -1), (2, 4, 6, 8), blocks[name]),
                  lattice.two_point(c, blocks[name]),
                  statistics.cumulants(lowest_mode(c), (2, 4, 6, 8), blocks[name]))
           for name, c in sets.items()}
    rows = [{"observable": key, "values": {n: per[n][0][key] for n in sets}} for key in ("M", "abs_M", "chi2", "U_L")]
    for r in (2, 4, 6, 8):
        rows.append({"observable": f"κ{r}(M)", "values": {n: per[n][1][r] for n in sets}})
    for r in (2, 4, 6, 8):
        rows.append({"observable": f"κ{r}(φ_x)", "values": {n: per[n][2][r] for n in sets}})
    for r in (2, 4, 6, 8):
        rows.append({"observable": f"κ{r}(φ̃_k1)", "values": {n: per[n][4][r] for n in sets}})
    first = next(iter(per.values()))[3]
    for i, rr in enumerate(first["r"]):
        rows.append({"observable": f"G({int(rr)})",
                     "values": {n: (float(per[n][3]["G"][i]), float(per[n][3]["stderr"][i])) for n in sets}})
    return rows


def lattice_compare(folder, pde_text: str = "phi_t - lap(phi)", params: dict | None = None, n_samples: int = 2000,
                    steps: int = 100, seed: int = 0, progress=None) -> dict:
    """The learned-free generator of ``pde_text`` (dimension L²) on the ensemble's train half (whole chains),
    against its test half: the table of ``_lattice_table`` for train, test and generated configurations, with
    the memorisation of the generated ones (numeric.metrics.memorisation)."""
    import numpy as np

    from analytic.errors import PDEInputError
    from analytic.grammar import parse
    from numeric import metrics
    from numeric.lattice import Ensemble
    from numeric.statistics import blocks_for
    from .derive import derive
    from .generate import heat_derivation, learned_free_run, parameters_for

    ens = Ensemble.load(folder)
    train, test = ens.split(0.5)
    V = ens.L ** 2
    if len(train) < 10 or len(test) < 10:
        raise PDEInputError(f"the ensemble in {folder} has {len(ens.configs)} configurations; the comparison needs at "
                            "least 10 in each half")
    pde = parse(pde_text, params)
    d = heat_derivation(V) if pde.canonical == parse("phi_t - lap(phi)").canonical else derive(pde, dim=V)
    values = parameters_for(d, None)
    flat = train.reshape(len(train), V)
    _, T, t_min, run = learned_free_run(d, flat, values, n_samples, steps, rng=np.random.default_rng(seed),
                                        device="cpu", progress=progress)
    finite = np.all(np.isfinite(run.samples), axis=1)
    if finite.sum() < 10:
        raise PDEInputError(f"only {int(finite.sum())} of {n_samples} generated configurations are finite")
    generated = run.samples[finite].reshape(-1, ens.L, ens.L)
    sets = {"train": train, "test": test, "generated": generated}
    known = [v[0] for v in ens.tau_int.values() if v is not None]
    tau = max(known) if known else None
    blocks = {"train": blocks_for(len(train), tau), "test": blocks_for(len(test), tau), "generated": None}
    return {"run": str(folder), "pde": d.pde.canonical, "L": ens.L, "kappa": ens.theory.kappa, "lam": ens.theory.lam,
            "n_train": len(train), "n_test": len(test), "n_samples": int(finite.sum()), "T": T, "t_min": t_min,
            "nfe": run.nfe, "tau_int": tau, "blocks": blocks, "table": _lattice_table(sets, blocks),
            "memorisation": metrics.memorisation(generated.reshape(len(generated), V), flat),
            "convention": "M = (1/V) Σ_x φ_x and φ̃_k1 = V^(−1/2) Σ_x cos(2π x_μ/L) φ_x (both axes pooled) in the hopping normalisation S = Σ −2κ φ_x φ_{x+μ} + φ² + λ(φ² − 1)²; "
                          "χ₂ = V(⟨M²⟩ − ⟨M⟩²); U_L = 1 − ⟨M⁴⟩/(3⟨M²⟩²); κ_r unbiased k-statistics; errors by "
                          "the blocked jackknife: HMC halves in blocks of at least 10 τ_int consecutive configurations (``blocks``), the "
                          "independent generated configurations in 100 blocks"}


# --- the cumulant flow along the reverse process (the report's figure) ------------------------------
#: the heat equation φ_t = Δφ read as the forward SDE it is the Fokker–Planck equation of (D = 1)
HEAT_SDE = "dX = sqrt(2) dW"


def reverse_cumulants(data, n_samples: int = 2000, steps: int = 60, T: float = 2.0, t_min: float = 1e-3,
                      seed: int = 0, orders=(2, 4, 6)) -> dict:
    """The forward closed-form flow κ_r(t) of the heat equation (``HEAT_SDE``) from the data, beside the k-statistics
    of the learned-free heat generator's particles at each time of its reverse run (every lineage kept): the
    generator carries the data's cumulants back only as far as its exact field reproduces them."""
    import numpy as np

    from numeric import statistics
    from numeric.particles import integrate, log_times, sample_prior
    from .fields import field as make_field
    from .generate import heat_derivation

    data = np.asarray(data, float).reshape(len(data), -1)
    f = make_field(heat_derivation(data.shape[1]), data, device="cpu")
    rng = np.random.default_rng(seed)
    x0, _ = sample_prior(f, T, n_samples, "exact", rng)
    times = log_times(T, t_min, steps)
    run = integrate(f, x0, times, "heun", keep=n_samples, rng=rng)
    picked = sorted(set(np.linspace(0, len(run.times) - 1, 12).astype(int)))
    forward = cumulant_flow(parse_sde(HEAT_SDE), data, [float(run.times[i]) for i in picked], orders)
    reverse = []
    for i in picked:
        for r, (value, se) in statistics.cumulants(run.trajectories[i], orders).items():
            reverse.append({"t": float(run.times[i]), "order": r, "value": value, "stderr": se})
    return {"sde": HEAT_SDE, "forward": forward, "reverse": reverse, "n_data": len(data), "n_samples": n_samples,
            "steps": steps, "T": T, "t_min": t_min}
