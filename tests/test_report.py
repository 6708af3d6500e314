"""Documents: LaTeX export (well-formed without a TeX engine, compiled with one), the report's HTML,
Markdown and LaTeX, and the page as a browser renders it (skipped where no Chromium is installed)."""

import json
import re
import shutil
import subprocess

import numpy as np
import pytest
import sympy as sp

from analytic.grammar import operator_latex, parse
from analytic.pde import k, latex, r, s, t
from derivations.check import check
from derivations.derive import derive
from genphys.cli import main
from report.derivation import write_latex
from report.document import Code, Figure, Heading, Items, Math, Table, compile_pdf, para, prose, tex_text, to_html, to_markdown, to_tex
from texcheck import overfull_boxes, page_problems, problems

TEX = shutil.which("latexmk") or shutil.which("pdflatex")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def heat():
    return derive(parse("phi_t - lap(phi)"), dim=2)


def test_text_is_escaped_to_ascii_without_losing_symbols():
    out = tex_text("50% of p̃ ≤ 1 & x_1 {ω} ~ $5 # ∇²φ — “ok” ☃")
    assert out.isascii()
    for piece in (r"50\%", r"\ensuremath{\tilde{p}}", r"\ensuremath{\leq}", r"\&", r"x\_1", r"\{\ensuremath{\omega}\}",
                  r"\textasciitilde{}", r"\$5", r"\#", r"\ensuremath{\nabla}\ensuremath{^{2}}\ensuremath{\phi}", "---",
                  "[SNOWMAN]"):
        assert piece in out, piece


def test_prose_markup_becomes_maths_and_code_in_every_writer(tmp_path):
    """The catalog's errata are prose with $maths$ and `code`: typeset in LaTeX and HTML, kept in Markdown; an
    option's "--" stays two hyphens in print (TeX would join them into an en dash)."""
    parts = prose(r"holds at $t \to \infty$ only (`genphys check --mode boundary`), 5$ left")
    assert parts == ("holds at ", Math(r"t \to \infty"), " only (", Code("genphys check --mode boundary"), "), 5$ left")
    tex = to_tex([para(*parts)], "T", tmp_path)
    assert r"$t \to \infty$" in tex and r"\texttt{genphys check -{}-mode boundary}" in tex and r"5\$ left" in tex
    assert tex_text("--mode and -x") == "-{}-mode and -x"
    page = to_html([para(*parts)], "T")
    assert "<code>genphys check --mode boundary</code>" in page and page.count("<math") == 1
    assert "`genphys check --mode boundary`" in to_markdown([para(*parts)], "T", tmp_path)
    assert prose("no markup") == ("no markup",)


def test_printer_uses_the_papers_notation():
    eps = sp.Symbol("eps", positive=True)
    assert latex(eps * sp.Heaviside(t - r)) in (r"\epsilon \Theta\left(- r + t\right)", r"\Theta\left(- r + t\right) \epsilon")
    # p = φ_t + 2εφ and the Laplacian of φ_t (symbol −k² s), from operator symbols in s and k
    assert operator_latex(s + 2 * eps) == r"\phi_{t} + 2 \epsilon \phi"
    assert operator_latex(-k**2 * s) == r"\nabla^{2} \phi_{t}"


