"""The check and derive results in the forms other tools read: the JSON objects of `genphys check --json` and
`genphys derive --json` (the results' ``to_json``; `check.load_check` and `derive.load_derivation` read them back
by deriving again and comparing, through `json_source` and `require_same`) and the LaTeX that Jupyter shows (the
results' ``_repr_latex_``).

They live beside the pipelines, not in report/, because the result types' own methods return them and a lower
layer never imports report/ (README, "Layout"); report/ writes documents from these results.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from analytic.dispersion import USER_MODE
from analytic.errors import NotSupportedError, PDEInputError
from analytic.outcome import Holds
from analytic.pde import latex, text
from numeric import conditions as kernel_conditions

if TYPE_CHECKING:
    from numeric.dispersion_scan import SampleScan
    from .check import CheckResult, Criterion
    from .derive import Derivation


# ---------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------
def jsonable(value):
    """Plain JSON values: dicts and lists recursed, NumPy scalars as floats, NaN and ±inf as null."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _scan_json(sc: SampleScan) -> dict:
    return {"params": sc.params, "holds": sc.holds, "E0": sc.E0, "worst_gap": sc.worst_gap,
            "worst_k": sc.worst_k, **({"note": sc.note} if sc.note else {})}


def check_json(result: CheckResult) -> dict:
    """The `genphys check --json` object (a contract: other tools read its keys)."""
    pde, c = result.pde, result.criterion
    cases = [] if c.symbolic is None else [
        {"condition": text(case.condition), "holds": case.holds, "reason": case.reason,
         "E0": None if case.E0 is None else text(case.E0)} for case in c.symbolic.cases]
    return {
        "pde": pde.canonical,
        "input": pde.text,
        "dimension": pde.dimension if isinstance(pde.dimension, int) else str(pde.dimension),
        "mode": result.mode,
        "mode_reason": result.mode_reason,
        "symbol": text(pde.symbol),
        "time_order": pde.time_order,
        "isotropic": pde.isotropic,
        "parameters": [{"name": p.name, "assumption": p.assumption, "declared": p.declared}
                       for p in pde.parameters],
        "branches": [] if result.branches is None else [
            {"omega": text(b.omega), "latex": latex(b.omega), "s": text(b.s), "multiplicity": b.multiplicity}
            for b in result.branches],
        "criterion": {
            "holds": c.holds.value,
            "condition": None if c.condition is None else text(c.condition),
            "witness": jsonable(c.witness),
            "method": c.method,
            "assumptions": list(c.assumptions),
            "agree": c.agree,
            "cases": cases,
            "regions": [{"condition": text(cell.condition), "holds": cell.holds, "source": cell.source,
                         "reason": cell.reason} for cell in c.cells],
            "disagreements": jsonable(list(c.disagreements)),
            "numeric_check": [_scan_json(sc) for sc in c.numeric],
            "notes": list(c.notes),
        },
        "verdict": result.verdict,
    }


def json_source(source, what: str) -> dict:
    """A `check_json`/`derivation_json` object given as itself, as its JSON text, or as the path of a file holding
    it (`genphys check/derive --json`)."""
    if isinstance(source, dict):
        obj = source
    elif isinstance(source, str) and source.lstrip().startswith("{"):
        try:
            obj = json.loads(source)
        except ValueError as exc:
            raise PDEInputError(f"the JSON text given is not valid JSON ({exc})") from None
    else:
        shown = str(source) if len(str(source)) <= 80 else str(source)[:77] + "..."
        try:
            obj = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)[:200]
            raise PDEInputError(f"{shown!r}: cannot read a JSON object from it ({reason})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("input"), str) or not isinstance(obj.get("parameters"),
                                                                                            list):
        raise PDEInputError(f"not a `genphys {what} --json` object: it needs the keys 'input' and 'parameters'")
    return obj


def recorded_mode(obj: dict) -> str | None:
    """The mode to derive a loaded object again with: the recorded one where the user chose it, else None (the
    default reading again, which `require_same` then compares with the recorded mode)."""
    return obj.get("mode") if obj.get("mode_reason") == USER_MODE else None


def recorded_assumptions(obj: dict) -> dict:
    """The declared parameters' assumptions of a check or derive JSON object."""
    return {p["name"]: p["assumption"] for p in obj["parameters"] if isinstance(p, dict) and p.get("declared")}


def require_same(recorded: dict, derived: dict, keys: list[tuple]) -> None:
    """Refuse a loaded object that this version derives differently (each key a path into both objects)."""
    def at(obj, path):
        for key in path:
            obj = obj.get(key) if isinstance(obj, dict) else None
        return obj

    differ = [(".".join(path), at(recorded, path), at(derived, path)) for path in keys
              if at(recorded, path) != at(derived, path)]
    if differ:
        where, was, now = differ[0]
        raise PDEInputError(f"the JSON records {where} = {was!r} but this version derives {now!r} (written by "
                            f"version {at(recorded, ('provenance', 'version'))}); derive it again instead of loading")


