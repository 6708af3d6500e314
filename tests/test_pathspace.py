"""Path-space identities (numeric/pathspace.py): ⟨e^{−W}⟩ = Z, ⟨e^{−Σ}⟩ = 1, ⟨Σ⟩ = KL(P_F‖Q_B) ≥ 0.

Reference values come from Gaussian algebra done by hand and checked here by Gauss–Hermite quadrature, or from
the joint covariance matrices of linear Gaussian chains; never from the code under test.

One-step family (K = 1, d = 1, Δt = 1): π_0 = N(0, 1), x_1 = x_0 + ξ (b_F = 0, σ = 1); backward kernel
q_B(x_0|x_1) = N(c x_1, v) (b_B(x) = (c − 1) x, σ_B = √v); target γ(x) = e^{−a x²/2}, Z = √(2π/a).
Hand derivation. In (x_0, x_1) both measures are zero-mean Gaussians:
    Σ_P = [[1, 1], [1, 2]],  det Σ_P = 1,  Σ_P⁻¹ = [[2, −1], [−1, 1]]
    Q_B: x_1 ~ N(0, 1/a), x_0 = c x_1 + √v η  ⇒  Σ_Q = [[c²/a + v, c/a], [c/a, 1/a]],  det Σ_Q = v/a,
         Σ_Q⁻¹ = [[1/v, −c/v], [−c/v, c²/v + a]]
    KL(P‖Q) = ½ [tr(Σ_Q⁻¹ Σ_P) − 2 + log(det Σ_Q / det Σ_P)],  tr(Σ_Q⁻¹ Σ_P) = (1 − 2c + 2c²)/v + 2a
            = (1 − 2c + 2c²)/(2v) + a − 1 + ½ log(v/a)
    W = log P_F − log Q_B − log Z = −½ xᵀ(Σ_P⁻¹ − Σ_Q⁻¹)x + const, and Var_{N(0,Σ)}(xᵀAx) = 2 tr(AΣAΣ), so
    Var W = ½ tr((I − Σ_Q⁻¹ Σ_P)²)
    ⟨e^{−pW}⟩ = Z^p ∫ Q_B^p / P_F^{p−1} is finite iff p Σ_Q⁻¹ − (p − 1) Σ_P⁻¹ is positive definite.
Cases:
    (c, v, a) = (1, 1, ½)   b_B = 0, σ_B = σ:  KL = ½ log 2, Var W = ½. 2Σ_Q⁻¹ − Σ_P⁻¹ = [[0, −1], [−1, 1 + 2a]] is
                            indefinite for every a: Var e^{−W} = ∞ (tail index √2 at a = ½), so no standard error of
                            log Z or ⟨e^{−Σ}⟩ means anything there; only ⟨W⟩ and Var W are tested on it.
    (¼, ½, ½)               KL = 1/8, Var W = 9/32, log Z = ½ log 4π (Var e^{−W} finite, fourth moment not).
    (½, ½, ½)               the exact reversal: x_1 ~ N(0, 2) and x_0|x_1 ~ N(x_1/2, ½), with γ ∝ N(0, 2):
                            Q_B = P_F, W ≡ −log Z = −½ log 4π, KL = 0, Var W = 0.
    (½, ½, 1)               exact conditional, target N(0, 1): e^{−W} ∝ e^{−x_1²/4} is bounded (every moment finite);
                            KL = ½ − ½ log 2, Var W = ½, log Z = ½ log 2π.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss
from scipy.stats import norm

from analytic.errors import PDEInputError
from numeric import pathspace
from numeric.pathspace import PathPair, simulate

BRIEF_CASE = (1.0, 1.0, 0.5)
SLIDES_CASE = (0.25, 0.5, 0.5)
EXACT_REVERSAL = (0.5, 0.5, 0.5)
BOUNDED_WEIGHTS = (0.5, 0.5, 1.0)


def within(estimate: float, stderr: float, truth: float, k: float = 4.0) -> bool:
    return abs(estimate - truth) <= k * stderr


def one_step(c: float, v: float, a: float) -> PathPair:
    return PathPair(log_prior=lambda x: norm.logpdf(x[:, 0]), sample_prior=lambda rng, n: rng.standard_normal((n, 1)),
                    drift_forward=lambda x, t: np.zeros_like(x), drift_backward=lambda x, t: (c - 1) * x,
                    action=lambda x: 0.5 * a * x[:, 0] ** 2, times=[0.0, 1.0], sigma=[1.0],
                    sigma_backward=[math.sqrt(v)])


def one_step_closed_form(c: float, v: float, a: float) -> dict:
    """The hand-derived values of the module docstring."""
    Sp_inv = np.array([[2.0, -1.0], [-1.0, 1.0]])
    Sq_inv = np.array([[1 / v, -c / v], [-c / v, c * c / v + a]])
    R = np.eye(2) - Sq_inv @ np.linalg.inv(Sp_inv)
    return {"log_Z": 0.5 * math.log(2 * math.pi / a),
            "kl": (1 - 2 * c + 2 * c * c) / (2 * v) + a - 1 + 0.5 * math.log(v / a),
            "var_W": 0.5 * float(np.trace(R @ R)),
            "finite_weight_moment": lambda p: bool(np.linalg.eigvalsh(p * Sq_inv - (p - 1) * Sp_inv).min() > 0)}


def one_step_quadrature(c: float, v: float, a: float, points: int = 40) -> dict:
    """E_P[W], Var_P W and log E_P[e^{−W}] by Gauss–Hermite over (ξ_0, ξ_1) with x_0 = ξ_0, x_1 = ξ_0 + ξ_1."""
    nodes, weights = hermegauss(points)
    weights = weights / weights.sum()
    x0, x1 = np.meshgrid(nodes, nodes, indexing="ij")
    x1 = x0 + x1
    w = np.outer(weights, weights)
    W = norm.logpdf(x0) + norm.logpdf(x1, x0, 1.0) - (-0.5 * a * x1 ** 2 + norm.logpdf(x0, c * x1, math.sqrt(v)))
    mean = float((w * W).sum())
    return {"mean_W": mean, "var_W": float((w * (W - mean) ** 2).sum()),
            "log_mean_exp": float(np.log((w * np.exp(-W)).sum()))}


# -- the references ------------------------------------------------------------------------------
@pytest.mark.parametrize("case", [BRIEF_CASE, SLIDES_CASE, EXACT_REVERSAL, BOUNDED_WEIGHTS])
def test_one_step_closed_forms_agree_with_quadrature(case):
    exact, quad = one_step_closed_form(*case), one_step_quadrature(*case)
    assert quad["mean_W"] + exact["log_Z"] == pytest.approx(exact["kl"], abs=1e-10)
    assert quad["var_W"] == pytest.approx(exact["var_W"], abs=1e-10)
    if exact["finite_weight_moment"](2):  # the quadrature of e^{−W} converges only where its variance is finite
        assert quad["log_mean_exp"] == pytest.approx(exact["log_Z"], abs=1e-8)


def test_the_named_cases_have_the_stated_values():
    brief, slides = one_step_closed_form(*BRIEF_CASE), one_step_closed_form(*SLIDES_CASE)
    exact, bounded = one_step_closed_form(*EXACT_REVERSAL), one_step_closed_form(*BOUNDED_WEIGHTS)
    assert (brief["kl"], brief["var_W"]) == pytest.approx((0.5 * math.log(2), 0.5), abs=1e-14)
    assert not any(brief["finite_weight_moment"](p) for p in (1.5, 2.0, 4.0))
    assert (slides["kl"], slides["var_W"]) == pytest.approx((1 / 8, 9 / 32), abs=1e-14)
    assert slides["log_Z"] == pytest.approx(0.5 * math.log(4 * math.pi), abs=1e-15)
    assert slides["finite_weight_moment"](2) and not slides["finite_weight_moment"](4)
    assert (exact["kl"], exact["var_W"]) == pytest.approx((0.0, 0.0), abs=1e-14)
    assert (bounded["kl"], bounded["var_W"]) == pytest.approx((0.5 - 0.5 * math.log(2), 0.5), abs=1e-14)
    assert all(bounded["finite_weight_moment"](p) for p in (2, 4, 8, 32))


# -- the identities ------------------------------------------------------------------------------
def variance_and_stderr(W: np.ndarray) -> tuple[float, float]:
    centred = W - W.mean()
    s2 = float((centred ** 2).mean())
    return s2, math.sqrt(max(float((centred ** 4).mean()) - s2 * s2, 0.0) / len(W))


def test_brief_case_kl_and_work_variance():
    """b_B = 0: KL = ½ log 2 > 0 and Var W = ½ (Var e^{−W} = ∞ here, so log Z is tested on the other cases)."""
    exact = one_step_closed_form(*BRIEF_CASE)
    work = simulate(one_step(*BRIEF_CASE), 200_000, seed=1)
    kl, se = work.kl(exact["log_Z"])
    assert within(kl, se, exact["kl"])
    assert kl - 4 * se > 0  # forward and backward disagree: KL strictly positive
    assert within(*variance_and_stderr(work.W), exact["var_W"])


@pytest.mark.parametrize("case", [SLIDES_CASE, BOUNDED_WEIGHTS])
def test_one_step_identities(case):
    exact = one_step_closed_form(*case)
    work = simulate(one_step(*case), 200_000, seed=2)
    assert within(*work.log_Z(), exact["log_Z"])
    assert within(*work.kl(exact["log_Z"]), exact["kl"])
    assert within(*work.jarzynski_sigma(exact["log_Z"]), 1.0)
    assert within(*variance_and_stderr(work.W), exact["var_W"])
    assert work.kl(exact["log_Z"])[0] - 4 * work.kl(exact["log_Z"])[1] > 0


def test_exact_reversal_has_constant_work_and_zero_kl():
    log_Z = one_step_closed_form(*EXACT_REVERSAL)["log_Z"]
    work = simulate(one_step(*EXACT_REVERSAL), 10_000, seed=3)
    np.testing.assert_allclose(work.W, -log_Z, rtol=0, atol=1e-12)
    assert abs(work.kl(log_Z)[0]) < 1e-12
    assert work.jarzynski_sigma(log_Z)[0] == pytest.approx(1.0, abs=1e-12)
    assert work.log_Z()[0] == pytest.approx(log_Z, abs=1e-12)
    assert work.effective_sample_size() == pytest.approx(work.n, rel=1e-9)


def chain_covariance(s0: float, alpha: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Cov of (x_0..x_K) for x_0 = s0 ε_0, x_{k+1} = α_k x_k + scale_k ε_{k+1} (one coordinate)."""
    K = len(alpha)
    L = np.zeros((K + 1, K + 1))
    L[0, 0] = s0
    for k in range(K):
        L[k + 1] = alpha[k] * L[k]
        L[k + 1, k + 1] = scale[k]
    return L @ L.T


