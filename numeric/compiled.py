"""Fused CPU loops (numba) for the kernels generators use most: the Gauss–Cauchy radial family

    P(r, t) = P(0, t) · exp(b r²) · (1 + r²/A)^e,   j/P = g(t),   R/P = h(t),

which holds the heat kernel, with decay or growth (e = 0), and the Poisson kernel (b = 0,
A = t², e = −(N+1)/2). For these, p, J and R are sums of one exponential per pair, so one fused
loop over data blocks replaces the NumPy path's ~20 array passes: per query and block of data,
logits, exponentials and the sums of c and c (x − y), all in cache.

Two things make it fast; both are measured in benchmarks/RESULTS.md:
- the exponential is a polynomial (degree 12 in float64, 7 in float32, on |f| ≤ ln2/2 with a
  two-part ln 2) times 2^k built from bits, so LLVM vectorises it (numba has no vector math
  library here: `math.exp` in a loop runs scalar); likewise the Poisson logit's
  log(1 + r²/A): exponent from bits, mantissa m in [√½, √2), log m = 2 atanh((m − 1)/(m + 1))
  as a series (faster than scalar `math.log1p`);
- no per-block maximum (a max reduction does not vectorise): the running maximum m is kept
  until a logit exceeds m + HEADROOM (an integer count, which vectorises), and only then the
  block's exact maximum is taken and the sums rescaled. Exponents then lie in
  [cut, HEADROOM] — e^300 (float64) or e^40 (float32) cannot overflow a sum.
Terms below e^cut relative to m are clamped to e^cut (never a subnormal; weight < 1e-300 or 1e-34).
- whole blocks are skipped when a narrow kernel makes them negligible: the data are put in k-d order
  (every BLOCK points a compact box), each query visits first the block with the largest bound on its
  logits (nearest box point, largest weight; the logit decreases with r²), then skips every block whose
  bound is below m − SKIP. Late in a generator's run (t → t_min) most blocks go: two moons, diffusion,
  2000 / 10 000 / 100 steps, 8.3–8.9 s → 4.1–4.7 s.

Compiled once per machine: the loops are module-level functions with numba's on-disk cache (`cache=True`;
beside this file in __pycache__, or numba's user cache where that is read-only), specialised per dtype by their
arguments (`_constants`: the exp and log coefficients, the integer dtype), not by closures, which numba cannot
cache. The cache is keyed on this file's modification time and numba's version, so an upgrade recompiles.
benchmarks/startup.py measures a fresh process.

Distances are Σ (x − y)² inside the loop (exact, no cancellation), and J is Σ c (x − y). Up to N = MAX_N;
backend="auto" stops sooner (fields.AUTO_NUMBA_MAX_N), where the attention form's matrix products win (a numba
loop over BLAS tiles was measured and lost: OpenBLAS's spinning threads and numba's fight over the two cores).
Accumulators per query are float64 in both dtypes; block sums are in the working dtype.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from analytic.pde import r, t
from .logdomain import log_constant

try:  # optional (the 'fast' extra): the NumPy path is the reference and runs everywhere
    import numba
except ImportError:  # pragma: no cover - exercised on machines without numba
    numba = None

BLOCK = 256  # pairs per block: larger blocks suit wide kernels, smaller ones skip more at small t
MAX_N = 64  # the most that backend="numba" accepts
HEADROOM = {"float64": 300.0, "float32": 40.0}
# blocks whose every logit is below the running maximum minus SKIP are skipped: they would change the
# sums by < n e^−SKIP relative (2e-23 at n = 2000 in float64; 2e-10 in float32, under its 1e-5 accuracy)
SKIP = {"float64": 60.0, "float32": 30.0}
LN2_HI, LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # fdlibm split of ln 2
LN2F_HI, LN2F_LO = 0.693359375, -2.12194440e-4                            # the float32 split
# the exponential must keep x − k·ln2_hi − k·ln2_lo in that order: no reassociation there
_EXP_FLAGS = {"nnan", "ninf", "nsz", "contract", "arcp", "afn"}


def available() -> bool:
    return numba is not None


@dataclass
class GaussCauchy:
    """Evaluators (per t, at 30 digits) of log P(0, t), b, e, A, g, h; see the module docstring."""

    log_p0: object
    b: object
    e: object
    a: object
    g: object
    h: object

    def constants(self, tt: float) -> tuple:
        env = {"t": float(tt)}

        def value(c):
            log_abs, sign = c(env)
            return sign * math.exp(log_abs) if log_abs > -math.inf else 0.0
        log_p0, sign = self.log_p0(env)
        if sign <= 0:
            raise ValueError("internal: a Gauss-Cauchy kernel must be positive")
        a = value(self.a)
        return log_p0, value(self.b), value(self.e), (1.0 / a if a else 0.0), value(self.g), value(self.h)


def gauss_cauchy(P: sp.Expr, j: sp.Expr, R: sp.Expr) -> GaussCauchy | None:
    """The family's constants when P, j, R (closed forms in r, t, parameters substituted) fit it."""
    if any(expr.free_symbols - {r, t} for expr in (P, j, R)) or P.has(sp.I):
        return None
    u = sp.Dummy("u", positive=True)
    log_p = sp.expand_log(sp.log(P.subs(r, sp.sqrt(u))), force=True)
    b, e, a = sp.Integer(0), sp.Integer(0), sp.Integer(1)
    try:
        terms = sp.Add.make_args(sp.apart(sp.together(sp.diff(log_p, u)), u))
    except sp.PolynomialError:  # not rational in u = r² (a Bessel kernel, √(r² + t²))
        return None
    for term in terms:
        if not term.has(u):
            b += term
            continue
        num, den = term.as_numer_denom()
        den = sp.Poly(den, u) if den.is_polynomial(u) else None
        if num.has(u) or den is None or den.degree() != 1 or e != 0:
            return None
        c1, c0 = den.all_coeffs()
        e, a = num / c1, c0 / c1
    g, h = sp.simplify(j / P), sp.simplify(R / P)
    if g.has(r) or h.has(r) or b.has(r) or (e != 0 and not sp.simplify(log_p - log_p.subs(u, 0)
                                                                     - b * u - e * sp.log(1 + u / a)) == 0):
        return None
    if e == 0 and not sp.simplify(sp.diff(log_p, u, 2)) == 0:
        return None
    return GaussCauchy(log_constant(P.subs(r, 0)), log_constant(b), log_constant(e), log_constant(a), log_constant(g), log_constant(h))


