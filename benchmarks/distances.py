"""Our sample distances beside the libraries that compute the same quantities (issue 19: keep hand-written code
only where it is measurably better).

Run by hand (needs `pip install pot dcor`, which the workbench itself does not): python benchmarks/distances.py
- sliced W1: numeric.metrics.sliced_w1 (1000 quantiles per projection) against POT's
  ot.sliced_wasserstein_distance(p=1) (exact 1-D transport) on the same directions' count; both against the
  exact W1 of two Gaussians that differ by a shift (the sliced W1 of a shift δ is E|u·δ| = |δ| E|u_1|).
- energy distance: numeric.metrics.energy_distance (chunked V-statistic) against dcor.energy_distance (the same
  V-statistic); scipy.stats.energy_distance is 1-D only, so it does not apply to N-D samples.
Prints value, time and memory-independent error for n = 2000 and 10 000 points in d = 2 and 64.
"""

from __future__ import annotations

import math
import time

import numpy as np

from numeric.metrics import energy_distance, sliced_w1


def timed(fn, repeat: int = 3):
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return value, best


def main() -> None:
    import dcor
    import ot
    from scipy.special import gamma

    for d in (2, 64):
        for n in (2000, 10_000):
            rng = np.random.default_rng(0)
            shift = np.zeros(d)
            shift[0] = 0.5
            X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, d)) + shift
            # E|u_1| for u uniform on the sphere S^(d-1): Γ(d/2) / (√π Γ((d+1)/2))
            exact = 0.5 * gamma(d / 2) / (math.sqrt(math.pi) * gamma((d + 1) / 2))
            ours, t_ours = timed(lambda: sliced_w1(X, Y, 128))
            pot, t_pot = timed(lambda: float(ot.sliced_wasserstein_distance(X, Y, n_projections=128, p=1, seed=0)))
            print(f"sliced W1  d={d:3d} n={n:6d}  exact {exact:.4f}  ours {ours:.4f} ({t_ours * 1e3:6.1f} ms)  "
                  f"POT {pot:.4f} ({t_pot * 1e3:6.1f} ms)")
            if n <= 2000:
                ed, t_ed = timed(lambda: energy_distance(X, Y))
                dc, t_dc = timed(lambda: float(dcor.energy_distance(X, Y)))
                print(f"energy     d={d:3d} n={n:6d}  ours {ed:.5f} ({t_ed * 1e3:6.1f} ms)  dcor {dc:.5f} "
                      f"({t_dc * 1e3:6.1f} ms)")


if __name__ == "__main__":
    main()
