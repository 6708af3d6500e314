"""Benchmark: what a fresh process pays before its first answer (run by hand, not a test).

    python benchmarks/startup.py [--repeat 3] [--json]

Each measurement is a new Python process (best of --repeat): `import genphys`; import + derive the heat kernel
(dim = 2, conditions included) + the first velocity of 2000 points (numba's compiled loops loaded from their
cache: the first-ever run on a machine compiles them, a few seconds, and is reported separately as "cold");
and the whole two-moons `genphys generate` (diffusion, 2000 / 10 000 / 100 Heun steps, as the issue asks).
Targets (issue 18): import < 1 s, import + derive + first velocity < 2 s, generate < 5 s (Poisson < 10 s).
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

ROOT = Path(__file__).resolve().parents[1]
FIRST_VELOCITY = """
import time; t0 = time.perf_counter()
import numpy as np, genphys
t1 = time.perf_counter()
d = genphys.derive(genphys.parse("phi_t - lap(phi)"), dim=2)
t2 = time.perf_counter()
f = genphys.field(d, np.random.default_rng(0).standard_normal((2000, 2)))
f.velocity(np.zeros((10, 2)), 0.5)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, f.backend)
"""


def _python(code: str, env=None) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    return out.stdout.split()


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    result = {"load_1min": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as cache:  # an empty numba cache: the first-ever run on a machine
        cold = _python(FIRST_VELOCITY, env={**os.environ, "NUMBA_CACHE_DIR": cache})
        result["cold_first_velocity_s"] = float(cold[2])
    _python(FIRST_VELOCITY)  # fill the normal cache
    result["import_s"] = min(_wall([sys.executable, "-c", "import genphys"]) for _ in range(args.repeat))
    runs = [[float(v) for v in _python(FIRST_VELOCITY)[:3]] for _ in range(args.repeat)]
    best = min(runs, key=sum)
    result.update(import_in_process_s=best[0], derive_s=best[1], first_velocity_s=best[2],
                  import_derive_velocity_s=sum(best), backend=_python(FIRST_VELOCITY)[3])
    with tempfile.TemporaryDirectory() as out:
        for pde, key in (("phi_t - lap(phi)", "generate_diffusion_s"), ("phi_tt + lap(phi)", "generate_poisson_s")):
            cmd = [sys.executable, "-m", "genphys.cli", "generate", pde, "--data", "moons", "--out",
                   str(Path(out) / key)]
            result[key] = min(_wall(cmd) for _ in range(args.repeat))
    print(json.dumps(result) if args.json else "\n".join(f"{k:28s} {v:.3g}" if isinstance(v, float) else f"{k:28s} {v}"
                                                        for k, v in result.items()))


if __name__ == "__main__":
    main()
