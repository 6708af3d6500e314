"""The numeric side of a density flow in N dimensions: its radial kernels, as one type.

For data y_i with weights w_i,
    p = Σ w_i P(|x − y_i|, t),   J = Σ w_i (x − y_i) j(|x − y_i|, t),   R = Σ w_i R(|x − y_i|, t).
Each member is a `logdomain.LogKernel` (a closed form, an FFTLog table or zero) evaluated as (log|f|, sign f) on any
array module. Two optional members let the field skip work: ``j_over_P``, the ratio j/P where it is free of r
(heat 1/(2t); Poisson and Yukawa 1/t), so that J comes from p's own sums per tile, and ``family``, the constants of
the fused CPU loops where P, j, R are Gauss–Cauchy kernels (heat, Poisson: `compiled.gauss_cauchy`).
C1 (`conditions.evaluator`, through each member's reference evaluation), `EmpiricalField`, the priors and the
balanced flow take this type; `derivations.derive.radial_kernels` builds it from a derivation, the dimension and
the parameter values.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .compiled import GaussCauchy
from .logdomain import LogKernel, ZeroKernel


@dataclass(frozen=True)
class RadialKernels:
    """P, j, R of one density flow in one dimension, with the optional shortcuts of the module docstring."""

    P: LogKernel
    j: LogKernel
    R: LogKernel
    j_over_P: LogKernel | None = None
    family: GaussCauchy | None = None

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
    def rate_free(self) -> bool:
        """R vanishes: the flow only moves mass (diffusion, Poisson)."""
        return isinstance(self.R, ZeroKernel)
