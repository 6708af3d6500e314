"""Learned-free particle generators (GenPhys Algorithm 1, steps 4–5, with no neural network).

The velocity (and the birth/death rate) comes exactly from the data through the empirical field
(`numeric.empirical.EmpiricalField`). Particles start from the prior x(T) ~ p(x, T) and follow the
backward ODE dx/dt = v(x, t) from T to t_min, in log-time s = log t (dx/ds = t v). With R ≠ 0
each particle carries a log-weight with d log w/ds = t R/p — the particles' weighted measure then
obeys ∂p/∂t + ∇·(p v) = R — so backward, w ← w·exp(−∫ R/p dt); weights are resampled
(systematically) when the effective sample size falls below a threshold.

Priors:
- ``exact``: the mixture p(x, T) = Σ w_i P(|x − y_i|, T): pick y_i by weight, add a draw from the
  normalised radial kernel. Heat: a Gaussian of variance −1/(2b) per coordinate; Poisson-type
  (1 + r²/A)^e: r²/A ~ Beta-prime(N/2, −e − N/2), the radius PFGM uses; anything else: the
  numeric CDF of r^(N−1) P(r, T) on a fine log-r grid. A kernel that is negative where it
  matters is not a density (C1 fails) and is refused.
- ``independent``: the same kernel around the data mean — what a real generative model samples.

Branching needs heavy tails in the prior. Where R/p varies in space (Yukawa), the backward weights
grow like the ratio of p(·, t)'s tails to the transported prior's: for Yukawa e^{−mρ} against
e^{−mTρ/t}, so the weights have infinite variance once T > 2/m and the weighted particles are
biased however many there are (measured: E|x| at t = 1 stays 19 % low from 3000 to 12000
particles). The prior is then drawn from the defensive mixture q = (1 − h) p/M + h P₀ (P₀ the
normalised Poisson kernel at T, tails r^−(N+1); M = ∫p) with importance weights p/(M q) ≤ 1/(1 − h):
the transported P₀ stays heavier-tailed than p(·, t) at every t, so the weights stay bounded.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

from analytic.errors import NotSupportedError, PDEInputError
from analytic.pde import r, t
from .compiled import gauss_cauchy
from .empirical import EmpiricalField
from .logdomain import ClosedKernel, ZeroKernel, radial_logs, zoomed_grid
from .kernels import RadialKernels

INTEGRATORS = ("heun", "euler", "rk45")
PRIORS = ("exact", "independent")
DEFENSIVE = 0.5  # share of prior draws from the heavy-tailed Poisson kernel where R/p varies in space


# ---------------------------------------------------------------------------------------
# the prior
# ---------------------------------------------------------------------------------------
def radial_draws(kernels: RadialKernels, N: int, T: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` displacement vectors with density ∝ P(|z|, T) in N dimensions."""
    family = kernels.family
    if family is not None:
        _, b, e, inv_a, _, _ = family.constants(T)
        if e == 0 and b < 0:
            return rng.normal(size=(n, N)) * math.sqrt(-1 / (2 * b))
        if b == 0 and e < -N / 2 and inv_a > 0:
            beta = rng.beta(N / 2, -e - N / 2, size=n)
            radius = np.sqrt(beta / (1 - beta) / inv_a)
            return radius[:, None] * _directions(N, n, rng)
    return _numeric_radii(kernels.P, N, T, n, rng)[:, None] * _directions(N, n, rng)


def _directions(N: int, n: int, rng) -> np.ndarray:
    u = rng.normal(size=(n, N))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def _radial_profile(P, N: int, T: float):
    """(log r grid, r^N P(r, T) / e^top on it, top): the radial mass per d(log r), zoomed onto its support."""
    log_r = np.linspace(-12, 12, 4801) * math.log(10)
    for zoomed in (False, True):
        L, S = radial_logs(P, log_r, T)
        logd = np.where(np.isfinite(L), L + N * log_r, -np.inf)
        top = np.max(logd)
        if not np.isfinite(top):
            raise NotSupportedError(f"the kernel P(r, T = {T:g}) vanishes or is not finite everywhere: "
                                    "no prior to sample")
        with np.errstate(under="ignore"):  # tails far below the peak are 0
            weight = np.exp(logd - top)
        negative = (S < 0) & (weight > 1e-8)
        if np.any(negative):
            where = np.exp(log_r[np.argmax(negative)])
            raise NotSupportedError(f"P(r, T = {T:g}) < 0 at r = {where:.3g}: the kernel is not a "
                                    "density (C1 fails), so there is no prior to sample")
        if zoomed:
            return log_r, weight, top
        log_r = zoomed_grid(log_r, weight > 1e-30, 8001)


