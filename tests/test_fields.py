"""Empirical fields: log K_ν, the log-domain kernels and the tiled sums, each against a second route."""

import importlib.util

import mpmath
import numpy as np
import pytest
import sympy as sp

from analytic.errors import NotSupportedError, ParameterError, PDEInputError
from analytic.pde import r, t
from analytic.grammar import parse
from derivations.derive import derive
from derivations.fields import field
from numeric.empirical import grid
from numeric.logdomain import TableKernel
from numeric.special import log_kv


def integral_log_kv(nu, z, dps=25):
    """log K_ν(z) = log ∫_0^∞ exp(−z cosh u) cosh(ν u) du, integrated around the saddle sinh u* = ν/z."""
    with mpmath.workdps(dps):
        nu, z = mpmath.mpf(nu), mpmath.mpf(z)
        u0 = mpmath.asinh(nu / z)
        phi0 = -z * mpmath.cosh(u0) + nu * u0
        f = lambda u: mpmath.exp(-z * mpmath.cosh(u) + nu * u - phi0) * (1 + mpmath.exp(-2 * nu * u)) / 2
        w = 1 / mpmath.sqrt(z * mpmath.cosh(u0))
        pts = sorted({mpmath.mpf(0), max(u0 - 30 * w, mpmath.mpf(0)), u0, u0 + 30 * w}) + [u0 + 60 * w + 10]
        return float(mpmath.log(mpmath.quad(f, pts)) + phi0)


@pytest.mark.parametrize("nu", [0, 0.5, 1.5, 2.5, 32.5, 39.5, 40, 200, 1535.5])
def test_log_kv_against_the_integral_representation(nu):
    zs = np.array([1e-12, 1e-3, 0.7, 17.0, 900.0, 5000.0, 3e9, 1e12])  # kve is NaN beyond ~1e9
    got = log_kv(nu, zs)
    for z, value in zip(zs, got):
        if nu <= 50:  # mpmath's own K_ν converges here; above, it can hang (measured)
            with mpmath.workdps(30):
                ref = float(mpmath.log(mpmath.besselk(nu, z)))
        else:
            ref = integral_log_kv(nu, z)
        assert value == pytest.approx(ref, rel=1e-12, abs=1e-12)


CASES = [("phi_t - lap(phi)", {}), ("phi_tt + lap(phi)", {}), ("phi_tt + lap(phi) - m**2*phi", {"m": 1.3})]


def _derived(text, params):
    return derive(parse(text, {name: "positive" for name in params}), dim=2, conditions=False)


def _reference(d, params, data, weights, x, tt, N):
    """p, v and R/p by summing the closed forms over the data in mpmath at 40 digits."""
    ks = d.kernels[N] if N in d.kernels else None
    values = {p.symbol: sp.Rational(str(params[p.name])) for p in d.pde.parameters}
    P = sp.lambdify((r, t), ks.P.expr.subs(values), "mpmath")
    j = sp.lambdify((r, t), ks.j.expr.subs(values), "mpmath")
    R = sp.lambdify((r, t), ks.R.expr.subs(values), "mpmath") if ks.R.expr != 0 else (lambda a, b: 0)
    out = []
    with mpmath.workdps(40):
        for xq in x:
            p = Rs = 0
            Jv = [mpmath.mpf(0)] * N
            for y, w in zip(data, weights):
                diff = [mpmath.mpf(float(a)) - mpmath.mpf(float(b)) for a, b in zip(xq, y)]
                rr = mpmath.sqrt(sum(c * c for c in diff))
                Pi, ji = P(rr, mpmath.mpf(tt)), j(rr, mpmath.mpf(tt))
                p += w * Pi
                Jv = [a + w * ji * c for a, c in zip(Jv, diff)]
                Rs += w * R(rr, mpmath.mpf(tt))
            out.append((float(mpmath.log(p)), [float(c / p) for c in Jv], float(Rs / p)))
    return out