@functools.lru_cache(maxsize=None)
def _constants(dtype: str) -> tuple:
    """The fused loop's per-dtype arguments: float constants F, integer constants I, the exp polynomial's and the
    atanh series' coefficients, and a one-element integer array that carries the integer dtype."""
    f64 = dtype == "float64"
    ftype, itype = (np.float64, np.int64) if f64 else (np.float32, np.int32)
    hi, lo = (LN2_HI, LN2_LO) if f64 else (LN2F_HI, LN2F_LO)
    F = tuple(ftype(v) for v in (1.0 / math.log(2.0), 0.5, hi, lo, 1.0, 2.0, np.finfo(ftype).max,
                                 HEADROOM[dtype], 0.0))
    I = tuple(itype(v) for v in ((52, 1023, 0x3FE6A09E667F3BCD) if f64 else (23, 127, 0x3F3504F3)))
    # exp: degree 12 (float64) or 7 (float32) on |f| ≤ ln2/2; log: 2 atanh(s) = 2 s Σ s^(2i)/(2i + 1) with
    # |s| ≤ 3 − 2√2 (s² ≤ 0.0295), 11 terms in float64, 6 in float32
    c = tuple(ftype(1.0 / math.factorial(i)) for i in range(13 if f64 else 8))
    a = tuple(ftype(1.0 / (2 * i + 1)) for i in range(11 if f64 else 6))
    return F, I, c, a, np.zeros(1, itype)


def _jit(**options):
    """numba.njit with an on-disk cache (module-level functions: compiled once per machine, loaded in later
    processes); the identity without numba (the functions are then never called)."""
    return numba.njit(cache=True, **options) if numba is not None else (lambda fn: fn)


