"""Potential landscapes of the reverse dynamics, speciation times, and the Franz–Parisi potential.

Three notions a user may mean by "the potential" at forward time t (Yu & Huang Sec. III C call the
first one U and claim the second and third change curvature at the same time; they do not):
    drift_potential   −∇U = b* = −b + 2D∘∇ln p     the reverse SDE's drift (Eq. 40–42)
    density           U = −ln p_t                  the density landscape (∝ the free energy F, Eq. 49)
    flow_potential    −∇U = −b + D∘∇ln p           the reverse probability-flow ODE's drift
Each is evaluated on a line x = c + λu (c the data mean, u the data's principal axis), where every
field of the linear class is a gradient along the line. The speciation time t_S is the latest time at
which the profile has two local minima (for data symmetric about c: where the curvature at c changes
sign, found by brentq); t_USB is where the profile's curvature at |λ| → ∞ changes sign (for t below it
the landscape is unbounded below: U → −∞).

Franz–Parisi (Eqs. 70–79, d = 1): V(q, t) = −E ln Z(X_t, X0', q, t) over the joint law of (X0', X_t),
Z = ∫ e^{−H(x0 | X_t)} δ(q − dist(x0, X0')) dx0 with H = (X_t − f x0)²/(2Ξ) − ln p0(x0). ``distance``
"squared" (q = (x0 − X0')², Eq. 74, the paper's formulas; Z carries 1/(2√q)) or "euclidean"
(q = |x0 − X0'|, Eq. 70's words; no Jacobian).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import cumulative_trapezoid
from scipy.optimize import brentq

from analytic.errors import NotSupportedError, PDEInputError
from .mixture import GaussianMixture
from .linear_sde import Estimate, Process

NOTIONS = ("drift_potential", "density", "flow_potential")
PROFILE_POINTS = 4000  # even: the centre is never a grid point, so a minimum there is never missed
SPEED_FACTOR = {"drift_potential": 2.0, "density": None, "flow_potential": 1.0}  # the D∘∇ln p multiple
DISTANCES = ("squared", "euclidean")


def line(data: GaussianMixture) -> tuple[np.ndarray, np.ndarray, float]:
    """(centre c, unit direction u, spread): the data mean, principal axis and ±4 σ along it (at least 4)."""
    mean, second = data.moments()
    cov = second - np.outer(mean, mean)
    values, vectors = np.linalg.eigh(cov)
    u = vectors[:, -1]
    u = u * (1 if u[np.argmax(np.abs(u))] > 0 else -1)
    return mean, u, max(4.0, 4 * math.sqrt(max(values[-1], 0)))


def gradient_along(process: Process, data: GaussianMixture, tt: float, notion: str, lam: np.ndarray,
                   centre=None, direction=None) -> np.ndarray:
    """dU/dλ along the line for a notion of the potential (module docstring)."""
    if notion not in NOTIONS:
        raise PDEInputError(f"notion {notion!r} is not known; use one of {', '.join(NOTIONS)}")
    if centre is None:
        centre, direction, _ = line(data)
    x = centre + np.asarray(lam)[:, None] * direction
    p = process.marginal(data, tt)
    s = p.score(x)
    if notion == "density":
        grad = -s
    else:
        grad = process.a(tt) * x - SPEED_FACTOR[notion] * process.D(tt) * s
    return grad @ direction


def profile(process: Process, data: GaussianMixture, tt: float, notion: str, points: int = PROFILE_POINTS):
    """(λ, U(λ)) along the data's line, U(0) at the centre set to 0."""
    centre, direction, spread = line(data)
    lam = np.linspace(-spread, spread, points)
    dU = gradient_along(process, data, tt, notion, lam, centre, direction)
    U = cumulative_trapezoid(dU, lam, initial=0.0)
    return lam, U - np.interp(0.0, lam, U)


def _minima(dU: np.ndarray) -> int:
    return int(np.count_nonzero((dU[:-1] < 0) & (dU[1:] >= 0)))


