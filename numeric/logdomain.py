"""Radial kernels in the log domain: (log|f|, sign f) for closed forms f(r, t), and for FFTLog tables.

Each kernel has two evaluations: ``log_abs_sign`` on arrays (the fields, in double precision) and ``reference``
at given radii (C1's sign decisions: closed forms in mpmath at 30 digits, tables with their error estimate).
A kernel the fields cannot evaluate (complex, or with a wave front) is still a kernel: C1 decides against it,
and ``check_field`` refuses it where a field is built.

A closed form is compiled once into array code that never forms |f| itself: products add logs,
sums are signed log-sum-exps, K_ν goes through `log_kv`, and every factor free of r is
evaluated per call in mpmath (so (4πt)^(−N/2) or Γ((N+1)/2) at N = 3072 stay finite). Only
internal symbols r and t appear; parameter values and N are substituted before compiling.
The same code runs on NumPy or CuPy (``xp``); K_ν on CuPy needs a half-integer order (even N) or
ν ≥ 40 (Debye), or is refused.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp
from scipy.integrate import cumulative_simpson, simpson
from scipy.interpolate import CubicSpline

from analytic.errors import NotSupportedError
from analytic.pde import r, t
from . import hankel
from .lambdified import mp_function
from .special import log_kv


class LogKernel:
    """A radial kernel f(r, t): ``log_abs_sign(rr, r2, tt, xp)`` → (log|f|, sign f) arrays.

    ``rr`` may be None when no kernel of the field asked for it (``needs_r``): use r2.
    """

    needs_r = False

    def log_abs_sign(self, rr, r2, tt: float, xp):  # pragma: no cover - interface
        raise NotImplementedError

    def reference(self, radii, tt: float) -> tuple[list, np.ndarray]:
        """(values at ``radii``, mpmath or complex, and their absolute error bounds) for C1's decisions."""
        raise NotImplementedError(f"internal: {type(self).__name__} has no reference evaluation")

    def check_field(self, name: str) -> None:
        """Raise NotSupportedError when a field cannot evaluate this kernel (``name``: P, j or R)."""


class ZeroKernel(LogKernel):
    def log_abs_sign(self, rr, r2, tt, xp):
        return xp.full(r2.shape, -xp.inf, dtype=r2.dtype), xp.zeros(r2.shape, dtype=r2.dtype)

    def reference(self, radii, tt):
        return [0] * len(radii), np.zeros(len(radii))


class ClosedKernel(LogKernel):
    """A closed form compiled to log-domain array code (see the module docstring)."""

    def __init__(self, expr: sp.Expr):
        extra = expr.free_symbols - {r, t}
        if extra:
            raise ValueError(f"internal: kernel has free symbols {sorted(map(str, extra))}")
        self.expr = expr
        self._log = self._mp = None  # compiled on first use
        # odd powers of r need the square root of the tile's r²; even kernels (heat, Poisson) skip it
        self.needs_r = _bare(expr, r)

    def check_field(self, name: str = "") -> None:
        if self.expr.has(sp.I):
            raise NotSupportedError("not supported yet: complex kernels (p is not real, so C1 fails)")
        if self.expr.has(sp.Heaviside, sp.DiracDelta):
            raise NotSupportedError("not supported yet: fields of kernels with wave fronts (Heaviside/δ); "
                                    "such PDEs fail C1 anyway")
        if self._log is None:
            self._log = _compile_log(self.expr)

    def log_abs_sign(self, rr, r2, tt, xp):
        """log|f| as an array of the tile's shape; the sign may stay a scalar (broadcasts)."""
        if self._log is None:
            self.check_field()
        if rr is None and self.needs_r:
            rr = xp.sqrt(r2)
        L, S = self._log({"r": rr, "r2": r2, "t": float(tt), "xp": xp})
        if not hasattr(L, "shape") or L.shape != r2.shape:
            L = L + xp.zeros_like(r2)
        return L, S

    def reference(self, radii, tt):
        """At 30 digits, so far tails (e^{−10^6}) keep their sign; exact up to that rounding."""
        if self._mp is None:
            self._mp = mp_function(self.expr, (r, t))
        with mpmath.workdps(30):
            values = [mpmath.mpc(self._mp(mpmath.mpf(float(rr)), mpmath.mpf(float(tt)))) for rr in radii]
        return values, np.zeros(len(radii))


