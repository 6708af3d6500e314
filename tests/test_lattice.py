"""φ⁴ lattice HMC (numeric/lattice.py): every verdict by a second route, each with a control that must fail."""

import json

import numpy as np
import pytest
from scipy.signal import lfilter

from analytic.errors import PDEInputError
from numeric.lattice import (Ensemble, Phi4, autocorrelation_time, free_propagator, hmc, leapfrog, magnetisation,
                             observables, one_site_moments, two_point)
from numeric.statistics import jackknife

THEORIES = [(0.2, 0.0), (0.27, 0.022), (0.4, 0.022), (0.1, 0.5), (0.5, 1.3)]


def _within(estimate, stderr, exact, sigmas=3.0) -> bool:
    return bool(np.all(np.abs(np.asarray(estimate) - exact) < sigmas * np.asarray(stderr)))


# 1. the action in both forms, and its force

@pytest.mark.parametrize("kappa,lam", THEORIES)
def test_hopping_equals_continuum_both_ways(kappa, lam, rng):
    theory = Phi4(kappa, lam)
    phi = rng.standard_normal((4, 6, 6))
    assert np.allclose(theory.action(phi), theory.action_continuum(np.sqrt(2 * kappa) * phi), rtol=1e-12, atol=1e-10)
    back = Phi4.from_continuum(theory.mu2, theory.g)
    assert np.isclose(back.kappa, kappa, rtol=1e-12) and np.isclose(back.lam, lam, rtol=1e-12, atol=1e-15)
    # the other direction: continuum parameters first, the hopping form is derived
    mu2, g = rng.uniform(-1.5, 2.0), rng.uniform(0.0, 5.0)
    derived = Phi4.from_continuum(mu2, g)
    assert np.isclose(derived.mu2, mu2) and np.isclose(derived.g, g)
    varphi = rng.standard_normal((3, 5, 5))
    assert np.allclose(derived.action_continuum(varphi), derived.action(varphi / np.sqrt(2 * derived.kappa)))
    # control: the d = 1 mass shift (μ² = (1 − 2λ)/κ − 2) is off by 2 and must be caught
    wrong = Phi4.from_continuum(theory.mu2 + 2, theory.g)
    assert not np.allclose(theory.action(phi), wrong.action_continuum(np.sqrt(2 * wrong.kappa) * phi))


def test_action_identities(rng):
    theory = Phi4(0.3, 0.05)
    phi = rng.standard_normal((2, 5, 5))
    neighbours = sum(np.roll(phi, -1, axis=a) for a in (-1, -2))
    shifted = (-2 * 0.3 * phi * neighbours + phi**2 + 0.05 * (phi**2 - 1) ** 2).sum(axis=(1, 2)) - 0.05 * 25
    assert np.allclose(theory.action(phi), shifted)
    # L = 1: both neighbours are the site itself
    x = rng.standard_normal((7, 1, 1))
    assert np.allclose(theory.action(x), ((1 - 4 * 0.3 - 0.1) * x**2 + 0.05 * x**4).ravel())
    assert not np.allclose(theory.action(x), ((1 - 2 * 0.3 - 0.1) * x**2 + 0.05 * x**4).ravel())


@pytest.mark.parametrize("L", [1, 2, 5])
def test_force_is_minus_gradient(L, rng):
    theory = Phi4(0.27, 0.3)
    phi = rng.standard_normal((L, L))
    h = 1e-5
    grad = np.empty_like(phi)
    for idx in np.ndindex(phi.shape):
        e = np.zeros_like(phi)
        e[idx] = h
        grad[idx] = (theory.action(phi + e) - theory.action(phi - e)) / (2 * h)
    assert np.allclose(theory.force(phi), -grad, rtol=1e-7, atol=1e-7)
    assert not np.allclose(Phi4(0.27, 0.33).force(phi), -grad, rtol=1e-4, atol=1e-4)


# 2. the leapfrog integrator

def _H(theory, phi, pi):
    return theory.action(phi) + 0.5 * np.sum(pi**2)


def test_leapfrog_is_reversible(rng):
    theory = Phi4(0.27, 0.022)
    phi0, pi0 = rng.standard_normal((2, 6, 6))
    phi, pi = leapfrog(theory, phi0, pi0, 0.1, 20)
    back, pi_back = leapfrog(theory, phi, -pi, 0.1, 20)
    assert np.max(np.abs(back - phi0)) < 1e-12 and np.max(np.abs(pi_back + pi0)) < 1e-12
    # control: without the momentum flip the trajectory goes on instead of returning
    ahead, _ = leapfrog(theory, phi, pi, 0.1, 20)
    assert np.max(np.abs(ahead - phi0)) > 1e-2


def _symplectic_euler(theory, phi, pi, step_size, steps):
    for _ in range(steps):
        pi = pi + step_size * theory.force(phi)
        phi = phi + step_size * pi
    return phi, pi


