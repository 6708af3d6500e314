"""Verdicts that can be believed: repeated roots, Routh-Hurwitz conditions, disagreeing routes, conditions
from the scan, divergent transforms, error bounds held against known values, typed outcomes."""

import functools
import json
import math
import re

import mpmath
import numpy as np
import pytest
import sympy as sp

from analytic import criterion as criterion_module
from analytic.errors import NotSupportedError
from analytic.grammar import parse
from analytic.outcome import Generative, GeneratorOutcome, Holds
from analytic.pde import ParameterSymbol
from derivations import check as check_module
from derivations.catalog import entry, first_lobe
from derivations.check import check
from derivations.derive import derive
from genphys.cli import main
from numeric import hankel
from numeric.dispersion_scan import _roots, parameter_samples, scan


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------------------
# repeated dispersion roots
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("m, root", [(2, -1), (3, -1), (4, mpmath.mpf("0.5")), (3, 0)])
def test_roots_of_multiplicity_m_are_found(m, root):
    """(s − r)^m: every root within the working precision^(1/m) of r (the scan's precision is 40 digits)."""
    poly = sp.Poly((sp.Symbol("s") - sp.Rational(str(root))) ** m)
    with mpmath.workdps(40):
        found = _roots([mpmath.mpf(c.p) / c.q for c in poly.all_coeffs()])
        assert len(found) == m
        assert max(abs(z - root) for z in found) < mpmath.mpf(10) ** (-30 / m)


@pytest.mark.parametrize("text", [
    "phi_ttt + 3*phi_tt + 3*phi_t + phi - lap(phi)",  # (s + 1)^3 + k^2: triple root at k = 0
    "phi_tttt + 2*phi_ttt + 3*phi_tt + 2*phi_t - lap(phi)",  # (s² + s + 1)² − 1 + k²: double roots at k = 1
    "phi_tttttttt - lap(phi)",  # an 8-fold root at k = 0
])
def test_repeated_roots_keep_both_routes(capsys, text):
    code, out, err = run(capsys, "check", text, "--json")
    assert code == 0, err
    crit = json.loads(out)["criterion"]
    assert crit["holds"] == "no" and crit["agree"] and crit["method"].startswith("symbolic proof")
    (sample,) = crit["numeric_check"]
    assert sample["holds"] is False and sample["worst_gap"] > 0 and "note" not in sample


# ---------------------------------------------------------------------------------------
# Routh-Hurwitz and disagreements
# ---------------------------------------------------------------------------------------
def test_hurwitz_condition_is_the_determinant_s_sign():
    """s³ + a s² + (1 + k²) s + k²: the second Hurwitz determinant is a + (a − 1) k², so a ≥ 1."""
    result = check(parse("phi_ttt + a*phi_tt + phi_t - lap(phi_t) - lap(phi)", {"a": "positive"}))
    c = result.criterion
    assert c.holds is Holds.CONDITIONAL and c.agree and c.method.startswith("symbolic proof")
    a = ParameterSymbol("a", positive=True)
    assert sp.simplify(c.condition) == (a >= 1)
    for value, expected in ((0.9, False), (1.0, True), (1.2, True), (1.9, True), (3.0, True), (0.35, False)):
        assert bool(c.condition.subs(a, sp.Rational(str(value)))) is expected
        (sample,) = scan(result.pde, "evolution", samples=[{"a": value}])  # the independent route
        if value != 1.0:  # at a = 1 the determinant is 1 for every k: a strict but k-independent margin
            assert sample.holds is expected, value


def test_square_roots_of_negative_quantities_are_not_real_crossings():
    """The witness the old route printed, k = √(a/(1 − a)), is not real for 1 < a < 2: no crossing."""
    K, d = sp.Dummy("K", positive=True), sp.Dummy("d", positive=True)
    a = 2 / (1 + d)  # the case a < 2
    with pytest.raises(criterion_module._Split):  # the sign of d − 1 (a < 1 or a > 1) must be decided first
        criterion_module._negative_for_all(sp.expand(-a - (a - 1) * K**2), K)


