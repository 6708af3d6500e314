"""LinearPDE: a parsed constant-coefficient linear PDE and its symbol L(s, k).

Convention (README, "Conventions"): phi ∝ exp(−iωt + ik·x), so ∂t → s = −iω, ∂x_j → i k_j,
∇² → −|k|², and ω = i s. The symbol L is a polynomial in s whose coefficients may hold
|k|^(2β) for fractional Laplacians.
"""

from __future__ import annotations

import keyword
import builtins
import re
from dataclasses import dataclass, field

import mpmath
import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from .errors import ParameterError


#: integers longer than this print in scientific notation (Γ(N/2) at N = 3072 has ~4000 digits, past
#: what Python converts to text, and no reader wants them)
MAX_PRINTED_DIGITS = 60


def _too_long(n: int) -> bool:
    return abs(n).bit_length() > MAX_PRINTED_DIGITS * 3.33


def _scientific(n: int) -> str:
    return mpmath.nstr(mpmath.mpf(n), 15)


class _TextPrinter(StrPrinter):
    """SymPy's text form, with huge integers in scientific notation."""

    def _print_Integer(self, expr):
        return _scientific(expr.p) if _too_long(expr.p) else super()._print_Integer(expr)

    def _print_Rational(self, expr):
        if _too_long(expr.p) or _too_long(expr.q):
            return f"{_scientific(expr.p)}/{_scientific(expr.q)}"
        return super()._print_Rational(expr)


def text(expr) -> str:
    """The project's text printer for results (sstr, safe for any size of number)."""
    return _TextPrinter().doprint(expr)


class _Printer(LatexPrinter):
    """SymPy's LaTeX in the paper's notation: ε for a parameter named eps, Θ for the Heaviside step;
    huge integers in scientific notation."""

    def _print_Integer(self, expr):
        if not _too_long(expr.p):
            return str(expr.p)
        mantissa, exponent = _scientific(expr.p).split("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"

    def _print_Rational(self, expr):
        if _too_long(expr.p) or _too_long(expr.q):
            return rf"\frac{{{self._print_Integer(sp.Integer(expr.p))}}}{{{self._print_Integer(sp.Integer(expr.q))}}}"
        return super()._print_Rational(expr)

    def _print_Symbol(self, expr, style="plain"):
        return r"\epsilon" if expr.name == "eps" else super()._print_Symbol(expr, style)

    def _print_Heaviside(self, expr, exp=None):
        tex = rf"\Theta\left({self._print(expr.args[0])}\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"


def latex(expr) -> str:
    """The project's one LaTeX printer (every derivation, table and report goes through it)."""
    return _Printer().doprint(expr)

#: growth rate s = −iω; kept free of assumptions: SymPy's solve drops the roots that contradict a symbol's
#: assumptions, so an assumption on s could silently lose a branch.
s = sp.Symbol("s")
#: |k| for isotropic operators.
k = sp.Symbol("k", positive=True)
#: wave-vector components for anisotropic operators.
kx, ky, kz = sp.symbols("kx ky kz", real=True)
AXIS_K = {"x": kx, "y": ky, "z": kz}
#: the symbolic dimension used when --dim is omitted.
N = sp.Symbol("N", positive=True, integer=True)
#: time (or the extra axis of the boundary reading), and the radius |x − x'| of real-space kernels.
t = sp.Symbol("t", positive=True)
r = sp.Symbol("r", positive=True)

ASSUMPTIONS = {
    "positive": {"positive": True},
    "nonnegative": {"real": True, "nonnegative": True},
    "negative": {"negative": True},
    "nonpositive": {"real": True, "nonpositive": True},
    "nonzero": {"real": True, "nonzero": True},
    "real": {"real": True},
}

#: parameter values used by numeric cross-checks, per assumption (not round, to avoid coincidences).
SAMPLE_VALUES = {
    "positive": (0.35, 1.2, 3.1),
    "nonnegative": (0.0, 0.35, 1.2, 3.1),
    "negative": (-3.1, -1.2, -0.35),
    "nonpositive": (-3.1, -1.2, -0.35, 0.0),
    "nonzero": (-1.7, -0.45, 0.6, 2.3),
    "real": (-1.7, -0.45, 0.0, 0.6, 2.3),
}

_RESERVED = {
    "phi", "t", "x", "y", "z", "s", "k", "kx", "ky", "kz", "q", "omega", "N",
    "I", "E", "S", "O", "Q", "pi", "oo", "zoo", "nan", "inf",
    "dt", "dx", "dy", "dz", "lap", "biharm", "fraclap", "sqrt", "exp", "log",
}
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,23}\Z")


