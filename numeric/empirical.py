"""Empirical density, velocity and rate fields of weighted data under a PDE's radial kernels.

For data y_1..y_n with weights w_i and queries x_1..x_M:
    p(x, t) = Σ w_i P(|x − y_i|, t),   J = Σ w_i (x − y_i) j(|x − y_i|, t),   R = Σ w_i R(|x − y_i|, t),
    v = J / p,  rate = R / p.
Everything is accumulated in the log domain with a per-query running maximum over data tiles:
with c_i = sign(P_i) w_i e^{log|P_i| − m}, p = e^m Σ c_i, v = Σ c_i (j/P)_i (x − y_i) / Σ c_i, and the
(x − y_i) sum is x Σ c_i g_i − (c ∘ g) @ Y, a matrix product. Shifted logits are cut at −700
(float64) / −80 (float32) before exp: below that a term is exactly 0, never a slow subnormal.
Memory is O((M + n) N + tile): no M × n × N array is ever formed.

Backends (``backend=``): "numpy", the reference for any kernel (NumPy, or CuPy with device="gpu"); for
Gauss–Cauchy kernels (heat, Poisson; `compiled.gauss_cauchy`) "numba", the fused CPU loops (up to N = 64), and
"blas", the same sums as attention — softmax of one matrix product per tile, then a second product — on query
tiles spread over the cores with single-threaded BLAS (NumPy) or on the GPU (CuPy). "auto" (the default) picks
numba at small N (`AUTO_NUMBA_MAX_N`), blas above and on the GPU, numpy for other kernels; the crossover is
measured, not guessed (benchmarks/fields.py).
"""

from __future__ import annotations

import concurrent.futures
import functools
import math
import os

import numpy as np
import threadpoolctl

from analytic.errors import NotSupportedError, PDEInputError
from . import compiled
from .kernels import RadialKernels

DEFAULT_TILE_PAIRS = 1 << 18
_CUT = {"float64": -700.0, "float32": -80.0}
BACKENDS = ("auto", "numpy", "numba", "blas")
#: backend="auto" takes the fused loops up to this N and the attention form above, per kernel shape (heat-like:
#: e = 0; Cauchy factor: Poisson) and dtype — the crossovers measured at 8192², load < 0.3 (heat float64 numba
#: 4.2e8 vs blas 3.1e8 pairs/s at N = 12, 3.2e8 vs 3.1e8 at 16; float32 9.2e8 vs 7.6e8 at 8, 6.7e8 vs 7.0e8 at
#: 12; Poisson float64 2.1e8 vs 1.7e8 at 16, 6.0e7 vs 1.5e8 at 64; benchmarks/RESULTS.md)
AUTO_NUMBA_MAX_N = {("heat", "float64"): 12, ("heat", "float32"): 8,
                    ("cauchy", "float64"): 16, ("cauchy", "float32"): 16}
