"""`genphys landscape …`: particles in a typed, time-dependent potential V(t, x, y) (Beyond Equilibrium, App. D).

    simulate    overdamped Langevin snapshots, split into train and test halves by trajectory
    boltzmann   bin masses of the instantaneous Boltzmann law e^{−βV(t,·)}/Z on fixed bins
Every command has --json.
"""

from __future__ import annotations

import json
import math
import time

import numpy as np

from analytic.errors import PDEInputError
from report.output import check_folder, dumps, run_folder

V_HELP = 'the potential V(t, x, y), e.g. "cos(2*atan2(y, x) - t) + (x**2 + y**2 - 1)**2"'


def add_parser(sub, types) -> None:
    positive, count, seed, _, _ = types
    land = sub.add_parser("landscape", help="particles in a time-dependent potential: simulate, Boltzmann law")
    cmds = land.add_subparsers(dest="landscape_command", required=True)

    def common(p):
        p.add_argument("potential", help=V_HELP)
        p.add_argument("--beta", type=positive, default=10.0, help="inverse temperature β (default 10)")
        p.add_argument("--dim", type=count(1), default=None, help="number of coordinates (default: those V uses)")
        p.add_argument("--param", action="append", default=[], metavar="NAME=ASSUMPTION")
        p.add_argument("--value", action="append", default=[], metavar="NAME=NUMBER", help="a parameter's value")
        p.add_argument("--json", action="store_true", help="print one JSON object")

    sim = cmds.add_parser("simulate", help="overdamped Langevin dX = −∇V dt + √(2/β) dW from an initial law")
    common(sim)
    sim.add_argument("--init", default="uniform:-1,1", help="uniform:LOW,HIGH (a box), gaussian:MEAN,SD, or a "
                                                          ".npy/.csv of points (default uniform:-1,1)")
    sim.add_argument("--n", type=count(4), default=2000, help="particles (default 2000; half train, half test)")
    sim.add_argument("--T", type=positive, default=20.0, help="final time (default 20)")
    sim.add_argument("--record", type=positive, default=0.02, help="recording interval (default 0.02)")
    sim.add_argument("--step", type=positive, default=1e-3, help="integrator step, dividing --record (default 1e-3)")
    sim.add_argument("--integrator", choices=("em", "lm"), default="em",
                     help="em (Euler–Maruyama, default) or lm (Leimkuhler–Matthews)")
    sim.add_argument("--seed", type=seed, default=0)
    sim.add_argument("--out", default="genphys-landscape", help="output folder (default genphys-landscape)")
    bol = cmds.add_parser("boltzmann", help="bin masses of the instantaneous Boltzmann law e^{−βV(t,·)}/Z")
    common(bol)
    bol.add_argument("--t", type=float, default=0.0, help="the time (default 0)")
    bol.add_argument("--bins", default="-1.5,1.5,30", metavar="LOW,HIGH,COUNT", help="the same bins on every axis")


def _setup(args, types):
    from analytic.sde_grammar import parse_potential, sde_values
    from numeric.langevin import CompiledPotential

    _, _, _, params_of, values_of = types
    potential = parse_potential(args.potential, params_of(args.param), args.dim)
    values = sde_values(potential.sde(args.beta), values_of(args.value) or {})
    return potential, CompiledPotential(potential, values)


def _initial(spec: str, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    kind, _, rest = spec.partition(":")
    if kind in ("uniform", "gaussian") and rest:
        try:
            a, b = (float(v) for v in rest.split(","))
        except ValueError:
            raise PDEInputError(f"--init {spec!r}: write {kind}:A,B with two numbers") from None
        if not (math.isfinite(a) and math.isfinite(b)) or (kind == "uniform" and not b > a) or \
                (kind == "gaussian" and not b > 0):
            raise PDEInputError(f"--init {spec!r}: need finite numbers with " +
                                ("HIGH > LOW" if kind == "uniform" else "SD > 0"))
        return rng.uniform(a, b, (n, d)) if kind == "uniform" else rng.normal(a, b, (n, d))
    from numeric import datasets

    points = datasets.load(spec, what="initial points")
    if points.shape[1] != d:
        raise PDEInputError(f"--init {spec!r} has {points.shape[1]} columns but the potential has {d} coordinates")
    return points[rng.choice(len(points), size=n)]


def _bins(text: str) -> np.ndarray:
    try:
        lo, hi, n = (float(v) for v in text.split(","))
    except ValueError:
        raise PDEInputError(f"--bins {text!r}: write LOW,HIGH,COUNT, e.g. --bins -1.5,1.5,30") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo and n == int(n) and 1 <= n <= 500):
        raise PDEInputError(f"--bins {text!r}: need finite HIGH > LOW and an integer COUNT from 1 to 500")
    return np.linspace(lo, hi, int(n) + 1)


def run(args, types) -> int:
    from numeric.langevin import boltzmann_bins, simulate

    potential, cp = _setup(args, types)
    names = [v.name for v in potential.variables]
    if args.landscape_command == "boltzmann":
        axis = _bins(args.bins)
        masses, outside = boltzmann_bins(cp, args.beta, args.t, [axis] * cp.d)
        out = {"potential": args.potential, "coordinates": names, "beta": args.beta, "t": args.t,
               "edges": axis.tolist(), "masses": masses.tolist(), "outside": outside}
        print(dumps(out, indent=2) if args.json else
              f"{masses.size} bins over [{axis[0]:g}, {axis[-1]:g}]^{cp.d}; largest bin mass {masses.max():.4g}; "
              f"mass outside the bins {outside:.3g}")
        return 0
    out_dir = check_folder(args.out)
    rng = np.random.default_rng(args.seed)
    x0 = _initial(args.init, args.n, cp.d, rng)
    start = time.perf_counter()
    result = simulate(cp, x0, args.beta, args.T, args.record, args.step, args.integrator, rng)
    wall = time.perf_counter() - start
    order = rng.permutation(args.n)  # train/test by trajectory: whole particles, never split in time
    train, test = order[: args.n // 2], order[args.n // 2:]
    metrics = {"potential": args.potential, "coordinates": names, "beta": args.beta, "init": args.init, "n": args.n,
               "T": args.T, "record": args.record, "step": args.step, "integrator": args.integrator,
               "records": len(result.times), "steps": int(round(args.T / args.step)),
               "stiffness_at_start": result.stiffness, "step_times_stiffness": args.step * result.stiffness,
               "n_train": len(train), "n_test": len(test), "seed": args.seed, "wall_s": wall}
    with run_folder(out_dir, "landscape simulate") as stage:
        np.savez_compressed(stage / "snapshots.npz", times=result.times, train=result.snapshots[:, train],
                            test=result.snapshots[:, test])
        (stage / "metrics.json").write_text(dumps(metrics, indent=2))
    if args.json:
        print(json.dumps({**metrics, "out": str(out_dir)}, indent=2))
    else:
        print(f"{args.n} particles, {metrics['steps']} {args.integrator} steps of {args.step:g}, {metrics['records']} "
              f"snapshots (every {args.record:g}) in {wall:.1f} s; wrote {out_dir / 'snapshots.npz'} and metrics.json")
    return 0
