"""Overdamped Langevin dynamics in a (time-dependent) potential: dX = −∇V(X, t) dt + √(2/β) dW.

Integrators (Leimkuhler & Matthews' scheme is the one whose invariant law is second-order accurate):
    em   X_{k+1} = X_k − h ∇V(X_k, t_{k+1}) + √(2h/β) ξ_k
    lm   X_{k+1} = X_k − h ∇V(X_k, t_{k+1}) + √(2h/β) (ξ_k + ξ_{k+1}) / 2
(the protocol switches first, t_k → t_{k+1}, then the particle moves in the new potential: so the discrete
Jarzynski equality is off only by the integrator's own bias in sampling each e^{−βV(t_{k+1})}).
The step h is separate from the recording interval (a multiple of h). Stability: explicit steps need
h·λ_max < 2 for the largest positive Hessian eigenvalue λ_max of V where the particles are (negative curvature
is the true dynamics' growth, not a step's) (checked at the start and at
every recording time on up to STIFFNESS_POINTS particles); above 1 a note gives the numbers. A force that is not
finite at a particle (a singular point of V such as atan2 at the origin) is an error naming the point and the time.

Work and heat (Sekimoto's energetics of the discretised protocol): each step first moves the time with the
particle held, W_k = V(X_k, t_{k+1}) − V(X_k, t_k), then moves the particle, −Q_k = V(X_{k+1}, t_{k+1}) −
V(X_k, t_{k+1}); so W − Q = ΔV exactly (the first law), and βQ is the entropy given to the medium.

The instantaneous Boltzmann law e^{−βV(t,·)}/Z(t) (d ≤ 3): a midpoint grid over the bins' box widened by its
own size on every side, so mass beyond the bins is reported, not renormalised away. From it: bin masses,
exact samples (a cell by its mass, then uniform in the cell), the free energy F = −β⁻¹ ln Z, and basins.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from analytic.errors import NotSupportedError, PDEInputError
from analytic.sde import Potential, t as t_symbol
from .lambdified import np_real_function

logger = logging.getLogger("genphys")
INTEGRATORS = ("em", "lm")
MAX_STEPS = 10_000_000
MAX_RECORDS = 10_000
STIFFNESS_POINTS = 1000
GRID_CELLS = 1 << 23  # fine cells of the widened Boltzmann grid, at most
MAX_CELL_MASS = 0.05  # a grid cell holding more of the Boltzmann mass does not resolve the law
BASIN_MASS = 0.01  # basins holding less Boltzmann mass are pooled with the mass off the grid


class CompiledPotential:
    """V, −∇V and the Hessian of a Potential at parameter values, as real NumPy callables of (x (n, d), t)."""

    def __init__(self, potential: Potential, values: dict | None = None):
        values = values or {}
        self.potential, self.d = potential, len(potential.variables)
        args = (t_symbol, *potential.variables)
        sub = lambda e: e.subs(values)
        self.static = not sub(potential.V).has(t_symbol)
        self._V = np_real_function([sub(potential.V)], args)
        self._F = np_real_function([sub(f) for f in potential.force()], args)
        self._H = np_real_function([sub(h) for row in potential.hessian() for h in row], args)

    def V(self, x, tt):
        return np.broadcast_to(self._V(tt, *x.T)[0], len(x))

    def force(self, x, tt):
        return np.stack([np.broadcast_to(f, len(x)) for f in self._F(tt, *x.T)], axis=1)

    def stiffness(self, x, tt) -> np.ndarray:
        """The largest positive eigenvalue of the Hessian at each point, 0 if none (inf where it is not finite)."""
        H = np.stack([np.broadcast_to(h, len(x)) for h in self._H(tt, *x.T)], axis=1).reshape(len(x), self.d, self.d)
        ok = np.all(np.isfinite(H.reshape(len(x), -1)), axis=1)
        out = np.full(len(x), np.inf)
        if np.any(ok):
            out[ok] = np.maximum(np.linalg.eigvalsh(H[ok]).max(axis=1), 0.0)
        return out


@dataclass
class Run:
    """Snapshots of every particle at the recording times, with each particle's work done on it so far."""

    times: np.ndarray
    snapshots: np.ndarray  # (records, n, d)
    work: np.ndarray | None  # (records, n) or None when not asked for
    step: float
    integrator: str
    stiffness: float  # λ_max over the probed particles at the start
    stiffness_max: float  # the largest over the recording times
    stiffness_max_time: float
    unstable_fraction: float  # the largest share of probed particles with step·λ > 2 at a recording time

    def heat(self, cp: CompiledPotential) -> np.ndarray:
        """Q(t) per particle = W(t) − [V(X_t, t) − V(X_0, 0)] (the first law; module docstring)."""
        V = np.stack([cp.V(x, tt) for x, tt in zip(self.snapshots, self.times)])
        return self.work - (V - V[0])


