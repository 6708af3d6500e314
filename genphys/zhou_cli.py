"""`genphys ladder`, `genphys cumulants` and `genphys lattice …` (Zhou, "Generative Models meets Physics").

    ladder            the SDE ladder of --sde (each rung checked by substitution), or without --sde the slides'
                      table and formulas, ours beside theirs (derivations.zhou)
    cumulants         κ_r of the forward process at given times from data: closed form for linear SDEs, else
                      Monte Carlo; {"cumulants": [{"t", "order", "value", "stderr", "method"}]}
    lattice hmc       a φ⁴ ensemble by HMC (numeric.lattice), saved as configs.npy + ensemble.json
    lattice compare   the learned-free generator of a PDE on the train half against the test half
Every command has --json.
"""

from __future__ import annotations

from pathlib import Path

from analytic.errors import PDEInputError
from report.output import check_folder, json_document, run_folder
from .progress import progress as progress_bar

SDE_HELP = 'the SDE: "ou", "vp", "ve" or text such as "dX = -X/(1 - t) dt + dW"'


def add_parser(sub, types) -> None:
    positive, count, seed, _, _ = types
    lad = sub.add_parser("ladder", help="the SDE ladder FP → action → score → velocity, checked by substitution")
    lad.add_argument("--sde", default=None, help=SDE_HELP + " (default: the slides' table and formulas)")
    lad.add_argument("--param", action="append", default=[], metavar="NAME=ASSUMPTION")
    lad.add_argument("--value", action="append", default=[], metavar="NAME=NUMBER", help="a parameter's value")
    lad.add_argument("--mixture", action="store_true", help="check on a two-Gaussian mixture (slower) instead of "
                                                            "one Gaussian")
    lad.add_argument("--latex", default=None, metavar="FILE", help="also write the rungs as a LaTeX file")
    lad.add_argument("--json", action="store_true", help="print one JSON object")
    cum = sub.add_parser("cumulants", help="the forward cumulant flow κ_r(t) of an SDE from data, with errors")
    cum.add_argument("--sde", default="ve", help=SDE_HELP + " (default ve)")
    cum.add_argument("--param", action="append", default=[], metavar="NAME=ASSUMPTION")
    cum.add_argument("--value", action="append", default=[], metavar="NAME=NUMBER", help="a parameter's value")
    cum.add_argument("--data", required=True, help="a .npy or .csv of points, one per row")
    cum.add_argument("--t", default="0,0.1,1", help="times (default 0,0.1,1)")
    cum.add_argument("--orders", default="2,4,6,8", help="cumulant orders from 1 to 8 (default 2,4,6,8)")
    cum.add_argument("--step", type=positive, default=1e-3, help="Euler–Maruyama step where there is no closed "
                                                                "form (default 1e-3)")
    cum.add_argument("--seed", type=seed, default=0)
    cum.add_argument("--json", action="store_true", help="print one JSON object")
    lat = sub.add_parser("lattice", help="2-D φ⁴ lattice field theory: HMC and the learned-free generator")
    cmds = lat.add_subparsers(dest="lattice_command", required=True)
    h = cmds.add_parser("hmc", help="an HMC ensemble of S = Σ −2κ φ_x φ_{x+μ} + φ² + λ(φ² − 1)²")
    h.add_argument("--L", type=count(2), default=16, help="lattice size L × L (at least 2; default 16)")
    h.add_argument("--kappa", type=positive, default=0.4, help="hopping parameter κ (default 0.4)")
    h.add_argument("--lam", type=float, default=0.022, help="quartic coupling λ ≥ 0 (default 0.022)")
    h.add_argument("--n", type=count(2), default=10000, help="configurations, a multiple of --chains (default 10000)")
    h.add_argument("--chains", type=count(1), default=8, help="independent chains (default 8)")
    h.add_argument("--thermalise", type=count(0), default=200, help="trajectories dropped per chain (default 200)")
    h.add_argument("--seed", type=seed, default=0)
    h.add_argument("--out", default="genphys-lattice", help="output folder (default genphys-lattice)")
    h.add_argument("--json", action="store_true", help="print one JSON object")
    c = cmds.add_parser("compare", help="the learned-free generator on the train chains against the test chains")
    c.add_argument("run", metavar="DIR", help="a folder written by `genphys lattice hmc --out`")
    c.add_argument("--pde", default="phi_t - lap(phi)", help='the generator\'s PDE (default "phi_t - lap(phi)")')
    c.add_argument("--param", action="append", default=[], metavar="NAME=ASSUMPTION")
    c.add_argument("--n-samples", type=count(10), default=2000, help="generated configurations (default 2000)")
    c.add_argument("--steps", type=count(1), default=100, help="Heun steps (default 100)")
    c.add_argument("--seed", type=seed, default=0)
    c.add_argument("--json", action="store_true", help="print one JSON object")


