"""The stochastic-process layer: derived SDE objects, exact scores, rates, trajectories, landscapes.

Every reference value comes from a route other than the code under test: adaptive quadrature of the
convolution integral, finite differences of log densities, closed forms for Gaussian data, Monte Carlo
with its standard error, or an independent identity (KL drop, de Bruijn)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad
from scipy.optimize import brentq

from analytic.sde import SDE, derived_checks, linear, t
from analytic.sde_grammar import parse_sde, sde_values
from analytic.speciation import centre_curvature, mu, real_times, sigma2, solve_for_t
from derivations import thermo
from derivations.thermo import EmpiricalData
from numeric.landscape import constrained_log_Z, franz_parisi, speciation_time, unstable_time
from analytic.errors import NotSupportedError
from numeric.mixture import GaussianMixture, MixtureInputError, empirical
from numeric.linear_sde import Process, rates_monte_carlo, rates_quadrature, simulate

OU = parse_sde("ou")


def ou_process(d=1):
    return Process(linear(OU), {}, d)


def pair(m=1.0, s2=0.4):
    return thermo.paper_mixture(m, s2, 1)


# -- derived objects -------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["ou", "vp", "ve", "dx = (-x + tanh(y)*t) dt + sqrt(2) dW; dy = -2*y dt + (1 + t) dW",
                                  "dX = (-X**3 + sin(X)) dt + dW"])
def test_derived_objects_substitute_back(text):
    for check in derived_checks(parse_sde(text)):
        assert check.holds, (check.name, check.residual)


def test_a_wrong_reverse_drift_is_caught(monkeypatch):
    """Negative control: the reversal with D instead of 2D (the probability-flow drift) fails App. C/D."""
    def wrong(self, p, T, s):
        return tuple((-b + D * sp.diff(p, v) / p).subs(t, T - s) for v, b, D in zip(self.variables, self.drift, self.D))
    monkeypatch.setattr(SDE, "reverse_drift", wrong)
    failed = {c.name for c in derived_checks(OU) if not c.holds}
    assert {"reverse marginals", "reverse current"} <= failed


def test_linear_class_kernels():
    lin = linear(parse_sde("vp"))
    b0, b1 = (p.symbol for p in lin.sde.parameters)
    beta = b0 + (b1 - b0) * t
    assert sp.simplify(lin.Xi[0] - (1 - lin.f[0] ** 2)) == 0  # VP preserves unit variance
    assert sp.simplify(sp.diff(sp.log(lin.f[0]), t) + beta / 2) == 0
    ve = linear(parse_sde("ve"))
    sigma = ve.sde.parameters[0].symbol
    assert sp.simplify(ve.Xi[0] - (sigma ** (2 * t) - 1) / (2 * sp.log(sigma))) == 0
    with pytest.raises(Exception, match="outside the linear class"):
        linear(parse_sde("dX = -X**3 dt + dW"))


# -- exact scores --------------------------------------------------------------------------------------
def test_mixture_score_and_laplacian_against_finite_differences():
    g = GaussianMixture([0.2, 0.5, 0.3], [[1, 0, 0.5], [-1, 2, 0], [0, 0, -1]],
                        [np.diag([0.4, 1, 2]), [[1, 0.3, 0], [0.3, 0.5, 0.1], [0, 0.1, 0.7]], 0.3 * np.eye(3)])
    x = np.random.default_rng(0).normal(size=(7, 3))
    log_p, s, lap = g.evaluate(x, laplacian=True)
    h, E = 1e-4, np.eye(3)
    fd = np.stack([(g.log_density(x + h * E[i]) - g.log_density(x - h * E[i])) / (2 * h) for i in range(3)], 1)
    fd2 = sum((g.log_density(x + h * E[i]) - 2 * log_p + g.log_density(x - h * E[i])) / h**2 for i in range(3))
    assert np.allclose(s, fd, atol=1e-7) and np.allclose(lap, fd2, atol=1e-5)
    from scipy.stats import multivariate_normal as mvn
    ref = np.log(sum(w * mvn(m, C).pdf(x) for w, m, C in zip(g.weights, g.means, g.covariances)))
    assert np.allclose(log_p, ref, atol=1e-12)


def test_log_domain_survives_high_dimension():
    """d = 512, σ² = 0.01: densities near e^450 and posteriors of e^(−hundreds) stay exact in the log domain."""
    g = thermo.paper_mixture(3.0, 0.01, 512)
    x = g.sample(20, np.random.default_rng(1))
    log_p, s, _ = g.evaluate(x)
    m = np.full(512, 3.0)
    logs = [-((x - c) ** 2).sum(1) / 0.02 - 256 * math.log(2 * math.pi * 0.01) + math.log(0.5) for c in (m, -m)]
    top = np.maximum(*logs)  # the other component is e^(−thousands) below: exactly the larger term
    assert np.all(np.abs(logs[0] - logs[1]) > 800)
    assert np.allclose(log_p, top, rtol=1e-12) and log_p.max() > 400
    r = (logs[0] > logs[1]).astype(float)
    assert np.allclose(s, -(r[:, None] * (x - m) + (1 - r[:, None]) * (x + m)) / 0.01, rtol=1e-10, atol=1e-8)


def test_empirical_data_through_the_heat_kernel_field():
    """The EmpiricalField route (heat kernel at τ = Ξ/2) equals the mixture route for point masses."""
    points = np.random.default_rng(2).normal(size=(300, 2))
    data = EmpiricalData(points)
    fast = Process(linear(parse_sde("vp")), sde_values(parse_sde("vp")), 2).marginal(data, 0.3)
    reference = Process(linear(parse_sde("vp")), sde_values(parse_sde("vp")), 2).marginal(empirical(points), 0.3)
    x = np.random.default_rng(3).normal(size=(50, 2))
    lp_fast, s_fast, _ = fast.evaluate(x)
    lp_ref, s_ref, _ = reference.evaluate(x)
    assert type(fast).__name__ == "HeatFieldMixture"
    assert np.allclose(lp_fast, lp_ref, atol=1e-10) and np.allclose(s_fast, s_ref, atol=1e-9)


@pytest.mark.parametrize("bad, match", [
    ({"weights": [0.5, 0.6], "means": [[0], [1]], "covariances": [[[1]], [[1]]]}, "sum to 1"),
    ({"weights": [0.5, 0.5], "means": [[0], [1]], "covariances": [[[1]], [[-1]]]}, "positive definite"),
    ({"weights": [1.0], "means": [[0, 0]], "covariances": [[[1, 2], [2, 1]]]}, "positive definite"),
    ({"weights": [1.0], "means": [[0, 0]], "covariances": [[[1, 0]]]}, "K × d × d"),
    ({"weights": [1.0], "means": [[0]]}, "keys"),
    ({"weights": ["a"], "means": [[0]], "covariances": [[[1]]]}, "numbers"),
])
def test_bad_mixtures_are_refused(bad, match):
    with pytest.raises(MixtureInputError, match=match):
        GaussianMixture.from_dict(bad)


# -- ensemble rates --------------------------------------------------------------------------------
def _gaussian_rates(s2, tt):
    """Closed forms for one Gaussian N(0, s2) under OU (D = 1): v = 1 + e^{−2t}(s2 − 1), s = −x/v, so
    u = b − D s = −x(1 − 1/v), b* = −b + 2Ds = x(1 − 2/v) and E x² = v. In 30-digit mpmath: at σ² = 1e-4
    the double-precision formula itself is off by 1e-13 relative."""
    with mpmath.workdps(30):
        v = 1 + mpmath.exp(-2 * mpmath.mpf(tt)) * (mpmath.mpf(s2) - 1)
        pi = v * (1 - 1 / v) ** 2
        phi = v * (1 - 1 / v)
        phi_rev = v * (1 - 2 / v) * (1 - 1 / v)
        out = {"entropy_production": pi, "entropy_flux": phi, "entropy_rate": pi - phi,
               "entropy": mpmath.log(2 * mpmath.pi * mpmath.e * v) / 2, "entropy_flux_reverse": phi_rev,
               "entropy_rate_reverse": pi - phi_rev}
        return {key: float(value) for key, value in out.items()}


@pytest.mark.parametrize("s2, tt", [(0.3, 0.05), (0.3, 0.7), (0.3, 2.0), (0.3, 10.0), (0.3, 20.0), (1e-4, 0.0),
                                    (1e-4, 1e-3), (50.0, 0.3)])
def test_quadrature_error_bounds_the_error(s2, tt):
    """The printed quadrature error is a promise: it bounds the distance to the closed form, also where the
    rates are far below the integrands' size (t = 20: φ ≈ 1e-18) and for a narrow component (σ² = 1e-4)."""
    q = rates_quadrature(ou_process(), GaussianMixture([1.0], [[0.0]], [[[s2]]]), tt)
    for key, value in _gaussian_rates(s2, tt).items():
        assert abs(q[key].value - value) <= q[key].error, (key, q[key], value)
        assert q[key].error < 1e-6 * (1 + abs(value)) + 1e-12