def test_writers_render_every_block(tmp_path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    png = tmp_path / "fig.png"
    fig.savefig(png)
    plt.close(fig)
    blocks = [Heading(1, "Section"), para("p̃ = ", Math(r"\frac{1}{2}"), " and", Math(r"x^{2}", display=True)),
              Items((("one",), ("two ", Math(r"\omega")))),
              Table(("a", "b|c"), (("1", Math(r"\sqrt{2}")), ("x_1", ("y ", Math("z")))), "a caption"),
              Figure(png, "a figure")]
    tex = to_tex(blocks, "Title", tmp_path)
    assert problems(tex) == [] and r"\includegraphics[width=0.75\linewidth]{fig.png}" in tex
    md = to_markdown(blocks, "Title", tmp_path)
    assert "![a figure](fig.png)" in md and r"$\frac{1}{2}$" in md and r"x\_1" in md and r"b\|c" not in md
    page = to_html(blocks, "Title")
    assert page.count("<math") == 5 and "data:image/png;base64," in page and "<table style=\"font-size:" in page
    assert "http://" not in page.replace("http://www.w3.org/1998/Math/MathML", "")


def test_derivation_latex_is_well_formed_and_complete(heat, tmp_path):
    out = write_latex(heat, tmp_path / "heat.tex", verify=False)
    source = (tmp_path / "heat.tex").read_text()
    assert problems(source) == [], problems(source)
    for section in ("The PDE", "Symbol and dispersion relation", "Criterion (GenPhys Eq. 16)", "Green's function",
                    "Density flow", "C1: a well-behaved density flow", "C2: the prior forgets the data", "Verdict"):
        assert rf"\subsection{{{tex_text(section)}}}" in source, section
    assert r"\omega_{1}(k) = - i k^{2}" in source
    assert r"p = \phi" in source and heat.verdict.split(":")[0] in source
    figures = sorted((tmp_path / "heat-figures").glob("*.png"))
    assert len(figures) == 3 and all(f"heat-figures/{f.name}" in source for f in figures)
    assert out[0].startswith("wrote")


@pytest.mark.skipif(TEX is None, reason="no TeX engine (latexmk/pdflatex) installed")
def test_derivation_latex_compiles(heat, tmp_path):
    write_latex(heat, tmp_path / "heat.tex", verify=False)
    pdf, note = compile_pdf(tmp_path / "heat.tex")
    assert pdf is not None and pdf.exists() and pdf.stat().st_size > 20_000, note


def test_pdf_without_engine_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    (tmp_path / "x.tex").write_text("x")
    pdf, note = compile_pdf(tmp_path / "x.tex")
    assert pdf is None and "apt-get install" in note and "the .tex is written" in note


def test_repr_latex(heat):
    text = heat._repr_latex_()
    assert text.startswith(r"$\begin{gathered}") and r"\omega_{1} = - i k^{2}" in text
    assert r"\tilde{G}(k, t) = e^{- k^{2} t}" in text and "s-generative" in text
    assert repr(heat).startswith("Derivation(")


def test_repr_latex_shows_the_verdict_and_its_condition(heat):
    """Jupyter shows the verdict on Eq. 16 with the condition when it is conditional, and no condition otherwise."""
    damped = check(parse("phi_tt + a*phi_t - lap(phi) + b*phi", {"a": "positive", "b": "positive"}))
    assert r"\text{: conditional}\text{, when } a^{2} - 4 b > 0" in damped._repr_latex_()
    assert r"\text{: yes}" in heat._repr_latex_() and "when" not in heat._repr_latex_()
    assert r"\text{C1 yes, C2 yes: s-generative}" in heat._repr_latex_()


def test_derive_cli_latex_and_bad_options(tmp_path, capsys):
    assert main(["derive", "phi_t - lap(phi)", "--dim", "2", "--pdf"]) == 2
    assert "--pdf needs --latex" in capsys.readouterr().err
    assert main(["derive", "phi_t - lap(phi)", "--dim", "2", "--latex", str(tmp_path / "x.pdf")]) == 2
    assert "ending in .tex" in capsys.readouterr().err
    assert main(["derive", "phi_t - lap(phi)", "--dim", "2", "--latex", str(tmp_path / "d.tex"), "--no-verify"]) == 0
    assert (tmp_path / "d.tex").exists()


@pytest.fixture(scope="module")
def small_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    code = main(["report", "--out", str(out), "--only", "diffusion", "--only", "dissipative_wave",
                 "phi_t - lap(phi) + c*phi", "--param", "c=positive"])
    assert code == 0
    return out


def test_report_files_and_contents(small_report):
    page = (small_report / "index.html").read_text()
    # figures embedded (dispersion, G, C2 per PDE; samples and field for the runs), maths as MathML
    assert page.count('src="data:image/png;base64,') >= 10
    for title in ("Verification matrix", "The paper's tables, reproduced", "Errata: where the paper and the derivation differ",
                  "Diffusion (diffusion models)", "Dissipative wave (telegraph)"):
        assert title.replace("'", "&#x27;") in page, title
    assert "<math" in page and "<script" not in page and 'src="http' not in page
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)) > 20 and all(f'href="#{i}"' in page for i in ids[:3])
    # the errata carry the catalog's reasons for every computed disagreement
    assert "the paper says" in page and "flips the sign of the damping term" in page
    tex = (small_report / "report.tex").read_text()
    assert problems(tex) == [], problems(tex)
    md = (small_report / "report.md").read_text()
    assert md.count("](figures/") >= 10 and all((small_report / "figures" / p.name).exists()
                                                 for p in (small_report / "figures").iterdir())
    matrix = json.loads((small_report / "verify.json").read_text())
    assert [row["name"] for row in matrix] == ["diffusion", "dissipative_wave", "pde-1"]
    assert not any(row["contradiction"] for row in matrix)
    catalog = json.loads((small_report / "catalog.json").read_text())
    items = {c["name"]: c["items"] for c in catalog}
    assert items["dissipative_wave"]["omega"]["agree"] is False and items["diffusion"]["G"]["agree"] is True


