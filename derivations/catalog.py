"""The catalog: the GenPhys paper's PDEs (Tables 1-4) as data, with what the paper claims.

An entry holds the PDE text, parameter assumptions and the paper's dispersion relation and
criterion verdict; the pipeline derives everything else. Whether ours and the paper's agree is
computed (branches compared numerically as multisets at sample points), never typed in. An
entry's ``errata`` explain, per compared item, *why* the paper differs; a test checks that every
computed disagreement has an explanation and every explanation a disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import mpmath
import sympy as sp

from analytic.grammar import parse
from analytic.pde import LinearPDE, k
from .check import CheckResult, check

I, pi = sp.I, sp.pi


@dataclass(frozen=True)
class CatalogEntry:
    """A named PDE from the paper and the paper's claims about it."""

    name: str
    title: str
    pde: str
    params: dict
    paper_omega: Callable  # (k, params-by-name) -> list of SymPy expressions (Piecewise allowed)
    paper_criterion: str  # yes | no | conditional, as the paper states it
    source: str  # where in the paper
    doc: str = ""
    errata: dict = field(default_factory=dict)  # item ("omega" | "criterion") -> why the paper differs

    def parse(self, dim=None) -> LinearPDE:
        return parse(self.pde, self.params, dim=dim)


def _pm(f):
    return [f(1), f(-1)]


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        "diffusion", "Diffusion (diffusion models)", "phi_t - lap(phi)", {},
        lambda k, p: [-I * k**2], "yes", "Tables 1, 3",
        doc="Heat equation; the Gaussian kernel of score-based diffusion models."),
    CatalogEntry(
        "poisson", "Poisson (PFGM)", "phi_tt + lap(phi)", {},
        lambda k, p: _pm(lambda e: e * I * k), "yes", "Tables 1, 3",
        doc="Laplace equation in N+1 dimensions, t as the extra axis: Poisson flow generative models."),
    CatalogEntry(
        "ideal_wave", "Ideal wave", "phi_tt - lap(phi)", {},
        lambda k, p: _pm(lambda e: e * k), "no", "Tables 1, 3",
        doc="Undamped waves keep their wave fronts: information is carried, not forgotten."),
    CatalogEntry(
        "dissipative_wave", "Dissipative wave (telegraph)", "phi_tt + 2*eps*phi_t - lap(phi)", {"eps": "positive"},
        lambda k, p: [sp.Piecewise((I * (-p["eps"] + e * sp.sqrt(p["eps"]**2 - k**2)), k <= p["eps"]),
                                   (I * p["eps"] + e * sp.sqrt(k**2 - p["eps"]**2), True)) for e in (1, -1)],
        "conditional", "Tables 1, 3 ('conditionally yes, large eps')",
        doc="Damped waves: eps -> 0 gives ideal waves, eps -> oo diffusion.",
        errata={
            "omega": "Table 3 gives omega = i*eps +- sqrt(k^2 - eps^2) for k > eps. Substituting s = -i*omega "
                     "into s^2 + 2*eps*s + k^2 = 0 gives s = -eps +- i*sqrt(k^2 - eps^2), i.e. "
                     "omega = -i*eps -+ sqrt(k^2 - eps^2): the paper flips the sign of the damping term "
                     "(its own Table 1, G(k,t) = exp(-eps*t + i*sqrt(k^2-eps^2)*t), agrees with us).",
            "criterion": "The paper says 'conditionally yes (large eps)'. Eq. 16 holds for every eps > 0: the "
                         "envelope is -eps + Re sqrt(eps^2 - k^2), which is < 0 = Im omega(0) for all k > 0. "
                         "No largeness of eps is needed for C2; the paper's hedge concerns positivity of "
                         "p = -(phi_t + 2*eps*phi) (C1), which `check` does not test.",
        }),
    CatalogEntry(
        "helmholtz", "Helmholtz", "phi_tt + lap(phi) + k0**2*phi", {"k0": "positive"},
        lambda k, p: [sp.Piecewise((e * sp.sqrt(p["k0"]**2 - k**2), k <= p["k0"]),
                                   (e * I * sp.sqrt(k**2 - p["k0"]**2), True)) for e in (1, -1)],
        "conditional", "Tables 2, 3 ('conditionally yes, small k0')",
        doc="Single-frequency waves in N+1 dimensions.",
        errata={
            "criterion": "The paper says 'conditionally yes (small k0)'. For 0 < k < k0 both branches are real, "
                         "omega = +-sqrt(k0^2 - k^2) (the paper's own Table 3): these modes oscillate without "
                         "decay, so Im omega(k) = 0 = Im omega(0) and Eq. 16 fails for every k0 > 0, however "
                         "small. Only k0 = 0, the Poisson equation, passes (check it with k0 real: the "
                         "condition derived is Eq(k0, 0)).",
        }),
    CatalogEntry(
        "screened_poisson", "Screened Poisson (Yukawa)", "phi_tt + lap(phi) - m**2*phi", {"m": "positive"},
        lambda k, p: _pm(lambda e: e * I * sp.sqrt(k**2 + p["m"]**2)), "yes", "Tables 2, 3",
        doc="Poisson with screening length 1/m; mass decays like exp(-m t), so R != 0."),
    CatalogEntry(
        "schrodinger", "Free Schrodinger", "I*phi_t + lap(phi)", {},
        lambda k, p: [k**2], "no", "Tables 2, 3",
        doc="Unitary evolution: every mode keeps its modulus, nothing is forgotten."),
    CatalogEntry(
        "mixed_diffusion_poisson", "Mixed diffusion-Poisson", "a*phi_tt - b*phi_t + lap(phi)",
        {"a": "positive", "b": "positive"},
        lambda k, p: _pm(lambda e: I / (2 * p["a"]) * (p["b"] + e * sp.sqrt(p["b"]**2 + 4 * p["a"] * k**2))),
        "yes", "Table 4, App. B",
        doc="Interpolates PFGM (a, b) = (1, 0) and diffusion (0, 1)."),
    CatalogEntry(
        "fractional_diffusion", "Fractional diffusion", "phi_t + fraclap(phi, beta)", {"beta": "positive"},
        lambda k, p: [-I * k**(2 * p["beta"])], "yes", "Table 4",
        doc="(-Laplacian)^beta: Levy-flight smoothing."),
    CatalogEntry(
        "third_order", "Third-order 'diffusion'", "phi_ttt - lap(phi)", {},
        lambda k, p: [c * k**sp.Rational(2, 3) for c in (-I, sp.exp(I * pi / 6), sp.exp(5 * I * pi / 6))],
        "yes", "Table 4",
        doc="Third order in time: three branches.",
        errata={
            "criterion": "The paper counts it as satisfying Eq. 16 because one branch, omega = -i*k^(2/3), does "
                         "('we only require one branch'). Read as an initial-value problem in t (third order, "
                         "not elliptic), the source delta(t) excites all three branches, and the two others, "
                         "omega = e^(i*pi/6) k^(2/3) and e^(5i*pi/6) k^(2/3), grow like exp(k^(2/3) t/2), so "
                         "the criterion fails. It holds only in the boundary reading, where a decay condition "
                         "at t -> oo discards the growing branches (genphys check --mode boundary). The paper "
                         "also prints the PDE as phi_ttt - Delta u = 0 (u for phi).",
        }),
    CatalogEntry(
        "biharmonic", "Elasticity (biharmonic)", "phi_t + biharm(phi)", {},
        lambda k, p: [-I * k**4], "yes", "Table 4",
        doc="Fourth-order smoothing, phi_t + Laplacian^2 phi = 0."),
)


