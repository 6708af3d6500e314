"""Distances between generated samples and data, memorisation, and cumulants.

- energy distance (Székely): 2 E|X − Y| − E|X − X'| − E|Y − Y'| (V-statistics: ≥ 0 for any two
  samples, 0 only for equal ones; its expectation carries a positive O(1/n) bias);
- MMD² (unbiased) with a Gaussian kernel whose bandwidth is the median pairwise distance of
  the pooled sets (the median heuristic, on at most 1000 points of each);
- sliced Wasserstein-1: the mean over 128 random directions of the 1-D W1 between projections
  (from 1000 quantiles);
- 2-D histogram Jensen–Shannon divergence (natural log, ≤ ln 2) on the first two coordinates,
  on fixed bins: 32 × 32 over the reference data's range (or edges given) plus one overflow bin on
  each side of each axis, so a few far stragglers neither stretch the bins nor drop out;
- the generator test (`two_sample_test`): an aggregated MMD permutation test on equal-size
  subsamples (see its docstring);
- memorisation: distance of each sample to its nearest training point; the fraction closer than
  ε = 0.01 × the median nearest-neighbour distance among the training points;
- cumulants κ2, κ4, κ6, κ8 of each coordinate, averaged over coordinates: unbiased k-statistics with
  blocked-jackknife standard errors (numeric.statistics).
Pairwise sums are chunked: at most PAIRS_PER_CHUNK distances in memory at once.

Hand-written where the libraries were measured and found slower (benchmarks/distances.py, RESULTS.md): the energy
distance equals dcor's to every printed digit, faster (scipy.stats.energy_distance is 1-D only), and the sliced W1
is faster than POT's sliced_wasserstein_distance(p=1) and no further from the exact value.
The Jensen–Shannon divergence is scipy's; nearest neighbours are scipy's cKDTree up to KDTREE_MAX_DIM.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.spatial.distance

from analytic.outcome import GeneratorOutcome

from . import statistics
from .particles import systematic_resample

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
    return float(np.abs(_quantiles(X @ u, levels) - _quantiles(Y @ u, levels)).mean())


def _quantiles(A, levels) -> np.ndarray:
    """np.quantile(A, levels, axis=0) (its default linear method) from one sort per column: np.quantile
    partitions once per level, 20× slower for 1000 levels of 10 000 rows."""
    A = np.sort(A, axis=0)
    pos = levels * (len(A) - 1)
    below = np.floor(pos).astype(int)
    above = np.minimum(below + 1, len(A) - 1)
    frac = (pos - below)[:, None]
    return A[below] * (1 - frac) + A[above] * frac


def histogram_edges(Y, bins: int = 32) -> list[np.ndarray]:
    """Fixed bin edges for `histogram_jsd` from the reference data Y: ``bins`` equal bins over Y's range
    on each of its first two axes (one in 1-D), and an overflow bin (to ±inf) on each side."""
    Y = np.asarray(Y, float)[:, :2]
    out = []
    for d in range(Y.shape[1]):
        lo, hi = float(Y[:, d].min()), float(Y[:, d].max())
        hi = hi if hi > lo else lo + 1.0
        out.append(np.concatenate([[-np.inf], np.linspace(lo, hi, bins + 1), [np.inf]]))
    return out


def histogram_jsd(X, Y, edges: list | None = None) -> float:
    """Jensen–Shannon divergence (natural log) of the histograms of X and Y on fixed ``edges`` (default:
    `histogram_edges` of Y, the reference), over the first two coordinates (one in 1-D)."""
    X, Y = np.asarray(X, float)[:, :2], np.asarray(Y, float)[:, :2]
    edges = histogram_edges(Y) if edges is None else edges
    p = np.histogramdd(X, bins=edges)[0].ravel()
    q = np.histogramdd(Y, bins=edges)[0].ravel()
    return float(scipy.spatial.distance.jensenshannon(p / p.sum(), q / q.sum()) ** 2)


#: Gaussian-kernel bandwidths of the generator test, in units of the data's median pairwise distance.
TEST_SCALES = (0.25, 0.5, 1.0, 2.0)
TEST_PERMUTATIONS = 999
TEST_MAX_POINTS = 2000
#: significance level: "poor" when p < TEST_ALPHA (a fresh draw from the data's law is called poor
#: with probability TEST_ALPHA; a memorising generator, a bootstrap of the training set, a little more often).
TEST_ALPHA = 0.005


@dataclass(frozen=True)
class TwoSampleTest:
    """Result of `two_sample_test`: the decision with its statistic, p-value and effect size."""

    reproduced: bool  # p_value >= alpha
    statistic: float  # max over bandwidths of the standardised MMD² (z against the permutation null)
    p_value: float
    n_samples: int  # rows given
    n_data: int
    n_used: int  # rows of each set in the test (equal sizes)
    mmd2: float  # unbiased MMD² at the bandwidth that attains the statistic
    effect_size: float  # sqrt(max(mmd2, 0)): the RKHS distance of the two laws, in [0, sqrt(2)]
    bandwidth: float
    permutations: int
    alpha: float

    def to_json(self) -> dict:
        outcome = GeneratorOutcome.REPRODUCED if self.reproduced else GeneratorOutcome.POOR
        return {"outcome": outcome.value, **dataclasses.asdict(self)}


def two_sample_test(samples, data, seed: int = 0, permutations: int = TEST_PERMUTATIONS,
                    max_points: int = TEST_MAX_POINTS, alpha: float = TEST_ALPHA) -> TwoSampleTest:
    """Do ``samples`` and ``data`` come from the same law? An aggregated MMD permutation test.

    Both sets are subsampled (without replacement) to the same size n = min(len(samples),
    len(data), max_points), so the decision does not drift with the ratio of their sizes. The
    kernels are Gaussians, bounded, so the statistic exists for heavy-tailed samples (Poisson's
    have no first moment, where the energy distance is undefined); their bandwidths are
    TEST_SCALES × the median pairwise distance of the data subsample alone (stragglers among the
    samples cannot widen them). For each bandwidth the MMD² of every permutation of the pooled
    labels is standardised by the permutation mean and deviation; the statistic is the largest of
    these z-scores, and its p-value is its rank among the same maximum over the permutations
    (Schrab et al.'s MMDAgg construction, permutation form), so the test is calibrated at any n.
    With equal sizes, MMD² is a decreasing affine function of the cross-kernel sum, which is all
    a permutation needs: aᵀK(1 − a) for the label vectors a, one matrix product for all of them.
    """
    X = np.asarray(samples, float)
    Y = np.asarray(data, float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(f"samples {X.shape} and data {Y.shape} must be 2-D arrays with the same number of columns")
    rng = np.random.default_rng(seed)
    n = min(len(X), len(Y), max_points)
    if n < 2:
        raise ValueError(f"the test needs at least 2 rows of each; got {len(X)} samples and {len(Y)} data rows")
    X, Y = X[rng.permutation(len(X))[:n]], Y[rng.permutation(len(Y))[:n]]
    Z = np.vstack([X, Y])
    sq = (Z ** 2).sum(1)
    D2 = sq[:, None] + sq[None, :]
    gram = Z @ Z.T
    gram *= 2
    D2 -= gram
    np.maximum(D2, 0, out=D2)
    h2 = float(np.median(D2[n:, n:][np.triu_indices(n, 1)]))
    h2 = h2 if h2 > 0 else 1.0
    labels = np.zeros((2 * n, permutations + 1))
    labels[:n, 0] = 1
    for b in range(1, permutations + 1):
        labels[rng.permutation(2 * n)[:n], b] = 1
    z_all, mmd_all = [], []
    K, KL = gram, np.empty_like(labels)  # buffers reused across the scales: (2n)² fresh pages cost more than exp
    for c in TEST_SCALES:
        np.divide(D2, -2 * c * c * h2, out=K)
        with np.errstate(under="ignore"):
            np.exp(K, out=K)
        rows = K.sum(1)
        cross = labels.T @ rows - np.einsum("ij,ij->j", labels, np.matmul(K, labels, out=KL))
        within = K.sum() - 2 * n - 2 * cross  # off-diagonal sums inside the two groups
        mmd = within / (n * (n - 1)) - 2 * cross / n ** 2
        null = mmd[1:]
        z_all.append((mmd - null.mean()) / max(null.std(), 1e-300))
        mmd_all.append(mmd[0])
    z = np.array(z_all)
    best = int(np.argmax(z[:, 0]))
    top = z.max(axis=0)
    p = float((1 + np.sum(top[1:] >= top[0])) / (permutations + 1))
    mmd2 = float(mmd_all[best])
    return TwoSampleTest(p >= alpha, float(top[0]), p, len(samples), len(data), n, mmd2,
                         float(np.sqrt(max(mmd2, 0.0))), float(TEST_SCALES[best] * np.sqrt(h2)), permutations, alpha)


#: up to this dimension nearest neighbours come from scipy's k-d tree (exact distances, faster there), above it from
#: chunked matrix products, where a tree no longer prunes (measured: benchmarks/RESULTS.md)
KDTREE_MAX_DIM = 16


def nearest_distances(X, Y, exclude_self: bool = False) -> np.ndarray:
    """For each row of X, the distance to the nearest row of Y (``exclude_self``: X is Y, a row not its own
    neighbour). A k-d tree up to KDTREE_MAX_DIM dimensions, chunked products above."""
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    if X.shape[1] <= KDTREE_MAX_DIM:
        if exclude_self:
            return scipy.spatial.cKDTree(Y).query(X, k=2)[0][:, 1]
        return scipy.spatial.cKDTree(Y).query(X, k=1)[0]
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


def cumulants(X, orders=(2, 4, 6, 8)) -> dict:
    """κ_r of each coordinate averaged over coordinates, as unbiased k-statistics with blocked-jackknife
    errors (numeric.statistics): {"kappa2": …, "kappa2_se": …, …}."""
    out = {}
    for r, (value, se) in statistics.cumulants(X, orders).items():
        out[f"kappa{r}"], out[f"kappa{r}_se"] = value, se
    return out


def report(samples, held_out, train, baseline_split, weights=None) -> dict:
    """Every metric of samples vs the held-out split, with a second data split as the baseline.

    Weighted samples (branching) are resampled to equal weights first (systematic, seed 0). The energy
    distance and MMD² use a random subset of the samples as large as the baseline split (``n_compared``):
    the energy distance's V-statistic carries a bias ∝ 1/n, so unequal sizes would favour the larger set, and
    10 000² pairs cost seconds that the equal-size comparison does not need.
    """
    samples = np.asarray(samples, float)
    if weights is not None:
        samples = samples[systematic_resample(np.asarray(weights, float), np.random.default_rng(0))]
    test = two_sample_test(samples, held_out).to_json()
    n = min(len(samples), len(baseline_split))
    compared = samples[np.random.default_rng(1).permutation(len(samples))[:n]]
    mmd, h = mmd2(compared, held_out)
    return {
        "test": test, "n_compared": n,
        "energy_distance": energy_distance(compared, held_out),
        "energy_distance_baseline": energy_distance(baseline_split, held_out),
        "mmd2": mmd, "mmd2_baseline": mmd2(baseline_split, held_out, h)[0], "mmd_bandwidth": h,
        "sliced_w1": sliced_w1(samples, held_out), "sliced_w1_baseline": sliced_w1(baseline_split, held_out),
        "histogram_jsd": histogram_jsd(samples, held_out),
        "histogram_jsd_baseline": histogram_jsd(baseline_split, held_out),
        "memorisation": memorisation(samples, train),
        "cumulants": {"samples": cumulants(samples), "data": cumulants(held_out)},
    }
