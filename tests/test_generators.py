"""Generators, priors and metrics: statistical checks at fixed seeds, against closed forms."""

import json
import math

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from analytic.errors import NotSupportedError, PDEInputError
from analytic.grammar import parse
from analytic.outcome import GeneratorOutcome
from analytic.pde import k, t
from derivations.derive import derive
from derivations.fields import field
from derivations.generate import Splits, data_splits, generate, outcome
from genphys.cli import main
from numeric import datasets, metrics
from numeric.particles import _numeric_radii, integrate, log_mass, log_times, poisson_kernels, radial_draws, sample_prior, systematic_resample


def _derived(text, params=()):
    return derive(parse(text, {p: "positive" for p in params}), dim=2, conditions=False)


def test_energy_distance_matches_the_gaussian_closed_form(rng):
    """1-D N(0,1) vs N(μ,1): 2E|Z_√2,μ| − 2E|Z_√2,0| with E|Z| = σ√(2/π)e^{−μ²/2σ²} + μ(1 − 2Φ(−μ/σ))."""
    mu, s = 0.8, math.sqrt(2)
    e_abs = lambda m: s * math.sqrt(2 / math.pi) * math.exp(-m * m / (2 * s * s)) + m * (1 - 2 * stats.norm.cdf(-m / s))
    exact = 2 * e_abs(mu) - 2 * e_abs(0.0)
    X, Y = rng.normal(size=(3000, 1)), rng.normal(size=(3000, 1)) + mu
    assert metrics.energy_distance(X, Y) == pytest.approx(exact, abs=0.03)
    assert metrics.energy_distance(X, X) == pytest.approx(0.0, abs=1e-12)


def test_other_metrics_separate_equal_from_different_sets(rng):
    X, Y, Z = rng.normal(size=(800, 2)), rng.normal(size=(800, 2)), rng.normal(size=(800, 2)) + [1.0, 0.0]
    assert metrics.mmd2(X, Y)[0] < 0.01 < metrics.mmd2(X, Z)[0]
    assert metrics.sliced_w1(X, Y) < 0.1 < metrics.sliced_w1(X, Z)
    assert metrics.histogram_jsd(X, Y) < metrics.histogram_jsd(X, Z)
    mem = metrics.memorisation(X[:50] + 1e-9, X)
    assert mem["fraction_within_epsilon"] == 1.0
    # a Gaussian has κ4 = 0; a uniform on [−1, 1] has κ2 = 1/3, κ4 = −2/15 (tests/test_statistics.py: errors)
    u = metrics.cumulants(rng.uniform(-1, 1, size=(200000, 1)))
    assert abs(u["kappa4"] + 2 / 15) < 4 * u["kappa4_se"]
    g = metrics.cumulants(rng.normal(size=(200000, 1)))
    assert abs(g["kappa4"]) < 4 * g["kappa4_se"]