def symmetric(data: GaussianMixture, tol: float = 1e-9) -> bool:
    """Whether the data are symmetric under x → 2c − x (c the mean), so c is the saddle of every notion: each
    component has a partner of the same weight and covariance at its reflected mean."""
    mean = data.weights @ data.means
    reflected = 2 * mean - data.means
    for k in range(data.K):
        partners = [j for j in range(data.K)
                    if abs(data.weights[j] - data.weights[k]) <= tol
                    and np.abs(data.means[j] - reflected[k]).max() <= tol
                    and (data.covariances is None or np.abs(data.covariances[j] - data.covariances[k]).max() <= tol)]
        if not partners:
            return False
    return True


def speciation_time(process: Process, data: GaussianMixture, notion: str, t_max: float = 20.0):
    """(t_S or None, method): the latest t ≥ 0 at which the profile has two minima (module docstring)."""
    centre, direction, spread = line(data)
    h = 1e-5 * spread

    def curvature(tt):
        g = gradient_along(process, data, tt, notion, np.array([-h, h]), centre, direction)
        return (g[1] - g[0]) / (2 * h)

    def two_minima(tt):
        lam = np.linspace(-spread, spread, PROFILE_POINTS)
        return _minima(gradient_along(process, data, tt, notion, lam, centre, direction)) >= 2

    times = time_grid(t_max, data)
    if symmetric(data):
        values = np.array([curvature(tt) for tt in times])
        scale = np.array([_scale(process, data, tt) for tt in times])
        root = last_sign_change(times, values, scale, curvature)
        if root is None:
            negative = bool(np.any(values < -_TOL * scale))
            return None, ("the curvature at the centre is ≤ 0 up to t = %g (it only tends to 0): the landscape is "
                          "split at every time" % t_max if negative else
                          "the curvature at the centre is ≥ 0 for every t in [0, %g]: no symmetry breaking" % t_max)
        return root, "brentq on the curvature at the centre of symmetric data"
    flags = [two_minima(tt) for tt in times]
    if not any(flags):
        return None, "the profile has one minimum for every t in [0, t_max]"
    last = max(i for i, f in enumerate(flags) if f)
    if last == len(times) - 1:
        return None, f"the profile still has two minima at t = {t_max:g}"
    lo, hi = times[last], times[last + 1]
    while hi - lo > 1e-6 * max(1.0, hi):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if two_minima(mid) else (lo, mid)
    return 0.5 * (lo + hi), (f"bisection on the number of minima along the principal axis "
                             f"({PROFILE_POINTS} points over ±{spread:.3g})")


def tail_curvature(process: Process, data: GaussianMixture, tt: float, notion: str) -> float:
    """lim U''(λ) as |λ| → ∞ along the line. There the component k with the smallest uᵀC_k⁻¹u dominates p, so
    ∇ln p ≈ −C_k⁻¹(x − m_k) and U'' → uᵀ(a∘u) + c uᵀ(D∘C_k⁻¹u) (c = 2 drift, 1 flow); −ln p'' → uᵀC_k⁻¹u."""
    _, u, _ = line(data)
    p = process.marginal(data, tt)
    C = p.covariances if p.covariances is not None else p.isotropic * np.eye(p.d)[None]
    pulls = [np.linalg.solve(Ck, u) for Ck in C]
    k = int(np.argmin([float(u @ w) for w in pulls]))
    if notion == "density":
        return float(u @ pulls[k])
    return float(u @ (process.a(tt) * u)) + SPEED_FACTOR[notion] * float(u @ (process.D(tt) * pulls[k]))


def unstable_time(process: Process, data: GaussianMixture, notion: str, t_max: float = 20.0):
    """(t_USB or None, method): where the tail curvature changes sign (below it U is unbounded below)."""
    def c(tt):
        return tail_curvature(process, data, tt, notion)

    times = time_grid(t_max, data)
    values = np.array([c(tt) for tt in times])
    scale = np.array([_scale(process, data, tt) for tt in times])
    root = last_sign_change(times, values, scale, c)
    if root is None:
        state = "bounded below" if values[0] > 0 else "unbounded below"
        return None, f"the tail curvature keeps its sign on [0, {t_max:g}]: the landscape stays {state}"
    return root, "brentq on the tail curvature"


_TOL = 1e-7  # relative to |a| + D κ: below it a curvature is rounding (a finite difference of the score)