@pytest.mark.parametrize("text, params", CASES)
@pytest.mark.parametrize("N", [1, 2, 3, 3072])  # Yukawa: K of integer order (odd N), half-integer (even N), Debye
def test_fields_match_direct_mpmath_sums(text, params, N, backend, rng):
    """Every backend against the ground truth (where the backend applies: the fused ones cover heat and Poisson,
    numba up to N = 64, CuPy's K_ν half-integer orders)."""
    d = _derived(text, params)
    data = rng.normal(size=(3, N)) * (1 if N < 100 else 0.05)
    weights = np.array([0.2, 0.5, 0.3])
    x = data[:2] + 0.3 * rng.normal(size=(2, N)) * (1 if N < 100 else 0.05)
    try:
        f = field(d, data, weights=weights, values=params, **backend)
        tt = 0.8
        logp, v, rate = f.log_density(x, tt), f.velocity(x, tt), f.rate(x, tt)
    except (PDEInputError, NotSupportedError) as exc:  # the backend's own refusal, never another error
        if "is not available" not in str(exc) and "on the GPU" not in str(exc):
            raise
        pytest.skip(str(exc))
    for i, (ref_logp, ref_v, ref_rate) in enumerate(_reference(d, params, data, weights, x, tt, N)):
        assert logp[i] == pytest.approx(ref_logp, rel=1e-10, abs=1e-10)
        assert v[i] == pytest.approx(np.array(ref_v), rel=1e-8, abs=1e-10 * max(1.0, np.abs(ref_v).max()))
        assert rate[i] == pytest.approx(ref_rate, rel=1e-9, abs=1e-12)


def test_tiling_does_not_change_the_result(rng):
    d = _derived("phi_tt + lap(phi)", {})
    data, x = rng.normal(size=(300, 2)), rng.normal(size=(70, 2))
    big = field(d, data, device="cpu")
    small = field(d, data, device="cpu", tile_pairs=97)
    assert small.log_density(x, 0.3) == pytest.approx(big.log_density(x, 0.3), rel=1e-12)
    assert small.velocity(x, 0.3) == pytest.approx(big.velocity(x, 0.3), rel=1e-10, abs=1e-12)


def test_float32_agrees_with_float64(rng):
    d = _derived("phi_t - lap(phi)", {})
    data, x = rng.normal(size=(200, 2)), rng.normal(size=(50, 2))
    v64 = field(d, data, device="cpu").velocity(x, 0.5)
    v32 = field(d, data, device="cpu", dtype="float32").velocity(x, 0.5)
    assert v32 == pytest.approx(v64, rel=1e-5, abs=1e-5)


def test_far_queries_have_finite_velocities(rng):
    """A per-query max: a query 1e3 widths away from all data still gets v = (x − mean)/(2t) for diffusion."""
    d = _derived("phi_t - lap(phi)", {})
    data = rng.normal(size=(50, 2))
    x = np.array([[300.0, -200.0], [0.1, 0.2]])
    f = field(d, data, device="cpu")
    v = f.velocity(x, 0.01)
    assert np.all(np.isfinite(v))
    nearest = data[np.argmin(((data - x[0]) ** 2).sum(axis=1))]
    assert v[0] == pytest.approx((x[0] - nearest) / (2 * 0.01), rel=1e-6)


FLOW_CASES = [("phi_t - lap(phi)", {}), ("phi_tt + lap(phi)", {}), ("phi_tt + lap(phi) - m**2*phi", {"m": 1.3}),
              ("a*phi_tt - b*phi_t + lap(phi)", {"a": 0.7, "b": 1.3}),  # P closed, j from FFTLog tables
              ("phi_t + fraclap(phi, 0.35)", {})]  # all kernels from tables


def _derivative(fn, h):
    """Fourth-order central difference: error h⁴ f⁽⁵⁾/30 plus the noise of fn divided by h."""
    return (8 * (fn(h) - fn(-h)) - (fn(2 * h) - fn(-2 * h))) / (12 * h)


