"""`genphys report`: the catalog (and any user PDEs) as one document, in HTML, Markdown and LaTeX.

    summary         the verification matrix (symbolic verdicts beside the generator's outcome)
    paper tables    GenPhys Tables 3 and 4 (dispersion), 1, 2 and 5 (density flows): ours beside the
                    paper's, with an "agree?" column computed by derivations.catalog
    errata          every disagreement: "the paper says X, we derive Y, because Z"
    per PDE         report.derivation's sections with figures and a generator run

Every number and formula comes from the pipeline; the only typed-in text is the catalog's errata,
and a test checks each one against a computed disagreement.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass
from pathlib import Path

from analytic.budget import DEFAULT_BUDGET_S
from analytic.errors import PDEInputError
from analytic.grammar import parse
from analytic.pde import k, latex
from derivations import parallel
from derivations.catalog import CATALOG, Comparison, catalog_names, compare, entry
from derivations.derive import Derivation, derive
from derivations.generate import VERIFY_RUN
from numeric.metrics import TEST_ALPHA
from .catalog_table import comparison_json
from .derivation import derivation_blocks, derivation_figures, verification_run
from .document import Figure, Heading, Items, Math, Table, compile_pdf, para, prose, to_html, to_markdown, to_tex
from .output import byline, check_folder, dumps, json_document, run_folder

TITLE = "GenPhys Workbench report: which physical PDEs can generate data?"


@dataclass
class Section:
    """One PDE of the report: its derivation, the catalog comparison (None for user PDEs), the run."""

    name: str
    title: str
    derivation: Derivation
    comparison: Comparison | None
    row: dict | None
    run: object
    #: figures already drawn elsewhere (a Dask worker: `section_task`), as {figure name: (file name, bytes)}
    figure_files: dict | None = None


def user_params(text: str, params: dict) -> dict:
    """The --param declarations this PDE uses (one set of declarations serves several PDEs)."""
    return {name: a for name, a in params.items() if re.search(rf"\b{re.escape(name)}\b", text)}


def collect(names: list[str], pdes: list[str], params: dict, verify: bool, budget: float, seed: int = 0,
            progress=None, client=None) -> list[Section]:
    """Derive (and compare, and run) every requested PDE; ``progress(i, n, label)`` after each step. With a Dask
    ``client`` each PDE is one task (`section_task`: its figures drawn there too)."""
    jobs = [("entry", e.name, verify, budget, seed) for e in CATALOG if e.name in names]
    jobs += [("pde", (j, text, user_params(text, params)), verify, budget, seed) for j, text in enumerate(pdes)]
    if client is None:
        sections = []
        for i, job in enumerate(jobs):
            if progress:
                progress(i, len(jobs), job[1] if job[0] == "entry" else job[1][1][:30])
            sections.append(_section(*job))
    else:
        found = {}
        for i, section in parallel.completed(client, section_task, jobs):
            found[i] = section
            if progress:
                progress(len(found), len(jobs), section.name)
        sections = [found[i] for i in range(len(jobs))]
    if progress:
        progress(len(jobs), len(jobs), "derived")
    return sections


def _section(kind: str, what, verify: bool, budget: float, seed: int) -> Section:
    if kind == "entry":
        c = compare(entry(what), budget=budget)
        row, g = verification_run(c.derivation, seed) if verify else (None, None)
        return Section(what, c.entry.title, c.derivation, c, row, g)
    j, text, assumptions = what
    d = derive(parse(text, assumptions), dim=2, budget=budget)
    row, g = verification_run(d, seed) if verify else (None, None)
    return Section(f"pde-{j + 1}", f"{d.pde.canonical} = 0 (yours)", d, None, row, g)


def section_task(kind: str, what, verify: bool, budget: float, seed: int) -> Section:
    """One PDE's section computed on a Dask worker, its figures drawn there into a folder of its own and carried
    back as bytes (the generator run, whose compiled kernels do not travel, stays on the worker)."""
    import tempfile

    section = _section(kind, what, verify, budget, seed)
    with tempfile.TemporaryDirectory() as tmp:
        figs = derivation_figures(section.derivation, Path(tmp), section.name, section.run)
        files = {name: (path.name, path.read_bytes()) for name, path in figs.items()}
    return dataclasses.replace(section, run=None, figure_files=files)


def _yes(ok) -> str:
    return "-" if ok is None else "yes" if ok else "NO"


def _omega_math(exprs) -> tuple:
    parts = []
    for i, w in enumerate(exprs):
        parts += ["; " if i else "", Math(latex(w))]
    return tuple(parts) or ("(numeric)",)


def _paper_omegas(c: Comparison) -> list:
    syms = {p.name: p.symbol for p in c.result.pde.parameters}
    return c.entry.paper_omega(k, syms)


def matrix_blocks(sections: list[Section]) -> list:
    rows = []
    for s in sections:
        d, row = s.derivation, s.row or {}
        p_value = f"{row['p_value']:.3g}" if "p_value" in row else "-"
        effect = f"{row['effect_size']:.3g}" if "p_value" in row else "-"
        agree = "-" if not row else "NO (contradiction)" if row["contradiction"] else "yes"
        rows.append((s.title, Math(rf"{d.pde.latex} = 0"), str(d.result.criterion.holds), str(d.c1_holds),
                     str(d.c2_holds), str(d.generative), row.get("outcome", "not run"), p_value, effect, agree))
    run = VERIFY_RUN
    return [Heading(1, "Verification matrix"),
            para(f"Symbolic verdicts (Eq. 16, C1, C2) beside the learned-free generator on two moons (n = "
                 f"{run['n_data']} training points, {run['n_samples']} particles, {run['steps']} Heun steps, exact "
                 "prior). The generator is scored by a two-sample test against a held-out split of the same size "
                 f"(aggregated MMD permutation test): \"reproduced\" when p ≥ {TEST_ALPHA:g}; the effect size is "
                 "the MMD. A PDE whose run contradicts its verdict is flagged."),
            Table(("PDE", "equation", "Eq. 16", "C1", "C2", "verdict", "generator", "p", "MMD",
                   "consistent?"), tuple(rows), widths=(1.6, 2.2, 0.9, 0.9, 0.9, 1.4, 1.1, 0.8, 0.8, 1.0))]


def paper_table_blocks(sections: list[Section]) -> list:
    comps = [s.comparison for s in sections if s.comparison is not None]
    if not comps:
        return []
    blocks = [Heading(1, "The paper's tables, reproduced"),
              para("Each row puts our derivation beside the GenPhys paper's entry. Agreement is computed "
                   "(branches compared as multisets at 12 points; kernels as ratios at interior points), "
                   "never typed in; every \"NO\" is explained in the errata below.")]
    for label, source in (("Table 3: dispersion relations of physical PDEs", "Table"),
                          ("Table 4: dispersion relations that suggest new GenPhys", "Table 4")):
        rows = []
        for c in comps:
            in_table4 = "Table 4" in c.entry.source
            if (source == "Table 4") != in_table4:
                continue
            ours = [b.omega for b in c.result.branches or ()]
            rows.append((c.entry.title, Math(rf"{c.result.pde.latex} = 0"), _omega_math(_paper_omegas(c)),
                         _omega_math(ours), _yes(c.omega_agree), c.entry.paper_criterion, str(c.result.criterion.holds),
                         _yes(c.criterion_agree)))
        if rows:
            blocks.append(Table(("PDE", "equation", "ω (paper)", "ω (ours)", "agree?", "Eq. 16 (paper)",
                                 "Eq. 16 (ours)", "agree?"), tuple(rows), label,
                                widths=(1.1, 2.2, 2.6, 2.6, 0.6, 0.9, 0.9, 0.6)))
    rows = []
    for c in comps:
        for item, comp in c.flow.items():
            rows.append((c.entry.title, item, Math(comp.paper_latex) if comp.paper_latex else comp.paper,
                         Math(comp.ours_latex) if comp.ours_latex else comp.ours, _yes(comp.agree)))
    if rows:
        blocks.append(Table(("PDE", "item", "paper", "ours", "agree?"), tuple(rows),
                            "Tables 1, 2 and 5: density flows (G at N = 2, up to the constants the tables drop; "
                            "C1, C2 as yes / no / conditional)", widths=(1.4, 0.5, 3.2, 3.2, 0.7)))
    return blocks


def errata_blocks(sections: list[Section]) -> list:
    items = []
    for s in sections:
        c = s.comparison
        if c is None:
            continue
        for item in c.errata_items():
            why = c.erratum(item)
            if item == "omega":
                says, ours = _omega_math(_paper_omegas(c)), _omega_math([b.omega for b in c.result.branches or ()])
            elif item == "criterion":
                says, ours = (f"Eq. 16: {c.entry.paper_criterion}",), (f"Eq. 16: {c.result.criterion.holds}",)
            else:
                comp = c.flow[item]
                says, ours = ((Math(f"{item} = {tex}") if tex else f"{item} = {plain}",)
                              for tex, plain in ((comp.paper_latex, comp.paper), (comp.ours_latex, comp.ours)))
            items.append((f"{c.entry.title}, {item}: the paper says ", *says, "; we derive ", *ours, ". Because: ",
                          *prose(why or c.reason(item))))
    if not items:
        return []
    return [Heading(1, "Errata: where the paper and the derivation differ"),
            para("The paper says X, we derive Y, because Z (Z is the catalog's explanation; a test checks that every "
                 "computed disagreement has one and every explanation a disagreement)."),
            Items(tuple(items))]


def part_task(name: str) -> tuple[list, dict, dict]:
    """One of the report's independent parts (a Dask task): (blocks, JSON, {figure file name: bytes}), computed in
    a folder of the worker's own, so the figures travel back with the result (the worker may be another machine)."""
    import tempfile

    from . import driven_part, thermo_part, zhou_part

    make = {"thermo": thermo_part.thermo_part, "driven": driven_part.driven_part, "zhou": zhou_part.zhou_part}[name]
    with tempfile.TemporaryDirectory() as tmp:
        blocks, data = make(Path(tmp))
        files = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file()}
    return blocks, data, files


