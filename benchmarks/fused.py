"""Benchmark: the fused numba loops (numeric/compiled.py) at d = 2, 8192 queries × 8192 data points, float64 and
float32, heat and Poisson kernels; best of 5 velocity evaluations. Saves the velocities to an .npz so that two
versions of the loops can be compared for bit-identity (float64) and accuracy (float32).

    python benchmarks/fused.py OUT.npz
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytic.grammar import parse  # noqa: E402
from derivations.derive import derive  # noqa: E402
from derivations.fields import field  # noqa: E402

M = N = 8192


def main(path: str) -> None:
    out = {}
    rng = np.random.default_rng(0)
    Y, X = rng.standard_normal((N, 2)), rng.standard_normal((M, 2))
    for name, pde in (("diffusion", "phi_t - lap(phi)"), ("poisson", "phi_tt + lap(phi)")):
        d = derive(parse(pde), dim=2, conditions=False)
        for dtype in ("float64", "float32"):
            f = field(d, Y, device="cpu", dtype=dtype, backend="numba")
            f.velocity(X[:256], 0.3)  # compile
            best = np.inf
            for _ in range(5):
                start = time.perf_counter()
                v = f.velocity(X, 0.3)
                best = min(best, time.perf_counter() - start)
            out[f"{name}-{dtype}"] = v
            print(name, dtype, f"{M * N / best:.3g} pairs/s", flush=True)
    np.savez(path, **out)


if __name__ == "__main__":
    main(sys.argv[1])
