"""The report's "Non-equilibrium thermodynamics" part: Yu & Huang's Figs 2–11 at the paper's settings
(App. A: T = 10, dt = 0.01, 10 000 paths, μ = 1; Figs 9–10: σ² = 0.4; Fig. 11: σ² = 0.1), the claims
table (derivations.yu_huang) with our numbers beside the paper's, and the errata found."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from derivations import thermo
from derivations.claims import rows
from derivations.yu_huang import CLAIMS, forward_paths, ou, reverse_paths
from .document import Figure, Heading, Items, Table, para
from . import thermo_figures as figs

VERDICT = {True: "yes", False: "NO", None: "ambiguous"}


def thermo_part(figures_dir: Path, progress=None) -> tuple[list, dict]:
    """(blocks, JSON) of the part; figures are written into ``figures_dir``."""
    figures_dir, step = part_setup(figures_dir, progress, 8)
    _, proc = ou()

    step("claims")
    blocks = [Heading(1, "Non-equilibrium thermodynamics (Yu & Huang)"),
              para("The forward process is the paper's Ornstein–Uhlenbeck SDE dX = −X dt + √2 dW on "
                   "½N(μ, σ²) + ½N(−μ, σ²); its reversal runs in s = T − t with drift −b + 2D∂ ln p. Conventions: "
                   "temperature 1, D = g²/2, natural logarithms, entropy flux φ = ∫ b·J/D, entropy production "
                   "π = ∫ J²/(Dp). Every number below is computed by the workbench: symbolic derivations checked by "
                   "substitution, quadrature, Monte Carlo with standard errors, simulated trajectories.")]
    blocks += claims_blocks(CLAIMS, "derivations/yu_huang.py")
    out = {"claims": rows(CLAIMS)}

    step("trajectories")
    for number, (direction, paths) in zip(((2, 3), (7, 8)), (("forward", forward_paths()),
                                                            ("reverse", reverse_paths()))):
        s = paths.summary()
        title = f"{direction} process: μ = 1, T = 10, dt = 0.01, {s['n']} paths"
        conv = figs.ift_figure(paths.convergence(), figures_dir / f"yh_fig{number[0]}.png", title)
        hist = figs.histogram_figure(paths, figures_dir / f"yh_fig{number[1]}.png", title)
        numbers = (f"⟨e^(−ΔS_tot)⟩ = {s['mean_exp_minus_dS_tot']:.4f} ± {s['se_exp_minus_dS_tot']:.4f} (1 by the "
                   f"fluctuation theorem); ⟨ΔS_tot⟩ = {s['mean_dS_tot']:.4f} ± {s['se_dS_tot']:.4f}, "
                   f"⟨ΔS⟩ = {s['mean_dS_system']:.4f}, ⟨ΔS_E⟩ = {s['mean_dS_environment']:.4f}")
        blocks += [Heading(2, f"Figs. {number[0]} and {number[1]}: the {direction} process"), para(numbers),
                   Figure(conv, f"Fig. {number[0]} regenerated: ⟨e^(−ΔS_tot)⟩ over the first n paths, ± 2 standard "
                                "errors."),
                   Figure(hist, f"Fig. {number[1]} regenerated: histograms of the entropy changes.")]
        out[direction] = s

    step("landscapes")
    speciation = thermo.speciation(proc, thermo.paper_mixture(1.0, 1.0, 1))
    t_S = speciation["t_S"]["drift_potential"]
    curves = thermo.profiles(proc, thermo.paper_mixture(1.0, 1.0, 1), [0.05, 0.2, t_S, 0.6, 1.5], "drift_potential")
    fig4 = figs.profiles_figure(curves, figures_dir / "yh_fig4.png", "drift potential, μ = 1, σ² = 1", t_S)
    blocks += [Heading(2, "Fig. 4: the potential and the speciation time"),
               para(f"μ = 1, σ² = 1: t_S = {t_S:.6f} for the reverse SDE's drift potential (the paper: ≈ 0.35); the "
                    f"density landscape −ln p and the probability-flow potential give "
                    f"{_fmt(speciation['t_S']['density'])} and {_fmt(speciation['t_S']['flow_potential'])}."),
               Figure(fig4, "Fig. 4 regenerated: U(x, t) − U(0, t) at several t.")]
    out["speciation"] = speciation

    step("phase diagram")
    diagram = thermo.phase_diagram(proc, np.linspace(0.05, 2, 40), np.linspace(0.05, 3, 40))
    mu_line = np.linspace(0.0, 1 / np.sqrt(2), 100)
    boundaries = {"t_S = 0": (np.concatenate([mu_line, mu_line[::-1]]),
                              np.concatenate([1 - np.sqrt(1 - 2 * mu_line**2), (1 + np.sqrt(1 - 2 * mu_line**2))[::-1]])),
                  "t_USB = 0": (np.array([0.05, 2.0]), np.array([2.0, 2.0]))}
    fig5 = figs.phase_figure(diagram, figures_dir / "yh_fig5.png", boundaries)
    blocks += [Heading(2, "Fig. 5: phase diagram"),
               para("Phases of the drift potential over (μ, σ²); dashed: the closed-form boundaries (σ² − 1)² = 1 − 2μ² "
                    f"(t_S = 0, from the paper's t_S formula) and σ² = 2 (t_USB = 0). {diagram['checked']['points']} grid "
                    f"points recomputed by root-finding on the landscape differ by at most "
                    f"{diagram['checked']['largest_difference']:.1e}."),
               Figure(fig5, "Fig. 5 regenerated.")]
    phases = (("stable symmetry breaking", 1.0, 1.0), ("symmetry un-breaking", 0.3, 0.8),
              ("unstable symmetry breaking", 1.0, 4.0))
    step("phases")
    for i, (label, m, s2) in enumerate(phases):
        data = thermo.paper_mixture(m, s2, 1)
        spec = thermo.speciation(proc, data)
        times = [0.02, 0.3, 0.8, 2.0]
        path = figs.profiles_figure(thermo.profiles(proc, data, times, "drift_potential"),
                                    figures_dir / f"yh_fig6{'abc'[i]}.png", f"({'abc'[i]}) {label}: μ = {m}, σ² = {s2}",
                                    spec["t_S"]["drift_potential"])
        blocks.append(Figure(path, f"Fig. 6{'abc'[i]} regenerated: {label} (t_S = "
                                   f"{_fmt(spec['t_S']['drift_potential'])}, t_USB = {_fmt(spec['t_USB']['drift_potential'])})."))

    step("rates")
    rates = thermo.rates(proc, thermo.paper_mixture(1.0, 0.4, 1), np.linspace(0.0, 3.0, 61))
    fig9 = figs.rates_figure(rates, figures_dir / "yh_fig9.png", "forward OU, μ = 1, σ² = 0.4")
    fig10 = figs.rates_figure(rates, figures_dir / "yh_fig10.png", "reverse process, μ = 1, σ² = 0.4", reverse=True)
    blocks += [Heading(2, "Figs. 9 and 10: entropy production and flux"),
               para("By quadrature of the definitions (error bands: the quadrature's bound, too small to see); the "
                    "paper's App. E closed forms agree to rounding (see the claims table)."),
               Figure(fig9, "Fig. 9 regenerated: forward process."),
               Figure(fig10, "Fig. 10 regenerated: reverse process (time runs right to left).")]
    out["rates"] = rates

    step("Franz–Parisi")
    fp = thermo.franz_parisi_curves(proc, thermo.paper_mixture(1.0, 0.1, 1), [0.42, 0.015, 0.01],
                                    np.linspace(0.0005, 2, 80), pairs=50_000)
    fig11 = figs.franz_parisi_figure(fp, figures_dir / "yh_fig11.png", "μ = 1, σ² = 0.1; " + fp["convention"])
    blocks += [Heading(2, "Fig. 11: the Franz–Parisi potential"),
               para(f"Monte Carlo over {fp['pairs']} joint draws (X0', X_t) per time, ± 2 standard errors; "
                    f"{fp['convention']}."),
               Figure(fig11, "Fig. 11 regenerated.")]
    out["franz_parisi"] = {"distance": fp["distance"], "pairs": fp["pairs"]}
    step("done")
    return blocks, out


def part_setup(figures_dir: Path, progress, total: int):
    """(the figures folder, created; a step(label) callback that reports progress i of ``total``)."""
    figures_dir = Path(figures_dir)
    figures_dir.mkdir(parents=True, exist_ok=True)
    steps = []

    def step(label):
        if progress:
            progress(len(steps), total, label)
        steps.append(label)
    return figures_dir, step


def claims_blocks(claims, source: str) -> list:
    """The claims table and, when any disagree or are ambiguous, the errata list."""
    table = [(c.where, c.paper, c.finding.ours, VERDICT[c.finding.agree]) for c in claims]
    errata = [(f"{c.where}: the paper says ", c.paper, "; we find ", c.finding.ours, ". Because: ", c.finding.reason)
              for c in claims if c.finding.agree is not True]
    blocks = [Heading(2, "The paper's claims"),
              Table(("where", "the paper says", "we find", "agree?"), tuple(table),
                    caption=f"Each claim checked by a route of our own ({source}).", widths=(1.2, 3, 5, 1))]
    if errata:
        blocks += [Heading(2, "Errata and ambiguities"),
                   para("The paper says X, we find Y, because Z; a test checks that every disagreement and ambiguity "
                        "carries its reason."),
                   Items(tuple(errata))]
    return blocks


def _fmt(value) -> str:
    return "none" if value is None else f"{value:.4f}"
