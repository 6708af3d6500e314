"""Benchmark: pair-evaluations per second of the empirical velocity field (run by hand, not a test).

    python benchmarks/fields.py            # full set (minutes)
    python benchmarks/fields.py --quick --json

Per case (kernel, d, M, n, dtype, backend): pairs_per_s = M·n / time of one velocity evaluation
(best of a few), rel_error against the float64 answer, and extra_mib = peak memory allocated during it
(tracemalloc: NumPy arrays; the fused loops' own per-thread buffers are BLOCK-sized and not traced). Heat and
Poisson run on every backend (numpy, numba up to d = 64, blas) and on "auto", to check its choice.
Peers in the same run, on the same points (one "peers" line per case): the chunked softmax(QKᵀ)V formulation
in NumPy with BLAS pinned to one thread and in torch (CPU) when it imports, with their errors; for diffusion
also naive NumPy broadcasting as PFGM does it (M × n × d arrays; measured on a slice and reported per pair) and
KeOps when `pykeops` imports; and this machine's limits: exp throughput (float32/float64) and matmul GFLOP/s.
"""

from __future__ import annotations

import argparse
import contextlib
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


def _attention(lib, x, y, kernel: str, d: int, t: float, rows: int = 1024):
    """The peers' velocity, written as a careful user would: chunked softmax(QKᵀ)V with one matrix product for
    the logits and one for Σ c y (``lib``: numpy or torch). Heat: logit = (x·y − |y|²/2)/(2t); Poisson:
    −(d+1)/2 · log(1 + r²/t²)."""
    y2 = (y * y).sum(1)
    out = []
    for q0 in range(0, len(x), rows):
        xq = x[q0:q0 + rows]
        if kernel == "diffusion":
            z = (xq @ y.T - 0.5 * y2[None, :]) / (2 * t)
        else:
            r2 = lib.clip((xq * xq).sum(1)[:, None] + y2[None, :] - 2 * (xq @ y.T), 0, None)
            z = -(d + 1) / 2 * lib.log1p(r2 / t**2)
        z = z - z.max(1, keepdims=True)[0] if lib.__name__ == "torch" else z - z.max(1, keepdims=True)
        w = lib.exp(z)
        mean = (w @ y) / w.sum(1)[:, None]
        out.append((xq - mean) / (2 * t) if kernel == "diffusion" else (xq - mean) / t)
    return out


def peer_pairs_per_s(lib_name: str, kernel: str, d: int, M: int, n: int, dtype: str, reference, t: float = 0.5):
    """(pairs/s, relative error against the project's float64 velocity) of a peer formulation on the same points:
    "numpy" (chunked matmul, BLAS pinned to one thread, as issue 18's table ran it) or "torch" (CPU, its threads)."""
    x, y = _points(d, M, n)
    if lib_name == "numpy":
        from threadpoolctl import threadpool_limits
        lib, xs, ys, limit = np, x.astype(dtype), y.astype(dtype), threadpool_limits(1, "blas")
        to_np = np.asarray
    else:
        try:
            import torch
        except ImportError:
            return None, None
        lib, limit = torch, contextlib.nullcontext()
        xs, ys = (torch.from_numpy(a.astype(dtype)) for a in (x, y))
        to_np = lambda a: a.numpy()  # noqa: E731
    with limit:
        v = np.vstack([to_np(part) for part in _attention(lib, xs, ys, kernel, d, t)])
        seconds = _best(lambda: _attention(lib, xs, ys, kernel, d, t), 2)
    return M * n / seconds, float(np.abs(v - reference).max() / np.abs(reference).max())


def _points(d: int, M: int, n: int):
    rng = np.random.default_rng(4)
    data = rng.normal(size=(n, d)) / np.sqrt(d)
    return rng.normal(size=(M, d)) / np.sqrt(d), data


def case(kernel: str, d: int, M: int, n: int, dtype: str, derivation, backend: str, reference=None) -> dict:
    text, params = KERNELS[kernel]
    x, data = _points(d, M, n)
    f = field(derivation, data, values=params, device="cpu", dtype=dtype, backend=backend)
    v = f.velocity(x, 0.5)  # and compiles (or loads) the kernel for this d outside the timing
    tracemalloc.start()
    elapsed = _best(lambda: f.velocity(x, 0.5), 2)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out = {"kernel": kernel, "d": d, "M": M, "n": n, "dtype": dtype, "backend": f.backend,
           "pairs_per_s": M * n / elapsed, "seconds": elapsed, "extra_mib": peak / 2**20}
    if reference is not None:
        out["rel_error"] = float(np.abs(v - reference).max() / np.abs(reference).max())
    return out, v


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="reduced set, under a minute")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument("--backend", choices=("numpy", "numba", "blas", "auto", "all"), default="all",
                    help="backends for heat and Poisson (numba up to d = 64; Yukawa: NumPy only)")
    args = ap.parse_args(argv)
    emit = (lambda obj: print(json.dumps(obj))) if args.json else (lambda obj: print(
        "  ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in obj.items())))
    emit({"machine": machine_limits(args.quick)})
    derivations = {name: derive(parse(text, {p: "positive" for p in params}), dim=2, conditions=False)
                   for name, (text, params) in KERNELS.items()}
    if args.quick:
        plan = [(kern, d, 2048, 2048, dtype) for kern in ("diffusion", "poisson") for d in (2, 128)
                for dtype in ("float64", "float32")]
        plan += [("yukawa", d, 512, 512, "float64") for d in (2, 128)]
        plan += [(kern, 3072, 512, 512, "float64") for kern in KERNELS]
    else:
        plan = [(kern, d, 8192 if d < 3072 else 4096, 8192 if d < 3072 else 4096, dtype)
                for kern in ("diffusion", "poisson") for d in (2, 16, 64, 128, 3072) for dtype in ("float64", "float32")]
        plan += [("yukawa", d, 2048, 2048, "float64") for d in (2, 16, 128, 3072)]  # K_ν per pair: slow
        plan += [("diffusion", 2, 32768, 32768, dtype) for dtype in ("float64", "float32")]
    backends = ("numpy", "numba", "blas", "auto") if args.backend == "all" else (args.backend,)
    for kern, d, M, n, dtype in plan:
        reference = None
        for backend in backends:
            if kern == "yukawa" and backend != "numpy" or backend == "numba" and d > MAX_N:
                continue
            if reference is None and dtype == "float32":  # accuracy against the float64 answer
                reference = case(kern, d, M, n, "float64", derivations[kern], "auto")[1]
            result, v = case(kern, d, M, n, dtype, derivations[kern], backend, reference)
            reference = v if reference is None else reference
            result["requested"] = backend
            emit(result)
        if kern == "yukawa":
            continue
        peers = {"kernel": kern, "d": d, "M": M, "n": n, "dtype": dtype}
        for lib in ("numpy", "torch"):
            peers[f"{lib}_matmul_pairs_per_s"], peers[f"{lib}_matmul_rel_error"] = peer_pairs_per_s(
                lib, kern, d, M, n, dtype, reference)
        if kern == "diffusion":
            peers["naive_numpy_pairs_per_s"] = naive_pairs_per_s(d, dtype)
            peers["keops_pairs_per_s"] = keops_pairs_per_s(d, min(M, 4096), min(n, 4096), dtype)
        emit({"peers": peers})


if __name__ == "__main__":
    main()
