"""Driven systems (Beyond Equilibrium, Sec. 3 and App. D): particles in a typed potential V(t, x), two kinds of
learned-free generator for their snapshots, and the thermodynamics of the driving.

    V text → Potential (analytic.sde_grammar) → CompiledPotential (numeric.langevin)
           → `simulate_snapshots`: overdamped Langevin, whole trajectories split into train and test halves
           → `compare` at chosen times, every method scored against the test half on fixed bins:
               boltzmann_exact       exact draws of the instantaneous Boltzmann law e^{−βV(t,·)}/Z (a fine grid)
               boltzmann_histogram   the paper's equilibrium method without its neural field: V̂ = −β⁻¹ ln (train
                                     histogram) on the bins, then Boltzmann-sampled (so e^{−βV̂}/Z *is* that
                                     histogram: the sampler draws a bin by its frequency, then a point uniformly
                                     in it)
               diffusion             the learned-free heat-kernel generator (derivations.generate) with the train
                                     snapshot at t as its data: the exact empirical score in place of the paper's
                                     time-conditioned network
               diffusion_neighbours  the same with the train snapshots at t and its `window` neighbouring records
                                     on each side pooled (a time-conditioned model sees nearby times)
             The noise floor is the same score for two independent true snapshots of the same size (the train
             half against the test half); the resampling floor, the median JSD of n draws with replacement from
             the train half against the test half, is the floor of any generator whose law is the train
             snapshot itself (the learned-free generators at small t_min, the histogram method): it is
             about 1.5 times the noise floor (three independent sampling errors instead of two).
             JSD: natural log, on the given bins plus one overflow bin on each side of each axis, over the first
             two coordinates (numeric.metrics.histogram_jsd); energy distance on at most ENERGY_POINTS points of
             each set; basins: steepest descent on the grid of V(t,·) (numeric.langevin.BoltzmannGrid).
           → `thermodynamics`: work W, heat Q = W − ΔV, medium entropy βQ (means with standard errors), the
             dissipated power over the second half of the run, and, when the particles start from the Boltzmann
             law of V(0,·), Jarzynski's ⟨e^{−βW(t)}⟩ = e^{−β[F(t) − F(0)]} with F from the grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from analytic.errors import PDEInputError
from analytic.sde_grammar import parse_potential, sde_values
from numeric import datasets, metrics
from numeric.langevin import BoltzmannGrid, CompiledPotential, simulate
from numeric.linear_sde import mean_se
from .generate import heat_derivation, learned_free_run

METHODS = ("boltzmann_exact", "boltzmann_histogram", "diffusion", "diffusion_neighbours")
ENERGY_POINTS = 2000
GENERATOR_STEPS = 40  # Heun steps in log t; the exact prior makes a short span exact (`_diffusion`)
RESAMPLES = 9  # bootstraps of the train half behind the resampling floor
ALPHA_SE = 3.0  # Jarzynski "holds" within 3 standard errors
MIN_ESS_SHARE = 0.05  # the Jarzynski check is made only where the effective sample size is ≥ 5 % of the paths


def compiled(text: str, params: dict | None = None, values: dict | None = None, beta: float = 10.0,
             dim: int | None = None) -> CompiledPotential:
    """The potential typed as text, parsed safely, at parameter values."""
    potential = parse_potential(text, params or {}, dim)
    return CompiledPotential(potential, sde_values(potential.sde(beta), values or {}))


def initial_points(spec: str, n: int, d: int, rng: np.random.Generator, cp: CompiledPotential | None = None,
                   beta: float | None = None) -> np.ndarray:
    """uniform:LOW,HIGH (a box), gaussian:MEAN,SD, boltzmann:LOW,HIGH (the Boltzmann law of V(0,·) on the grid of
    that box, 30 bins an axis, widened by the box's size on every side as every BoltzmannGrid is: equilibrium at the
    start), or a .npy/.csv file of points (resampled)."""
    kind, _, rest = spec.partition(":")
    if kind in ("uniform", "gaussian", "boltzmann") and rest:
        try:
            a, b = (float(v) for v in rest.split(","))
        except ValueError:
            raise PDEInputError(f"--init {spec!r}: write {kind}:A,B with two numbers") from None
        if not (math.isfinite(a) and math.isfinite(b)) or (kind != "gaussian" and not b > a) or \
                (kind == "gaussian" and not b > 0):
            raise PDEInputError(f"--init {spec!r}: need finite numbers with " +
                                ("SD > 0" if kind == "gaussian" else "HIGH > LOW"))
        if kind == "uniform":
            return rng.uniform(a, b, (n, d))
        if kind == "gaussian":
            return rng.normal(a, b, (n, d))
        return BoltzmannGrid(cp, beta, 0.0, [np.linspace(a, b, 31)] * d).sample(n, rng)
    points = datasets.load(spec, what="initial points")
    if points.shape[1] != d:
        raise PDEInputError(f"--init {spec!r} has {points.shape[1]} columns but the potential has {d} coordinates")
    return points[rng.choice(len(points), size=n)]


@dataclass
class Snapshots:
    """Particles at the recording times, split by whole trajectories into train and test halves."""

    times: np.ndarray
    train: np.ndarray  # (records, n_train, d)
    test: np.ndarray
    work_train: np.ndarray | None = None  # (records, n_train): the work done on each particle so far
    work_test: np.ndarray | None = None
    metrics: dict = field(default_factory=dict)

    def save(self, folder: Path) -> None:
        arrays = {"times": self.times, "train": self.train, "test": self.test}
        if self.work_train is not None:
            arrays.update(work_train=self.work_train, work_test=self.work_test)
        np.savez_compressed(Path(folder) / "snapshots.npz", **arrays)

    @classmethod
    def load(cls, folder) -> "Snapshots":
        import json

        folder = Path(folder)
        path, meta = folder / "snapshots.npz", folder / "metrics.json"
        if not path.is_file() or not meta.is_file():
            raise PDEInputError(f"{str(folder)!r} is not a `genphys landscape simulate` folder (it needs "
                                "snapshots.npz and metrics.json); run simulate with --out there first")
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        missing = {"times", "train", "test"} - set(arrays)
        if missing:
            raise PDEInputError(f"{str(path)!r} lacks {', '.join(sorted(missing))}; rerun simulate")
        return cls(arrays["times"], arrays["train"], arrays["test"], arrays.get("work_train"),
                   arrays.get("work_test"), json.loads(meta.read_text()))

    def index(self, tt: float) -> int:
        """The recording nearest to time tt (refused outside [0, T])."""
        T = float(self.times[-1])
        if not (math.isfinite(tt) and -1e-12 <= tt <= T * (1 + 1e-12)):
            raise PDEInputError(f"time {tt:g} is outside the run's [0, {T:g}]; pick --times within it")
        return int(np.argmin(np.abs(self.times - tt)))


def simulate_snapshots(cp: CompiledPotential, x0: np.ndarray, beta: float, T: float, record: float, step: float,
                       integrator: str, rng: np.random.Generator, progress=None) -> tuple[Snapshots, object]:
    """(snapshots split into halves by trajectory, the numeric.langevin Run)."""
    run = simulate(cp, x0, beta, T, record, step, integrator, rng, progress)
    order = rng.permutation(len(x0))  # whole particles, never split in time
    train, test = order[: len(x0) // 2], order[len(x0) // 2:]
    snap = Snapshots(run.times, run.snapshots[:, train], run.snapshots[:, test],
                     run.work[:, train], run.work[:, test])
    return snap, run


# -- comparison -------------------------------------------------------------------------------------------------
def _overflow(edges: list) -> list:
    return [np.concatenate([[-np.inf], e, [np.inf]]) for e in edges]


def _subset(x: np.ndarray, rng) -> np.ndarray:
    return x if len(x) <= ENERGY_POINTS else x[rng.choice(len(x), ENERGY_POINTS, replace=False)]


def histogram_energy(train: np.ndarray, edges: list, beta: float) -> np.ndarray:
    """V̂ = −β⁻¹ ln (frequency of the training points per bin) on the bins (+inf where a bin is empty)."""
    counts = np.histogramdd(train, bins=edges)[0]
    with np.errstate(divide="ignore"):
        return -np.log(counts / len(train)) / beta


def histogram_boltzmann_sample(energy: np.ndarray, edges: list, beta: float, n: int, rng) -> np.ndarray:
    """n draws of e^{−βV̂}/Z: a bin by its weight, then uniform within it."""
    if not np.any(np.isfinite(energy)):
        raise PDEInputError("no training particle lies inside the bins; widen --bins")
    with np.errstate(under="ignore"):  # rare bins weigh e^(−hundreds) only if counts were astronomically uneven
        w = np.exp(-beta * (energy - energy[np.isfinite(energy)].min())).ravel()
    cells = np.stack(np.unravel_index(rng.choice(w.size, size=n, p=w / w.sum()), energy.shape), axis=1)
    lo = np.array([e[0] for e in edges])
    width = np.array([e[1] - e[0] for e in edges])
    return lo + (cells + rng.random(cells.shape)) * width


def _diffusion(data: np.ndarray, n: int, rng) -> np.ndarray:
    """n learned-free samples of the heat-kernel generator with these points as data, from the exact prior at the
    time where the kernel width is the data's RMS radius (exact prior and exact field: the span need not forget the
    data) back to a width of 10⁻³ of it."""
    d = heat_derivation(data.shape[1])
    _, _, _, run = learned_free_run(d, data, {}, n, GENERATOR_STEPS, rng=rng, T_width=1.0)
    return run.samples


@dataclass
class Comparison:
    rows: list
    samples: dict  # {(t, method or "truth"): points} for the figures
    energies: dict  # {t: V̂ on the bins}


def compare(snap: Snapshots, cp: CompiledPotential, beta: float, times, edges: list, window: int = 2,
            seed: int = 0, methods=METHODS, progress=None) -> Comparison:
    """One row per time and method, scored against the test half (module docstring)."""
    if len(edges) != cp.d or snap.train.shape[2] != cp.d:
        raise PDEInputError(f"the potential has {cp.d} coordinates, the snapshots {snap.train.shape[2]}")
    if window < 0:
        raise PDEInputError(f"--window {window}: need a number of neighbouring records ≥ 0")
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise PDEInputError(f"unknown method(s) {', '.join(sorted(unknown))}; known: {', '.join(METHODS)}")
    rng = np.random.default_rng(seed)
    bins = _overflow(edges)[:2]  # histogram_jsd bins the first two coordinates
    rows, samples, energies = [], {}, {}
    indices = sorted({snap.index(float(tt)) for tt in times})
    for done, r in enumerate(indices):
        tt = float(snap.times[r])
        train, test = snap.train[r], snap.test[r]
        n = len(test)
        inside = np.all([(test[:, i] >= e[0]) & (test[:, i] <= e[-1]) for i, e in enumerate(edges)], axis=0)
        if inside.mean() < 0.9:
            raise PDEInputError(f"the bins cover only {100 * inside.mean():.1f} % of the test particles at t = {tt:g}"
                                " (at least 90 % needed); widen --bins")
        grid = BoltzmannGrid(cp, beta, tt, edges)
        minima, labels = grid.basins()
        truth_basins, truth_other = grid.basin_fractions(test, labels, len(minima))
        train_basins, _ = grid.basin_fractions(train, labels, len(minima))
        test_e = _subset(test, rng)
        floor_jsd = metrics.histogram_jsd(train, test, bins)
        resampled = float(np.median([metrics.histogram_jsd(train[rng.integers(0, len(train), n)], test, bins)
                                     for _ in range(RESAMPLES)]))
        floor_ed = metrics.energy_distance(_subset(train, rng), test_e)
        energy = histogram_energy(train, edges, beta)
        energies[tt] = energy
        samples[(tt, "truth")] = test
        for method in methods:
            if method == "boltzmann_exact":
                x = grid.sample(n, rng)
            elif method == "boltzmann_histogram":
                x = histogram_boltzmann_sample(energy, edges, beta, n, rng)
            elif method == "diffusion":
                x = _diffusion(train, n, rng)
            else:
                lo, hi = max(0, r - window), min(len(snap.times) - 1, r + window)
                x = _diffusion(snap.train[lo:hi + 1].reshape(-1, cp.d), n, rng)
            x = x[np.all(np.isfinite(x), axis=1)]
            basins, other = grid.basin_fractions(x, labels, len(minima))
            samples[(tt, method)] = x
            rows.append({"t": tt, "method": method, "jsd": metrics.histogram_jsd(x, test, bins),
                         "jsd_noise_floor": floor_jsd, "jsd_resampling_floor": resampled,
                         "energy_distance": metrics.energy_distance(_subset(x, rng), test_e),
                         "energy_distance_noise_floor": floor_ed, "basins": basins, "basins_other": other,
                         "basins_truth": truth_basins, "basins_truth_other": truth_other,
                         "basins_train": train_basins,
                         "basin_minima": minima.tolist(), "n": len(x), "n_test": n})
        if progress:
            progress(done + 1, len(indices))
    return Comparison(rows, samples, energies)


# -- thermodynamics of the driving ------------------------------------------------------------------------------
def _exp_average(values: np.ndarray) -> tuple[float, float, float]:
    """(⟨e^{−v}⟩, its standard error, the effective sample size (Σw)²/Σw² of the weights e^{−v})."""
    shift = float(values.min())
    w = np.exp(-(values - shift))
    mean, se = mean_se(w)
    return mean * math.exp(-shift), se * math.exp(-shift), float(w.sum() ** 2 / (w * w).sum())


def thermodynamics(run, cp: CompiledPotential, beta: float, equilibrium_box: tuple | None = None,
                   points: int = 11) -> dict:
    """Work, heat and medium entropy of all particles at ``points`` recording times (means ± standard errors); the
    mean power over the run's second half; Jarzynski's check when the particles started from the Boltzmann law
    of V(0,·) on ``equilibrium_box`` = (low, high) (its grid gives F(t))."""
    if run.work is None:
        raise PDEInputError("the run kept no work; simulate with work=True")
    Q = run.heat(cp)
    idx = np.unique(np.linspace(0, len(run.times) - 1, points).round().astype(int))
    rows = []
    F0 = None
    if equilibrium_box is not None:
        edges = [np.linspace(equilibrium_box[0], equilibrium_box[1], 31)] * cp.d
        F0 = BoltzmannGrid(cp, beta, 0.0, edges).free_energy
    for r in idx:
        W = run.work[r]
        row = {"t": float(run.times[r])}
        for key, v in (("work", W), ("heat", Q[r]), ("medium_entropy", beta * Q[r])):
            row[key], row[key + "_se"] = mean_se(v)
        if F0 is not None and r > 0:
            dF = BoltzmannGrid(cp, beta, float(run.times[r]), edges).free_energy - F0
            mean, se, ess = _exp_average(beta * W)
            row.update(jarzynski_mean=mean, jarzynski_se=se, jarzynski_ess=ess, exp_minus_beta_dF=math.exp(-beta * dF),
                       delta_F=dF, jarzynski_free_energy=-math.log(mean) / beta if mean > 0 else None)
            row["jarzynski_checked"] = ess >= MIN_ESS_SHARE * len(W)
            row["jarzynski_holds"] = (abs(mean - math.exp(-beta * dF)) <= ALPHA_SE * se) if row["jarzynski_checked"] \
                else None
        rows.append(row)
    half = len(run.times) // 2
    span = float(run.times[-1] - run.times[half])
    power = (run.work[-1] - run.work[half]) / span if span > 0 else np.zeros(1)
    p, p_se = mean_se(power)
    out = {"rows": rows, "power": p, "power_se": p_se, "entropy_production_rate": beta * p,
           "entropy_production_rate_se": beta * p_se, "power_from": float(run.times[half]),
           # ⟨W⟩ ≥ ΔF needs an equilibrium start: from any other law the work may well be below ΔF
           "second_law": all(r["work"] + ALPHA_SE * r["work_se"] >= r["delta_F"] for r in rows if "delta_F" in r)
           if F0 is not None else None,
           "convention": "W: time moved with the particle held; Q = W − ΔV; medium entropy βQ; in a periodic "
                         "steady state ΔV and the system entropy average out, so β·power is the entropy "
                         "production rate"}
    if F0 is not None:
        checked = [r for r in rows if r.get("jarzynski_checked")]
        out["jarzynski"] = {"applies": True, "checked_times": [r["t"] for r in checked],
                            "holds": all(r["jarzynski_holds"] for r in checked) if checked else None}
    else:
        out["jarzynski"] = {"applies": False, "why": "the particles did not start from the Boltzmann law of V(0,·) "
                                                     "(use --init boltzmann:LOW,HIGH)"}
    return out