PRECISE_R2_MAX_N = 128
BLAS_TILE_FACTOR = 4
#: threads of this process for the hot loops: the "blas" backend's query tiles (each with single-threaded BLAS; see
#: `_blas_threads`) and the numba loops' prange; the cores it may use, or GENPHYS_THREADS (the LocalCluster's
#: workers get 1 — one worker process per core — so that the two cores are not shared by four threads)
WORKERS = int(os.environ.get("GENPHYS_THREADS") or 0) or (
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


@functools.lru_cache(maxsize=1)
def _pool() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(WORKERS, thread_name_prefix="genphys-tiles")


@functools.lru_cache(maxsize=1)
def _controller():
    return threadpoolctl.ThreadpoolController()


def _blas_threads(count: int):
    """BLAS limited to ``count`` threads while our own threads share out the tiles: OpenBLAS's own threads on
    these narrow products, beside ours, fight over the cores (benchmarks/RESULTS.md, "blas backend")."""
    return _controller().limit(limits=count, user_api="blas")


def array_module(device: str):
    """NumPy for "cpu"; CuPy for "gpu" (error when absent); "auto" picks CuPy only if a GPU works."""
    if device not in ("auto", "cpu", "gpu"):
        raise PDEInputError(f"device={device!r} is not known; use auto, cpu or gpu")
    if device == "cpu":
        return np
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy
        reason = "no CUDA device is visible"
    except Exception as exc:  # ImportError, or a CUDA runtime error on machines without a driver
        reason = f"CuPy is not usable here ({type(exc).__name__})"
    if device == "gpu":
        raise PDEInputError(f"device='gpu' was requested but {reason}; install the 'gpu' extra on a machine "
                            "with an NVIDIA GPU, or use device='cpu'")
    return np


def _checked_points(name: str, value, N: int | None = None) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 1 and N is not None and arr.shape[0] == N:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise PDEInputError(f"{name} must be a 2-D array of shape (count, N); got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise PDEInputError(f"{name} is empty; pass at least one point")
    if N is not None and arr.shape[1] != N:
        raise PDEInputError(f"{name} has {arr.shape[1]} columns but the data live in N = {N} dimensions")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise PDEInputError(f"{name} has a NaN or infinite entry at row {bad[0]}, column {bad[1]}; "
                            "remove or impute it")
    return arr


def _checked_time(t) -> float:
    try:
        t = float(t)
    except (TypeError, ValueError):
        raise PDEInputError(f"t must be a positive number; got {t!r}") from None
    if not (t > 0 and math.isfinite(t)):
        raise PDEInputError(f"t must be positive and finite (the fields are singular at t = 0); got {t}")
    return t


class EmpiricalField:
    """p, v, R/p and log p of weighted data under the `RadialKernels` of a flow in dimension N."""

    def __init__(self, kernels: RadialKernels, data, weights=None, device: str = "auto", dtype: str = "float64",
                 tile_pairs: int = DEFAULT_TILE_PAIRS, backend: str = "auto"):
        if backend not in BACKENDS:
            raise PDEInputError(f"backend={backend!r} is not known; use {', '.join(BACKENDS)}")
        if dtype not in _CUT:
            raise PDEInputError(f"dtype={dtype!r} is not supported; use float64 (default) or float32")
        data = _checked_points("data", data)
        n, N = data.shape
        if weights is None:
            weights = np.full(n, 1.0 / n)
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (n,):
            raise PDEInputError(f"weights must have shape ({n},) to match data; got {weights.shape}")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise PDEInputError("weights must be finite, non-negative and not all zero")
        if not isinstance(kernels, RadialKernels):
            raise TypeError("internal: kernels must be RadialKernels")
        kernels.check_field()
        self.xp = array_module(device)
        self.dtype, self.N, self.n = dtype, N, n
        self.data, self.weights = data, weights / weights.sum()
        self.kernels = kernels
        self.tile_pairs = int(tile_pairs)
        xp = self.xp
        self._Y = xp.asarray(data, dtype=dtype)
        self._Y2 = (self._Y * self._Y).sum(axis=1)
        with np.errstate(divide="ignore"):
            self._logw = xp.asarray(np.log(self.weights), dtype=dtype)
        self.backend = self._pick_backend(backend, kernels.family)
        if self.backend == "numba":  # zero weights dropped (the fused loops assume finite logits), blocks compact
            keep = np.nonzero(weights > 0)[0]
            keep = keep[compiled.spatial_order(data[keep])]
            self._Yt = np.ascontiguousarray(data[keep].T, dtype=dtype)
            self._logwc = np.ascontiguousarray(np.asarray(self._logw)[keep])
            self._boxes = compiled.block_boxes(self._Yt, self._logwc)

    def _pick_backend(self, backend: str, family) -> str:
        """backend="auto": numba's fused loops up to N = compiled.MAX_N on the CPU, the attention form ("blas")
        above it and on the GPU, for Gauss-Cauchy kernels (heat, Poisson); NumPy/CuPy's general path otherwise.
        The crossover is measured (benchmarks/fields.py, RESULTS.md)."""
        numba_ok = self.xp is np and family is not None and compiled.available() and self.N <= compiled.MAX_N
        if backend == "numba" and not numba_ok:
            why = ("numba is not installed (pip install 'genphys-workbench[fast]')" if not compiled.available()
                   else "the arrays live on the GPU" if self.xp is not np
                   else f"N = {self.N} > {compiled.MAX_N}, where the 'blas' backend is faster" if family is not None
                   else "this kernel is not of the Gauss-Cauchy form the fused loops cover (heat, Poisson)")
            raise PDEInputError(f"backend='numba' is not available: {why}; use backend='auto' or 'numpy'")
        if backend == "blas" and family is None:
            raise PDEInputError("backend='blas' is not available: this kernel is not of the Gauss-Cauchy form "
                                "(heat, Poisson) it covers; use backend='auto' or 'numpy'")
        if backend == "auto":
            fused = numba_ok and self.N <= AUTO_NUMBA_MAX_N[
                "heat" if family.constants(1.0)[2] == 0 else "cauchy", self.dtype]  # e = 0: heat-like
            return "numba" if fused else "blas" if family is not None else "numpy"
        return backend

    # -------------------------------------------------------------------------------
    def _sums(self, x, t: float, flux: bool, rate: bool):
        """Per-query m, S = Σ c_i, J = Σ c_i g_i (x − y_i), Rs = Σ c_i h_i (all relative to e^m)."""
        if self.backend == "numba":
            return self._sums_compiled(x, t, flux, rate)
        if self.backend == "blas":
            return self._sums_blas(x, t, flux, rate)
        xp = self.xp
        X = xp.asarray(x, dtype=self.dtype)
        M = X.shape[0]
        X2 = (X * X).sum(axis=1)
        cut = _CUT[self.dtype]
        rows = max(1, min(M, self.tile_pairs // max(1, min(self.n, 4096))))
        cols = max(1, min(self.n, self.tile_pairs // rows))
        m_all = xp.full(M, -xp.inf, dtype=self.dtype)
        S_all = xp.zeros(M, dtype=self.dtype)
        J_all = xp.zeros((M, self.N), dtype=self.dtype) if flux else None
        R_all = xp.zeros(M, dtype=self.dtype) if rate else None
        g = None
        if flux and self.kernels.j_over_P is not None:  # J = g(t) (x Σc − c @ Y) per tile
            one = xp.ones((1, 1), dtype=self.dtype)
            Lg, Sg = self.kernels.j_over_P.log_abs_sign(one, one, t, xp)
            g = float(Sg * math.exp(float(Lg[0, 0])))
        with np.errstate(under="ignore", over="ignore", invalid="ignore", divide="ignore"):
            for q0 in range(0, M, rows):
                qs = slice(q0, q0 + rows)
                Xq, X2q = X[qs], X2[qs]
                m = xp.full(Xq.shape[0], -xp.inf, dtype=self.dtype)
                S = xp.zeros(Xq.shape[0], dtype=self.dtype)
                J = xp.zeros(Xq.shape, dtype=self.dtype) if flux else None
                Rs = xp.zeros(Xq.shape[0], dtype=self.dtype) if rate else None
                for d0 in range(0, self.n, cols):
                    ds = slice(d0, d0 + cols)
                    Y = self._Y[ds]
                    r2 = xp.maximum(X2q[:, None] + self._Y2[None, ds] - 2 * Xq @ Y.T, 0)
                    rr = xp.sqrt(r2) if self.kernels.needs_r else None
                    LP, SP = self.kernels.P.log_abs_sign(rr, r2, t, xp)
                    logits = LP + self._logw[None, ds]
                    m_new = xp.maximum(m, logits.max(axis=1))
                    m_safe = xp.where(xp.isfinite(m_new), m_new, 0)
                    scale = xp.where(xp.isfinite(m), xp.exp(m - m_safe), 0)
                    shifted = logits - m_safe[:, None]
                    c = xp.exp(xp.maximum(shifted, cut))
                    c[shifted <= cut] = 0
                    c *= SP
                    S = S * scale + c.sum(axis=1)
                    if flux and g is not None:
                        J = J * scale[:, None] + g * (Xq * c.sum(axis=1)[:, None] - c @ Y)
                    elif flux:
                        Lj, Sj = self.kernels.j.log_abs_sign(rr, r2, t, xp)
                        cg = xp.where(c != 0, c * Sj * SP * xp.exp(Lj - LP), 0)
                        J = J * scale[:, None] + Xq * cg.sum(axis=1)[:, None] - cg @ Y
                    if rate:
                        LR, SR = self.kernels.R.log_abs_sign(rr, r2, t, xp)
                        ch = xp.where(c != 0, c * SR * SP * xp.exp(LR - LP), 0)
                        Rs = Rs * scale + ch.sum(axis=1)
                    m = m_new
                m_all[qs], S_all[qs] = m, S
                if flux:
                    J_all[qs] = J
                if rate:
                    R_all[qs] = Rs
        return m_all, S_all, J_all, R_all

    def _sums_blas(self, x, t: float, flux: bool, rate: bool):
        """`_sums` for Gauss-Cauchy kernels as attention: logits from one matrix product per tile, exp in place,
        J from a second product; query tiles on ``workers`` threads, each with single-threaded BLAS.

        Heat-like kernels (e = 0): b r² = b|x|² + b|y|² − 2b x·y, and b|x|² is per query, so it leaves the
        shifted logits alone and joins m at the end: z = (logw + b|y|²) + x·(−2b y) (no r² at all). Otherwise
        r² from the same expansion, then b r² + e log1p(r²/A). Shifted logits are clamped at the cut (e^−700 or
        e^−80 relative: below any accuracy this path promises, and never a slow subnormal)."""
        log_p0, b, e, inv_a, g, h = self.kernels.family.constants(t)
        xp = self.xp
        X = xp.asarray(x, dtype=self.dtype)
        M = X.shape[0]
        cut = _CUT[self.dtype]
        cols = max(1, min(self.n, 4096))
        # tiles 4× the NumPy path's: the products' BLAS efficiency grows with the rows (8192², N = 512, float32:
        # 8.7e7 → 1.0e8 pairs/s; N = 3072 Poisson 8.1e6 → 1.16e7), and two of them are 16 MiB in float64
        rows = max(1, min(M, BLAS_TILE_FACTOR * self.tile_pairs // cols))
        m_all = xp.empty(M, dtype=np.float64)
        S_all = xp.empty(M, dtype=self.dtype)
        J_all = xp.empty((M, self.N), dtype=self.dtype) if flux else None
        heat = e == 0
        bias = self._logw + b * self._Y2 if heat else self._logw
        # the Cauchy factor's r²/A, with A = t² for Poisson, turns r²'s absolute rounding into a relative
        # error of the term: in float32 r² is formed in float64 (|x| ~ 3, t = 0.02: 1e-3 relative otherwise) up
        # to N = PRECISE_R2_MAX_N; above, e = −(N+1)/2 times float32's rounding of the log dominates anyway
        # (7e-5 at N = 3072) and the float64 product would cost 1.5× (benchmarks/RESULTS.md)
        precise = not heat and self.dtype == "float32" and self.N <= PRECISE_R2_MAX_N
        Xr, Yr = (X.astype(np.float64), self._data64) if precise else (X, self._Y)
        Yr2 = (Yr * Yr).sum(axis=1)

        def tile(qs):
            Xq = X[qs]
            if heat:
                X2q = (Xq * Xq).sum(axis=1)
            else:
                Xrq = Xr[qs]
                Xr2q = (Xrq * Xrq).sum(axis=1)
            m = S = J = None
            for d0 in range(0, self.n, cols):
                ds = slice(d0, d0 + cols)
                if heat:
                    z = (Xq * (-2 * b)) @ self._Y[ds].T
                    z += bias[None, ds]
                else:
                    r2 = Xrq @ Yr[ds].T
                    r2 *= -2
                    r2 += Xr2q[:, None]
                    r2 += Yr2[None, ds]
                    xp.maximum(r2, 0, out=r2)
                    r2 = r2.astype(self.dtype, copy=False)
                    z = r2 * inv_a
                    xp.log1p(z, out=z)
                    z *= e
                    if b:
                        z += b * r2
                    z += bias[None, ds]
                m_new = z.max(axis=1) if m is None else xp.maximum(m, z.max(axis=1))
                m_new = xp.where(xp.isfinite(m_new), m_new, 0)
                z -= m_new[:, None]
                xp.maximum(z, cut, out=z)
                xp.exp(z, out=z)
                Sz = z.sum(axis=1)
                Jz = (Xq * Sz[:, None] - z @ self._Y[ds]) if flux else None
                if m is None:
                    S, J = Sz, Jz
                else:
                    scale = xp.exp(m - m_new)
                    S = S * scale + Sz
                    J = J * scale[:, None] + Jz if flux else None
                m = m_new
            m_all[qs] = (m + b * X2q) if heat else m
            S_all[qs] = S
            if flux:
                J_all[qs] = J

        tiles = [slice(q0, q0 + rows) for q0 in range(0, M, rows)]
        with np.errstate(under="ignore", over="ignore", invalid="ignore", divide="ignore"):
            if xp is np and len(tiles) > 1 and WORKERS > 1:
                with _blas_threads(1):
                    list(_pool().map(tile, tiles))
            else:
                for qs in tiles:
                    tile(qs)
        return m_all + log_p0, S_all, (g * J_all if flux else None), (h * S_all if rate else None)

    @functools.cached_property
    def _data64(self):
        """The data on the field's device in float64 (the blas backend's accurate r² in float32)."""
        return self.xp.asarray(self.data, dtype=np.float64)

    def _sums_compiled(self, x, t: float, flux: bool, rate: bool):
        """`_sums` through the fused loops (Gauss-Cauchy kernels): one exponential per pair."""
        log_p0, b, e, inv_a, g, h = self.kernels.family.constants(t)
        ftype = np.dtype(self.dtype).type
        b, e, inv_a, cut = ftype(b), ftype(e), ftype(inv_a), ftype(_CUT[self.dtype])
        X = np.ascontiguousarray(x, dtype=self.dtype)
        m, S, J = np.zeros(len(X)), np.zeros(len(X)), np.zeros(X.shape)
        skip = compiled.SKIP[self.dtype] if b <= 0 and e <= 0 else math.inf  # the bound needs decreasing logits
        compiled.sums(X, self._Yt, self._logwc, b, e, inv_a, cut, flux, m, S, J, *self._boxes, skip, WORKERS)
        return m + log_p0, S, (g * J if flux else None), (h * S if rate else None)

    def _prepare(self, x, t):
        return _checked_points("x", x, self.N), _checked_time(t)

    def _to_numpy(self, a):
        return a.get() if hasattr(a, "get") else np.asarray(a)

    def _host_sums(self, x, t, flux: bool, rate: bool):
        """(log max m, S, J, R sums) on the host for checked queries; a non-finite result raises (a field
        never returns a silent NaN: m = −inf with S = 0 is the one legitimate p = 0)."""
        x, t = self._prepare(x, t)
        out = [None if a is None else self._to_numpy(a) for a in self._sums(x, t, flux, rate)]
        m, S = out[0], out[1]
        bad = np.isnan(m) | (m == np.inf) | ~np.isfinite(S)
        for extra in out[2:]:
            if extra is not None:
                bad |= ~np.all(np.isfinite(extra.reshape(len(S), -1)), axis=1)
        if np.any(bad):
            hint = " (float32 has too little range here: use dtype='float64')" if self.dtype == "float32" else ""
            raise NotSupportedError(f"not supported yet: the field is not finite at {int(bad.sum())} of {len(bad)} "
                                    f"queries at t = {t:g} in N = {self.N}{hint}")
        return out

    def log_density(self, x, t) -> np.ndarray:
        """log p(x, t); −inf where p = 0, NaN-free: a negative p (C1 fails) raises instead."""
        m, S, _, _ = self._host_sums(x, t, False, False)
        if np.any(S < 0):
            raise NotSupportedError("p(x, t) < 0 at some queries: the kernel is not a density (C1 fails), "
                                    "so log p does not exist; use density() to see the signed values")
        with np.errstate(divide="ignore"):
            return np.where(S > 0, m + np.log(np.where(S > 0, S, 1)), -np.inf)

    def density(self, x, t) -> np.ndarray:
        """p(x, t) (may underflow to 0 in high dimensions: prefer log_density there)."""
        m, S, _, _ = self._host_sums(x, t, False, False)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            return np.where(S != 0, S * np.exp(np.where(np.isfinite(m), m, 0)), 0.0)

    def velocity(self, x, t) -> np.ndarray:
        """v(x, t) = J / p, shape (M, N); NaN only where p = 0 exactly (far outside every kernel)."""
        _, S, J, _ = self._host_sums(x, t, True, False)
        with np.errstate(invalid="ignore", divide="ignore"):
            return J / S[:, None]

    def velocity_and_rate(self, x, t) -> tuple[np.ndarray, np.ndarray]:
        """(v, R/p) from one pass over the data (what a branching generator needs per step)."""
        _, S, J, Rs = self._host_sums(x, t, True, True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return J / S[:, None], Rs / S

    def rate(self, x, t) -> np.ndarray:
        """R(x, t) / p(x, t), the birth/death rate per unit density (0 when L(0, 0) = 0)."""
        _, S, _, Rs = self._host_sums(x, t, False, True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return Rs / S


def grid(bounds, shape):
    """A regular grid for matplotlib: (points (M, N), axes) with axes ready for contour/quiver.

    ``bounds``: [(lo, hi)] per dimension (1-3); ``shape``: points per dimension. Reshape a field
    of the points with ``values.reshape(shape)`` (ij indexing; transpose for matplotlib's xy).
    """
    if not 1 <= len(bounds) <= 3 or len(bounds) != len(shape):
        raise PDEInputError("grid needs 1 to 3 (lo, hi) bounds and as many point counts")
    axes = [np.linspace(lo, hi, n) for (lo, hi), n in zip(bounds, shape)]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([g.ravel() for g in mesh], axis=1), axes
