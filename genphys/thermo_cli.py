"""`genphys thermo …`: stochastic thermodynamics of a linear SDE on data (Yu & Huang).

    rates          π, φ, dS/dt, S and the reversal's φ*, dS*/ds at given times
    speciation     t_S and t_USB for each notion of the potential
    trajectories   per-path entropy changes and the integral fluctuation theorem
    phase-diagram  phases of 1-D symmetric mixtures over (μ, σ²)
    franz-parisi   the Franz–Parisi potential V(q, t) (d = 1)
    claims         the paper's printed claims, each with our answer and, where they differ, why
Every command has --json; --out DIR writes figures (all or nothing).
"""

from __future__ import annotations

import math
from pathlib import Path

from analytic.errors import PDEInputError
from report.output import check_folder, json_document, run_folder
from .progress import progress as progress_bar

SDE_HELP = 'the SDE: "ou", "vp", "ve" or text such as "dX = -X dt + sqrt(2) dW" (default ou)'


def _numbers(text: str, option: str, least: float = 0.0) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise PDEInputError(f"{option} {text!r}: write comma-separated numbers, e.g. {option} 0.1,0.5,1") from None
    if not values or any(not math.isfinite(v) or v < least for v in values):
        raise PDEInputError(f"{option} {text!r}: need finite numbers ≥ {least:g}")
    return values


MAX_GRID = 1000


def _grid(text: str, option: str, least: float = 0.0) -> list[float]:
    values = _numbers(text, option, least)
    if len(values) != 3 or not (values[1] > values[0] and values[2] == int(values[2]) and 2 <= values[2] <= MAX_GRID):
        raise PDEInputError(f"{option} {text!r}: write LOW,HIGH,COUNT with HIGH > LOW ≥ {least:g} and an integer "
                            f"COUNT from 2 to {MAX_GRID}")
    lo, hi, n = values
    return [lo + (hi - lo) * i / (int(n) - 1) for i in range(int(n))]


def add_parser(sub, types) -> None:
    """The `thermo` subcommands; ``types`` = (positive number, count factory, seed, params, values)."""
    positive, count, seed, _, _ = types
    thermo = sub.add_parser("thermo", help="entropy production, fluctuation theorems, speciation of an SDE (Yu & Huang)")
    cmds = thermo.add_subparsers(dest="thermo_command", required=True)

    def common(p, data=True):
        p.add_argument("--sde", default="ou", help=SDE_HELP)
        p.add_argument("--param", action="append", default=[], metavar="NAME=ASSUMPTION",
                       help="an SDE parameter's assumption (positive | nonnegative | … | real)")
        p.add_argument("--value", action="append", default=[], metavar="NAME=NUMBER",
                       help="an SDE parameter's value (presets have defaults)")
        if data:
            p.add_argument("--data", default=None, help="a Gaussian-mixture .json, a .npy/.csv of points or a built-in "
                                                        "set (default: the paper's ½N(μ, σ²) + ½N(−μ, σ²))")
            p.add_argument("--mu", type=float, default=1.0, help="the paper's mixture: μ (default 1)")
            p.add_argument("--sigma2", type=positive, default=1.0, help="the paper's mixture: σ² (default 1)")
            p.add_argument("--dim", type=count(1), default=None, help="dimension of the paper's mixture (default 1)")
        p.add_argument("--seed", type=seed, default=0)
        p.add_argument("--json", action="store_true", help="print one JSON object")

    rates = cmds.add_parser("rates", help="ensemble entropy production, flux and rates at given times")
    common(rates)
    rates.add_argument("--t", default="0.1,0.5,1,2", help="times, comma-separated (default 0.1,0.5,1,2)")
    rates.add_argument("--method", choices=("quadrature", "monte-carlo"), default=None,
                       help="quadrature (d ≤ 2, the default there) or monte-carlo (any d)")
    rates.add_argument("--draws", type=count(2), default=100_000, help="Monte Carlo draws per time (default 1e5)")
    rates.add_argument("--out", default=None, help="also write the rates figure here")
    spec = cmds.add_parser("speciation", help="speciation time t_S and unstable threshold t_USB per notion")
    common(spec)
    spec.add_argument("--t-max", type=positive, default=20.0, help="latest time searched (default 20)")
    spec.add_argument("--out", default=None, help="also write the potential profiles here")
    traj = cmds.add_parser("trajectories", help="per-path entropy changes and the integral fluctuation theorem")
    common(traj)
    traj.add_argument("--T", type=positive, default=10.0, help="final time (default 10, the paper's)")
    traj.add_argument("--dt", type=positive, default=0.01, help="step (default 0.01)")
    traj.add_argument("--n", type=count(2), default=10_000, help="paths (default 10000)")
    traj.add_argument("--t0", type=float, default=0.0, help="initial time (default 0; point-mass data need > 0)")
    traj.add_argument("--direction", choices=("forward", "reverse"), default="forward")
    traj.add_argument("--rule", choices=("start", "mid", "end"), default="mid",
                      help="time of the heat sum's drift within a step (default mid: the Stratonovich midpoint)")
    traj.add_argument("--out", default=None, help="also write the histogram and convergence figures here")
    phase = cmds.add_parser("phase-diagram", help="phases of ½N(μ, σ²) + ½N(−μ, σ²) over (μ, σ²)")
    common(phase, data=False)
    phase.add_argument("--mu-range", default="0.05,2,40", metavar="LOW,HIGH,COUNT")
    phase.add_argument("--sigma2-range", default="0.05,3,40", metavar="LOW,HIGH,COUNT")
    phase.add_argument("--notion", choices=("drift_potential", "density", "flow_potential"), default="drift_potential")
    phase.add_argument("--out", default=None, help="also write the phase-diagram figure here")
    fp = cmds.add_parser("franz-parisi", help="the Franz–Parisi potential V(q, t) (d = 1)")
    common(fp)
    fp.add_argument("--t", default="0.42,0.015,0.01", help="times (default: Fig. 11's)")
    fp.add_argument("--q", default="0.0005,2,80", metavar="LOW,HIGH,COUNT", help="q grid (default 0.0005,2,80)")
    fp.add_argument("--pairs", type=count(2), default=100_000, help="Monte Carlo pairs (default 1e5)")
    fp.add_argument("--distance", choices=("squared", "euclidean"), default="squared",
                    help="q is the squared distance (Eq. 74, default) or the distance (Eq. 70)")
    fp.add_argument("--out", default=None, help="also write the figure here")
    claims = cmds.add_parser("claims", help="the paper's claims: ours beside each, with the reason where they differ")
    claims.add_argument("--json", action="store_true", help="print one JSON object")