@pytest.mark.parametrize("integrator,order", [(leapfrog, 2), (_symplectic_euler, 1)])
def test_energy_error_order(integrator, order, rng):
    """|ΔH| over a unit-length trajectory falls as ε² for leapfrog; a first-order scheme (the control) as ε."""
    theory = Phi4(0.27, 0.022)
    phi0, pi0 = rng.standard_normal((2, 6, 6))
    errors = [abs(_H(theory, *integrator(theory, phi0, pi0, 1 / steps, steps)) - _H(theory, phi0, pi0))
              for steps in (40, 80, 160)]
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all(np.abs(ratios - 2.0**order) < 0.3), ratios


# 3. the free field against its exact propagator

def test_free_propagator_is_the_inverse_of_A():
    """Second route: A = 2(1 − κ Σ_μ (T_μ + T_μ⁻¹)) as a dense V × V matrix, inverted."""
    kappa, L = 0.2, 5
    T = np.roll(np.eye(L), 1, axis=1)
    one = np.eye(L)
    hop = np.kron(T + T.T, one) + np.kron(one, T + T.T)
    G = np.linalg.inv(2 * (np.eye(L * L) - kappa * hop))
    assert np.allclose(free_propagator(kappa, L), G[0, [0, L, 2 * L]])
    assert not np.allclose(free_propagator(0.19, L), G[0, [0, L, 2 * L]])
    with pytest.raises(PDEInputError, match="1/4 suffices"):
        free_propagator(0.25, 8)


@pytest.fixture(scope="module")
def free_ensemble():
    return hmc(Phi4(0.2, 0.0), 8, n=4000, chains=32, thermalise=100, seed=0)


def test_free_field_two_point(free_ensemble):
    ens = free_ensemble
    assert 0.7 < ens.acceptance < 0.9 and ens.divergences == 0 and ens.thermalisation["agree"]
    assert ens.tau_int["abs_M"][0] < 400 / 6  # the 100 jackknife blocks of 40 configurations are long enough
    G = two_point(ens.configs)
    assert list(G["r"]) == [0, 1, 2, 3, 4]
    assert _within(G["G"], G["stderr"], free_propagator(0.2, 8))
    # control: the same data must reject the propagator of a nearby κ
    assert not _within(G["G"], G["stderr"], free_propagator(0.18, 8))


# 4. one site: the exact moments by quadrature

@pytest.mark.parametrize("kappa,lam", [(0.1, 0.5), (0.1, 0.3), (0.4, 0.01), (0.05, 0.0)])
def test_one_site_quadrature_obeys_schwinger_dyson(kappa, lam):
    """⟨φ S'(φ)⟩ = 1 (integrate φ e^{−S} by parts): 2a⟨φ²⟩ + 4λ⟨φ⁴⟩ = 1, a = 1 − 4κ − 2λ."""
    m = one_site_moments(kappa, lam)
    a = 1 - 4 * kappa - 2 * lam
    assert abs(2 * a * m["phi2"] + 4 * lam * m["phi4"] - 1) < 1e-8
    a_one_neighbour = 1 - 2 * kappa - 2 * lam
    assert abs(2 * a_one_neighbour * m["phi2"] + 4 * lam * m["phi4"] - 1) > 1e-3


def test_one_site_hmc_matches_quadrature():
    ens = hmc(Phi4(0.1, 0.5), 1, n=32000, chains=64, thermalise=100, seed=3)
    x = ens.configs.reshape(-1)
    moments, stderr = jackknife(np.stack([x**2, x**4], axis=1), lambda means, n: means)
    exact = one_site_moments(0.1, 0.5)
    assert _within(moments, stderr, [exact["phi2"], exact["phi4"]])
    wrong = one_site_moments(0.1, 0.25)
    assert not _within(moments, stderr, [wrong["phi2"], wrong["phi4"]])


# 5. integrated autocorrelation times

def _ar1(rho, N, rng):
    return lfilter([np.sqrt(1 - rho**2)], [1, -rho], rng.standard_normal(N))


def test_autocorrelation_time_of_ar1(rng):
    tau, err = autocorrelation_time(_ar1(0.8, 100_000, rng))
    assert abs(tau - 4.5) < 3 * err
    assert abs(tau - 1.7 / 0.6) > 3 * err  # control: ρ = 0.7's exact τ_int is rejected


def test_autocorrelation_time_of_white_noise(rng):
    tau, err = autocorrelation_time(rng.standard_normal(50_000))
    assert abs(tau - 0.5) < 3 * err
    assert abs(tau - 4.5) > 3 * err


# 6. the ensemble: observables, thermalisation check, split, save and load, bad input

