"""The report's part on Zhou's slides ("Generative Models meets Physics"): the SDE ladder of the presets checked by
substitution, the slides' table and formulas as claims (derivations.zhou), the cumulant flow forward (closed form)
and along the learned-free generator's reverse run, and a small lattice φ⁴ comparison in both phases."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from analytic.sde_grammar import parse_sde
from derivations.claims import rows
from derivations.zhou import CLAIMS, HEAT_SDE, ladder, lattice_compare, reverse_cumulants
from numeric.lattice import Phi4, hmc
from .document import Figure, Heading, Table, para
from .figures import _save, plt
from .thermo_part import claims_blocks, part_setup

PRESETS = ("ou", "vp", "ve", "dX = -X/(1 - t) dt + dW")
#: the report's lattice runs: small enough for minutes, one point in each phase (L = 32 is benchmarks/lattice.py)
LATTICE = {"symmetric": (0.2, 0.022), "broken": (0.4, 0.022)}
LATTICE_L, LATTICE_N = 8, 2000
ORDERS = (2, 4, 6)


def cumulant_figure(flow: dict, path: Path) -> Path:
    """κ_r(t) of the heat flow from the data (closed form, band ±2 SE) beside the generator's reverse particles."""
    fig, axes = plt.subplots(1, len(ORDERS), figsize=(3.1 * len(ORDERS), 3.0))
    for ax, r in zip(axes, ORDERS):
        fw = sorted((row for row in flow["forward"] if row["order"] == r), key=lambda row: row["t"])
        rv = sorted((row for row in flow["reverse"] if row["order"] == r), key=lambda row: row["t"])
        t = np.array([row["t"] for row in fw])
        v, e = np.array([row["value"] for row in fw]), np.array([row["stderr"] for row in fw])
        ax.plot(t, v, "k-", lw=1.2, label="forward, closed form")
        ax.fill_between(t, v - 2 * e, v + 2 * e, color="0.8", label="± 2 SE (data)")
        ax.errorbar([row["t"] for row in rv], [row["value"] for row in rv], [2 * row["stderr"] for row in rv],
                    fmt="o", ms=3, color="C3", label="generator's reverse run, ± 2 SE")
        ax.set_xscale("log")
        ax.set_xlabel("t (heat equation φ_t = Δφ)")
        ax.set_ylabel(f"κ{r}")
    axes[0].legend(fontsize=6.5)
    fig.suptitle("cumulants of the forward heat flow and of the learned-free generator's particles", fontsize=9)
    return _save(fig, path)


def _bimodal(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0) + 0.5 * rng.standard_normal(n))[:, None]


