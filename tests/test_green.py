"""Green's functions, density flows, C1 and C2: each checked by a second route.

Reference values come from this file's own quadratures (elementary radial formulas in mpmath,
not numeric/hankel.py), closed forms derived by hand, and known theorems (Lévy-stable kernels
are positive only for 0 < beta <= 1; the biharmonic heat kernel changes sign).
"""

import dataclasses
import json

import mpmath
import numpy as np
import pytest
import sympy as sp

from analytic.closed_forms import real_space
from analytic.dispersion import default_mode
from analytic.errors import NotSupportedError
from analytic.grammar import parse
from analytic.flow import density_flow
from analytic.green import assert_vanishes, fourier_green
from analytic.pde import N as N_sym
from analytic.pde import k, r, t
from analytic.outcome import Holds
from derivations.catalog import CATALOG
from derivations.derive import derive
from genphys.cli import main
from numeric import conditions, kernels


def reference_transform(f, N, rr, singular_at=None):
    """(2π)^(−N) ∫ f(|k|) e^{ik·x} d^N k by elementary radial formulas (quadosc), independent of numeric/.

    ``singular_at``: an integrable singularity of f (split there, tanh-sinh handles the endpoint).
    """
    with mpmath.workdps(25):
        rr = mpmath.mpf(rr)
        if N == 1:
            g, const = (lambda q: f(q) * mpmath.cos(q * rr)), 1 / mpmath.pi
        elif N == 2:
            g, const = (lambda q: f(q) * q * mpmath.besselj(0, q * rr)), 1 / (2 * mpmath.pi)
        else:
            g, const = (lambda q: f(q) * q * mpmath.sin(q * rr)), 1 / (2 * mpmath.pi**2 * rr)
        start = mpmath.mpf(singular_at) + 1 if singular_at else mpmath.mpf(0)
        head = mpmath.quad(g, [0, start - 1, start]) if singular_at else 0
        return complex(const * (head + mpmath.quadosc(g, [start, mpmath.inf], omega=rr)))


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.name)
def test_fourier_green_and_flow_check_themselves(entry):
    pde = entry.parse()
    mode, _ = default_mode(pde)
    green = fourier_green(pde, mode)
    flow = density_flow(pde, green)
    assert green.checks and flow.checks
    # mass 1 at t = 0+: p̃(0, 0+) = 1, computed here by limits
    assert sp.limit(sp.limit(flow.p_hat, k, 0, "+"), t, 0, "+") == 1
    assert flow.sigma == 1


def test_the_self_check_can_fail():
    pde = parse("phi_t - lap(phi)")
    with pytest.raises(RuntimeError):
        assert_vanishes(sp.exp(-k**2 * t) * 1e-3, pde, "a nonzero expression")


@pytest.mark.parametrize("text, mode", [
    ("phi_tt + 3*phi_t - lap(phi) + biharm(phi)", "evolution"),
    ("2*phi_tt + lap(phi) - phi", "boundary"),
    ("phi_t + 2*fraclap(phi, 0.3) + phi", "evolution"),
    ("phi_tt + phi_t + lap(phi)", "boundary"),
])
def test_flow_reproduces_the_pde_for_pdes_outside_the_catalog(text, mode):
    pde = parse(text)
    flow = density_flow(pde, fourier_green(pde, mode))
    assert any("flow reproduces" in c for c in flow.checks)


CLOSED_CASES = [  # (catalog entry, parameter values); every closed form of G and P in N = 1, 2, 3
    ("diffusion", {}), ("poisson", {}), ("screened_poisson", {"m": "6/5"}), ("helmholtz", {"k0": "7/10"}),
    ("mixed_diffusion_poisson", {"a": "7/10", "b": "13/10"}),
]


