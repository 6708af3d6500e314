"""The thermodynamics pipeline of one SDE and one data set: the JSON-ready results of `genphys thermo`.

    SDE text → SDE (analytic.sde_grammar) → linear class with f, Ξ checked (analytic.sde.linear)
             → Process with parameter values (numeric.linear_sde) → marginals p_t of the data
             → rates / trajectories / speciation / phase diagram / Franz–Parisi.
Data: a Gaussian-mixture JSON file, any data source `generate` accepts (a built-in set name, .npy,
.csv: point masses whose marginals are heat kernels, evaluated by the learned-free EmpiricalField),
or, with no data given, the paper's symmetric mixture ½N(μ, σ²I) + ½N(−μ, σ²I) in d dimensions.
"""

from __future__ import annotations

import math
import os

import numpy as np

from analytic.errors import PDEInputError
from analytic.sde import SDE, linear, t
from analytic.speciation import centre_curvature, mu, sigma2, tail_curvature
from analytic.sde_grammar import parse_sde, sde_values
from numeric import datasets
from numeric.lambdified import np_function
from numeric.landscape import (NOTIONS, franz_parisi, last_sign_change, profile, speciation_time, symmetric,
                               time_grid, unstable_time)
from numeric.mixture import GaussianMixture, empirical
from numeric.linear_sde import RATE_KEYS, Process, rates_monte_carlo, rates_quadrature, simulate
from .generate import heat_derivation
from .fields import field

CONVENTIONS = {"temperature": 1, "k_B": 1, "logarithm": "natural", "diffusion": "D = g²/2 per coordinate",
               "time": "forward time t; the reversal runs in s = T − t",
               "entropy_flux": "φ = ∫ b·J/D (heat to the environment per unit time)",
               "entropy_production": "π = ∫ |J|²/(D p) ≥ 0", "entropy_rate": "dS/dt = π − φ, S = −∫ p ln p"}
METHODS = ("quadrature", "monte-carlo")
DEFAULT_DRAWS = 100_000


def paper_mixture(mu: float = 1.0, sigma2: float = 1.0, d: int = 1) -> GaussianMixture:
    """Yu & Huang Eq. 4/65: ½N(μ1, σ²I) + ½N(−μ1, σ²I) (every component of the mean equal to μ)."""
    if not (math.isfinite(mu) and math.isfinite(sigma2)) or sigma2 <= 0:
        raise PDEInputError(f"the paper's mixture needs a finite μ and σ² > 0; got μ = {mu}, σ² = {sigma2}")
    m = np.full(d, float(mu))
    C = sigma2 * np.eye(d)
    return GaussianMixture([0.5, 0.5], [m, -m], [C, C], name="the paper's mixture")


class EmpiricalData(GaussianMixture):
    """Point masses y_i with weights w_i. At t > 0 the marginal Σ w_i N(f y_i, Ξ I) is a rescaled heat kernel of
    the points themselves: p_t(x) = f^{−d} p̃(x/f, τ) with τ = Ξ/(2f²) and p̃ = Σ w_i (4πτ)^{−d/2} e^{−|x − y_i|²/4τ}
    the EmpiricalField of φ_t = Δφ (whose velocity is −∇ ln p̃). So one field, built once, serves every t
    (tiles, numba, CuPy: the learned-free machinery); Δ ln p, not a field quantity, stays on the mixture route."""

    def __init__(self, points, weights=None, name: str = "data"):
        base = empirical(points, weights)
        super().__init__(base.weights, base.means, isotropic=0.0, name=name)
        self._field = None

    def field(self):
        if self._field is None:
            self._field = field(heat_derivation(self.d), self.means, self.weights, device="auto")
        return self._field

    def propagated(self, f, Xi):
        out = super().propagated(f, Xi)
        if out.isotropic is None:  # axes with different f or Ξ: the mixture route
            return out
        return HeatFieldMixture(self, float(np.broadcast_to(f, (self.d,))[0]), out)


class HeatFieldMixture(GaussianMixture):
    """The marginal of ``EmpiricalData`` at t > 0, evaluated through the data's heat field (see there)."""

    def __init__(self, source: EmpiricalData, f: float, mixture: GaussianMixture):
        super().__init__(mixture.weights, mixture.means, isotropic=mixture.isotropic, name="data at t")
        self.source, self.f = source, f

    def evaluate(self, x, score: bool = True, laplacian: bool = False):
        if laplacian:
            return super().evaluate(x, score, laplacian)
        fld = self.source.field()
        y = np.asarray(x, dtype=float).reshape(-1, self.d) / self.f
        tau = self.isotropic / (2 * self.f**2)
        log_p = fld.log_density(y, tau) - self.d * math.log(self.f)
        return log_p, (-fld.velocity(y, tau) / self.f if score else None), None