def entry(name: str) -> CatalogEntry:
    for e in CATALOG:
        if e.name == name:
            return e
    raise KeyError(f"no catalog entry {name!r}; known: {', '.join(e.name for e in CATALOG)}")


@dataclass(frozen=True)
class Comparison:
    """Ours beside the paper's, per compared item, with a reason for every disagreement."""

    entry: CatalogEntry
    result: CheckResult
    omega_agree: bool
    omega_detail: str
    criterion_agree: bool
    criterion_detail: str
    other_reading: str | None

    def reason(self, item: str) -> str:
        detail = self.omega_detail if item == "omega" else self.criterion_detail
        why = self.entry.errata.get(item)
        return detail + (f" Why: {why}" if why else "")


def compare_omega(entry: CatalogEntry, pde: LinearPDE, result: CheckResult) -> tuple[bool, str]:
    """Branches as multisets at sample points: ours vs the paper's (numeric, 30 digits)."""
    if result.branches is None:
        return False, "no closed-form branches to compare"
    syms = {p.name: p.symbol for p in pde.parameters}
    paper = entry.paper_omega(k, syms)
    ours = [b.omega for b in result.branches for _ in range(b.multiplicity)]
    if len(paper) != len(ours):
        return False, f"the paper lists {len(paper)} branch(es), we find {len(ours)}."
    values = [sp.Rational(7, 10), sp.Rational(13, 10), sp.Rational(27, 10)]
    with mpmath.workdps(30):
        for kv in [sp.Rational(3, 10), sp.Rational(9, 10), sp.Rational(17, 10), sp.Rational(42, 10)]:
            for v in values:
                point = {k: kv, **{sym: v for sym in syms.values()}}
                a = _sorted_values(ours, point)
                b = _sorted_values(paper, point)
                if any(abs(x - y) > 1e-12 * (1 + abs(x)) for x, y in zip(a, b)):
                    where = ", ".join(f"{n}={float(v)}" for n in syms) or "no parameters"
                    fmt = lambda zs: "[" + ", ".join(f"{z.real:.4g}{z.imag:+.4g}i" for z in zs) + "]"
                    return False, (f"at k={float(kv)} ({where}) ours {fmt(a)}, paper {fmt(b)}.")
    return True, "same branches at 12 sample points."


def _sorted_values(exprs, point) -> list[complex]:
    values = (complex(sp.N(w.subs(point), 30)) for w in exprs)
    return sorted(values, key=lambda z: (round(z.real, 9), round(z.imag, 9)))


def compare(entry: CatalogEntry, budget: float | None = 20.0) -> Comparison:
    pde = entry.parse()
    result = check(pde, budget=budget)
    omega_agree, omega_detail = compare_omega(entry, pde, result)
    ours = result.criterion.holds
    criterion_agree = ours == entry.paper_criterion
    other = None
    detail = f"ours: {ours} ({result.mode} reading); paper: {entry.paper_criterion} ({entry.source})."
    if not criterion_agree:
        other_mode = "boundary" if result.mode == "evolution" else "evolution"
        other_result = check(pde, mode=other_mode, budget=budget)
        other = f"{other_mode}: {other_result.criterion.holds}"
        detail += f" In the {other_mode} reading ours is: {other_result.criterion.holds}."
    return Comparison(entry, result, omega_agree, omega_detail, criterion_agree, detail, other)
