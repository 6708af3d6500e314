"""Overdamped Langevin dynamics in a (time-dependent) potential: dX = −∇V(X, t) dt + √(2/β) dW.

Integrators (Leimkuhler & Matthews' scheme is the one whose invariant law is second-order accurate):
    em   X_{k+1} = X_k − h ∇V(X_k, t_k) + √(2h/β) ξ_k
    lm   X_{k+1} = X_k − h ∇V(X_k, t_k) + √(2h/β) (ξ_k + ξ_{k+1}) / 2
The step h is separate from the recording interval (a multiple of h). Stability: explicit steps need
h·λ_max < 2 for the largest Hessian eigenvalue λ_max of V where the particles are; above 1 a note gives
the numbers. A force that is not finite at a particle (a singular point of V such as atan2 at the origin)
is an error naming the point and the time.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from analytic.errors import PDEInputError
from analytic.sde import Potential, t as t_symbol
from .lambdified import np_real_function

logger = logging.getLogger("genphys")
INTEGRATORS = ("em", "lm")
MAX_STEPS = 10_000_000
MAX_RECORDS = 10_000


class CompiledPotential:
    """V, −∇V and the Hessian of a Potential at parameter values, as real NumPy callables of (x (n, d), t)."""

    def __init__(self, potential: Potential, values: dict | None = None):
        values = values or {}
        self.potential, self.d = potential, len(potential.variables)
        args = (t_symbol, *potential.variables)
        sub = lambda e: e.subs(values)
        self._V = np_real_function([sub(potential.V)], args)
        self._F = np_real_function([sub(f) for f in potential.force()], args)
        self._H = np_real_function([sub(h) for row in potential.hessian() for h in row], args)

    def V(self, x, tt):
        return self._V(tt, *x.T)[0]

    def force(self, x, tt):
        return np.stack(self._F(tt, *x.T), axis=1)

    def stiffness(self, x, tt) -> float:
        """max over the points of the largest |eigenvalue| of the Hessian."""
        H = np.stack(self._H(tt, *x.T), axis=1).reshape(len(x), self.d, self.d)
        H = H[np.all(np.isfinite(H.reshape(len(x), -1)), axis=1)]
        return float(np.abs(np.linalg.eigvalsh(H)).max()) if len(H) else 0.0


@dataclass
class Run:
    """Snapshots of every particle at the recording times."""

    times: np.ndarray
    snapshots: np.ndarray  # (records, n, d)
    step: float
    integrator: str
    stiffness: float


def simulate(cp: CompiledPotential, x0: np.ndarray, beta: float, T: float, record: float, step: float,
             integrator: str, rng: np.random.Generator, progress=None) -> Run:
    """Integrate from x0 at t = 0 to T, recording every ``record`` (module docstring)."""
    if integrator not in INTEGRATORS:
        raise PDEInputError(f"integrator {integrator!r} is not known; use em or lm")
    if not (beta > 0 and math.isfinite(beta)):
        raise PDEInputError(f"beta = {beta}: the inverse temperature must be a finite number > 0")
    if not (0 < step <= record <= T) or not all(map(math.isfinite, (step, record, T))):
        raise PDEInputError(f"need 0 < step ≤ record ≤ T; got step = {step:g}, record = {record:g}, T = {T:g}")
    per = record / step
    if abs(per - round(per)) > 1e-9 * per:
        raise PDEInputError(f"the recording interval {record:g} is not a multiple of the step {step:g}")
    per = int(round(per))
    records = int(round(T / record))
    if abs(T / record - records) > 1e-9 * records:
        raise PDEInputError(f"T = {T:g} is not a multiple of the recording interval {record:g}")
    if records * per > MAX_STEPS or records + 1 > MAX_RECORDS:
        raise PDEInputError(f"{records * per} steps and {records + 1} records; at most {MAX_STEPS} and {MAX_RECORDS}")
    x = np.array(x0, dtype=float)
    if x.ndim != 2 or x.shape[1] != cp.d or len(x) < 2 or not np.all(np.isfinite(x)):
        raise PDEInputError(f"the initial law must be at least 2 finite points in d = {cp.d}; got shape {x.shape}")
    stiff = cp.stiffness(x, 0.0)
    if step * stiff > 1:
        logger.info("step·λ_max = %.3g (λ_max = %.3g, the Hessian's largest eigenvalue where the particles start): "
                    "explicit steps are unstable above 2 and inaccurate above 1; use a smaller --step", step * stiff,
                    stiff)
    scale = math.sqrt(2 * step / beta)
    snapshots = np.empty((records + 1, len(x), cp.d))
    snapshots[0] = x
    xi = rng.standard_normal(x.shape)
    for k in range(records * per):
        tt = k * step
        force = cp.force(x, tt)
        bad = ~np.all(np.isfinite(force), axis=1)
        if np.any(bad):
            where = ", ".join(f"{v:.4g}" for v in x[np.argmax(bad)])
            raise PDEInputError(f"the force −∇V is not finite at {int(bad.sum())} particle(s) at t = {tt:g}, e.g. at "
                                f"({where}): V is not differentiable where particles go")
        if integrator == "em":
            x = x + step * force + scale * xi
            xi = rng.standard_normal(x.shape)
        else:
            xi_next = rng.standard_normal(x.shape)
            x = x + step * force + scale * 0.5 * (xi + xi_next)
            xi = xi_next
        if (k + 1) % per == 0:
            snapshots[(k + 1) // per] = x
            if progress:
                progress((k + 1) // per, records)
    return Run(np.arange(records + 1) * record, snapshots, step, integrator, stiff)


def boltzmann_bins(cp: CompiledPotential, beta: float, tt: float, edges: list, sub: int = 16) -> tuple:
    """(bin masses of e^{−βV(t,·)}/Z on the grid of ``edges`` (one array per axis), mass outside the box):
    midpoint rule with ``sub`` points per bin and axis; Z over the box widened by its own size on every side,
    so the mass beyond the bins is reported rather than silently renormalised away."""
    if not (beta > 0 and math.isfinite(beta)):
        raise PDEInputError(f"beta = {beta}: the inverse temperature must be a finite number > 0")
    inner = [np.linspace(e[0], e[-1], (len(e) - 1) * sub + 1) for e in edges]
    wide = [np.linspace(2 * e[0] - e[-1], 2 * e[-1] - e[0], 3 * (len(e) - 1) * sub + 1) for e in edges]

    def log_weights(axes):
        mids = [0.5 * (a[1:] + a[:-1]) for a in axes]
        mesh = np.meshgrid(*mids, indexing="ij")
        pts = np.stack([m.ravel() for m in mesh], axis=1)
        V = cp.V(pts, tt)
        if not np.all(np.isfinite(V)):
            raise PDEInputError(f"V is not finite at {int((~np.isfinite(V)).sum())} grid point(s) at t = {tt:g}")
        cell = np.prod([a[1] - a[0] for a in axes])
        return (-beta * V + math.log(cell)).reshape([len(m) for m in mids])

    lw_wide = log_weights(wide)
    top = lw_wide.max()
    with np.errstate(under="ignore"):  # far-out cells weigh e^(−hundreds): exactly 0 is right
        log_Z = top + math.log(np.exp(lw_wide - top).sum())
        w_in = np.exp(log_weights(inner) - log_Z)
    for axis in range(len(edges)):
        w_in = np.add.reduceat(w_in, np.arange(0, w_in.shape[axis], sub), axis=axis)
    return w_in, max(0.0, 1.0 - float(w_in.sum()))