def test_observables_of_constant_fields(rng):
    """Constant configurations have M equal to the constant: compare with the formulas written out."""
    M = rng.standard_normal(500) + 0.3
    configs = np.broadcast_to(M[:, None, None], (500, 4, 4)).copy()
    assert np.allclose(magnetisation(configs), M)
    obs = observables(configs)
    m2, m4 = np.mean(M**2), np.mean(M**4)
    assert np.isclose(obs["M"][0], M.mean()) and np.isclose(obs["abs_M"][0], np.abs(M).mean())
    assert np.isclose(obs["chi2"][0], 16 * (m2 - M.mean() ** 2))
    assert np.isclose(obs["U_L"][0], 1 - m4 / (3 * m2**2))
    # one row per block is the classic jackknife, whose error of a mean is the plain standard error
    assert np.isclose(observables(configs, blocks=500)["M"][1], M.std(ddof=1) / np.sqrt(500), rtol=1e-10)
    assert not np.isclose(obs["chi2"][0], 16 * (m2 - np.abs(M).mean() ** 2))


def test_thermalisation_check_catches_stripes():
    """A hot start in the broken phase freezes domain walls; the cold start does not (the control)."""
    theory = Phi4(0.4, 0.022)
    hot = hmc(theory, 16, n=800, thermalise=100, seed=0, start="hot")
    cold = hmc(theory, 16, n=800, thermalise=100, seed=0)
    assert hot.thermalisation["agree"] is False and max(map(abs, hot.thermalisation["z_chains"])) > 10
    assert cold.thermalisation["agree"] is True
    assert observables(cold.configs)["U_L"][0] > 0.66  # deep in the broken phase: U_L → 2/3


def test_progress_and_split():
    calls = []
    ens = hmc(Phi4(0.2, 0.0), 4, n=40, chains=4, thermalise=5, separation=2, progress=lambda i, t: calls.append((i, t)))
    assert calls == [(i, 25) for i in range(1, 26)]
    by_chain = ens.configs.reshape(4, 10, 4, 4)
    train, test = ens.split(0.5)
    assert np.array_equal(train, by_chain[:2].reshape(-1, 4, 4)) and np.array_equal(test, by_chain[2:].reshape(-1, 4, 4))
    train, test = ens.split(0.3)
    assert np.array_equal(train, by_chain[:, :3].reshape(-1, 4, 4)) and len(test) == 28


def test_save_load_round_trip(tmp_path):
    ens = hmc(Phi4(0.27, 0.022), 4, n=64, chains=4, thermalise=20, seed=5)
    ens.save(tmp_path)
    json.loads((tmp_path / "ensemble.json").read_text(), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    back = Ensemble.load(tmp_path)
    assert np.array_equal(back.configs, ens.configs)
    for name in ("theory", "L", "chains", "acceptance", "step_size", "steps", "thermalise", "separation", "flip",
                 "seed", "wall_s", "tau_int", "thermalisation", "divergences"):
        assert getattr(back, name) == getattr(ens, name), name
    bad = ens.configs.copy()
    bad[3, 1, 2] = np.nan
    np.save(tmp_path / "configs.npy", bad)
    with pytest.raises(PDEInputError, match="non-finite"):
        Ensemble.load(tmp_path)
    (tmp_path / "ensemble.json").write_text("{not json")
    with pytest.raises(PDEInputError, match="cannot load"):
        Ensemble.load(tmp_path)
    with pytest.raises(PDEInputError, match="cannot load"):
        Ensemble.load(tmp_path / "missing")


@pytest.mark.parametrize("call,match", [
    (lambda: hmc(Phi4(0.2, 0.0), 0, n=8), "L must be an integer ≥ 1"),
    (lambda: hmc(Phi4(0.2, 0.0), 4, n=1), "n must be an integer ≥ 2"),
    (lambda: hmc(Phi4(0.2, 0.0), 4, n=10, chains=4), "split evenly"),
    (lambda: hmc(Phi4(0.3, 0.0), 4, n=8), "no normalisable Gaussian"),
    (lambda: hmc(Phi4(0.2, 0.0), 4, n=8, step_size=-1.0), "step_size"),
    (lambda: Phi4(float("nan"), 0.1), "kappa must be a finite number"),
    (lambda: Phi4(0.2, float("inf")), "lam must be a finite number"),
    (lambda: Phi4(0.2, -0.1), "unbounded below"),
    (lambda: Phi4(-0.1, 0.1).mu2, "κ > 0"),
    (lambda: Phi4(0.2, 0.1).action(np.full((3, 3), np.nan)), "non-finite"),
    (lambda: observables(np.ones((4, 3))), r"shape \(n, L, L\)"),
    (lambda: two_point(np.array([[[np.inf]]] * 3)), "non-finite"),
    (lambda: autocorrelation_time(np.ones(10)), "constant"),
])
def test_bad_input_is_one_line_error(call, match):
    with pytest.raises(PDEInputError, match=match) as info:
        call()
    assert "\n" not in str(info.value)