def test_disagreeing_routes_make_the_verdict_undecided(capsys, monkeypatch):
    """A deliberately wrong symbolic route (it claims the heat equation fails) must not win."""
    real = criterion_module.decide

    def wrong(pde, mode):
        proved = real(pde, mode)
        cases = tuple(criterion_module.CaseVerdict(c.conditions, not c.holds, "planted error") for c in proved.cases)
        return criterion_module.SymbolicCriterion(mode, cases, sp.false, True, Holds.NO)

    monkeypatch.setattr(check_module, "decide", wrong)
    result = check(parse("phi_t - lap(phi)"), budget=None)
    assert result.criterion.holds is Holds.UNDECIDED and not result.criterion.agree
    assert "DISAGREE" in result.criterion.method and result.verdict.startswith("undecided")
    code, out, err = run(capsys, "check", "phi_t - lap(phi)", "--budget", "1000", "--json")
    crit = json.loads(out)["criterion"]
    assert code == 4 and crit["agree"] is False and crit["holds"] == "undecided" and crit["condition"] is None
    assert crit["disagreements"][0]["symbolic"] is False and crit["disagreements"][0]["numeric"] is True
    assert "disagree" in err


def test_outcomes_have_no_truth_value():
    result = check(parse("phi_tt - lap(phi)"))
    assert result.criterion.holds is Holds.NO
    with pytest.raises(TypeError):
        bool(result.criterion.holds)
    assert Holds.tally([True, None, False]) is Holds.CONDITIONAL and Holds.tally([None]) is Holds.UNDECIDED
    assert Generative.CONDITIONAL.may_generate and not Generative.NO.may_generate
    assert GeneratorOutcome.POOR.value == "poor" and str(Holds.YES) == "yes"


# ---------------------------------------------------------------------------------------
# conditions from the scan where the symbolic route cannot decide
# ---------------------------------------------------------------------------------------
def test_anisotropic_condition_comes_from_the_scan_over_the_cells():
    result = check(parse("phi_tt + phi_t - phi_xx - a*phi_yy", {"a": "real"}))
    c = result.criterion
    a = ParameterSymbol("a", real=True)
    assert c.holds is Holds.CONDITIONAL and sp.simplify(c.condition) == (a > 0)
    assert "numeric scan over 3 parameter region(s)" in c.method
    assert {cell.source for cell in c.cells} == {"numeric scan"}
    # fresh points, by the scan alone
    for value, expected in ((1e-3, True), (7.0, True), (-1e-3, False)):
        (sample,) = scan(result.pde, "evolution", samples=[{"a": value}])
        assert sample.holds is expected


def test_many_parameters_are_sampled_without_enumerating_the_grid():
    text = "phi_t - " + " - ".join(f"p{i}*lap(phi)" for i in range(14))
    samples = parameter_samples(parse(text))  # 5^14 = 6e9 combinations: must not be built
    assert len(samples) == 40 and len({json.dumps(s, sort_keys=True) for s in samples}) == 40
    assert all(v in (-1.7, -0.45, 0.0, 0.6, 2.3) for s in samples for v in s.values())


# ---------------------------------------------------------------------------------------
# transforms: divergence refused, error bounds kept
# ---------------------------------------------------------------------------------------
def test_divergent_transform_is_refused_not_evaluated(capsys):
    """G̃ = −e^(−kt)/k in N = 1: G = log(r² + t²)/(2π) plus an infinite constant."""
    code, out, err = run(capsys, "derive", "phi_tt + lap(phi)", "--dim", "1", "--eval", "0.5,1", "--json")
    assert code == 3 and "not integrable at k = 0" in err
    assert "values" not in (json.loads(out).get("green") or {})
    f = lambda kk: -mpmath.exp(-kk) / kk
    with pytest.raises(NotSupportedError):
        hankel.point(f, 1, 0.5)
    with pytest.raises(NotSupportedError):
        hankel.profile(lambda kk: -np.exp(-kk) / kk, 1)
    # in N = 2 the same G̃ is integrable: G = −1/(2π √(r² + t²)) (t = 1)
    value, error = hankel.point(f, 2, 0.5, with_error=True)
    with mpmath.workdps(30):
        assert abs(value + 1 / (2 * mpmath.pi * mpmath.sqrt(mpmath.mpf("1.25")))) <= error


@functools.lru_cache(maxsize=None)
def _fraclap_reference(beta, r):
    """exp(−k^(2β)) in N = 1 as a cosine integral (the Bessel route is not used), 30 digits."""
    with mpmath.workdps(30):
        r = mpmath.mpf(r)
        top = mpmath.mpf(80) ** (1 / (2 * mpmath.mpf(beta)))
        cuts = mpmath.linspace(0, top, max(50, int(top * r)))
        return mpmath.quad(lambda q: mpmath.exp(-q ** (2 * mpmath.mpf(beta))) * mpmath.cos(r * q), cuts) / mpmath.pi


