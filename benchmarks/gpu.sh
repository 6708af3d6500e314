#!/usr/bin/env bash
# Every GPU check of issue 18 in one go, for a lent device machine (its python3 has CuPy, torch, sympy, numba;
# see the device tool's KINDS.md): the CuPy tests against NumPy, then benchmarks/gpu.py. Logs go to $OUT.
#     bash benchmarks/gpu.sh
set -uo pipefail
OUT=${OUT:-/tmp/genphys-gpu}
mkdir -p "$OUT"
export PYTHONPATH=$PWD MPLBACKEND=Agg
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1
python3 -m pip install --no-deps --no-index --find-links /.whl latex2mathml threadpoolctl > "$OUT/pip.txt" 2>&1
python3 -m pytest -q -p no:cacheprovider tests/test_fields.py -k cupy 2>&1 | tee "$OUT/pytest-cupy.txt"
timeout 420 python3 benchmarks/gpu.py --json 2>&1 | tee "$OUT/gpu-bench.jsonl"