def start_parts(client, names: list[str]) -> dict:
    """The parts ``names`` submitted to a Dask ``client`` (futures by name; {} without one), so that they run on
    its workers while this process collects and writes the sections."""
    return {name: client.submit(part_task, name, pure=False) for name in names} if client is not None else {}


def _moved(block, figures_dir: Path):
    """A part's block with its figure path in ``figures_dir`` (where the figure's bytes were written)."""
    return dataclasses.replace(block, path=figures_dir / block.path.name) if isinstance(block, Figure) else block


def build(out: Path, sections: list[Section], pdf: bool = False, progress=None, thermo: bool = True,
          driven: bool = True, zhou: bool = True, pending: dict | None = None) -> dict:
    """Write index.html, report.md, report.tex (and report.pdf), figures/, catalog.json, verify.json; with
    ``thermo`` the non-equilibrium part (report.thermo_part) and thermo.json; with ``driven`` the driven-systems
    part (report.driven_part) and driven.json; with ``zhou`` the SDE-ladder, cumulant and lattice part
    (report.zhou_part) and zhou.json. ``pending``: those parts already started elsewhere (`start_parts`), by
    name; the others are computed here."""
    out = Path(out)
    figures_dir = out / "figures"
    start = time.perf_counter()
    parts = [name for name, wanted in (("thermo", thermo), ("driven", driven), ("zhou", zhou)) if wanted]
    pending = pending or {}
    blocks = [para("Built by the GenPhys Workbench from the catalog of the GenPhys paper (Liu, Luo, Xu, Jaakkola, "
                   "Tegmark) and any PDEs given on the command line. Each PDE is parsed, its dispersion relation and "
                   "the criterion Im ω(k) < Im ω(0) derived symbolically and checked numerically, its Green's "
                   "function and density flow (p, v, R) derived and checked, C1 and C2 evaluated, and its "
                   "learned-free generator run on data. A last part reads generation as a forward SDE and its reversal "
                   "(Yu & Huang): entropy production, fluctuation theorems, speciation, with the paper's figures "
                   "regenerated; and a driven system, Beyond Equilibrium's Printz experiment, generated by "
                   "equilibrium and non-equilibrium learned-free generators; and Zhou's SDE ladder, cumulant hierarchy and lattice "
                   "φ⁴ testbed, every printed formula substituted back.")]
    blocks += matrix_blocks(sections) + paper_table_blocks(sections) + errata_blocks(sections)
    for i, s in enumerate(sections):
        if progress:
            progress(i, len(sections), f"figures: {s.name}")
        if s.figure_files is None:
            figs = derivation_figures(s.derivation, figures_dir, s.name, s.run)
        else:
            figures_dir.mkdir(parents=True, exist_ok=True)
            figs = {}
            for name, (file_name, content) in s.figure_files.items():
                figs[name] = figures_dir / file_name
                figs[name].write_bytes(content)
        entry = s.comparison.entry if s.comparison is not None else None
        intro = prose(f"{entry.doc} (GenPhys {entry.source}).") if entry is not None and entry.doc else None
        blocks += derivation_blocks(s.derivation, figs, s.row, level=1, title=s.title, intro=intro)
    results = {}
    for name in parts:
        if progress:
            progress(len(sections), len(sections), f"part: {name}")
        part_blocks, data, files = pending[name].result() if name in pending else part_task(name)
        figures_dir.mkdir(parents=True, exist_ok=True)
        for file_name, content in files.items():
            (figures_dir / file_name).write_bytes(content)
        blocks += [_moved(b, figures_dir) for b in part_blocks]
        results[name] = data
    if progress:
        progress(len(sections), len(sections), "writing")
    out.mkdir(parents=True, exist_ok=True)
    for name, data in results.items():  # thermo.json, driven.json, zhou.json
        (out / f"{name}.json").write_text(json_document(data, indent=2, default=str))
    (out / "index.html").write_text(to_html(blocks, TITLE), encoding="utf-8")
    (out / "report.md").write_text(to_markdown(blocks, TITLE, out), encoding="utf-8")
    tex = out / "report.tex"
    tex.write_text(to_tex(blocks, TITLE, out, byline()), encoding="ascii")
    comparisons = [comparison_json(s.comparison) for s in sections if s.comparison is not None]
    (out / "catalog.json").write_text(dumps(comparisons, indent=2, default=str))
    (out / "verify.json").write_text(dumps([{"name": s.name, **s.row} for s in sections if s.row], indent=2,
                                           default=str))
    written = {"html": out / "index.html", "markdown": out / "report.md", "tex": tex, "figures": figures_dir}
    if pdf:
        path, note = compile_pdf(tex)
        written["pdf"] = path
        written["pdf_note"] = note
    written["seconds"] = time.perf_counter() - start
    return written


