"""The catalog: the GenPhys paper's PDEs (Tables 1-4) as data, with what the paper claims.

An entry holds the PDE text, parameter assumptions and the paper's dispersion relation and
criterion verdict; the pipeline derives everything else. Whether ours and the paper's agree is
computed (branches compared numerically as multisets at sample points), never typed in. An
entry's ``errata`` explain, per compared item, *why* the paper differs; a test checks that every
computed disagreement has an explanation and every explanation a disagreement.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Callable

import mpmath
import sympy as sp

from analytic.errors import PDEInputError
from analytic.grammar import parse
from analytic.outcome import Holds
from analytic.pde import LinearPDE, k, latex, r, s, t, text
from analytic.closed_forms import apply_local
from analytic.flow import current_forms
from analytic.grammar import operator_latex, operator_text
from numeric import hankel
from numeric.lambdified import mp_function
from .check import CheckResult, check
from .derive import Derivation, derive

I, pi = sp.I, sp.pi
_rho = sp.sqrt(t**2 + r**2)
_front = sp.sqrt(t**2 - r**2)


def _flow(p, v, R, G, G_dims=None, c1="yes", c2="yes", p_text=None) -> PaperFlow:
    return PaperFlow(p, v, R, G, G_dims, c1, c2, p_text)


@dataclass(frozen=True)
class PaperFlow:
    """The paper's Tables 1, 2, 5 entries for one PDE, as it prints them (constants of G dropped).

    p and R are operators on φ written as symbols in s (= ∂t); v = ∇(A φ) / (B φ) is given as
    (A, B); ``G(N, params)`` is the printed G(r, t), valid for ``G_dims`` (None: any N).
    ``p_text`` replaces ``p`` when the paper's density is not linear in φ.
    """

    p: Callable  # params -> symbol in s (None when ``p_text`` is set)
    v: Callable  # params -> (A, B) or None when v is not of this form
    R: Callable  # params -> multiple of φ
    G: Callable  # (N, params) -> expression in r, t, or None (no closed form given)
    G_dims: tuple | None
    c1: str
    c2: str
    p_text: str | None = None


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
    # item (omega, criterion, G, p, v, R, C1, C2) -> why the paper differs: text, or a function of our
    # Derivation for explanations that quote numbers (computed, never typed in). ``doc`` and the errata are
    # prose with inline markup, $maths$ (LaTeX) and `code`, which the report typesets (report.document.prose).
    errata: dict = field(default_factory=dict)
    paper_flow: PaperFlow | None = None  # Tables 1, 2, 5; None for Table 4 entries (no flow given)

    def parse(self, dim=None) -> LinearPDE:
        return parse(self.pde, self.params, dim=dim)


def _pm(f):
    return [f(1), f(-1)]


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        "diffusion", "Diffusion (diffusion models)", "phi_t - lap(phi)", {},
        lambda k, p: [-I * k**2], "yes", "Tables 1, 3",
        doc="Heat equation; the Gaussian kernel of score-based diffusion models.",
        paper_flow=_flow(lambda p: 1, lambda p: (-1, 1), lambda p: 0,
                         lambda N, p: (4 * pi * t) ** (-N / 2) * sp.exp(-r**2 / (4 * t)))),
    CatalogEntry(
        "poisson", "Poisson (PFGM)", "phi_tt + lap(phi)", {},
        lambda k, p: _pm(lambda e: e * I * k), "yes", "Tables 1, 3",
        doc="Laplace equation in N+1 dimensions, t as the extra axis: Poisson flow generative models.",
        paper_flow=_flow(lambda p: -s, lambda p: (1, s), lambda p: 0, lambda N, p: _rho ** (-(N - 1)))),
    CatalogEntry(
        "ideal_wave", "Ideal wave", "phi_tt - lap(phi)", {},
        lambda k, p: _pm(lambda e: e * k), "no", "Tables 1, 3",
        doc="Undamped waves keep their wave fronts: information is carried, not forgotten.",
        paper_flow=_flow(lambda p: -s, lambda p: (-1, s), lambda p: 0,
                         lambda N, p: sp.Heaviside(t - r) / _front, (2,), "no", "no"),
        errata={
            "p": r"The paper takes $p = -\phi_t$ with $G = \Theta(t-r)/\sqrt{t^2-r^2} > 0$ (its Eq. 43): that $p$ has "
                 r"total mass $-1$ (the wave-front term is the negative one, as the paper notes). Fixing the sign by "
                 r"$\int p = +1$ at $t = 0^+$ gives $p = +\phi_t$, whose interior $t > r$ is negative instead. Either "
                 "way C1 fails, as the paper says.",
        }),
    CatalogEntry(
        "dissipative_wave", "Dissipative wave (telegraph)", "phi_tt + 2*eps*phi_t - lap(phi)", {"eps": "positive"},
        lambda k, p: [sp.Piecewise((I * (-p["eps"] + e * sp.sqrt(p["eps"]**2 - k**2)), k <= p["eps"]),
                                   (I * p["eps"] + e * sp.sqrt(k**2 - p["eps"]**2), True)) for e in (1, -1)],
        "conditional", "Tables 1, 3 ('conditionally yes, large eps')",
        doc=r"Damped waves: $\epsilon \to 0$ gives ideal waves, $\epsilon \to \infty$ diffusion.",
        paper_flow=_flow(lambda p: -(s + 2 * p["eps"]), lambda p: (1, s + 2 * p["eps"]), lambda p: 0,
                         lambda N, p: sp.exp(-p["eps"] * t) * sp.cosh(p["eps"] * _front) / _front * sp.Heaviside(t - r),
                         (2,), "conditional", "conditional"),
        errata={
            "p": r"The paper takes $p = -(\phi_t + 2\epsilon\phi)$ with its positive $G$ (Table 1): total mass $-1$ "
                 r"at $t = 0^+$. With the mass fixed to $+1$, $p = \phi_t + 2\epsilon\phi$.",
            "v": r"Table 1 prints $v = \nabla\phi/(\phi_t + 2\epsilon\phi)$, but the paper's own text (Sec. 3) has "
                 r"$v = -\nabla\phi/(\phi_t + 2\epsilon\phi)$: with $p = -(\phi_t + 2\epsilon\phi)$ only the "
                 r"text's sign makes $\partial_t p + \nabla\cdot(p v) = -L\phi$. Table 1's 'rewritten' column carries "
                 r"the same sign slip. Ours: $v = -\nabla\phi/(\phi_t + 2\epsilon\phi)$, as in the text.",
            "C2": r"The paper says C2 'conditionally yes (large $\epsilon$)'. The overlap $F(T) \to 1$ at every "
                  r"$\epsilon$ sampled, with $1 - F \sim T^{-1}$ as the $k^2$ behaviour of the envelope near $k = 0$ "
                  r"predicts: C2 holds for all $\epsilon > 0$ (see criterion).",
            "C1": r"The paper says C1 'conditionally yes (large $\epsilon$)'. For every $\epsilon > 0$ the kernel "
                  r"vanishes outside the front $r = t$ ($N = 1$: $v = J/p$ undefined there) and, in $N = 2$, "
                  r"$p = \phi_t + 2\epsilon\phi$ is negative just inside the front, where $\partial_t$ of "
                  r"$1/\sqrt{t^2 - r^2}$ diverges. No $\epsilon$ repairs it: C1 fails, so the dissipative wave is not "
                  "s-generative although Eq. 16 holds.",
            "omega": r"Table 3 gives $\omega = i\epsilon \pm \sqrt{k^2 - \epsilon^2}$ for $k > \epsilon$. "
                     r"Substituting $s = -i\omega$ into $s^2 + 2\epsilon s + k^2 = 0$ gives "
                     r"$s = -\epsilon \pm i\sqrt{k^2 - \epsilon^2}$, i.e. $\omega = -i\epsilon \mp \sqrt{k^2 - \epsilon^2}$: "
                     r"the paper flips the sign of the damping term (its own Table 1, "
                     r"$\tilde G(k,t) = e^{-\epsilon t + i\sqrt{k^2-\epsilon^2}\,t}$, agrees with us).",
            "criterion": r"The paper says 'conditionally yes (large $\epsilon$)'. Eq. 16 holds for every $\epsilon > 0$: "
                         r"the envelope is $-\epsilon + \mathrm{Re}\sqrt{\epsilon^2 - k^2}$, which is "
                         r"$< 0 = \mathrm{Im}\,\omega(0)$ for all $k > 0$. No largeness of $\epsilon$ is needed for C2; "
                         r"the paper's hedge concerns positivity of $p = -(\phi_t + 2\epsilon\phi)$, i.e. C1, which "
                         r"fails for every $\epsilon$ (see C1).",
        }),
    CatalogEntry(
        "helmholtz", "Helmholtz", "phi_tt + lap(phi) + k0**2*phi", {"k0": "positive"},
        lambda k, p: [sp.Piecewise((e * sp.sqrt(p["k0"]**2 - k**2), k <= p["k0"]),
                                   (e * I * sp.sqrt(k**2 - p["k0"]**2), True)) for e in (1, -1)],
        "conditional", "Tables 2, 3 ('conditionally yes, small k0')",
        doc="Single-frequency waves in N+1 dimensions.",
        paper_flow=_flow(lambda p: -s, lambda p: (1, s), lambda p: p["k0"]**2,
                         lambda N, p: (p["k0"] / _rho) ** ((N - 1) / 2) * sp.hankel1((N - 1) / 2, p["k0"] * _rho),
                         None, "conditional", "conditional"),
        errata={
            "G": r"Table 2 pairs $\tilde G = e^{-i\sqrt{k_0^2 - k^2}\,t}$ ($k < k_0$) with $H^{(1)}_{(N-1)/2}$. The "
                 r"inverse transform of that $\tilde G$ (checked numerically to $10^{-8}$) is the $H^{(2)}$ kernel, "
                 r"i.e. our $K_\nu(i k_0 \rho)$, the complex conjugate of the paper's; $H^{(1)}$ belongs to "
                 r"$e^{+i\sqrt{k_0^2 - k^2}\,t}$. The paper then keeps only $\mathrm{Re}\,G$ (its Eq. 48), a "
                 "different (standing-wave) solution.",
            "p": r"Our $p = \phi_t$ for the decaying/radiating solution is complex ($\mathrm{Im}\,P \neq 0$), so it is "
                 r"no density; the paper compares against the real part of an $H^{(1)}$ kernel instead (see G).",
            "R": r"$R/p$ is complex for our (radiating) kernel; the paper's $R/p$ is built on its $H^{(1)}$ kernel "
                 "(see G).",
            "C1": r"The paper says C1 'conditionally yes (small $k_0$)' for $\mathrm{Re}\,G$. For the generic flow of "
                  r"the decaying solution, $p$ is complex at every $k_0 > 0$ (C1 fails); $k_0 \to 0$ recovers Poisson.",
            "C2": r"The paper says C2 'conditionally yes'. The overlap $F(T)$ settles at a value below 1 for every "
                  r"$k_0 > 0$ sampled (the modes $k < k_0$ never decay), as Eq. 16 predicts.",
            "criterion": r"The paper says 'conditionally yes (small $k_0$)'. For $0 < k < k_0$ both branches are real, "
                         r"$\omega = \pm\sqrt{k_0^2 - k^2}$ (the paper's own Table 3): these modes oscillate without "
                         r"decay, so $\mathrm{Im}\,\omega(k) = 0 = \mathrm{Im}\,\omega(0)$ and Eq. 16 fails for every "
                         r"$k_0 > 0$, however small. Only $k_0 = 0$, the Poisson equation, passes (check it with `k0` "
                         r"real: the condition derived is `Eq(k0, 0)`).",
        }),
    CatalogEntry(
        "screened_poisson", "Screened Poisson (Yukawa)", "phi_tt + lap(phi) - m**2*phi", {"m": "positive"},
        lambda k, p: _pm(lambda e: e * I * sp.sqrt(k**2 + p["m"]**2)), "yes", "Tables 2, 3",
        doc=r"Poisson with screening length $1/m$; mass decays like $e^{-m t}$, so $R \neq 0$.",
        paper_flow=_flow(lambda p: -s, lambda p: (1, s), lambda p: -p["m"]**2,
                         lambda N, p: (p["m"] / _rho) ** ((N - 1) / 2) * sp.besselk((N - 1) / 2, p["m"] * _rho))),
    CatalogEntry(
        "schrodinger", "Free Schrodinger", "I*phi_t + lap(phi)", {},
        lambda k, p: [k**2], "no", "Tables 2, 3",
        doc="Unitary evolution: every mode keeps its modulus, nothing is forgotten.",
        paper_flow=_flow(None, lambda p: None, lambda p: 0,
                         lambda N, p: (4 * pi * I * t) ** (-N / 2) * sp.exp(I * r**2 / (4 * t)), None, "no", "no",
                         p_text="|phi|^2"),
        errata={
            "p": r"The paper uses $p = |\phi|^2$ (the quantum probability density), which is quadratic in $\phi$, "
                 r"not the linear construction of Algorithm 1. The linear construction gives $p = i\phi$, complex, "
                 r"so C1 fails for it as well; with $|\phi|^2$ the paper's reason (zeros from interference) applies.",
            "v": r"The paper's $v = 2\,\mathrm{Im}\,\nabla\log\phi$ belongs to $p = |\phi|^2$ (see p).",
        }),
    CatalogEntry(
        "mixed_diffusion_poisson", "Mixed diffusion-Poisson", "a*phi_tt - b*phi_t + lap(phi)",
        {"a": "positive", "b": "positive"},
        lambda k, p: _pm(lambda e: I / (2 * p["a"]) * (p["b"] + e * sp.sqrt(p["b"]**2 + 4 * p["a"] * k**2))),
        "yes", "Table 4, App. B",
        doc="Interpolates PFGM (a, b) = (1, 0) and diffusion (0, 1).",
        paper_flow=_flow(lambda p: -p["a"] * s + p["b"], lambda p: (1, p["a"] * s - p["b"]), lambda p: 0,
                         lambda N, p: None),
        errata={
            "G": r"App. B says $G$ has no closed form 'to the best of Mathematica's ability'. $G$ itself has none in "
                 r"our table either, but the density kernel does: $\tilde p = e^{t(b - \sqrt{b^2 + 4ak^2})/(2a)}$ is a "
                 r"Yukawa-type kernel, so $P(r, t) = -\partial_\tau\left[2(2\pi)^{-(N+1)/2} (m/\rho)^\nu "
                 r"K_\nu(m\rho)\right]$ with $\tau = t/\sqrt{a}$, $m = b/(2\sqrt{a})$, times $e^{bt/(2a)}$ (checked "
                 r"against the numeric transform). The paper's Eq. 62 also writes $\sqrt{b^2 + 4k^2}$ where "
                 r"$a\omega^2 + b\omega - k^2 = 0$ gives $\sqrt{b^2 + 4ak^2}$.",
        }),
    CatalogEntry(
        "fractional_diffusion", "Fractional diffusion", "phi_t + fraclap(phi, beta)", {"beta": "positive"},
        lambda k, p: [-I * k**(2 * p["beta"])], "yes", "Table 4",
        doc=r"$(-\nabla^2)^\beta$: Levy-flight smoothing.",
        errata={
            "C1": r"Table 4 proposes it from Eq. 16, which holds for every $\beta > 0$. But $e^{-k^{2\beta} t}$ is the "
                  r"Fourier transform of a positive kernel only for $0 < \beta \leq 1$ (Levy-stable laws); for "
                  r"$\beta > 1$, $P(r, t)$ has negative lobes (found by the C1 scan at $\beta = 1.2$ and $3.1$), so the "
                  r"PDE is s-generative only for $0 < \beta \leq 1$.",
        }),
    CatalogEntry(
        "third_order", "Third-order 'diffusion'", "phi_ttt - lap(phi)", {},
        lambda k, p: [c * k**sp.Rational(2, 3) for c in (-I, sp.exp(I * pi / 6), sp.exp(5 * I * pi / 6))],
        "yes", "Table 4",
        doc="Third order in time: three branches.",
        errata={
            "criterion": r"The paper counts it as satisfying Eq. 16 because one branch, $\omega = -i k^{2/3}$, does "
                         r"('we only require one branch'). Read as an initial-value problem in $t$ (third order, "
                         r"not elliptic), the source $\delta(t)$ excites all three branches, and the two others, "
                         r"$\omega = e^{i\pi/6} k^{2/3}$ and $e^{5i\pi/6} k^{2/3}$, grow like $e^{k^{2/3} t/2}$, so "
                         r"the criterion fails. It holds only in the boundary reading, where a decay condition "
                         r"at $t \to \infty$ discards the growing branches (`genphys check --mode boundary`). The "
                         r"paper also prints the PDE as $\phi_{ttt} - \Delta u = 0$ ($u$ for $\phi$).",
            "C1": r"In the evolution reading $\tilde p(k, t)$ grows like $e^{k^{2/3} t/2}$: the initial-value problem "
                  r"is ill-posed, so there is no density at all (C1 fails). The boundary reading keeps only the "
                  r"decaying branch (`genphys derive --mode boundary`).",
        }),
    CatalogEntry(
        "biharmonic", "Elasticity (biharmonic)", "phi_t + biharm(phi)", {},
        lambda k, p: [-I * k**4], "yes", "Table 4",
        doc=r"Fourth-order smoothing, $\phi_t + \nabla^4 \phi = 0$.",
        errata={"C1": lambda d: (
            r"Table 4 proposes it from Eq. 16 alone. Its kernel, the inverse transform of $e^{-k^4 t}$, changes "
            "sign: " + first_lobe(d.flow.p_hat, COMPARE_DIM) + ", so p is not a density and C1 fails: not s-generative "
            "despite satisfying the dispersion criterion.")}),
)


@functools.lru_cache(maxsize=16)
def first_lobe(p_hat: sp.Expr, N: int) -> str:
    """Where the density kernel P(r, 1) first turns negative and how deep its first lobe is (N dims).

    P = F_N[p̃] by mpmath quadrature; its zero by root-finding on P, the lobe's minimum on
    dP/dr = −2π r F_(N+2)[p̃] (the derivative of a radial transform). When p̃ depends on k and t
    through k t^(1/β) only (checked symbolically), radii are given in units of t^(1/β)."""
    f = mp_function(p_hat.subs(t, 1), (k,))
    P = lambda rr: hankel.point(f, N, rr)
    dP = lambda rr: -2 * mpmath.pi * rr * hankel.point(f, N + 2, rr)
    radii = [mpmath.mpf(x) / 2 for x in range(1, 41)]
    values = [P(rr) for rr in radii]
    first = next((i for i, v in enumerate(values) if v < 0), None)
    if first is None:
        return f"no negative lobe for r < 20 (N = {N}, t = 1)"
    zero = mpmath.findroot(P, (radii[first - 1], radii[first]), solver="anderson")
    end = next((i for i in range(first, len(values)) if values[i] >= 0), len(values) - 1)
    bottom = mpmath.findroot(dP, (radii[first], radii[end]), solver="anderson")
    depth = P(bottom) / P(mpmath.mpf(0))
    lam = sp.Dummy("lam", positive=True)
    beta = next((b for b in (2, 4, 1, sp.Rational(1, 2)) if sp.simplify(p_hat.subs({k: k / lam, t: lam**b * t}) - p_hat) == 0),
                None)
    unit = "" if beta is None else rf"\, t^{{1/{beta}}}"
    return (f"$P(r, t)$ first turns negative at $r = {float(zero):.3g}{unit}$ and its first negative lobe bottoms out "
            f"at $r = {float(bottom):.3g}{unit}$ with {100 * float(depth):.2g}% of the peak ($N = {N}$, computed by "
            "quadrature and root-finding)")


def catalog_names(names: list[str] | None, option: str = "") -> list[str]:
    """The catalog entries ``names`` in catalog order (None: every entry); an unknown name is a PDEInputError
    (``option``: the command-line option that gave them, for the message)."""
    known = [e.name for e in CATALOG]
    unknown = sorted(set(names or ()) - set(known))
    if unknown:
        raise PDEInputError(f"{option + ' ' if option else ''}{unknown}: not in the catalog ({', '.join(known)})")
    return known if names is None else [n for n in known if n in names]


def entry(name: str) -> CatalogEntry:
    """The catalog entry called ``name`` (`CATALOG` lists them; an unknown name is a PDEInputError)."""
    for e in CATALOG:
        if e.name == name:
            return e
    raise PDEInputError(f"no catalog entry {name!r}; known: {', '.join(e.name for e in CATALOG)}")


@dataclass(frozen=True)
class ItemComparison:
    """One compared item of Tables 1, 2, 5: ours, the paper's, agreement (None: not comparable)."""

    ours: str
    paper: str
    agree: bool | None
    detail: str
    ours_latex: str = ""  # the same as LaTeX where it is a formula ("" for words: "numeric", "not checked")
    paper_latex: str = ""


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
    derivation: Derivation | None = None
    flow: dict = field(default_factory=dict)  # item (G, p, v, R, C1, C2) -> ItemComparison

    def reason(self, item: str) -> str:
        if item == "omega":
            detail = self.omega_detail
        elif item == "criterion":
            detail = self.criterion_detail
        else:
            detail = self.flow[item].detail
        why = self.erratum(item)
        return detail + (f" Why: {why}" if why else "")

    def erratum(self, item: str) -> str | None:
        """The catalog's explanation of a disagreement, with any numbers it quotes computed now."""
        why = self.entry.errata.get(item)
        return why(self.derivation) if callable(why) else why

    def agree(self, item: str) -> bool | None:
        """Agreement on one compared item (None: not comparable)."""
        if item in self.flow:
            return self.flow[item].agree
        return {"omega": self.omega_agree, "criterion": self.criterion_agree}.get(item)

    def errata_items(self) -> list[str]:
        """Items to explain, in table order: the disagreements, and the explained not-comparable ones."""
        return [item for item in ("omega", "criterion", "G", "p", "v", "R", "C1", "C2")
                if self.agree(item) is False or (item in self.entry.errata and item in self.flow
                                                 and self.agree(item) is None)]

    def disagreements(self) -> set:
        out = {item for item, ok in (("omega", self.omega_agree), ("criterion", self.criterion_agree)) if not ok}
        return out | {item for item, c in self.flow.items() if c.agree is False}


