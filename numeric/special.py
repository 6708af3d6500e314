"""log K_ν(z) for real ν ≥ 0 and z > 0, finite where K_ν overflows or underflows (ν up to thousands).

Yukawa kernels in N dimensions carry K_ν with ν ≈ N/2; scipy's `kv`/`kve` overflow for large ν
at moderate z. Three regimes, each used only where it is accurate:
- half-integer ν = n + ½ < 40 (even N): the finite sum K_ν(z) = √(π/2z) e^(−z) Σ_k a_k (2z)^(−k),
  a_k = (n + k)!/(k! (n − k)!) (DLMF 10.49.12), in log form (exact to rounding, faster than
  kve, and finite for every z > 0);
- scipy `kve` (K_ν(z) e^z), logged, wherever it is finite and positive;
- ν ≥ 40: the uniform (Debye) asymptotic expansion K_ν(νζ) ~ √(π/2ν) e^{−νη} (1+ζ²)^{−1/4}
  Σ_k (−1)^k u_k(p)/ν^k (DLMF 10.41.4, 10.41.10; six terms), in log form;
- ν < 40 where kve overflows (then z < 1e-5 or so): the small-z form log(Γ(ν)/2) + ν log(2/z)
  (ν > 0), or log(−log(z/2) − γ) for ν = 0, whose relative error O(z²) is below 1e-12 there;
- ν < 40 where kve gives NaN (z ≳ 1e9): Hankel's large-z expansion, three terms (error < 1e-16).
Checked against mpmath at high precision in tests/test_fields.py.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special

from analytic.errors import NotSupportedError

DEBYE_MIN_ORDER = 40.0

# u_k(p) of DLMF 10.41.10, as coefficient lists in powers of p
_U = (
    {0: 1.0},
    {1: 3 / 24, 3: -5 / 24},
    {2: 81 / 1152, 4: -462 / 1152, 6: 385 / 1152},
    {3: 30375 / 414720, 5: -369603 / 414720, 7: 765765 / 414720, 9: -425425 / 414720},
    {4: 4465125 / 39813120, 6: -94121676 / 39813120, 8: 349922430 / 39813120, 10: -446185740 / 39813120,
     12: 185910725 / 39813120},
    {5: 1519035525 / 6688604160, 7: -49286948607 / 6688604160, 9: 284499769554 / 6688604160,
     11: -614135872350 / 6688604160, 13: 566098157625 / 6688604160, 15: -188699385875 / 6688604160},
)


def log_kv_debye(nu: float, z, xp=np):
    """log K_ν(z) by the uniform asymptotic expansion (accurate for ν ≥ 40; works on any array module)."""
    zeta = z / nu
    root = xp.sqrt(1 + zeta * zeta)
    p = 1 / root
    eta = root + xp.log(zeta / (1 + root))
    series = 0 * z
    for k, coeffs in enumerate(_U):
        u = sum(c * p**e for e, c in coeffs.items())
        series = series + (-1) ** k * u / nu**k
    return 0.5 * math.log(math.pi / (2 * nu)) - nu * eta - 0.5 * xp.log(root) + xp.log(series)


def log_kv(nu: float, z, xp=np):
    """log K_ν(z), elementwise, for a scalar order ν and positive z. Any array module for ν ≥ 40 and for
    half-integer ν; other orders go through scipy's kve (NumPy only: refused on the GPU).

    Always computed in float64 and returned in z's dtype: the finite sum's coefficients reach 1e71 and
    K_ν itself overflows float32 long before its logarithm is large."""
    dtype = z.dtype if hasattr(z, "dtype") else None
    if dtype is not None and dtype != xp.float64:
        return _log_kv64(nu, z.astype(xp.float64), xp).astype(dtype)
    return _log_kv64(nu, z, xp)


def _log_kv64(nu: float, z, xp):
    nu = abs(float(nu))
    if nu >= DEBYE_MIN_ORDER:
        # the expansion is uniform in z: use it everywhere for large orders (kve loses digits near overflow)
        return log_kv_debye(nu, z, xp)
    if (2 * nu) % 2 == 1:
        return log_kv_half(int(nu), z, xp)
    if xp is not np:
        raise NotSupportedError(f"not supported yet: K_{nu:g} on the GPU (only half-integer orders or orders "
                                f">= {DEBYE_MIN_ORDER:g}); use --device cpu")
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
        out = np.log(scipy.special.kve(nu, z)) - z
    bad = ~np.isfinite(out)
    small, large = bad & (z < 1), bad & (z >= 1)
    if np.any(small):
        zb = z[small]
        if nu == 0:
            out[small] = np.log(-np.log(zb / 2) - np.euler_gamma)
        else:
            out[small] = scipy.special.gammaln(nu) - math.log(2) + nu * np.log(2 / zb)
    if np.any(large):  # kve returns NaN beyond z ≈ 1e9: Hankel's expansion (DLMF 10.40.2), 3 terms
        zb, mu = z[large], 4 * nu * nu
        a1 = (mu - 1) / (8 * zb)
        a2 = a1 * (mu - 9) / (2 * 8 * zb)
        a3 = a2 * (mu - 25) / (3 * 8 * zb)
        out[large] = 0.5 * np.log(math.pi / (2 * zb)) - zb + np.log1p(a1 + a2 + a3)
    return out


def log_kv_half(n: int, z, xp=np):
    """log K_(n+½)(z) by the finite sum (DLMF 10.49.12), a polynomial in w = 2z with positive terms (any
    array module): Σ a_k w^(−k) by Horner in 1/w, finite while a_n w^(−n) < 1e290; below that w,
    w^(−n) Σ a_(n−j) w^j by Horner in w. The largest coefficient, (2n)!/n!, is < 1e71 for n < 40."""
    a = [float(math.factorial(n + k) // (math.factorial(k) * math.factorial(n - k))) for k in range(n + 1)]
    w = 2 * z
    small = w < ((a[-1] / 1e290) ** (1 / n) if n else 0.0)
    if not bool(small.any()):
        return 0.5 * xp.log(math.pi / w) - z + xp.log(_horner(a, 1 / w))
    out, big = xp.empty_like(w), ~small
    out[big] = xp.log(_horner(a, 1 / w[big]))
    out[small] = xp.log(_horner(a[::-1], w[small])) - n * xp.log(w[small])
    return 0.5 * xp.log(math.pi / w) - z + out


def _horner(coeffs, x):
    """Σ coeffs[k] x^k."""
    acc = coeffs[-1] + 0 * x
    for c in coeffs[-2::-1]:
        acc = acc * x + c
    return acc