@pytest.mark.parametrize("name, params", CLOSED_CASES)
@pytest.mark.parametrize("dim", [1, 2, 3])
def test_closed_forms_equal_an_independent_quadrature(name, params, dim):
    entry = next(e for e in CATALOG if e.name == name)
    pde = entry.parse()
    mode, _ = default_mode(pde)
    green = fourier_green(pde, mode)
    flow = density_flow(pde, green)
    kernels = real_space(green, flow, dim)
    values = {p.symbol: sp.Rational(params[p.name]) for p in pde.parameters}
    tv = sp.Rational(9, 10)
    compared = 0
    for closed, f_hat in ((kernels.G, green.G_hat), (kernels.P, flow.p_hat)):
        if closed is None:
            continue
        f = sp.lambdify(k, f_hat.subs(values).subs(t, tv), "mpmath")
        g = sp.lambdify(r, closed.expr.subs(values).subs(t, tv), "mpmath")
        for rr in (0.4, 2.3):
            ref = reference_transform(f, dim, rr, singular_at=sp.Rational(params["k0"]) if "k0" in params else None)
            assert complex(g(rr)) == pytest.approx(ref, rel=1e-8)
            compared += 1
    assert compared >= 2 or (name == "poisson" and dim == 1)  # N = 1 Poisson: G is a log, only P closed


def test_symbolic_dimension_closed_forms():
    pde = parse("phi_tt + lap(phi)")
    green = fourier_green(pde, "boundary")
    kernels = real_space(green, density_flow(pde, green), N_sym)
    # the Poisson kernel of PFGM: Γ((N+1)/2) t / (π^((N+1)/2) (t² + r²)^((N+1)/2))
    expected = sp.gamma((N_sym + 1) / 2) * t / (sp.pi ** ((N_sym + 1) / 2) * (t**2 + r**2) ** ((N_sym + 1) / 2))
    point = {N_sym: 5, r: sp.Rational(3, 7), t: sp.Rational(5, 4)}
    assert sp.N((kernels.P.expr - expected).subs(point), 30) == pytest.approx(0, abs=1e-25)


def test_ideal_wave_closed_forms_by_dimension():
    pde = parse("phi_tt - lap(phi)")
    green = fourier_green(pde, "evolution")
    flow = density_flow(pde, green)
    G1, G2, G3 = (real_space(green, flow, n).G.expr for n in (1, 2, 3))
    assert G1.subs({r: 1, t: 2}) == sp.Rational(1, 2) and G1.subs({r: 3, t: 2}) == 0
    assert sp.simplify(G2.subs({r: 1, t: 2}) - 1 / (2 * sp.pi * sp.sqrt(3))) == 0
    assert G3.has(sp.DiracDelta)
    # Soodak & Tiersten recurrence G_{N+2} = −(1/(2π r)) ∂r G_N, away from the front
    assert sp.simplify(sp.diff(G1, r) / (-2 * sp.pi * r) - G3) == 0


