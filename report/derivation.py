"""One derivation as a document: PDE, symbol, branches, criterion, G̃ and G, the density flow,
C1 and C2 with their evidence, the numeric verification and the verdict (blocks for report.document).

Everything printed comes from the Derivation (and the generator run, when given); nothing is typed in.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import sympy as sp

from analytic.errors import PDEInputError
from analytic.outcome import Holds
from analytic.pde import latex
from derivations.result_forms import jsonable
from derivations.derive import Derivation
from numeric import conditions
from numeric.metrics import TEST_ALPHA
from .document import Figure, Heading, Items, Math, Table, para
from .output import byline, check_file, check_folder, run_folder
from .figures import c2_figure, dispersion_figure, field_figure, green_figure, params_label, samples_figure


def derivation_figures(d: Derivation, folder: Path, stem: str, g=None) -> dict:
    """The figures of one derivation (and of its generator run ``g``), written to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {"dispersion": dispersion_figure(d, folder / f"{stem}-dispersion.png")}
    if not d.unsupported:
        out["green"] = green_figure(d, folder / f"{stem}-green.png")
        out["c2"] = c2_figure(d, folder / f"{stem}-c2.png")
    if g is not None:
        out["samples"] = samples_figure(g, folder / f"{stem}-samples.png")
        out["field"] = field_figure(g, folder / f"{stem}-field.png")
    return {name: path for name, path in out.items() if path is not None}


def _params(params: dict) -> str:
    return params_label(params) or "-"


def _where(where: dict | None) -> str:
    """Where C1 fails, numbers to 4 digits."""
    if not where:
        return "-"
    return ", ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in jsonable(where).items())


def _tag(holds) -> str:
    return {True: "holds", False: "fails", None: "undecided"}[holds]


