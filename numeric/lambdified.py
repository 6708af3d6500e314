"""The one seam from SymPy expressions to callables (mpmath for reference values, NumPy for tables).

Every `sp.lambdify` of the numeric layer is here. Arguments are replaced by dummies before printing (``dummify``),
and parameter values are mostly substituted before, so no user-chosen name is printed into generated code.
The other compiler, `logdomain`'s, writes log-domain array code (log|f| and sign, never |f|) that lambdify cannot;
its constants in t come from here.
Distributions: Heaviside(x) is evaluated pointwise (½ at 0), DiracDelta(x) is 0 away from its
support and +inf on it, so a grid that hits a wave front shows it instead of hiding it.
"""

from __future__ import annotations

import mpmath
import numpy as np
import scipy.special
import sympy as sp


def _mp_heaviside(x, h0=mpmath.mpf(0.5)):
    x = mpmath.re(x)
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0) if x < 0 else h0


def _mp_dirac(x, *order):
    return mpmath.inf if x == 0 else mpmath.mpf(0)


_MPMATH = {"Heaviside": _mp_heaviside, "DiracDelta": _mp_dirac}
_NUMPY = {"Heaviside": lambda x, h0=0.5: np.heaviside(np.real(x), h0),
          "DiracDelta": lambda x, *order: np.where(x == 0, np.inf, 0.0),
          "besselk": scipy.special.kv, "besseli": scipy.special.iv, "besselj": scipy.special.jv,
          "gamma": scipy.special.gamma}


#: exact numbers with more digits than this are printed as 60-digit floats (Γ(N/2) in N = 3072 has
#: thousands of digits, more than Python will print, and far more than any evaluation here uses)
MAX_EXACT_DIGITS = 300


def _printable(expr: sp.Expr) -> sp.Expr:
    big = {n: sp.Float(n, 60) for n in expr.atoms(sp.Rational)
           if max(abs(n.p), n.q).bit_length() > MAX_EXACT_DIGITS * 3.33}
    return expr.xreplace(big) if big else expr


def mp_function(expr: sp.Expr, args: tuple):
    """Callable for mpmath numbers (high precision reference values)."""
    _check_closed(expr, args)
    return sp.lambdify(args, _printable(expr), modules=[_MPMATH, "mpmath"], dummify=True)


def np_function(expr: sp.Expr, args: tuple):
    """Vectorised callable for NumPy arrays, evaluated in complex arithmetic.

    Complex arithmetic keeps √(ε² − k²) meaningful on both sides of k = ε; hyperbolic functions
    are rewritten as exponentials with combined exponents, so e^{−εt} cosh(t√(ε² − k²)) does not
    overflow to inf · 0 at large t.
    """
    _check_closed(expr, args)
    expr = _printable(expr)
    stable = sp.powsimp(expr, combine="exp")  # e^{−t√(k²+m²)} e^{mt} as one exponential: no 0 · inf
    if expr.has(sp.sinh, sp.cosh):
        stable = sp.powsimp(sp.expand(expr.rewrite(sp.exp)), combine="exp")
    fn = sp.lambdify(args, stable, modules=[_NUMPY, "numpy"], dummify=True)

    def evaluate(*values):
        # kernels decay to 0 (underflow) or grow past the double range on purpose: callers handle both
        with np.errstate(under="ignore", over="ignore"):
            return fn(*(np.asarray(v, dtype=complex) for v in values))
    return evaluate


def np_real_function(exprs, args: tuple):
    """Vectorised real callable returning one float array per expression (broadcast to the arguments' shape):
    for real-valued fields such as forces, where complex arithmetic would only cost time (and atan2 has no
    complex form)."""
    exprs = [_printable(e) for e in exprs]
    for e in exprs:
        _check_closed(e, args)
    fn = sp.lambdify(args, exprs, modules=[_NUMPY, "numpy"])

    def evaluate(*values):
        values = [np.asarray(v, dtype=float) for v in values]
        shape = np.broadcast_shapes(*(v.shape for v in values))
        with np.errstate(all="ignore"):  # callers test finiteness where it matters (singular points)
            return [np.broadcast_to(np.asarray(out, dtype=float), shape) for out in fn(*values)]
    return evaluate


def _check_closed(expr, args):
    extra = expr.free_symbols - set(args)
    if extra:
        raise ValueError(f"internal: expression still has free symbols {sorted(map(str, extra))}")