def test_quadrature_refuses_what_it_cannot_resolve():
    data = GaussianMixture([0.5, 0.5], [[0.0], [0.0]], [[[1e4]], [[1e-4]]])
    with pytest.raises(NotSupportedError, match="monte-carlo"):
        rates_quadrature(ou_process(), data, 0.0)
    m = rates_monte_carlo(ou_process(), data, 0.0, 20_000, np.random.default_rng(0))
    # π = E[(x − s)²]: per component E[x²](1 − 1/σ²)² = σ²(1 − 1/σ²)², weights ½ (the cross terms are exact)
    exact = 0.5 * (1e4 * (1 - 1e-4) ** 2 + 1e-4 * (1 - 1e4) ** 2)
    assert abs(m["entropy_production"].value - exact) < 4.5 * m["entropy_production"].error


@pytest.mark.parametrize("tt", [0.1, 0.5, 1.5])
def test_quadrature_and_monte_carlo_agree(tt):
    proc, data = ou_process(), pair()
    q = rates_quadrature(proc, data, tt)
    m = rates_monte_carlo(proc, data, tt, 40_000, np.random.default_rng(int(tt * 10)))
    for key in q:
        assert abs(q[key].value - m[key].value) < 4.5 * m[key].error + 1e-12, key


def test_monte_carlo_errors_are_honest():
    """Over 40 independent runs the z-scores against the quadrature value have mean ≈ 0 and sd ≈ 1."""
    proc, data = ou_process(), pair()
    ref = rates_quadrature(proc, data, 0.4)["entropy_production"].value
    rng = np.random.default_rng(11)
    z = [(lambda e: (e.value - ref) / e.error)(rates_monte_carlo(proc, data, 0.4, 2000, rng)["entropy_production"])
         for _ in range(40)]
    assert abs(np.mean(z)) < 0.6 and 0.6 < np.std(z) < 1.5


