"""`check`: dispersion relation and the s-generative criterion, with evidence from two routes.

Pipeline (one line per stage):
    pde                          parsed LinearPDE (analytic.grammar)
    mode, why  = reading         default: boundary iff the principal part is elliptic
    branches   = roots of L      closed forms, each substituted back (under the time budget)
    symbolic   = case analysis   analytic.criterion.decide (under the time budget)
    numeric    = scan            numeric.dispersion_scan.scan (mpmath, independent of the above)
    criterion  = compare         verdict, condition, witness, method, agreement
Its JSON (`to_json`) and Jupyter LaTeX are written by derivations.result_forms, its text report by report.text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import sympy as sp

from analytic.budget import DEFAULT_BUDGET_S, run_with_budget
from analytic.criterion import SymbolicCriterion, decide, sign_cells, simplify_condition
from analytic.dispersion import MODES, USER_MODE, branches, default_mode
from analytic.errors import BudgetExceeded, PDEInputError
from analytic.outcome import Holds
from analytic.pde import LinearPDE, text
from numeric.dispersion_scan import scan
from .result_forms import (CHECK_KEYS, check_json, check_latex, json_source, recorded_assumptions, recorded_mode,
                           require_same)


@dataclass(frozen=True)
class Cell:
    """One region of parameter space with its verdict and where the verdict came from."""

    condition: sp.Basic
    holds: bool | None
    source: str  # "symbolic proof" | "numeric scan" | "undecided"
    reason: str


@dataclass(frozen=True)
class Criterion:
    """Verdict on Eq. 16 with its evidence (verifiers return evidence, not a bool).

    ``holds`` is UNDECIDED when the two routes disagree anywhere (``disagreements`` says where and
    what each route says) or when neither route could decide."""

    holds: Holds
    condition: sp.Basic | None
    method: str
    witness: dict | None
    symbolic: SymbolicCriterion | None
    numeric: tuple  # SampleScan per parameter sample
    disagreements: tuple
    assumptions: tuple
    notes: tuple = field(default_factory=tuple)
    cells: tuple = field(default_factory=tuple)  # Cell per parameter region

    @property
    def agree(self) -> bool:
        return not self.disagreements

    def predict(self, pde: LinearPDE, sample: dict) -> bool | None:
        """Eq. 16 at one parameter sample: the region's verdict, else the scan at that sample."""
        found = _region_verdict(self.cells, pde, sample)
        return found if found is not None else next((sc.holds for sc in self.numeric if sc.params == sample), None)


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
        if c.holds is Holds.YES:
            return f"criterion holds ({self.mode} reading): Im ω(k) < Im ω(0) for all k ≠ 0 (GenPhys Eq. 16, C2)"
        if c.holds is Holds.NO:
            return f"criterion fails ({self.mode} reading): the PDE does not forget its data (C2 fails)"
        if c.holds is Holds.UNDECIDED:
            if c.disagreements:
                return (f"undecided ({self.mode} reading): the symbolic and numeric routes disagree at "
                        f"{len(c.disagreements)} parameter sample(s); see the method line")
            return f"undecided ({self.mode} reading): neither route could decide"
        cond = "some parameter samples (see notes)" if c.condition is None else text(c.condition)
        return f"criterion holds only when {cond} ({self.mode} reading)"

    def to_json(self) -> dict:
        """The `genphys check --json` object (JSON-ready; `load_check` reads it back)."""
        return check_json(self)

    def __repr__(self) -> str:
        return f"CheckResult({self.pde.canonical!r}, mode={self.mode!r}, holds={self.criterion.holds!r})"

    def _repr_latex_(self) -> str:
        """Jupyter: the PDE, its branches and the verdict on Eq. 16 with its condition."""
        return check_latex(self)


def check(pde: LinearPDE, mode: str | None = None, budget: float | None = DEFAULT_BUDGET_S) -> CheckResult:
    """Dispersion branches and the criterion for ``pde``; ``budget`` seconds per symbolic step."""
    if mode is None:
        mode, why = default_mode(pde)
    elif mode not in MODES:
        raise PDEInputError(f"mode {mode!r} is not known; use one of: {', '.join(MODES)}")
    else:
        why = USER_MODE
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
    def scan_within_budget(samples=None):
        try:
            return run_with_budget(scan, pde, mode, samples, seconds=budget, what="numeric scan")
        except BudgetExceeded as exc:
            notes.append(f"{exc}; the verdict rests on the symbolic route alone")
            return []

    criterion = _combine(pde, symbolic, scan_within_budget, notes)
    return CheckResult(pde, mode, why, None if found is None else tuple(found), criterion)


def sample_values(pde: LinearPDE, sample: dict) -> dict:
    """Parameter symbol -> the exact rational of a sample's value (as written: 0.35 is 7/20)."""
    return {p.symbol: sp.Rational(str(sample[p.name])) for p in pde.parameters}