def _bare(expr: sp.Expr, symbol: sp.Symbol) -> bool:
    """True when ``symbol`` occurs other than as the base of an even integer power."""
    if expr == symbol:
        return True
    if isinstance(expr, sp.Pow) and expr.base == symbol and expr.exp.is_Integer and expr.exp % 2 == 0:
        return False
    return any(_bare(a, symbol) for a in expr.args)


def log_constant(expr: sp.Expr):
    """(log|c|, sign c) of an expression in t only, at 30 digits (per call)."""
    fn = mp_function(expr, (t,)) if expr.has(t) else None
    value = None if fn else mpmath.mpmathify(sp.N(expr, 30))

    def evaluate(env):
        with mpmath.workdps(30):
            v = fn(mpmath.mpf(env["t"])) if fn else value
            if mpmath.im(v) != 0:
                raise NotSupportedError("not supported yet: complex kernels (p is not real, so C1 fails)")
            v = mpmath.re(v)
            return (float(mpmath.log(abs(v))) if v != 0 else -math.inf), float(mpmath.sign(v))
    return evaluate


def _compile_value(expr: sp.Expr):
    """Direct (not logged) array evaluation, for arguments of exp/log/Bessel functions."""
    if not expr.has(r):
        c = log_constant(expr)
        return lambda env: (lambda ls: ls[1] * math.exp(ls[0]) if ls[0] > -math.inf else 0.0)(c(env))
    if expr == r:
        return lambda env: env["r"]
    if isinstance(expr, sp.Add):
        parts = [_compile_value(a) for a in expr.args]
        return lambda env: sum(p(env) for p in parts)
    if isinstance(expr, sp.Mul):
        parts = [_compile_value(a) for a in expr.args]

        def product(env):
            out = 1.0
            for p in parts:
                out = out * p(env)
            return out
        return product
    if isinstance(expr, sp.Pow) and expr.exp.is_number:
        if expr.base == r and expr.exp == 2:
            return lambda env: env["r2"]
        base, e = _compile_value(expr.base), float(expr.exp)
        return lambda env: base(env) ** e
    logged = _compile_log(expr)
    return lambda env: (lambda ls: ls[1] * env["xp"].exp(ls[0]))(logged(env))


def _compile_log(expr: sp.Expr):
    """(log|f|, sign f) array code for f(r, t)."""
    if not expr.has(r):
        return log_constant(expr)
    if expr == r:
        return lambda env: (env["xp"].log(env["r"]), 1.0)
    if isinstance(expr, sp.Mul):
        parts = [_compile_log(a) for a in expr.args]

        def product(env):
            L, S = 0.0, 1.0
            for p in parts:
                l_, s_ = p(env)
                L, S = L + l_, S * s_
            return L, S
        return product
    if isinstance(expr, sp.Add) and all(a.is_nonnegative for a in expr.args) and not any(
            a.has(sp.exp, sp.besselk) for a in expr.args):
        value = _compile_value(expr)  # r² + t² and the like: no cancellation, no overflow below r ~ 1e150
        return lambda env: (env["xp"].log(value(env)), 1.0)
    if isinstance(expr, sp.Add):
        parts = [_compile_log(a) for a in expr.args]

        def signed_logsumexp(env):
            xp = env["xp"]
            terms = [p(env) for p in parts]
            m = terms[0][0]
            for l_, _ in terms[1:]:
                m = xp.maximum(m, l_)
            m_safe = xp.where(xp.isfinite(m), m, 0.0)
            total = 0.0
            for l_, s_ in terms:
                total = total + s_ * xp.exp(l_ - m_safe)
            with np.errstate(divide="ignore"):
                return m_safe + xp.log(xp.abs(total)), xp.sign(total)
        return signed_logsumexp
    if isinstance(expr, sp.Pow) and expr.exp.is_number:
        if expr.base == r and expr.exp.is_Integer and expr.exp % 2 == 0:
            e = float(expr.exp) / 2
            return lambda env: (e * env["xp"].log(env["r2"]), 1.0)
        base, e = _compile_log(expr.base), float(expr.exp)
        integer = expr.exp.is_Integer

        def power(env):
            l_, s_ = base(env)
            return e * l_, (s_ ** int(e) if integer else s_ * 0 + 1.0)
        return power
    if isinstance(expr, sp.exp):
        arg = _compile_value(expr.args[0])
        return lambda env: (arg(env), 1.0)
    if isinstance(expr, sp.besselk):
        nu = float(expr.args[0])
        arg = _compile_value(expr.args[1])

        def bessel(env):
            return log_kv(nu, arg(env), env["xp"]), 1.0
        return bessel
    raise NotSupportedError(f"not supported yet: {type(expr).__name__} in a field kernel ({sp.sstr(expr)[:60]})")


