"""Stochastic thermodynamics of a linear SDE and its reversal (Yu & Huang, Secs. II–III and App. E).

Conventions (README, "Conventions"): temperature 1, k_B = 1, natural logs, D_i = g_i²/2, reverse time
s = T − t. With drift b = a(t)∘x, the marginal p_t (a Gaussian mixture, numeric/mixture.py), its score
s = ∇ ln p and u = b − D∘s = J/p (the probability-flow velocity):
    entropy production   π  = ∫ |J|²_D / p = E_p[Σ u_i²/D_i]             (Eq. 30, ≥ 0)
    entropy flux         φ  = ∫ b·J / D     = E_p[Σ b_i u_i/D_i]         (heat to the environment)
    system entropy       S  = −E_p[ln p],    dS/dt = π − φ
    reversal             b* = −b + 2D∘s,   J* = −J,   π* = π,   φ* = ∫ b*·J*/D = −E_p[Σ b*_i u_i/D_i],
                         dS/ds = π* − φ* = −dS/dt.
Each expectation is computed by quadrature on a grid (d ≤ 2; the error is the change from half the
grid) or by Monte Carlo over exact draws of p_t (any d; the standard error of the mean).

Trajectories (App. A): Euler–Maruyama paths; per path ΔS_sys = ln p(start) − ln p(end) and the heat
ΔS_E = Σ b(x̄, τ)·Δx / D(τ) with x̄ the step's midpoint (the Stratonovich product the path-probability
ratio needs, Eq. 19) and τ the time at the step's start, middle or end (``rule``; default "mid").
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from analytic.errors import NotSupportedError, PDEInputError
from analytic.sde import LinearSDE, t as t_symbol
from .lambdified import np_function
from .mixture import GaussianMixture

logger = logging.getLogger("genphys")

RULES = ("start", "mid", "end")
MAX_STEPS = 1_000_000
MAX_STATE = 50_000_000  # numbers in one state of all paths (n × d)
DIRECTIONS = ("forward", "reverse")
QUADRATURE_POINTS = {1: 4001, 2: 401}  # at least, per axis
QUADRATURE_SPAN = 10.0  # grid half-width in marginal standard deviations


@dataclass(frozen=True)
class Process:
    """A linear SDE with numeric parameter values, in dimension d: a(t), g(t), f(t), Ξ(t) as arrays (d,)."""

    lin: LinearSDE
    values: dict
    d: int
    _fns: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        n_axes = len(self.lin.sde.variables)
        if not self.lin.sde.componentwise and n_axes != self.d:
            raise PDEInputError(f"the SDE has {n_axes} coordinates but the data live in d = {self.d} dimensions; "
                                "use the componentwise form dX = ... for any dimension")
        for name, exprs in (("a", self.lin.a), ("g", self.lin.sde.diffusion), ("f", self.lin.f), ("Xi", self.lin.Xi)):
            self._fns[name] = [np_function(_at_values(e, self.values), (t_symbol,)) for e in exprs]

    def _value(self, name: str, tt) -> np.ndarray:
        out = np.array([float(np.real(fn(tt))) for fn in self._fns[name]])
        if not np.all(np.isfinite(out)):
            raise PDEInputError(f"{name}(t) is not finite at t = {tt:g} for these parameter values")
        return np.broadcast_to(out, (self.d,)) if len(out) == 1 else out

    def a(self, tt): return self._value("a", tt)
    def f(self, tt): return self._value("f", tt)
    def Xi(self, tt): return self._value("Xi", tt)

    def D(self, tt) -> np.ndarray:
        return self._value("g", tt) ** 2 / 2

    def marginal(self, data: GaussianMixture, tt: float) -> GaussianMixture:
        """p_t: the data mixture carried by the transition kernel N(f x0, Ξ)."""
        if data.d != self.d:
            raise PDEInputError(f"data have d = {data.d} but the process was built for d = {self.d}")
        if tt == 0:
            return data
        return data.propagated(self.f(tt), self.Xi(tt))


def _at_values(expr: sp.Expr, values: dict) -> sp.Expr:
    """expr at the parameter values; where that is 0/0 (VE's Ξ = (σ^{2t} − 1)/(2 ln σ) at σ = 1), the limit."""
    out = expr.subs(values)
    if not out.has(sp.nan, sp.zoo):
        return out
    out = expr
    for symbol, value in values.items():
        out = sp.limit(out, symbol, sp.Rational(str(value)))
    if out.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        raise NotSupportedError(f"not supported: {expr} has no finite value at these parameter values")
    return out


# -- ensemble rates ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """A value with its error: a standard error (Monte Carlo) or a quadrature error bound."""

    value: float
    error: float

    def as_json(self) -> dict:
        return {"value": self.value, "error": self.error}


RATE_KEYS = ("entropy_production", "entropy_flux", "entropy_rate", "entropy", "entropy_flux_reverse",
             "entropy_rate_reverse")


def _integrands(process: Process, p: GaussianMixture, x: np.ndarray, tt: float):
    """(per-point integrands whose p-expectations are the rates, their magnitudes for the rounding bound,
    log p) (module docstring). A magnitude bounds |integrand| before cancellation: u = b − D∘s loses
    the digits of |b| + |D∘s|."""
    log_p, s, _ = p.evaluate(x)
    b, D = process.a(tt) * x, process.D(tt)
    if np.any(D <= 0):
        raise PDEInputError(f"the diffusion vanishes at t = {tt:g}: entropy production is not defined there")
    Ds = D * s
    u = b - Ds
    b_rev = -b + 2 * Ds
    big_u = np.abs(b) + np.abs(Ds)
    pi = (u * u / D).sum(1)
    phi = (b * u / D).sum(1)
    phi_rev = -(b_rev * u / D).sum(1)
    terms = {"entropy_production": pi, "entropy_flux": phi, "entropy_rate": pi - phi, "entropy": -log_p,
             "entropy_flux_reverse": phi_rev, "entropy_rate_reverse": pi - phi_rev}
    m_pi = (big_u * big_u / D).sum(1)
    m_phi = (np.abs(b) * big_u / D).sum(1)
    m_rev = ((np.abs(b) + 2 * np.abs(Ds)) * big_u / D).sum(1)
    sizes = {"entropy_production": m_pi, "entropy_flux": m_phi, "entropy_rate": m_pi + m_phi,
             "entropy": np.abs(log_p) + 1, "entropy_flux_reverse": m_rev, "entropy_rate_reverse": m_pi + m_rev}
    return terms, sizes, log_p


MAX_QUADRATURE_POINTS = {1: 400_001, 2: 2001}  # per axis
ROUNDING = 64 * np.finfo(float).eps  # per-point relative rounding of the integrands, with room to spare


def _grid(p: GaussianMixture, points: int):
    """Trapezoid nodes and weights over every component's ±QUADRATURE_SPAN σ box, with at least
    ``points`` nodes per axis and a spacing of at most σ_min/4 (σ_min: the narrowest component's standard
    deviation on that axis), so the half-resolution grid still has σ/2 and the pair resolves every component."""
    sd = np.sqrt(np.diagonal(p.covariances, axis1=1, axis2=2)) if p.covariances is not None \
        else np.full(p.means.shape, math.sqrt(p.isotropic))
    lo = (p.means - QUADRATURE_SPAN * sd).min(0)
    hi = (p.means + QUADRATURE_SPAN * sd).max(0)
    axes, weights = [], []
    for i in range(p.d):
        n = max(points, int(math.ceil((hi[i] - lo[i]) / (sd[:, i].min() / 4))) + 1)
        n += (n + 1) % 2  # odd: the half grid is every other node
        if n > MAX_QUADRATURE_POINTS[p.d]:
            raise NotSupportedError(f"not supported by quadrature: resolving the narrowest component (σ = "
                                    f"{sd[:, i].min():.3g}) across the data's range ({hi[i] - lo[i]:.3g}) needs {n} "
                                    f"nodes per axis, above {MAX_QUADRATURE_POINTS[p.d]}; use --method monte-carlo")
        axis = np.linspace(lo[i], hi[i], n)
        w = np.full(n, (hi[i] - lo[i]) / (n - 1))  # not axis[1] - axis[0], which loses digits to |lo|/h
        w[[0, -1]] /= 2
        axes.append(axis)
        weights.append(w)
    mesh = np.meshgrid(*axes, indexing="ij")
    cell = weights[0] if p.d == 1 else np.outer(weights[0], weights[1]).ravel()
    return np.stack([m.ravel() for m in mesh], axis=1), cell, [len(a) for a in axes]


def _half(x, cell, shape):
    """Every other node of the grid, with the trapezoid weights of the doubled spacing."""
    idx = np.arange(len(x)).reshape(shape)[(slice(None, None, 2),) * len(shape)].ravel()
    scale = 2.0 ** len(shape)
    return x[idx], cell[idx] * scale


def rates_quadrature(process: Process, data: GaussianMixture, tt: float) -> dict:
    """The rates at t by the trapezoid rule (d ≤ 2). Error: |full − half-resolution grid| (both resolve every
    component, see `_grid`; the trapezoid rule on such Gaussians is exact far below that) plus the rounding
    ROUNDING · Σ w p |integrand magnitude|."""
    if process.d > 2:
        raise PDEInputError(f"quadrature runs in d ≤ 2 (here d = {process.d}); use --method monte-carlo")
    p = process.marginal(data, tt)
    x, cell, shape = _grid(p, QUADRATURE_POINTS[process.d])
    terms, sizes, log_p = _integrands(process, p, x, tt)
    weight = np.exp(log_p) * cell
    xh, cell_h = _half(x, cell, shape)
    half_terms, _, log_ph = _integrands(process, p, xh, tt)
    weight_h = np.exp(log_ph) * cell_h
    out = {}
    for key in RATE_KEYS:
        full, half = float(weight @ terms[key]), float(weight_h @ half_terms[key])
        out[key] = Estimate(full, abs(full - half) + ROUNDING * float(weight @ sizes[key]))
    return out


def rates_monte_carlo(process: Process, data: GaussianMixture, tt: float, draws: int,
                      rng: np.random.Generator, chunk: int = 1 << 14) -> dict:
    """The rates at t as means over ``draws`` exact samples of p_t, each with its standard error."""
    if draws < 2:
        raise PDEInputError(f"draws = {draws}: a standard error needs at least 2 draws")
    p = process.marginal(data, tt)
    sums = {key: np.zeros(2) for key in RATE_KEYS}
    done = 0
    while done < draws:
        n = min(chunk, draws - done)
        terms, _, _ = _integrands(process, p, p.sample(n, rng), tt)
        for key, value in terms.items():
            sums[key] += (value.sum(), (value * value).sum())
        done += n
    out = {}
    for key, (s1, s2) in sums.items():
        mean = s1 / draws
        var = max(s2 / draws - mean * mean, 0.0) * draws / (draws - 1)
        out[key] = Estimate(float(mean), math.sqrt(var / draws))
    return out


def mean_se(v: np.ndarray) -> tuple[float, float]:
    """(sample mean, its standard error)."""
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))


