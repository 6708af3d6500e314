"""Benchmark: driven overdamped Langevin in 2-D (issue 16's target: 10⁵ particles × 2·10⁴ steps in minutes).

    python benchmarks/langevin.py [--n 100000] [--steps 20000]

The potential is Beyond Equilibrium's rotating ring of wells (derivations.driven_claims.CORRECTED), Euler–Maruyama
with step 10⁻³, recorded every 1.0 (21 snapshots), with the per-particle work (two V evaluations a step) and
without it; side by side, the same loop with a hand-written NumPy force (no symbolic compilation) for the cost of
the compiled symbolic force. Prints one JSON line per measurement, with the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from derivations.driven import compiled  # noqa: E402
from derivations.driven_claims import CORRECTED  # noqa: E402
from numeric.langevin import simulate  # noqa: E402


def _line(**fields) -> None:
    print(json.dumps({**fields, "load_1min": round(os.getloadavg()[0], 2)}), flush=True)


def _hand_written(x0, beta, steps, step, rng):
    """The same Euler–Maruyama loop with the force of CORRECTED written out by hand."""
    x = x0.copy()
    scale = math.sqrt(2 * step / beta)
    for k in range(steps):
        tt = k * step
        r2 = (x ** 2).sum(1)
        r = np.sqrt(r2)
        s = np.sin(math.pi / 2 * tt - 5 * np.arctan2(x[:, 1], x[:, 0]))
        radial = 20 * (r - 0.5) / r
        fx = -x[:, 0] * radial + 5 * x[:, 1] / r2 * s
        fy = -x[:, 1] * radial - 5 * x[:, 0] / r2 * s
        x = x + step * np.stack([fx, fy], axis=1) + scale * rng.standard_normal(x.shape)
    return x


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=20_000)
    ap.add_argument("--short", type=int, default=2000, help="steps of the side-by-side runs (default 2000)")
    args = ap.parse_args(argv)
    cp = compiled(CORRECTED, beta=10.0)
    step = 1e-3
    rng = np.random.default_rng(0)
    x0 = rng.uniform(-1, 1, (args.n, 2))
    start = time.perf_counter()
    run = simulate(cp, x0, 10.0, args.steps * step, args.steps * step / 20, step, "em", rng)
    _line(what="workbench, with work", n=args.n, steps=args.steps, seconds=time.perf_counter() - start,
          finite=bool(np.all(np.isfinite(run.snapshots[-1]))))
    for label, work in (("workbench, with work", True), ("workbench, without work", False)):
        start = time.perf_counter()
        simulate(cp, x0, 10.0, args.short * step, args.short * step / 2, step, "em", rng, work=work)
        _line(what=label, n=args.n, steps=args.short, seconds=time.perf_counter() - start)
    start = time.perf_counter()
    _hand_written(x0, 10.0, args.short, step, rng)
    _line(what="hand-written NumPy force, no work", n=args.n, steps=args.short, seconds=time.perf_counter() - start)


if __name__ == "__main__":
    main()