def radial_logs(kernel: LogKernel, log_r: np.ndarray, tt: float):
    """(log|f|, sign f) of a radial kernel at r = e^log_r, as arrays of log_r's shape (NumPy; far tails quiet)."""
    rr = np.exp(log_r)
    with np.errstate(divide="ignore", under="ignore", over="ignore", invalid="ignore"):
        L, S = kernel.log_abs_sign(rr, rr * rr, tt, np)
    return np.broadcast_to(L, log_r.shape), np.broadcast_to(S, log_r.shape)


def zoomed_grid(log_r: np.ndarray, keep: np.ndarray, points: int) -> np.ndarray:
    """``points`` values spanning the part of ``log_r`` where ``keep`` holds, one step of margin each side."""
    idx = np.nonzero(keep)[0]
    return np.linspace(log_r[max(idx[0] - 1, 0)], log_r[min(idx[-1] + 1, len(log_r) - 1)], points)


class TableKernel(LogKernel):
    """FFTLog profile of f̃(k, t) (one transform per distinct t, cached), cubic in log r.

    A profile of one sign is interpolated as log|f| (accurate far into the tails); a profile that
    changes sign (a kernel failing C1) as f itself. The cubic pieces are evaluated with ``xp``,
    so the same tables serve NumPy and CuPy.
    """

    def __init__(self, f_np, N: int, factor: float = 1.0, cache_size: int = 64, real: bool = True):
        """``f_np(k, t)``: f̃ on arrays of k; ``factor`` multiplies the transform in N dimensions; ``real``: whether
        f̃ is real (a complex one is a kernel C1 decides on, not one a field can use)."""
        self.f_np, self.N, self.factor, self.real = f_np, N, factor, real
        self._cache: dict = {}
        self._profiles: dict = {}
        self._cache_size = cache_size

    def check_field(self, name: str = "") -> None:
        if not self.real:
            raise NotSupportedError(f"not supported yet: the {name or 'field'} kernel is complex (p is not real, "
                                    "C1 fails)")

    @np.errstate(under="ignore")
    def _profile(self, tt: float) -> hankel.Profile:
        if tt not in self._profiles:
            if len(self._profiles) >= self._cache_size:
                self._profiles.pop(next(iter(self._profiles)))
            self._profiles[tt] = hankel.profile(lambda kk: self.f_np(kk, tt), self.N)
        return self._profiles[tt]

    def reference(self, radii, tt):
        """The FFTLog profile at ``radii`` and its error estimate (`hankel.Profile.error`)."""
        prof = self._profile(float(tt))
        return (list(self.factor * np.asarray(prof.at(radii), dtype=complex)),
                abs(self.factor) * prof.error_at(radii))

    def _spline(self, tt: float):
        if tt not in self._cache:
            if len(self._cache) >= self._cache_size:
                self._cache.pop(next(iter(self._cache)))
            prof = self._profile(tt)
            values = self.factor * np.real(prof.values)
            nonzero = values != 0
            signs = np.unique(np.sign(values[nonzero]))
            log_r = np.log(prof.r)
            if len(signs) == 1:
                last = np.nonzero(nonzero)[0][-1] + 1  # tails that underflowed to 0 stay 0
                spline = CubicSpline(log_r[:last], np.log(np.abs(values[:last])))
                self._cache[tt] = ("log", float(signs[0]), spline.x, spline.c)
            else:
                spline = CubicSpline(log_r, values)
                self._cache[tt] = ("value", 1.0, spline.x, spline.c)
        return self._cache[tt]

    def log_abs_sign(self, rr, r2, tt, xp):
        kind, sign, knots, coeffs = self._spline(float(tt))
        x = 0.5 * xp.log(xp.maximum(r2, math.exp(2 * knots[0])))
        knots_x, c = xp.asarray(knots), xp.asarray(coeffs)
        idx = xp.clip(xp.searchsorted(knots_x, x) - 1, 0, len(knots) - 2)
        dx = x - knots_x[idx]
        value = ((c[0, idx] * dx + c[1, idx]) * dx + c[2, idx]) * dx + c[3, idx]
        beyond = x > knots_x[-1]
        if kind == "log":
            return xp.where(beyond, -xp.inf, value), xp.where(beyond, 0.0, sign)
        value = xp.where(beyond, 0.0, value)
        with np.errstate(divide="ignore"):
            return xp.log(xp.abs(value)), xp.sign(value)