def reverse_chain_covariance(v: float, beta: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Cov of (x_0..x_K) for x_K = √v ε_K, x_k = β_k x_{k+1} + scale_k ε_k (one coordinate)."""
    K = len(beta)
    L = np.zeros((K + 1, K + 1))
    L[K, K] = math.sqrt(v)
    for k in reversed(range(K)):
        L[k] = beta[k] * L[k + 1]
        L[k, k] = scale[k]
    return L @ L.T


THETA, SIGMA, S0, V, D = 1.0, math.sqrt(2.0), 1.2, 1.0, 2


def ou_pair(steps: int) -> PathPair:
    """d = 2 OU b_F = −θx from N(0, s0² I), backward b_B = −θx, target e^{−|x|²/(2v)}, on a non-uniform grid."""
    return PathPair(log_prior=lambda x: norm.logpdf(x, scale=S0).sum(1),
                    sample_prior=lambda rng, n: S0 * rng.standard_normal((n, D)),
                    drift_forward=lambda x, t: -THETA * x, drift_backward=lambda x, t: -THETA * x,
                    action=lambda x: (x * x).sum(1) / (2 * V), times=1.5 * np.linspace(0, 1, steps + 1) ** 1.5,
                    sigma=np.full(steps, SIGMA))


def ou_reference(pair: PathPair) -> dict:
    """log Z, KL and the weight-moment check from the joint covariances of both chains (d independent coordinates)."""
    dt = np.diff(pair.times)
    scale = SIGMA * np.sqrt(dt)
    Sp = chain_covariance(S0, 1 - THETA * dt, scale)
    Sq = reverse_chain_covariance(V, 1 - THETA * dt, scale)
    M = np.linalg.solve(Sq, Sp)
    kl = 0.5 * (np.trace(M) - len(M) + np.linalg.slogdet(Sq)[1] - np.linalg.slogdet(Sp)[1])
    Sp_inv, Sq_inv = np.linalg.inv(Sp), np.linalg.inv(Sq)
    return {"log_Z": 0.5 * D * math.log(2 * math.pi * V), "kl": D * kl,
            "fourth_moment_finite": bool(np.linalg.eigvalsh(4 * Sq_inv - 3 * Sp_inv).min() > 0)}


@pytest.mark.parametrize("steps", [3, 20])
def test_multi_step_ou_is_unbiased_at_any_step_size(steps):
    pair = ou_pair(steps)
    ref = ou_reference(pair)
    assert ref["fourth_moment_finite"]  # so the printed standard errors are themselves well estimated
    work = simulate(pair, 100_000, seed=4)
    assert within(*work.log_Z(), ref["log_Z"])
    assert within(*work.kl(ref["log_Z"]), ref["kl"])
    assert within(*work.jarzynski_sigma(ref["log_Z"]), 1.0)
    assert work.final.shape == (100_000, D) and work.steps == steps


def test_log_Z_error_bar_covers_the_truth():
    """Promise test of the delta-method standard error: 2-stderr intervals cover log Z about 95% of the time."""
    truth = one_step_closed_form(*BOUNDED_WEIGHTS)["log_Z"]
    pair = one_step(*BOUNDED_WEIGHTS)
    hits = [abs(est - truth) < 2 * se for est, se in (simulate(pair, 200, seed=s).log_Z() for s in range(200))]
    assert 0.88 <= np.mean(hits) <= 0.99


# -- negative controls ---------------------------------------------------------------------------
def test_a_wrong_Z_is_rejected():
    truth = one_step_closed_form(*BOUNDED_WEIGHTS)["log_Z"]
    work = simulate(one_step(*BOUNDED_WEIGHTS), 20_000, seed=5)
    estimate, se = work.log_Z()
    assert abs(estimate - (truth + 0.2)) > 4 * se
    mean, se = work.jarzynski_sigma(truth + 0.2)
    assert abs(mean - 1.0) > 4 * se


def test_a_prior_density_that_is_not_the_sampled_one_breaks_the_identity():
    """Paths drawn from N(0, 1), log π_0 stated as N(0, s²): ⟨e^{−Σ}⟩ = ∫π²/π_s = s/√(2 − 1/s²) ≠ 1."""
    s = 1.2
    pair = one_step(*EXACT_REVERSAL)
    wrong = PathPair(log_prior=lambda x: norm.logpdf(x[:, 0], scale=s), sample_prior=pair.sample_prior,
                     drift_forward=pair.drift_forward, drift_backward=pair.drift_backward, action=pair.action,
                     times=pair.times, sigma=pair.sigma, sigma_backward=pair.sigma_backward)
    mean, se = simulate(wrong, 20_000, seed=6).jarzynski_sigma(one_step_closed_form(*EXACT_REVERSAL)["log_Z"])
    assert abs(mean - 1.0) > 4 * se
    assert within(mean, se, s / math.sqrt(2 - 1 / s ** 2))


def test_a_non_normalised_kernel_breaks_the_identity(monkeypatch):
    """Negative control: Gaussian kernels whose exponent uses 1.5× the variance of their normaliser."""
    def unnormalised(y, mean, var):
        return -0.5 * ((y - mean) ** 2).sum(1) / (1.5 * var) - 0.5 * y.shape[1] * math.log(2 * math.pi * var)
    monkeypatch.setattr(pathspace, "_log_kernel", unnormalised)
    pair = ou_pair(20)
    mean, se = simulate(pair, 20_000, seed=7).jarzynski_sigma(ou_reference(pair)["log_Z"])
    assert abs(mean - 1.0) > 4 * se


# -- output --------------------------------------------------------------------------------------
def test_to_json_reports_the_estimators():
    log_Z = one_step_closed_form(*BOUNDED_WEIGHTS)["log_Z"]
    work = simulate(one_step(*BOUNDED_WEIGHTS), 1_000, seed=8)
    out = json.loads(json.dumps(work.to_json(log_Z)))
    assert (out["n"], out["steps"]) == (1_000, 1)
    assert (out["log_Z"]["value"], out["log_Z"]["stderr"]) == pytest.approx(work.log_Z())
    assert (out["kl"]["value"], out["kl"]["stderr"]) == pytest.approx(work.kl(log_Z))
    assert (out["jarzynski_sigma"]["value"], out["jarzynski_sigma"]["stderr"]) == pytest.approx(
        work.jarzynski_sigma(log_Z))
    assert out["kl"]["log_Z_source"] == "given"
    assert 1 <= out["effective_sample_size"] <= 1_000
    estimated = work.to_json()
    assert estimated["jarzynski_sigma"] is None and estimated["kl"]["log_Z_source"] == "estimated"
    assert estimated["kl"]["value"] >= 0  # Jensen: log mean e^{−W} ≥ −⟨W⟩


# -- errors --------------------------------------------------------------------------------------
def replaced(pair: PathPair, **changes) -> PathPair:
    fields = dict(log_prior=pair.log_prior, sample_prior=pair.sample_prior, drift_forward=pair.drift_forward,
                  drift_backward=pair.drift_backward, action=pair.action, times=pair.times, sigma=pair.sigma)
    return PathPair(**{**fields, **changes})


@pytest.mark.parametrize("changes, message", [
    ({"times": [0.0, 1.0, 1.0]}, "strictly increasing"),
    ({"times": [1.0, 0.0]}, "strictly increasing"),
    ({"times": [0.0, math.nan]}, "strictly increasing"),
    ({"times": [0.0]}, "K \\+ 1 ≥ 2"),
    ({"sigma": [1.0, 1.0]}, "sigma has shape \\(2,\\) but there are K = 1 steps"),
    ({"sigma": [0.0]}, "sigma must be finite and > 0"),
    ({"sigma": [math.inf]}, "sigma must be finite and > 0"),
    ({"sigma_backward": [-1.0]}, "sigma_backward must be finite and > 0"),
    ({"sigma_backward": [1.0, 2.0]}, "sigma_backward has shape"),
])
def test_bad_pairs_are_refused(changes, message):
    with pytest.raises(PDEInputError, match=message):
        replaced(one_step(*BRIEF_CASE), **changes)


@pytest.mark.parametrize("n", [1, 0, -3, 2.5, True])
def test_too_few_paths_are_refused(n):
    with pytest.raises(PDEInputError, match="n ≥ 2"):
        simulate(one_step(*BRIEF_CASE), n)


def test_non_finite_work_names_the_count():
    pair = replaced(one_step(*BRIEF_CASE), action=lambda x: np.where(x[:, 0] > 0, np.inf, 0.0))
    with pytest.raises(PDEInputError, match=r"not finite on \d+ of 100 paths"):
        simulate(pair, 100)


@pytest.mark.parametrize("changes, message", [
    ({"sample_prior": lambda rng, n: rng.standard_normal(n)}, "sample_prior returned shape"),
    ({"log_prior": lambda x: norm.logpdf(x)}, "log_prior returned shape"),
    ({"drift_forward": lambda x, t: np.zeros(len(x))}, "drift_forward returned shape"),
    ({"drift_backward": lambda x, t: np.zeros((len(x), 2))}, "drift_backward returned shape"),
    ({"action": lambda x: x}, "action returned shape"),
])
def test_callables_with_wrong_shapes_are_refused(changes, message):
    with pytest.raises(PDEInputError, match=message):
        simulate(replaced(one_step(*BRIEF_CASE), **changes), 10)