def test_systematic_resampling_keeps_proportions(rng):
    w = np.array([0.1, 0.6, 0.3])
    idx = systematic_resample(np.repeat(w, 1000) / 1000, rng)
    counts = np.bincount(idx // 1000, minlength=3) / len(idx)
    assert counts == pytest.approx(w, abs=1e-3)


def test_heat_prior_has_variance_2T(rng):
    d = _derived("phi_t - lap(phi)")
    f = field(d, np.zeros((1, 3)), device="cpu")
    draws = radial_draws(f.kernels, 3, 0.7, 20000, rng)
    assert draws.var(axis=0) == pytest.approx([1.4] * 3, rel=0.04)


def test_poisson_prior_radius_law_closed_and_numeric(rng):
    """N = 2 Poisson kernel: r T/(T² + r²)^{3/2} has CDF 1 − T/√(T² + r²). Both samplers pass a KS test."""
    d = _derived("phi_tt + lap(phi)")
    f = field(d, np.zeros((1, 2)), device="cpu")
    T = 1.7
    cdf = lambda r: 1 - T / np.sqrt(T * T + r * r)
    closed = np.linalg.norm(radial_draws(f.kernels, 2, T, 4000, rng), axis=1)
    numeric = _numeric_radii(f.kernels.P, 2, T, 4000, rng)
    assert stats.kstest(closed, cdf).pvalue > 0.01
    assert stats.kstest(numeric, cdf).pvalue > 0.01


def test_heun_is_second_order_on_a_known_flow():
    """One data point at 0, heat kernel: v = x/(2t), so x(t) = x(T) √(t/T) exactly."""
    d = _derived("phi_t - lap(phi)")
    f = field(d, np.zeros((1, 2)), device="cpu")
    x0 = np.array([[1.0, -2.0], [0.3, 0.5]])
    T, t_min = 4.0, 0.01
    exact = x0 * math.sqrt(t_min / T)
    errors = {m: [np.abs(integrate(f, x0, log_times(T, t_min, s), m).samples - exact).max() for s in (16, 32, 64)]
              for m in ("euler", "heun")}
    heun, euler = np.array(errors["heun"]), np.array(errors["euler"])
    assert np.log2(heun[:-1] / heun[1:]) == pytest.approx([2.0, 2.0], abs=0.15)   # observed order
    assert np.log2(euler[:-1] / euler[1:]) == pytest.approx([1.0, 1.0], abs=0.15)
    rk = integrate(f, x0, log_times(T, t_min, 4), "rk45", rtol=1e-9)
    assert rk.samples == pytest.approx(exact, abs=1e-7)


def test_two_points_are_reproduced_from_both_priors(rng):
    d = _derived("phi_t - lap(phi)")
    s = data_splits("two_points", 200, rng)
    for prior in ("exact", "independent"):
        g = generate(d, s, n_samples=600, steps=40, prior=prior, seed=3)
        near = np.minimum(np.linalg.norm(g.run.samples - [1, 0], axis=1), np.linalg.norm(g.run.samples + [1, 0], axis=1))
        assert np.all(near < 0.01)
        share = np.mean(g.run.samples[:, 0] > 0)
        assert abs(share - np.mean(s.train[:, 0] > 0)) < 4 * math.sqrt(0.25 / 600)
        assert outcome(g) is GeneratorOutcome.REPRODUCED


def test_poisson_reproduces_a_gaussian_mixture(rng):
    d = _derived("phi_tt + lap(phi)")
    s = data_splits("gaussians", 400, rng)
    g = generate(d, s, n_samples=800, steps=40, seed=1)
    assert g.metrics["energy_distance"] < 3 * g.metrics["energy_distance_baseline"] + 0.01
    assert g.run.nfe == 80 and not g.findings


def test_branching_weights_follow_the_mass(rng):
    """Yukawa: ∫p(x, t) dx = p̃(0, t) = e^{−mt}; the mean weight carried from T back to t_min is their ratio."""
    m = 1.3
    d = _derived("phi_tt + lap(phi) - m**2*phi", ["m"])
    mass = sp.lambdify(t, sp.limit(d.flow.p_hat.subs(d.pde.parameters[0].symbol, sp.Rational(13, 10)), k, 0))
    data = rng.normal(size=(40, 2)) * 0.5
    f = field(d, data, values={"m": m}, device="cpu")
    T, t_min = 0.6, 0.05
    x0, _ = sample_prior(f, T, 1000, "exact", rng)
    run = integrate(f, x0, log_times(T, t_min, 30), "heun", branching=True, ess_threshold=0.0)
    assert run.resamples == 0
    w = np.exp(run.log_weights)  # heavy-tailed (far particles gain most): 4 standard errors + 2 % for Heun
    assert abs(w.mean() - float(mass(t_min) / mass(T))) < 4 * w.std() / math.sqrt(len(w)) + 0.02 * w.mean()


def test_kernel_mass_is_the_fourier_kernel_at_zero():
    """log ∫P = log p̃(0, T): e^{−mT} for Yukawa (sympy's limit), 1 for the normalised Poisson kernel."""
    d = _derived("phi_tt + lap(phi) - m**2*phi", ["m"])
    f = field(d, np.zeros((1, 2)), values={"m": 0.35}, device="cpu")
    mass = sp.limit(d.flow.p_hat.subs(d.pde.parameters[0].symbol, sp.Rational(35, 100)), k, 0)
    for T in (0.3, 7.24):
        assert log_mass(f.kernels.P, 2, T) == pytest.approx(math.log(float(mass.subs(t, T))), abs=1e-9)
    for N in (2, 5):
        assert log_mass(poisson_kernels(N).P, N, 1.7) == pytest.approx(0.0, abs=1e-9)


def test_heavy_tailed_prior_makes_yukawa_weights_unbiased():
    """One source, Yukawa m = 0.35 from T = 7.24 to t = 1: E|x| under p(·, 1) by quadrature of the closed form
    t e^{−mρ}(1 + mρ)/ρ³ (N = 2). Transported kernel draws carry infinite-variance weights (biased ~20 % low at
    any particle count); the defensive mixture's weights are bounded and hit the quadrature."""
    import mpmath
    m, T = 0.35, 7.24
    d = _derived("phi_tt + lap(phi) - m**2*phi", ["m"])
    f = field(d, np.zeros((1, 2)), values={"m": m}, device="cpu")
    rho = lambda r: mpmath.sqrt(r * r + 1)
    P = lambda r: mpmath.exp(-m * rho(r)) * (1 + m * rho(r)) / rho(r) ** 3
    cuts = [0, 1, 10, 100, mpmath.inf]
    exact = float(mpmath.quad(lambda r: r * r * P(r), cuts) / mpmath.quad(lambda r: r * P(r), cuts))
    means = {}
    for heavy in (0.0, 0.5):
        x0, log_w0 = sample_prior(f, T, 4000, "exact", np.random.default_rng(7), heavy)
        run = integrate(f, x0, log_times(T, 1.0, 10), "heun", branching=True, ess_threshold=0.0, log_weights=log_w0)
        means[heavy] = float(run.weights @ np.linalg.norm(run.samples, axis=1))
    assert means[0.5] == pytest.approx(exact, abs=0.1)       # ~3 standard errors at ESS ~ 0.8
    assert means[0.0] < exact - 0.2


def test_balanced_flow_is_conservative_and_needs_no_weights():
    """Yukawa's birth-free flow: ∂t(p/M) + ∇·(p v/M) = 0 by central differences (M = e^{−mt}); its real-space
    flux kernel agrees with the FFTLog transform of −e^{−tκ}/(κ + m); one source carried from T = 7.24 to
    t = 1 without weights gives E|x| of the quadrature (see the heavy-tailed prior test)."""
    import mpmath
    from derivations.fields import _parameter_values, balanced_flux_hat
    from numeric.lambdified import np_function
    from numeric.logdomain import TableKernel
    m = 0.35
    d = _derived("phi_tt + lap(phi) - m**2*phi", ["m"])
    values = _parameter_values(d, {"m": m})
    data = np.array([[0.0, 0.0], [0.7, -0.2]])
    f = field(d, data, values={"m": m}, device="cpu", flow="balanced")
    assert not np.any(f.rate(np.ones((1, 2)), 1.0))
    table = TableKernel(np_function(balanced_flux_hat(d, values), (k, t)), 4, -2 * math.pi)
    rr = np.array([[1e-3, 0.1, 1.0, 5.0, 20.0]])
    ours, theirs = f.kernels.j.log_abs_sign(None, rr**2, 1.0, np)[0], table.log_abs_sign(None, rr**2, 1.0, np)[0]
    assert ours == pytest.approx(theirs, abs=1e-6)
    tt, h = 1.0, 1e-4
    norm = lambda x, s: f.density(x, s) * math.exp(m * s)
    for x in ([0.5, 0.1], [2.0, 1.0], [5.0, -3.0]):
        x = np.array([x])
        div = sum((f.velocity(x + e, tt)[0, c] * norm(x + e, tt)[0] - f.velocity(x - e, tt)[0, c] * norm(x - e, tt)[0])
                  / (2 * h) for c, e in enumerate(np.eye(2)[:, None, :] * h))
        dp = (norm(x, tt + h)[0] - norm(x, tt - h)[0]) / (2 * h)
        assert abs(dp + div) < 1e-6 * norm(x, tt)[0]
    one = field(d, np.zeros((1, 2)), values={"m": m}, device="cpu", flow="balanced")
    x0, _ = sample_prior(one, 7.24, 4000, "exact", np.random.default_rng(7))
    run = integrate(one, x0, log_times(7.24, 1.0, 10), "heun")
    rho = lambda r: mpmath.sqrt(r * r + 1)
    P = lambda r: mpmath.exp(-m * rho(r)) * (1 + m * rho(r)) / rho(r) ** 3
    cuts = [0, 1, 10, 100, mpmath.inf]
    exact = float(mpmath.quad(lambda r: r * r * P(r), cuts) / mpmath.quad(lambda r: r * P(r), cuts))
    assert np.linalg.norm(run.samples, axis=1).mean() == pytest.approx(exact, abs=0.08)
    with pytest.raises(PDEInputError, match="flow='fast' is not known"):
        field(d, data, values={"m": m}, flow="fast")


def test_resampling_keeps_total_weight(rng):
    d = _derived("phi_tt + lap(phi) - m**2*phi", ["m"])
    data = rng.normal(size=(40, 2)) * 0.5
    f = field(d, data, values={"m": 1.3}, device="cpu")
    x0 = data[rng.integers(0, 40, 300)] + rng.normal(size=(300, 2))
    times = log_times(2.0, 0.05, 40)
    free = integrate(f, x0, times, "heun", branching=True, ess_threshold=0.0)
    pop = integrate(f, x0, times, "heun", branching=True, ess_threshold=0.99, rng=rng)
    assert pop.resamples > 0
    assert np.exp(pop.log_weights).mean() == pytest.approx(np.exp(free.log_weights).mean(), rel=0.1)
    # trajectories follow lineages: a lineage that dies stays dead, and every survivor ends on a sample
    alive = np.all(np.isfinite(pop.trajectories), axis=2)
    assert np.all(alive[:-1] >= alive[1:]) and alive[-1].any()
    for end in pop.trajectories[-1][alive[-1]]:
        assert np.min(np.linalg.norm(pop.samples - end, axis=1)) == 0
    # after one step, surviving lineages sit where the same particles of the run without resampling are
    assert pop.trajectories[1][alive[1]] == pytest.approx(free.trajectories[1][alive[1]])


def test_non_density_kernels_are_refused_as_findings(rng):
    d = _derived("phi_t + biharm(phi)")  # the biharmonic kernel has a negative lobe: C1 fails
    s = data_splits("moons", 50, rng)
    with pytest.raises(NotSupportedError, match="C1 fails"):
        generate(d, s, n_samples=50, steps=5)


def test_bad_generator_input(rng):
    d = _derived("phi_t - lap(phi)")
    f = field(d, np.zeros((2, 2)), device="cpu")
    with pytest.raises(PDEInputError, match="t_min < T"):
        log_times(1.0, 2.0, 10)
    with pytest.raises(PDEInputError, match="method"):
        integrate(f, np.zeros((3, 2)), log_times(1.0, 0.1, 3), "leapfrog")
    with pytest.raises(PDEInputError, match="unknown data set"):
        datasets.make("spirals", 10, rng)
    with pytest.raises(PDEInputError, match="does not exist"):
        datasets.load("/nonexistent.npy")


def test_user_csv_data_and_embedding(tmp_path, rng):
    path = tmp_path / "d.csv"
    np.savetxt(path, rng.normal(size=(40, 3)), delimiter=",", header="a,b,c", comments="")
    s = data_splits(str(path), 100, rng)
    assert s.train.shape == (20, 3) and len(s.held_out) == 10
    emb = datasets.embedding(5)
    assert emb @ emb.T == pytest.approx(np.eye(2))
    assert datasets.make("rings", 30, rng, N=5).shape == (30, 5)


def test_generate_cli_writes_samples_metrics_and_figures(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["generate", "phi_t - lap(phi)", "--data", "gaussians", "--n-data", "200", "--n-samples", "300",
                 "--steps", "20", "--out", str(out), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("energy_distance", "energy_distance_baseline", "nfe", "wall_s"):
        assert key in summary
    assert np.load(out / "samples.npy").shape == (300, 2)
    assert json.loads((out / "metrics.json").read_text())["nfe"] == 40
    assert (out / "samples.png").stat().st_size > 10000 and (out / "field.png").stat().st_size > 10000
    assert main(["generate", "phi_t - lap(phi)", "--n-samples", "1", "--out", str(out)]) == 2


def test_splits_are_disjoint_draws(rng):
    s = data_splits("moons", 100, rng)
    assert isinstance(s, Splits) and not np.allclose(s.train, s.held_out)


def test_prior_dependence_separates_forgetting_from_remembering(rng):
    """C2 in practice: at the default T the exact and data-independent priors agree to sampling noise;
    at a T where the kernel is 1/20 of the data radius the exact prior is still the data."""
    from derivations.generate import prior_dependence

    d = _derived("phi_t - lap(phi)")
    splits = data_splits("moons", 400, rng)
    g = generate(d, splits, n_samples=400, steps=10, seed=3)
    assert g.metrics["prior_gap"] < 4 * g.metrics["prior_gap_noise"] + 1e-3
    f = field(d, splits.train)
    radius = math.sqrt(np.mean(np.sum((splits.train - splits.train.mean(0)) ** 2, axis=1)))
    early = prior_dependence(f, (radius / 20) ** 2 / 2, 400, seed=3)  # heat: width √(2t)
    assert early["prior_gap"] > 20 * early["prior_gap_noise"]
