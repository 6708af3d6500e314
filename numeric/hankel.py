"""Numeric inverse radial Fourier transforms: mpmath reference values and FFTLog tables.

F_N[f̃](r) = (2π)^(−N/2) r^(1−N/2) ∫_0^∞ f̃(k) J_{N/2−1}(k r) k^(N/2) dk   (r > 0),
F_N[f̃](0) = (2π)^(−N) · 2π^(N/2)/Γ(N/2) · ∫_0^∞ f̃(k) k^(N−1) dk.

- `point`: one value by adaptive Gauss–Legendre/tanh-sinh quadrature in mpmath, split at the
  Bessel half-periods and at the caller's break points (e.g. k = k0 for Helmholtz); beyond a few
  hundred oscillations, `mpmath.quadosc`. Slow (tens of ms) but independent and accurate.
- `profile`: a whole radial profile by FFTLog (`scipy.fft.fht`), with an error estimate from a
  second transform on a wider k range at the same log-spacing (identical output radii).
Both refuse kernels whose f̃ k^(N−1) is not integrable (NotSupportedError names the end).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
import scipy.fft
import scipy.ndimage

from analytic.errors import NotSupportedError

MAX_PIECES = 400
_TINY = mpmath.mpf("1e-30")


def _cutoff(f, N: int) -> mpmath.mpf:
    """A k beyond which |f̃| k^N is negligible (1e-30 of its peak); refuses growing kernels."""
    ks = [mpmath.mpf(2) ** j for j in range(-30, 80)]
    weights = [abs(f(kk)) * kk**N for kk in ks]
    peak = max(weights)
    if peak == 0:
        return mpmath.mpf(1)
    small = [abs(f(kk)) * kk**N for kk in (mpmath.mpf("1e-12"), mpmath.mpf("1e-14"))]
    if small[1] > small[0] * mpmath.mpf("1.0001") and small[1] > _TINY * peak:
        raise NotSupportedError("not supported yet: G̃(k, t) k^(N−1) is not integrable at k = 0 in this "
                                "dimension (the real-space kernel diverges); try a larger --dim")
    for i in range(len(ks) - 1, -1, -1):
        if weights[i] > _TINY * peak:
            if i >= len(ks) - 4:
                raise NotSupportedError("not supported yet: G̃(k, t) does not decay at large k (a wave-like "
                                        "kernel: the real-space G is a distribution with fronts), so no numeric "
                                        "inverse transform exists")
            return ks[i + 1]
    return ks[0]


def point(f, N: int, r, breakpoints=(), dps: int = 20):
    """F_N[f̃](r) at one radius, f a callable of an mpmath k (may return complex)."""
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
        if pieces > MAX_PIECES:
            return const * mpmath.quadosc(integrand, [0, mpmath.inf], omega=r)
        cuts = {mpmath.mpf(0), K} | {j * mpmath.pi / r for j in range(1, pieces) if r > 0}
        cuts |= {mpmath.mpf(b) for b in breakpoints if 0 < b < K}
        return const * mpmath.quad(integrand, sorted(cuts))


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
        return np.interp(np.log(np.asarray(radii, dtype=float)), np.log(self.r), self.error)

    def at(self, radii) -> np.ndarray:
        """Cubic interpolation in log r (the grid spacing is ~0.7 %, far below the kernel scales)."""
        from scipy.interpolate import CubicSpline

        radii = np.asarray(radii, dtype=float)
        if np.any(radii < self.r[0]) or np.any(radii > self.r[-1]):
            raise ValueError(f"radius outside the tabulated range [{self.r[0]:.3g}, {self.r[-1]:.3g}]")
        out = CubicSpline(np.log(self.r), self.values.real)(np.log(radii))
        if np.iscomplexobj(self.values):
            out = out + 1j * CubicSpline(np.log(self.r), self.values.imag)(np.log(radii))
        return out


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
    are local in r, so the estimate is the running maximum of the difference over ±64 points.
    """
    log_k = np.linspace(np.log(k_min), np.log(k_max), n)
    dln = log_k[1] - log_k[0]
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        ends = np.abs(np.asarray(f_np(np.exp(log_k[[0, -1]])), dtype=complex)) * np.exp(log_k[[0, -1]] * N)
    if not np.all(np.isfinite(ends)) or ends[1] > 1e-30 * max(ends[0], 1e-300) and ends[1] > 1e-200:
        raise NotSupportedError("not supported yet: the kernel's transform does not decay at large k (a wave-like "
                                "kernel with fronts), so it has no numeric inverse transform")
    wide = np.concatenate([log_k[0] - dln * np.arange(pad, 0, -1), log_k, log_k[-1] + dln * np.arange(1, pad + 1)])
    radii, values = _fht(f_np, N, log_k)
    _, wide_values = _fht(f_np, N, wide)
    wide_values = wide_values[pad:-pad]
    keep = slice(n // 8, n - n // 8)  # the ends of an FFTLog output carry the periodic wrap-around
    diff = scipy.ndimage.maximum_filter1d(np.abs(values - wide_values), size=129)[keep]
    return Profile(radii[keep], np.real_if_close(values[keep], tol=1), diff)
