"""`genphys landscape …`: particles in a typed, time-dependent potential V(t, x, y) (Beyond Equilibrium, App. D).

    simulate    overdamped Langevin snapshots, split into train and test halves by trajectory, with the work
                done on each particle, and the thermodynamics of the driving (work, heat, entropy, Jarzynski)
    compare     equilibrium (Boltzmann) and non-equilibrium (learned-free diffusion) generators of the train
                snapshots, scored against the test half on fixed bins (derivations.driven), with figures
    boltzmann   bin masses of the instantaneous Boltzmann law e^{−βV(t,·)}/Z on fixed bins
    claims      the paper's printed setting (App. D), checked
Every command has --json.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from analytic.errors import PDEInputError
from derivations.driven import METHODS
from report.output import check_folder, json_document, run_folder
from .progress import progress as progress_bar

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
    sim.add_argument("--init", default="uniform:-1,1", help="uniform:LOW,HIGH (a box), gaussian:MEAN,SD, "
                     "boltzmann:LOW,HIGH (equilibrium in V(0,·) on the grid of that box widened by its size on every side: "
                     "Jarzynski applies), or a .npy/.csv of "
                     "points (default uniform:-1,1)")
    sim.add_argument("--n", type=count(4), default=2000, help="particles (default 2000; half train, half test)")
    sim.add_argument("--T", type=positive, default=20.0, help="final time (default 20)")
    sim.add_argument("--record", type=positive, default=0.02, help="recording interval (default 0.02)")
    sim.add_argument("--step", type=positive, default=1e-3, help="integrator step, dividing --record (default 1e-3)")
    sim.add_argument("--integrator", choices=("em", "lm"), default="em",
                     help="em (Euler–Maruyama, default) or lm (Leimkuhler–Matthews)")
    sim.add_argument("--seed", type=seed, default=0)
    sim.add_argument("--out", default="genphys-landscape", help="output folder (default genphys-landscape)")
    cmp = cmds.add_parser("compare", help="Boltzmann and diffusion generators of the train snapshots against the "
                                          "test half, on fixed bins")
    cmp.add_argument("run", metavar="DIR", help="a folder written by `genphys landscape simulate --out`")
    cmp.add_argument("--times", default="0.1,1,5,20", help="times (nearest recordings; default 0.1,1,5,20, those "
                                                           "past T dropped)")
    cmp.add_argument("--bins", default="-1.5,1.5,30", metavar="LOW,HIGH,COUNT", help="the same bins on every axis")
    cmp.add_argument("--window", type=int, default=2, help="neighbouring records on each side pooled by "
                                                           "diffusion_neighbours (default 2)")
    cmp.add_argument("--methods", default=",".join(METHODS), help=f"comma list (default {','.join(METHODS)})")
    cmp.add_argument("--seed", type=seed, default=0)
    cmp.add_argument("--out", default=None, help="figures and compare.json here (default DIR/compare)")
    cmp.add_argument("--json", action="store_true", help="print one JSON object")
    cla = cmds.add_parser("claims", help="Beyond Equilibrium's App. D setting, checked (potential, period, step)")
    cla.add_argument("--json", action="store_true", help="print one JSON object")
    bol = cmds.add_parser("boltzmann", help="bin masses of the instantaneous Boltzmann law e^{−βV(t,·)}/Z")
    common(bol)
    bol.add_argument("--t", type=float, default=0.0, help="the time (default 0)")
    bol.add_argument("--bins", default="-1.5,1.5,30", metavar="LOW,HIGH,COUNT", help="the same bins on every axis")


def _compiled(types, potential: str, params: list, values: list, beta: float, dim):
    from derivations.driven import compiled

    _, _, _, params_of, values_of = types
    return compiled(potential, params_of(params), values_of(values) or {}, beta, dim)


def _floats(text: str, option: str) -> list[float]:
    try:
        out = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise PDEInputError(f"{option} {text!r}: write numbers separated by commas") from None
    if not out or not all(map(math.isfinite, out)):
        raise PDEInputError(f"{option} {text!r}: need at least one finite number")
    return out


def _bins(text: str) -> np.ndarray:
    try:
        lo, hi, n = (float(v) for v in text.split(","))
    except ValueError:
        raise PDEInputError(f"--bins {text!r}: write LOW,HIGH,COUNT, e.g. --bins -1.5,1.5,30") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo and n == int(n) and 1 <= n <= 500):
        raise PDEInputError(f"--bins {text!r}: need finite HIGH > LOW and an integer COUNT from 1 to 500")
    return np.linspace(lo, hi, int(n) + 1)


def run(args, types) -> int:
    if args.landscape_command == "claims":
        return _claims(args)
    if args.landscape_command == "compare":
        return _compare(args, types)
    cp = _compiled(types, args.potential, args.param, args.value, args.beta, args.dim)
    names = [v.name for v in cp.potential.variables]
    if args.landscape_command == "boltzmann":
        from numeric.langevin import boltzmann_bins

        axis = _bins(args.bins)
        masses, outside = boltzmann_bins(cp, args.beta, args.t, [axis] * cp.d)
        out = {"potential": args.potential, "coordinates": names, "beta": args.beta, "t": args.t,
               "edges": axis.tolist(), "masses": masses.tolist(), "outside": outside}
        print(json_document(out, indent=2) if args.json else
              f"{masses.size} bins over [{axis[0]:g}, {axis[-1]:g}]^{cp.d}; largest bin mass {masses.max():.4g}; "
              f"mass outside the bins {outside:.3g}")
        return 0
    return _simulate(args, cp, names)


def _simulate(args, cp, names) -> int:
    from derivations.driven import initial_points, simulate_snapshots, thermodynamics

    out_dir = check_folder(args.out)
    rng = np.random.default_rng(args.seed)
    x0 = initial_points(args.init, args.n, cp.d, rng, cp, args.beta)
    start = time.perf_counter()
    snap, result = simulate_snapshots(cp, x0, args.beta, args.T, args.record, args.step, args.integrator, rng,
                                      lambda i, n: progress_bar(i, n, "records"))
    wall = time.perf_counter() - start
    box = None
    if args.init.startswith("boltzmann:"):
        box = tuple(float(v) for v in args.init.partition(":")[2].split(","))
    thermo = thermodynamics(result, cp, args.beta, box)
    metrics = {"potential": args.potential, "coordinates": names, "beta": args.beta, "param": args.param,
               "value": args.value, "dim": args.dim, "init": args.init, "n": args.n,
               "T": args.T, "record": args.record, "step": args.step, "integrator": args.integrator,
               "records": len(result.times), "steps": int(round(args.T / args.step)),
               "stiffness_at_start": result.stiffness, "stiffness_max": result.stiffness_max,
               "stiffness_max_time": result.stiffness_max_time,
               "step_times_stiffness": args.step * result.stiffness_max,
               "unstable_fraction": result.unstable_fraction, "n_train": snap.train.shape[1],
               "n_test": snap.test.shape[1], "seed": args.seed, "wall_s": wall, "thermodynamics": thermo}
    with run_folder(out_dir, "landscape simulate") as stage:
        snap.save(stage)
        (stage / "metrics.json").write_text(json_document(metrics, indent=2))
    if args.json:
        print(json_document({**metrics, "out": str(out_dir)}, indent=2))
        return 0
    last = thermo["rows"][-1]
    lines = [f"{args.n} particles, {metrics['steps']} {args.integrator} steps of {args.step:g}, {metrics['records']} "
             f"snapshots (every {args.record:g}) in {wall:.1f} s; wrote {out_dir / 'snapshots.npz'} and metrics.json",
             f"largest step·λ_max {metrics['step_times_stiffness']:.3g} (at t = {result.stiffness_max_time:g}; "
             f"explicit steps need < 2)",
             f"at T: ⟨W⟩ = {last['work']:.4g} ± {last['work_se']:.2g}, ⟨Q⟩ = {last['heat']:.4g} ± {last['heat_se']:.2g},"
             f" medium entropy ⟨βQ⟩ = {last['medium_entropy']:.4g} ± {last['medium_entropy_se']:.2g}; entropy "
             f"production rate over the second half β·power = {thermo['entropy_production_rate']:.4g} ± "
             f"{thermo['entropy_production_rate_se']:.2g}"]
    jar = thermo["jarzynski"]
    if jar["applies"]:
        checked = [r for r in thermo["rows"] if r.get("jarzynski_checked")]
        if checked:
            r = checked[-1]
            lines.append(f"Jarzynski at t = {r['t']:g}: ⟨e^(−βW)⟩ = {r['jarzynski_mean']:.4g} ± {r['jarzynski_se']:.2g}"
                         f" against e^(−βΔF) = {r['exp_minus_beta_dF']:.4g} ({'holds' if r['jarzynski_holds'] else 'FAILS'}"
                         f" within 3 SE; {len(checked)} times checked)")
        else:
            lines.append("Jarzynski: the effective sample size of e^(−βW) is below 5 % of the paths at every time; "
                         "not checked")
    print("\n".join(lines))
    return 0


def _compare(args, types) -> int:
    from derivations.driven import Snapshots, compare
    from report import driven_figures as figs

    snap = Snapshots.load(args.run)
    m = snap.metrics
    cp = _compiled(types, m["potential"], m.get("param", []), m.get("value", []), m["beta"], m.get("dim"))
    axis = _bins(args.bins)
    T = float(snap.times[-1])
    times = [tt for tt in _floats(args.times, "--times") if tt <= T] or [T]
    methods = [v.strip() for v in args.methods.split(",") if v.strip()]
    out = check_folder(args.out or str(Path(args.run) / "compare"))
    edges = [axis] * cp.d
    result = compare(snap, cp, m["beta"], times, edges, args.window, args.seed, methods,
                     lambda i, n: progress_bar(i, n, "times"))
    doc = {"run": str(args.run), "potential": m["potential"], "beta": m["beta"], "edges": axis.tolist(),
           "window": args.window, "jsd_coordinates": m["coordinates"][:2], "rows": result.rows}
    with run_folder(out, "landscape compare") as stage:
        names = [figs.jsd_figure(result.rows, stage / "jsd.png", f"JSD against the test half, β = {m['beta']:g}"),
                 figs.basins_figure(result.rows, stage / "basins.png", "basin populations")]
        if cp.d == 2:
            names += [figs.landscape_figure(result, cp, tt, edges, stage / f"landscape_t{tt:g}.png",
                                            f"t = {tt:g}") for tt in sorted({r["t"] for r in result.rows})]
        doc["figures"] = [str(out / Path(p).name) for p in names]
        (stage / "compare.json").write_text(json_document(doc, indent=2))
    if args.json:
        print(json_document(doc, indent=2))
        return 0
    print(f"{'t':>8} {'method':22} {'JSD':>8} {'floor':>8} {'resampled':>9} {'energy d.':>9} {'floor':>8}")
    for r in result.rows:
        print(f"{r['t']:8.4g} {r['method']:22} {r['jsd']:8.4f} {r['jsd_noise_floor']:8.4f} "
              f"{r['jsd_resampling_floor']:9.4f} {r['energy_distance']:9.2e} {r['energy_distance_noise_floor']:8.2e}")
    if cp.d > 2:
        print(f"JSD over the first two coordinates ({', '.join(doc['jsd_coordinates'])}); the energy distance and "
              "the basins use all of them")
    print(f"wrote {out / 'compare.json'} and {len(doc['figures'])} figures")
    return 0


def _claims(args) -> int:
    from derivations.driven_claims import CLAIMS
    from .thermo_cli import print_claims

    return print_claims(CLAIMS, args.json)
