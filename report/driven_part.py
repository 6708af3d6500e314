"""The report's "Driven systems" part: Beyond Equilibrium's Printz experiment (Sec. 3, App. D, Fig. 1) at the
paper's stated settings, beside what the workbench finds about them (derivations.driven_claims): the claims table,
JSD(t) for every method with its floors (Fig. 1b) at the paper's drive and at a fast one, the landscape and samples
(Fig. 1c–d), basin populations, and the thermodynamics of the driving."""

from __future__ import annotations

from pathlib import Path

from derivations.claims import rows
from derivations.driven import METHODS, thermodynamics
from derivations.driven_claims import (BETA, CLAIMS, CORRECTED, EDGES, FAST, N, PAPER_STEP, PRINTED, RECORD, STEP,
                                       T, TIMES, comparison, experiment)
from .document import Figure, Heading, Table, para
from . import driven_figures as figs
from .thermo_part import claims_blocks, part_setup

LANDSCAPE_TIME = 5.0


def driven_part(figures_dir: Path, progress=None) -> tuple[list, dict]:
    """(blocks, JSON) of the part; figures are written into ``figures_dir``."""
    figures_dir, step = part_setup(figures_dir, progress, 5)

    step("driven: simulation")
    cp, snap, run = experiment()
    blocks = [Heading(1, "Driven systems (Beyond Equilibrium, the Printz experiment)"),
              para(f"The paper's App. D: overdamped Langevin dynamics dX = −∇V dt + √(2/β) dW with β = {BETA:g}, "
                   f"{N} particles uniform on [−1, 1]², T = {T:g}, half of the trajectories for training and half for "
                   f"testing. Eq. 30 as printed is V = {PRINTED}; the experiment runs on V = {CORRECTED} (the claims "
                   f"say why), integrated by Euler–Maruyama with step {STEP:g} and recorded every {RECORD:g}. Every "
                   "generator is learned-free: the equilibrium ones sample e^{−βV(t)} exactly on a fine grid, or the "
                   "Boltzmann law of the energy estimated from the training snapshot's frequencies (the paper's "
                   "method without its network); the non-equilibrium one is the heat-kernel diffusion generator "
                   "whose velocity is computed exactly from the training snapshot at t (alone, or pooled with its "
                   "neighbouring records). Each is scored against the test half on fixed bins (30 × 30 on "
                   "[−1.5, 1.5]² plus overflow bins): JSD with natural logarithms, beside the noise floor (train "
                   "against test) and the resampling floor (a bootstrap of train against test, the floor of any "
                   "generator whose law is the training snapshot).")]
    step("driven: claims")
    blocks += claims_blocks(CLAIMS, "derivations/driven_claims.py")
    out = {"claims": rows(CLAIMS), "settings": {"printed": PRINTED, "potential": CORRECTED, "fast": FAST, "beta": BETA,
                                                "n": N, "T": T, "record": RECORD, "step": STEP,
                                                "paper_step": PAPER_STEP}}

    step("driven: comparison")
    result = comparison()
    fast = comparison(FAST, times=TIMES, methods=tuple(METHODS))
    fig_b = figs.jsd_figure(result.rows, figures_dir / "be_fig1b.png", "the paper's drive (πt/2): JSD against the "
                                                                        "test half")
    fig_fast = figs.jsd_figure(fast.rows, figures_dir / "be_fig1b_fast.png", "a fast drive (40t): JSD against the "
                                                                             "test half")
    fig_c = figs.landscape_figure(result, cp, LANDSCAPE_TIME, EDGES, figures_dir / "be_fig1c.png",
                                  f"the paper's drive at t = {LANDSCAPE_TIME:g}")
    fast_cp = experiment(FAST)[0]
    fig_d = figs.landscape_figure(fast, fast_cp, LANDSCAPE_TIME, EDGES, figures_dir / "be_fig1d_fast.png",
                                  f"the fast drive (40t) at t = {LANDSCAPE_TIME:g}")
    exact_fast = [r for r in fast.rows if r["method"] == "boltzmann_exact" and r["t"] >= 1]
    ratio = (min(r["jsd"] / r["jsd_noise_floor"] for r in exact_fast), max(r["jsd"] / r["jsd_noise_floor"]
                                                                           for r in exact_fast))
    fig_basins = figs.basins_figure(fast.rows, figures_dir / "be_basins_fast.png", "fast drive: basin populations")
    table = tuple((f"{r['t']:g}", r["method"], f"{r['jsd']:.4f}", f"{r['jsd_noise_floor']:.4f}",
                   f"{r['jsd_resampling_floor']:.4f}", f"{r['energy_distance']:.2e}",
                   f"{r['energy_distance_noise_floor']:.2e}") for r in result.rows)
    blocks += [Heading(2, "Fig. 1b: JSD over time"),
               Figure(fig_b, "Fig. 1b regenerated at the paper's drive: JSD(t) of each method against the test half, "
                             "with the noise floor (dashed) and the resampling floor (dotted)."),
               Figure(fig_fast, f"The same with the wells driven at 40t instead of πt/2: from t = 1 on, exact Boltzmann "
                                f"sampling of the instantaneous energy scores {ratio[0]:.1f}–{ratio[1]:.1f} times its "
                                "noise floor."),
               Table(("t", "method", "JSD", "noise floor", "resampling floor", "energy distance", "its floor"), table,
                     caption="The paper's drive, every method and time (compare.json rows)."),
               Heading(2, "Fig. 1c–d: landscapes and samples"),
               Figure(fig_c, f"V(t = {LANDSCAPE_TIME:g}) with the test particles, the frequency-estimated energy V̂, "
                             "and each method's samples."),
               Figure(fig_d, "The same for the fast drive."),
               Figure(fig_basins, "Fast drive: the largest difference of each method's basin populations (the basins "
                                  "of V(t,·)) from the test half's, beside the train half's (dashed).")]
    out["rows"] = result.rows
    out["fast_rows"] = fast.rows

    step("driven: thermodynamics")
    th = thermodynamics(run, cp, BETA)
    th_fast = thermodynamics(experiment(FAST)[2], fast_cp, BETA)
    fig_w = figs.work_figure(th, figures_dir / "be_work.png", "the paper's drive: work and heat per particle")
    blocks += [Heading(2, "Thermodynamics of the driving"),
               para(f"Work W (the time moved with each particle held), heat Q = W − ΔV and medium entropy βQ per "
                    f"particle. The early heat is the relaxation from the uniform start; after it, the entropy "
                    f"production rate in the periodic state is β·⟨dW/dt⟩ = {th['entropy_production_rate']:.4f} ± "
                    f"{th['entropy_production_rate_se']:.4f} at the paper's drive and "
                    f"{th_fast['entropy_production_rate']:.2f} ± {th_fast['entropy_production_rate_se']:.2f} at the "
                    f"fast one. Jarzynski's equality needs an equilibrium start (`genphys landscape simulate --init "
                    f"boltzmann:LOW,HIGH`); the tests check it on traps with known free energies."),
               Figure(fig_w, "Mean work and heat with ± 2 standard errors.")]
    out["thermodynamics"] = {"paper_drive": th, "fast_drive": th_fast}
    step("driven: done")
    return blocks, out