def test_two_dimensional_quadrature_matches_monte_carlo():
    data = GaussianMixture([0.3, 0.7], [[1, 0], [-1, 1]], [np.diag([0.3, 0.8]), [[0.5, 0.2], [0.2, 0.4]]])
    proc = ou_process(2)
    q = rates_quadrature(proc, data, 0.3)
    m = rates_monte_carlo(proc, data, 0.3, 40_000, np.random.default_rng(5))
    for key in q:
        assert abs(q[key].value - m[key].value) < 4.5 * m[key].error + 1e-9, key


def _kl_to_stationary(data, tt):
    """KL(p_t ‖ N(0, 1)) by adaptive quadrature of the convolution integral (not the mixture formula)."""
    f, Xi = math.exp(-tt), 1 - math.exp(-2 * tt)

    def p(x):
        integrand = lambda y: math.exp(data.log_density(np.array([[y]]))[0]) * \
            math.exp(-(x - f * y) ** 2 / (2 * Xi)) / math.sqrt(2 * math.pi * Xi)
        return quad(integrand, -12, 12, points=[-1, 0, 1], limit=200)[0]

    def integrand(x):
        px = p(x)
        return px * (math.log(px) + 0.5 * x * x + 0.5 * math.log(2 * math.pi)) if px > 0 else 0.0
    return quad(integrand, -10, 10, limit=100)[0]