def time_grid(t_max: float, data: GaussianMixture | None = None) -> np.ndarray:
    """0 and 80 log-spaced times from 1e-4 to t_max (no 0 for point masses: they have no density there)."""
    later = np.geomspace(1e-4, t_max, 80)
    return later if data is not None and data.isotropic == 0 else np.concatenate([[0.0], later])


def _scale(process: Process, data: GaussianMixture, tt: float) -> float:
    """|a| + D κ along the line: the size of the terms a curvature is a difference of."""
    _, u, _ = line(data)
    kappa = tail_curvature(process, data, tt, "density")
    return abs(float(u @ (process.a(tt) * u))) + float(u @ (process.D(tt) * u)) * kappa + kappa


def last_sign_change(times, values, scale, fn):
    """The latest root of fn between a clearly negative and a later clearly positive value (or vice versa)."""
    sign = np.where(values > _TOL * scale, 1, np.where(values < -_TOL * scale, -1, 0))
    nonzero = np.nonzero(sign)[0]
    for i, j in zip(nonzero[::-1][1:], nonzero[::-1][:-1]):
        if sign[i] != sign[j]:
            return brentq(fn, times[i], times[j], xtol=1e-12, rtol=1e-12)
    return None


# -- Franz–Parisi -------------------------------------------------------------------------------------
def franz_parisi(process: Process, data: GaussianMixture, tt: float, q: np.ndarray, pairs: int,
                 rng: np.random.Generator, distance: str = "squared") -> dict:
    """V(q, t), dV/dq, d²V/dq² with standard errors, by Monte Carlo over ``pairs`` joint draws (module docstring).

    The derivatives are central differences of the per-pair ln Z (common random numbers), so their
    standard errors are those of per-pair differences."""
    if data.d != 1:
        raise NotSupportedError(f"not supported yet: the Franz–Parisi potential is computed in d = 1 (here "
                                f"d = {data.d}); in higher d the constraint is a sphere and Z needs an integral")
    if distance not in DISTANCES:
        raise PDEInputError(f"distance {distance!r} is not known; use squared or euclidean")
    if tt <= 0:
        raise PDEInputError(f"t = {tt:g}: the Franz–Parisi potential needs t > 0 (the posterior is a point at t = 0)")
    q = np.asarray(q, dtype=float)
    if np.any(q <= 0) or not np.all(np.isfinite(q)):
        raise PDEInputError("q values must be positive and finite")
    if pairs < 2:
        raise PDEInputError(f"pairs = {pairs}: a standard error needs at least 2")
    f, Xi = float(process.f(tt)[0]), float(process.Xi(tt)[0])
    x0 = data.sample(pairs, rng)[:, 0]
    xt = f * x0 + math.sqrt(Xi) * rng.standard_normal(pairs)
    h = 1e-3 * q.min()
    out = {"q": q.tolist(), "V": [], "dV": [], "d2V": []}
    for qq in q:
        minus, centre, plus = (-constrained_log_Z(data, f, Xi, x0, xt, qq + dq, distance) for dq in (-h, 0.0, h))
        for key, per_pair in (("V", centre), ("dV", (plus - minus) / (2 * h)), ("d2V", (plus - 2 * centre + minus) / h**2)):
            out[key].append(Estimate(float(per_pair.mean()), float(per_pair.std(ddof=1) / math.sqrt(pairs))))
    return out


def constrained_log_Z(data: GaussianMixture, f: float, Xi: float, x0_ref, xt, q: float, distance: str = "squared"):
    """ln Z(X_t, X0', q) = ln ∫ e^{−H(x0 | X_t)} δ(q − dist(x0, X0')) dx0 (Eqs. 74–77): the δ picks x0 = X0' ± √q
    with the Jacobian 1/(2√q) for the squared distance, x0 = X0' ± q with none for the distance itself."""
    shift = math.sqrt(q) if distance == "squared" else q
    jacobian = -math.log(2 * math.sqrt(q)) if distance == "squared" else 0.0
    terms = [-(xt - f * (x0_ref + sign * shift)) ** 2 / (2 * Xi) + data.log_density((x0_ref + sign * shift)[:, None])
             for sign in (1.0, -1.0)]
    return np.logaddexp(*terms) + jacobian
