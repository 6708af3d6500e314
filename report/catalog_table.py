"""The catalog comparison as a text table and as data (ours beside the paper's, with reasons)."""

from __future__ import annotations

from analytic.pde import text
from derivations.catalog import Comparison

FLOW_ITEMS = ("G", "p", "v", "R", "C1", "C2")


def comparison_json(c: Comparison) -> dict:
    """One catalog entry: per compared item, ours, the paper's, agree (true/false/null), reason."""
    result = c.result
    items = {
        "omega": {"ours": [text(b.omega) for b in result.branches or ()],
                  "agree": c.omega_agree, "reason": c.reason("omega")},
        "criterion": {"ours": result.criterion.holds.value, "paper": c.entry.paper_criterion,
                      "condition": None if result.criterion.condition is None
                      else text(result.criterion.condition),
                      "agree": c.criterion_agree, "reason": c.reason("criterion"),
                      "other_reading": c.other_reading},
    }
    for item, comp in c.flow.items():
        items[item] = {"ours": comp.ours, "paper": comp.paper, "agree": comp.agree, "reason": c.reason(item)}
    return {
        "name": c.entry.name,
        "title": c.entry.title,
        "pde": result.pde.canonical,
        "parameters": {p.name: p.assumption for p in result.pde.parameters},
        "mode": result.mode,
        "items": items,
        "verdict": None if c.derivation is None else c.derivation.verdict,
        "numeric_check_agrees": result.criterion.agree,
    }


def _mark(ok) -> str:
    return "-" if ok is None else "yes" if ok else "NO"


def format_table(comparisons: list[Comparison]) -> str:
    """Plain-text table: derived omega and flow items, agree? per item, and the reasons below."""
    header = ("name", "PDE", "derived omega", "omega", "criterion", *FLOW_ITEMS, "verdict")
    rows = []
    for c in comparisons:
        omegas = "; ".join(text(b.omega) for b in c.result.branches or ()) or "(numeric)"
        flow = [_mark(c.flow[item].agree) if item in c.flow else "-" for item in FLOW_ITEMS]
        verdict = "" if c.derivation is None else str(c.derivation.generative)
        rows.append((c.entry.name, c.result.pde.canonical, omegas, _mark(c.omega_agree),
                     f"{c.result.criterion.holds} ({_mark(c.criterion_agree)})", *flow, verdict))
    widths = [min(max(len(r[i]) for r in [header, *rows]), 40) for i in range(len(header))]
    clip = lambda text, w: text if len(text) <= w else text[: w - 1] + "…"
    lines = ["agree with the paper? (yes / NO / - not comparable)", ""]
    lines.append("  ".join(clip(h, w).ljust(w) for h, w in zip(header, widths)))
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(clip(x, w).ljust(w) for x, w in zip(r, widths)))
    lines.append("")
    for c in comparisons:
        for item in c.errata_items():
            lines.append(f"* {c.entry.name} / {item}: {c.reason(item)}")
    return "\n".join(lines)