@_jit(fastmath=_EXP_FLAGS)
def _horner(f, c):
    """c[0] + c[1] f + … + c[-1] f^(len(c) − 1); the tuple's length is a compile-time constant (unrolled)."""
    acc = c[len(c) - 1]
    for i in range(len(c) - 2, -1, -1):
        acc = acc * f + c[i]
    return acc


@_jit(fastmath=_EXP_FLAGS)
def _exp_block(z, L, m, cut, out, bits, F, I, c):
    """out[:L] = exp(max(z[:L] − m, cut)); z − m ≤ HEADROOM by construction (m, cut in z's dtype)."""
    log2e, half, hi, lo = F[0], F[1], F[2], F[3]
    shift, bias = I[0], I[1]
    for jj in range(L):
        x = max(z[jj] - m, cut)
        kf = np.floor(x * log2e + half)  # math.floor returns int64, which would promote float32 to float64
        out[jj] = _horner((x - kf * hi) - kf * lo, c)
        bits[jj] = kf  # float to the integer dtype on store
        bits[jj] = (bits[jj] + bias) << shift
    scale = bits.view(z.dtype)
    for jj in range(L):
        out[jj] *= scale[jj]


@_jit(fastmath=_EXP_FLAGS)
def _log_block(u, L, bits, s, out, F, I, a):
    """out[:L] = log(u[:L]) for 1 ≤ u ≤ BIG: u = 2^k · m, m in [√½, √2), log m = 2 atanh(s).

    The division s = (m − 1)/(m + 1) has a loop of its own (``s``, a scratch block): fused with the series
    it kept LLVM from vectorising, at a quarter of NumPy's log throughput."""
    hi, lo, one, two = F[2], F[3], F[4], F[5]
    shift, log_off = I[0], I[2]
    ub = u.view(bits.dtype)
    for jj in range(L):
        k = (ub[jj] - log_off) >> shift
        bits[jj] = ub[jj] - (k << shift)
        out[jj] = k  # the integer to the float dtype on store
        out[jj] = out[jj] * hi + out[jj] * lo
    mant = bits.view(u.dtype)
    for jj in range(L):
        s[jj] = (mant[jj] - one) / (mant[jj] + one)
    for jj in range(L):
        out[jj] += two * s[jj] * _horner(s[jj] * s[jj], a)


@_jit(fastmath=True)
def _logits(w, r2, b, e, inv_a, z, L, lim, started, u, bits, s, F, I, a):
    """z = w + b r² (+ e log(1 + r²/A)); the count of logits above lim = m + HEADROOM (all, at first).

    An absolute error δ in log(1 + r²/A) is a relative error e·δ in the term, so taking the
    log of the rounded u = 1 + r²/A (not log1p) costs |e|·eps, like the rest of the logit."""
    one, big, zero = F[4], F[6], F[8]
    if e != 0:
        for jj in range(L):
            u[jj] = min(one + r2[jj] * inv_a, big)
        _log_block(u, L, bits, s, z, F, I, a)
    over = 0
    for jj in range(L):
        v = w[jj] + b * r2[jj] + (e * z[jj] if e != 0 else zero)
        z[jj] = v
        over += v > lim
    return over if started else L


@_jit(fastmath=True)
def _total(x, L, zero):
    acc = zero
    for jj in range(L):
        acc += x[jj]
    return acc


@_jit(fastmath=True)
def _block_max(z, L):
    bm = z[0]
    for jj in range(1, L):
        bm = max(bm, z[jj])
    return bm