def test_entropy_production_integrates_to_the_kl_drop():
    """OU: dKL(p_t ‖ p_∞)/dt = −π, so ∫_{t1}^{t2} π dt = KL(t1) − KL(t2)."""
    proc, data = ou_process(), pair(1.0, 0.4)
    produced = quad(lambda tt: rates_quadrature(proc, data, tt)["entropy_production"].value, 0.3, 1.2)[0]
    drop = _kl_to_stationary(data, 0.3) - _kl_to_stationary(data, 1.2)
    assert abs(produced - drop) < 1e-6


def test_de_bruijn_for_ve():
    """VE (b = 0): dS/dt = D · Fisher information; the entropy's finite difference is an independent route."""
    ve = parse_sde("ve")
    proc = Process(linear(ve), sde_values(ve, {"sigma": 5.0}), 1)
    data = pair(1.0, 0.2)
    h, tt = 1e-4, 0.4
    S = lambda t_: rates_quadrature(proc, data, t_)["entropy"].value
    r = rates_quadrature(proc, data, tt)
    assert r["entropy_flux"].value == 0
    assert abs((S(tt + h) - S(tt - h)) / (2 * h) - r["entropy_rate"].value) < 1e-6


# -- trajectories --------------------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_integral_fluctuation_theorem(direction):
    paths = simulate(ou_process(), pair(1.0, 1.0), 4.0, 0.01, 6000, np.random.default_rng(4), direction)
    s = paths.summary()
    assert abs(s["mean_exp_minus_dS_tot"] - 1) < 3.5 * s["se_exp_minus_dS_tot"]
    assert s["mean_dS_tot"] > 0  # the second law on average
    conv = paths.convergence()
    assert conv[-1]["n"] == 6000 and abs(conv[-1]["mean"] - s["mean_exp_minus_dS_tot"]) < 1e-12


def test_heat_sum_and_a_failing_control():
    """The heat recomputed from the stored paths equals the simulator's (midpoint product, mid time); with
    the Itô product (the step's start point) instead, ⟨e^{−ΔS_tot}⟩ = 1 fails by many standard errors."""
    proc, data = ou_process(), pair(1.0, 1.0)
    n = 4000
    paths = simulate(proc, data, 4.0, 0.01, n, np.random.default_rng(4), stored=n)
    x = paths.paths[:, :, 0]
    dx = np.diff(x, axis=1)
    mid = -(0.5 * (x[:, 1:] + x[:, :-1])) * dx  # b = −x, D = 1 (time-independent)
    assert np.allclose(mid.sum(1), paths.dS_environment, atol=1e-10)
    ito = (-x[:, :-1] * dx).sum(1)
    w = np.exp(-(paths.dS_system + ito))
    assert abs(w.mean() - 1) > 10 * w.std(ddof=1) / math.sqrt(n)


def test_mean_total_entropy_is_the_integrated_production():
    """⟨ΔS_tot⟩ of forward paths = ∫_0^T π dt (quadrature), within the standard error and the O(dt) bias."""
    proc, data = ou_process(), pair(1.0, 1.0)
    s = simulate(proc, data, 3.0, 0.005, 20_000, np.random.default_rng(9)).summary()
    total = quad(lambda tt: rates_quadrature(proc, data, tt)["entropy_production"].value, 0, 3.0)[0]
    assert abs(s["mean_dS_tot"] - total) < 4 * s["se_dS_tot"] + 0.01


