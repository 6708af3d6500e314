"""k-statistics and the blocked jackknife (numeric.statistics), against independent routes: scipy's
kstat (r ≤ 4), the exact cumulants of the uniform law (κ_r = B_r / r for r ≥ 2 on [0, 1], B_r Bernoulli
numbers), Monte Carlo over many small samples, and the coverage of the printed error bars."""

import numpy as np
import pytest
import scipy.stats
import sympy as sp

from analytic.errors import PDEInputError
from numeric import metrics
from numeric.statistics import cumulants, jackknife, k_statistic, k_statistic_terms, minimum_samples

#: the cumulants of U(0, 1): κ_r = B_r / r (r ≥ 2), from SymPy's Bernoulli numbers — 1/12, −1/120, 1/252, −1/240
UNIFORM = {r: float(sp.bernoulli(r) / r) for r in (2, 4, 6, 8)}


def _power_sums(x, r_max):
    c = x - x.mean(axis=-1, keepdims=True)
    return np.stack([(c ** q).sum(axis=-1) for q in range(1, r_max + 1)], axis=-1)


def test_term_counts_and_scipy_agreement():
    # one term per pair (m, monomial in S_1…S_r of weight r): the partition counts p(r) for the monomials
    assert [len(k_statistic_terms(r)) for r in range(1, 9)] == [1, 3, 6, 13, 22, 42, 66, 112]
    x = np.random.default_rng(1).gamma(2.0, size=37)
    for r in (1, 2, 3, 4):
        ours = cumulants(x, [r], blocks=10)[r][0]
        assert ours == pytest.approx(scipy.stats.kstat(x, r), rel=1e-12, abs=1e-14)


def test_unbiased_at_small_n_and_the_plug_in_is_not():
    """The mean of k_r over 40 000 samples of n = 12 uniforms is κ_r within 4 SE; the plug-in κ4 = m4 − 3m2²
    (the estimator this replaces) is biased by far more than its SE at this n: the negative control."""
    n, reps = 12, 40000
    x = np.random.default_rng(2).uniform(size=(reps, n))
    S = _power_sums(x, 8)
    for r, exact in UNIFORM.items():
        k = k_statistic(S, n, r)
        assert abs(k.mean() - exact) < 4 * k.std() / np.sqrt(reps), r
    m2, m4 = S[:, 1] / n, S[:, 3] / n
    plug_in = m4 - 3 * m2 ** 2
    assert abs(plug_in.mean() - UNIFORM[4]) > 10 * plug_in.std() / np.sqrt(reps)


def test_jackknife_error_bars_cover():
    """The printed ±se: over 300 independent samples of 400 uniforms, |k_r − κ_r| < 2 se in ≈ 95 % of them
    for every order (a coverage test of the error rule, not only of the value)."""
    rng = np.random.default_rng(3)
    hits = {r: 0 for r in UNIFORM}
    reps = 300
    for _ in range(reps):
        for r, (value, se) in cumulants(rng.uniform(size=400), UNIFORM).items():
            hits[r] += abs(value - UNIFORM[r]) < 2 * se
    for r, h in hits.items():
        assert 0.88 <= h / reps <= 0.99, (r, h / reps)


def test_columns_are_averaged_and_metrics_carry_errors():
    x = np.random.default_rng(4).uniform(size=(20000, 3))
    both = cumulants(x, (2, 4))
    per_column = [cumulants(x[:, j], (2, 4))[4][0] for j in range(3)]
    assert both[4][0] == pytest.approx(np.mean(per_column), rel=1e-12)
    assert abs(both[4][0] - UNIFORM[4]) < 4 * both[4][1]
    m = metrics.cumulants(x)
    assert set(m) == {f"kappa{r}{s}" for r in (2, 4, 6, 8) for s in ("", "_se")}
    assert abs(m["kappa8"] - UNIFORM[8]) < 4 * m["kappa8_se"]
    # a Gaussian has κ4 = 0 within its error; the uniform's κ4 is many errors from 0 (the control)
    g = metrics.cumulants(np.random.default_rng(5).normal(size=(20000, 2)))
    assert abs(g["kappa4"]) < 4 * g["kappa4_se"] and abs(m["kappa4"]) > 20 * m["kappa4_se"]


def test_jackknife_of_a_mean_is_the_standard_error():
    x = np.random.default_rng(6).normal(size=1000)
    value, se = jackknife(x, lambda means, n: means[..., 0], blocks=1000)
    assert value == pytest.approx(x.mean())
    assert se == pytest.approx(x.std(ddof=1) / np.sqrt(len(x)), rel=1e-10)


@pytest.mark.parametrize("x, orders, message", [
    (np.ones(100), [0], "orders must be integers from 1 to 8"),
    (np.ones(100), [9], "orders must be integers from 1 to 8"),
    (np.ones(5), [4], f"needs at least {minimum_samples(4)} samples; got 5"),
    (np.array([1.0, np.nan] * 20), [2], "20 non-finite"),
    (np.ones((2, 2, 2)), [2], "shape"),
])
def test_bad_input(x, orders, message):
    with pytest.raises(PDEInputError, match=message.replace("(", r"\(")):
        cumulants(x, orders)