def load_data(source: str | None, mu: float = 1.0, sigma2: float = 1.0, dim: int | None = None,
              n: int = 2000, seed: int = 0) -> GaussianMixture:
    """A mixture from ``source`` (module docstring); ``dim`` checks (or, for built-in sets, sets) the dimension."""
    if source is None:
        return paper_mixture(mu, sigma2, dim or 1)
    if source.lower().endswith(".json"):
        data = GaussianMixture.load(source)
    else:
        if source in datasets.BUILTIN:
            points = datasets.make(source, n, np.random.default_rng(seed), dim or 2) if source != "digits" \
                else datasets.digits()
        elif os.path.exists(source):
            points = datasets.load(source)
        else:
            raise PDEInputError(f"data {source!r} is neither a file nor a built-in set; give a mixture .json, a "
                                f".npy/.csv of points, or one of {', '.join(sorted(datasets.BUILTIN))}")
        data = EmpiricalData(points, name=source)
    if dim is not None and data.d != dim:
        raise PDEInputError(f"the data have d = {data.d} but --dim {dim} was asked for; drop --dim or give matching data")
    return data


def process(sde: SDE | str, data: GaussianMixture, values: dict | None = None,
            params: dict | None = None) -> Process:
    """The numeric linear process of ``sde`` (text or SDE) in the data's dimension."""
    if isinstance(sde, str):
        sde = parse_sde(sde, params)
    return Process(linear(sde), sde_values(sde, values), data.d)


def _times(times) -> list[float]:
    out = [float(t) for t in times]
    if not out or any(not math.isfinite(t) or t < 0 for t in out):
        raise PDEInputError(f"times must be finite and ≥ 0; got {times}")
    return out


def rates(proc: Process, data: GaussianMixture, times, method: str | None = None, draws: int = DEFAULT_DRAWS,
          seed: int = 0, progress=None) -> dict:
    """{"rates": [{"t", key: value, key_error: error …}], "conventions", "method"} (module docstring)."""
    method = method or ("quadrature" if data.d <= 2 else "monte-carlo")
    if method not in METHODS:
        raise PDEInputError(f"method {method!r} is not known; use quadrature or monte-carlo")
    times = _times(times)
    if isinstance(data, EmpiricalData) and 0 in times:
        raise PDEInputError("point-mass data have no density at t = 0: give times > 0")
    rng = np.random.default_rng(seed)
    rows = []
    for i, tt in enumerate(times):
        est = (rates_quadrature(proc, data, tt) if method == "quadrature"
               else rates_monte_carlo(proc, data, tt, draws, rng))
        row = {"t": tt}
        for key in RATE_KEYS:
            row[key] = est[key].value
            row[key + "_error"] = est[key].error
        rows.append(row)
        if progress:
            progress(i + 1, len(times))
    error = ("|full − half-resolution trapezoid grid| + rounding" if method == "quadrature"
             else f"standard error of the mean over {draws} exact draws of p_t")
    return {"rates": rows, "conventions": CONVENTIONS, "method": method, "error": error}


def speciation(proc: Process, data: GaussianMixture, t_max: float = 20.0) -> dict:
    """{"t_S": {notion: t or None}, "t_USB": {…}, "methods": {…}} for every notion of the potential."""
    out = {"t_S": {}, "t_USB": {}, "methods": {"t_S": {}, "t_USB": {}}, "symmetric": symmetric(data)}
    for notion in NOTIONS:
        for key, fn in (("t_S", speciation_time), ("t_USB", unstable_time)):
            value, method = fn(proc, data, notion, t_max)
            out[key][notion] = None if value is None else float(value)
            out["methods"][key][notion] = method
    return out


def trajectories(proc: Process, data: GaussianMixture, T: float, dt: float, n: int, seed: int = 0,
                 direction: str = "forward", rule: str = "mid", t0: float = 0.0, progress=None):
    """The simulated paths (numeric.linear_sde.Trajectories); point-mass data need t0 > 0."""
    if isinstance(data, EmpiricalData) and t0 == 0:
        raise PDEInputError("point-mass data have no density at t = 0, so ΔS_sys is undefined: pass --t0 > 0")
    return simulate(proc, data, T, dt, n, np.random.default_rng(seed), direction, rule, t0, progress=progress)


