"""Strict test environment: seeded randomness, floating-point errors raise, headless plotting."""

import os
import random

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


#: fixtures that build the whole catalog's comparison or a report: every test using one is slow
SLOW_FIXTURES = {"comparisons", "small_report"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _strict_numerics():
    random.seed(0)
    old = np.seterr(all="raise")
    yield
    np.seterr(**old)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(params=["numpy", "numba", "blas", "cupy"])
def backend(request):
    """`field` keyword arguments for each array backend: NumPy's general path, numba's fused loops, the attention
    form ("blas") and CuPy on a GPU; a backend this machine lacks is skipped."""
    if request.param == "numba":
        pytest.importorskip("numba")
    if request.param == "cupy":
        cupy = pytest.importorskip("cupy")
        if cupy.cuda.runtime.getDeviceCount() == 0:
            pytest.skip("no GPU")
        return {"device": "gpu"}
    return {"device": "cpu", "backend": request.param}


@pytest.fixture(scope="session")
def comparisons():
    """The whole catalog compared with the paper, computed once per session (about a minute)."""
    from derivations.catalog import CATALOG, compare

    return {e.name: compare(e) for e in CATALOG}


# Property tests draw the same examples on every run (CI included), so a verdict does not depend on the
# luck of the draw; benchmarks/robustness.py explores fresh random input by hand.
from hypothesis import settings  # noqa: E402

settings.register_profile("deterministic", derandomize=True)
settings.load_profile("deterministic")
