"""`genphys generate` and `genphys verify`: run a PDE's learned-free generator on data, and score it.

Times are chosen from the PDE's own kernel width ℓ(t) (the 1/k where |p̃(k, t)/p̃(0, t)| = 1/e, as
in the C1 scan): T where ℓ(T) = 3 × the data's RMS radius (the prior has
forgotten the data: C2 in practice), t_min where ℓ(t_min) = 10⁻³ × that radius (samples are the
data smoothed by the PDE's kernel at t_min; exact fields memorise — the metrics say how much).
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass, field

import numpy as np

from analytic.budget import DEFAULT_BUDGET_S
from analytic.errors import GenphysError, NotSupportedError, PDEInputError
from analytic.outcome import GeneratorOutcome
from numeric import datasets, metrics
from numeric.empirical import _checked_points
from numeric.particles import heavy_share, integrate, log_times, sample_prior
from numeric.kernels import RadialKernels
from analytic.grammar import parse
from .derive import Derivation, derive
from .fields import field as make_field

T_WIDTH, TMIN_WIDTH = 3.0, 1e-3
logger = logging.getLogger("genphys")


def time_for_width(kernels: RadialKernels, target: float) -> float:
    """The t with ℓ(t) = target, ℓ the kernels' width, by bisection in log t over [1e-20, 1e12] (ℓ grows with t;
    where there is no width — |p̃| does not fall for k ≤ 1e16, or its mass underflowed — the kernel counts as
    narrower than 1e-16, as it is when t → 0)."""
    def width(tt: float) -> float:
        found = kernels.width(tt)
        return 1e-16 if found is None else found

    lo, hi = math.log(1e-20), math.log(1e12)
    if width(math.exp(lo)) > target or width(math.exp(hi)) < target:
        raise NotSupportedError(f"no t in [1e-20, 1e12] where the kernel width is {target:.3g}; pass T and t_min")
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if width(math.exp(mid)) < target else (lo, mid)
    return math.exp((lo + hi) / 2)


@functools.lru_cache(maxsize=None)
def heat_derivation(dim: int) -> Derivation:
    """φ_t = Δφ in ``dim`` dimensions, derived once per session (the learned-free diffusion generator's PDE)."""
    return derive(parse("phi_t - lap(phi)"), dim=dim, conditions=False)


@dataclass
class Splits:
    train: np.ndarray
    held_out: np.ndarray
    baseline: np.ndarray
    name: str


MIN_FILE_ROWS = 8  # train, held-out and baseline splits of at least two points each


def data_splits(source: str, n_data: int, rng: np.random.Generator, N: int | None = None) -> Splits:
    """Train / held-out / baseline sets: fresh draws of a built-in set, or a shuffled user file.

    ``N``: the dimension asked for (toy sets are embedded in it; digits and files must have it)."""
    if source in datasets.BUILTIN:
        if source == "digits":
            if N not in (None, 64):
                raise PDEInputError(f"the digits are 64-dimensional; got --dim {N} (drop --dim or use --dim 64)")
            pool = datasets.digits()[rng.permutation(1797)]
            third = len(pool) // 3
            splits = Splits(pool[:min(n_data, third)], pool[third:2 * third], pool[2 * third:], source)
            _note_reduced(n_data, len(splits.train), source)
            return splits
        return Splits(*(datasets.make(source, n_data, rng, N or 2) for _ in range(3)), source)
    data = datasets.load(source, min_rows=MIN_FILE_ROWS)
    if N is not None and data.shape[1] != N:
        raise PDEInputError(f"data file {source!r} has {data.shape[1]} columns but --dim {N} was asked for; "
                            "drop --dim (the data's dimension is used) or give matching data")
    return split_array(data, n_data, rng, f"data file {source!r}")


def split_array(data: np.ndarray, n_data: int | None, rng: np.random.Generator, name: str = "the data") -> Splits:
    """A shuffled array cut in halves and quarters: train (at most ``n_data`` of the first half), held-out and
    baseline (a quarter each)."""
    if len(data) < MIN_FILE_ROWS:
        raise PDEInputError(f"{name} has {len(data)} rows; the train, held-out and baseline splits need at least "
                            f"{MIN_FILE_ROWS}")
    if not np.any(np.ptp(data, axis=0) > 0):
        raise PDEInputError(f"{name}: every point is the same, so there is nothing to generate (the data's spread "
                            "is 0)")
    data = data[rng.permutation(len(data))]
    half, quarter = len(data) // 2, len(data) // 4
    n_data = half if n_data is None else n_data
    splits = Splits(data[:min(n_data, half)], data[half:half + quarter], data[half + quarter:], name)
    _note_reduced(n_data, len(splits.train), name)
    return splits


def _note_reduced(asked: int, given: int, source: str) -> None:
    if given < asked:
        logger.info("%d training points were asked for; %s has %d for training (the rest are the held-out "
                    "and baseline splits)", asked, source, given)


@dataclass
class Generation:
    """A generator run on data, its metrics, and everything needed to plot it."""

    derivation: Derivation
    params: dict
    splits: Splits
    field: object
    T: float
    t_min: float
    prior: str
    run: object
    metrics: dict
    flow: str
    findings: list = field(default_factory=list)

    @property
    def branching(self) -> bool:
        return carries_weights(self.derivation, self.flow)

    def summary(self) -> dict:
        m = self.metrics
        return {"pde": self.derivation.pde.canonical, "params": self.params, "data": self.splits.name,
                "n_data": len(self.splits.train), "n_samples": len(self.run.samples), "dimension": self.field.N,
                "prior": self.prior, "method": self.run.method, "steps": len(self.run.times) - 1,
                "T": self.T, "t_min": self.t_min, "nfe": self.run.nfe, "wall_s": self.run.wall_s,
                "backend": self.field.backend, "flow": self.flow, "branching": self.branching,
                "resamples": self.run.resamples,
                "final_ess": self.run.ess[-1][1] if self.run.ess else None, "findings": self.findings, **m}


def parameters_for(d: Derivation, params: dict | None) -> dict:
    """The user's values, else the first derive sample where C1 and C2 hold, else the first sample."""
    if params is not None or not d.pde.parameters:
        return dict(params or {})
    good = [s for s in d.samples if d._sample_ok(s)]
    return dict((good or d.samples or [{}])[0])


def carries_weights(d: Derivation, flow: str) -> bool:
    """Whether particles carry birth/death weights: R ≠ 0 and the branching flow."""
    return flow == "branching" and d.flow.R_hat != 0


def learned_free_run(d: Derivation, train: np.ndarray, params: dict, n_samples: int = 10000, steps: int = 100,
                     prior: str = "exact", method: str = "heun", T: float | None = None, t_min: float | None = None,
                     rng: np.random.Generator | None = None, device: str = "auto", dtype: str = "float64",
                     progress=None, flow: str = "branching", T_width: float = T_WIDTH):
    """(field, T, t_min, run): the prior at T sampled and integrated back to t_min through the exact field of
    ``train`` (times from the kernel width when not given: module docstring; ``T_width``: T's width in RMS radii)."""
    if n_samples < 2:
        raise PDEInputError(f"n_samples must be ≥ 2; got {n_samples}")
    rng = rng if rng is not None else np.random.default_rng(0)
    f = make_field(d, train, values=params, device=device, dtype=dtype, flow=flow)
    radius = float(np.sqrt(((train - train.mean(axis=0)) ** 2).sum(axis=1).mean()))
    T = T if T is not None else time_for_width(f.kernels, T_width * radius)
    t_min = t_min if t_min is not None else time_for_width(f.kernels, TMIN_WIDTH * radius)
    branching = carries_weights(d, flow)
    x0, log_w0 = sample_prior(f, T, n_samples, prior, rng, heavy_share(f) if branching else 0.0)
    run = integrate(f, x0, log_times(T, t_min, steps), method, branching=branching, rng=rng, progress=progress,
                    log_weights=log_w0)
    return f, T, t_min, run


def generate(d: Derivation, data, values: dict | None = None, n_samples: int = 10000, steps: int = 100,
             prior: str = "exact", method: str = "heun", T: float | None = None, t_min: float | None = None,
             seed: int = 0, device: str = "auto", dtype: str = "float64", progress=None,
             flow: str = "branching") -> Generation:
    """Sample the prior at T and integrate back to t_min; metrics against the held-out split.

    ``data``: an array (n, N), shuffled with ``seed`` and cut into train (half), held-out and baseline (a
    quarter each), or `Splits`. ``values``: a number for each PDE parameter (default: the first derive sample
    where C1 and C2 hold). ``flow`` (R ≠ 0 only): "branching" carries weights exp(−∫R/p dt); "balanced" moves
    the normalised density with no births or deaths (derivations.fields). ``progress(i, n)`` after each step."""
    splits = data if isinstance(data, Splits) else split_array(_checked_points("data", data), None,
                                                                np.random.default_rng(seed))
    params = parameters_for(d, values)
    f, T, t_min, run = learned_free_run(d, splits.train, params, n_samples, steps, prior, method, T, t_min,
                                        np.random.default_rng(seed), device, dtype, progress, flow)
    branching = carries_weights(d, flow)
    findings = list(run.findings)
    finite = np.all(np.isfinite(run.samples), axis=1)
    m = metrics.report(run.samples[finite], splits.held_out, splits.train, splits.baseline,
                       weights=run.weights[finite] if branching else None)
    m.update(prior_dependence(f, T, min(n_samples, 1000), seed))
    return Generation(d, params, splits, f, T, t_min, prior, run, m, flow, findings)


def prior_dependence(f, T: float, n: int, seed: int) -> dict:
    """C2 in practice: energy distance between the exact prior at T (the data mixture) and the
    data-independent one (the kernel around the data mean), beside that of two exact draws (noise).
    A separate random stream, so the run itself does not change."""
    rng = np.random.default_rng([seed, 1])
    exact, independent, again = (sample_prior(f, T, n, kind, rng)[0] for kind in ("exact", "independent", "exact"))
    return {"prior_gap": metrics.energy_distance(exact, independent),
            "prior_gap_noise": metrics.energy_distance(exact, again)}


def outcome(g: Generation) -> GeneratorOutcome:
    """FAILED when the run reported a defect; else the two-sample test of the samples against the
    held-out split (numeric.metrics.two_sample_test): REPRODUCED or POOR."""
    if g.findings:
        return GeneratorOutcome.FAILED
    return GeneratorOutcome.REPRODUCED if g.metrics["test"]["reproduced"] else GeneratorOutcome.POOR


def verify_one(d: Derivation, splits: Splits, n_samples: int, steps: int, seed: int,
               flow: str = "branching") -> tuple[dict, Generation | None]:
    """One row of the verification matrix (verdicts, generator outcome, metrics, a flag) and the run."""
    row = {"pde": d.pde.canonical, "flow": flow, "verdict": d.verdict, "criterion": d.result.criterion.holds.value,
           "C1": d.c1_holds.value, "C2": d.c2_holds.value, "generative": d.generative.value}
    g = None
    try:
        g = generate(d, splits, n_samples=n_samples, steps=steps, seed=seed, device="cpu", flow=flow)
        test = g.metrics["test"]
        result = outcome(g)
        row.update(outcome=result.value, params=g.params, p_value=test["p_value"], statistic=test["statistic"],
                   effect_size=test["effect_size"], n_test=test["n_used"],
                   energy_distance=g.metrics["energy_distance"],
                   energy_distance_baseline=g.metrics["energy_distance_baseline"], prior_gap=g.metrics["prior_gap"],
                   prior_gap_noise=g.metrics["prior_gap_noise"], nfe=g.run.nfe,
                   wall_s=g.run.wall_s, findings=g.findings)
    except GenphysError as exc:
        result = GeneratorOutcome.REFUSED
        row.update(outcome=result.value, findings=[str(exc)])
    row["contradiction"] = d.generative.may_generate != (result is GeneratorOutcome.REPRODUCED)
    return row, g


#: the standard 2-D case of `genphys verify` and of the report's verification matrix (two moons)
VERIFY_RUN = {"n_data": 300, "n_samples": 600, "steps": 40}


def verify(names: list[str] | None = None, n_data: int = VERIFY_RUN["n_data"],
           n_samples: int = VERIFY_RUN["n_samples"], steps: int = VERIFY_RUN["steps"], seed: int = 0,
           budget: float | None = DEFAULT_BUDGET_S, scheduler: str | None = "serial", workers: int | None = None,
           progress=None) -> list[dict]:
    """The verification matrix: each catalog entry's symbolic verdicts beside its generator on two moons, one
    row per entry (two for R ≠ 0: branching and balanced), in catalog order. ``names``: a subset of the catalog
    (default all). ``scheduler``: "serial" (this process), None (a LocalCluster, one worker per core) or a Dask
    scheduler's address (derivations.parallel). ``progress(done, total, name)`` as entries finish."""
    from . import parallel
    from .catalog import catalog_names

    names = catalog_names(names or None)
    jobs = [(name, n_data, n_samples, steps, seed, budget) for name in names]
    found = {}
    client = parallel.client_for(scheduler, workers)
    try:
        for i, rows in parallel.completed(client, verify_entry, jobs):
            found[i] = rows
            if progress:
                progress(len(found), len(jobs), names[i])
    finally:
        parallel.close(client)
    return [row for i in range(len(jobs)) for row in found[i]]


def verify_entry(name: str, n_data: int, n_samples: int, steps: int, seed: int, budget: float | None) -> list[dict]:
    """The verification rows of one catalog entry (one of `genphys verify`'s independent pieces): the generator
    on the moons (splits drawn from ``seed``, the same for every entry), and for R ≠ 0 also the birth-free flow."""
    from .catalog import entry

    splits = data_splits("moons", n_data, np.random.default_rng(seed))
    d = derive(entry(name).parse(), dim=2, budget=budget)
    row, _ = verify_one(d, splits, n_samples, steps, seed)
    rows = [{"name": name, **row}]
    if d.flow.R_hat != 0 and row["outcome"] != "refused":  # R ≠ 0: the birth-free flow as a second check
        row, _ = verify_one(d, splits, n_samples, steps, seed, flow="balanced")
        rows.append({"name": f"{name} (balanced)", **row})
    return rows