def validate_parameter_name(name: str) -> None:
    """Refuse any name that could be code, clash with the grammar, or confuse SymPy strings."""
    if not isinstance(name, str) or not _NAME_RE.match(name) or "__" in name:
        raise ParameterError(
            f"parameter name {name!r} is not allowed: use a letter followed by up to 23 letters, "
            "digits or single underscores (e.g. eps, k0, m2)"
        )
    if keyword.iskeyword(name) or name in _RESERVED or name.startswith("phi_") or hasattr(builtins, name):
        raise ParameterError(
            f"parameter name {name!r} is reserved (it is a keyword, builtin or part of the PDE grammar); "
            "choose another name"
        )


class ParameterSymbol(sp.Symbol):
    """A user parameter's symbol. Its own class, so it is never equal to an internal symbol of the same
    name and assumptions (the radius r, the time t, the integration variable tau, ...): SymPy compares
    and hashes the type with the name, so whatever a user calls a parameter, no derivation can mix the
    two up. It prints as its name."""


@dataclass(frozen=True)
class Parameter:
    """A PDE coefficient name with its declared assumption (undeclared parameters are real)."""

    name: str
    assumption: str = "real"
    declared: bool = True

    def __post_init__(self):
        validate_parameter_name(self.name)
        if self.assumption not in ASSUMPTIONS:
            raise ParameterError(
                f"assumption {self.assumption!r} for parameter {self.name!r} is not known; "
                f"use one of: {', '.join(ASSUMPTIONS)}"
            )

    @property
    def symbol(self) -> ParameterSymbol:
        return ParameterSymbol(self.name, **ASSUMPTIONS[self.assumption])

    def describe(self) -> str:
        return f"{self.name}: {self.assumption}" + ("" if self.declared else " (undeclared, taken as real)")


def degree_in_s(symbol: sp.Expr) -> int:
    """The degree in s of an expanded symbol, term by term (sp.Poly builds a coefficient domain first:
    seconds for a hundred-term symbol); ValueError when a term is not a monomial in s."""
    degree = 0
    for term in sp.Add.make_args(symbol):
        powers = term.as_powers_dict()
        power = powers.get(s, sp.S.Zero)
        if not (power.is_Integer and power >= 0) or any(b != s and b.has(s) for b in powers):
            raise ValueError(f"internal: {term} is not a monomial in s")
        degree = max(degree, int(power))
    return degree


@dataclass(frozen=True)
class LinearPDE:
    """L φ = 0 for a constant-coefficient linear operator L, with its Fourier symbol.

    ``symbol`` is L(s, k) (isotropic) or L(s, kx[, ky[, kz]]) (anisotropic); ``kvars`` lists
    the wave-vector symbols it uses; ``dimension`` is an int or the symbol N.
    """

    text: str
    canonical: str
    latex: str
    symbol: sp.Expr
    kvars: tuple
    isotropic: bool
    dimension: object
    parameters: tuple = field(default_factory=tuple)
    time_order: int = 1

    def __post_init__(self):
        if degree_in_s(self.symbol) != self.time_order or self.time_order < 1:
            raise ValueError(f"internal: time order {self.time_order} does not match symbol {self.symbol}")
        allowed = set(self.kvars) | {s} | {p.symbol for p in self.parameters}
        extra = self.symbol.free_symbols - allowed
        if extra:
            raise ValueError(f"internal: symbol has unexpected symbols {extra}")

    @property
    def param_symbols(self) -> tuple:
        return tuple(p.symbol for p in self.parameters)

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def __repr__(self) -> str:
        return f"LinearPDE({self.canonical!r}, dimension={self.dimension})"

    def _repr_latex_(self) -> str:
        return f"${self.latex} = 0$"