@pytest.mark.parametrize("text, params", FLOW_CASES)
@pytest.mark.parametrize("N", [1, 2])
def test_flow_residual_vanishes_by_finite_differences(text, params, N, rng):
    """∂t p + ∇·(p v) − R ≈ 0 at off-data points, by fourth-order differences with h = 1e-2
    (truncation ~ h⁴ ≈ 1e-8 of the terms): closed forms must vanish to 1e-6 of the local scale.
    FFTLog tables carry errors up to ~1e-7 of the kernel's peak (heavy tails, e.g. fractional
    diffusion), which the differences amplify by ~1/h = 100: tables are held to 1e-5 of the
    largest term."""
    d = _derived(text, params)
    data = rng.normal(size=(4, N))
    f = field(d, data, values=params, device="cpu")
    x = data[:3] + 0.4 * rng.normal(size=(3, N))
    tt, h = 0.9, 1e-2
    dp_dt = _derivative(lambda s: f.density(x, tt + s), h)
    div = np.zeros(len(x))
    for i in range(N):
        e = np.eye(N)[i]
        div += _derivative(lambda s: f.density(x + s * e, tt) * f.velocity(x + s * e, tt)[:, i], h)
    R = f.rate(x, tt) * f.density(x, tt)
    scale = np.abs(dp_dt) + np.abs(div) + np.abs(R)
    tables = any(isinstance(kernel, TableKernel) for kernel in (f.kernels.P, f.kernels.j, f.kernels.R))
    tol = 1e-5 * scale.max() if tables else 1e-6 * scale
    assert np.all(np.abs(dp_dt + div - R) <= tol), (dp_dt, div, R)


@pytest.mark.parametrize("kwargs, message", [
    ({"data": [[np.nan, 0.0]]}, "NaN"),
    ({"data": np.zeros((0, 2))}, "empty"),
    ({"data": np.zeros(3)}, "2-D"),
    ({"weights": [1.0, -1.0]}, "non-negative"),
    ({"weights": [1.0]}, "shape"),
    ({"dtype": "float16"}, "float64"),
    ({"device": "tpu"}, "auto, cpu or gpu"),
])
def test_field_bad_input(kwargs, message):
    d = _derived("phi_t - lap(phi)", {})
    args = {"data": np.zeros((2, 2)), **kwargs}
    with pytest.raises(PDEInputError, match=message):
        field(d, args.pop("data"), **args)


def test_query_and_time_errors():
    d = _derived("phi_t - lap(phi)", {})
    f = field(d, np.zeros((2, 2)), device="cpu")
    with pytest.raises(PDEInputError, match="t must be positive"):
        f.velocity(np.zeros((1, 2)), 0.0)
    with pytest.raises(PDEInputError, match="columns"):
        f.velocity(np.zeros((1, 3)), 1.0)


def test_gpu_request_without_gpu_is_a_clear_error():
    if importlib.util.find_spec("cupy") is not None:
        pytest.skip("CuPy is installed here")
    d = _derived("phi_t - lap(phi)", {})
    with pytest.raises(PDEInputError, match="gpu"):
        field(d, np.zeros((2, 2)), device="gpu")


def test_parameters_are_required_and_checked():
    d = _derived("phi_tt + lap(phi) - m**2*phi", {"m": 1})
    with pytest.raises(ParameterError, match="missing"):
        field(d, np.zeros((2, 2)))
    with pytest.raises(ParameterError, match="assumption"):
        field(d, np.zeros((2, 2)), values={"m": -1})
    with pytest.raises(ParameterError, match=r"q is not a parameter of it \(it has m\).*--value m=0.5"):
        field(d, np.zeros((2, 2)), values={"m": 1, "q": 2})
    with pytest.raises(ParameterError, match="has no parameters, so q cannot take a value"):
        field(_derived("phi_t - lap(phi)", {}), np.zeros((2, 2)), values={"q": 2})


def test_complex_and_front_kernels_are_refused():
    for text in ("I*phi_t + lap(phi)", "phi_tt - lap(phi)"):
        d = derive(parse(text), dim=2, conditions=False)
        with pytest.raises(NotSupportedError):
            field(d, np.zeros((2, 2)))
    with pytest.raises(NotSupportedError, match="anisotropic"):  # no Green's function, so no kernels
        field(derive(parse("phi_t - phi_xx - 2*phi_yy"), dim=2, conditions=False), np.zeros((2, 2)))


