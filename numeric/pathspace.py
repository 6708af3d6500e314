"""Path-space identities of a discretised forward process and a backward kernel (Zhou, forward/backward path measures).

Conventions: natural logs; x of shape (n, d), vectorised over n paths; times t_0 < … < t_K, Δt_k = t_{k+1} − t_k.
    forward path      x_0 ~ π_0 (normalised),  x_{k+1} = x_k + b_F(x_k, t_k) Δt_k + σ_k √Δt_k ξ_k,  ξ_k ~ N(0, I)
    forward kernel    q_{F,k}(x_{k+1} | x_k) = N(x_k + b_F(x_k, t_k) Δt_k, σ_k² Δt_k I)
    backward kernel   q_{B,k}(x_k | x_{k+1}) = N(x_{k+1} + b_B(x_{k+1}, t_{k+1}) Δt_k, σ_{B,k}² Δt_k I),  σ_B = σ unless given
    target            γ(x) = e^{−S(x)},  Z = ∫ γ
    path measures     P_F(τ) = π_0(x_0) Π_k q_{F,k},   Q̃_B(τ) = γ(x_K) Π_k q_{B,k},   Q_B = Q̃_B / Z
    work              W(τ) = log P_F/Q̃_B,   Σ(τ) = log P_F/Q_B = W + log Z
    identities        ⟨e^{−Σ}⟩_{P_F} = 1,   ⟨e^{−W}⟩_{P_F} = Z,   ⟨Σ⟩_{P_F} = KL(P_F ‖ Q_B) ≥ 0.
The identities are exact for any normalised backward kernels, whatever b_B and σ_B > 0: Q_B is then a probability
measure on paths and W + log Z its log-ratio to the measure the paths were drawn from. So e^{−W} is an unbiased
estimator of Z at any Δt: the step size changes the variance of the estimate, never its mean. log Z is the log of
that mean (biased by O(1/n) in the log, well inside its standard error once n is moderate). A separate σ_B lets the
backward kernel be the exact reversal of a coarse Gaussian step, whose conditional variance is not σ_k² Δt_k.
The standard errors of log Z and ⟨e^{−Σ}⟩ assume Var e^{−W} < ∞, which fails when Q_B has heavier tails than P_F
(tests/test_pathspace.py: the one-step chain with b_B = 0 has Var e^{−W} = ∞ for every target width).

Everything is kept in the log domain: per path log P_F and log Q̃_B are sums of Gaussian log densities, and
averages of e^{−W} are taken relative to max(−W).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from analytic.errors import PDEInputError

Array = np.ndarray


@dataclass(frozen=True)
class PathPair:
    """A forward process and a backward kernel with its unnormalised target γ = e^{−S} (module docstring)."""

    log_prior: Callable[[Array], Array]  # log π_0(x): (n, d) → (n,), π_0 normalised
    sample_prior: Callable[[np.random.Generator, int], Array]  # (rng, n) → (n, d) draws of π_0
    drift_forward: Callable[[Array, float], Array]  # b_F(x, t): (n, d) → (n, d)
    drift_backward: Callable[[Array, float], Array]  # b_B(x, t): (n, d) → (n, d)
    action: Callable[[Array], Array]  # S(x): (n, d) → (n,)
    times: Array  # (K + 1,) strictly increasing
    sigma: Array  # (K,) forward noise scale of step k, finite and > 0
    sigma_backward: Array | None = None  # (K,) backward noise scale σ_B; None: the forward one

    def __post_init__(self):
        times = np.asarray(self.times, dtype=float)
        if times.ndim != 1 or len(times) < 2:
            raise PDEInputError(f"times has shape {times.shape}; give a 1-D array of K + 1 ≥ 2 time points")
        if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
            raise PDEInputError(f"times must be finite and strictly increasing; got {times.tolist()}: sort them and "
                                "drop repeats")
        sigma = _noise_scale("sigma", self.sigma, len(times) - 1)
        backward = sigma if self.sigma_backward is None else _noise_scale("sigma_backward", self.sigma_backward,
                                                                          len(times) - 1)
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "sigma", sigma)
        object.__setattr__(self, "sigma_backward", backward)

    @property
    def steps(self) -> int:
        return len(self.sigma)


def _noise_scale(name: str, value, steps: int) -> Array:
    out = np.asarray(value, dtype=float)
    if out.shape != (steps,):
        raise PDEInputError(f"{name} has shape {out.shape} but there are K = {steps} steps; give one noise scale "
                            "per step, shape (K,)")
    if not np.all(np.isfinite(out)) or np.any(out <= 0):
        raise PDEInputError(f"{name} must be finite and > 0 at every step; got {out.tolist()}: the Gaussian kernels "
                            "need a positive variance")
    return out


def _checked(name: str, value, shape: tuple) -> Array:
    out = np.asarray(value, dtype=float)
    if out.shape != shape:
        raise PDEInputError(f"{name} returned shape {out.shape}; expected {shape}: return one row per path")
    return out


def _log_kernel(y: Array, mean: Array, var: float) -> Array:
    """log N(y; mean, var I) per row of y (n, d)."""
    d = y.shape[1]
    return -0.5 * ((y - mean) ** 2).sum(1) / var - 0.5 * d * math.log(2 * math.pi * var)


@dataclass(frozen=True)
class PathWork:
    """Per-path log P_F and log Q̃_B of simulated forward paths, and the estimators built on W = log P_F/Q̃_B."""

    log_forward: Array  # (n,) log P_F(τ)
    log_backward: Array  # (n,) log Q̃_B(τ), γ included
    final: Array  # (n, d) x_K of every path
    steps: int

    def __post_init__(self):
        bad = int(np.count_nonzero(~np.isfinite(self.W)))
        if bad:
            raise PDEInputError(f"W = log P_F/Q̃_B is not finite on {bad} of {len(self.W)} paths: check that log_prior "
                                "and action are finite wherever the forward paths go")

    @property
    def W(self) -> Array:
        return self.log_forward - self.log_backward

    @property
    def n(self) -> int:
        return len(self.log_forward)

    def _weights(self) -> tuple[float, Array]:
        """(m, e^{−W − m}) with m = max(−W), so the largest weight is 1."""
        m = float(np.max(-self.W))
        with np.errstate(under="ignore"):  # a weight below 1e-308 of the largest counts as 0
            return m, np.exp(-self.W - m)

    def log_Z(self) -> tuple[float, float]:
        """(logsumexp(−W) − log n, its delta-method standard error std(w)/(√n mean(w)), w = e^{−W − max(−W)})."""
        m, w = self._weights()
        return m + math.log(w.mean()), float(w.std(ddof=1) / (math.sqrt(self.n) * w.mean()))

    def kl(self, log_Z: float) -> tuple[float, float]:
        """(⟨W⟩ + log Z = KL(P_F‖Q_B), the standard error of ⟨W⟩); log Z's own error is not included.

        With log Z from `log_Z()` the estimate is ≥ 0 by Jensen's inequality whatever the paths.
        """
        W = self.W
        return float(W.mean() + log_Z), float(W.std(ddof=1) / math.sqrt(self.n))

    def jarzynski_sigma(self, log_Z: float) -> tuple[float, float]:
        """(mean of e^{−Σ} = e^{−W − log Z}, its standard error); 1 when log Z is the true one."""
        m, w = self._weights()
        scale = math.exp(m - log_Z)
        return float(scale * w.mean()), float(scale * w.std(ddof=1) / math.sqrt(self.n))

    def effective_sample_size(self) -> float:
        """Kish's (Σ w)² / Σ w² of the weights w = e^{−W}."""
        _, w = self._weights()
        return float(w.sum() ** 2 / (w * w).sum())

    def to_json(self, log_Z: float | None = None) -> dict:
        """The estimates as one object; pass a known log Z to get KL and ⟨e^{−Σ}⟩ against it."""
        estimate, stderr = self.log_Z()
        reference = estimate if log_Z is None else float(log_Z)
        kl, kl_se = self.kl(reference)
        out = {"n": self.n, "steps": self.steps, "log_Z": {"value": estimate, "stderr": stderr},
               "effective_sample_size": self.effective_sample_size(),
               "kl": {"value": kl, "stderr": kl_se, "log_Z": reference,
                      "log_Z_source": "estimated" if log_Z is None else "given"},
               "jarzynski_sigma": None}
        if log_Z is not None:
            mean, se = self.jarzynski_sigma(reference)
            out["jarzynski_sigma"] = {"value": mean, "stderr": se}
        return out