@_jit(fastmath=True, parallel=True)
def _direct(X, Yt, logw, b, e, inv_a, cut, flux, m_out, S_out, J_out, lo, hi, wmax, skip, F, I, c, a, itag):
    M, N = X.shape
    n = Yt.shape[1]
    nb = lo.shape[0]
    headroom, zero = F[7], F[8]
    for i in numba.prange(M):
        r2 = np.empty(BLOCK, X.dtype)
        z = np.empty(BLOCK, X.dtype)
        cc = np.empty(BLOCK, X.dtype)
        u = np.empty(BLOCK, X.dtype)
        s_scratch = np.empty(BLOCK, X.dtype)
        mf = np.empty(2, X.dtype)  # m and m + HEADROOM in the working dtype
        bits = np.empty(BLOCK, itag.dtype)
        J = np.zeros(N, np.float64)
        m, S, started = 0.0, 0.0, False
        # each block's largest possible logit (the nearest point of its box, its largest weight)
        bound = np.empty(nb)
        for bb in range(nb):
            d2 = 0.0
            for d in range(N):
                gap = max(lo[bb, d] - X[i, d], X[i, d] - hi[bb, d], 0.0)
                d2 += gap * gap
            bound[bb] = wmax[bb] + b * d2 + (e * math.log1p(d2 * inv_a) if e != 0 else 0.0)
        first = np.argmax(bound)
        for step in range(nb):  # the most promising block first, then the rest in order
            bb = first if step == 0 else (step - 1 if step - 1 < first else step)
            if started and bound[bb] < m - skip:
                continue  # every term of the block is below e^−skip of the largest one
            j0 = bb * BLOCK
            L = min(BLOCK, n - j0)
            xd = X[i, 0]
            y = Yt[0, j0:j0 + L]
            for jj in range(L):
                r2[jj] = (y[jj] - xd) * (y[jj] - xd)
            for d in range(1, N):
                xd = X[i, d]
                y = Yt[d, j0:j0 + L]
                for jj in range(L):
                    r2[jj] += (y[jj] - xd) * (y[jj] - xd)
            mf[0] = m
            mf[1] = mf[0] + headroom
            if _logits(logw[j0:j0 + L], r2, b, e, inv_a, z, L, mf[1], started, u, bits, s_scratch, F, I, a):
                bm = float(_block_max(z, L))
                if started and bm > m:
                    scale = math.exp(m - bm)
                    S *= scale
                    for d in range(N):
                        J[d] *= scale
                if not started or bm > m:
                    m, started = bm, True
            mf[0] = m
            _exp_block(z, L, mf[0], cut, cc, bits, F, I, c)
            S += _total(cc, L, zero)
            if flux:
                for d in range(N):
                    xd = X[i, d]
                    y = Yt[d, j0:j0 + L]
                    acc = zero
                    for jj in range(L):
                        acc += cc[jj] * (xd - y[jj])
                    J[d] += acc
        m_out[i], S_out[i] = m, S
        for d in range(N):
            J_out[i, d] = J[d]


def spatial_order(points: np.ndarray) -> np.ndarray:
    """A permutation that makes every run of BLOCK points a compact box (k-d splits at multiples of BLOCK,
    along the widest side), so the fused loop can skip whole blocks far from a query (narrow kernels)."""
    order = np.arange(len(points))
    stack = [(0, len(points))]
    while stack:
        a, b = stack.pop()
        if b - a <= BLOCK:
            continue
        idx = order[a:b]
        pts = points[idx]
        dim = int(np.argmax(pts.max(axis=0) - pts.min(axis=0)))
        half = BLOCK * max(1, (b - a) // BLOCK // 2)
        order[a:b] = idx[np.argpartition(pts[:, dim], half)]
        stack += [(a, a + half), (a + half, b)]
    return order


def block_boxes(Yt: np.ndarray, logw: np.ndarray):
    """Per block of BLOCK data columns: the box corners (nb, N) and the largest log-weight (float64)."""
    starts = np.arange(0, Yt.shape[1], BLOCK)
    lo = np.minimum.reduceat(Yt, starts, axis=1).T.astype(np.float64)
    hi = np.maximum.reduceat(Yt, starts, axis=1).T.astype(np.float64)
    return np.ascontiguousarray(lo), np.ascontiguousarray(hi), np.maximum.reduceat(logw, starts).astype(np.float64)


def sums(X, Yt, logw, b, e, inv_a, cut, flux, m_out, S_out, J_out, lo, hi, wmax, skip, threads: int) -> None:
    """The fused loop: per query m, S and J into the output arrays; X, Yt, logw, b, e, inv_a and cut in one
    dtype (float32 or float64), on at most ``threads`` threads. Compiled once per machine (numba's cache; a few
    seconds the first time)."""
    if numba is None:
        raise RuntimeError("internal: numba is not installed")
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))  # per calling thread
    _direct(X, Yt, logw, b, e, inv_a, cut, flux, m_out, S_out, J_out, lo, hi, wmax, skip,
            *_constants(X.dtype.name))
