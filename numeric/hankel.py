"""Numeric inverse radial Fourier transforms: mpmath reference values and FFTLog tables.

F_N[f̃](r) = (2π)^(−N/2) r^(1−N/2) ∫_0^∞ f̃(k) J_{N/2−1}(k r) k^(N/2) dk   (r > 0),
F_N[f̃](0) = (2π)^(−N) · 2π^(N/2)/Γ(N/2) · ∫_0^∞ f̃(k) k^(N−1) dk.

- `point`: one value by tanh-sinh quadrature in mpmath, split at (groups of) Bessel half-periods
  and at the caller's break points (e.g. k = k0 for Helmholtz), with an error estimate on request.
  Slow (tens of ms to seconds) but independent and accurate. (`mpmath.quadosc` is not used: its
  period-sum extrapolation was off by 7e-8 on exp(−k^0.6), with no sign of it in its result.)
- `profile`: a whole radial profile by FFTLog (`scipy.fft.fht`), with an error estimate from a
  second transform on a wider k range at the same log-spacing (identical output radii).
Both refuse kernels whose f̃ k^(N−1) is not integrable (NotSupportedError names the end).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np
import scipy.fft
import scipy.ndimage

from analytic.errors import NotSupportedError

MAX_PIECES = 100
PROFILE_SAFETY = 4.0
_TINY = mpmath.mpf("1e-30")


#: |f̃| k^N must fall at least like k^MIN_LOW_K_EXPONENT as k → 0 for f̃ k^(N−1) to be integrable there.
MIN_LOW_K_EXPONENT = 0.01


def require_integrable_at_zero(low, lower, N: int) -> None:
    """Refuse a transform whose f̃ k^(N−1) is not integrable at k = 0, from |f̃| k^N at k = 1e-12
    (``low``) and 1e-14 (``lower``): the local exponent of |f̃| k^N must be positive. A constant
    (f̃ ~ k^−N, e.g. Poisson's G in N = 1) is a logarithmic divergence: the real-space kernel is then
    defined only up to an infinite additive constant, and no number may be printed for it."""
    low, lower = float(abs(low)), float(abs(lower))
    if low == 0 and lower == 0:
        return
    exponent = math.log(low / lower) / math.log(100.0) if low > 0 and lower > 0 else (math.inf if lower == 0 else -math.inf)
    if exponent < MIN_LOW_K_EXPONENT:
        exponent = 0 if abs(exponent) < 1e-6 else round(exponent, 3)
        raise NotSupportedError(
            f"not supported yet: f̃(k) k^(N−1) is not integrable at k = 0 in N = {N} (|f̃| k^N behaves like "
            f"k^{exponent:g} as k → 0): the real-space kernel diverges, or is defined only up to an infinite "
            "additive constant, so it has no values; use a larger --dim (differences and derivatives, such as "
            "the density P and the flux j, may still exist)")


def _cutoff(f, N: int) -> mpmath.mpf:
    """A k beyond which |f̃| k^N is negligible (1e-30 of its peak); refuses growing and divergent kernels."""
    ks = [mpmath.mpf(2) ** j for j in range(-30, 80)]
    weights = [abs(f(kk)) * kk**N for kk in ks]
    peak = max(weights)
    if peak == 0:
        return mpmath.mpf(1)
    low, lower = (abs(f(kk)) * kk**N for kk in (mpmath.mpf("1e-12"), mpmath.mpf("1e-14")))
    require_integrable_at_zero(low, lower, N)
    for i in range(len(ks) - 1, -1, -1):
        if weights[i] > _TINY * peak:
            if i >= len(ks) - 4:
                raise NotSupportedError("not supported yet: G̃(k, t) does not decay at large k (a wave-like "
                                        "kernel: the real-space G is a distribution with fronts), so no numeric "
                                        "inverse transform exists")
            return ks[i + 1]
    return ks[0]


def point(f, N: int, r, breakpoints=(), dps: int = 20, with_error: bool = False):
    """F_N[f̃](r) at one radius, f a callable of an mpmath k (may return complex).

    Tanh-sinh quadrature (which handles the k → 0 singularities of fractional symbols) on [0, K],
    cut at every g-th Bessel half-period so that at most MAX_PIECES pieces remain, and at the
    caller's break points. ``with_error``: (value, error), the error being the quadrature's own
    estimate (the change between its last two levels) plus the roundoff floor of ``dps`` digits
    and the tail beyond K; tests hold it against known transforms."""
    with mpmath.workdps(dps):
        r = mpmath.mpf(r)
        K = _cutoff(f, N)
        half = mpmath.mpf(N) / 2
        if r == 0:
            const = 2 * mpmath.pi ** half / mpmath.gamma(half) / (2 * mpmath.pi) ** N
            integrand = lambda kk: f(kk) * kk ** (N - 1)
        else:
            const = (2 * mpmath.pi) ** (-half) * r ** (1 - half)
            integrand = lambda kk: f(kk) * kk**half * mpmath.besselj(half - 1, kk * r)
        pieces = int(K * r / mpmath.pi) + 1
        group = -(-pieces // MAX_PIECES)
        cuts = {mpmath.mpf(0), K} | {j * group * mpmath.pi / r for j in range(1, pieces // group + 1)
                                     if r > 0 and j * group * mpmath.pi / r < K}
        cuts |= {mpmath.mpf(b) for b in breakpoints if 0 < b < K}
        cuts = sorted(cuts)
        total, magnitude, quad_error = 0, 0, 0
        for a, b in zip(cuts[:-1], cuts[1:]):
            piece, piece_error = mpmath.quad(integrand, [a, b], method="tanh-sinh", error=True)
            total, magnitude, quad_error = total + piece, magnitude + abs(piece), quad_error + piece_error
        value = const * total
        if not with_error:
            return value
        # roundoff grows with the cancelling sum of the pieces, not with the (small) result
        roundoff = magnitude * mpmath.mpf(10) ** (3 - dps)
        tail = abs(f(K)) * K ** N  # |f̃| k^N at K is 1e-30 of its peak and falling
        return value, abs(const) * (quad_error + roundoff + tail)


def smeared(f, N: int, width, dps: int = 25):
    """∫ F_N[f̃](x) e^{−|x|²/(2w²)} d^N x = (2π)^(−N) ∫ f̃(k) (2πw²)^(N/2) e^{−w²k²/2} d^N k.

    The weak (test-function) form of the transform: it exists for kernels whose f̃ does not decay
    (waves, whose G has fronts and δ-shells) and so checks their closed forms where `point` cannot.
    """
    with mpmath.workdps(dps):
        w = mpmath.mpf(width)
        half = mpmath.mpf(N) / 2
        sphere = 2 * mpmath.pi ** half / mpmath.gamma(half)
        gauss = lambda kk: (2 * mpmath.pi * w**2) ** half * mpmath.exp(-(w * kk) ** 2 / 2)
        cuts = [0] + [j / w for j in range(1, 13)] + [mpmath.inf]
        return sphere / (2 * mpmath.pi) ** N * mpmath.quad(lambda kk: f(kk) * gauss(kk) * kk ** (N - 1), cuts)


@dataclass(frozen=True)
class Profile:
    """F_N[f̃] on log-spaced radii, with a local error estimate per radius (see `profile`)."""

    r: np.ndarray
    values: np.ndarray
    error: np.ndarray

    def error_at(self, radii) -> np.ndarray:
        """The grid error at ``radii`` plus the interpolation error of `at`, bounded by the difference
        from a spline through every other grid point (a cubic spline's error falls like h^4, so that
        difference is about 16× the error of the full-grid spline)."""
        radii = np.asarray(radii, dtype=float)
        grid = np.interp(np.log(radii), np.log(self.r), self.error)
        coarse = self._spline(radii, slice(None, None, 2))
        return grid + np.abs(self.at(radii) - coarse)

    def at(self, radii) -> np.ndarray:
        """Cubic interpolation in log r (the grid spacing is ~0.7 %, far below the kernel scales)."""
        return self._spline(np.asarray(radii, dtype=float), slice(None))

    def _spline(self, radii: np.ndarray, rows: slice) -> np.ndarray:
        from scipy.interpolate import CubicSpline

        if np.any(radii < self.r[0]) or np.any(radii > self.r[-1]):
            raise ValueError(f"radius outside the tabulated range [{self.r[0]:.3g}, {self.r[-1]:.3g}]")
        log_r = np.log(self.r[rows])
        out = CubicSpline(log_r, self.values[rows].real)(np.log(radii))
        if np.iscomplexobj(self.values):
            out = out + 1j * CubicSpline(log_r, self.values[rows].imag)(np.log(radii))
        return out


# FFTLog's roundoff, in units of the largest |∫ a J r dk| of the table: measured against the heat and Poisson
# kernels in N = 2, 3, 5 (tests/test_hankel.py) at up to 2125 machine epsilons, with ~4x to spare here
FHT_ROUNDOFF = 8192 * np.finfo(float).eps


def _fht(f_np, N: int, log_k: np.ndarray):
    mu = N / 2 - 1
    dln = log_k[1] - log_k[0]
    kk = np.exp(log_k)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        a = np.asarray(f_np(kk), dtype=complex) * kk ** (N / 2)
    a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
    offset = scipy.fft.fhtoffset(dln, mu)
    radii = np.exp(offset) / kk[::-1]
    transform = scipy.fft.fht(a.real, dln, mu, offset=offset) + 1j * scipy.fft.fht(a.imag, dln, mu, offset=offset)
    # fht gives A(r) = ∫ a(k) J_mu(k r) r dk; F = (2π)^(−N/2) r^(−N/2) A(r)
    return radii, (2 * np.pi) ** (-N / 2) * radii ** (-N / 2) * transform


@np.errstate(under="ignore")
def profile(f_np, N: int, k_min: float = 1e-12, k_max: float = 1e12, n: int = 8192, pad: int = 1024) -> Profile:
    """F_N[f̃] by FFTLog on [1/k_max, 1/k_min] (roughly), with an error estimate.

    The estimate compares with a transform over a k range wider by ``pad`` points at each end
    (same spacing, so the same output radii): it catches truncation and ringing. FFTLog errors
    are local in r, so the estimate is the running maximum of the difference over ±64 points,
    times PROFILE_SAFETY (measured against known transforms, the difference alone fell short of the
    true error by up to 1.7×: tests hold the product against them). Both transforms share their
    roundoff, which the difference cannot see: FHT_ROUNDOFF of the table's largest value before the
    r^(−N/2) factor, times that factor, is added (it dominates at small r, where the factor is large).
    """
    log_k = np.linspace(np.log(k_min), np.log(k_max), n)
    dln = log_k[1] - log_k[0]
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        ends = np.abs(np.asarray(f_np(np.exp(log_k[[0, -1]])), dtype=complex)) * np.exp(log_k[[0, -1]] * N)
    if not np.all(np.isfinite(ends)) or ends[1] > 1e-30 * max(ends[0], 1e-300) and ends[1] > 1e-200:
        raise NotSupportedError("not supported yet: the kernel's transform does not decay at large k (a wave-like "
                                "kernel with fronts), so it has no numeric inverse transform")
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        low = np.abs(np.asarray(f_np(np.array([1e-12, 1e-14])), dtype=complex)) * np.array([1e-12, 1e-14]) ** N
    require_integrable_at_zero(low[0], low[1], N)
    wide = np.concatenate([log_k[0] - dln * np.arange(pad, 0, -1), log_k, log_k[-1] + dln * np.arange(1, pad + 1)])
    radii, values = _fht(f_np, N, log_k)
    _, wide_values = _fht(f_np, N, wide)
    wide_values = wide_values[pad:-pad]
    keep = slice(n // 8, n - n // 8)  # the ends of an FFTLog output carry the periodic wrap-around
    diff = PROFILE_SAFETY * scipy.ndimage.maximum_filter1d(np.abs(values - wide_values), size=129)[keep]
    scale = (2 * np.pi) ** (-N / 2) * radii ** (-N / 2)
    roundoff = FHT_ROUNDOFF * np.max(np.abs(values / scale)) * scale
    return Profile(radii[keep], np.real_if_close(values[keep], tol=1), diff + roundoff[keep])