def _checked(beta: float) -> None:
    if not (beta > 0 and math.isfinite(beta)):
        raise PDEInputError(f"beta = {beta}: the inverse temperature must be a finite number > 0")


def simulate(cp: CompiledPotential, x0: np.ndarray, beta: float, T: float, record: float, step: float,
             integrator: str, rng: np.random.Generator, progress=None, work: bool = True) -> Run:
    """Integrate from x0 at t = 0 to T, recording every ``record`` (module docstring)."""
    if integrator not in INTEGRATORS:
        raise PDEInputError(f"integrator {integrator!r} is not known; use em or lm")
    _checked(beta)
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
    probe = rng.permutation(len(x))[:STIFFNESS_POINTS]  # the particles whose Hessians are checked
    worst = {"lam": 0.0, "t": 0.0, "unstable": 0.0, "warned": False}

    def check_stiffness(xs, tt):
        lam = cp.stiffness(xs, tt) if np.all(np.isfinite(xs)) else np.full(len(xs), np.inf)
        top, unstable = float(lam.max()), float(np.mean(step * lam > 2))
        if top > worst["lam"]:
            worst.update(lam=top, t=tt)
        worst["unstable"] = max(worst["unstable"], unstable)
        if not math.isfinite(top) and not worst["warned"]:
            worst["warned"] = True
            logger.info("λ_max, the Hessian's largest eigenvalue, is not finite at t = %g where some particles are (V is "
                        "not twice differentiable there, e.g. a cusp or |x| at 0): no step size is stable there", tt)
        elif step * top > 1 and not worst["warned"]:
            worst["warned"] = True
            logger.info("step·λ_max = %.3g at t = %g (λ_max = %.3g, the Hessian's largest eigenvalue where the "
                        "particles are; step·λ > 2, unstable, for %.1f %% of them, step·λ > 1, inaccurate, for %.1f "
                        "%%): use a smaller step (--step)", step * top, tt, top, 100 * unstable,
                        100 * float(np.mean(step * lam > 1)))
        return top

    stiff = check_stiffness(x[probe], 0.0)
    scale = math.sqrt(2 * step / beta)
    snapshots = np.empty((records + 1, len(x), cp.d))
    snapshots[0] = x
    W = np.zeros(len(x)) if work else None
    works = np.zeros((records + 1, len(x))) if work else None
    xi = rng.standard_normal(x.shape)
    far = 1e3 * (1.0 + float(np.abs(x).max()))  # a particle beyond this has been thrown out by an unstable step
    for k in range(records * per):
        tt = k * step
        if work and not cp.static:
            W += cp.V(x, tt + step) - cp.V(x, tt)
        force = cp.force(x, tt + step)
        bad = ~np.all(np.isfinite(force), axis=1)
        if np.any(bad):
            where = ", ".join(f"{v:.4g}" for v in x[np.argmax(bad)])
            if not np.all(np.isfinite(x)) or np.abs(x[bad]).max() > far:
                raise PDEInputError(f"the integration diverged before t = {tt:g} (particles reached ({where}); "
                                    f"step·λ_max reached {step * worst['lam']:.3g} at t = {worst['t']:g}, explicit "
                                    "steps need < 2): use a smaller step (--step)")
            raise PDEInputError(f"the force −∇V is not finite at {int(bad.sum())} particle(s) at t = {tt + step:g}, "
                                f"e.g. at ({where}): V is not differentiable where particles go")
        if integrator == "em":
            x = x + step * force + scale * xi
            xi = rng.standard_normal(x.shape)
        else:
            xi_next = rng.standard_normal(x.shape)
            x = x + step * force + scale * 0.5 * (xi + xi_next)
            xi = xi_next
        if (k + 1) % per == 0:
            r = (k + 1) // per
            snapshots[r] = x
            if work:
                works[r] = W
            check_stiffness(x[probe], r * record)
            if progress:
                progress(r, records)
    return Run(np.arange(records + 1) * record, snapshots, works, step, integrator, stiff, worst["lam"], worst["t"],
               worst["unstable"])