def test_report_thermodynamics_part(small_report):
    """Yu & Huang's Figs 2–11 regenerated, the claims table and the errata with their reasons."""
    page = (small_report / "index.html").read_text()
    for title in ("Non-equilibrium thermodynamics (Yu &amp; Huang)", "The paper&#x27;s claims", "Errata and ambiguities",
                  "Fig. 5: phase diagram", "Fig. 11: the Franz–Parisi potential"):
        assert title in page, title
    assert "Eq. 69&#x27;s minus sign is wrong" in page
    names = {p.name for p in (small_report / "figures").glob("yh_fig*.png")}
    assert names == {f"yh_fig{n}.png" for n in (2, 3, 4, 5, 7, 8, 9, 10, 11)} | {f"yh_fig6{c}.png" for c in "abc"}
    data = json.loads((small_report / "thermo.json").read_text())
    assert {"claims", "forward", "reverse", "speciation", "rates"} <= set(data)
    assert abs(data["forward"]["mean_exp_minus_dS_tot"] - 1) < 4 * data["forward"]["se_exp_minus_dS_tot"]
    tex = (small_report / "report.tex").read_text()
    assert "Non-equilibrium thermodynamics" in tex and tex.count("yh_fig") >= 12


def test_report_driven_part(small_report):
    """Beyond Equilibrium's Printz experiment: claims with their reasons, Fig. 1b–d regenerated, driven.json rows."""
    page = (small_report / "index.html").read_text()
    for title in ("Driven systems (Beyond Equilibrium, the Printz experiment)", "Fig. 1b: JSD over time",
                  "Thermodynamics of the driving"):
        assert title in page, title
    assert "a cone whose lowest point is the origin" in page and "the wells&#x27; angular speed" in page
    names = {p.name for p in (small_report / "figures").glob("be_*.png")}
    assert names == {"be_fig1b.png", "be_fig1b_fast.png", "be_fig1c.png", "be_fig1d_fast.png", "be_basins_fast.png",
                     "be_work.png"}
    data = json.loads((small_report / "driven.json").read_text())
    assert {r["method"] for r in data["rows"]} == {"boltzmann_exact", "boltzmann_histogram", "diffusion",
                                                   "diffusion_neighbours"}
    fast_exact = [r for r in data["fast_rows"] if r["method"] == "boltzmann_exact" and r["t"] >= 1]
    assert all(r["jsd"] > 3 * r["jsd_noise_floor"] for r in fast_exact)  # a fast drive defeats equilibrium sampling
    assert "Driven systems" in (small_report / "report.tex").read_text()