@pytest.mark.parametrize("text, dim, point", [
    ("phi_t + fraclap(phi, 0.75)", 3, (0.5, 1.0)),
    ("2*phi_t - lap(phi) + biharm(phi)", 2, (0.7, 0.4)),
    ("phi_t - 3*lap(phi) + 0.5*phi", 1, (1.3, 0.8)),
    ("phi_t + fraclap(phi, 0.4) + phi", 2, (0.0, 0.5)),
])
def test_eval_values_agree_with_quadrature_for_new_pdes(text, dim, point, capsys):
    rr, tt = point
    assert main(["derive", text, "--dim", str(dim), "--eval", f"{rr},{tt}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (r_out, t_out, value, error), = out["green"]["values"]
    pde = parse(text)
    mode, _ = default_mode(pde)
    G_hat = fourier_green(pde, mode).G_hat.subs(t, sp.Float(tt, 30))
    f = sp.lambdify(k, G_hat, "mpmath")
    if rr == 0:
        with mpmath.workdps(25):
            ref = mpmath.quad(lambda q: f(q) * q ** (dim - 1), [0, 1, 10, mpmath.inf]) * 2 * mpmath.pi ** (dim / 2) / (
                mpmath.gamma(dim / 2) * (2 * mpmath.pi) ** dim)
        ref = complex(ref)
    else:
        ref = reference_transform(f, dim, rr)
    assert value == pytest.approx(ref.real, rel=1e-6)
    assert 0 < error < 1e-9 * abs(value)
    assert out["c1"]["holds"] in ("yes", "no", "conditional")


@pytest.mark.parametrize("text, expected", [
    ("phi_t - lap(phi)", "yes"),
    ("phi_t + fraclap(phi, 0.75)", "yes"),  # Lévy-stable, 2β = 1.5 ≤ 2
    ("phi_t + fraclap(phi, 1.5)", "no"),  # exp(−k³ t) is not positive definite
    ("phi_t + biharm(phi)", "no"),
    ("I*phi_t + lap(phi)", "no"),  # complex p
    ("phi_tt - lap(phi)", "no"),
])
def test_c1_verdicts(text, expected):
    d = derive(parse(text), dim=2)
    assert d.c1_holds.value == expected, [c.reason for c in d.c1]


def test_c1_negative_value_is_real():
    """The biharmonic kernel's negative lobe, at the point C1 reports, by independent quadrature."""
    d = derive(parse("phi_t + biharm(phi)"), dim=1)
    where = d.c1[0].where
    f = lambda q: mpmath.exp(-q**4 * where["t"])
    assert reference_transform(f, 1, where["r"]).real == pytest.approx(where["P"], rel=1e-5)
    assert where["P"] < 0


@pytest.mark.parametrize("t", [1e-3, 1.0, 1e3])
def test_kernel_width_is_the_closed_form(t):
    """ℓ(t) where |p̃| first falls to 1/e of its k → 0 value: √t for e^{−k²t}, t for e^{−kt}, and for the oscillating
    cos(kt) the first crossing arccos(1/e)/t, not a later one; a kernel wider than the scanned k is clipped, one
    that never falls (constant, free of k, or not finite) or whose mass underflowed has none."""
    assert kernels.kernel_width(lambda kk, tt: np.exp(-kk**2 * tt), t) == pytest.approx(np.sqrt(t), rel=1e-9)
    assert kernels.kernel_width(lambda kk, tt: np.exp(-kk * tt), t) == pytest.approx(t, rel=1e-9)
    first = t / np.arccos(1 / np.e)
    assert kernels.kernel_width(lambda kk, tt: np.cos(kk * tt), t) == pytest.approx(first, rel=1e-9)
    lo, _ = kernels.WIDTH_K_RANGE
    assert kernels.kernel_width(lambda kk, tt: np.exp(-kk * 1e13), t) == 1 / lo
    assert kernels.kernel_width(lambda kk, tt: np.ones_like(kk), t) is None  # never falls: no width
    assert kernels.kernel_width(lambda kk, tt: np.exp(-tt), t) is None  # free of k (a scalar), likewise
    assert kernels.kernel_width(lambda kk, tt: np.where(kk > 1e10, np.nan, 1.0), t) is None  # nan: not fallen
    assert kernels.kernel_width(lambda kk, tt: 0 * kk, t) is None


@pytest.mark.parametrize("t", [1e-2, 1.0, 1e2])
def test_derived_kernels_carry_their_width(t):
    """A derivation's kernels know their width: √t for the heat kernel (p̃ = e^{−k²t}), t for Poisson's
    (p̃ = e^{−kt}), the same on the balanced flow's kernels of Yukawa's (p̃ ∝ e^{−t√(k² + m²)}, whose mass factor
    e^{−mt} is removed: the first k with t(√(k² + m²) − m) = 1); kernels built without p̃ refuse to guess one."""
    from derivations.derive import radial_kernels
    from derivations.fields import balanced

    heat = radial_kernels(derive(parse("phi_t - lap(phi)"), dim=2, conditions=False), 2, {})
    assert heat.width(t) == pytest.approx(np.sqrt(t), rel=1e-9)
    poisson = radial_kernels(derive(parse("phi_tt + lap(phi)"), dim=2, conditions=False), 2, {})
    assert poisson.width(t) == pytest.approx(t, rel=1e-9)
    yukawa = derive(parse("phi_tt + lap(phi) - m**2*phi", {"m": "positive"}), dim=2, conditions=False)
    m = yukawa.pde.parameters[0].symbol
    kk = np.sqrt((1 / t + 0.5) ** 2 - 0.25)  # t(√(k² + 1/4) − 1/2) = 1
    assert balanced(yukawa, 2, {m: sp.Rational(1, 2)}).width(t) == pytest.approx(1 / kk, rel=1e-9)
    with pytest.raises(RuntimeError, match="no width"):
        dataclasses.replace(heat, density_hat=None).width(t)


def test_c1_on_kernels_without_a_width():
    """|p̃| = 1 (Schrödinger) has no width: C1 scans radii around 1 and finds P complex (in N = 8 the prefactor is
    real, so radii at the range's edge would have hidden the phase); p̃ free of k (φ_t + φ) leaves C1 undecided,
    not crashed."""
    schr = derive(parse("I*phi_t + lap(phi)"), dim=8).c1[0]
    assert schr.holds is False and "not real" in schr.reason and 1e-4 < schr.where["r"] < 1e4
    assert derive(parse("phi_t + phi"), dim=1).c1[0].holds is None


@pytest.mark.parametrize("T", [1.0, 10.0, 100.0])
def test_overlap_of_diffusion_is_the_closed_form(T):
    d, w = conditions.C2_DISTANCE, conditions.C2_WIDTH
    p_hat = lambda kk, tt: np.exp(-kk**2 * tt)
    # Gaussian weight e^{−(2T + w²) k²}: ⟨cos k·d⟩ = exp(−d²/(4(2T + w²))) in any N
    for N in (1, 2, 3):
        assert conditions.overlap(p_hat, N, T) == pytest.approx(np.exp(-d**2 / (4 * (2 * T + w**2))), rel=1e-7)


@pytest.mark.parametrize("text, slope", [("phi_t - lap(phi)", -1.0), ("phi_tt + lap(phi)", -2.0),
                                         ("phi_t + biharm(phi)", -0.5)])
def test_c2_rate_matches_the_envelope(text, slope):
    d = derive(parse(text), dim=2)
    (c2,) = d.c2
    assert c2.holds and c2.predicted == pytest.approx(slope, abs=1e-3)
    assert c2.slope == pytest.approx(slope, abs=0.05)


@pytest.mark.parametrize("text", ["phi_tt - lap(phi)", "I*phi_t + lap(phi)"])
def test_c2_fails_where_the_criterion_fails(text):
    d = derive(parse(text), dim=2)
    assert d.c2_holds is Holds.NO and d.result.criterion.holds is Holds.NO


def test_unsupported_green_still_answers_the_criterion(capsys):
    assert main(["derive", "phi_t - phi_xx - 2*phi_yy", "--json"]) == 3  # valid but not supported
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["criterion"]["holds"] == "yes"
    assert out["error"]["type"] == NotSupportedError.kind and "not supported yet" in out["error"]["message"]
    assert "not supported yet" in captured.err


def test_derive_json_contract(capsys):
    assert main(["derive", "phi_tt + lap(phi) - m**2*phi", "--param", "m=positive", "--dim", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("pde", "branches", "criterion", "green", "flow", "c1", "c2", "verdict"):
        assert key in out
    assert out["c1"]["holds"] in ("yes", "no", "conditional")
    assert "besselk" in out["green"]["real_space"]["2"]["G"]["expr"]
    assert out["flow"]["p"] == "phi_t" and out["flow"]["R"] == "m**2*phi"


@pytest.mark.parametrize("argv, message", [
    (["derive", "phi_t - lap(phi)", "--eval", "1,1"], "needs --dim"),
    (["derive", "phi_t - lap(phi)", "--dim", "2", "--eval", "1"], "R,T"),
    (["derive", "phi_t - lap(phi)", "--dim", "2", "--eval", "1,-1"], "0 < T"),
    (["derive", "phi_t - lap(phi)", "--dim", "0"], "must be at least 1"),
])
def test_derive_bad_input(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_to_json_is_serialisable():
    d = derive(parse("phi_t - lap(phi)"), dim=1)
    json.dumps(d.to_json())