def _numeric_radii(P, N: int, T: float, n: int, rng) -> np.ndarray:
    """Inverse-CDF draws of r from r^N P(r, T) d(log r), on a log grid zoomed onto its mass."""
    log_r, weight, _ = _radial_profile(P, N, T)
    cdf = np.concatenate([[0], np.cumsum((weight[1:] + weight[:-1]) / 2 * np.diff(log_r))])
    return np.exp(np.interp(rng.random(n) * cdf[-1], cdf, log_r))


def log_mass(P, N: int, T: float) -> float:
    """log ∫ P(|z|, T) d^N z = log(|S^(N−1)| ∫ r^N P d(log r)), by the trapezoid rule on the sampler's grid."""
    log_r, weight, top = _radial_profile(P, N, T)
    sphere = math.log(2) + N / 2 * math.log(math.pi) - math.lgamma(N / 2)
    return sphere + top + math.log(float(np.sum((weight[1:] + weight[:-1]) / 2 * np.diff(log_r))))


def poisson_kernels(N: int) -> RadialKernels:
    """The normalised Poisson kernel Γ((N+1)/2) π^(−(N+1)/2) t (t² + r²)^(−(N+1)/2), as field kernels."""
    P = sp.gamma(sp.Rational(N + 1, 2)) / sp.pi ** sp.Rational(N + 1, 2) * t * (t**2 + r**2) ** (-sp.Rational(N + 1, 2))
    return RadialKernels(ClosedKernel(P), ZeroKernel(), ZeroKernel(), family=gauss_cauchy(P, sp.S.Zero, sp.S.Zero))


def heavy_share(field_) -> float:
    """DEFENSIVE where the rate R/p varies in space (a Bessel or tabulated R), else 0 (no weights needed)."""
    kernels = field_.kernels
    return 0.0 if kernels.rate_free or kernels.family is not None else DEFENSIVE


def systematic_resample(weights, rng) -> np.ndarray:
    """Indices drawn by systematic resampling (one uniform, n evenly spaced points on the CDF)."""
    n = len(weights)
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, (rng.random() + np.arange(n)) / n)


