"""`check`: dispersion relation and the s-generative criterion, with evidence from two routes.

Pipeline (one line per stage):
    pde                          parsed LinearPDE (analytic.grammar)
    mode, why  = reading         default: boundary iff the principal part is elliptic
    branches   = roots of L      closed forms, each substituted back (under the time budget)
    symbolic   = case analysis   analytic.criterion.decide (under the time budget)
    numeric    = scan            numeric.dispersion_scan.scan (mpmath, independent of the above)
    criterion  = compare         verdict, condition, witness, method, agreement
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import sympy as sp

from analytic.budget import DEFAULT_BUDGET_S, run_with_budget
from analytic.criterion import SymbolicCriterion, decide
from analytic.dispersion import MODES, branches, default_mode
from analytic.errors import BudgetExceeded, PDEInputError
from analytic.pde import LinearPDE, latex
from numeric.dispersion_scan import SampleScan, scan


@dataclass(frozen=True)
class Criterion:
    """Verdict on Eq. 16 with its evidence (STYLE.md: verifiers return evidence, not a bool)."""

    holds: str  # yes | no | conditional
    condition: sp.Basic | None
    method: str
    witness: dict | None
    symbolic: SymbolicCriterion | None
    numeric: tuple  # SampleScan per parameter sample
    disagreements: tuple
    assumptions: tuple
    notes: tuple = field(default_factory=tuple)

    @property
    def agree(self) -> bool:
        return not self.disagreements


@dataclass(frozen=True)
class CheckResult:
    pde: LinearPDE
    mode: str
    mode_reason: str
    branches: tuple | None
    criterion: Criterion

    @property
    def verdict(self) -> str:
        c = self.criterion
        if c.holds == "yes":
            return f"criterion holds ({self.mode} reading): Im ω(k) < Im ω(0) for all k ≠ 0 (GenPhys Eq. 16, C2)"
        if c.holds == "no":
            return f"criterion fails ({self.mode} reading): the PDE does not forget its data (C2 fails)"
        cond = "the numeric scan's sample region" if c.condition is None else sp.sstr(c.condition)
        return f"criterion holds only when {cond} ({self.mode} reading)"

    def to_json(self) -> dict:
        return to_json(self)

    def __repr__(self) -> str:
        return f"CheckResult({self.pde.canonical!r}, mode={self.mode!r}, holds={self.criterion.holds!r})"

    def _repr_latex_(self) -> str:
        rows = [rf"{self.pde.latex} = 0"]
        rows += [rf"\omega_{{{i + 1}}} = {latex(b.omega)}" for i, b in enumerate(self.branches or ())]
        return r"$\begin{gathered}" + r" \\ ".join(rows) + r"\end{gathered}$"


def check(pde: LinearPDE, mode: str | None = None, budget: float | None = DEFAULT_BUDGET_S) -> CheckResult:
    """Dispersion branches and the criterion for ``pde``; ``budget`` seconds per symbolic step."""
    if mode is None:
        mode, why = default_mode(pde)
    elif mode not in MODES:
        raise PDEInputError(f"mode {mode!r} is not known; use one of: {', '.join(MODES)}")
    else:
        why = "chosen by the user (--mode)"
    notes = []
    try:
        found = run_with_budget(branches, pde, seconds=budget, what="dispersion roots")
        if found is None:
            notes.append("no closed-form roots: branches are evaluated numerically")
    except BudgetExceeded as exc:
        found = None
        notes.append(f"{exc}; branches are evaluated numerically")
    try:
        symbolic = run_with_budget(decide, pde, mode, seconds=budget, what="symbolic criterion")
    except BudgetExceeded as exc:
        symbolic = None
        notes.append(f"{exc}; the verdict falls back to the numeric scan")
    except RuntimeError as exc:  # a defect in the symbolic route must not cost the user the answer
        symbolic = None
        notes.append("the symbolic route failed internally (please report it): "
                     + str(exc).strip().splitlines()[-1] + "; the verdict falls back to the numeric scan")
    numeric = tuple(scan(pde, mode))
    criterion = _combine(pde, symbolic, numeric, notes)
    return CheckResult(pde, mode, why, None if found is None else tuple(found), criterion)


def _predict(symbolic: SymbolicCriterion | None, pde: LinearPDE, sample: dict) -> bool | None:
    if symbolic is None:
        return None
    values = {p.symbol: sp.Rational(str(sample[p.name])) for p in pde.parameters}
    for case in symbolic.cases:
        if case.holds is not None and case.condition.subs(values) is sp.true:
            return case.holds
    return None


def _combine(pde: LinearPDE, symbolic, numeric: tuple, notes: list) -> Criterion:
    predictions = [_predict(symbolic, pde, scan_.params) for scan_ in numeric]
    disagreements = tuple(
        {"params": scan_.params, "symbolic": pred, "numeric": scan_.holds, "worst_k": scan_.worst_k}
        for scan_, pred in zip(numeric, predictions) if pred is not None and pred != scan_.holds)
    checked = sum(p is not None for p in predictions)
    n = len(numeric)
    assumptions = tuple(p.describe() for p in pde.parameters)
    if symbolic is not None and symbolic.complete:
        holds, condition = symbolic.holds, symbolic.condition
        routes = sorted({"Routh-Hurwitz" if "Hurwitz" in c.reason else "closed-form branches"
                         for c in symbolic.cases})
        method = (f"symbolic proof ({', '.join(routes)}; {len(symbolic.cases)} parameter case(s)); "
                  f"numeric scan {'agrees' if not disagreements else 'DISAGREES'} at "
                  f"{checked - len(disagreements)}/{n} parameter sample(s)")
    else:
        passed = [sc for sc in numeric if sc.holds]
        holds = "yes" if len(passed) == n else "no" if not passed else "conditional"
        condition = None if holds == "conditional" else (sp.true if holds == "yes" else sp.false)
        if symbolic is None:
            why = "the symbolic route ran out of time or failed"
        else:
            undecided = [c.reason for c in symbolic.cases if c.holds is None]
            why = "the symbolic route could not decide: " + "; ".join(sorted(set(undecided)))
            if symbolic.condition is not None and holds == "conditional":
                condition = symbolic.condition
                notes.append("condition covers only the parameter cases the symbolic route decided")
        method = f"numeric scan at {n} parameter sample(s) ({why})"
        if holds == "conditional":
            notes.append("holds at samples: " + ", ".join(json.dumps(sc.params) for sc in passed))
    if disagreements:
        notes.append(f"the symbolic and numeric routes disagree at {len(disagreements)} sample(s): "
                     + "; ".join(json.dumps(d["params"]) for d in disagreements))
    witness = _witness(symbolic, numeric)
    for scan_ in numeric:
        if scan_.holds and abs(scan_.E0) > 1e-12:
            trend = "grows" if scan_.E0 > 0 else "decays"
            notes.append(f"Im ω(0) = {scan_.E0:.6g} ≠ 0 at {json.dumps(scan_.params)}: the total mass {trend} "
                         "like exp(Im ω(0) t), so the density flow needs a birth/death term R")
            break
    return Criterion(holds, condition, method, witness, symbolic, numeric, disagreements, assumptions, tuple(notes))


def _witness(symbolic, numeric) -> dict | None:
    """Where the criterion fails: exact from the symbolic route when it needs no parameter values,
    else a failing numeric sample (concrete parameters), else the symbolic one with its case."""
    failing = [] if symbolic is None else [c for c in symbolic.cases if c.holds is False and c.witness]
    for case in failing:
        exact = all(not sp.sympify(v).free_symbols for v in case.witness.values())  # safe: internal values
        if exact and not case.conditions:
            return {**{n: float(v) for n, v in case.witness.items()},
                    "exact": {n: sp.sstr(v) for n, v in case.witness.items()}, "params": {}, "source": "symbolic"}
    for scan_ in numeric:
        if not scan_.holds and scan_.worst_k is not None:
            return {**scan_.worst_k, "params": scan_.params, "source": "numeric scan", "gap": scan_.worst_gap}
    for case in failing:
        return {"exact": {n: sp.sstr(v) for n, v in case.witness.items()}, "when": sp.sstr(case.condition),
                "source": "symbolic"}
    return None


def _scan_json(sc: SampleScan) -> dict:
    return {"params": sc.params, "holds": sc.holds, "E0": sc.E0, "worst_gap": sc.worst_gap,
            "worst_k": sc.worst_k, **({"note": sc.note} if sc.note else {})}


def to_json(result: CheckResult) -> dict:
    """The `genphys check --json` object (ARCHITECTURE.md, Contracts)."""
    pde, c = result.pde, result.criterion
    cases = [] if c.symbolic is None else [
        {"condition": sp.sstr(case.condition), "holds": case.holds, "reason": case.reason,
         "E0": None if case.E0 is None else sp.sstr(case.E0)} for case in c.symbolic.cases]
    return {
        "pde": pde.canonical,
        "input": pde.text,
        "dimension": pde.dimension if isinstance(pde.dimension, int) else str(pde.dimension),
        "mode": result.mode,
        "mode_reason": result.mode_reason,
        "symbol": sp.sstr(pde.symbol),
        "time_order": pde.time_order,
        "isotropic": pde.isotropic,
        "parameters": [{"name": p.name, "assumption": p.assumption, "declared": p.declared}
                       for p in pde.parameters],
        "branches": [] if result.branches is None else [
            {"omega": sp.sstr(b.omega), "latex": latex(b.omega), "s": sp.sstr(b.s), "multiplicity": b.multiplicity}
            for b in result.branches],
        "criterion": {
            "holds": c.holds,
            "condition": None if c.condition is None else sp.sstr(c.condition),
            "witness": _jsonable(c.witness),
            "method": c.method,
            "assumptions": list(c.assumptions),
            "agree": c.agree,
            "cases": cases,
            "numeric_check": [_scan_json(sc) for sc in c.numeric],
            "notes": list(c.notes),
        },
        "verdict": result.verdict,
    }


def _jsonable(value):
    """Plain JSON values: dicts and lists recursed, NumPy scalars as floats, NaN as null."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def format_text(result: CheckResult) -> str:
    """Human-readable report for `genphys check`."""
    pde, c = result.pde, result.criterion
    lines = [f"PDE        {pde.canonical} = 0", f"symbol     L(s, k) = {sp.sstr(pde.symbol)}   (s = -i*omega)"]
    dim = pde.dimension if isinstance(pde.dimension, int) else "N (symbolic)"
    lines.append(f"dimension  {dim}")
    lines.append(f"mode       {result.mode}: {result.mode_reason}")
    if pde.parameters:
        lines.append("parameters " + "; ".join(p.describe() for p in pde.parameters))
    if result.branches is None:
        lines.append("branches   no closed form (evaluated numerically)")
    for i, b in enumerate(result.branches or ()):
        mult = f"  (multiplicity {b.multiplicity})" if b.multiplicity > 1 else ""
        lines.append(f"{'branches' if i == 0 else '':10s} omega_{i + 1} = {sp.sstr(b.omega)}{mult}")
    lines.append(f"criterion  {c.holds}" + ("" if c.condition is None or c.holds != "conditional"
                                            else f": {sp.sstr(c.condition)}"))
    lines.append(f"  method   {c.method}")
    if c.symbolic is not None:
        for case in c.symbolic.cases:
            tag = {True: "holds", False: "fails", None: "undecided"}[case.holds]
            where = sp.sstr(case.condition) if case.conditions else "all parameters"
            lines.append(f"  case     [{where}] {tag}: {case.reason}")
    if c.witness:
        lines.append(f"  witness  {json.dumps(_jsonable(c.witness))}")
    for note in c.notes:
        lines.append(f"  note     {note}")
    lines.append(f"verdict    {result.verdict}")
    return "\n".join(lines)
