"""`field`: the empirical p, v, R of data under a derived PDE (the facade's genphys.field).

The kernels are derive's `radial_kernels` for the data's dimension (closed forms checked by derive, FFTLog tables
of the Fourier kernels otherwise: the same ones C1 decides on).

``flow="balanced"`` (PDEs with R ≠ 0): the same densities carried without births or deaths. The
normalised density p/M, M(t) = ∫p = p̃(0, t), obeys ∂t(p/M) + ∇·((J − U)/M) = 0 with ∇·U = R − p Ṁ/M,
a source of zero total mass per data point; U = ∇ψ with ψ̃ = −(R̃ − p̃ Ṁ/M)/k² (finite at k = 0).
So the flux kernel becomes F[σ Q G̃ + (R̃ − p̃ Ṁ/M)/k²] (through N + 2 dimensions, like j) and the
rate is 0: particles need no weights (for Yukawa the transform is −e^{−tκ}/(κ + m), κ = √(k² + m²)).
"""

from __future__ import annotations

import math

import sympy as sp

from analytic.errors import NotSupportedError, ParameterError, PDEInputError
from analytic.pde import k, t
from numeric.empirical import DEFAULT_TILE_PAIRS, EmpiricalField, _checked_points
from numeric.kernels import RadialKernels
from numeric.lambdified import np_function
from numeric.logdomain import BalancedFluxKernel, ClosedKernel, TableKernel, ZeroKernel
from .derive import Derivation, radial_kernels


def _parameter_values(d: Derivation, params: dict | None) -> dict:
    params = dict(params or {})
    names = {p.name for p in d.pde.parameters}
    missing, unknown = names - set(params), set(params) - names
    if unknown and not names:
        raise ParameterError(f"{d.pde.canonical!r} has no parameters, so {', '.join(sorted(unknown))} cannot take a "
                             "value; leave values (--value) out")
    if missing or unknown:
        problems = ([f"missing a value for {', '.join(sorted(missing))}"] if missing else []) + (
            [f"{', '.join(sorted(unknown))} {'is not a parameter' if len(unknown) == 1 else 'are not parameters'} "
             f"of it (it has {', '.join(sorted(names))})"] if unknown else [])
        example = sorted(names)[0]
        raise ParameterError(f"{d.pde.canonical!r}: {'; '.join(problems)}; give each of its parameters a number "
                             f"(values={{'{example}': 0.5}} in Python, --value {example}=0.5 on the command line)")
    out = {}
    for p in d.pde.parameters:
        value = float(params[p.name])
        if not math.isfinite(value):
            raise ParameterError(f"parameter {p.name} = {value!r} is not a finite number")
        checks = {"positive": value > 0, "nonnegative": value >= 0, "negative": value < 0,
                  "nonpositive": value <= 0, "nonzero": value != 0, "real": True}
        if not checks[p.assumption]:
            raise ParameterError(f"parameter {p.name} = {value} violates its assumption ({p.assumption})")
        out[p.symbol] = sp.Rational(str(value))
    return out


FLOWS = ("branching", "balanced")


def balanced_flux_hat(d: Derivation, values: dict) -> sp.Expr:
    """σ Q G̃ + (R̃ − p̃ Ṁ/M)/k², Ṁ/M = ∂t log p̃(0, t): the flux transform of the module docstring."""
    flow = d.flow
    p0 = flow.p_hat.subs(values).subs(k, 0)
    if not p0.is_finite or p0 == 0:
        p0 = sp.limit(flow.p_hat.subs(values), k, 0)
    rate = sp.simplify(sp.diff(sp.log(p0), t))
    return sp.simplify(((flow.sigma * flow.QG_hat + (flow.R_hat - flow.p_hat * rate) / k**2)).subs(values))


def balanced(d: Derivation, N: int, values: dict) -> RadialKernels:
    """Kernels of the birth-free flow (module docstring): P (and its width) as usual, the balanced flux as a table,
    R = 0."""
    out = radial_kernels(d, N, values)
    if out.rate_free:
        return out
    if all(isinstance(kernel, ClosedKernel) for kernel in (out.P, out.j, out.R)):  # real space: any N
        return RadialKernels(out.P, BalancedFluxKernel(out.P, out.j, out.R, N), ZeroKernel(), density_hat=out.density_hat)
    flux = balanced_flux_hat(d, values)
    if flux.has(sp.I):
        raise NotSupportedError("not supported yet: the balanced flux kernel is complex (p is not real, C1 fails)")
    return RadialKernels(out.P, TableKernel(np_function(flux, (k, t)), N + 2, -2 * math.pi), ZeroKernel(),
                         density_hat=out.density_hat)


def field(d: Derivation, data, weights=None, values: dict | None = None, device: str = "auto",
          dtype: str = "float64", tile_pairs: int = DEFAULT_TILE_PAIRS, backend: str = "auto",
          flow: str = "branching") -> EmpiricalField:
    """The empirical field of ``data`` (n, N) under ``d``; ``values`` gives every PDE parameter a number.

    ``flow``: "branching" (v and the rate R/p of the PDE) or "balanced" (no births: see the module docstring)."""
    if flow not in FLOWS:
        raise PDEInputError(f"flow={flow!r} is not known; use branching or balanced")
    data = _checked_points("data", data)
    values = _parameter_values(d, values)
    ks = (balanced if flow == "balanced" else radial_kernels)(d, data.shape[1], values)
    return EmpiricalField(ks, data, weights, device, dtype, tile_pairs, backend)
