"""The plain-text reports of `genphys check` and `genphys derive` (their JSON is the results' own to_json)."""

from __future__ import annotations

import json

import sympy as sp

from analytic.outcome import Holds
from analytic.pde import text
from derivations.check import CheckResult
from derivations.derive import Derivation
from derivations.result_forms import jsonable
from numeric.conditions import C2_DISTANCE, C2_WIDTH


def check_text(result: CheckResult) -> str:
    """Human-readable report for `genphys check`."""
    pde, c = result.pde, result.criterion
    lines = [f"PDE        {pde.canonical} = 0", f"symbol     L(s, k) = {text(pde.symbol)}   (s = -i*omega)"]
    dim = pde.dimension if isinstance(pde.dimension, int) else "N (symbolic)"
    lines.append(f"dimension  {dim}")
    lines.append(f"mode       {result.mode}: {result.mode_reason}")
    if pde.parameters:
        lines.append("parameters " + "; ".join(p.describe() for p in pde.parameters))
    if result.branches is None:
        lines.append("branches   no closed form (evaluated numerically)")
    for i, b in enumerate(result.branches or ()):
        mult = f"  (multiplicity {b.multiplicity})" if b.multiplicity > 1 else ""
        lines.append(f"{'branches' if i == 0 else '':10s} omega_{i + 1} = {text(b.omega)}{mult}")
    lines.append(f"criterion  {c.holds}" + ("" if c.condition is None or c.holds is not Holds.CONDITIONAL
                                            else f": {text(c.condition)}"))
    lines.append(f"  method   {c.method}")
    for cell in c.cells:
        tag = {True: "holds", False: "fails", None: "undecided"}[cell.holds]
        where = "all parameters" if cell.condition is sp.true else text(cell.condition)
        by = " (numeric scan)" if cell.source == "numeric scan" else ""
        lines.append(f"  case     [{where}] {tag}{by}: {cell.reason}")
    if c.witness:
        lines.append(f"  witness  {json.dumps(jsonable(c.witness))}")
    for note in c.notes:
        lines.append(f"  note     {note}")
    lines.append(f"verdict    {result.verdict}")
    return "\n".join(lines)


def derivation_text(d: Derivation) -> str:
    """Human-readable `genphys derive` report: check's lines, then G, p, v, R, C1, C2, verdict."""
    lines = [check_text(d.result).rsplit("\n", 1)[0]]
    if d.unsupported:
        lines.append(f"green      {d.unsupported}")
        lines.append(f"verdict    {d.verdict}")
        return "\n".join(lines)
    lines.append(f"G~(k,t)    {text(d.green.G_hat)}   ({d.green.mode} reading)")
    for N, ks in d.kernels.items():
        for name, closed in ks.items():
            label = f"{name}(r,t) N={N}"
            if closed is None:
                lines.append(f"{label:12s} " + (d.numeric_G.get(N, "numeric") if name == "G" else
                                                 "numeric (FFTLog tables)"))
                continue
            found = [kc for kc in d.kernel_checks if kc.N == N and kc.kernel == name]
            tag = ""
            if found and found[0].transform_error is not None:
                tag = f"   [matches the numeric transform to {found[0].transform_error:.1e}]"
            lines.append(f"{label:12s} {text(closed.expr)}{tag}")
    flow = d.flow.forms()
    lines += [f"p          {flow['p']}", f"v          {flow['v']}", f"R          {flow['R']}",
              "  checks   " + "; ".join(d.green.checks + d.flow.checks)]
    for rr, tt, v, e in d.values:
        lines.append(f"G({rr:g}, {tt:g}) = {v}   (error ≤ {e:.1e})")
    lines.append(f"C1         {d.c1_holds}")
    for c in d.c1:
        lines.append(f"  N={c.N} {json_params(c.params)} {'undecided' if c.holds is None else 'holds' if c.holds else 'fails'}: "
                     f"{c.reason}" + (f" at {json_params(jsonable(c.where))}" if c.where else ""))
    lines.append(f"C2         {d.c2_holds}   (overlap of sources at distance {C2_DISTANCE:g}, "
                 f"smoothing {C2_WIDTH:g})")
    for c in d.c2:
        lines.append(f"  N={c.N} {json_params(c.params)} {'undecided' if c.holds is None else 'holds' if c.holds else 'fails'}: {c.reason}"
                     + "".join(f"; {n}" for n in c.notes))
    for note in d.notes:
        lines.append(f"  note     {note}")
    lines.append(f"verdict    {d.verdict}")
    return "\n".join(lines)


def json_params(params: dict) -> str:
    return json.dumps(params) if params else ""
