"""Benchmark: the stochastic-thermodynamics layer at the Yu & Huang settings (run by hand, not a test).

    python benchmarks/thermo.py [--peer PATH_TO_PEER_REPO]

- trajectories: 10 000 paths × 1000 steps (T = 10, dt = 0.01, μ = 1, σ² = 1), forward and reverse,
  with per-path entropy changes (target: under 10 s each);
- Monte Carlo rates in d = 64 with 10⁵ exact draws at one time (target: under 30 s);
- side by side, when --peer names a checkout of github.com/yuzd610/Nonequilbrium-physics-of-generative-
  diffusion-models: its own scripts for Figs 3 and 8 (Hforward.py, Hbackward.py: the same 10 000 × 1000
  simulation and entropy sums) run unchanged in a scratch folder with a non-interactive matplotlib.
Prints one JSON line per measurement, with the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from derivations import thermo  # noqa: E402
from numeric.linear_sde import simulate  # noqa: E402

PEER_SCRIPTS = ("Hforward.py", "Hbackward.py")


def _line(**fields) -> None:
    print(json.dumps({**fields, "load_1min": round(os.getloadavg()[0], 2)}), flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peer", default=None, help="a checkout of the Yu & Huang code (optional)")
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args(argv)
    data = thermo.paper_mixture(1.0, 1.0, 1)
    proc = thermo.process("ou", data)
    for direction in ("forward", "reverse"):
        start = time.perf_counter()
        paths = simulate(proc, data, 10.0, 0.01, args.n, np.random.default_rng(0), direction, stored=0)
        wall = time.perf_counter() - start
        s = paths.summary()
        _line(what=f"trajectories {direction}", paths=args.n, steps=paths.steps, wall_s=round(wall, 2),
              mean_exp_minus_dS_tot=round(s["mean_exp_minus_dS_tot"], 4), se=round(s["se_exp_minus_dS_tot"], 4))
    data64 = thermo.paper_mixture(1.0, 1.0, 64)
    proc64 = thermo.process("ou", data64)
    start = time.perf_counter()
    rates = thermo.rates(proc64, data64, [0.5], "monte-carlo", 100_000)
    row = rates["rates"][0]
    _line(what="monte-carlo rates d=64", draws=100_000, wall_s=round(time.perf_counter() - start, 2),
          entropy_production=round(row["entropy_production"], 4), error=round(row["entropy_production_error"], 4))
    if args.peer:
        folder = Path(args.peer) / "Nonequilbrium physics of generative diffusion models" / \
            "Histogram of trajectory statistics"
        for script in PEER_SCRIPTS:
            with tempfile.TemporaryDirectory() as scratch:
                start = time.perf_counter()
                done = subprocess.run([sys.executable, str(folder / script)], cwd=scratch, capture_output=True,
                                      text=True, env={**os.environ, "MPLBACKEND": "Agg"})
                _line(what=f"peer {script}", wall_s=round(time.perf_counter() - start, 2), rc=done.returncode,
                      note="its 10 000 × 1000 simulation, entropy sums and histograms, as published")


if __name__ == "__main__":
    main()
