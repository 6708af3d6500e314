"""Fused CPU loops (numba) for the kernels generators use most: the Gauss–Cauchy radial family

    P(r, t) = P(0, t) · exp(b r²) · (1 + r²/A)^e,   j/P = g(t),   R/P = h(t),

which holds the heat kernel, with decay or growth (e = 0), and the Poisson kernel (b = 0,
A = t², e = −(N+1)/2). For these, p, J and R are sums of one exponential per pair, so one fused
loop over data blocks replaces the NumPy path's ~20 array passes: per query and block of data,
logits, exponentials and the sums of c and c (x − y), all in cache.

Two things make it fast; both are measured in benchmarks/RESULTS.md:
- the exponential is a polynomial (degree 12 in float64, 7 in float32, on |f| ≤ ln2/2 with a
  two-part ln 2) times 2^k built from bits, so LLVM vectorises it (numba has no vector math
  library here: `math.exp` in a loop runs scalar, ~4x slower); likewise the Poisson logit's
  log(1 + r²/A): exponent from bits, mantissa m in [√½, √2), log m = 2 atanh((m − 1)/(m + 1))
  as a series (2.5x faster than scalar `math.log1p`, measured 8e7 → 2e8 pairs/s at d = 2);
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

Distances are Σ (x − y)² inside the loop (exact, no cancellation), and J is Σ c (x − y). Up to
N = MAX_N: above it the NumPy path's BLAS products win (a numba loop over BLAS tiles was measured
and lost: OpenBLAS's spinning threads and numba's fight over the two cores).
Accumulators per query are float64 in both dtypes; block sums are in the working dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from analytic.green import r, t
from .logdomain import _const

try:  # optional (the 'fast' extra): the NumPy path is the reference and runs everywhere
    import numba
except ImportError:  # pragma: no cover - exercised on machines without numba
    numba = None

BLOCK = 256  # 512 is ~10 % faster on wide kernels; 256 skips more at small t (two moons: 5.9 s → 4.1–4.7 s)
MAX_N = 64  # above, the NumPy path (BLAS r² and c @ Y) is faster here
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
    return GaussCauchy(_const(P.subs(r, 0)), _const(b), _const(e), _const(a), _const(g), _const(h))


def _build(dtype: str):
    """The fused loop for one dtype (with its exp polynomial and helpers)."""
    f64 = dtype == "float64"
    ftype, itype = (np.float64, np.int64) if f64 else (np.float32, np.int32)
    shift, bias = (52, 1023) if f64 else (23, 127)
    log2e, half = ftype(1.0 / math.log(2.0)), ftype(0.5)
    hi, lo = (ftype(LN2_HI), ftype(LN2_LO)) if f64 else (ftype(LN2F_HI), ftype(LN2F_LO))
    c = tuple(ftype(1.0 / math.factorial(i)) for i in range(13))
    # log: 2 atanh(s) = 2 s Σ s^(2i)/(2i + 1), |s| ≤ 3 − 2√2 (s² ≤ 0.0295): 11 terms in float64, 6 in float32
    a = tuple(ftype(1.0 / (2 * i + 1)) for i in range(11 if f64 else 6))
    log_off = itype(0x3FE6A09E667F3BCD if f64 else 0x3F3504F3)  # the bits of √½
    one, two = ftype(1.0), ftype(2.0)
    big = ftype(np.finfo(ftype).max)
    headroom = ftype(HEADROOM[dtype])
    njit = numba.njit(fastmath=True)
    pjit = numba.njit(fastmath=True, parallel=True)
    ejit = numba.njit(fastmath=_EXP_FLAGS)

    if f64:
        @ejit
        def poly(f):
            return (((((((((((c[12] * f + c[11]) * f + c[10]) * f + c[9]) * f + c[8]) * f + c[7]) * f + c[6])
                         * f + c[5]) * f + c[4]) * f + c[3]) * f + c[2]) * f + c[1]) * f + c[0]
    else:
        @ejit
        def poly(f):
            return ((((((c[7] * f + c[6]) * f + c[5]) * f + c[4]) * f + c[3]) * f + c[2]) * f + c[1]) * f + c[0]

    if f64:
        @ejit
        def atanh_poly(q):
            return (((((((((a[10] * q + a[9]) * q + a[8]) * q + a[7]) * q + a[6]) * q + a[5]) * q + a[4]) * q
                      + a[3]) * q + a[2]) * q + a[1]) * q + a[0]
    else:
        @ejit
        def atanh_poly(q):
            return ((((a[5] * q + a[4]) * q + a[3]) * q + a[2]) * q + a[1]) * q + a[0]

    @ejit
    def exp_block(z, L, m, cut, out, bits):
        """out[:L] = exp(max(z[:L] − m, cut)); z − m ≤ HEADROOM by construction."""
        for jj in range(L):
            x = max(z[jj] - m, cut)
            kf = np.floor(x * log2e + half)  # math.floor returns int64, which would promote float32 to float64
            out[jj] = poly((x - kf * hi) - kf * lo)
            bits[jj] = (itype(kf) + itype(bias)) << itype(shift)
        scale = bits.view(ftype)
        for jj in range(L):
            out[jj] *= scale[jj]

    @ejit
    def log_block(u, L, bits, s, out):
        """out[:L] = log(u[:L]) for 1 ≤ u ≤ BIG: u = 2^k · m, m in [√½, √2), log m = 2 atanh(s).

        The division s = (m − 1)/(m + 1) has a loop of its own (``s``, a scratch block): fused with the series
        it kept LLVM from vectorising, at a quarter of NumPy's log throughput."""
        ub = u.view(itype)
        for jj in range(L):
            tmp = ub[jj] - log_off
            k = tmp >> itype(shift)
            bits[jj] = ub[jj] - (k << itype(shift))
            out[jj] = ftype(k) * hi + ftype(k) * lo
        mant = bits.view(ftype)
        for jj in range(L):
            s[jj] = (mant[jj] - one) / (mant[jj] + one)
        for jj in range(L):
            out[jj] += two * s[jj] * atanh_poly(s[jj] * s[jj])

    @njit
    def logits(w, r2, b, e, inv_a, z, L, m, started, u, bits, s):
        """z = w + b r² (+ e log(1 + r²/A)); the count of logits above m + HEADROOM (all, at first).

        An absolute error δ in log(1 + r²/A) is a relative error e·δ in the term, so taking the
        log of the rounded u = 1 + r²/A (not log1p) costs |e|·eps, like the rest of the logit."""
        if e != 0:
            for jj in range(L):
                u[jj] = min(one + r2[jj] * inv_a, big)
            log_block(u, L, bits, s, z)
        lim = ftype(m) + headroom
        over = 0
        for jj in range(L):
            v = w[jj] + b * r2[jj] + (e * z[jj] if e != 0 else ftype(0))
            z[jj] = v
            over += v > lim
        return over if started else L

    @njit
    def total(x, L):
        s = ftype(0)
        for jj in range(L):
            s += x[jj]
        return s

    @njit
    def block_max(z, L):
        bm = z[0]
        for jj in range(1, L):
            bm = max(bm, z[jj])
        return bm

    @pjit
    def direct(X, Yt, logw, b, e, inv_a, cut, flux, m_out, S_out, J_out, lo, hi, wmax, skip):
        M, N = X.shape
        n = Yt.shape[1]
        nb = lo.shape[0]
        for i in numba.prange(M):
            r2 = np.empty(BLOCK, ftype)
            z = np.empty(BLOCK, ftype)
            cc = np.empty(BLOCK, ftype)
            u = np.empty(BLOCK, ftype)
            s_scratch = np.empty(BLOCK, ftype)
            bits = np.empty(BLOCK, itype)
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
                if logits(logw[j0:j0 + L], r2, b, e, inv_a, z, L, m, started, u, bits, s_scratch):
                    bm = float(block_max(z, L))
                    if started and bm > m:
                        scale = math.exp(m - bm)
                        S *= scale
                        for d in range(N):
                            J[d] *= scale
                    if not started or bm > m:
                        m, started = bm, True
                exp_block(z, L, ftype(m), cut, cc, bits)
                S += total(cc, L)
                if flux:
                    for d in range(N):
                        xd = X[i, d]
                        y = Yt[d, j0:j0 + L]
                        acc = ftype(0)
                        for jj in range(L):
                            acc += cc[jj] * (xd - y[jj])
                        J[d] += acc
            m_out[i], S_out[i] = m, S
            for d in range(N):
                J_out[i, d] = J[d]

    return direct


_CACHE: dict = {}


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


def sums(dtype: str):
    """The fused loop for ``dtype``, compiled on first use (a few seconds once per process)."""
    if numba is None:
        raise RuntimeError("internal: numba is not installed")
    if dtype not in _CACHE:
        _CACHE[dtype] = _build(dtype)
    return _CACHE[dtype]
