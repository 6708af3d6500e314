"""The `genphys` command line: check, derive, generate with a PDE; verify and compare the paper catalog."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import traceback
from pathlib import Path

from analytic.budget import DEFAULT_BUDGET_S, WorkerFailure
from analytic.errors import GenphysError, NotSupportedError, PDEInputError
from analytic.grammar import parse
from derivations.check import check
from derivations.generate import VERIFY_RUN
from report.output import check_folder, json_document, run_folder, set_command
from .progress import NORMAL, QUIET, VERBOSE, configure, progress as _progress


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad options like every other bad input: one line, exit 2."""

    def error(self, message):
        raise PDEInputError(f"{self.prog}: {message} (see {self.prog} --help)")


def _positive_number(text: str) -> float:
    """argparse type: a finite number > 0 (nan, inf, 0 and negatives are refused by name)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number > 0")
    return value


def _count(least: int):
    """argparse type: an integer of at least ``least``."""
    def parse_count(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{text!r} must be at least {least}")
        return value
    return parse_count


def _seed(text: str) -> int:
    value = _count(0)(text)
    if value >= 2**63:
        raise argparse.ArgumentTypeError(f"{text!r} must be below 2**63")
    return value


def _params(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or ():
        name, sep, assumption = pair.partition("=")
        if not sep or not name.strip() or not assumption.strip():
            raise PDEInputError(f"--param {pair!r}: write NAME=ASSUMPTION, e.g. --param eps=positive")
        if name.strip() in out:
            raise PDEInputError(f"--param {name.strip()!r} given twice")
        out[name.strip()] = assumption.strip()
    return out


def _add_scheduler_options(sub: argparse.ArgumentParser) -> None:
    """Where independent pieces run (derivations.parallel)."""
    sub.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="a Dask scheduler (tcp://HOST:PORT), or 'serial' for this process (default: a "
                          "LocalCluster on this machine)")
    sub.add_argument("--workers", type=_count(1), default=None,
                     help="LocalCluster worker processes (default: one per core)")


def _add_pde_options(sub: argparse.ArgumentParser, example: str, dim_default: str, budget_help: str) -> None:
    """The PDE argument and the options `check` and `derive` share."""
    sub.add_argument("pde", help=f'the PDE, e.g. "{example}"; - reads it from standard input')
    sub.add_argument("--dim", type=_count(1), default=None, help=f"space dimension N (default: {dim_default})")
    sub.add_argument("--param", action="append", default=[], metavar="NAME=ASSUMPTION",
                     help="positive | nonnegative | negative | nonpositive | nonzero | real (default real)")
    sub.add_argument("--mode", choices=("evolution", "boundary"), default=None,
                     help="how t is read (default: boundary iff the principal part is elliptic)")
    sub.add_argument("--budget", type=_positive_number, default=DEFAULT_BUDGET_S,
                     help=f"{budget_help} (default {DEFAULT_BUDGET_S:g})")
    sub.add_argument("--json", action="store_true", help="print one JSON object")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="genphys", description="GenPhys Workbench: can this linear PDE generate data?")
    from genphys import __version__

    parser.add_argument("--version", action="version", version=f"genphys {__version__}")
    parser.add_argument("--quiet", action="store_true", help="the answer and errors only: no progress, no notes (anywhere in the line)")
    parser.add_argument("--verbose", action="store_true", help="also what each stage did and how long it took")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, required=True)
    chk = sub.add_parser("check", help="dispersion relation and the s-generative criterion (Eq. 16)")
    _add_pde_options(chk, example="phi_tt + 2*eps*phi_t - lap(phi)", dim_default="symbolic / inferred",
                     budget_help="seconds per symbolic step before falling back to numerics")
    der = sub.add_parser("derive", help="Green's function, density flow (p, v, R), C1, C2 and the verdict")
    _add_pde_options(der, example="phi_t - lap(phi)", dim_default="1, 2 and 3", budget_help="seconds per symbolic step")
    der.add_argument("--eval", action="append", default=[], metavar="R,T", dest="points",
                     help="add G(r, t) at this point (repeatable; needs --dim)")
    der.add_argument("--latex", metavar="FILE.tex", default=None,
                     help="also write the derivation as a standalone LaTeX document (figures beside it)")
    der.add_argument("--pdf", action="store_true", help="with --latex: compile it (latexmk or pdflatex)")
    der.add_argument("--no-verify", action="store_true",
                     help="with --latex: skip the generator run (the numeric verification section)")
    gen = sub.add_parser("generate", help="run the PDE's learned-free particle generator on data and score it")
    _add_pde_options(gen, example="phi_t - lap(phi)", dim_default="2, or the data's", budget_help="seconds per symbolic step")
    gen.add_argument("--value", action="append", default=[], metavar="NAME=NUMBER",
                     help="a parameter's value (default: the first sample where C1 and C2 hold)")
    gen.add_argument("--data", default="moons",
                     help="two_points | gaussians | moons | rings | swiss_roll | digits | a .npy/.csv file")
    gen.add_argument("--n-data", type=_count(2), default=2000, help="training points (default 2000)")
    gen.add_argument("--n-samples", type=_count(2), default=10000, help="particles (default 10000)")
    gen.add_argument("--steps", type=_count(1), default=100, help="integrator steps (default 100)")
    gen.add_argument("--prior", choices=("exact", "independent"), default="exact")
    gen.add_argument("--method", choices=("heun", "euler", "rk45"), default="heun")
    gen.add_argument("--flow", choices=("branching", "balanced"), default="branching",
                     help="PDEs with R != 0: weights exp(-int R/p dt) (branching, default) or the birth-free "
                          "flow of the normalised density (balanced)")
    gen.add_argument("--T", type=_positive_number, default=None, help="start time (default: kernel width 3x the data radius)")
    gen.add_argument("--t-min", type=_positive_number, default=None, help="end time (default: kernel width 1e-3 x radius)")
    gen.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    gen.add_argument("--seed", type=_seed, default=0)
    gen.add_argument("--out", default="genphys-out", help="output folder (default genphys-out)")
    sco = sub.add_parser("score", help="test whether generated samples come from the data's law (the rule "
                                       "generate and verify use)")
    sco.add_argument("samples", help="generated samples: a .npy or .csv file, one row per sample")
    sco.add_argument("--data", required=True, help="reference data: a .npy or .csv file with the same columns")
    sco.add_argument("--seed", type=_seed, default=0, help="seed of the subsampling and permutations (default 0)")
    sco.add_argument("--json", action="store_true", help="print one JSON object")
    ver = sub.add_parser("verify", help="every catalog PDE's generator on a standard 2-D case, against its verdict")
    ver.add_argument("--n-data", type=_count(8), default=VERIFY_RUN["n_data"])
    ver.add_argument("--n-samples", type=_count(2), default=VERIFY_RUN["n_samples"])
    ver.add_argument("--steps", type=_count(1), default=VERIFY_RUN["steps"])
    ver.add_argument("--seed", type=_seed, default=0)
    ver.add_argument("--only", action="append", default=[], metavar="NAME", help="catalog entries to run (repeatable)")
    ver.add_argument("--json", action="store_true", help="print the matrix as JSON")
    ver.add_argument("--budget", type=_positive_number, default=DEFAULT_BUDGET_S, help="seconds per symbolic step")
    _add_scheduler_options(ver)
    rep = sub.add_parser("report", help="the catalog (and your PDEs) as a report: HTML, Markdown, LaTeX, figures")
    rep.add_argument("pdes", nargs="*", metavar="PDE", help='your PDEs, added after the catalog, e.g. "phi_t - lap(phi)"; - reads one from standard input')
    rep.add_argument("--param", action="append", default=[], metavar="NAME=ASSUMPTION",
                     help="parameter assumptions for your PDEs (each PDE takes the ones it uses)")
    rep.add_argument("--only", action="append", default=[], metavar="NAME",
                     help="catalog entries to include (repeatable; default all)")
    rep.add_argument("--no-catalog", action="store_true", help="only your PDEs")
    rep.add_argument("--no-verify", action="store_true", help="skip the generator runs")
    rep.add_argument("--no-thermo", action="store_true", help="skip the non-equilibrium thermodynamics part")
    rep.add_argument("--no-driven", action="store_true", help="skip the driven-systems part (the Printz experiment)")
    rep.add_argument("--no-zhou", action="store_true", help="skip the SDE-ladder, cumulant and lattice part (Zhou)")
    rep.add_argument("--pdf", action="store_true", help="also compile report.tex (latexmk or pdflatex)")
    rep.add_argument("--out", default="genphys-report", help="output folder (default genphys-report)")
    rep.add_argument("--seed", type=_seed, default=0)
    rep.add_argument("--budget", type=_positive_number, default=DEFAULT_BUDGET_S, help="seconds per symbolic step")
    _add_scheduler_options(rep)
    cat = sub.add_parser("catalog", help="the paper's PDEs: derived vs the paper's tables, with reasons")
    cat.add_argument("--json", action="store_true", help="print the comparison as JSON")
    cat.add_argument("--budget", type=_positive_number, default=DEFAULT_BUDGET_S, help="seconds per symbolic step")
    from . import landscape_cli, sweep_cli, thermo_cli, zhou_cli

    sweep_cli.add_parser(sub, _TYPES)
    thermo_cli.add_parser(sub, _TYPES)
    landscape_cli.add_parser(sub, _TYPES)
    zhou_cli.add_parser(sub, _TYPES)
    return parser


#: the most a PDE read from standard input may be (the grammar refuses long input anyway: a bound on the read)
STDIN_LIMIT = 100_000


def _read_stdin(args) -> None:
    """A PDE argument "-" becomes the text on standard input (once: a second "-" is refused)."""
    pdes = getattr(args, "pdes", None) or []
    count = (getattr(args, "pde", None) == "-") + pdes.count("-")
    if not count:
        return
    if count > 1:
        raise PDEInputError("- (standard input) can be given once; pass the other PDEs as arguments")
    text = sys.stdin.read(STDIN_LIMIT + 1)
    if len(text) > STDIN_LIMIT:
        raise PDEInputError(f"standard input holds more than {STDIN_LIMIT} characters; a PDE is one short line")
    text = " ".join(text.split())
    if getattr(args, "pde", None) == "-":
        args.pde = text
    else:
        args.pdes = [text if p == "-" else p for p in pdes]


def _parsed_pde(args):
    """The PDE of `check`/`derive` from their shared options, with the budget validated."""
    return parse(args.pde, _params(args.param), dim=args.dim)


#: exit statuses (README, "Exit status")
EXIT_INPUT, EXIT_UNSUPPORTED, EXIT_DISAGREE, EXIT_BUG, EXIT_INTERRUPTED = 2, 3, 4, 1, 130


def _agreement_status(criterion) -> int:
    """0, or EXIT_DISAGREE when the symbolic and numeric routes disagree (the verdict is then undecided)."""
    if criterion.disagreements:
        print("error: the symbolic and numeric routes disagree, so the verdict is undecided; "
              "this is a defect in one of them: please report the PDE", file=sys.stderr)
        return EXIT_DISAGREE
    return 0


def _run_check(args) -> int:
    from report.text import check_text

    pde = _parsed_pde(args)
    result = check(pde, mode=args.mode, budget=args.budget)
    print(json_document(result.to_json(), indent=2) if args.json else check_text(result))
    return _agreement_status(result.criterion)


def _points(pairs: list[str]) -> list[tuple[float, float]]:
    out = []
    for pair in pairs:
        try:
            rr, tt = (float(x) for x in pair.split(","))
        except ValueError:
            raise PDEInputError(f"--eval {pair!r}: write R,T with two numbers, e.g. --eval 0.5,1") from None
        if not (rr >= 0 and tt > 0) or rr == float("inf") or tt == float("inf"):
            raise PDEInputError(f"--eval {pair!r}: need 0 <= R < inf and 0 < T < inf")
        out.append((rr, tt))
    return out


def _run_derive(args) -> int:
    from derivations.derive import derive
    from report.text import derivation_text

    pde = _parsed_pde(args)
    if args.pdf and not args.latex:
        raise PDEInputError("--pdf needs --latex FILE.tex (the PDF is compiled from it)")
    if args.latex:
        from report.derivation import latex_target, write_latex

        latex_path = latex_target(args.latex)
    result = derive(pde, mode=args.mode, dim=args.dim, budget=args.budget, evaluate=_points(args.points))
    print(json_document(result.to_json(), indent=2) if args.json else derivation_text(result))
    if args.latex:
        lines = write_latex(result, latex_path, pdf=args.pdf, verify=not args.no_verify)
        for line in lines:
            print(line, file=sys.stderr)
        if args.pdf and lines[-1].startswith("no PDF"):
            return EXIT_UNSUPPORTED
    if result.unsupported:
        print(f"error: {result.unsupported}", file=sys.stderr)
        return EXIT_UNSUPPORTED
    return _agreement_status(result.result.criterion)


def _run_catalog(args) -> int:
    from derivations.catalog import CATALOG, compare
    from report.catalog_table import comparison_json, format_table

    comparisons = []
    for i, e in enumerate(CATALOG):
        _progress(i, len(CATALOG), e.name)
        comparisons.append(compare(e, budget=args.budget))
    _progress(len(CATALOG), len(CATALOG), "done")
    if args.json:
        print(json_document([comparison_json(c) for c in comparisons], indent=2))
    else:
        print(format_table(comparisons))
    return 0


def _catalog_names(only: list[str]) -> list[str]:
    from derivations.catalog import catalog_names

    return catalog_names(only or None, "--only")


def _run_report(args) -> int:
    from report.build import report

    if args.no_catalog and not args.pdes:
        raise PDEInputError("nothing to report: --no-catalog needs at least one PDE argument")
    written = report(args.out, [] if args.no_catalog else _catalog_names(args.only), args.pdes, _params(args.param),
                     not args.no_verify, args.pdf, not args.no_thermo, not args.no_driven, not args.no_zhou,
                     args.seed, args.budget, args.scheduler, args.workers, _progress)
    for key in ("html", "markdown", "tex", "pdf"):
        if written.get(key):
            print(f"wrote {written[key]}")
    print(f"{len(written['pdes'])} PDE(s); generator contradicts the verdict for: "
          f"{', '.join(written['contradictions']) or 'none'}")
    if args.pdf and not written.get("pdf"):
        print(f"error: no PDF: {written['pdf_note']}", file=sys.stderr)
        return EXIT_UNSUPPORTED
    return 0


def _values_of(pairs: list[str]) -> dict | None:
    out = {}
    for pair in pairs:
        name, sep, number = pair.partition("=")
        try:
            out[name.strip()] = float(number)
        except ValueError:
            raise PDEInputError(f"--value {pair!r}: write NAME=NUMBER, e.g. --value m=1.5") from None
        if not sep or not name.strip():
            raise PDEInputError(f"--value {pair!r}: write NAME=NUMBER, e.g. --value m=1.5")
    return out or None


def _run_generate(args) -> int:
    import numpy as np

    from derivations.derive import derive
    from derivations.generate import data_splits, generate, outcome
    from report.figures import field_figure, samples_figure

    pde = _parsed_pde(args)
    check_folder(args.out)
    splits = data_splits(args.data, args.n_data, np.random.default_rng(args.seed), args.dim)
    d = derive(pde, mode=args.mode, dim=splits.train.shape[1], budget=args.budget, conditions=False)
    if d.unsupported:
        raise NotSupportedError(d.unsupported)
    g = generate(d, splits, _values_of(args.value), args.n_samples, args.steps, args.prior, args.method,
                 args.T, args.t_min, args.seed, args.device,
                 progress=lambda i, n: _progress(i, n, "integrating"), flow=args.flow)
    summary = {**g.summary(), "outcome": outcome(g).value}
    out = Path(args.out)
    with run_folder(out, "generate") as stage:  # all or nothing: a killed run leaves no half-new folder
        np.save(stage / "samples.npy", g.run.samples)
        if g.branching:
            np.save(stage / "weights.npy", g.run.weights)
        (stage / "metrics.json").write_text(json_document(summary, indent=2))
        figures = [samples_figure(g, stage / "samples.png"), field_figure(g, stage / "field.png")]
        names = sorted(p.name for p in stage.iterdir())
    summary["files"] = [str(out / name) for name in names]
    if args.json:
        print(json_document(summary, indent=2))
    else:
        test = g.metrics["test"]
        print(f"{g.derivation.pde.canonical}: {summary['outcome']} — two-sample test against held-out data "
              f"p = {test['p_value']:.3g} (poor below {test['alpha']:g}; {test['n_used']} points each), effect size "
              f"{test['effect_size']:.3g}; energy distance {g.metrics['energy_distance']:.4g} (data-split baseline "
              f"{g.metrics['energy_distance_baseline']:.4g}), NFE {g.run.nfe}, {g.run.wall_s:.2f} s, memorised "
              f"fraction {g.metrics['memorisation']['fraction_within_epsilon']:.3f}")
        print(f"prior at T = {g.T:.3g}: energy distance exact vs data-independent prior {g.metrics['prior_gap']:.3g} "
              f"(two exact draws: {g.metrics['prior_gap_noise']:.3g}; equal means the prior has forgotten the data)")
        for finding in g.findings:
            print(f"finding: {finding}")
        print(f"wrote {out}/samples.npy, metrics.json, " + ", ".join(p.name for p in figures if p))
    return 0


def _run_score(args) -> int:
    from numeric.datasets import load
    from numeric.metrics import two_sample_test

    samples, data = load(args.samples, what="samples"), load(args.data, what="data")
    if samples.shape[1] != data.shape[1]:
        raise PDEInputError(f"samples have {samples.shape[1]} columns but the data have {data.shape[1]}: "
                            "both files need one row per point with the same coordinates")
    out = two_sample_test(samples, data, seed=args.seed).to_json()
    if args.json:
        print(json_document(out, indent=2))
    else:
        print(f"{out['outcome']}: p = {out['p_value']:.3g} (poor below {out['alpha']:g}), statistic "
              f"{out['statistic']:.3g}, effect size (MMD) {out['effect_size']:.3g} at bandwidth {out['bandwidth']:.3g}; "
              f"{out['n_used']} of {out['n_samples']} samples against {out['n_used']} of {out['n_data']} data rows, "
              f"{out['permutations']} permutations")
    return 0


def _run_verify(args) -> int:
    from derivations.generate import verify

    names = _catalog_names(args.only)  # refused before any progress line
    _progress(0, 1, "starting")
    rows = verify(names, args.n_data, args.n_samples, args.steps, args.seed, args.budget,
                  args.scheduler, args.workers, _progress)
    if args.json:
        print(json_document(rows, indent=2, default=str))
        return 0
    from tabulate import tabulate

    table = [(row["name"], row["criterion"], row["C1"], row["C2"], row["outcome"],
              f"{row['p_value']:.3g}" if "p_value" in row else "-",
              f"{row['effect_size']:.3g}" if "p_value" in row else "-",
              "CONTRADICTS the verdict" if row["contradiction"] else "") for row in rows]
    print(tabulate(table, headers=("PDE", "Eq.16", "C1", "C2", "generator", "p", "MMD", "flag"),
                   disable_numparse=True, colalign=("left",) * 5 + ("right", "right", "left")))
    for row in rows:
        for finding in row.get("findings", []):
            print(f"finding ({row['name']}): {' '.join(str(finding).split())[:150]}")
    return 0


def _run_landscape(args) -> int:
    from . import landscape_cli

    return landscape_cli.run(args, _TYPES)


def _run_zhou(args) -> int:
    from . import zhou_cli

    return zhou_cli.run(args, _TYPES)


def _run_sweep(args) -> int:
    from . import sweep_cli

    return sweep_cli.run(args, _TYPES)


def _run_thermo(args) -> int:
    from . import thermo_cli

    return thermo_cli.run(args, _TYPES)


#: what `thermo` shares with the PDE commands: argument types and the NAME=… readers
_TYPES = (_positive_number, _count, _seed, _params, _values_of)


#: options whose value may start with a minus sign and a comma list ("--bins -1.5,1.5,30"), which argparse
#: would otherwise read as an option of its own
_LIST_OPTIONS = ("--bins", "--mu-range", "--sigma2-range", "--q", "--t", "--eval", "--orders", "--grid")


def _attach_list_values(argv: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(argv):
        if argv[i] in _LIST_OPTIONS and i + 1 < len(argv) and argv[i + 1][:1] == "-" and argv[i + 1][1:2] in \
                tuple("0123456789."):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def _verbosity(argv: list[str]) -> tuple[list[str], int | None]:
    """--quiet / --verbose taken from anywhere in the command line (before or after the subcommand); None when
    both are given."""
    quiet, verbose = "--quiet" in argv, "--verbose" in argv
    level = None if quiet and verbose else QUIET if quiet else VERBOSE if verbose else NORMAL
    return [a for a in argv if a not in ("--quiet", "--verbose")], level


def main(argv: list[str] | None = None) -> int:
    # figures are written to files: the Agg backend unless the user chose one (MPLBACKEND), set before pyplot loads
    os.environ.setdefault("MPLBACKEND", "Agg")
    argv = _attach_list_values(sys.argv[1:] if argv is None else list(argv))
    set_command(argv)
    argv, level = _verbosity(argv)
    if level is None:
        return _fail("PDEInputError", "--quiet and --verbose contradict each other; give one", "--json" in argv,
                     EXIT_INPUT)
    configure(level)
    want_json = "--json" in argv
    try:
        args = _build_parser().parse_args(argv)
        _read_stdin(args)
        run = {"check": _run_check, "derive": _run_derive, "catalog": _run_catalog, "generate": _run_generate,
               "verify": _run_verify, "report": _run_report, "score": _run_score,
               "thermo": _run_thermo, "landscape": _run_landscape, "ladder": _run_zhou, "cumulants": _run_zhou,
               "lattice": _run_zhou, "sweep": _run_sweep}[args.command]
        return run(args)
    except GenphysError as exc:
        return _fail(exc.kind, " ".join(str(exc).split()), want_json,
                     EXIT_UNSUPPORTED if isinstance(exc, NotSupportedError) else EXIT_INPUT)
    except OSError as exc:  # a path the user named cannot be read or written: their input, not a bug
        where = f" {exc.filename!r}" if exc.filename else ""
        return _fail("PDEInputError", f"cannot read or write{where}: {exc.strerror or exc}", want_json, EXIT_INPUT)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a defect, not the user's fault: one clear line instead of a traceback
        if isinstance(exc, WorkerFailure):  # raised in a budgeted worker: report the original
            kind, detail, where = exc.kind, exc.message, exc.where
        else:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            kind, detail, where = type(exc).__name__, str(exc), f"{Path(frame.filename).name}:{frame.lineno}"
        message = (f"internal error ({kind}: {' '.join(detail.split())[:300]} at {where}); "
                   f"this is a bug in the workbench: please report it with the command line")
        return _fail("InternalError", message, want_json, EXIT_BUG)


def _fail(kind: str, message: str, want_json: bool, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    if want_json:
        print(json.dumps({"error": {"type": kind, "message": message}}))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
