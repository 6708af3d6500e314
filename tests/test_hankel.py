"""numeric.hankel on its own: the mpmath quadrature, the FFTLog tables and the weak form against transforms known
in closed form (independent of the workbench), with the error estimates they print held to the true error."""

import math

import mpmath
import numpy as np
import pytest

from analytic.errors import NotSupportedError
from numeric import hankel


def heat(N, r, t):
    """F_N[e^{−k²t}]: the heat kernel (4πt)^{−N/2} e^{−r²/(4t)}."""
    return (4 * math.pi * t) ** (-N / 2) * math.exp(-r * r / (4 * t))


def poisson(N, r, t):
    """F_N[e^{−k t}]: the Poisson kernel of the half-space, Γ((N+1)/2) π^{−(N+1)/2} t / (r² + t²)^{(N+1)/2}."""
    return math.gamma((N + 1) / 2) * math.pi ** (-(N + 1) / 2) * t / (r * r + t * t) ** ((N + 1) / 2)


CASES = [(name, kernel, N) for name, kernel in (("heat", heat), ("poisson", poisson)) for N in (1, 2, 3, 5)]
SYMBOLS = {"heat": (lambda k, t: mpmath.exp(-k * k * t), lambda k, t: np.exp(-k * k * t)),
           "poisson": (lambda k, t: mpmath.exp(-k * t), lambda k, t: np.exp(-k * t))}


@pytest.mark.parametrize("name, kernel, N", CASES, ids=lambda x: getattr(x, "__name__", str(x)))
def test_point_matches_known_transforms_within_its_error_estimate(name, kernel, N):
    mp_symbol = SYMBOLS[name][0]
    for r in (0.0, 0.3, 1.0, 4.0):
        value, error = hankel.point(lambda k: mp_symbol(k, mpmath.mpf("0.7")), N, r, with_error=True)
        truth = kernel(N, r, 0.7)
        assert abs(float(value) - truth) <= float(error) + 1e-15 * abs(truth), (r, value, truth, error)
        assert float(error) < 1e-8 * max(abs(truth), 1e-12)  # and the estimate is a useful one
    # negative control: the same transform compared with the kernel of another dimension is far off
    assert abs(float(hankel.point(lambda k: mp_symbol(k, 0.7), N, 1.0)) - kernel(N + 1, 1.0, 0.7)) > 1e-3 * kernel(N, 1.0, 0.7)


@pytest.mark.parametrize("name, kernel, N", CASES, ids=lambda x: getattr(x, "__name__", str(x)))
def test_profile_matches_known_transforms_within_its_error_estimate(name, kernel, N):
    np_symbol = SYMBOLS[name][1]
    prof = hankel.profile(lambda k: np_symbol(k, 0.7), N)
    inside = (prof.r > 1e-3) & (prof.r < 30)
    truth = np.array([kernel(N, rr, 0.7) for rr in prof.r[inside]])
    assert np.all(np.abs(prof.values[inside].real - truth) <= prof.error[inside] + 1e-14 * np.abs(truth).max())
    radii = np.array([0.05, 0.5, 2.0, 7.0])  # off the grid: the interpolation's error is in error_at
    exact = np.array([kernel(N, rr, 0.7) for rr in radii])
    assert np.all(np.abs(prof.at(radii).real - exact) <= prof.error_at(radii) + 1e-14 * np.abs(exact).max())
    assert np.all(prof.error_at(radii) < 1e-6 * np.abs(exact).max())


@pytest.mark.parametrize("N", (1, 2, 3))
def test_the_weak_form_of_the_heat_kernel(N):
    """∫ G(x, t) e^{−|x|²/(2w²)} d^N x = (w² / (2t + w²))^{N/2} for the heat kernel (a Gaussian against a Gaussian)."""
    t, w = 0.7, 0.4
    got = hankel.smeared(lambda k: mpmath.exp(-k * k * t), N, w)
    assert float(got) == pytest.approx((w * w / (2 * t + w * w)) ** (N / 2), rel=1e-15)


def test_kernels_without_a_transform_are_refused():
    with pytest.raises(NotSupportedError, match="does not decay at large k"):
        hankel.profile(lambda k: np.cos(k), 2)  # a wave's symbol: fronts, no numeric inverse transform
    with pytest.raises(NotSupportedError):
        hankel.profile(lambda k: np.exp(-k) / k, 1)  # Poisson's G̃ in N = 1: not integrable at k = 0
