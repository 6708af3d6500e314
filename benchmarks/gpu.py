"""Benchmark: the velocity field on a GPU (CuPy, backend "auto" = the attention form) beside torch on the same
card (run by hand on a lent device: benchmarks/gpu.sh runs this and the CuPy tests in one go).

    python benchmarks/gpu.py [--n 65536] [--json]

Per case (kernel, d, dtype): pairs/s of one velocity evaluation of n queries × n data points (best of 3, the
device synchronised), its relative error against the float64 CPU answer on the first 256 queries, and the same
for torch (CUDA) running the chunked softmax(QKᵀ)V of benchmarks/fields.py. Target (issue 18): ≥ 1e12 pairs/s at
d = 2 float32 on an H100/H200-class card, and ahead of torch there.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytic.grammar import parse  # noqa: E402
from derivations.derive import derive  # noqa: E402
from derivations.fields import field  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fields import KERNELS, _attention, _points  # noqa: E402


def _timed(fn, sync, repeat: int = 3) -> float:
    fn()
    sync()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=65536)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        import cupy
        cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        print(json.dumps({"error": f"CuPy is not usable here ({type(exc).__name__}: {exc})"}))
        return
    try:
        import torch
    except ImportError:
        torch = None
    sync = cupy.cuda.Device().synchronize
    n = args.n
    for kern in ("diffusion", "poisson"):
        text, params = KERNELS[kern]
        d_ = derive(parse(text), dim=2, conditions=False)
        for d in (2, 16, 128, 3072):
            m = n if d <= 128 else n // 8
            x, y = _points(d, m, m)
            ref = field(d_, y, device="cpu").velocity(x[:256], 0.5)
            for dtype in ("float32", "float64"):
                f = field(d_, y, device="gpu", dtype=dtype)
                xg = cupy.asarray(x, dtype=dtype)
                seconds = _timed(lambda: f._sums(xg, 0.5, True, False), sync)
                err = float(np.abs(f.velocity(x[:256], 0.5) - ref).max() / np.abs(ref).max())
                row = {"kernel": kern, "d": d, "n": m, "dtype": dtype, "backend": f.backend,
                       "pairs_per_s": m * m / seconds, "rel_error": err}
                if torch is not None and torch.cuda.is_available():
                    tx, ty = (torch.as_tensor(a.astype(dtype), device="cuda") for a in (x, y))
                    t_s = _timed(lambda: _attention(torch, tx, ty, kern, d, 0.5, rows=8192), torch.cuda.synchronize)
                    tv = torch.cat(_attention(torch, tx[:256], ty, kern, d, 0.5)).cpu().numpy()
                    row.update(torch_pairs_per_s=m * m / t_s,
                               torch_rel_error=float(np.abs(tv - ref).max() / np.abs(ref).max()))
                print(json.dumps(row) if args.json else "  ".join(f"{k}={v:.3g}" if isinstance(v, float) else
                                                                  f"{k}={v}" for k, v in row.items()), flush=True)


if __name__ == "__main__":
    main()