@pytest.mark.skipif(TEX is None, reason="no TeX engine (latexmk/pdflatex) installed")
def test_report_latex_compiles(small_report, tmp_path):
    """The PDF as printed: no overfull box (Table 3's dissipative-wave cells used to overprint), vector fonts, a
    title with its byline, option names in monospace, and every page rendered with nothing in the margins."""
    pdf, note = compile_pdf(small_report / "report.tex")
    assert pdf is not None and pdf.stat().st_size > 100_000, note
    assert overfull_boxes((small_report / "report.log").read_text(errors="replace")) == []
    tex = (small_report / "report.tex").read_text()
    assert r"\usepackage{lmodern}" in tex and r"\author{GenPhys Workbench " in tex
    if shutil.which("pdftoppm"):
        assert page_problems(pdf, tmp_path) == []
        if shutil.which("pdffonts"):
            fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
            assert "Type 3" not in fonts, fonts  # bitmap fonts: what the default T1 fonts become without lmodern


@pytest.mark.skipif(TEX is None, reason="no TeX engine (latexmk/pdflatex) installed")
def test_the_print_checks_catch_text_run_into_the_margin(tmp_path):
    """Negative control for the checks above: an unbreakable word wider than the line is an overfull box and ink
    in the right margin; the same document with the word broken passes both."""
    long_word = Code("genphys-" * 30)
    for name, parts, bad in (("cut", ("See ", long_word, "."), True), ("fine", ("See genphys " * 30,), False)):
        (tmp_path / name).mkdir()
        tex = tmp_path / name / "doc.tex"
        tex.write_text(to_tex([para(*parts)], "Control", tex.parent), encoding="ascii")
        pdf, note = compile_pdf(tex)
        assert pdf is not None, note
        log = tex.with_suffix(".log").read_text(errors="replace")
        assert bool(overfull_boxes(log)) is bad, log[-2000:]
        if shutil.which("pdftoppm"):
            assert any("right margin" in p for p in page_problems(pdf, tex.parent)) is bad


def test_report_refuses_bad_input(capsys, tmp_path):
    assert main(["report", "--out", str(tmp_path), "--only", "nonsense"]) == 2
    assert "not in the catalog" in capsys.readouterr().err
    assert main(["report", "--out", str(tmp_path), "--no-catalog"]) == 2
    assert "nothing to report" in capsys.readouterr().err
    assert main(["report", "--out", str(tmp_path), "--no-catalog", "phi_t - lap(phi*phi)"]) == 2
    assert "error:" in capsys.readouterr().err


# Injected into a copy of the page (the report itself has no script): what a reader would see, measured by the
# browser after layout, written into the DOM for --dump-dom to return.
LAYOUT_PROBE = """<script>
window.addEventListener("load", () => {
  const width = document.documentElement.clientWidth, out = {overflow: [], scrolled: [], images: [], maths: [], counts: {}};
  if (document.documentElement.scrollWidth > width + 1) out.overflow.push("page " + document.documentElement.scrollWidth);
  for (const el of document.querySelectorAll("p, li, td, th, figure, table, h2, h3, h4")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 || el.scrollWidth > el.clientWidth + 2)
      out.overflow.push(el.tagName + ": " + el.textContent.slice(0, 60));
  }
  for (const img of document.images)
    if (!img.complete || img.naturalWidth === 0 || img.getBoundingClientRect().height < 50) out.images.push(img.alt);
  for (const el of document.querySelectorAll(".m, .eq"))  // a formula wider than its line scrolls inside it
    if (el.scrollWidth > el.clientWidth + 2) out.scrolled.push(el.textContent.slice(0, 60));
  const maths = document.querySelectorAll("math");
  for (const m of maths) {
    const box = m.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || m.querySelector("merror") || /\\\\[A-Za-z]/.test(m.textContent))
      out.maths.push(m.textContent.slice(0, 60));
  }
  out.counts = {images: document.images.length, maths: maths.length, tables: document.querySelectorAll("table").length};
  document.body.setAttribute("data-layout", JSON.stringify(out));
});
</script>"""