def _symbolic_cells(symbolic: SymbolicCriterion | None, pde: LinearPDE) -> list[Cell]:
    """The symbolic route's cases as cells; without that route, the sign cells it would start from."""
    if symbolic is None:
        return [Cell(cond, None, "undecided", "the symbolic route ran out of time or failed")
                for cond in sign_cells(pde)]
    return [Cell(case.condition, case.holds, "symbolic proof" if case.holds is not None else "undecided",
                 case.reason) for case in symbolic.cases]


def _in_cell(cell: Cell, pde: LinearPDE, sample: dict) -> bool:
    return cell.condition.subs(sample_values(pde, sample)) is sp.true


def _region_verdict(cells, pde: LinearPDE, sample: dict) -> bool | None:
    """The verdict of the first decided cell that holds the sample (None: no decided cell does)."""
    return next((c.holds for c in cells if c.holds is not None and _in_cell(c, pde, sample)), None)


#: extra samples per undecided one-parameter region that holds none of the scan's samples
CELL_POINTS = 3


def _cell_points(cell: Cell, pde: LinearPDE) -> list[dict]:
    """Up to CELL_POINTS parameter values inside a one-parameter region: interior points of its set,
    offsets not round (as analytic.pde.SAMPLE_VALUES) so they do not fall on special values."""
    syms = list(cell.condition.free_symbols)
    if len(syms) != 1 or len(pde.parameters) != 1:
        return []
    try:
        region = cell.condition.as_set()
    except (NotImplementedError, TypeError, ValueError):
        return []
    out = []
    for piece in (region.args if isinstance(region, sp.Union) else (region,)):
        if isinstance(piece, sp.FiniteSet):
            out += [float(v) for v in piece if v.is_real]
        elif isinstance(piece, sp.Interval):
            lo, hi = piece.start, piece.end
            if lo.is_infinite and hi.is_infinite:
                out += [-1.3, 0.7]
            elif lo.is_infinite:
                out += [float(hi) - 0.7, float(hi) - 2.9]
            elif hi.is_infinite:
                out += [float(lo) + 0.7, float(lo) + 2.9]
            else:
                out += [float(lo + (hi - lo) * f) for f in (sp.Rational(1, 3), sp.Rational(2, 3))]
    name = pde.parameters[0].name
    return [{name: v} for v in out[:CELL_POINTS] if _in_cell(cell, pde, {name: v})]


def _numeric_cells(cells: list[Cell], pde: LinearPDE, scan_at, numeric: list) -> list[Cell]:
    """Each undecided cell decided by the scan at the samples inside it, when they all agree.

    Cells that hold no scanned sample get a few of their own (one-parameter regions); a cell whose
    samples disagree stays undecided. ``numeric`` is extended with the extra scans."""
    out = []
    for cell in cells:
        if cell.holds is not None:
            out.append(cell)
            continue
        inside = [sc for sc in numeric if _in_cell(cell, pde, sc.params)]
        if not inside:
            points = _cell_points(cell, pde)
            extra = scan_at(points) if points else []
            numeric.extend(extra)
            inside = extra
        verdicts = {sc.holds for sc in inside if sc.holds is not None}
        if len(verdicts) == 1:
            verdict = verdicts.pop()
            where = ", ".join(json.dumps(sc.params) for sc in inside if sc.holds is not None)
            out.append(Cell(cell.condition, verdict, "numeric scan",
                            f"the scan {'holds' if verdict else 'fails'} at every sample in this region ({where}); "
                            f"symbolic route: {cell.reason}"))
        else:
            why = "no sample in this region" if not verdicts else "the scan both holds and fails in this region"
            out.append(Cell(cell.condition, None, "undecided", f"{why}; symbolic route: {cell.reason}"))
    return out