def test_grid_shapes_for_matplotlib():
    points, axes = grid([(-1, 1), (0, 2)], (5, 4))
    assert points.shape == (20, 2) and [len(a) for a in axes] == [5, 4]
    assert points[:, 0].reshape(5, 4)[:, 0] == pytest.approx(axes[0])


@pytest.mark.parametrize("text, params", CASES)
@pytest.mark.parametrize("N", [2, 3])
def test_cupy_matches_numpy(text, params, N, rng):
    cupy = pytest.importorskip("cupy")
    if cupy.cuda.runtime.getDeviceCount() == 0:
        pytest.skip("no GPU")
    d = _derived(text, params)
    data, x = rng.normal(size=(500, N)), rng.normal(size=(64, N))
    ref = field(d, data, values=params, device="cpu")
    gpu = field(d, data, values=params, device="gpu")
    try:
        got = gpu.velocity(x, 0.6)
    except NotSupportedError:
        pytest.skip("kernel not available on the GPU at this order")
    assert got == pytest.approx(ref.velocity(x, 0.6), rel=1e-12, abs=1e-12)
    assert gpu.log_density(x, 0.6) == pytest.approx(ref.log_density(x, 0.6), rel=1e-12)


FUSED_CASES = [("phi_t - lap(phi)", {}), ("phi_tt + lap(phi)", {}), ("phi_t - lap(phi) + c*phi", {"c": 0.7})]


@pytest.mark.parametrize("backend", ["numba", "blas"])
@pytest.mark.parametrize("text, params", FUSED_CASES)
@pytest.mark.parametrize("N", [1, 2, 16])
def test_fused_loops_match_numpy(text, params, N, backend, rng):
    """The Gauss-Cauchy backends (numba's fused loops, the attention form) against the general NumPy path."""
    if backend == "numba":
        pytest.importorskip("numba")
    d = _derived(text, params)
    data = rng.normal(size=(1100, N))  # > 2 blocks of the fused loop, ragged last block
    weights = rng.random(1100)
    weights[:7] = 0  # zero weights are dropped by the fused path, kept (as −inf logits) by NumPy
    x = np.vstack([rng.normal(size=(60, N)) * 1.5, np.full((1, N), 40.0)])  # one query far outside
    ref = field(d, data, weights, values=params, device="cpu", backend="numpy", tile_pairs=5000)
    # float64: the NumPy reference forms r² = |x|² + |y|² − 2x·y, off by ~eps·|x|² — 1e-12 of the
    # Poisson kernel's width t² needs t ≳ 0.1 at |x| ~ 3. float32 near t → 0: rounding x, y to
    # float32 alone moves x − y by ~6e-8 |x|, and v ∝ (x − y)/t.
    for dtype, tt, rel in (("float64", 0.1, 1e-12), ("float64", 0.7, 1e-12),
                           ("float32", 0.02, 1e-4), ("float32", 0.7, 1e-5)):
        fused = field(d, data, weights, values=params, device="cpu", dtype=dtype, tile_pairs=5000, backend=backend)
        assert fused.backend == backend
        v_ref = ref.velocity(x, tt)
        # relative to the row's speed, or the field's median speed where v nearly cancels (a 1-D query between
        # clusters: float32 sums of terms ~1/t cancel to 5e-4, in whatever order the loop adds them)
        speed = np.abs(v_ref).max(axis=1, keepdims=True)
        scale = np.maximum(speed, np.median(speed))
        assert np.all(np.abs(fused.velocity(x, tt) - v_ref) <= rel * scale)
        lp = ref.log_density(x, tt)
        assert np.all(np.abs(fused.log_density(x, tt) - lp) <= rel * np.maximum(1, np.abs(lp)))
        # the reference's R/P is a ratio of two separately rounded logs, each of size |log p|
        rate = ref.rate(x, tt)
        assert np.all(np.abs(fused.rate(x, tt) - rate) <= rel * np.maximum(1, np.abs(lp)) * np.abs(rate) + 1e-15)