#: what a loaded check must reproduce
CHECK_KEYS = [("pde",), ("mode",), ("verdict",), ("criterion", "holds"), ("criterion", "condition")]


def _closed_json(closed, N_checks) -> dict | None:
    if closed is None:
        return None
    out = {"expr": text(closed.expr), "latex": latex(closed.expr), "pair": closed.pair}
    if N_checks:
        out["check"] = N_checks
    return out


def derivation_json(d: Derivation) -> dict:
    """The `genphys derive --json` object: check's object plus green, flow, c1, c2."""
    out = check_json(d.result)
    out["criterion_verdict"] = out["verdict"]
    out["verdict"] = d.verdict
    out["dimensions"] = [n for n in d.dims]
    if d.unsupported:
        out["error"] = {"type": NotSupportedError.kind, "message": d.unsupported}
        out.update({"green": None, "flow": None, "c1": None, "c2": None})
        return out
    checks = {}
    for kc in d.kernel_checks:
        checks.setdefault((kc.N, kc.kernel), {"transform_max_rel_error": kc.transform_error, "L_G_residual": kc.residual,
                                              "accepted": kc.accepted, **({"note": kc.note} if kc.note else {})})
    real = {}
    for N, ks in d.kernels.items():
        real[str(N)] = {name: _closed_json(c, checks.get((N, name))) for name, c in ks.items()}
    green = {"mode": d.green.mode, "G_hat": text(d.green.G_hat), "latex": latex(d.green.G_hat),
             "checks": list(d.green.checks),
             "real_space": {N: {"G": v["G"] or d.numeric_G.get(N if not N.isdigit() else int(N),
                                                               "numeric (no closed form for symbolic N)")}
                            for N, v in real.items()}}
    if d.values:
        green["values"] = [list(row) for row in d.values]
    flow = {"sigma": d.flow.sigma, **d.flow.forms(), "p_hat": text(d.flow.p_hat),
            "QG_hat": text(d.flow.QG_hat), "R_hat": text(d.flow.R_hat), "checks": list(d.flow.checks),
            "kernels": {N: {name: v[name] for name in ("P", "j", "R")} for N, v in real.items()}}
    c1 = {"holds": d.c1_holds.value, "samples": [
        {"params": c.params, "N": c.N, "holds": c.holds, "reason": c.reason, "where": jsonable(c.where),
         "source": c.source, "undecided_points": c.undecided, "points": c.checked} for c in d.c1]}
    c2 = {"holds": d.c2_holds.value, "distance": kernel_conditions.C2_DISTANCE, "smoothing_width": kernel_conditions.C2_WIDTH,
          "samples": [{"params": c.params, "N": c.N, "T": list(c.T), "F": list(c.F), "holds": c.holds,
                       "slope": c.slope, "predicted_slope": c.predicted, "reason": c.reason, "notes": c.notes}
                      for c in d.c2]}
    out.update({"green": green, "flow": flow, "c1": c1, "c2": c2, "notes": d.notes})
    return out


# ---------------------------------------------------------------------------------------
# LaTeX (Jupyter)
# ---------------------------------------------------------------------------------------
def check_latex(result: CheckResult) -> str:
    """The PDE, its branches and the verdict on Eq. 16 with its condition, as one displayed formula."""
    return _gathered(_pde_rows(result) + [criterion_latex(result.criterion)])


def derivation_latex(d: Derivation) -> str:
    """The PDE, its branches, G̃, the density flow and the verdict, as one displayed formula."""
    rows = _pde_rows(d.result)
    if d.green is not None and d.flow is not None:
        flow = d.flow.forms("latex")
        rows += [rf"\tilde{{G}}(k, t) = {latex(d.green.G_hat)}",
                 rf"p = {flow['p']}, \quad \mathbf{{v}} = {flow['v']}, \quad R = {flow['R']}"]
    return _gathered(rows + [criterion_latex(d.result.criterion),
                             rf"\text{{C1 {d.c1_holds}, C2 {d.c2_holds}: {d.generative}}}"])


def criterion_latex(c: Criterion) -> str:
    """The verdict on Eq. 16 as one LaTeX line: "Eq. 16 (Im ω(k) < Im ω(0)): conditional, when a² − 4b > 0"."""
    head = rf"\text{{Eq. 16 }}(\mathrm{{Im}}\,\omega(k) < \mathrm{{Im}}\,\omega(0))\text{{: {c.holds}}}"
    if c.holds is Holds.CONDITIONAL and c.condition is not None:
        return head + rf"\text{{, when }} {latex(c.condition)}"
    return head


def _pde_rows(result: CheckResult) -> list:
    return [rf"{result.pde.latex} = 0"] + [rf"\omega_{{{i + 1}}} = {latex(b.omega)}"
                                           for i, b in enumerate(result.branches or ())]


def _gathered(rows: list) -> str:
    return r"$\begin{gathered}" + r" \\ ".join(rows) + r"\end{gathered}$"