def zhou_part(figures_dir: Path, progress=None, seed: int = 0) -> tuple[list, dict]:
    """(blocks, JSON) of the part; figures are written into ``figures_dir``."""
    figures_dir, step = part_setup(figures_dir, progress, 4)
    blocks = [Heading(1, "The SDE ladder, cumulants and lattice φ⁴ (Zhou, \"Generative Models meets Physics\")"),
              para("For a forward SDE dX = b dt + g dW (D = g²/2) the ladder is: the Fokker–Planck equation; the "
                   "action S = −log ρ and its PDE; the score s = −∇S and its PDE; the probability-flow velocity "
                   "v = b − D s and, when no D vanishes, the velocity's own PDE. Each rung below is substituted back "
                   "on an exact density (a Gaussian through a linear SDE) and its residual evaluated at 30 digits; "
                   "for linear SDEs the change of variables y = x/f, dτ = g²/(2f²) dt turns Fokker–Planck into the "
                   "heat equation, which `genphys check` then decides. The slides' table and formulas follow as "
                   "claims, each checked the same way.")]
    step("zhou: ladder")
    table, ladders = [], []
    for text in PRESETS:
        out = ladder(parse_sde(text))
        ladders.append(out)
        bridge = out["heat_bridge"]
        for c in out["checks"]:
            table.append((out["sde"], c["rung"], f"{c['relative']:.1e}", "yes" if c["holds"] else "NO"))
        if bridge:
            table.append((out["sde"], f"heat equation in y = {', '.join(bridge['y'])}, τ = {', '.join(bridge['tau'])}",
                          "0" if bridge["holds"] else bridge["residual"], f"check: {bridge['check']}"))
    blocks += [Heading(2, "The ladder of the presets, substituted back"),
               Table(("SDE", "rung", "relative residual", "holds?"), tuple(table),
                     caption="Residuals on the exact density from N(½, ⅓) data (derivations.zhou.ladder).",
                     widths=(2.4, 3.4, 1.2, 1))]
    step("zhou: claims")
    blocks += claims_blocks(CLAIMS, "derivations/zhou.py")
    out = {"ladders": ladders, "claims": rows(CLAIMS)}

    step("zhou: cumulant flow")
    flow = reverse_cumulants(_bimodal(2000, seed), seed=seed, orders=ORDERS)
    fig = cumulant_figure(flow, figures_dir / "zhou_cumulants.png")
    forward = {(r["t"], r["order"]): r for r in flow["forward"]}
    pairs = [(forward[(r["t"], r["order"])], r) for r in flow["reverse"]]
    agreeing = sum(abs(a["value"] - b["value"]) < 3 * np.hypot(a["stderr"], b["stderr"]) for a, b in pairs)
    blocks += [Heading(2, "The cumulant hierarchy along the flow"),
               para(f"Data: 2000 points of ½N(−1, ¼) + ½N(1, ¼) in one dimension. Forward: the heat equation is the "
                    f"Fokker–Planck equation of {HEAT_SDE}, so κ2(t) = κ2(0) + 2t and κ_r(t) = κ_r(0) for r ≥ 3 "
                    "(unbiased k-statistics of the data, errors by the jackknife carried through the map). Reverse: "
                    f"the learned-free heat generator from T = {flow['T']:g} to {flow['t_min']:g} "
                    f"({flow['n_samples']} particles, {flow['steps']} Heun steps), k-statistics of its particles at "
                    "each time. Forward noise leaves κ4 and κ6 unchanged but buries them under κ2 (κ4/κ2² → 0); "
                    f"the generator has to rebuild the ratio: {agreeing} of {len(pairs)} (t, order) points of its "
                    "particles lie within 3 combined standard errors of the forward closed form."),
               Figure(fig, "κ2, κ4, κ6 against t: the forward closed form from the data (line and band) and the "
                           "generator's particles (points).")]
    out["cumulant_flow"] = flow

    step("zhou: lattice")
    lattice_rows, lattice_json = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for phase, (kappa, lam) in LATTICE.items():
            folder = Path(tmp) / phase
            hmc(Phi4(kappa, lam), LATTICE_L, LATTICE_N, seed=seed).save(folder)
            result = lattice_compare(folder, n_samples=1000, steps=60, seed=seed)
            lattice_json[phase] = result
            for row in result["table"]:
                if row["observable"] in ("abs_M", "chi2", "U_L", "κ2(φ_x)", "κ4(φ_x)", "κ6(φ_x)", "G(1)"):
                    lattice_rows.append((f"{phase} (κ = {kappa:g})", row["observable"],
                                         *(f"{v:.4g} ± {e:.2g}" for v, e in row["values"].values())))
            mem = result["memorisation"]
            lattice_rows.append((f"{phase} (κ = {kappa:g})", "memorised", "", "",
                                 f"{mem['fraction_within_epsilon']:.0%} within ε of a training configuration"))
    blocks += [Heading(2, "Lattice φ⁴: HMC against the learned-free generator"),
               para(f"S = Σ_x [−2κ Σ_μ φ_x φ_(x+μ) + φ_x² + λ(φ_x² − 1)²] on an {LATTICE_L} × {LATTICE_L} periodic "
                    f"lattice, λ = 0.022, {LATTICE_N} configurations in 8 HMC chains (numeric.lattice; its exact checks "
                    "are the free propagator at λ = 0 and the one-site integral at L = 1). The generator is the heat "
                    "kernel's learned-free field on the train chains (dimension L²), compared with the test chains. "
                    "M is the per-site mean; errors by the blocked jackknife (HMC halves in blocks of at least "
                    "10 τ_int). Memorisation, the share of generated configurations within ε of a training one: "
                    + "; ".join(f"{phase} {lattice_json[phase]['memorisation']['fraction_within_epsilon']:.0%}"
                                for phase in LATTICE)
                    + ". A generator that reproduces its train half agrees with the test half only within the "
                    "halves' own difference. L = 32 at the slides' setting is in benchmarks/RESULTS.md."),
               Table(("phase", "observable", "train", "test", "generated"), tuple(lattice_rows),
                     caption="Observables of the train and test HMC chains and of the generated configurations.",
                     widths=(1.6, 1.2, 1.6, 1.6, 2.4))]
    out["lattice"] = lattice_json
    return blocks, out
