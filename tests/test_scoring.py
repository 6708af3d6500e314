"""The generator test: calibrated at several sizes, with negative controls that must be called poor."""

import json

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from genphys.cli import main
from numeric import metrics


def _moons(n, rng, upper=0.5):
    """Two moons (noise 0.05) with a chosen share in the upper moon (0.5 is the data's law)."""
    top = rng.random(n) < upper
    u = np.pi * rng.random(n)
    x = np.where(top, np.cos(u), 1 - np.cos(u))
    y = np.where(top, np.sin(u), 0.5 - np.sin(u))
    return np.stack([x - 0.5, y - 0.25], axis=1) + 0.05 * rng.normal(size=(n, 2))


CONTROLS = {  # name -> (samples from the data's law?, how to draw them)
    "fresh draw": (True, lambda n, rng: _moons(n, rng)),
    "blurred (sigma = 0.4)": (False, lambda n, rng: _moons(n, rng) + 0.4 * rng.normal(size=(n, 2))),
    "shifted (0.25)": (False, lambda n, rng: _moons(n, rng) + [0.25, 0.0]),
    "wrong mixture weight (0.8 / 0.2)": (False, lambda n, rng: _moons(n, rng, upper=0.8)),
}


@pytest.mark.parametrize("n", [200, 2000, 10_000])
@pytest.mark.parametrize("name", list(CONTROLS))
def test_negative_controls_are_poor_and_fresh_draws_reproduced(name, n):
    same, draw = CONTROLS[name]
    rng = np.random.default_rng(7)
    data = _moons(n, rng)
    result = metrics.two_sample_test(draw(n, rng), data, seed=1)
    assert result.reproduced is same, (name, n, result)
    assert result.n_used == min(n, metrics.TEST_MAX_POINTS) and result.n_samples == n
    if not same:
        assert result.p_value < metrics.TEST_ALPHA and result.effect_size > 0


def test_unequal_sizes_are_compared_at_equal_size():
    """5000 data rows and 200 perfect samples: the old rule called this poor."""
    rng = np.random.default_rng(3)
    result = metrics.two_sample_test(_moons(200, rng), _moons(5000, rng))
    assert result.reproduced and result.n_used == 200 and result.n_data == 5000


def test_the_test_is_calibrated_under_the_null():
    """Across fresh draws the p-value is roughly uniform: rejections at 10 % happen about 10 % of the time
    (40 draws: a binomial 95 % range of 1 to 8)."""
    rng = np.random.default_rng(11)
    p = [metrics.two_sample_test(_moons(150, rng), _moons(150, rng), seed=s, permutations=199).p_value
         for s in range(40)]
    assert 1 <= sum(v < 0.1 for v in p) <= 8, sorted(p)


def test_heavy_tailed_samples_are_scored_without_a_first_moment():
    """Cauchy stragglers: the bounded kernel keeps the statistic defined; a far-off minority is still caught."""
    rng = np.random.default_rng(5)
    data = _moons(1000, rng)
    stragglers = _moons(1000, rng)
    stragglers[:100] = rng.standard_cauchy(size=(100, 2)) * 50
    assert not metrics.two_sample_test(stragglers, data).reproduced
    assert metrics.two_sample_test(_moons(1000, rng), data).reproduced


def test_histogram_jsd_uses_fixed_bins_that_stragglers_cannot_stretch():
    rng = np.random.default_rng(2)
    data, fresh = _moons(4000, rng), _moons(4000, rng)
    shifted = fresh + [0.3, 0.0]
    base = metrics.histogram_jsd(shifted, data)
    with_stragglers = np.vstack([shifted, [[1e6, 1e6], [-1e6, 3e5]]])
    assert metrics.histogram_jsd(with_stragglers, data) == pytest.approx(base, abs=2e-3)  # pooled range: ~0
    edges = metrics.histogram_edges(data)
    p = np.histogram2d(*shifted.T, bins=edges)[0].ravel()
    q = np.histogram2d(*data.T, bins=edges)[0].ravel()
    assert base == pytest.approx(jensenshannon(p / p.sum(), q / q.sum()) ** 2, rel=1e-12)
    assert metrics.histogram_jsd(fresh, data) < 0.05 < base


def test_score_command(tmp_path, capsys):
    rng = np.random.default_rng(4)
    np.save(tmp_path / "data.npy", _moons(600, rng))
    np.save(tmp_path / "good.npy", _moons(600, rng))
    np.savetxt(tmp_path / "blurred.csv", _moons(600, rng) + 0.4 * rng.normal(size=(600, 2)), delimiter=",")
    assert main(["score", str(tmp_path / "good.npy"), "--data", str(tmp_path / "data.npy"), "--json"]) == 0
    good = json.loads(capsys.readouterr().out)
    assert {"outcome", "statistic", "p_value", "n_samples", "n_data"} <= set(good)
    assert good["outcome"] == "reproduced" and good["n_samples"] == good["n_data"] == 600
    assert main(["score", str(tmp_path / "blurred.csv"), "--data", str(tmp_path / "data.npy"), "--seed", "3"]) == 0
    assert capsys.readouterr().out.startswith("poor: p = ")
    np.save(tmp_path / "three.npy", rng.normal(size=(50, 3)))
    assert main(["score", str(tmp_path / "three.npy"), "--data", str(tmp_path / "data.npy")]) == 2
    assert "columns" in capsys.readouterr().err


def test_generated_moons_pass_and_their_blur_fails(rng):
    """The rule generate and verify use, on a real run: the samples pass, the same samples blurred fail."""
    from derivations.derive import derive
    from derivations.generate import data_splits, generate
    from analytic.grammar import parse

    d = derive(parse("phi_t - lap(phi)"), dim=2, conditions=False)
    s = data_splits("moons", 600, rng)
    g = generate(d, s, n_samples=600, steps=30, seed=2)
    assert g.metrics["test"]["reproduced"], g.metrics["test"]
    blurred = g.run.samples + 0.4 * rng.normal(size=g.run.samples.shape)
    assert not metrics.two_sample_test(blurred, s.held_out).reproduced


@pytest.mark.parametrize("dim", [2, metrics.KDTREE_MAX_DIM + 1])  # the k-d tree and the chunked products
def test_nearest_distances_match_scipy_cdist_on_both_paths(dim):
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(dim)
    Y = rng.normal(size=(300, dim))
    Y[7] = Y[3]  # a duplicate: its nearest other row is at distance 0
    X = rng.normal(size=(200, dim))
    assert np.allclose(metrics.nearest_distances(X, Y), cdist(X, Y).min(axis=1), rtol=1e-9, atol=1e-6)
    D = cdist(Y, Y)
    np.fill_diagonal(D, np.inf)
    own = metrics.nearest_distances(Y, Y, exclude_self=True)
    assert np.allclose(own, D.min(axis=1), rtol=1e-9, atol=1e-6) and own[3] == own[7] == pytest.approx(0, abs=1e-6)
    assert np.all(metrics.nearest_distances(Y, Y) < 1e-6)  # control: without exclude_self each row finds itself
