"""Yu & Huang, "Nonequilibrium physics of generative diffusion models": its printed claims as data.

Each `Claim` holds where the paper says it, what it says (its formula in our notation), and a check
that computes our answer by a route of our own: the symbolic derivation (analytic.sde,
analytic.speciation), quadrature or Monte Carlo (numeric.linear_sde), simulation (trajectories), or
landscape root-finding (numeric.landscape). ``agree`` is computed: True, False, or None where the
paper is ambiguous (two readings give different answers). Every False and None carries the reason
("the paper says X, we derive Y, because Z"); a test checks each one. Setting: the paper's 1-D OU
forward process dX = −X dt + √2 dW (temperature 1, D = 1) on ½N(μ, σ²) + ½N(−μ, σ²).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp
from scipy.integrate import quad
from scipy.stats import kstest, norm

from analytic.sde import X, linear, t
from analytic.sde_grammar import parse_sde
from analytic.speciation import centre_curvature, mu, sigma2, solve_for_t, tail_curvature
from numeric.landscape import gradient_along, speciation_time, unstable_time
from numeric.metrics import TEST_ALPHA
from numeric.linear_sde import Process, rates_quadrature, simulate
from .claims import Claim, Finding
from .thermo import paper_mixture

ALPHA_SE = 3.0  # a Monte Carlo mean "agrees" with a value within 3 standard errors


@functools.lru_cache(maxsize=1)
def ou():
    lin = linear(parse_sde("ou"))
    return lin, Process(lin, {}, 1)


def _paper_tS(m, s2):
    return 0.5 * math.log(m**2 + math.sqrt(s2**2 - 2 * s2 + m**4 + 1))


def _rates(m, s2, tt):
    return rates_quadrature(ou()[1], paper_mixture(m, s2, 1), tt)


def _marginal_1d(m, s2, tt):
    """(μ_t, v_t, p, ∂p) of the paper's p_t = ½N(μ_t, v_t) + ½N(−μ_t, v_t) as scalar functions, for adaptive
    quadrature independent of the array code."""
    mt, v = m * math.exp(-tt), 1 + math.exp(-2 * tt) * (s2 - 1)
    gauss = lambda x, c: math.exp(-(x - c) ** 2 / (2 * v)) / math.sqrt(2 * math.pi * v)
    p = lambda x: 0.5 * (gauss(x, mt) + gauss(x, -mt))
    dp = lambda x: -0.5 * ((x - mt) * gauss(x, mt) + (x + mt) * gauss(x, -mt)) / v
    return mt, v, p, dp


def _tanh2(m, s2, tt):
    """⟨tanh²(μ_t x / v_t)⟩ under p_t, by adaptive quadrature (the E9 formulas' one integral)."""
    mt, v, dens, _ = _marginal_1d(m, s2, tt)
    return quad(lambda x: math.tanh(mt * x / v) ** 2 * dens(x), -math.inf, math.inf, epsabs=1e-13)[0]


def _e9(m, s2, tt):
    """App. E Eq. E9 as printed: (φ, π, φ*)."""
    e2, v = math.exp(-2 * tt), 1 - math.exp(-2 * tt) + math.exp(-2 * tt) * s2
    th = _tanh2(m, s2, tt)
    base = m**2 * e2 - e2 + s2 * e2
    pi_ = base - 1 - e2 * m**2 / v**2 + e2 * m**2 * th / v**2 + 1 / v
    phi_rev = base - 2 - 2 * e2 * m**2 / v**2 + 2 * e2 * m**2 * th / v**2 + 2 / v
    return base, pi_, phi_rev


# -- checks ------------------------------------------------------------------------------------------
def _check_potential_eq44():
    lin, _ = ou()
    x = X
    p = sum(sp.exp(-(x - s_ * mu * lin.f[0]) ** 2 / 2) for s_ in (1, -1))  # σ² = 1: v = 1
    U_ours = lin.a[0] * x**2 / 2 - 2 * lin.sde.D[0] * sp.log(p)
    U_paper = x**2 / 2 - 2 * sp.log(sp.cosh(x * mu * sp.exp(-t)))
    diff = sp.simplify(sp.diff(U_ours - U_paper, x).rewrite(sp.exp))
    return Finding(diff == 0, "U = a x²/2 − 2D ln p_t; its x-derivative minus Eq. 44's is "
                   f"{sp.simplify(diff)}", "" if diff == 0 else "the potentials differ beyond a constant")


def _check_tS_formula():
    lin, proc = ou()
    sols = solve_for_t(centre_curvature(lin, "drift_potential"))
    paper = sp.log(mu**2 + sp.sqrt(sigma2**2 - 2 * sigma2 + mu**4 + 1)) / 2
    symbolic = any(sp.simplify(sp.expand_log(s_ - paper, force=True)) == 0 for s_ in sols)
    worst = 0.0
    for m, s2 in ((1, 1), (1, 0.1), (1, 0.4), (0.5, 2.5), (2, 3)):
        numeric, _ = speciation_time(proc, paper_mixture(m, s2, 1), "drift_potential")
        worst = max(worst, abs(numeric - _paper_tS(m, s2)))
    ok = symbolic and worst < 1e-8
    return Finding(ok, f"SymPy's roots of U''(0) = 0: {', '.join(map(str, sols))}; root-finding on the "
                   f"landscape matches the paper's formula to {worst:.1e} at five (μ, σ²)",
                   "" if ok else "our roots differ from the printed formula")


def _value_claim(m, s2, printed, digits):
    def check():
        value, _ = speciation_time(ou()[1], paper_mixture(m, s2, 1), "drift_potential")
        ok = abs(value - printed) < 0.5 * 10 ** (-digits)
        return Finding(ok, f"t_S = {value:.6f}", "" if ok else f"the printed {printed} is not {value:.6f} rounded")
    return check


def _check_free_energy():
    """Two readings of "free energy": F of Eq. 50 (F = −Σ_t ln p + const by Eq. 49, so its curvature changes
    with −ln p's) and the generalized F̃ = 2βF + ∫f of Eq. 51 (= U). Computed: the speciation time of each."""
    lin, proc = ou()
    sols = solve_for_t(centre_curvature(lin, "density"))
    m, s2 = 1.0, 0.1
    t_F, _ = speciation_time(proc, paper_mixture(m, s2, 1), "density")
    t_U, _ = speciation_time(proc, paper_mixture(m, s2, 1), "drift_potential")
    one, _ = speciation_time(proc, paper_mixture(1.0, 1.0, 1), "density")
    same = abs(t_F - t_U) < 1e-8
    return Finding(True if same else None,
                   f"F = −Σ_t ln p_t + const (Eq. 49 with β = 1/Σ_t): its curvature at 0 changes sign at "
                   f"t = {', '.join(map(str, sols))} ({t_F:.5f} at μ = 1, σ² = 0.1; "
                   f"{'never at t > 0' if one is None else f'{one:.4f}'} for μ = σ² = 1, whose data are unimodal); "
                   f"F̃ = U changes at t_S = {t_U:.5f}",
                   "" if same else "true of the generalized free energy F̃ = 2βF + ∫f (Eq. 51), which equals U, but not of "
                   "the free energy F the paper defines in Eq. 50: F is −Σ_t ln p, whose curvature at 0 is "
                   "Σ_t(1/v − m²/v²), not U''(0) = −1 + 2/v − 2m²/v²; 'the potential or free energy' do not change "
                   "curvature at the same time unless 'free energy' means F̃")


def _check_tUSB_formula():
    lin, proc = ou()
    sols = solve_for_t(tail_curvature(lin, "drift_potential"))
    paper = sp.log(sigma2 - 1) / 2
    symbolic = any(sp.simplify(sp.expand_log(s_ - paper, force=True)) == 0 for s_ in sols)
    worst = max(abs(unstable_time(proc, paper_mixture(m, s2, 1), "drift_potential")[0] - 0.5 * math.log(s2 - 1))
                for m, s2 in ((1, 4), (0.5, 2.5), (2, 3)))
    ok = symbolic and worst < 1e-8
    return Finding(ok, f"the tail curvature −1 + 2/v_t vanishes at t = {', '.join(map(str, sols))}; root-finding "
                   f"agrees to {worst:.1e}", "" if ok else "our threshold differs from ½ ln(σ² − 1)")


def _check_tUSB_direction():
    _, proc = ou()
    data = paper_mixture(1.0, 4.0, 1)
    t_usb = 0.5 * math.log(3.0)
    slopes = {}
    for label, tt in (("below", 0.5 * t_usb), ("above", 2 * t_usb)):
        g = gradient_along(proc, data, tt, "drift_potential", np.array([50.0]))
        slopes[label] = float(g[0])
    ok = slopes["below"] > 0 and slopes["above"] < 0  # what the printed inequality would mean
    return Finding(ok, f"μ = 1, σ² = 4 (t_USB = {t_usb:.4f}): U'(50) = {slopes['below']:.3g} at t = t_USB/2 "
                   f"(C > 2e^{{2t}}) and {slopes['above']:.3g} at t = 2 t_USB (C < 2e^{{2t}})",
                   "" if ok else "the landscape is unbounded below (U' < 0 at large x) where C(σ, t) > 2e^{2t}, i.e. "
                   "v_t > 2 and t < t_USB; for C < 2e^{2t} it is confining. The printed inequality is reversed")


def _check_critical_line():
    _, proc = ou()
    data = paper_mixture(1.0, 4.0, 1)
    t_usb = 0.5 * math.log(3.0)
    lam = np.linspace(0.01, 40, 4000)
    g = gradient_along(proc, data, t_usb, "drift_potential", lam)
    minima = int(np.count_nonzero((g[:-1] < 0) & (g[1:] >= 0)))
    return Finding(minima > 0, f"at t = t_USB (v_t = 2) U'(x) = −μ_t tanh(μ_t x/2) < 0 for every x > 0: "
                   f"{minima} minima on x > 0, largest U' = {g.max():.3g}",
                   "" if minima > 0 else "a negative slope at infinity means U decreases without bound; at v_t = 2 "
                   "the landscape has a single maximum at 0 and no minimum, not a double well")


def _check_sampling_fails():
    _, proc = ou()
    data = paper_mixture(1.0, 4.0, 1)
    paths = simulate(proc, data, 4.0, 5e-3, 4000, np.random.default_rng(7), "reverse", stored=0)
    final = paths.final[:, 0]
    cdf = lambda x: 0.5 * (norm.cdf(x, 1.0, 2.0) + norm.cdf(x, -1.0, 2.0))
    test = kstest(final, cdf)
    fails = test.pvalue < TEST_ALPHA
    return Finding(fails, f"the exact reverse SDE from p_T (T = 4, ds = 0.005, 4000 paths, μ = 1, σ² = 4, "
                   f"t_USB = {0.5 * math.log(3):.3f}) reproduces p0: Kolmogorov–Smirnov p = {test.pvalue:.3f} against "
                   f"p0's exact CDF, ⟨x²⟩ = {float((final ** 2).mean()):.3f} against {1 + 4:.3f}",
                   "" if fails else "the inverted landscape at t < t_USB is the right drift: p_t must spread out to "
                   "the data's variance σ² > 2 as t → 0, and the exact reversal does exactly that")


def _check_eq69_sign():
    """Eq. 69 as printed, −∫ f_rev (x p + ∂p) dx by adaptive quadrature of the mixture formulas, against the
    definition φ* = ∫ b*·J*/D (our quadrature); and which one keeps dS*/ds = −dS/dt."""
    m, s2, tt = 1.0, 0.4, 0.5
    _, _, p, dp = _marginal_1d(m, s2, tt)
    f_rev = lambda x: 2 * dp(x) / p(x) + x
    printed = quad(lambda x: -f_rev(x) * (x * p(x) + dp(x)), -12, 12, limit=200, epsabs=1e-13)[0]
    r = _rates(m, s2, tt)
    ours, pi_, rate = r["entropy_flux_reverse"].value, r["entropy_production"].value, r["entropy_rate"].value
    agree = abs(printed - ours) < 1e-8
    return Finding(agree, f"at t = 0.5 (μ = 1, σ² = 0.4): Eq. 69 as printed gives {printed:.6f}, the definition "
                   f"φ* = ∫ b*·J*/D gives {ours:.6f}; π − φ* = {pi_ - ours:.6f} = −dS/dt = {-rate:.6f} with the "
                   f"definition, {pi_ - printed:.6f} with Eq. 69",
                   "" if agree else "Eq. 30 defines φ = ∫ f·J for a process with drift f and current J; for the reversal "
                   "f* = 2∂ ln p + x and J* = f* p − ∂p = xp + ∂p, so φ* = +∫ f*(xp + ∂p) (App. E, Eq. E4); Eq. 69's "
                   "minus sign is wrong, and with it dS*/ds would not be −dS/dt")


def _check_e9():
    worst = 0.0
    for tt in (0.1, 0.5, 1.0, 2.0):
        phi, pi_, phi_rev = _e9(1.0, 0.4, tt)
        r = _rates(1.0, 0.4, tt)
        worst = max(worst, abs(phi - r["entropy_flux"].value), abs(pi_ - r["entropy_production"].value),
                    abs(phi_rev - r["entropy_flux_reverse"].value))
    ok = worst < 1e-8
    return Finding(ok, f"E9 (with ⟨tanh²⟩ by adaptive quadrature) against our quadrature of the definitions: "
                   f"largest difference {worst:.1e} at t = 0.1, 0.5, 1, 2 (μ = 1, σ² = 0.4)",
                   "" if ok else "E9 differs from the definitions")


def _check_e10():
    worst = 0.0
    for tt in (0.2, 1.0):
        r = _rates(1.0, 1.0, tt)
        mt2 = math.exp(-2 * tt)
        th = _tanh2(1.0, 1.0, tt)
        worst = max(worst, abs(r["entropy_flux"].value - mt2), abs(r["entropy_production"].value - mt2 * th),
                    abs(r["entropy_flux_reverse"].value - (-mt2 + 2 * mt2 * th)))
    ok = worst < 1e-8
    return Finding(ok, f"largest difference from our quadrature {worst:.1e} (μ = 1, σ² = 1, t = 0.2, 1)",
                   "" if ok else "E10 differs")


def _check_antisymmetry():
    worst = max(abs(r["entropy_rate"].value + r["entropy_rate_reverse"].value)
                for r in (_rates(1.0, 0.4, tt) for tt in (0.1, 1.0)))
    return Finding(worst < 1e-10, f"dS/dt + dS/ds = {worst:.1e}", "" if worst < 1e-10 else "not antisymmetric")


def _total_production(m, s2, T):
    return quad(lambda tt: _rates(m, s2, tt)["entropy_production"].value, 0, T, limit=200, epsabs=1e-10)[0]


@functools.lru_cache(maxsize=1)
def forward_paths():
    _, proc = ou()
    return simulate(proc, paper_mixture(1.0, 1.0, 1), 10.0, 0.01, 10_000, np.random.default_rng(0), stored=0)


def _check_fig2_text():
    total = _total_production(1.0, 1.0, 10.0)
    s = forward_paths().summary()
    agree = abs(s["mean_dS_tot"] - 1) < ALPHA_SE * s["se_dS_tot"]
    return Finding(agree, f"⟨e^(−ΔS_tot)⟩ = {s['mean_exp_minus_dS_tot']:.4f} ± {s['se_exp_minus_dS_tot']:.4f}, while "
                   f"⟨ΔS_tot⟩ = {s['mean_dS_tot']:.4f} ± {s['se_dS_tot']:.4f}; ∫_0^10 π dt = {total:.4f} by quadrature",
                   "" if agree else "it is ⟨e^(−ΔS_tot)⟩ that tends to 1 (Eq. 23); ⟨ΔS_tot⟩ is the total entropy "
                   "production ∫π dt, ≈ 0.16 here, and only ≥ 0 is promised")


@functools.lru_cache(maxsize=3)
def reverse_paths(rule="mid"):
    _, proc = ou()
    return simulate(proc, paper_mixture(1.0, 1.0, 1), 10.0, 0.01, 10_000, np.random.default_rng(1), "reverse", rule,
                    stored=0)


def _ift(direction):
    def check():
        s = (forward_paths() if direction == "forward" else reverse_paths()).summary()
        dev = abs(s["mean_exp_minus_dS_tot"] - 1) / s["se_exp_minus_dS_tot"]
        return Finding(dev < ALPHA_SE, f"⟨e^(−ΔS_tot)⟩ = {s['mean_exp_minus_dS_tot']:.4f} ± {s['se_exp_minus_dS_tot']:.4f} "
                       f"over 10 000 paths ({dev:.1f} standard errors from 1)",
                       "" if dev < ALPHA_SE else "the fluctuation theorem fails beyond its standard error")
    return check


def _check_fig9():
    ts = np.linspace(0.0, 3.0, 61)
    rows = [_rates(1.0, 0.4, tt) for tt in ts]
    pi_ = np.array([r["entropy_production"].value for r in rows])
    rate = np.array([r["entropy_rate"].value for r in rows])
    monotone = bool(np.all(np.diff(pi_) < 0))
    turn = int(np.argmin(rate))
    shape = 0 < turn < len(ts) - 1 and np.all(np.diff(rate[:turn + 1]) < 0) and np.all(np.diff(rate[turn:]) > 0)
    ok = monotone and bool(shape)
    return Finding(ok, f"π falls monotonically from {pi_[0]:.3f} to {pi_[-1]:.2e}; dS/dt falls to its minimum "
                   f"{rate[turn]:.3f} at t = {ts[turn]:.2f}, then rises to {rate[-1]:.2e}",
                   "" if ok else "the described shapes do not hold on [0, 3]")


def _check_fig10():
    """Where φ*(t) changes sign, against t_S, under both readings of "earlier than t_S"."""
    from scipy.optimize import brentq
    phi_rev = lambda tt: _rates(1.0, 0.4, tt)["entropy_flux_reverse"].value
    ts = np.linspace(0.01, 3.0, 60)
    values = [phi_rev(tt) for tt in ts]
    changes = [j for j in range(len(ts) - 1) if values[j] > 0 >= values[j + 1]]
    if not changes or values[-1] >= 0:
        return Finding(False, "φ*(t) is not negative at t = 3 turning positive at smaller t",
                       "the described sign pattern does not occur on [0.01, 3]")
    t0 = brentq(phi_rev, ts[changes[-1]], ts[changes[-1] + 1], xtol=1e-10)
    t_S = _paper_tS(1.0, 0.4)
    by_label, by_chronology = t0 < t_S, t0 > t_S
    return Finding(None if by_label != by_chronology else by_label,
                   f"φ*(t) < 0 for t > {t0:.4f} and > 0 below; t_S = {t_S:.4f}",
                   "read in the paper's time labels ('a time earlier than t_S' = a smaller t) the sign change at "
                   f"t = {t0:.4f} < t_S holds; read in the reverse process's own chronology (the flux turns positive "
                   "before the process reaches t_S) it fails, since the process passes t_S first")


def _check_tanh_identity():
    rows = []
    for s2 in (1.0, 0.4):
        for scaled in (False, True):
            tt, m = 0.5, 1.0
            mt, v, dens, _ = _marginal_1d(m, s2, tt)
            arg = v if scaled else 1.0
            value = quad(lambda x: math.tanh(mt * x / arg) * mt * x * dens(x), -math.inf, math.inf, epsabs=1e-13)[0]
            rows.append((s2, scaled, value - mt**2))
    literal = abs(rows[0][2]) < 1e-9 and abs(rows[2][2]) > 1e-4
    general = abs(rows[3][2]) < 1e-9
    return Finding(None if literal and general else literal,
                   "⟨tanh(μ_t x) μ_t x⟩ − μ_t² = " + ", ".join(f"{d:.2e} (σ² = {s2}{', argument μ_t x/v_t' if sc else ''})"
                                                       for s2, sc, d in rows) + " at t = 0.5",
                   ("literally true, but the identity that matters holds for every σ²: ⟨tanh(μ_t x/v_t) μ_t x⟩ = μ_t² "
                    "(integrate x·∂ ln p by parts), with the argument the score actually has") if literal and general
                   else "" if literal else "the identity fails as printed")


def _check_heat_rule():
    out = {rule: reverse_paths(rule).summary() for rule in ("start", "mid", "end")}
    text = "; ".join(f"{rule}: ⟨ΔS_E⟩ = {s['mean_dS_environment']:.4f}, ⟨e^(−ΔS_tot)⟩ = {s['mean_exp_minus_dS_tot']:.4f} "
                     f"± {s['se_exp_minus_dS_tot']:.4f}" for rule, s in out.items())
    return Finding(None, text, "Eq. A11 evaluates the state at the step's midpoint but the time at e^{−(T − n·ds)}, the "
                   "end of the n-th step (X_τ(n) is the state at s = (n−1)ds): a mixed rule. The midpoint time is the "
                   "consistent Stratonovich choice; at ds = 0.01 the three rules differ by O(ds) in ⟨ΔS_E⟩ and all "
                   "satisfy the fluctuation theorem within its standard error")


def _check_distance():
    from .thermo import franz_parisi_curves
    _, proc = ou()
    data = paper_mixture(1.0, 0.1, 1)
    sq = franz_parisi_curves(proc, data, [0.42], [0.09], pairs=20_000, distance="squared")["curves"][0]["V"][0]
    eu = franz_parisi_curves(proc, data, [0.42], [0.3], pairs=20_000, distance="euclidean")["curves"][0]["V"][0]
    return Finding(None, f"at the same separation 0.3 (t = 0.42, μ = 1, σ² = 0.1): V = {sq['value']:.4f} ± "
                   f"{sq['error']:.4f} with q = 0.09 squared, {eu['value']:.4f} ± {eu['error']:.4f} with q = 0.3 Euclidean",
                   "Eq. 70 calls d(X0, X0') the Euclidean distance while Eqs. 74–77 constrain q = (X0 − X0')², whose "
                   "δ-function brings the Jacobian 1/(2√q): the two readings differ by ln(2√q) plus the change of "
                   "variable, so V(q) and its inflection points depend on the reading (Fig. 11 uses the squared one)")


def _check_path_ratio():
    """Eqs. 16–19 on one simulated path: the λ-discretised actions of the path and of its time reversal differ by
    the Stratonovich heat −Σ x̄ Δx up to O(dt) for every λ, exactly at λ = ½. (The −λd terms of Eq. 16 cancel
    in the difference, so their sign is not what this checks.)"""
    paths = simulate(ou()[1], paper_mixture(1.0, 1.0, 1), 2.0, 1e-3, 2, np.random.default_rng(5), stored=1)
    x, dt = paths.paths[0, :, 0], paths.dt

    def action(path, lam):  # Σ [(Δx/dt − f(x_λ))² dt/4 + λ ∇·f dt] with f = −x, ∇·f = −1
        dx = np.diff(path)
        x_lam = path[:-1] + lam * dx
        return float(((dx / dt + x_lam) ** 2 * dt / 4 - lam * dt).sum())

    heat = float(-(0.5 * (x[1:] + x[:-1]) * np.diff(x)).sum())
    gaps = {lam: action(x[::-1], lam) - action(x, lam) - heat for lam in (0.0, 0.5, 1.0)}
    ok = max(abs(g) for g in gaps.values()) < 50 * dt
    return Finding(ok, "ln P[X]/P[X̃] from the discretised actions minus −Σ x̄ Δx on a path of 2000 steps: "
                   + ", ".join(f"{g:.1e} (λ = {lam:g})" for lam, g in gaps.items()) + f" (dt = {dt:g})",
                   "" if ok else "the path-probability ratio is not the heat")


def _check_reverse_identities():
    from analytic.sde import derived_checks
    checks = {c.name: c for c in derived_checks(parse_sde("ou"))}
    ok = checks["reverse marginals"].holds and checks["reverse current"].holds
    return Finding(ok, "substituted with a generic p(x, t): the reversal's Fokker–Planck residual and J* + J both "
                   "simplify to 0", "" if ok else "the identities fail")


def _check_marginal():
    lin, _ = ou()
    v = sp.simplify(lin.marginal_variance(0, sigma2))
    ok = sp.simplify(v - (1 + sp.exp(-2 * t) * (sigma2 - 1))) == 0 and sp.simplify(lin.f[0] - sp.exp(-t)) == 0
    return Finding(ok, f"f = {lin.f[0]}, Var = {v}", "" if ok else "the marginal differs")


def _check_score_b2():
    lin, _ = ou()
    x = X
    m, v = mu * lin.f[0], lin.marginal_variance(0, sigma2)
    p = sp.exp(-(x - m) ** 2 / (2 * v)) + sp.exp(-(x + m) ** 2 / (2 * v))
    ours = sp.diff(sp.log(p), x)
    paper = sp.exp(t) * (-sp.exp(t) * x + mu * sp.tanh(sp.exp(t) * mu * x / (-1 + sp.exp(2 * t) + sigma2))) / \
        (-1 + sp.exp(2 * t) + sigma2)
    rng = np.random.default_rng(3)
    worst = 0.0
    for _ in range(6):
        vals = {x: rng.normal(), t: rng.uniform(0.05, 3), mu: rng.uniform(0.2, 2), sigma2: rng.uniform(0.1, 3)}
        worst = max(worst, abs(float((ours - paper).subs(vals).evalf(30))))
    return Finding(worst < 1e-12, f"∂x ln p_t minus Eq. B2 at six random points: largest {worst:.1e}",
                   "" if worst < 1e-12 else "B2 differs")


CLAIMS = (
    Claim("marginal", "Eqs. 5, 66", "p_t = ½N(μe^{−t}, 1 + e^{−2t}(σ² − 1)) + ½N(−μe^{−t}, ·)", _check_marginal),
    Claim("score", "Eq. B2 (E1)", "∂ ln p = e^t[−e^t x + μ tanh(e^t μ x/(e^{2t} − 1 + σ²))]/(e^{2t} − 1 + σ²)",
          _check_score_b2),
    Claim("path-ratio", "Eqs. 16–20", "the log ratio of forward and reversed path probabilities is −∫ Ẋ·X "
          "(Stratonovich), whatever the λ-convention", _check_path_ratio),
    Claim("reverse-identities", "App. C, D", "forward and reverse processes share p_t; J* = −J",
          _check_reverse_identities),
    Claim("potential", "Eqs. 43–44", "U = ½x² − 2 ln cosh(x μ e^{−t}) (σ² = 1)", _check_potential_eq44),
    Claim("t_S", "Sec. III C, App. B", "t_S = ½ ln(μ² + √(σ⁴ − 2σ² + μ⁴ + 1)) where U''(0) = 0", _check_tS_formula),
    Claim("fig4-t_S", "Fig. 4", "t_S ≈ 0.35 for μ = 1 (σ² = 1)", _value_claim(1.0, 1.0, 0.35, 2)),
    Claim("fig11-t_S", "Fig. 11", "t_S = 0.42622 for μ = 1, σ² = 0.1", _value_claim(1.0, 0.1, 0.42622, 5)),
    Claim("free-energy", "Sec. III C, Eqs. 49–51", "t_S is where the second derivative of the potential or free energy "
          "vanishes", _check_free_energy),
    Claim("t_USB", "Sec. III C, App. B", "t_USB = ½ ln(σ² − 1)", _check_tUSB_formula),
    Claim("t_USB-direction", "App. B", "when C(σ, t) < 2e^{2t} the potential changes from double minima to an "
          "inverted U", _check_tUSB_direction),
    Claim("critical-line", "App. B", "at C(σ, t) = 2e^{2t} the potential is still double-welled (slope −μe^{−t} at ∞)",
          _check_critical_line),
    Claim("sampling-fails", "Sec. III C", "when t_USB ≥ 0 the generative sampling fails for the reverse process",
          _check_sampling_fails),
    Claim("ift-forward", "Eq. 23, Fig. 2", "⟨e^{−ΔS_tot}⟩ = 1 for the forward process", _ift("forward")),
    Claim("ift-reverse", "Eq. 64, Fig. 7", "⟨e^{−ΔS_tot}⟩ = 1 for the reverse process", _ift("reverse")),
    Claim("fig2-text", "Sec. II B", "as the number of trajectories grows, ⟨ΔS_tot⟩ converges to one", _check_fig2_text),
    Claim("eq69", "Eq. 69", "φ* = −∫ f_rev (X p + ∂p) dX", _check_eq69_sign),
    Claim("e9", "App. E, Eq. E9", "closed forms of φ, π = π*, φ* for σ² ≠ 1", _check_e9),
    Claim("e10", "App. E, Eq. E10", "σ² = 1: φ = μ²e^{−2t}, π = μ²e^{−2t}⟨tanh²⟩, φ* = −μ²e^{−2t} + 2μ²e^{−2t}⟨tanh²⟩",
          _check_e10),
    Claim("antisymmetry", "Eqs. E5–E6", "dS/dt and dS*/ds are antisymmetric", _check_antisymmetry),
    Claim("fig9", "Fig. 9 text", "forward π drops monotonically to 0; dS/dt decreases first, then increases to 0",
          _check_fig9),
    Claim("fig10", "Fig. 10 text", "in the reverse process the flux is first negative and turns positive before t_S",
          _check_fig10),
    Claim("tanh-identity", "App. E", "⟨tanh(μ_t X) μ_t X⟩ = μ_t² holds only for σ² = 1", _check_tanh_identity),
    Claim("heat-rule", "App. A, Eq. A11", "the reverse heat sum with tanh(μ e^{−(T − n ds)} (X(n+1) + X(n))/2)",
              _check_heat_rule),
    Claim("distance", "Eqs. 70, 74", "d(X0, X0') is the Euclidean distance; q = (X0 − X0')²", _check_distance),
)
