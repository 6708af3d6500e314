"""Robustness campaign, run by hand: random PDE text through the parser, nasty valid PDEs and bad
options through the CLI. Prints counts per outcome (the numbers for benchmarks/RESULTS.md).

    python benchmarks/robustness.py [--parser 20000] [--seed 0] [--json]

Parser: random well-formed and random token soups; every accepted text must print a canonical form
that parses back to the same operator; anything else must be one of the workbench's own errors.
CLI: each case runs in a subprocess with a wall-clock limit; it must end with status 0, 2, 3 or 4
and, on failure, one `error:` line and no traceback.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sympy as sp  # noqa: E402

from analytic.errors import GenphysError  # noqa: E402
from analytic.grammar import parse  # noqa: E402

OPERANDS = ["phi", "phi_t", "phi_tt", "phi_ttt", "phi_x", "phi_xy", "phi_xx", "phi_yt", "phi_z", "phi_xyz"]
COEFFS = ["2", "0.25", "-3", "1e-3", "0", "a", "k0", "(a+1)", "sqrt(2)", "exp(m)", "I", "pi", "1/7", "10**29",
          "1e308", "1e-400", "(a+b+c)**9", "exp(800)", "beta/1e20", "r", "tau", "log(2)"]
OPS = ["lap", "biharm", "dt", "dx", "dy", "fraclap"]
TOKENS = OPERANDS + OPS + ["(", ")", "+", "-", "*", "/", "**", "=", ",", "2", "0.5", "#", "x", "[", "]", "'a'",
                           "lambda", ":", "__import__", ".", " ", "9" * 40, "phi_q", "10**10**10"]

NASTY = [
    "phi_tttttttt - lap(phi)", "lap(phi_t) - phi_txx", "phi_t + exp(exp(exp(exp(exp(2)))))*phi",
    "phi_tt + exp(-700)*phi_t - lap(phi)", "phi_t + (a/1e308)**64*phi", "phi_t + (a+b+c)**64*phi",
    "phi_t + fraclap(phi, 1e308)", "phi_t + fraclap(phi, -1)", "phi_t # - lap(phi)", "phi_t - 1e-400*lap(phi)",
    "phi_ttt + 3*phi_tt + 3*phi_t + phi - lap(phi)", "phi_tttt + 2*phi_ttt + 3*phi_tt + 2*phi_t - lap(phi)",
    "phi_ttt + a*phi_tt + phi_t - lap(phi_t) - lap(phi)", "phi_tt + phi_t - phi_xx - a*phi_yy",
    "phi_t - r*lap(phi)", "phi_tt + lap(phi) - tau**2*phi", "fraclap(phi_ttt, 10**30) + phi_tt",
    "0*fraclap(phi_xy, 2) = k0*(fraclap(phi_t + phi_ttt, 0.25))/a", "phi_t + fraclap(phi_x, 64)",
    "phi_t - " + " - ".join(f"p{i}*lap(phi)" for i in range(14)), "phi_t - " + " - ".join(f"p{i}*lap(phi)" for i in range(17)),
    "dt(dt(dt(dt(dt(dt(dt(dt(phi))))))))", "phi_tt + 1e-300*phi_t - lap(phi)", "phi_t + exp(700)*(exp(700)*phi)",
]
BAD_OPTIONS = [
    ["check", "phi_t - lap(phi)", "--budget", "nan"], ["check", "phi_t - lap(phi)", "--budget", "inf"],
    ["check", "phi_t - lap(phi)", "--dim", "0"], ["check", "phi_t - lap(phi)", "--mode", "x"],
    ["check", "phi_t - lap(phi)", "--param", "eps"], ["derive", "phi_t - lap(phi)", "--latex", ".tex"],
    ["derive", "phi_t - lap(phi)", "--eval", "1,1"], ["generate", "phi_t - lap(phi)", "--T", "-1"],
    ["generate", "phi_t - lap(phi)", "--T", "inf"], ["generate", "phi_t - lap(phi)", "--seed", "-1"],
    ["generate", "phi_t - lap(phi)", "--data", "spirals"], ["generate", "phi_t - lap(phi)", "--out", "/dev/null"],
    ["generate", "phi_t - lap(phi)", "--data", "digits", "--dim", "3"], ["score", "nothere.npy", "--data", "x.npy"],
    ["report", "--out", "/dev/null", "--no-catalog", "phi_t"], ["verify", "--only", "nothing"],
]


def random_pde(rng: random.Random) -> str:
    def operator(depth=0):
        kind = rng.choice(["atom", "atom", *OPS] if depth < 2 else ["atom"])
        if kind == "atom":
            return rng.choice(OPERANDS)
        inner = " + ".join(operator(depth + 1) for _ in range(rng.randint(1, 2)))
        if kind == "fraclap":
            return f"fraclap({inner}, {rng.choice(['0.25', '-1', '3/2', '2', '0.5', '10**30', '65'])})"
        return f"{kind}({inner})"
    if rng.random() < 0.3:
        return "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 25)))
    terms = [f"{rng.choice(COEFFS)}*{operator()}" for _ in range(rng.randint(1, 4))]
    cut = rng.randint(0, len(terms))
    lhs, rhs = " + ".join(terms[:cut]) or "0*phi", " + ".join(terms[cut:])
    return f"{lhs} = {rhs}" if rhs else lhs


def parser_campaign(count: int, seed: int) -> dict:
    rng = random.Random(seed)
    outcomes, slowest, broken = Counter(), (0.0, ""), []
    for _ in range(count):
        text = random_pde(rng)
        start = time.perf_counter()
        try:
            pde = parse(text)
            again = parse(pde.canonical)
            ok = again.kvars == pde.kvars and sp.expand(again.symbol - pde.symbol) == 0
            outcomes["accepted, round trip exact" if ok else "accepted, ROUND TRIP DIFFERS"] += 1
            if not ok:
                broken.append(text)
        except GenphysError as exc:
            outcomes[f"refused: {type(exc).__name__}"] += 1
        except Exception as exc:  # noqa: BLE001 - counted: any of these is a bug
            outcomes[f"BUG: {type(exc).__name__}"] += 1
            broken.append(text)
        elapsed = time.perf_counter() - start
        slowest = max(slowest, (elapsed, text))
    return {"inputs": count, "outcomes": dict(outcomes), "slowest_s": round(slowest[0], 3),
            "slowest_input": slowest[1], "broken": broken[:10]}


def cli_campaign(cases: list[list[str]], limit: float) -> dict:
    rows, tally = [], Counter()
    for argv in cases:
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-m", "genphys", *argv], capture_output=True, text=True,
                                  timeout=limit)
            status, err = done.returncode, done.stderr
        except subprocess.TimeoutExpired:
            status, err = "timeout", ""
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        good = status in (0, 2, 3, 4) and "Traceback" not in err and (status == 0 or len(errors) == 1)
        tally["good" if good else f"BAD ({status})"] += 1
        rows.append({"argv": argv[:2], "status": status, "seconds": round(time.perf_counter() - start, 1),
                     "error": errors[0][:140] if errors else None})
    return {"cases": len(cases), "outcomes": dict(tally), "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parser", type=int, default=20000, help="random parser inputs (default 20000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=float, default=120.0, help="seconds per CLI case (default 120)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = {"parser": parser_campaign(args.parser, args.seed),
              "nasty_pdes": cli_campaign([["check", p, "--budget", "5"] for p in NASTY], args.limit),
              "bad_options": cli_campaign(BAD_OPTIONS, args.limit)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for part, res in result.items():
        print(f"{part}: {res.get('inputs', res.get('cases'))} inputs -> {res['outcomes']}")
        for row in res.get("rows", []):
            print(f"  status {row['status']!s:7} {row['seconds']:6.1f} s  {' '.join(row['argv'])[:70]}  {row['error'] or ''}")
    print(f"slowest parse: {result['parser']['slowest_s']} s ({result['parser']['slowest_input'][:80]!r})")


if __name__ == "__main__":
    main()
