"""Distances between generated samples and data, memorisation, and cumulants.

- energy distance (Székely): 2 E|X − Y| − E|X − X'| − E|Y − Y'| (V-statistics: ≥ 0 for any two
  samples, 0 only for equal ones; its expectation carries a positive O(1/n) bias);
- MMD² (unbiased) with a Gaussian kernel whose bandwidth is the median pairwise distance of
  the pooled sets (the median heuristic, on at most 1000 points of each);
- sliced Wasserstein-1: the mean over 128 random directions of the 1-D W1 between projections
  (from 1000 quantiles);
- 2-D histogram Jensen–Shannon divergence (natural log, ≤ ln 2) on the first two coordinates,
  32 × 32 bins over the pooled range;
- memorisation: distance of each sample to its nearest training point; the fraction closer than
  ε = 0.01 × the median nearest-neighbour distance among the training points;
- cumulants κ2, κ4 of each coordinate, averaged over coordinates (κ4 = m4 − 3 m2²).
Pairwise sums are chunked: at most PAIRS_PER_CHUNK distances in memory at once.
"""

from __future__ import annotations

import numpy as np

PAIRS_PER_CHUNK = 1 << 22


def _squared_distances(X, Y):
    """Blocks (start, |x_i − y_j|²) of rows of X against all of Y, ≤ PAIRS_PER_CHUNK pairs each."""
    Y2 = (Y ** 2).sum(1)
    rows = max(1, PAIRS_PER_CHUNK // len(Y))
    for i in range(0, len(X), rows):
        Xi = X[i:i + rows]
        yield i, np.maximum((Xi ** 2).sum(1)[:, None] + Y2[None, :] - 2 * Xi @ Y.T, 0)


def _pair_sum(X, Y, fn) -> float:
    return float(sum(fn(d2).sum() for _, d2 in _squared_distances(X, Y)))


def energy_distance(X, Y) -> float:
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    n, m = len(X), len(Y)
    xy = _pair_sum(X, Y, np.sqrt) / (n * m)
    xx = _pair_sum(X, X, np.sqrt) / (n * n)
    yy = _pair_sum(Y, Y, np.sqrt) / (m * m)
    return float(2 * xy - xx - yy)


def median_bandwidth(X, Y, rng=None) -> float:
    rng = rng or np.random.default_rng(0)
    pool = np.vstack([X[rng.permutation(len(X))[:1000]], Y[rng.permutation(len(Y))[:1000]]])
    d2 = next(_squared_distances(pool, pool))[1]
    return float(np.sqrt(np.median(d2[np.triu_indices(len(pool), 1)])))


def mmd2(X, Y, bandwidth: float | None = None) -> tuple[float, float]:
    """(unbiased MMD², the bandwidth used)."""
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    h = bandwidth or median_bandwidth(X, Y)
    def k(d2):
        with np.errstate(under="ignore"):  # far pairs contribute 0
            return np.exp(-d2 / (2 * h * h))
    n, m = len(X), len(Y)
    kxx = (_pair_sum(X, X, k) - n) / (n * (n - 1))
    kyy = (_pair_sum(Y, Y, k) - m) / (m * (m - 1))
    return float(kxx + kyy - 2 * _pair_sum(X, Y, k) / (n * m)), h


def sliced_w1(X, Y, directions: int = 128, seed: int = 0) -> float:
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    u = np.random.default_rng(seed).normal(size=(X.shape[1], directions))
    u /= np.linalg.norm(u, axis=0)
    levels = (np.arange(1000) + 0.5) / 1000
    qx = np.quantile(X @ u, levels, axis=0)
    qy = np.quantile(Y @ u, levels, axis=0)
    return float(np.abs(qx - qy).mean())


def histogram_jsd(X, Y, bins: int = 32) -> float:
    X, Y = np.asarray(X, float)[:, :2], np.asarray(Y, float)[:, :2]
    pool = np.vstack([X, Y])
    edges = [np.linspace(pool[:, d].min(), pool[:, d].max() + 1e-12, bins + 1) for d in range(2)]
    p = np.histogram2d(X[:, 0], X[:, 1], bins=edges)[0].ravel()
    q = np.histogram2d(Y[:, 0], Y[:, 1], bins=edges)[0].ravel()
    p, q = p / p.sum(), q / q.sum()
    mix = (p + q) / 2

    def kl(a):
        nz = a > 0
        return float((a[nz] * np.log(a[nz] / mix[nz])).sum())
    return (kl(p) + kl(q)) / 2


def nearest_distances(X, Y, exclude_self: bool = False) -> np.ndarray:
    """For each row of X, the distance to the nearest row of Y (chunked)."""
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    out = np.empty(len(X))
    for i, d2 in _squared_distances(X, Y):
        if exclude_self:
            d2[np.arange(len(d2)), np.arange(i, i + len(d2))] = np.inf
        out[i:i + len(d2)] = np.sqrt(d2.min(axis=1))
    return out


def memorisation(samples, train) -> dict:
    nn = nearest_distances(samples, train)
    eps = 0.01 * float(np.median(nearest_distances(train, train, exclude_self=True)))
    return {"median_nn_distance": float(np.median(nn)), "epsilon": eps,
            "fraction_within_epsilon": float(np.mean(nn < eps))}


def cumulants(X) -> dict:
    X = np.asarray(X, float)
    c = X - X.mean(axis=0)
    m2, m4 = (c ** 2).mean(axis=0), (c ** 4).mean(axis=0)
    return {"kappa2": float(m2.mean()), "kappa4": float((m4 - 3 * m2 ** 2).mean())}


def report(samples, held_out, train, baseline_split, weights=None) -> dict:
    """Every metric of samples vs the held-out split, with a second data split as the baseline.

    Weighted samples (branching) are resampled to equal weights first (systematic, seed 0).
    """
    samples = np.asarray(samples, float)
    if weights is not None:
        samples = samples[systematic_resample(np.asarray(weights, float), np.random.default_rng(0))]
    mmd, h = mmd2(samples, held_out)
    return {
        "energy_distance": energy_distance(samples, held_out),
        "energy_distance_baseline": energy_distance(baseline_split, held_out),
        "mmd2": mmd, "mmd2_baseline": mmd2(baseline_split, held_out, h)[0], "mmd_bandwidth": h,
        "sliced_w1": sliced_w1(samples, held_out), "sliced_w1_baseline": sliced_w1(baseline_split, held_out),
        "histogram_jsd": histogram_jsd(samples, held_out),
        "histogram_jsd_baseline": histogram_jsd(baseline_split, held_out),
        "memorisation": memorisation(samples, train),
        "cumulants": {"samples": cumulants(samples), "data": cumulants(held_out)},
    }


def systematic_resample(weights, rng) -> np.ndarray:
    """Indices drawn by systematic resampling (one uniform, n evenly spaced points on the CDF)."""
    n = len(weights)
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, (rng.random() + np.arange(n)) / n)