def test_fused_loops_skip_far_blocks_without_changing_the_result(rng):
    """Four clusters 10 apart, narrow heat kernel: blocks of other clusters fall below e^−SKIP and are skipped;
    v, log p and the rate still match the NumPy reference (which sums every pair) to 1e-12."""
    pytest.importorskip("numba")
    from numeric import compiled
    d = _derived("phi_t - lap(phi) + c*phi", {"c": 0.7})
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], float)
    data = np.repeat(centres, compiled.BLOCK, axis=0) + rng.normal(size=(4 * compiled.BLOCK, 2))
    x = np.repeat(centres, 10, axis=0) + 1.5 * rng.normal(size=(40, 2))
    fused = field(d, data, values={"c": 0.7}, device="cpu")
    ref = field(d, data, values={"c": 0.7}, device="cpu", backend="numpy")
    lo, hi, _ = fused._boxes
    assert len(lo) == 4 and np.all(hi - lo < 9)  # every block is one cluster
    assert compiled.SKIP["float64"] < 10**2 / (4 * 0.05)  # a cluster 10 away is skipped at t = 0.05
    for tt in (0.05, 0.5):
        v = ref.velocity(x, tt)
        assert np.abs(fused.velocity(x, tt) - v).max() <= 1e-12 * np.abs(v).max()
        assert fused.log_density(x, tt) == pytest.approx(ref.log_density(x, tt), rel=1e-12)
        assert fused.rate(x, tt) == pytest.approx(ref.rate(x, tt), rel=1e-12)


def test_fused_family_constants_are_the_known_kernels():
    """Heat: b = −1/(4t), e = 0, j/P = 1/(2t); Poisson in N dims: b = 0, e = −(N+1)/2, A = t², j/P = 1/t."""
    from derivations.derive import radial_kernels as kernels
    tt = 0.37
    heat = kernels(_derived("phi_t - lap(phi)", {}), 3, {}).family.constants(tt)
    log_p0, b, e, _, g, h = heat  # (A is unused when e = 0)
    assert (b, e, g, h) == pytest.approx((-1 / (4 * tt), 0.0, 1 / (2 * tt), 0.0), abs=1e-15)
    assert log_p0 == pytest.approx(-1.5 * np.log(4 * np.pi * tt), rel=1e-14)
    poisson = kernels(_derived("phi_tt + lap(phi)", {}), 5, {}).family.constants(tt)
    assert poisson[1:] == pytest.approx((0.0, -3.0, 1 / tt**2, 1 / tt, 0.0), rel=1e-14)
    # P(0, t) = Γ(3)/π³ · t/t⁶ (the N = 5 Poisson kernel at r = 0)
    assert poisson[0] == pytest.approx(np.log(2 / np.pi**3 / tt**5), rel=1e-14)


def test_fused_backend_is_refused_where_it_does_not_apply(rng):
    pytest.importorskip("numba")
    d = _derived("phi_tt + lap(phi) - m**2*phi", {"m": 1.3})
    with pytest.raises(PDEInputError, match="Gauss-Cauchy"):
        field(d, rng.normal(size=(5, 2)), values={"m": 1.3}, device="cpu", backend="numba")
    assert field(d, rng.normal(size=(5, 2)), values={"m": 1.3}, device="cpu").backend == "numpy"
    with pytest.raises(PDEInputError, match="backend"):
        field(d, rng.normal(size=(5, 2)), values={"m": 1.3}, backend="fortran")
    with pytest.raises(PDEInputError, match="Gauss-Cauchy"):
        field(d, rng.normal(size=(5, 2)), values={"m": 1.3}, device="cpu", backend="blas")
    heat = _derived("phi_t - lap(phi)", {})
    assert field(heat, rng.normal(size=(5, 2)), device="cpu").backend == "numba"
    assert field(heat, rng.normal(size=(5, 2)), device="cpu", dtype="float32").backend == "numba"
    assert field(heat, rng.normal(size=(5, 13)), device="cpu").backend == "blas"  # past AUTO_NUMBA_MAX_N
    assert field(heat, rng.normal(size=(5, 9)), device="cpu", dtype="float32").backend == "blas"
    assert field(heat, rng.normal(size=(5, 65)), device="cpu").backend == "blas"
    with pytest.raises(PDEInputError, match="N = 65"):
        field(heat, rng.normal(size=(5, 65)), device="cpu", backend="numba")