def simulate(pair: PathPair, n: int, seed: int = 0) -> PathWork:
    """n forward paths of `pair` with log P_F and log Q̃_B accumulated step by step (module docstring)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise PDEInputError(f"n = {n!r}: the estimators and their standard errors need an integer n ≥ 2 paths")
    n = int(n)
    rng = np.random.default_rng(seed)
    x = np.asarray(pair.sample_prior(rng, n), dtype=float)
    if x.ndim != 2 or x.shape[0] != n:
        raise PDEInputError(f"sample_prior returned shape {x.shape}; expected ({n}, d): one row per path")
    shape = x.shape
    log_forward = _checked("log_prior", pair.log_prior(x), (n,)).copy()
    log_backward = np.zeros(n)
    for k in range(pair.steps):
        t, t_next = pair.times[k], pair.times[k + 1]
        dt = t_next - t
        var = pair.sigma[k] ** 2 * dt
        var_backward = pair.sigma_backward[k] ** 2 * dt
        mean_forward = x + _checked("drift_forward", pair.drift_forward(x, t), shape) * dt
        x_next = mean_forward + math.sqrt(var) * rng.standard_normal(shape)
        mean_backward = x_next + _checked("drift_backward", pair.drift_backward(x_next, t_next), shape) * dt
        log_forward += _log_kernel(x_next, mean_forward, var)
        log_backward += _log_kernel(x, mean_backward, var_backward)
        x = x_next
    log_backward -= _checked("action", pair.action(x), (n,))
    return PathWork(log_forward, log_backward, x, pair.steps)
