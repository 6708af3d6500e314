"""The numeric side of a density flow in N dimensions: its radial kernels, as one type.

For data y_i with weights w_i,
    p = Σ w_i P(|x − y_i|, t),   J = Σ w_i (x − y_i) j(|x − y_i|, t),   R = Σ w_i R(|x − y_i|, t).
Each member is a `logdomain.LogKernel` (a closed form, an FFTLog table or zero) evaluated as (log|f|, sign f) on any
array module. Two optional members let the field skip work: ``j_over_P``, the ratio j/P where it is free of r
(heat 1/(2t); Poisson and Yukawa 1/t), so that J comes from p's own sums per tile, and ``family``, the constants of
the fused CPU loops where P, j, R are Gauss–Cauchy kernels (heat, Poisson: `compiled.gauss_cauchy`).
A third, ``density_hat``, is the density's Fourier transform p̃(k, t) (its mass factor e^{E(0)t} removed), the
source of the kernel's width ℓ(t) (`width`, `kernel_width`): C1 centres its radii on it, the generator takes its
times from it.
C1 (`conditions.c1_scan`, through each member's reference evaluation), `EmpiricalField`, the priors and the
balanced flow take this type; `derivations.derive.radial_kernels` builds it from a derivation, the dimension and
the parameter values.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .compiled import GaussCauchy
from .logdomain import ClosedKernel, LogKernel, TableKernel, ZeroKernel


@dataclass(frozen=True)
class RadialKernels:
    """P, j, R of one density flow in one dimension, with the optional members of the module docstring."""

    P: LogKernel
    j: LogKernel
    R: LogKernel
    j_over_P: LogKernel | None = None
    family: GaussCauchy | None = None
    density_hat: Callable | None = field(default=None, repr=False, compare=False)  # p̃(k, t) for an array of k

    def __post_init__(self):
        members = (self.P, self.j, self.R) + (() if self.j_over_P is None else (self.j_over_P,))
        if not all(isinstance(kernel, LogKernel) for kernel in members):
            raise TypeError("internal: P, j, R (and j_over_P) must be LogKernel objects")
        if self.family is not None and not isinstance(self.family, GaussCauchy):
            raise TypeError("internal: family must be a GaussCauchy")

    def check_field(self) -> None:
        """Raise NotSupportedError where a field cannot evaluate a member (complex, or with a wave front)."""
        for name, kernel in (("P", self.P), ("j", self.j), ("R", self.R), ("j/P", self.j_over_P)):
            if kernel is not None:
                kernel.check_field(name)

    @functools.cached_property  # asked once per tile of the field's sums
    def needs_r(self) -> bool:
        """Whether any member needs |x − y| itself (not only its square)."""
        return any(kernel is not None and kernel.needs_r for kernel in (self.P, self.j, self.R, self.j_over_P))

    @property
    def sources(self) -> str:
        """Which evaluation each member has, e.g. "P: closed form; j: FFTLog table" (zero kernels need none)."""
        kind = {ClosedKernel: "closed form", TableKernel: "FFTLog table"}
        return "; ".join(f"{name}: {kind[type(kernel)]}" for name, kernel in
                         (("P", self.P), ("j", self.j), ("R", self.R)) if type(kernel) in kind)

    @property
    def rate_free(self) -> bool:
        """R vanishes: the flow only moves mass (diffusion, Poisson)."""
        return isinstance(self.R, ZeroKernel)

    def width(self, t: float) -> float | None:
        """ℓ(t): `kernel_width` of ``density_hat`` (None where p̃ has no width)."""
        if self.density_hat is None:
            raise RuntimeError("internal: these kernels were built without density_hat, so they have no width")
        return kernel_width(self.density_hat, t)


#: the wavenumbers where a kernel's width is looked for, and the scan's step (fine enough not to step over a dip)
WIDTH_K_RANGE, WIDTH_K_STEP = (1e-12, 1e16), 1.05
_WIDTH_GRID = WIDTH_K_RANGE[0] * WIDTH_K_STEP ** np.arange(
    math.ceil(math.log(WIDTH_K_RANGE[1] / WIDTH_K_RANGE[0]) / math.log(WIDTH_K_STEP)) + 1)


@np.errstate(all="ignore")  # tails underflow, growing kernels overflow: only the comparison with |p̃(0)|/e counts
def kernel_width(p_hat, t: float) -> float | None:
    """ℓ(t) = 1/k at the first k where |p̃(k, t)| falls to |p̃(0, t)|/e, for ``p_hat(k, t)`` taking an array of k:
    scanned up from 1e-12 by factors of 1.05, then bisected in log k; 1e12 when it has fallen already at 1e-12 (a
    kernel wider than the range). None when there is no width: |p̃(0, t)| is not positive (a mass that underflowed)
    or |p̃| never falls in the range (it does not decay, like Schrödinger's |p̃| = 1). A value that is not finite
    (an overflow) has not fallen."""
    def size(kk):  # |p̃| at every k of the array (a p̃ free of k comes back a scalar)
        return np.abs(np.broadcast_to(np.asarray(p_hat(kk, t), dtype=complex), np.shape(kk)))

    def fallen(kk):
        values = size(kk)
        return np.isfinite(values) & (values <= ref)

    ref = float(size(np.array([WIDTH_K_RANGE[0] * 1e-2]))[0]) / math.e
    if not ref > 0:
        return None
    first = np.flatnonzero(fallen(_WIDTH_GRID))
    if first.size == 0:
        return None
    if first[0] == 0:
        return 1.0 / WIDTH_K_RANGE[0]
    lo, hi = math.log(_WIDTH_GRID[first[0] - 1]), math.log(_WIDTH_GRID[first[0]])
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if fallen(np.array([math.exp(mid)]))[0] else (mid, hi)
    return math.exp(-(lo + hi) / 2)