def sample_prior(field_, T: float, n: int, kind: str, rng: np.random.Generator,
                 heavy: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """x(T) and its log importance weights: ``exact`` (data mixture) or ``independent`` (kernel around the
    data mean); with ``heavy`` > 0, the defensive mixture of the module docstring (else the weights are 0)."""
    if kind not in PRIORS:
        raise PDEInputError(f"prior={kind!r} is not known; use exact or independent")
    if not 0 <= heavy < 1:
        raise PDEInputError(f"heavy must be in [0, 1); got {heavy}")
    data, w = field_.data, field_.weights
    N = data.shape[1]
    exact = kind == "exact"
    centres = data[rng.choice(len(data), size=n, p=w)] if exact else np.broadcast_to(
        (w[:, None] * data).sum(axis=0), (n, N))
    if heavy == 0:
        return centres + radial_draws(field_.kernels, N, T, n, rng), np.zeros(n)
    poisson = poisson_kernels(N)
    from_poisson = rng.random(n) < heavy
    x = centres + np.where(from_poisson[:, None], radial_draws(poisson, N, T, n, rng),
                           radial_draws(field_.kernels, N, T, n, rng))
    sources = (data, w) if exact else (centres[:1], None)
    target = field_ if exact else EmpiricalField(field_.kernels, centres[:1], device="cpu")
    log_p = target.log_density(x, T) - log_mass(field_.kernels.P, N, T)
    log_p0 = EmpiricalField(poisson, sources[0], weights=sources[1], device="cpu").log_density(x, T)
    with np.errstate(under="ignore"):
        log_q = np.logaddexp(math.log(1 - heavy) + log_p, math.log(heavy) + log_p0)
    return x, log_p - log_q


# ---------------------------------------------------------------------------------------
# the backward ODE
# ---------------------------------------------------------------------------------------
@dataclass
class Run:
    """One generator run: particles at t_min, their weights, and what happened on the way."""

    samples: np.ndarray
    log_weights: np.ndarray
    times: np.ndarray
    method: str
    nfe: int
    wall_s: float
    trajectories: np.ndarray            # (steps + 1, k, N): k lineages; NaN after a lineage dies in resampling
    ess: list = field(default_factory=list)   # (t, effective sample size / n) after each step
    resamples: int = 0
    findings: list = field(default_factory=list)

    @property
    def weights(self) -> np.ndarray:
        with np.errstate(under="ignore"):
            w = np.exp(self.log_weights - np.max(self.log_weights))
        return w / w.sum()


def log_times(T: float, t_min: float, steps: int) -> np.ndarray:
    if not (0 < t_min < T) or not math.isfinite(T):
        raise PDEInputError(f"need 0 < t_min < T; got t_min = {t_min}, T = {T}")
    if steps < 1:
        raise PDEInputError(f"steps must be ≥ 1; got {steps}")
    return np.exp(np.linspace(math.log(T), math.log(t_min), steps + 1))


def integrate(field_, x0: np.ndarray, times: np.ndarray, method: str = "heun", branching: bool = False,
              ess_threshold: float = 0.5, keep: int = 16, rng=None, progress=None, rtol: float = 1e-6,
              log_weights=None) -> Run:
    """Carry x0 from times[0] = T back to times[-1] = t_min; see the module docstring.

    ``log_weights``: the particles' initial log-weights (the prior's importance weights; default 0).

    ``branching``: carry log-weights d log w/ds = t R/p (and resample below ``ess_threshold``).
    ``progress(i, total)`` is called after every step. Non-finite velocities stop the affected
    particles (they keep their last position) and are reported in ``findings``.
    """
    if method not in INTEGRATORS:
        raise PDEInputError(f"method={method!r} is not known; use one of {', '.join(INTEGRATORS)}")
    rng = rng or np.random.default_rng(0)
    x = np.array(x0, dtype=float)
    n, N = x.shape
    logw = np.zeros(n) if log_weights is None else np.array(log_weights, dtype=float)
    if logw.shape != (n,) or not np.all(np.isfinite(logw)):
        raise PDEInputError(f"log_weights must be {n} finite numbers, one per particle")
    nfe, findings, stopped = 0, [], np.zeros(n, dtype=bool)
    track = np.arange(min(keep, n))    # the slot each followed lineage occupies now (−1: it died)
    traj = [x[track].copy()]
    ess_log, resamples = [], 0
    start = time.perf_counter()

    def drift(xs, t):
        """(dx/ds, d log w/ds) at t; rows with non-finite v are frozen and reported."""
        nonlocal nfe
        nfe += 1
        if branching:
            v, rate = field_.velocity_and_rate(xs, t)
        else:
            v, rate = field_.velocity(xs, t), np.zeros(len(xs))
        bad = ~np.all(np.isfinite(v), axis=1) | ~np.isfinite(rate)
        if np.any(bad):
            v, rate = np.where(bad[:, None], 0.0, v), np.where(bad, 0.0, rate)
        return t * v, t * rate, bad

    if method == "rk45":
        def rhs(s, y):
            dx, dl, bad = drift(y[:n * N].reshape(n, N), math.exp(s))
            stopped[bad] = True
            return np.concatenate([dx.ravel(), dl])
        sol = solve_ivp(rhs, (math.log(times[0]), math.log(times[-1])), np.concatenate([x.ravel(), logw]),
                        method="RK45", rtol=rtol, atol=rtol * 1e-2, t_eval=np.log(times))
        if not sol.success:
            findings.append(f"RK45 failed: {sol.message}")
        ys = sol.y.T
        traj = [y[:n * N].reshape(n, N)[:keep] for y in ys]
        x, logw = ys[-1][:n * N].reshape(n, N), ys[-1][n * N:]
    else:
        for i in range(len(times) - 1):
            t0, t1 = times[i], times[i + 1]
            h = math.log(t1) - math.log(t0)
            dx0, dl0, bad0 = drift(x, t0)
            if method == "euler":
                x, logw, bad = x + h * dx0, logw + h * dl0, bad0
            else:
                dx1, dl1, bad1 = drift(x + h * dx0, t1)
                x, logw, bad = x + h / 2 * (dx0 + dx1), logw + h / 2 * (dl0 + dl1), bad0 | bad1
            stopped |= bad
            if branching:
                with np.errstate(under="ignore"):  # weights 1e-300 below the largest are 0 here
                    w = np.exp(logw - logw.max())
                    ess = float(w.sum() ** 2 / (w * w).sum() / n)
                ess_log.append((float(t1), ess))
                if ess < ess_threshold and i < len(times) - 2:
                    idx = systematic_resample(w, rng)
                    mean_logw = logw.max() + math.log(w.mean())
                    x, logw, stopped = x[idx], np.full(n, mean_logw), stopped[idx]
                    resamples += 1
                    first = np.full(n, -1)
                    survivors, offspring = np.unique(idx, return_index=True)
                    first[survivors] = offspring  # each surviving old slot's first new slot
                    track = np.where(track >= 0, first[np.maximum(track, 0)], -1)
            traj.append(np.where((track >= 0)[:, None], x[np.maximum(track, 0)], np.nan))
            if progress:
                progress(i + 1, len(times) - 1)
    if np.any(stopped):
        findings.append(f"velocity not finite (p = 0 or overflow) for {int(stopped.sum())} of {n} particles")
    if not np.all(np.isfinite(x)):
        findings.append("particle positions blew up (non-finite)")
    return Run(x, logw, times, method, nfe, time.perf_counter() - start, np.array(traj), ess_log, resamples, findings)
