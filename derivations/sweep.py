"""Parameter sweeps: Eq. 16, C1/C2 or the learned-free generator at every point of a grid of parameter values
(a phase diagram), run through Dask — a LocalCluster on this machine, or an existing cluster by address.

    spec = Sweep("phi_t - a*lap(phi)", {"a": "real"}, {"a": grid_values("-2:2:41")}, what="check")
    points = run(spec, out_dir, client)          # resumable: points already in out_dir/sweep.json are kept

What a task gets is plain data (the PDE's text, the assumptions, the values, the options), never a compiled
function: each worker parses and derives the PDE itself, once per process (`_pipeline`), without the symbolic
time budget — the client ran the same steps under the budget first (`prepare`), so they are known to finish,
and a worker started by `dask worker` is a daemonic process, which may not fork the budget's child.

Per point, "holds" is
- check: Eq. 16 from the numeric scan at the point (an independent route), beside "symbolic", the symbolic
  region's verdict there (None where the symbolic route has no region);
- derive: C1 and C2 both hold at the point in every dimension (`derive.conditions_at`);
- generate: the generator's samples pass the two-sample test against held-out data (REPRODUCED).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import os
from dataclasses import asdict, dataclass, field

import numpy as np

from analytic.errors import GenphysError, PDEInputError
from analytic.grammar import parse
from . import parallel
from .result_forms import jsonable

WHAT = ("check", "derive", "generate")
#: the most grid points one sweep may have (each is at least a numeric scan)
MAX_POINTS = 100_000


@dataclass(frozen=True)
class Sweep:
    """What to sweep: the PDE (text and assumptions), the grid (name -> values), the question, its options."""

    pde: str
    params: dict
    grid: dict
    what: str = "check"
    dim: int = 2
    mode: str | None = None
    options: dict = field(default_factory=dict)  # generate: data, n_data, n_samples, steps, seed

    def points(self) -> list[dict]:
        names = list(self.grid)
        return [dict(zip(names, combo)) for combo in itertools.product(*(self.grid[n] for n in names))]

    def to_json(self) -> dict:
        return asdict(self)


def grid_values(text: str) -> list[float]:
    """"LO:HI:COUNT" (COUNT equally spaced values, ends included) or a comma list of numbers."""
    parts = text.split(":")
    try:
        if len(parts) == 3:
            lo, hi, count = float(parts[0]), float(parts[1]), int(parts[2])
            if count < 1 or not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError
            return [float(v) for v in np.linspace(lo, hi, count)]
        if len(parts) == 1:
            values = [float(v) for v in text.split(",")]
            if all(math.isfinite(v) for v in values):
                return values
    except ValueError:
        pass
    raise PDEInputError(f"--grid value {text!r}: write LO:HI:COUNT (e.g. -2:2:41) or a comma list of numbers")


def _key(values: dict) -> tuple:
    return tuple(sorted((name, repr(float(v))) for name, v in values.items()))


def prepare(spec: Sweep, budget: float | None):
    """Check the sweep on the client before any task runs: the PDE parses, the grid names its parameters and
    respects their assumptions; the symbolic steps finish within ``budget``. Returns the symbolic criterion
    (its condition is the phase diagram's boundary)."""
    if spec.what not in WHAT:
        raise PDEInputError(f"--what {spec.what!r} is not known; use check, derive or generate")
    pde = parse(spec.pde, spec.params, dim=spec.dim)
    names = {p.name for p in pde.parameters}
    if not names:
        raise PDEInputError(f"{pde.canonical} has no parameters to sweep; give the PDE a parameter (e.g. a*lap(phi))")
    unknown = set(spec.grid) - names
    if unknown:
        raise PDEInputError(f"--grid {sorted(unknown)[0]}: not a parameter of {pde.canonical} "
                            f"(its parameters: {', '.join(sorted(names))})")
    missing = names - set(spec.grid)
    if missing:
        raise PDEInputError(f"parameter {sorted(missing)[0]} has no --grid; give every parameter one, e.g. "
                            f"--grid {sorted(missing)[0]}=-2:2:41")
    count = math.prod(len(v) for v in spec.grid.values())
    if count > MAX_POINTS:
        raise PDEInputError(f"the grid has {count} points, more than {MAX_POINTS}; use fewer values per parameter")
    for name, values in spec.grid.items():
        assumption = pde.parameter(name).assumption
        bad = [v for v in values if not _ADMITS[assumption](v)]
        if bad:
            raise PDEInputError(f"--grid {name}: {bad[0]:g} is outside its assumption ({assumption}); change "
                                f"--param {name}=… or the grid")
    if spec.what == "check":
        from .check import check
        return check(pde, spec.mode, budget).criterion
    from .derive import derive
    return derive(pde, spec.mode, spec.dim, budget, conditions=False).result.criterion


_ADMITS = {"real": lambda v: True, "positive": lambda v: v > 0, "negative": lambda v: v < 0,
           "nonnegative": lambda v: v >= 0, "nonpositive": lambda v: v <= 0, "nonzero": lambda v: v != 0}


@functools.lru_cache(maxsize=4)
def _pipeline(text: str, params: tuple, what: str, dim: int, mode: str | None):
    """The parsed PDE and its check or derivation, once per worker process."""
    pde = parse(text, dict(params), dim=dim)
    if what == "check":
        from .check import check
        return pde, check(pde, mode, None)
    from .derive import derive
    return pde, derive(pde, mode, dim, None, conditions=False)


def point(spec_json: dict, values: dict) -> dict:
    """One grid point (a Dask task): {"values", "holds", …} — see the module docstring for "holds"."""
    spec = Sweep(**spec_json)
    pde, done = _pipeline(spec.pde, tuple(sorted(spec.params.items())), spec.what, spec.dim, spec.mode)
    row = {"values": dict(values)}
    try:
        if spec.what == "check":
            from numeric.dispersion_scan import scan
            found = scan(pde, done.mode, [values])[0]
            row.update(holds=found.holds, symbolic=done.criterion.predict(pde, values), E0=found.E0,
                       worst_gap=found.worst_gap, note=found.note)
        elif spec.what == "derive":
            from .derive import conditions_at
            c1, c2 = conditions_at(done, values)
            tallies = [c.holds for c in c1 + c2]
            row.update(holds=None if None in tallies else all(tallies),
                       C1=[c.holds for c in c1], C2=[c.holds for c in c2], dims=[c.N for c in c1],
                       reasons=[c.reason for c in c1 + c2])
        else:
            from .generate import data_splits, generate, outcome
            o = spec.options
            splits = data_splits(o.get("data", "moons"), o.get("n_data", 2000),
                                 np.random.default_rng(o.get("seed", 0)), spec.dim)
            g = generate(done, splits, values=values, n_samples=o.get("n_samples", 10000),
                         steps=o.get("steps", 100), seed=o.get("seed", 0), device="cpu")
            result = outcome(g)
            row.update(holds=result.value == "reproduced", outcome=result.value,
                       p_value=g.metrics["test"]["p_value"], energy_distance=g.metrics["energy_distance"],
                       findings=g.findings)
    except GenphysError as exc:  # this point cannot be computed: say why, keep the sweep going
        row.update(holds=None, error=" ".join(str(exc).split()))
    return jsonable(row)


def load(path: str, spec: Sweep) -> list[dict]:
    """The points already in ``path`` (a sweep.json of the same sweep), else []; a different sweep is an error."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        try:
            saved = json.load(fh)
        except json.JSONDecodeError:
            raise PDEInputError(f"{path} is not a sweep.json (not JSON); remove it or choose another --out") from None
    if saved.get("sweep", {}) | {"grid": None} != spec.to_json() | {"grid": None}:
        raise PDEInputError(f"{path} holds a different sweep ({saved.get('sweep', {}).get('pde')!r}, "
                            f"--what {saved.get('sweep', {}).get('what')}); choose another --out to keep both")
    return list(saved.get("points", []))


def save(path: str, spec: Sweep, points: list[dict], extra: dict) -> list[dict]:
    """sweep.json, replaced atomically (an interrupted sweep leaves the previous file whole); the points as
    written, in grid order."""
    order = {_key(v): i for i, v in enumerate(spec.points())}
    points = sorted(points, key=lambda p: order.get(_key(p["values"]), len(order)))
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"sweep": spec.to_json(), **extra, "points": points}, fh, indent=1, allow_nan=False)
    os.replace(tmp, path)
    return points


def run(spec: Sweep, path: str, client=None, extra: dict | None = None, progress=None) -> list[dict]:
    """Every point of ``spec`` not already in ``path``, through ``client`` (a dask.distributed Client; None:
    in this process, one after another); ``path`` is rewritten as each point finishes."""
    done = load(path, spec)
    have = {_key(p["values"]) for p in done}
    todo = [v for v in spec.points() if _key(v) not in have]
    total = len(done) + len(todo)
    extra = extra or {}
    if progress:
        progress(len(done), total, f"{len(done)} already done")
    for _, row in parallel.completed(client, point, [(spec.to_json(), v) for v in todo]):
        done.append(row)
        save(path, spec, done, extra)
        if progress:
            progress(len(done), total, ", ".join(f"{k} = {v:g}" for k, v in row["values"].items()))
    return save(path, spec, done, extra)  # also when nothing was left to do: the condition may be new