def test_reverse_paths_generate_the_data():
    paths = simulate(ou_process(), pair(1.5, 0.3), 4.0, 0.005, 4000, np.random.default_rng(6), "reverse")
    x = paths.final[:, 0]
    assert abs((x**2).mean() - (1.5**2 + 0.3)) < 0.08 and abs(np.mean(np.abs(x)) - 1.5) < 0.05


# -- landscapes ----------------------------------------------------------------------------------------
def _curvature_by_convolution(m, s2, tt, factor):
    """U''(0) from p(x, t) = ∫ N(x; e^{−t}y, 1 − e^{−2t}) p0(y) dy by adaptive quadrature, differenced twice."""
    f, Xi = math.exp(-tt), 1 - math.exp(-2 * tt)
    p0 = lambda y: 0.5 * (math.exp(-(y - m) ** 2 / (2 * s2)) + math.exp(-(y + m) ** 2 / (2 * s2))) / math.sqrt(2 * math.pi * s2)

    def log_p(x):
        return math.log(quad(lambda y: p0(y) * math.exp(-(x - f * y) ** 2 / (2 * Xi)), -m - 15, m + 15,
                             points=[-m, m], epsabs=0, epsrel=1e-13, limit=200)[0])
    h = 2e-3
    second = (log_p(h) - 2 * log_p(0) + log_p(-h)) / h**2
    return -1 - factor * second if factor else -second


@pytest.mark.parametrize("m, s2", [(1.0, 1.0), (1.0, 0.1), (1.0, 0.4), (0.5, 2.5)])
def test_speciation_time_against_quadrature_root_finding(m, s2):
    proc = ou_process()
    for notion, factor in (("drift_potential", 2), ("density", 0)):
        ours, _ = speciation_time(proc, pair(m, s2), notion)
        fn = lambda tt: _curvature_by_convolution(m, s2, tt, factor)
        grid = np.linspace(0.02, 3, 40)
        vals = [fn(x) for x in grid]
        changes = [i for i in range(len(grid) - 1) if vals[i] < 0 < vals[i + 1]]
        if not changes:
            assert ours is None or ours < 0.02, (notion, ours)
            continue
        i = changes[-1]
        reference = brentq(fn, grid[i], grid[i + 1], xtol=1e-9)
        assert abs(ours - reference) < 2e-5, (notion, ours, reference)


def test_speciation_closed_form_is_the_papers_and_the_numeric():
    lin = linear(OU)
    sols = solve_for_t(centre_curvature(lin, "drift_potential"))
    for m, s2 in ((1.0, 1.0), (2.0, 0.3)):
        (closed,) = real_times(sols, {mu: m, sigma2: s2})
        assert abs(closed - 0.5 * math.log(m**2 + math.sqrt(s2**2 - 2 * s2 + m**4 + 1))) < 1e-12
        assert abs(closed - speciation_time(ou_process(), pair(m, s2), "drift_potential")[0]) < 1e-8
    # negative control: the flow potential's curvature has no root for these data, so it is told apart
    assert real_times(solve_for_t(centre_curvature(lin, "flow_potential")), {mu: 1.0, sigma2: 1.0}) == []


def test_asymmetric_mixture_speciation_by_bisection():
    data = GaussianMixture([0.3, 0.7], [[1.5], [-1.0]], [[[0.2]], [[0.5]]])
    t_S, method = speciation_time(ou_process(), data, "drift_potential")
    assert "bisection" in method
    from numeric.landscape import gradient_along, line
    c, u, spread = line(data)
    lam = np.linspace(-spread, spread, 20001)
    count = lambda tt: int(np.count_nonzero(np.diff(np.sign(gradient_along(ou_process(), data, tt, "drift_potential",
                                                                             lam, c, u))) > 0))
    assert count(t_S - 1e-3) == 2 and count(t_S + 1e-3) == 1


def test_unstable_threshold():
    proc = ou_process()
    t_usb, _ = unstable_time(proc, pair(1.0, 4.0), "drift_potential")
    assert abs(t_usb - 0.5 * math.log(3)) < 1e-10
    assert unstable_time(proc, pair(1.0, 1.5), "drift_potential")[0] is None  # σ² < 2: t_USB < 0
    assert unstable_time(proc, pair(1.0, 4.0), "density")[0] is None


