"""`genphys sweep PDE --param a=real --grid a=-2:2:41 --what check|derive|generate --out DIR`: a phase diagram.

Writes DIR/sweep.json ({"sweep": …, "condition": …, "points": [{"values": {…}, "holds": …, …}]}), DIR/sweep.csv
and DIR/sweep.png (each point's verdict, the symbolic condition's region over it). Resumable: points already in
DIR/sweep.json are not recomputed (the same sweep with more grid values computes only the new ones).
The points run through Dask (derivations.sweep): a LocalCluster of one single-threaded worker process per core
by default, an existing cluster with --scheduler tcp://HOST:PORT (started with `dask scheduler` and
`dask worker tcp://HOST:PORT`), or in this process with --scheduler serial.
"""

from __future__ import annotations

import csv
from pathlib import Path

from analytic.errors import PDEInputError
from sympy import false, true

from analytic.pde import text
from report.output import check_folder, mark
from .cli import _add_scheduler_options as add_scheduler_options
from .progress import progress as progress_bar


def add_parser(sub, types) -> None:
    positive, count, seed, _, _ = types
    sw = sub.add_parser("sweep", help="Eq. 16, C1/C2 or the generator over a grid of parameter values (Dask)")
    sw.add_argument("pde", help='the PDE, e.g. "phi_t - a*lap(phi)"')
    sw.add_argument("--param", action="append", default=[], metavar="NAME=ASSUMPTION",
                    help="positive | nonnegative | negative | nonpositive | nonzero | real (default real)")
    sw.add_argument("--grid", action="append", default=[], metavar="NAME=LO:HI:COUNT",
                    help="a parameter's values: LO:HI:COUNT or a comma list (one --grid per parameter)")
    sw.add_argument("--what", choices=("check", "derive", "generate"), default="check",
                    help="check: Eq. 16 (numeric scan beside the symbolic region); derive: C1 and C2; "
                         "generate: the generator's two-sample test (default check)")
    sw.add_argument("--dim", type=count(1), default=2, help="space dimension N (default 2)")
    sw.add_argument("--mode", choices=("evolution", "boundary"), default=None)
    sw.add_argument("--data", default="moons", help="generate: the data (as for genphys generate; default moons)")
    sw.add_argument("--n-data", type=count(8), default=2000, help="generate: training points (default 2000)")
    sw.add_argument("--n-samples", type=count(2), default=10000, help="generate: particles (default 10000)")
    sw.add_argument("--steps", type=count(1), default=100, help="generate: integrator steps (default 100)")
    sw.add_argument("--seed", type=seed, default=0)
    add_scheduler_options(sw)
    sw.add_argument("--budget", type=positive, default=20.0, help="seconds per symbolic step (default 20)")
    sw.add_argument("--out", default="genphys-sweep", help="output folder (default genphys-sweep)")
    sw.add_argument("--json", action="store_true", help="print sweep.json's content")


def _grids(pairs: list[str]) -> dict:
    from derivations.sweep import grid_values

    out = {}
    for pair in pairs:
        name, sep, spec = pair.partition("=")
        if not sep or not name.strip():
            raise PDEInputError(f"--grid {pair!r}: write NAME=LO:HI:COUNT, e.g. --grid a=-2:2:41")
        if name.strip() in out:
            raise PDEInputError(f"--grid {name.strip()!r} given twice")
        out[name.strip()] = grid_values(spec.strip())
    if not out:
        raise PDEInputError("give at least one --grid NAME=LO:HI:COUNT, e.g. --grid a=-2:2:41")
    return out


def run(args, types) -> int:
    from derivations import parallel, sweep
    from report.figures import sweep_figure
    from report.output import json_document, provenance

    params = types[3](args.param)
    options = ({"data": args.data, "n_data": args.n_data, "n_samples": args.n_samples, "steps": args.steps,
                "seed": args.seed} if args.what == "generate" else {})
    spec = sweep.Sweep(args.pde, params, _grids(args.grid), args.what, args.dim, args.mode, options)
    out = check_folder(args.out)
    criterion = sweep.prepare(spec, args.budget)
    out.mkdir(parents=True, exist_ok=True)
    mark(out, "sweep")
    condition = criterion.condition
    extra = {"condition": None if condition is None else text(condition),
             "symbolic_holds": criterion.holds.value, "provenance": provenance()}
    client = parallel.client_for(args.scheduler, args.workers)
    try:
        points = sweep.run(spec, str(out / "sweep.json"), client, extra,
                           progress=lambda i, n, label: progress_bar(i, n, label))
    finally:
        parallel.close(client)
    names = list(spec.grid)
    _write_csv(out / "sweep.csv", names, points)
    title = f"{args.pde}: {args.what}" + ("" if condition is None else f" (symbolic: {text(condition)})")
    figure = sweep_figure(points, names, condition, out / "sweep.png", title)
    held = sum(p["holds"] is True for p in points)
    if args.json:
        print(json_document({"sweep": spec.to_json(), **extra, "points": points}))
    else:
        symbolic = ("" if condition is None else "; symbolically Eq. 16 holds for every value" if condition == true
                    else "; symbolically Eq. 16 fails for every value" if condition == false
                    else f"; symbolic condition {text(condition)}")
        print(f"{args.pde} ({args.what}): holds at {held} of {len(points)} points{symbolic}")
        agree = [p for p in points if p.get("symbolic") is not None and p["holds"] is not None]
        if agree:
            print(f"numeric scan and symbolic region agree at {sum(p['symbolic'] == p['holds'] for p in agree)} "
                  f"of {len(agree)} points")
        shown = ", ".join(["sweep.json", "sweep.csv"] + ([figure.name] if figure else []))
        print(f"wrote {out}/{{{shown}}}")
    return 0


def _write_csv(path: Path, names: list[str], points: list[dict]) -> None:
    scalar = [k for k in points[0] if k != "values" and not isinstance(points[0][k], (list, dict))] if points else []
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(names + scalar)
        for p in points:
            w.writerow([p["values"][n] for n in names] + ["" if p.get(k) is None else p.get(k) for k in scalar])