KNOWN_TRANSFORMS = [  # (f̃ as an mpmath callable, its NumPy twin, N, r, exact value at the mpf r)
    (lambda q: mpmath.exp(-q**2), lambda q: np.exp(-q**2), 1, 1.3, lambda r: mpmath.exp(-r**2 / 4) / mpmath.sqrt(4 * mpmath.pi)),
    (lambda q: mpmath.exp(-q**2), lambda q: np.exp(-q**2), 3, 0.7, lambda r: mpmath.exp(-r**2 / 4) / (4 * mpmath.pi) ** 1.5),
    (lambda q: mpmath.exp(-q), lambda q: np.exp(-q), 2, 2.1, lambda r: 1 / (2 * mpmath.pi * (1 + r**2) ** 1.5)),
    (lambda q: mpmath.exp(-q), lambda q: np.exp(-q), 1, 0.4, lambda r: 1 / (mpmath.pi * (1 + r**2))),
    (lambda q: mpmath.exp(-q ** mpmath.mpf("0.6")), lambda q: np.exp(-q**0.6), 1, 1.5, lambda r: _fraclap_reference("0.3", float(r))),
    (lambda q: mpmath.exp(-q ** mpmath.mpf("0.8")), lambda q: np.exp(-q**0.8), 1, 6.0, lambda r: _fraclap_reference("0.4", float(r))),
]


@pytest.mark.parametrize("f, f_np, N, r, exact", KNOWN_TRANSFORMS)
def test_printed_error_bounds_hold_against_known_values(f, f_np, N, r, exact):
    value, error = hankel.point(f, N, r, with_error=True)
    with mpmath.workdps(30):
        truth = exact(mpmath.mpf(r))
        assert abs(value - truth) <= error, (value, truth, error)
        assert error < 1e-12 * abs(truth)  # and the bound is not vacuous
    prof = hankel.profile(f_np, N)
    assert abs(prof.at([r])[0] - float(truth)) <= prof.error_at([r])[0]


def test_fractional_value_is_right_and_its_error_is_its_own(capsys):
    """The case that printed 0.0640327046 with "error ≤ 3.6e-13" (the value is 0.0640327092)."""
    code, out, _ = run(capsys, "derive", "phi_t + fraclap(phi, 0.3)", "--dim", "1", "--eval", "1.5,1", "--json")
    assert code == 0
    (_, _, value, error), = json.loads(out)["green"]["values"]
    truth = _fraclap_reference("0.3", 1.5)
    assert abs(value - float(truth)) <= max(error, 2e-17)  # the float rounding of the printed value
    assert value == pytest.approx(0.0640327092110968, abs=1e-15)


def test_biharmonic_lobe_numbers_are_computed():
    """First zero and first minimum of the inverse transform of exp(−k⁴) in N = 2, by FFTLog (a second
    route: the erratum's numbers come from mpmath quadrature and root-finding)."""
    prof = hankel.profile(lambda q: np.exp(-q**4), 2)
    inside = (prof.r > 1) & (prof.r < 8)
    r, P = prof.r[inside], prof.values[inside].real
    zero = r[np.argmax(P < 0)]
    bottom = r[np.argmin(P)]
    depth = P.min() / prof.values[np.argmin(np.abs(prof.r - 1e-3))].real
    d = derive(entry("biharmonic").parse(), dim=2, conditions=False)
    text = first_lobe(d.flow.p_hat, 2)
    quoted = [float(x) for x in re.findall(r"r = ([0-9.]+)\\, t\^\{1/4\}", text)]
    spacing = 0.03  # the FFTLog grid's spacing in log r (0.7 %) at r ≈ 4-5, with rounding to 3 digits
    assert len(quoted) == 2 and abs(quoted[0] - zero) < spacing * zero and abs(quoted[1] - bottom) < spacing * bottom
    assert f"{100 * depth:.2g}%" in text, (text, depth)
    assert math.isclose(quoted[0], 4.05, abs_tol=0.01) and math.isclose(quoted[1], 5.10, abs_tol=0.01)