def report(out, names: list[str] | None = None, pdes: list[str] = (), assumptions: dict | None = None,
           verify: bool = True, pdf: bool = False, thermo: bool = True, driven: bool = True, zhou: bool = True,
           seed: int = 0, budget: float | None = DEFAULT_BUDGET_S, scheduler: str | None = None,
           workers: int | None = None, progress=None) -> dict:
    """Write the whole report into the folder ``out`` (all or nothing: report.output.run_folder).

    ``names``: catalog entries (default all; [] for none); ``pdes``: your PDEs' texts, with ``assumptions``
    {name: assumption} for their parameters; ``verify``: run each PDE's generator; ``thermo``, ``driven``,
    ``zhou``: the three parts after the PDEs. ``scheduler``: None (a LocalCluster, one worker per core), "serial"
    or a Dask scheduler's address (derivations.parallel). Returns the paths written (html, markdown, tex,
    figures, pdf when asked and built, else pdf_note says why), "pdes" (the sections' names) and
    "contradictions" (the PDEs whose generator contradicts their verdict)."""
    names = catalog_names(names)
    assumptions = dict(assumptions or {})
    for text in pdes:  # refuse bad input before the slow part
        parse(text, user_params(text, assumptions))
    if not names and not pdes:
        raise PDEInputError("nothing to report: name catalog entries or give at least one PDE")
    out = check_folder(out)
    parts = [name for name, wanted in (("thermo", thermo), ("driven", driven), ("zhou", zhou)) if wanted]
    client = parallel.client_for(scheduler, workers)
    try:
        pending = start_parts(client, parts)  # queued on the workers first: the longest pieces
        sections = collect(names, list(pdes), assumptions, verify, budget, seed, progress, client)
        with run_folder(out, "report") as stage:
            written = build(stage, sections, pdf=pdf, progress=progress, thermo=thermo, driven=driven, zhou=zhou,
                            pending=pending)
    finally:
        parallel.close(client)
    written = {key: out / Path(value).relative_to(stage) if isinstance(value, Path) else value
               for key, value in written.items()}
    written["pdes"] = [s.name for s in sections]
    written["contradictions"] = [s.name for s in sections if s.row and s.row["contradiction"]]
    return written
