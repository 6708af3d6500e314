"""Benchmark: the learned-free generator on two moons (run by hand, not a test).

    python benchmarks/generate.py [--n-data 2000] [--n-samples 10000] [--steps 100]

Diffusion and Poisson, exact prior, Heun: wall time of the integration (numba compiled first,
outside the timing), NFE, and the energy distance against the data-split baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytic.grammar import parse  # noqa: E402
from derivations.derive import derive  # noqa: E402
from derivations.generate import data_splits, generate, outcome  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-data", type=int, default=2000)
    ap.add_argument("--n-samples", type=int, default=10000)
    ap.add_argument("--steps", type=int, default=100)
    args = ap.parse_args(argv)
    splits = data_splits("moons", args.n_data, np.random.default_rng(0))
    for name, text in (("diffusion", "phi_t - lap(phi)"), ("poisson", "phi_tt + lap(phi)")):
        d = derive(parse(text), dim=2, conditions=False)
        generate(d, splits, n_samples=4, steps=1)  # compile outside the timing
        g = generate(d, splits, n_samples=args.n_samples, steps=args.steps)
        print(json.dumps({"pde": name, "backend": g.field.backend, "nfe": g.run.nfe, "wall_s": round(g.run.wall_s, 2),
                          "energy_distance": g.metrics["energy_distance"],
                          "energy_distance_baseline": g.metrics["energy_distance_baseline"],
                          "outcome": outcome(g)}))


if __name__ == "__main__":
    main()