def _setup(args, types):
    from derivations import thermo

    _, _, _, params_of, values_of = types
    if hasattr(args, "data"):
        data = thermo.load_data(args.data, args.mu, args.sigma2, args.dim, seed=args.seed)
    else:  # the phase diagram makes its own 1-D mixtures
        data = thermo.paper_mixture(1.0, 1.0, 1)
    proc = thermo.process(args.sde, data, values_of(args.value) or {}, params_of(args.param))
    return thermo, proc, data


def _progress(label):
    """The CLI's progress bar as the (i, n) callback the thermo functions take."""
    return lambda i, n: progress_bar(i, n, label)


def _emit(args, obj: dict, lines: list[str]) -> None:
    print(json_document(obj, indent=2) if args.json else "\n".join(lines))


def _figures(args, what: str, draw) -> list[str]:
    """Run ``draw(folder)`` into --out atomically; the names written."""
    if not args.out:
        return []
    out = check_folder(args.out)
    with run_folder(out, what) as stage:
        names = [Path(p).name for p in draw(stage)]
    return [str(out / name) for name in names]


def run(args, types) -> int:
    from report import thermo_figures as figs

    if args.thermo_command == "claims":
        return _claims(args)
    thermo, proc, data = _setup(args, types)
    head = {"sde": args.sde, "dimension": proc.d, "conventions": thermo.CONVENTIONS}
    if args.thermo_command == "rates":
        times = _numbers(args.t, "--t")
        result = thermo.rates(proc, data, times, args.method, args.draws, args.seed, _progress("rates"))
        written = _figures(args, "thermo rates", lambda stage: [
            figs.rates_figure(result, stage / "rates_forward.png", "forward process"),
            figs.rates_figure(result, stage / "rates_reverse.png", "reverse process", reverse=True)])
        lines = [f"{'t':>8s} {'π':>12s} {'φ':>12s} {'dS/dt':>12s} {'S':>12s} {'φ*':>12s} {'dS*/ds':>12s}   ({result['method']})"]
        keys = ("entropy_production", "entropy_flux", "entropy_rate", "entropy", "entropy_flux_reverse",
                "entropy_rate_reverse")
        for r in result["rates"]:
            lines.append(f"{r['t']:8.4g} " + " ".join(f"{r[k]:12.6g}" for k in keys))
            lines.append(f"{'±':>8s} " + " ".join(f"{r[k + '_error']:12.2g}" for k in keys))
        lines.append(f"errors: {result['error']}; temperature 1, D = g²/2")
        _emit(args, {**head, **result, "figures": written}, lines + [f"wrote {w}" for w in written])
    elif args.thermo_command == "speciation":
        result = thermo.speciation(proc, data, args.t_max)
        written = _figures(args, "thermo speciation", lambda stage: [
            figs.profiles_figure(thermo.profiles(proc, data, _profile_times(result), notion),
                                 stage / f"profile_{notion}.png", notion.replace("_", " "), result["t_S"][notion])
            for notion in result["t_S"]])
        lines = []
        for notion in result["t_S"]:
            lines.append(f"{notion:16s} t_S = {_fmt(result['t_S'][notion])}   t_USB = {_fmt(result['t_USB'][notion])}")
            lines.append(f"{'':16s} t_S: {result['methods']['t_S'][notion]}; t_USB: {result['methods']['t_USB'][notion]}")
        _emit(args, {**head, **result, "figures": written}, lines + [f"wrote {w}" for w in written])
    elif args.thermo_command == "trajectories":
        paths = thermo.trajectories(proc, data, args.T, args.dt, args.n, args.seed, args.direction, args.rule,
                                    args.t0, _progress("steps"))
        summary = paths.summary()
        convergence = paths.convergence()
        title = f"{args.direction} process, {args.n} paths, dt = {paths.dt:g}"
        written = _figures(args, "thermo trajectories", lambda stage: [
            figs.histogram_figure(paths, stage / f"entropy_{args.direction}.png", title),
            figs.ift_figure(convergence, stage / f"ift_{args.direction}.png", title)])
        lines = [f"⟨e^(−ΔS_tot)⟩ = {summary['mean_exp_minus_dS_tot']:.5f} ± {summary['se_exp_minus_dS_tot']:.5f} "
                 f"(fluctuation theorem: 1)",
                 f"⟨ΔS_tot⟩ = {summary['mean_dS_tot']:.5f} ± {summary['se_dS_tot']:.5f}   ⟨ΔS⟩ = "
                 f"{summary['mean_dS_system']:.5f}   ⟨ΔS_E⟩ = {summary['mean_dS_environment']:.5f}",
                 f"{summary['steps']} steps of dt = {summary['dt']:g}, heat at the step's {args.rule} time"]
        _emit(args, {**head, **summary, "convergence": convergence, "figures": written},
              lines + [f"wrote {w}" for w in written])
    elif args.thermo_command == "phase-diagram":
        diagram = thermo.phase_diagram(proc, _grid(args.mu_range, "--mu-range"), _grid(args.sigma2_range, "--sigma2-range", least=1e-12),
                                       args.notion, _progress("σ² rows"))
        written = _figures(args, "thermo phase diagram", lambda stage: [
            figs.phase_figure(diagram, stage / "phase_diagram.png")])
        counts = {phase: sum(cell["phase"] == phase for row in diagram["grid"] for cell in row)
                  for phase in diagram["phases"]}
        _emit(args, {**head, **diagram, "figures": written},
              [f"{phase}: {n} grid points" for phase, n in counts.items()] + [f"wrote {w}" for w in written])
    else:
        result = thermo.franz_parisi_curves(proc, data, _numbers(args.t, "--t"), _grid(args.q, "--q", least=1e-12), args.pairs,
                                            args.seed, args.distance)
        written = _figures(args, "thermo franz-parisi", lambda stage: [
            figs.franz_parisi_figure(result, stage / "franz_parisi.png", result["convention"])])
        lines = [f"t = {c['t']:g}: V from {c['V'][0]['value']:.4g} to {c['V'][-1]['value']:.4g} over q in "
                 f"[{c['q'][0]:g}, {c['q'][-1]:g}]" for c in result["curves"]]
        _emit(args, {**head, **result, "figures": written}, lines + [result["convention"]] + [f"wrote {w}" for w in written])
    return 0


def _profile_times(result: dict) -> list[float]:
    t_S = result["t_S"].get("drift_potential")
    return [0.05, 0.5 * t_S, t_S, 2 * t_S, 3.0] if t_S else [0.05, 0.3, 1.0, 3.0]


def _fmt(value) -> str:
    return "none" if value is None else f"{value:.6f}"


def _claims(args) -> int:
    from derivations.yu_huang import CLAIMS

    return print_claims(CLAIMS, args.json)


def print_claims(claims, as_json: bool) -> int:
    """A paper's claims with our findings: one JSON object, or a block per claim."""
    from derivations.claims import rows

    found = rows(claims)
    if as_json:
        print(json_document({"claims": found}, indent=2))
        return 0
    for row in found:
        verdict = {True: "agree", False: "DISAGREE", None: "ambiguous"}[row["agree"]]
        print(f"{row['key']:18s} {verdict:9s} {row['where']}: {row['paper']}")
        print(f"{'':28s} ours: {row['ours']}")
        if row["reason"]:
            print(f"{'':28s} because: {row['reason']}")
    return 0