class BalancedFluxKernel(TableKernel):
    """The birth-free flux kernel j − u (derivations.fields, flow="balanced") from closed P, j, R in N dimensions.

    u(r) = r^(−N) ∫_0^r q(s) s^(N−1) ds with q = R − P Ṁ/M and Ṁ/M = ∫R / ∫P, all by Simpson's rule in log s
    on one grid; the inner integral is taken from whichever end is nearer (∫q = 0). Per t (cached):
    log|j − u| on 16001 points in log r over P's radial mass, cubic in log r. Any N (no Hankel transform:
    the FFTLog route fails in high dimension). Far out j and u cancel; the table ends where they agree
    to 1e-6 (the flux is 0 beyond: kernel weights there are below e^−90 in the cases measured).
    Evaluated like a TableKernel (any array module).
    """

    reference = LogKernel.reference  # built from closed forms, which C1 evaluates itself

    def check_field(self, name: str = "") -> None:
        for kernel in (self.P, self.j, self.R):
            kernel.check_field(name)

    def __init__(self, P: ClosedKernel, j: ClosedKernel, R: ClosedKernel, N: int, cache_size: int = 64):
        self.P, self.j, self.R, self.N, self.real = P, j, R, N, True
        self._cache: dict = {}
        self._cache_size = cache_size

    def _spline(self, tt: float):
        if tt in self._cache:
            return self._cache[tt]
        N = self.N
        log_r = np.linspace(-30, 30, 6001) + math.log(tt)
        for zoomed in (False, True):
            LP, SP = radial_logs(self.P, log_r, tt)
            LR, SR = radial_logs(self.R, log_r, tt)
            mass_p, mass_r = LP + N * log_r, LR + N * log_r
            top = np.max(np.maximum(mass_p, mass_r))
            if zoomed:
                break
            log_r = zoomed_grid(log_r, mass_p - top > -700, 16001)
        with np.errstate(under="ignore"):  # tails far below the peak are 0
            A, B = SR * np.exp(mass_r - top), SP * np.exp(mass_p - top)
            q = A - simpson(A, x=log_r) / simpson(B, x=log_r) * B
            left = cumulative_simpson(q, x=log_r, initial=0) + q[0] / N  # ∫ below the grid: q(r₀) r₀^N / N
            right = -cumulative_simpson(q[::-1], x=-log_r[::-1], initial=0)[::-1]  # −∫ from r to the end
        inner = np.where(np.arange(len(log_r)) <= np.argmax(B), left, right)
        Lj, Sj = radial_logs(self.j, log_r, tt)
        with np.errstate(divide="ignore"):
            Lu = np.log(np.abs(inner)) + top - N * log_r
        peak = np.maximum(Lj, Lu)
        with np.errstate(under="ignore", invalid="ignore"):
            value = Sj * np.exp(Lj - peak) - np.sign(inner) * np.exp(Lu - peak)
        # far out j and u cancel until quadrature error decides the sign: the table ends at the first point past
        # P's radial peak where |j − u| < 1e-6 |j| or the sign flips (the flux is taken as 0 beyond)
        sign = np.sign(value[np.argmax(B)])
        good = np.isfinite(peak) & (value * sign > 1e-6)
        end = np.argmax(B) + np.argmin(good[np.argmax(B):]) if not good[np.argmax(B):].all() else len(good)
        if not good[:end].all():
            raise NotSupportedError("not supported yet: a balanced flux kernel that changes sign")
        finite = np.arange(len(good)) < end
        spline = CubicSpline(log_r[finite], peak[finite] + np.log(np.abs(value[finite])))
        if len(self._cache) >= self._cache_size:
            self._cache.pop(next(iter(self._cache)))
        self._cache[tt] = ("log", float(sign), spline.x, spline.c)  # evaluated by TableKernel.log_abs_sign
        return self._cache[tt]
