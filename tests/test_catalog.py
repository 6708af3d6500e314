"""Every catalog entry (registered once, tested here without a list): branches, verdicts, errata."""

import re
import shutil

import mpmath
import pytest
import sympy as sp

from analytic.grammar import parse
from analytic.pde import k, s
from analytic.outcome import Holds
from derivations.catalog import CATALOG
from derivations.derive import derive

# Verdicts derived by hand from the dispersion relations in the conventions of README's "Conventions".
EXPECTED = {
    "diffusion": "yes", "poisson": "yes", "ideal_wave": "no", "dissipative_wave": "yes", "helmholtz": "no",
    "screened_poisson": "yes", "schrodinger": "no", "mixed_diffusion_poisson": "yes",
    "fractional_diffusion": "yes", "third_order": "no", "biharmonic": "yes",
}


def test_every_entry_has_an_expected_verdict():
    assert set(EXPECTED) == {e.name for e in CATALOG}


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.name)
def test_branches_are_the_roots_found_by_mpmath(entry, comparisons):
    result = comparisons[entry.name].result
    pde = result.pde
    point = {p.symbol: sp.Rational(13, 10) for p in pde.parameters}
    for kv in (sp.Rational(1, 5), sp.Rational(5, 2)):
        coeffs = [complex(sp.N(c.subs(point).subs(k, kv), 30)) for c in sp.Poly(pde.symbol, s).all_coeffs()]
        with mpmath.workdps(30):
            reference = sorted((complex(r) for r in mpmath.polyroots(coeffs, maxsteps=200)),
                               key=lambda z: (round(z.real, 8), round(z.imag, 8)))
        ours = sorted((complex(sp.N(b.s.subs(point).subs(k, kv), 30)) for b in result.branches
                       for _ in range(b.multiplicity)), key=lambda z: (round(z.real, 8), round(z.imag, 8)))
        assert ours == pytest.approx(reference, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.name)
def test_verdict_is_proved_and_confirmed_numerically(entry, comparisons):
    c = comparisons[entry.name].result.criterion
    assert c.holds.value == EXPECTED[entry.name]
    assert c.symbolic.complete and c.method.startswith("symbolic proof")
    assert c.agree, c.notes
    if c.holds is Holds.NO:
        assert c.witness is not None


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.name)
def test_every_disagreement_with_the_paper_is_explained(entry, comparisons):
    comp = comparisons[entry.name]
    disagreeing = comp.disagreements()
    not_comparable = {item for item, c in comp.flow.items() if c.agree is None}
    assert disagreeing <= set(entry.errata), {i: comp.reason(i) for i in disagreeing - set(entry.errata)}
    # an explanation without a disagreement may only annotate an item the paper does not state
    assert set(entry.errata) <= disagreeing | not_comparable, set(entry.errata) - disagreeing


def test_the_known_paper_errors_are_found(comparisons):
    assert not comparisons["dissipative_wave"].omega_agree  # sign of the damping term in Table 3
    assert not comparisons["helmholtz"].criterion_agree  # fails for every k0 > 0
    third = comparisons["third_order"]
    assert not third.criterion_agree and third.other_reading == "boundary: yes"


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.name)
def test_latex_of_every_entry_is_well_formed(entry, comparisons, tmp_path):
    from report.derivation import derivation_blocks
    from report.document import to_tex
    from texcheck import problems

    source = to_tex(derivation_blocks(comparisons[entry.name].derivation, title=entry.title), entry.title, tmp_path)
    assert problems(source) == [], problems(source)


@pytest.mark.skipif(not (shutil.which("latexmk") or shutil.which("pdflatex")), reason="no TeX engine installed")
def test_latex_of_the_whole_catalog_compiles(comparisons, tmp_path):
    from report.derivation import derivation_blocks
    from report.document import compile_pdf, to_tex

    blocks = [b for e in CATALOG for b in derivation_blocks(comparisons[e.name].derivation, title=e.title)]
    tex = tmp_path / "catalog.tex"
    tex.write_text(to_tex(blocks, "The catalog", tmp_path), encoding="ascii")
    pdf, note = compile_pdf(tex)
    assert pdf is not None and pdf.exists(), note
    from texcheck import overfull_boxes, page_problems

    assert overfull_boxes(tex.with_suffix(".log").read_text(errors="replace")) == []
    if shutil.which("pdftoppm"):
        (tmp_path / "pages").mkdir()
        assert page_problems(pdf, tmp_path / "pages") == []


# the names of internal symbols: the radius r (every entry), the integration variable tau of the
# Bessel-K closed forms (the two entries that have them)
RENAMED = [(e, "r") for e in CATALOG if e.params] + [
    (e, "tau") for e in CATALOG if e.name in ("screened_poisson", "mixed_diffusion_poisson")]


@pytest.mark.parametrize("entry, name", RENAMED, ids=lambda x: getattr(x, "name", x))
def test_parameter_names_do_not_change_the_verdicts(entry, name, comparisons):
    """Rename the parameters (their order kept) to names internal symbols have: every verdict stays."""
    old = sorted(entry.params)
    new = [name] if len(old) == 1 else sorted([name, "zeta"])
    mapping = dict(zip(old, new))
    text = re.sub(r"\b(" + "|".join(old) + r")\b", lambda m: mapping[m.group(1)], entry.pde)
    renamed = derive(parse(text, {mapping[n]: a for n, a in entry.params.items()}), dim=2)
    original = comparisons[entry.name].derivation
    assert renamed.result.criterion.holds is original.result.criterion.holds
    assert (renamed.c1_holds, renamed.c2_holds, renamed.generative) == (
        original.c1_holds, original.c2_holds, original.generative), (text, renamed.verdict, original.verdict)


def test_tables_1_2_5_are_typeset_where_the_items_are_formulas():
    from derivations.catalog import compare, entry
    from report.build import Section, paper_table_blocks
    from report.document import Math

    c = compare(entry("screened_poisson"))
    G = c.flow["G"]
    assert G.ours_latex.startswith("- ") and "K_{" in G.ours_latex and "K_{" in G.paper_latex
    assert c.flow["R"].paper_latex == "- m^{2} \\phi" and c.flow["R"].ours_latex == "m^{2} \\phi"
    assert c.flow["C1"].ours_latex == ""  # words stay words
    table = paper_table_blocks([Section(c.entry.name, c.entry.title, c.derivation, c, None, None)])[-1]
    cells = {row[1]: row for row in table.rows}
    assert isinstance(cells["G"][2], Math) and isinstance(cells["v"][3], Math)
    assert cells["C2"][2] == "yes" and not isinstance(cells["C2"][3], Math)
