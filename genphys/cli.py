"""The `genphys` command line: check a PDE, print the paper catalog."""

from __future__ import annotations

import argparse
import json
import sys

from analytic.budget import DEFAULT_BUDGET_S
from analytic.errors import GenphysError, PDEInputError
from analytic.grammar import parse
from derivations.check import check, format_text, to_json


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad options like every other bad input: one line, exit 2."""

    def error(self, message):
        raise PDEInputError(f"{self.prog}: {message} (see {self.prog} --help)")


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


def _add_pde_options(sub: argparse.ArgumentParser, example: str, dim_default: str, budget_help: str) -> None:
    """The PDE argument and the options `check` and `derive` share."""
    sub.add_argument("pde", help=f'the PDE, e.g. "{example}"')
    sub.add_argument("--dim", type=int, default=None, help=f"space dimension N (default: {dim_default})")
    sub.add_argument("--param", action="append", default=[], metavar="NAME=ASSUMPTION",
                     help="positive | nonnegative | negative | nonpositive | nonzero | real (default real)")
    sub.add_argument("--mode", choices=("evolution", "boundary"), default=None,
                     help="how t is read (default: boundary iff the principal part is elliptic)")
    sub.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S,
                     help=f"{budget_help} (default {DEFAULT_BUDGET_S:g})")
    sub.add_argument("--json", action="store_true", help="print one JSON object")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="genphys", description="GenPhys Workbench: can this linear PDE generate data?")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, required=True)
    chk = sub.add_parser("check", help="dispersion relation and the s-generative criterion (Eq. 16)")
    _add_pde_options(chk, example="phi_tt + 2*eps*phi_t - lap(phi)", dim_default="symbolic / inferred",
                     budget_help="seconds per symbolic step before falling back to numerics")
    der = sub.add_parser("derive", help="Green's function, density flow (p, v, R), C1, C2 and the verdict")
    _add_pde_options(der, example="phi_t - lap(phi)", dim_default="1, 2 and 3", budget_help="seconds per symbolic step")
    der.add_argument("--eval", action="append", default=[], metavar="R,T", dest="points",
                     help="add G(r, t) at this point (repeatable; needs --dim)")
    cat = sub.add_parser("catalog", help="the paper's PDEs: derived vs the paper's tables, with reasons")
    cat.add_argument("--json", action="store_true", help="print the comparison as JSON")
    cat.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S, help="seconds per symbolic step")
    return parser


def _progress(i: int, n: int, label: str) -> None:
    if sys.stderr.isatty():
        bar = "#" * (20 * i // n)
        sys.stderr.write(f"\r[{bar:20s}] {i}/{n} {label:30s}")
        if i == n:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _parsed_pde(args):
    """The PDE of `check`/`derive` from their shared options, with the budget validated."""
    pde = parse(args.pde, _params(args.param), dim=args.dim)
    if args.budget is not None and args.budget <= 0:
        raise PDEInputError(f"--budget {args.budget}: must be a positive number of seconds")
    return pde


def _run_check(args) -> int:
    pde = _parsed_pde(args)
    result = check(pde, mode=args.mode, budget=args.budget)
    print(json.dumps(to_json(result), indent=2) if args.json else format_text(result))
    return 0


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
    from derivations.derive import derive, format_text as derive_text, to_json as derive_json

    pde = _parsed_pde(args)
    result = derive(pde, mode=args.mode, dim=args.dim, budget=args.budget, evaluate=_points(args.points))
    print(json.dumps(derive_json(result), indent=2) if args.json else derive_text(result))
    if result.unsupported:
        print(f"error: {result.unsupported}", file=sys.stderr)
        return 2
    return 0


def _run_catalog(args) -> int:
    from derivations.catalog import CATALOG, compare
    from report.catalog_table import comparison_json, format_table

    comparisons = []
    for i, e in enumerate(CATALOG):
        _progress(i, len(CATALOG), e.name)
        comparisons.append(compare(e, budget=args.budget))
    _progress(len(CATALOG), len(CATALOG), "done")
    if args.json:
        print(json.dumps([comparison_json(c) for c in comparisons], indent=2))
    else:
        print(format_table(comparisons))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    want_json = "--json" in argv
    try:
        args = _build_parser().parse_args(argv)
        run = {"check": _run_check, "derive": _run_derive, "catalog": _run_catalog}[args.command]
        return run(args)
    except GenphysError as exc:
        message = " ".join(str(exc).split())
        print(f"error: {message}", file=sys.stderr)
        if want_json:
            print(json.dumps({"error": {"type": exc.kind, "message": message}}))
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