# -- trajectories --------------------------------------------------------------------------------
@dataclass
class Trajectories:
    """Per-path entropy changes of simulated paths (App. A), and a few stored paths for plots."""

    direction: str
    rule: str
    dt: float
    steps: int
    dS_system: np.ndarray
    dS_environment: np.ndarray
    times: np.ndarray
    paths: np.ndarray  # (stored, steps + 1, d)
    final: np.ndarray  # (n, d): every path's last point (the generated samples of a reverse run)

    @property
    def dS_total(self) -> np.ndarray:
        return self.dS_system + self.dS_environment

    def summary(self) -> dict:
        n = len(self.dS_system)
        e, se_e = mean_se(np.exp(-self.dS_total))
        tot, se_tot = mean_se(self.dS_total)
        sys_, se_sys = mean_se(self.dS_system)
        env, se_env = mean_se(self.dS_environment)
        return {"direction": self.direction, "rule": self.rule, "n": n, "dt": self.dt, "steps": self.steps,
                "mean_exp_minus_dS_tot": e, "se_exp_minus_dS_tot": se_e, "mean_dS_tot": tot, "se_dS_tot": se_tot,
                "mean_dS_system": sys_, "se_dS_system": se_sys, "mean_dS_environment": env,
                "se_dS_environment": se_env}

    def convergence(self, points: int = 25) -> list[dict]:
        """⟨e^{−ΔS_tot}⟩ over the first n paths, with its standard error, for n on a log grid (Figs 2, 7)."""
        w = np.exp(-self.dS_total)
        total = len(w)
        counts = np.unique(np.geomspace(2, total, points).astype(int))
        c1, c2 = np.cumsum(w), np.cumsum(w * w)
        out = []
        for n in counts:
            mean = c1[n - 1] / n
            var = max(c2[n - 1] / n - mean * mean, 0.0) * n / (n - 1)
            out.append({"n": int(n), "mean": float(mean), "se": float(math.sqrt(var / n))})
        return out


