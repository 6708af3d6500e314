"""Benchmark: pair-evaluations per second of the empirical velocity field (run by hand, not a test).

    python benchmarks/fields.py            # full set (minutes)
    python benchmarks/fields.py --quick --json

Per case (kernel, d, M, n, dtype, backend): pairs_per_s = M·n / time of one velocity evaluation
(best of a few), and extra_mib = peak memory allocated during it (tracemalloc: NumPy arrays; the
fused loops' own per-thread buffers are BLOCK-sized and not traced). Heat and Poisson run on both
the NumPy backend and numba's fused loops (`--backend` picks one).
Baselines in the same run: naive NumPy broadcasting as PFGM does it (M × n × d arrays; measured on
a slice and reported per pair), KeOps when `pykeops` imports, and this machine's limits: exp
throughput (float32/float64) and matmul GFLOP/s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytic.grammar import parse  # noqa: E402
from derivations.derive import derive  # noqa: E402
from derivations.fields import field  # noqa: E402
from numeric.compiled import MAX_N  # noqa: E402

KERNELS = {"diffusion": ("phi_t - lap(phi)", {}), "poisson": ("phi_tt + lap(phi)", {}),
           "yukawa": ("phi_tt + lap(phi) - m**2*phi", {"m": 1.0})}


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def machine_limits(quick: bool) -> dict:
    n = 2_000_000 if quick else 20_000_000
    out = {}
    for dtype in ("float32", "float64"):
        x = -np.random.default_rng(0).random(n).astype(dtype)
        out[f"exp_per_s_{dtype}"] = n / _best(lambda: np.exp(x), 3)
        size = 1024 if quick else 2048
        a = np.random.default_rng(1).random((size, size)).astype(dtype)
        out[f"matmul_gflops_{dtype}"] = 2 * size**3 / _best(lambda: a @ a, 3) / 1e9
    return out


def naive_pairs_per_s(d: int, dtype: str, t: float = 0.5) -> float:
    """PFGM-style broadcasting for the diffusion velocity on a slice small enough to fit in memory."""
    rng = np.random.default_rng(2)
    n = 2048
    M = max(1, min(512, int(2e8 / (8 * n * d))))
    x, y = rng.normal(size=(M, d)).astype(dtype), rng.normal(size=(n, d)).astype(dtype)

    def run():
        diff = x[:, None, :] - y[None, :, :]
        logits = -(diff**2).sum(-1) / (4 * t)
        w = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (w[:, :, None] * diff).sum(1) / w.sum(1)[:, None] / (2 * t)
    return M * n / _best(run, 2)


def keops_pairs_per_s(d: int, M: int, n: int, dtype: str, t: float = 0.5) -> float | None:
    try:
        from pykeops.numpy import LazyTensor
    except Exception:
        return None
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(M, d)).astype(dtype), rng.normal(size=(n, d)).astype(dtype)

    def run():
        xi, yj = LazyTensor(x[:, None, :]), LazyTensor(y[None, :, :])
        w = (-((xi - yj) ** 2).sum(-1) / (4 * t)).exp()
        return (w * yj).sum(1) / w.sum(1)
    run()
    return M * n / _best(run, 2)


def case(kernel: str, d: int, M: int, n: int, dtype: str, derivation, backend: str) -> dict:
    text, params = KERNELS[kernel]
    rng = np.random.default_rng(4)
    data = rng.normal(size=(n, d)) / np.sqrt(d)
    x = rng.normal(size=(M, d)) / np.sqrt(d)
    f = field(derivation, data, params=params, device="cpu", dtype=dtype, backend=backend)
    f.velocity(x[:8], 0.5)  # compile the kernel for this d outside the timing
    tracemalloc.start()
    elapsed = _best(lambda: f.velocity(x, 0.5), 2)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"kernel": kernel, "d": d, "M": M, "n": n, "dtype": dtype, "backend": f.backend,
            "pairs_per_s": M * n / elapsed, "seconds": elapsed, "extra_mib": peak / 2**20}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="reduced set, under a minute")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument("--backend", choices=("numpy", "numba", "both"), default="both",
                    help="backends for heat and Poisson up to d = 64 (Yukawa and larger d: NumPy only)")
    args = ap.parse_args(argv)
    emit = (lambda obj: print(json.dumps(obj))) if args.json else (lambda obj: print(
        "  ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in obj.items())))
    emit({"machine": machine_limits(args.quick)})
    derivations = {name: derive(parse(text, {p: "positive" for p in params}), dim=2, conditions_=False)
                   for name, (text, params) in KERNELS.items()}
    if args.quick:
        plan = [(kern, d, 2048, 2048, dtype) for kern in ("diffusion", "poisson") for d in (2, 128)
                for dtype in ("float64", "float32")]
        plan += [("yukawa", d, 512, 512, "float64") for d in (2, 128)]
        plan += [(kern, 3072, 512, 512, "float64") for kern in KERNELS]
    else:
        plan = [(kern, d, 8192, 8192, dtype) for kern in ("diffusion", "poisson") for d in (2, 16, 128, 3072)
                for dtype in ("float64", "float32")]
        plan += [("yukawa", d, 2048, 2048, "float64") for d in (2, 16, 128, 3072)]  # K_ν per pair: slow
        plan += [("diffusion", 2, 32768, 32768, dtype) for dtype in ("float64", "float32")]
    backends = ("numpy", "numba") if args.backend == "both" else (args.backend,)
    runs = [(*item, backend) for item in plan
            for backend in (("numpy",) if item[0] == "yukawa" or item[1] > MAX_N else backends)]
    for kern, d, M, n, dtype, backend in runs:
        result = case(kern, d, M, n, dtype, derivations[kern], backend)
        if kern == "diffusion":
            naive = naive_pairs_per_s(d, dtype)
            result["naive_numpy_pairs_per_s"] = naive
            result["speedup_vs_naive"] = result["pairs_per_s"] / naive
            keops = keops_pairs_per_s(d, min(M, 4096), min(n, 4096), dtype)
            result["keops_pairs_per_s"] = keops
            result["speedup_vs_keops"] = result["pairs_per_s"] / keops if keops else None
        emit(result)


if __name__ == "__main__":
    main()