def derivation_blocks(d: Derivation, figures: dict | None = None, verification: dict | None = None,
                      level: int = 1, title: str | None = None, intro: tuple | None = None) -> list:
    """Blocks for ``d``; ``figures`` from `derivation_figures`, ``verification`` a `verify_one` row."""
    figures = figures or {}
    pde, result = d.pde, d.result
    crit = result.criterion
    blocks = [Heading(level, title or f"{pde.canonical} = 0")] + ([para(*intro)] if intro else [])
    sub = level + 1

    blocks += [Heading(sub, "The PDE"),
               para("As typed: ", pde.text, ". As parsed:", Math(rf"{pde.latex} = 0", display=True)),
               para("Dimension: ", ", ".join(f"N = {n}" for n in d.dims), ". Reading of t: ", result.mode,
                    " (", result.mode_reason, ").")]
    if pde.parameters:
        blocks.append(para("Parameters: ", "; ".join(p.describe() for p in pde.parameters), "."))

    blocks += [Heading(sub, "Symbol and dispersion relation"),
               para("Plane waves φ ∝ exp(−iωt + ik·x) turn the PDE into L(s, k) = 0 with s = −iω:",
                    Math(rf"L(s, k) = {latex(pde.symbol)}", display=True))]
    if result.branches:
        blocks.append(para("Branches:", *(Math(rf"\omega_{{{i + 1}}}(k) = {latex(b.omega)}"
                                               + (rf" \quad (\times {b.multiplicity})" if b.multiplicity > 1 else ""),
                                               display=True) for i, b in enumerate(result.branches))))
    else:
        blocks.append(para("The branches have no closed form; they are evaluated numerically (mpmath roots)."))
    if "dispersion" in figures:
        blocks.append(Figure(figures["dispersion"], "Im ω of every root and the envelope E(k) against E(0) "
                                                    "(GenPhys Eq. 16 asks E(k) < E(0) for k ≠ 0)."))

    blocks += [Heading(sub, "Criterion (GenPhys Eq. 16)"),
               para("Im ω(k) < Im ω(0) for every k ≠ 0, on the envelope of the kept branches: ", str(crit.holds), ".")]
    if crit.condition is not None and crit.holds is Holds.CONDITIONAL:
        blocks.append(para("Condition on the parameters:", Math(latex(crit.condition), display=True)))
    blocks.append(para("Method: ", crit.method, "."))
    if crit.cells:
        blocks.append(Items(tuple(
            ("Case ", Math(latex(cell.condition)) if cell.condition is not sp.true else "all parameters",
             f": {_tag(cell.holds)}" + (" (numeric scan)" if cell.source == "numeric scan" else "") + ", ",
             cell.reason) for cell in crit.cells)))
    if crit.witness:
        blocks.append(para("Witness (where it fails): ", json.dumps(jsonable(crit.witness)), "."))
    if crit.notes:
        blocks.append(Items(tuple((note,) for note in crit.notes)))
    if crit.assumptions:
        blocks.append(para("Assumed: ", "; ".join(crit.assumptions), "."))

    if d.unsupported:
        blocks += [Heading(sub, "Green's function and density flow"), para("Not derived: ", d.unsupported)]
        return blocks + _verification(d, verification, figures, sub) + [Heading(sub, "Verdict"), para(d.verdict)]

    blocks += [Heading(sub, "Green's function"),
               para(f"Fourier side ({d.green.mode} reading):", Math(rf"\tilde{{G}}(k, t) = {latex(d.green.G_hat)}",
                                                                     display=True)),
               Items(tuple((c,) for c in d.green.checks))]
    checks = {(kc.N, kc.kernel): kc for kc in d.kernel_checks}
    for N, ks in d.kernels.items():
        if ks.G is not None:
            kc = checks.get((N, "G"))
            evidence = "" if kc is None or kc.transform_error is None else (
                f" Matches the numeric inverse transform to {kc.transform_error:.1e} (relative)"
                + (f"; L G residual {kc.residual:.1e}" if kc.residual is not None else "") + ".")
            blocks.append(para(f"N = {N}:", Math(rf"G(r, t) = {latex(ks.G.expr)}", display=True), evidence))
        else:
            blocks.append(para(f"N = {N}: G(r, t) ", d.numeric_G.get(N, "numeric (no closed form for symbolic N)"),
                               "."))
    if "green" in figures:
        blocks.append(Figure(figures["green"], "G(r, t) at several t."))

    flow = d.flow.forms("latex")
    blocks += [Heading(sub, "Density flow"),
               para("With σ = ", str(d.flow.sigma), " fixed by ∫p = +1 at t = 0+ (GenPhys Algorithm 1, step 1):",
                    Math(rf"p = {flow['p']}, \qquad \mathbf{{v}} = {flow['v']}, \qquad R = {flow['R']}",
                         display=True),
                    "so that ∂p/∂t + ∇·(p v) − R = 0. Fourier side of the density:",
                    Math(rf"\tilde{{p}}(k, t) = {latex(d.flow.p_hat)}", display=True)),
               Items(tuple((c,) for c in d.flow.checks))]
    rows = []
    for N, ks in d.kernels.items():
        for name in ("P", "j", "R"):
            closed = getattr(ks, name)
            kc = checks.get((N, name))
            evidence = "-" if kc is None else (kc.note or (f"transform error {kc.transform_error:.1e}"
                                                           if kc.transform_error is not None else "-"))
            rows.append((str(N), name, Math(latex(closed.expr)) if closed is not None else "numeric (FFTLog tables)",
                         evidence))
    if rows:
        blocks.append(Table(("N", "kernel", "closed form", "check"), tuple(rows),
                            "Real-space kernels: p = Σ w_i P(|x − y_i|, t), J = Σ w_i (x − y_i) j, R = Σ w_i R.",
                            widths=(0.5, 0.6, 6.0, 2.4)))

    blocks += [Heading(sub, "C1: a well-behaved density flow"), para("C1 ", str(d.c1_holds), ".")]
    if d.c1:
        blocks.append(Table(("parameters", "N", "C1", "reason", "where", "evaluated from"), tuple(
            (_params(c.params), str(c.N), _tag(c.holds), c.reason, _where(c.where), c.source or "-")
            for c in d.c1), widths=(1.2, 0.4, 0.8, 3.6, 1.8, 1.6)))
    blocks += [Heading(sub, "C2: the prior forgets the data"),
               para(f"C2 {d.c2_holds}: overlap F(T) of the priors of two data points at distance "
                    f"{conditions.C2_DISTANCE:g} (smoothing {conditions.C2_WIDTH:g}); F → 1 means forgotten.")]
    if d.c2:
        blocks.append(Table(("parameters", "N", "C2", "slope of log(1 − F)", "predicted", "reason"), tuple(
            (_params(c.params), str(c.N), _tag(c.holds), "-" if c.slope is None else f"{c.slope:.3g}",
             "-" if c.predicted is None else f"{c.predicted:.3g}", c.reason) for c in d.c2),
            widths=(1.2, 0.4, 0.7, 0.9, 0.9, 4.2)))
    if "c2" in figures:
        blocks.append(Figure(figures["c2"], "C2 overlap F(T)."))
    return blocks + _verification(d, verification, figures, sub) + [Heading(sub, "Verdict"), para(d.verdict, ".")]


