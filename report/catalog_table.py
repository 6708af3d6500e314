"""The catalog comparison as a text table and as data (ours beside the paper's, with reasons)."""

from __future__ import annotations

import sympy as sp

from derivations.catalog import Comparison


def comparison_json(c: Comparison) -> dict:
    """One catalog entry: per compared item, ours, the paper's, agree, reason."""
    result = c.result
    return {
        "name": c.entry.name,
        "title": c.entry.title,
        "pde": result.pde.canonical,
        "parameters": {p.name: p.assumption for p in result.pde.parameters},
        "mode": result.mode,
        "items": {
            "omega": {"ours": [sp.sstr(b.omega) for b in result.branches or ()],
                      "agree": c.omega_agree, "reason": c.reason("omega")},
            "criterion": {"ours": result.criterion.holds, "paper": c.entry.paper_criterion,
                          "condition": None if result.criterion.condition is None
                          else sp.sstr(result.criterion.condition),
                          "agree": c.criterion_agree, "reason": c.reason("criterion"),
                          "other_reading": c.other_reading},
        },
        "numeric_check_agrees": result.criterion.agree,
    }


def format_table(comparisons: list[Comparison]) -> str:
    """Plain-text table: derived omega, agree?, our verdict, the paper's, and reasons below."""
    header = ("name", "PDE", "derived omega", "omega ok", "ours", "paper", "verdict ok")
    rows = []
    for c in comparisons:
        omegas = "; ".join(sp.sstr(b.omega) for b in c.result.branches or ()) or "(numeric)"
        rows.append((c.entry.name, c.result.pde.canonical, omegas, "yes" if c.omega_agree else "NO",
                     c.result.criterion.holds, c.entry.paper_criterion, "yes" if c.criterion_agree else "NO"))
    widths = [min(max(len(r[i]) for r in [header, *rows]), 48) for i in range(len(header))]
    clip = lambda text, w: text if len(text) <= w else text[: w - 1] + "…"
    lines = ["  ".join(clip(h, w).ljust(w) for h, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(clip(x, w).ljust(w) for x, w in zip(r, widths)))
    lines.append("")
    for c in comparisons:
        for item, ok in (("omega", c.omega_agree), ("criterion", c.criterion_agree)):
            if not ok:
                lines.append(f"* {c.entry.name} / {item}: {c.reason(item)}")
    return "\n".join(lines)