PHASES = ("symmetry breaking", "symmetry un-breaking", "unstable symmetry breaking")


def phase_diagram(proc: Process, mus, sigma2s, notion: str = "drift_potential", progress=None,
                  checks: int = 9) -> dict:
    """The phase of ½N(μ, σ²) + ½N(−μ, σ²) (d = 1) on a grid (Fig. 5): unstable where t_USB ≥ 0, else
    breaking where t_S > 0, else un-breaking. The times come from the closed-form curvatures
    (analytic.speciation) root-found per grid point; ``checks`` points spread over the grid are recomputed
    on the landscape route (numeric.landscape) and the largest difference is reported."""
    if proc.d != 1:
        raise PDEInputError("the phase diagram is over 1-D symmetric mixtures; use a process in d = 1")
    mus, sigma2s = [float(m) for m in mus], [float(s) for s in sigma2s]
    args = (t, mu, sigma2)
    centre = np_function(centre_curvature(proc.lin, notion).subs(proc.values), args)
    tail = np_function(tail_curvature(proc.lin, notion).subs(proc.values), args)
    size = np_function((abs(proc.lin.a[0]) + (proc.lin.sde.D[0] + 1) * tail_curvature(proc.lin, "density"))
                       .subs(proc.values), args)
    times = time_grid(20.0)

    def root(fn, m, s2):
        scalar = lambda tt: float(np.real(fn(tt, m, s2)))
        values = np.real(fn(times, m, s2)) * np.ones_like(times)
        return last_sign_change(times, values, np.real(size(times, m, s2)) * np.ones_like(times), scalar)

    grid = []
    for i, s2 in enumerate(sigma2s):
        row = []
        for m in mus:
            t_S, t_USB = root(centre, m, s2), root(tail, m, s2)
            phase = 2 if t_USB is not None and t_USB >= 0 else 0 if t_S is not None and t_S > 0 else 1
            row.append({"mu": m, "sigma2": s2, "phase": PHASES[phase], "t_S": t_S, "t_USB": t_USB})
        grid.append(row)
        if progress:
            progress(i + 1, len(sigma2s))
    worst = 0.0
    picks = np.linspace(0, len(mus) * len(sigma2s) - 1, min(checks, len(mus) * len(sigma2s))).astype(int)
    for index in picks:
        cell = grid[index // len(mus)][index % len(mus)]
        data = paper_mixture(cell["mu"], cell["sigma2"], 1)
        for key, fn in (("t_S", speciation_time), ("t_USB", unstable_time)):
            value = fn(proc, data, notion)[0]
            if (value is None) != (cell[key] is None):
                worst = math.inf
            elif value is not None:
                worst = max(worst, abs(value - cell[key]))
    return {"notion": notion, "mu": mus, "sigma2": sigma2s, "phases": PHASES, "grid": grid,
            "method": "closed-form curvature at the centre and at infinity (SymPy), root-found per point",
            "checked": {"points": len(picks), "largest_difference": worst,
                        "route": "root-finding on the landscape (numeric.landscape)"}}


def franz_parisi_curves(proc: Process, data: GaussianMixture, times, q, pairs: int = 100_000, seed: int = 0,
                        distance: str = "squared") -> dict:
    """V(q, t) and its q-derivatives with standard errors at each t (Fig. 11)."""
    rng = np.random.default_rng(seed)
    curves = []
    for tt in _times(times):
        fp = franz_parisi(proc, data, tt, np.asarray(q, float), pairs, rng, distance)
        curves.append({"t": tt, **{key: ([e.as_json() for e in value] if key != "q" else value)
                                   for key, value in fp.items()}})
    return {"distance": distance, "pairs": pairs, "curves": curves,
            "convention": ("q is the squared distance (x0 − x0')², Eq. 74; Z carries the Jacobian 1/(2√q)"
                           if distance == "squared" else "q is the distance |x0 − x0'| (Eq. 70's words)")}


def profiles(proc: Process, data: GaussianMixture, times, notion: str) -> list[dict]:
    """U(λ) along the data's line at each t (Figs. 4, 6)."""
    out = []
    for tt in _times(times):
        lam, U = profile(proc, data, tt, notion, points=400)
        out.append({"t": tt, "lambda": lam.tolist(), "U": U.tolist()})
    return out