def _combine(pde: LinearPDE, symbolic, scan_at, notes: list) -> Criterion:
    """The verdict from both routes; ``scan_at(samples)`` runs the numeric scan (None: the default samples)."""
    numeric = list(scan_at())
    cells = _symbolic_cells(symbolic, pde)
    predictions = [_region_verdict(cells, pde, sc.params) for sc in numeric]
    disagreements = tuple(
        {"params": sc.params, "symbolic": pred, "numeric": sc.holds, "worst_k": sc.worst_k}
        for sc, pred in zip(numeric, predictions)
        if pred is not None and sc.holds is not None and pred != sc.holds and not (pred and sc.marginal))
    for sc, pred in zip(numeric, predictions):
        if pred and sc.marginal:
            gap = f"= {sc.worst_gap:.3g}" if sc.worst_gap else "(negative, under 1e-308 in size)"
            notes.append(f"at {json.dumps(sc.params)} the scan's worst gap E(k) − E(0) {gap} is below its "
                         "resolution, so it cannot confirm the strict inequality; the proof decides there")
    checked = sum(p is not None and sc.holds is not None for p, sc in zip(predictions, numeric))
    failed = [sc for sc in numeric if sc.holds is None]
    if failed:
        notes.append("the numeric scan could not be carried out at " + "; ".join(
            f"{json.dumps(sc.params)} ({sc.note})" for sc in failed))
    assumptions = tuple(p.describe() for p in pde.parameters)
    proved = symbolic is not None and symbolic.complete
    if not proved:
        cells = _numeric_cells(cells, pde, scan_at, numeric)
    by_numeric = [c for c in cells if c.source == "numeric scan"]
    if all(c.holds is not None for c in cells):
        condition = simplify_condition(sp.Or(*[c.condition for c in cells if c.holds]), pde)
        holds = Holds.YES if condition is sp.true else Holds.NO if condition is sp.false else Holds.CONDITIONAL
    else:
        passed = [sc for sc in numeric if sc.holds]
        decided = [sc for sc in numeric if sc.holds is not None]
        holds = Holds.tally([sc.holds for sc in decided])
        condition = {Holds.YES: sp.true, Holds.NO: sp.false}.get(holds)
        if holds is Holds.CONDITIONAL:
            notes.append("holds at samples: " + ", ".join(json.dumps(sc.params) for sc in passed))
            known = [c.condition for c in cells if c.holds]
            if known:
                condition = simplify_condition(sp.Or(*known), pde)
                notes.append("the condition covers only the parameter regions that were decided; "
                             "the others are listed as undecided cases")
    if proved:
        routes = sorted({"Routh-Hurwitz" if "Hurwitz" in c.reason else "closed-form branches"
                         for c in symbolic.cases})
        method = (f"symbolic proof ({', '.join(routes)}; {len(symbolic.cases)} parameter case(s)); "
                  f"numeric scan {'agrees' if not disagreements else 'DISAGREES'} at "
                  f"{checked - len(disagreements)}/{checked} parameter sample(s)")
    else:
        if symbolic is None:
            why = "the symbolic route ran out of time or failed"
        else:
            why = "the symbolic route could not decide: " + "; ".join(
                sorted({c.reason for c in symbolic.cases if c.holds is None}))
        method = f"numeric scan at {len(numeric)} parameter sample(s) ({why})"
        if by_numeric:
            method += (f"; the condition was found by the numeric scan over {len(by_numeric)} parameter "
                       "region(s) of the case analysis (evidence at samples, not a proof)")
    if disagreements:
        said = "symbolic proof" if proved else "symbolic cases"
        shown = text(condition) if condition is not None else str(holds)
        method = (f"the routes DISAGREE, so the verdict is undecided: the {said} says {str(holds)} "
                  f"(condition {shown}), the numeric scan says otherwise at {len(disagreements)} of {checked} "
                  "sample(s): " + "; ".join(
                      f"{json.dumps(d['params'])} symbolic {'holds' if d['symbolic'] else 'fails'}, numeric "
                      f"{'holds' if d['numeric'] else 'fails'} (worst k {json.dumps(d['worst_k'])})"
                      for d in disagreements)
                  + ". One route has a defect: please report this PDE")
        holds, condition = Holds.UNDECIDED, None
    witness = _witness(symbolic, numeric)
    for scan_ in numeric:
        if scan_.holds and abs(scan_.E0) > 1e-12:
            trend = "grows" if scan_.E0 > 0 else "decays"
            notes.append(f"Im ω(0) = {scan_.E0:.6g} ≠ 0 at {json.dumps(scan_.params)}: the total mass {trend} "
                         "like exp(Im ω(0) t), so the density flow needs a birth/death term R")
            break
    return Criterion(holds, condition, method, witness, symbolic, tuple(numeric), disagreements, assumptions,
                     tuple(notes), tuple(cells))


def _witness(symbolic, numeric) -> dict | None:
    """Where the criterion fails: exact from the symbolic route when it needs no parameter values,
    else a failing numeric sample (concrete parameters), else the symbolic one with its case."""
    failing = [] if symbolic is None else [c for c in symbolic.cases if c.holds is False and c.witness]
    for case in failing:
        exact = all(not sp.sympify(v).free_symbols for v in case.witness.values())  # safe: internal values
        if exact and not case.conditions:
            return {**{n: float(v) for n, v in case.witness.items()},
                    "exact": {n: text(v) for n, v in case.witness.items()}, "params": {}, "source": "symbolic"}
    for scan_ in numeric:
        if scan_.holds is False and scan_.worst_k is not None and not scan_.marginal:
            return {**scan_.worst_k, "params": scan_.params, "source": "numeric scan", "gap": scan_.worst_gap}
    for case in failing:
        return {"exact": {n: text(v) for n, v in case.witness.items()}, "when": text(case.condition),
                "source": "symbolic"}
    return None


def load_check(source, budget: float | None = DEFAULT_BUDGET_S) -> CheckResult:
    """The CheckResult of a `to_json` object (or a file of one): checked again from its recorded input,
    assumptions, dimension and mode (nothing in the JSON is evaluated), and refused if this version disagrees
    with what it records."""
    from analytic.grammar import parse

    obj = json_source(source, "check")
    dim = obj.get("dimension") if isinstance(obj.get("dimension"), int) else None
    result = check(parse(obj["input"], recorded_assumptions(obj), dim=dim), mode=recorded_mode(obj), budget=budget)
    require_same(obj, check_json(result), CHECK_KEYS)
    return result