def _ints(text: str, option: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise PDEInputError(f"{option} {text!r}: write integers separated by commas, e.g. {option} 2,4,6,8") from None


def _ladder(args, types) -> int:
    from analytic.sde_grammar import parse_sde
    from derivations import claims, zhou

    _, _, _, params_of, values_of = types
    if args.sde is None:
        if args.latex:
            raise PDEInputError("--latex writes the rungs of an SDE: pass --sde TEXT with it")
        rows = claims.rows(zhou.CLAIMS)
        if args.json:
            print(json_document({"claims": rows}, indent=2))
            return 0
        mark = {True: "agree", False: "DISAGREE", None: "ambiguous"}
        for r in rows:
            print(f"{r['key']:24s} {mark[r['agree']]:9s} {r['where']}: {r['paper']}")
            print(f"{'':34s} ours: {r['ours']}")
            if r["reason"]:
                print(f"{'':34s} why: {r['reason']}")
        return 0
    sde = parse_sde(args.sde, params_of(args.param))
    out = zhou.ladder(sde, values_of(args.value) or {}, args.mixture)
    if args.latex:
        path = Path(args.latex)
        body = "\n".join(rf"\paragraph{{{r['rung']}}} $${r['latex']}$$" for r in out["rungs"])
        path.write_text(r"\documentclass{article}\usepackage{amsmath}\begin{document}" + "\n"
                        + rf"\section*{{The SDE ladder of ${sde.latex}$}}" + "\n" + body + "\n\\end{document}\n")
        out["latex"] = str(path)
    if args.json:
        print(json_document(out, indent=2))
        return 0
    lines = [f"SDE: {out['sde']}" + (f"  (at the values: {out['numeric_sde']})" if out["numeric_sde"] != out["sde"]
                                     else ""), f"exact solution: {out['exact_solution']}"]
    lines += [f"  {r['rung']}: {r['text']}" for r in out["rungs"]]
    lines += [f"  check {c['rung']}: {'holds' if c['holds'] else 'FAILS'} (residual {c['relative']:.2g} relative; "
              f"{c['method']})" for c in out["checks"]]
    if out["unchecked"]:
        lines.append(f"  not checked (no exact density): {', '.join(out['unchecked'])}")
    bridge = out["heat_bridge"]
    if bridge:
        lines.append(f"GenPhys bridge: y = {', '.join(bridge['y'])}, τ = {', '.join(bridge['tau'])} turn FP into "
                     f"{bridge['pde']!r} ({bridge['note']}; substituted back: {'holds' if bridge['holds'] else 'FAILS'}"
                     f"); `genphys check` on it: {bridge['check']}")
    print("\n".join(lines))
    return 0


def _cumulants(args, types) -> int:
    from analytic.sde_grammar import parse_sde
    from derivations import zhou
    from numeric.datasets import load
    from .landscape_cli import _floats

    _, _, _, params_of, values_of = types
    orders = _ints(args.orders, "--orders")
    times = _floats(args.t, "--t")
    data = load(args.data)
    sde = parse_sde(args.sde, params_of(args.param))
    rows = zhou.cumulant_flow(sde, data, times, orders, values_of(args.value) or {}, args.seed, args.step,
                              lambda i, n: progress_bar(i, n, "times"))
    if args.json:
        print(json_document({"sde": sde.canonical, "data": args.data, "n": len(data), "cumulants": rows}, indent=2))
        return 0
    print(f"{sde.canonical}; {len(data)} points; {rows[0]['method']}")
    for r in rows:
        print(f"  t = {r['t']:<8g} κ{r['order']} = {r['value']:.6g} ± {r['stderr']:.2g}")
    return 0


def _hmc(args) -> int:
    from numeric.lattice import Phi4, hmc, observables
    from numeric.statistics import blocks_for

    if args.n % args.chains:
        raise PDEInputError(f"--n {args.n} must be a multiple of --chains {args.chains}")
    out = check_folder(args.out)
    ens = hmc(Phi4(args.kappa, args.lam), args.L, args.n, seed=args.seed, chains=args.chains,
              thermalise=args.thermalise, progress=lambda i, n: progress_bar(i, n, "trajectories"))
    known = [v[0] for v in ens.tau_int.values() if v is not None]
    obs = observables(ens.configs, blocks_for(len(ens.configs), max(known) if known else None))
    with run_folder(out, "lattice hmc") as stage:
        ens.save(stage)
    doc = {**ens.metadata(), "observables": obs, "out": str(out)}
    if args.json:
        print(json_document(doc, indent=2))
        return 0
    tau = ens.tau_int.get("abs_M")
    print(f"{args.n} configurations of {args.L}×{args.L} φ⁴ (κ = {args.kappa:g}, λ = {args.lam:g}) in {ens.wall_s:.1f} s; "
          f"acceptance {ens.acceptance:.3f}, step {ens.step_size:.3g}, τ_int(|M|) = "
          f"{'-' if tau is None else f'{tau[0]:.3g} ± {tau[1]:.2g}'}, thermalised: {ens.thermalisation.get('agree')}; "
          f"wrote {out / 'configs.npy'}")
    print("  " + ", ".join(f"{k} = {v:.5g} ± {e:.2g}" for k, (v, e) in obs.items()))
    return 0


def _compare(args, types) -> int:
    from derivations import zhou

    _, _, _, params_of, _ = types
    result = zhou.lattice_compare(args.run, args.pde, params_of(args.param), args.n_samples, args.steps, args.seed,
                                  lambda i, n: progress_bar(i, n, "steps"))
    if args.json:
        print(json_document(result, indent=2))
        return 0
    print(f"{result['pde']} on {result['n_train']} train configurations; {result['n_samples']} generated, compared "
          f"with {result['n_test']} test configurations (L = {result['L']})")
    for row in result["table"]:
        cells = "  ".join(f"{name} {v:.5g} ± {e:.2g}" for name, (v, e) in row["values"].items())
        print(f"  {row['observable']:10s} {cells}")
    mem = result["memorisation"]
    print(f"  memorisation: {mem['fraction_within_epsilon']:.1%} of generated configurations within ε = "
          f"{mem['epsilon']:.3g} of a training configuration (median nearest distance {mem['median_nn_distance']:.3g})")
    return 0


def run(args, types) -> int:
    if args.command == "ladder":
        return _ladder(args, types)
    if args.command == "cumulants":
        return _cumulants(args, types)
    if args.lattice_command == "hmc":
        return _hmc(args)
    return _compare(args, types)