def browser_layout(page, folder, width=1200):
    """(the probe's findings, a screenshot path) for ``page`` laid out by headless Chromium at ``width`` px."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={folder / 'profile'}", f"--window-size={width},2400", "--virtual-time-budget=10000"]
    probed = folder / f"probed-{width}.html"
    probed.write_text(page.read_text().replace("</body>", LAYOUT_PROBE + "</body>"))
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", probed.as_uri()], capture_output=True, text=True,
                         timeout=180).stdout
    found = re.search(r'data-layout="([^"]*)"', dom)
    assert found, dom[-2000:]
    import html

    shot = folder / f"page-{width}.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", page.resolve().as_uri()], capture_output=True, text=True,
                   timeout=180)
    return json.loads(html.unescape(found.group(1))), shot


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian: apt-get install chromium)")
def test_report_renders_in_a_browser(small_report, tmp_path):
    """As a person would look at it, on a laptop and a narrow window: nothing runs off the page or out of its cell,
    every figure decodes, every formula is rendered as MathML (no raw LaTeX, no error node); a screenshot is kept.
    A formula wider than its cell scrolls inside it (it cannot break): on the laptop that is rare."""
    for width in (1200, 800):
        layout, shot = browser_layout(small_report / "index.html", tmp_path, width)
        assert layout["counts"]["images"] >= 10 and layout["counts"]["tables"] >= 5 and layout["counts"]["maths"] > 20
        assert layout["overflow"] == [] and layout["images"] == [] and layout["maths"] == [], layout
        if width == 1200:
            assert len(layout["scrolled"]) <= 0.05 * layout["counts"]["maths"], layout["scrolled"]
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)[..., :3]
    ink = np.mean(np.any(pixels < 0.9, axis=-1))  # share of non-white pixels: text, tables, figures
    colour = np.mean(np.ptp(pixels, axis=-1) > 0.2)  # saturated pixels: the figures' lines and links
    assert 0.03 < ink < 0.6 and colour > 0.001, (ink, colour)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian: apt-get install chromium)")
def test_the_browser_probe_catches_overflow_broken_images_and_raw_latex(tmp_path):
    """Negative control for the probe: a page with an unbreakable line, an image that does not decode and a formula
    left as LaTeX reports all three."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><p>" + "x" * 600 + "</p><img alt='broken' src='data:image/png;base64,AAAA'>"
                    "<math><mi>\\frac</mi></math></body></html>")
    layout, _ = browser_layout(page, tmp_path)
    assert layout["overflow"] and layout["images"] == ["broken"] and layout["maths"], layout


def test_report_zhou_part(small_report):
    """Zhou's slides: the ladder table, the claims with reasons, the cumulant-flow figure, the lattice comparison."""
    page = (small_report / "index.html").read_text()
    for title in ("The ladder of the presets, substituted back", "The cumulant hierarchy along the flow",
                  "Lattice φ⁴: HMC against the learned-free generator"):
        assert title in page, title
    assert (small_report / "figures" / "zhou_cumulants.png").stat().st_size > 10_000
    data = json.loads((small_report / "zhou.json").read_text())
    assert all(c["holds"] for lad in data["ladders"] for c in lad["checks"])
    assert {"symmetric", "broken"} == set(data["lattice"])
    assert any(r["agree"] is False for r in data["claims"])


def test_importing_the_figures_keeps_the_users_backend():
    """A notebook's backend survives `import report.figures` (it used to force Agg on import); the CLI picks Agg for
    itself through MPLBACKEND only when the user has not chosen one."""
    import os
    import sys
    from pathlib import Path

    code = ("import matplotlib; matplotlib.use('svg'); import report.figures, report.zhou_part; "
            "print(matplotlib.get_backend())")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[1], check=True).stdout.strip()
    assert out == "svg"