# -- the instantaneous Boltzmann law on a grid -----------------------------------------------------------------
class BoltzmannGrid:
    """e^{−βV(t,·)}/Z on the midpoint grid of the bins' box widened by its size on every side (module docstring).

    ``edges``: equal-width bin edges per axis; ``sub``: grid points per bin and axis (lowered in d = 3 to keep
    at most GRID_CELLS cells)."""

    def __init__(self, cp: CompiledPotential, beta: float, tt: float, edges: list, sub: int = 16):
        _checked(beta)
        if cp.d != len(edges):
            raise PDEInputError(f"{len(edges)} axes of bins for a potential of {cp.d} coordinates")
        if cp.d > 3:
            raise NotSupportedError(f"the Boltzmann law on a grid is for d ≤ 3; this potential has {cp.d} coordinates")
        bins = [len(e) - 1 for e in edges]
        sub = min(sub, int((GRID_CELLS ** (1 / cp.d)) // (3 * max(bins))))
        if sub < 1:
            raise NotSupportedError(f"{bins} bins are too many for the Boltzmann grid in d = {cp.d}; use fewer")
        self.cp, self.beta, self.t, self.edges, self.sub = cp, beta, tt, edges, sub
        self.lo = np.array([2 * e[0] - e[-1] for e in edges])
        self.h = np.array([(e[-1] - e[0]) / ((len(e) - 1) * sub) for e in edges])
        self.shape = tuple(3 * b * sub for b in bins)
        mids = [self.lo[i] + (np.arange(n) + 0.5) * self.h[i] for i, n in enumerate(self.shape)]
        mesh = np.meshgrid(*mids, indexing="ij")
        self.points = np.stack([m.ravel() for m in mesh], axis=1)
        V = cp.V(self.points, tt)
        if not np.all(np.isfinite(V)):
            raise PDEInputError(f"V is not finite at {int((~np.isfinite(V)).sum())} grid point(s) at t = {tt:g}")
        lw = -beta * V + math.log(np.prod(self.h))
        top = lw.max()
        with np.errstate(under="ignore"):  # far-out cells weigh e^(−hundreds): exactly 0 is right
            self.log_Z = float(top + math.log(np.exp(lw - top).sum()))
            self.mass = np.exp(lw - self.log_Z).reshape(self.shape)
        self.V = V.reshape(self.shape)
        if self.mass.max() > MAX_CELL_MASS:
            raise PDEInputError(f"the Boltzmann grid does not resolve e^(−βV) at t = {tt:g}: one cell of width "
                                f"{self.h.max():.3g} holds {100 * self.mass.max():.0f} % of the mass; use a smaller box "
                                "or more bins")

    @property
    def free_energy(self) -> float:
        """F = −β⁻¹ ln Z over the widened box."""
        return -self.log_Z / self.beta

    @property
    def _inner_lo(self) -> np.ndarray:
        """The lower corner of the bins' box (where the middle third of the widened grid starts)."""
        return self.lo + np.array(self.shape) // 3 * self.h

    def _inner(self, a: np.ndarray) -> np.ndarray:
        """The middle third on every axis: the cells inside the bins."""
        return a[tuple(slice(n // 3, 2 * n // 3) for n in self.shape)]

    def bin_masses(self) -> tuple[np.ndarray, float]:
        """(masses of the bins, the mass outside them)."""
        w = self._inner(self.mass)
        for axis in range(self.cp.d):
            w = np.add.reduceat(w, np.arange(0, w.shape[axis], self.sub), axis=axis)
        return w, max(0.0, 1.0 - float(w.sum()))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n exact draws of the grid law: a cell by its mass, then uniform within it."""
        p = self.mass.ravel()
        with np.errstate(under="ignore"):  # cells far out weigh e^(−hundreds)
            cells = rng.choice(p.size, size=n, p=p / p.sum())
        return self.points[cells] + (rng.random((n, self.cp.d)) - 0.5) * self.h

    def basins(self) -> tuple[np.ndarray, np.ndarray]:
        """(minima (m, d), label per inner grid cell): steepest descent over the 3^d neighbours of each cell of the
        bins' box, followed to its end; basins holding less than BASIN_MASS of the Boltzmann mass get label −1.
        Minima are ordered by angle about the box's centre in 2-D, by position otherwise."""
        V = self._inner(self.V)
        mass = self._inner(self.mass)
        shape, size = V.shape, V.size
        # a strict order: V to 1e-9 of its range, then the cell's index (cells of equal V, such as the mirror cells
        # either side of a symmetry line, then join one basin instead of splitting it in two)
        level = np.round((V - V.min()) / (1e-9 * max(np.ptp(V), 1e-300)))
        key = level.astype(np.int64) * size + np.arange(size).reshape(shape)
        index = np.arange(size).reshape(shape)
        best_v, best_i = key.copy(), index.copy()
        padded_v = np.pad(key, 1, constant_values=np.iinfo(np.int64).max)
        padded_i = np.pad(index, 1, constant_values=-1)
        for shift in np.ndindex(*(3,) * V.ndim):
            window = tuple(slice(s, s + n) for s, n in zip(shift, shape))
            nv, ni = padded_v[window], padded_i[window]
            better = nv < best_v
            best_v, best_i = np.where(better, nv, best_v), np.where(better, ni, best_i)
        ptr = best_i.ravel()
        while True:
            nxt = ptr[ptr]
            if np.array_equal(nxt, ptr):
                break
            ptr = nxt
        roots, labels = np.unique(ptr, return_inverse=True)
        kept = np.bincount(labels, weights=mass.ravel()) >= BASIN_MASS
        minima = self._inner_lo + (np.stack(np.unravel_index(roots, shape), axis=1) + 0.5) * self.h
        keep = np.flatnonzero(kept)
        if self.cp.d == 2:
            centre = np.array([0.5 * (e[0] + e[-1]) for e in self.edges])
            rel = minima[keep] - centre
            keep = keep[np.argsort(np.arctan2(rel[:, 1], rel[:, 0]))]
        else:
            keep = keep[np.lexsort(minima[keep].T[::-1])]
        relabel = np.full(len(roots), -1)
        relabel[keep] = np.arange(len(keep))
        return minima[keep], relabel[labels].reshape(shape)

    def basin_fractions(self, x: np.ndarray, labels: np.ndarray, count: int) -> tuple[list, float]:
        """(fraction of the points in each kept basin, the fraction elsewhere: other basins or off the bins)."""
        shape = np.array(labels.shape)
        cell = np.floor((x - self._inner_lo) / self.h).astype(int)
        inside = np.all((cell >= 0) & (cell < shape), axis=1)
        lab = np.full(len(x), -1)
        lab[inside] = labels[tuple(cell[inside].T)]
        fractions = np.bincount(lab[lab >= 0], minlength=count)[:count] / len(x)
        return fractions.tolist(), float(np.mean(lab < 0))


def boltzmann_bins(cp: CompiledPotential, beta: float, tt: float, edges: list, sub: int = 16) -> tuple:
    """(bin masses of e^{−βV(t,·)}/Z on the bins ``edges`` (one array per axis), mass outside them)."""
    return BoltzmannGrid(cp, beta, tt, edges, sub).bin_masses()


# -- the period of a driven potential -----------------------------------------------------------------------------
PERIOD_TOL = 1e-6  # max |V(t + τ, x) − V(t, x)| relative to V's range over the probe points (Brent's search finds
#                    the period to about √ε·τ ≈ 1e-8 τ; the gap is linear in the error of τ)
ALIAS_DIVISORS = 200  # τ/k tried for k up to this, once a τ is found


def period(cp: CompiledPotential, box: tuple, t_max: float, rng: np.random.Generator, points: int = 400,
           scan: int = 4000) -> float | None:
    """The smallest τ in (0, t_max] with V(t + τ, ·) = V(t, ·) at t = 0 and t = 0.37 on random points of the
    box [low, high]^d (relative tolerance PERIOD_TOL), or None; 0 for a potential that does not depend on t.
    A scan of the relative gap over ``scan`` values of τ; its local minima refined by bounded Brent search on the
    mean squared gap (smooth at the period, where the largest gap has a kink)."""
    if cp.static:
        return 0.0
    x = rng.uniform(box[0], box[1], (points, cp.d))
    x = x[np.isfinite(cp.V(x, 0.0))]

    def diff(tau: float, t0: float) -> np.ndarray:
        a, b = cp.V(x, t0), cp.V(x, t0 + tau)
        ok = np.isfinite(a) & np.isfinite(b)
        return (b[ok] - a[ok]) / max(np.ptp(a[ok]), 1e-300)

    def gap(tau: float, t0: float = 0.0) -> float:
        return float(np.abs(diff(tau, t0)).max())

    taus = np.linspace(0, t_max, scan + 1)[1:]
    gaps = np.array([gap(tau) for tau in taus])
    h = taus[1] - taus[0]
    for i in range(1, len(taus)):  # from the second: the gap's rise out of τ = 0 is no period
        left = gaps[i - 1]
        right = gaps[i + 1] if i + 1 < len(gaps) else math.inf
        if gaps[i] <= left and gaps[i] <= right and gaps[i] < 0.05:
            res = minimize_scalar(lambda tau: float(np.mean(diff(tau, 0.0) ** 2)), method="bounded",
                                  bounds=(taus[i] - h, min(taus[i] + h, t_max)), options={"xatol": 1e-13})
            if gap(res.x) < PERIOD_TOL and gap(res.x, 0.37) < PERIOD_TOL:
                # a drive faster than the scan aliases: the first match may be a multiple of the period
                divisors = [k for k in range(2, ALIAS_DIVISORS + 1) if gap(res.x / k) < PERIOD_TOL and
                            gap(res.x / k, 0.37) < PERIOD_TOL]
                return float(res.x / max(divisors)) if divisors else float(res.x)
    return None