def _narrowest_variance(p: GaussianMixture) -> float:
    if p.covariances is None:
        return p.isotropic
    return float(min(np.linalg.eigvalsh(C).min() for C in p.covariances))


def simulate(process: Process, data: GaussianMixture, T: float, dt: float, n: int, rng: np.random.Generator,
             direction: str = "forward", rule: str = "mid", t0: float = 0.0, stored: int = 20,
             progress=None) -> Trajectories:
    """n Euler–Maruyama paths on [t0, T], forward from p_{t0} or reverse from p_T (module docstring)."""
    if direction not in DIRECTIONS:
        raise PDEInputError(f"direction {direction!r} is not known; use forward or reverse")
    if rule not in RULES:
        raise PDEInputError(f"rule {rule!r} is not known; use start, mid or end")
    if not (math.isfinite(T) and math.isfinite(dt) and math.isfinite(t0)) or t0 < 0 or T <= t0:
        raise PDEInputError(f"need 0 ≤ t0 < T; got t0 = {t0:g}, T = {T:g}")
    if not (0 < dt <= T - t0):
        raise PDEInputError(f"dt = {dt:g} must satisfy 0 < dt ≤ T − t0 = {T - t0:g}")
    if n < 2:
        raise PDEInputError(f"n = {n}: the ensemble averages need at least 2 paths")
    steps = max(1, round((T - t0) / dt))
    if steps > MAX_STEPS:
        raise PDEInputError(f"(T − t0)/dt = {steps:.3g} steps; at most {MAX_STEPS}: use a larger dt")
    if n * process.d > MAX_STATE:
        raise PDEInputError(f"n × d = {n * process.d:.3g} numbers per state; at most {MAX_STATE:.0e}: use fewer paths")
    dt = (T - t0) / steps
    if direction == "reverse":
        narrowest = _narrowest_variance(process.marginal(data, t0))
        if dt * float(process.D(t0).max()) > 0.1 * narrowest:
            logger.info("dt·D = %.3g exceeds a tenth of p_t0's narrowest variance %.3g: the reverse Euler steps near "
                        "t0 are coarse, so expect a discretisation bias beyond the standard errors (use a smaller dt "
                        "or a larger t0)", dt * float(process.D(t0).max()), narrowest)
    start, end = (t0, T) if direction == "forward" else (T, t0)
    p_start, p_end = process.marginal(data, start), process.marginal(data, end)
    x = p_start.sample(n, rng)
    dS_system = p_start.log_density(x)
    heat = np.zeros(n)
    keep = min(stored, n)
    paths = np.empty((keep, steps + 1, process.d))
    paths[:, 0] = x[:keep]
    offset = {"start": 0.0, "mid": 0.5, "end": 1.0}[rule]
    sign = 1.0 if direction == "forward" else -1.0  # forward time moves by sign·dt per step

    def drift(xx, tt):
        """The forward drift, or the reversal's −b + 2D∘s at forward time tt."""
        b = process.a(tt) * xx
        if direction == "forward":
            return b
        return -b + 2 * process.D(tt) * process.marginal(data, tt).score(xx)

    for i in range(steps):
        tt = start + sign * i * dt
        tau = tt + sign * offset * dt
        if np.any(process.D(tau) <= 0):
            raise PDEInputError(f"the diffusion D = g²/2 vanishes at t = {tau:g}, where the heat Σ b·Δx/D of "
                                f"--rule {rule} is evaluated: choose t0, T or the rule to avoid it")
        noise = rng.standard_normal(x.shape) * np.sqrt(2 * process.D(tt) * dt)
        x_new = x + drift(x, tt) * dt + noise
        heat += (drift(0.5 * (x + x_new), tau) * (x_new - x) / process.D(tau)).sum(1)
        x = x_new
        paths[:, i + 1] = x[:keep]
        if progress and (i + 1) % max(1, steps // 20) == 0:
            progress(i + 1, steps)
    dS_system = dS_system - p_end.log_density(x)
    times = start + sign * dt * np.arange(steps + 1)
    return Trajectories(direction, rule, dt, steps, dS_system, heat, times, paths, x)