@pytest.mark.parametrize("distance", ["squared", "euclidean"])
def test_constrained_partition_function_against_a_smoothed_delta(distance):
    """Eq. 77's δ-function algebra checked independently: Z with δ(q − dist) replaced by a narrow Gaussian of
    width ε in q, integrated over x0 by adaptive quadrature, tends to the closed form as ε → 0."""
    data, tt, q, eps = pair(1.0, 0.1), 0.42, 0.3, 1e-5
    f, Xi = math.exp(-tt), 1 - math.exp(-2 * tt)
    rng = np.random.default_rng(1)
    x0_ref, xt = rng.normal(size=5), rng.normal(size=5)
    ours = constrained_log_Z(data, f, Xi, x0_ref, xt, q, distance)
    dist = (lambda a, b: (a - b) ** 2) if distance == "squared" else (lambda a, b: abs(a - b))
    for a, b, value in zip(x0_ref, xt, ours):
        H = lambda x0: (b - f * x0) ** 2 / (2 * Xi) - data.log_density(np.array([[x0]]))[0]
        kernel = lambda x0: math.exp(-H(x0) - (q - dist(x0, a)) ** 2 / (2 * eps**2)) / math.sqrt(2 * math.pi * eps**2)
        roots = [a + math.sqrt(q), a - math.sqrt(q)] if distance == "squared" else [a + q, a - q]
        Z = sum(quad(kernel, r0 - 50 * eps, r0 + 50 * eps, points=[r0], epsabs=0, epsrel=1e-11, limit=200)[0]
                for r0 in roots)
        assert abs(math.log(Z) - value) < 1e-6


def test_franz_parisi_against_grid_quadrature():
    """V(q, t) = −E ln Z over the joint law, by Monte Carlo and by a 2-D tensor-grid quadrature."""
    proc, data = ou_process(), pair(1.0, 0.1)
    tt, q = 0.42, 0.3
    fp = franz_parisi(proc, data, tt, np.array([q]), 40_000, np.random.default_rng(0))
    f, Xi = math.exp(-tt), 1 - math.exp(-2 * tt)
    x0 = np.linspace(-2.6, 2.6, 1201)
    xt = np.linspace(-4, 4, 1201)
    A, B = np.meshgrid(x0, xt, indexing="ij")
    log_p0 = lambda y: data.log_density(y.reshape(-1, 1)).reshape(y.shape)
    joint = np.exp(log_p0(A) - (B - f * A) ** 2 / (2 * Xi)) / math.sqrt(2 * math.pi * Xi)
    H = lambda y: (B - f * y) ** 2 / (2 * Xi) - log_p0(y)
    log_Z = np.logaddexp(-H(A + math.sqrt(q)), -H(A - math.sqrt(q))) - math.log(2 * math.sqrt(q))
    cell = (x0[1] - x0[0]) * (xt[1] - xt[0])
    reference = -(joint * log_Z).sum() * cell / (joint.sum() * cell)
    V = fp["V"][0]
    assert abs(V.value - reference) < 4 * V.error


def test_generation_check_can_fail():
    """The 'sampling fails' claim is refuted by a KS test against p0; the same samples against a slightly
    wrong law (σ² = 3 instead of 4) are rejected, so the test has the power to see a failure."""
    from scipy.stats import kstest, norm
    paths = simulate(ou_process(), pair(1.0, 4.0), 4.0, 5e-3, 4000, np.random.default_rng(7), "reverse", stored=0)
    final = paths.final[:, 0]
    cdf = lambda s2: (lambda x: 0.5 * (norm.cdf(x, 1.0, math.sqrt(s2)) + norm.cdf(x, -1.0, math.sqrt(s2))))
    assert kstest(final, cdf(4.0)).pvalue > 0.005 and kstest(final, cdf(3.0)).pvalue < 0.005