COMPARE_DIM = 2
_POINTS = ((sp.Rational(3, 10), sp.Rational(9, 10)), (sp.Rational(9, 20), sp.Rational(17, 10)),
           (sp.Rational(1, 5), sp.Rational(1, 2)))


def _ratios(ours: sp.Expr, paper: sp.Expr) -> list[complex]:
    """ours / paper at interior points (r < t, off any wave front), 30 digits."""
    out = []
    with mpmath.workdps(30):
        for rr, tt in _POINTS:
            a = complex(sp.N(ours.subs({r: rr, t: tt}), 30))
            b = complex(sp.N(paper.subs({r: rr, t: tt}), 30))
            out.append(a / b if b != 0 else complex("nan"))
    return out


def _constant(ratios) -> complex | None:
    first = ratios[0]
    if any(z != z for z in ratios) or first == 0:
        return None
    return first if all(abs(z - first) <= 1e-9 * abs(first) for z in ratios) else None


def _fmt(z: complex) -> str:
    return f"{z.real:.6g}" if abs(z.imag) <= 1e-12 * abs(z) else f"{z.real:.6g}{z.imag:+.6g}i"


def compare_flow(entry: CatalogEntry, d: Derivation) -> dict:
    """G, p, v, R, C1, C2 against Tables 1, 2, 5 (N = 2; G up to the constants the tables drop)."""
    paper = entry.paper_flow
    if d.unsupported:
        return {}
    if paper is None:
        return {"C1": ItemComparison(str(d.c1_holds), "not checked", None,
                                     f"ours: {d.c1_holds} (N = {COMPARE_DIM}); the paper lists the PDE from Eq. 16 "
                                     "alone and does not check C1.")}
    syms = {p.name: p.symbol for p in d.pde.parameters}
    values = {sym: sp.Rational(13, 10) for sym in syms.values()}
    N = COMPARE_DIM
    ks = d.kernels.get(N)
    out = {}
    G_ours = None if ks is None or ks.G is None else ks.G.expr.subs(values)
    G_paper = paper.G(sp.Integer(N), syms)
    G_paper = None if G_paper is None else G_paper.subs(values)
    if G_paper is None:
        out["G"] = ItemComparison(text(ks.G.expr) if ks and ks.G else "numeric", "no closed form given", None,
                                  "the paper gives no closed form.")
    elif G_ours is None:
        out["G"] = ItemComparison("numeric", text(G_paper), False, "we find no closed form to compare.")
    else:
        c = _constant(_ratios(G_ours, G_paper))
        out["G"] = ItemComparison(text(ks.G.expr), text(paper.G(sp.Integer(N), syms)), c is not None,
                                  f"N = {N}: ours = {_fmt(c)} x paper's (the tables drop normalisation constants)."
                                  if c is not None else f"N = {N}: ours / paper's is not constant in (r, t).")
    flow = d.flow
    ours_text, ours_tex = flow.forms(), flow.forms("latex")
    ours_p = ours_text["p"]
    if paper.p_text is not None:
        out["p"] = ItemComparison(ours_p, paper.p_text, False, f"the paper's p = {paper.p_text} is not linear in phi.")
    elif G_paper is None or ks is None or ks.P is None:
        out["p"] = ItemComparison(ours_p, operator_text(paper.p(syms)), None, "no kernels to compare.")
    else:
        P_paper = apply_local(paper.p(syms), G_paper, N)
        c = _constant(_ratios(ks.P.expr.subs(values), P_paper.subs(values)))
        ok = c is not None and abs(c.imag) <= 1e-12 * abs(c) and c.real > 0
        out["p"] = ItemComparison(ours_p, operator_text(paper.p(syms)), ok,
                                  "the density kernels agree up to a positive constant." if ok else
                                  f"ours = {_fmt(c)} x the paper's p applied to its G: opposite sign (mass)."
                                  if c is not None else "the density kernels differ in shape.")
    v_paper = paper.v(syms)
    ours_v = ours_text["v"]
    if v_paper is None:
        out["v"] = ItemComparison(ours_v, "2 Im grad(log phi)", False, "the paper's v is not of the form grad(A phi)/(B phi).")
    else:
        A, B = v_paper
        same = sp.simplify(sp.expand(A * flow.M - B * flow.Q)) == 0
        paper_v = current_forms(sp.S(A), sp.S(B))[1]
        out["v"] = ItemComparison(ours_v, paper_v, same, "same operator ratio." if same else
                                  "the operator ratios differ (compare numerators and denominators).")
    R_paper = paper.R(syms)
    ours_R = ours_text["R"]
    if R_paper == 0 or flow.L00 == 0:
        ok = (R_paper == 0) == (flow.L00 == 0)
        out["R"] = ItemComparison(ours_R, operator_text(sp.S(R_paper)), ok, "both zero." if ok else "one is zero.")
    elif G_paper is None or ks is None or ks.R is None or ks.P is None or paper.p_text is not None:
        out["R"] = ItemComparison(ours_R, operator_text(sp.S(R_paper)), None, "no kernels to compare.")
    else:
        ours_rate = (ks.R.expr / ks.P.expr).subs(values)
        paper_rate = (R_paper * G_paper / apply_local(paper.p(syms), G_paper, N)).subs(values)
        c = _constant(_ratios(ours_rate, paper_rate))
        ok = c is not None and abs(c - 1) <= 1e-9
        out["R"] = ItemComparison(ours_R, operator_text(sp.S(R_paper)), ok,
                                  "same birth/death rate R/p." if ok else "the rates R/p differ.")
    for item, ours, theirs in (("C1", d.c1_holds, paper.c1), ("C2", d.c2_holds, paper.c2)):
        out[item] = ItemComparison(str(ours), theirs, None if ours is Holds.UNDECIDED else ours.value == theirs,
                                   f"ours: {ours} (N = {N}, parameter samples); paper: {theirs}.")
    if v_paper is None:
        paper_v = r"2\,\operatorname{Im}\nabla\log\phi"
    else:
        paper_v = current_forms(sp.S(v_paper[0]), sp.S(v_paper[1]), "latex")[1]
    tex = {"G": (latex(ks.G.expr) if ks is not None and ks.G is not None else "",
                 "" if G_paper is None else latex(paper.G(sp.Integer(N), syms))),
           "p": (ours_tex["p"], "" if paper.p_text is not None else operator_latex(paper.p(syms))),
           "v": (ours_tex["v"], paper_v), "R": (ours_tex["R"], operator_latex(sp.S(R_paper)))}
    return {item: dataclasses.replace(c, ours_latex=tex[item][0], paper_latex=tex[item][1]) if item in tex else c
            for item, c in out.items()}


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
    criterion_agree = ours.value == entry.paper_criterion
    other = None
    detail = f"ours: {ours} ({result.mode} reading); paper: {entry.paper_criterion} ({entry.source})."
    if not criterion_agree:
        other_mode = "boundary" if result.mode == "evolution" else "evolution"
        other_result = check(pde, mode=other_mode, budget=budget)
        other = f"{other_mode}: {other_result.criterion.holds}"
        detail += f" In the {other_mode} reading ours is: {other_result.criterion.holds}."
    derivation = derive(pde, dim=COMPARE_DIM, budget=budget)
    return Comparison(entry, result, omega_agree, omega_detail, criterion_agree, detail, other,
                      derivation, compare_flow(entry, derivation))