def _verification(d: Derivation, row: dict | None, figures: dict, level: int) -> list:
    if row is None:
        return []
    blocks = [Heading(level, "Numeric verification: the learned-free generator")]
    if "p_value" in row:
        blocks.append(para(
            f"Outcome: {row['outcome']} (parameters {_params(row.get('params', {}))}). Two-sample test of the "
            f"samples against a held-out split ({row['n_test']} points each, aggregated MMD permutation test): "
            f"p = {row['p_value']:.3g}, effect size (MMD) {row['effect_size']:.3g}; \"reproduced\" means "
            f"p ≥ {TEST_ALPHA:g}. Energy distance {row['energy_distance']:.3g}, against "
            f"{row['energy_distance_baseline']:.3g} for a second data split; NFE {row['nfe']}, {row['wall_s']:.2f} s. "
            "Prior at T: energy distance "
            f"between the exact (data-mixture) and the data-independent prior {row['prior_gap']:.3g}, against "
            f"{row['prior_gap_noise']:.3g} between two exact draws (equal: the prior has forgotten the data, C2)."))
    else:
        blocks.append(para(f"Outcome: {row['outcome']}."))
    if row.get("findings"):
        blocks.append(Items(tuple((str(f),) for f in row["findings"])))
    blocks.append(para("This run " + ("CONTRADICTS" if row["contradiction"] else "agrees with")
                       + f" the symbolic verdict ({d.generative})."))
    for name, caption in (("samples", "Data (held-out) and generated samples, with trajectories."),
                          ("field", "log p (contours) and the direction of v (arrows) at several t.")):
        if name in figures:
            blocks.append(Figure(figures[name], caption))
    return blocks


def verification_run(d: Derivation, seed: int = 0):
    """`verify_one` on two moons (embedded in N when the derivation is N-dimensional): (row, run);
    (None, None) when the derivation stopped at an unsupported step (there is no field to run)."""
    import numpy as np

    from derivations.generate import VERIFY_RUN, data_splits, verify_one

    if d.unsupported:
        return None, None
    N = 2 if 2 in d.dims else d.dims[0]
    splits = data_splits("moons", VERIFY_RUN["n_data"], np.random.default_rng(seed), N)
    return verify_one(d, splits, VERIFY_RUN["n_samples"], VERIFY_RUN["steps"], seed)


TEX_MARKER = "% written by the GenPhys Workbench (genphys derive --latex)\n"


def latex_target(tex) -> Path:
    """Refuse, before any work, a `--latex` file this command cannot own: a name `check_file` refuses, a .tex that
    genphys did not write, a figures folder holding other files."""
    tex = check_file(tex, "--latex", ".tex")
    if tex.exists() and not tex.read_text(errors="replace").startswith(TEX_MARKER):
        raise PDEInputError(f"--latex {str(tex)!r} exists and was not written by genphys; choose another name")
    check_folder(tex.parent / f"{tex.stem}-figures", "--latex")
    return tex


def write_latex(d: Derivation, tex: Path, pdf: bool = False, verify: bool = True, seed: int = 0) -> list[str]:
    """`genphys derive --latex`: the .tex (figures in ``<stem>-figures/``), and the PDF on request.

    The figures folder is written whole and swapped in (report.output.run_folder), the .tex under a
    temporary name and renamed, so a killed run leaves the previous files complete. An existing .tex
    is replaced only when this command wrote it (its first line says so). Returns what was written,
    one line each (and why a PDF was not, when it was asked for)."""
    from .document import compile_pdf, to_tex

    tex = latex_target(tex)
    row, g = verification_run(d, seed) if verify else (None, None)
    folder = tex.parent / f"{tex.stem}-figures"
    with run_folder(folder, "derive --latex", option="--latex") as stage:
        staged = derivation_figures(d, stage, "derivation", g)
    figures = {name: folder / path.name for name, path in staged.items()}
    blocks = derivation_blocks(d, figures, row, level=1, title="Derivation")
    partial = tex.with_name(f".{tex.name}.partial")
    title = ("Can ", Math(f"{d.pde.latex} = 0"), " generate data? A derivation")
    partial.write_text(TEX_MARKER + to_tex(blocks, title, tex.parent, byline()), encoding="ascii")
    os.replace(partial, tex)
    written = [f"wrote {tex} ({len(figures)} figures in {folder.name}/)"]
    if pdf:
        path, note = compile_pdf(tex)
        written.append(f"wrote {path} ({note})" if path else f"no PDF: {note}")
    return written

