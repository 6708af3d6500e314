"""Gaussian mixtures p(x) = Σ_k w_k N(x; m_k, C_k) in the log domain: log p, ∇ ln p, Δ ln p, draws.

The marginals of the linear SDE class are mixtures again (analytic/sde.py): data N(m, C) becomes
N(f∘m, diag(f) C diag(f) + diag(Ξ)) at time t, and empirical data (points y_i, weights w_i) are the
mixture of covariance 0 that becomes N(f∘y_i, diag(Ξ)) for t > 0. With r_k(x) the posterior weights
and z_k = C_k⁻¹(x − m_k):
    ∇ ln p = −Σ r_k z_k,     Δ ln p = Σ r_k (|z_k|² − tr C_k⁻¹) − |∇ ln p|².
Queries are processed in chunks of at most ``PAIRS_PER_CHUNK`` query–component pairs × d, so many
components (empirical data) never build an M × K × d array at once. Components sharing one isotropic
covariance (empirical data) skip the per-component Cholesky factors.

JSON format (README, "Non-equilibrium thermodynamics"): {"weights": [...], "means": [[...]], "covariances": [[[...]]]}.
"""

from __future__ import annotations

import json
import math

import numpy as np

from analytic.errors import NotSupportedError, PDEInputError

PAIRS_PER_CHUNK = 1 << 21
WEIGHT_TOLERANCE = 1e-9


class MixtureInputError(PDEInputError):
    """A mixture that is not a probability density (weights, shapes, covariances)."""


class GaussianMixture:
    """Σ_k w_k N(m_k, C_k); ``covariances`` (K, d, d), or ``isotropic`` (one variance shared by every component)."""

    def __init__(self, weights, means, covariances=None, isotropic: float | None = None, name: str = "mixture"):
        w = np.asarray(weights, dtype=float)
        m = np.asarray(means, dtype=float)
        if m.ndim == 1:
            m = m[:, None]
        if w.ndim != 1 or m.ndim != 2 or len(w) != len(m) or len(w) == 0:
            raise MixtureInputError(f"{name}: weights must be a list of K numbers and means a K × d list; got "
                                    f"weights of shape {w.shape} and means of shape {m.shape}")
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(m))):
            raise MixtureInputError(f"{name}: weights and means must be finite numbers")
        if np.any(w < 0) or abs(w.sum() - 1) > WEIGHT_TOLERANCE * max(1, len(w)):
            raise MixtureInputError(f"{name}: weights must be non-negative and sum to 1; they sum to {w.sum():.12g}"
                                    + ("" if np.all(w >= 0) else " with a negative entry"))
        self.weights, self.means = w / w.sum(), m
        K, d = m.shape
        self.K, self.d = K, d
        self.isotropic = None if isotropic is None else float(isotropic)
        if self.isotropic is not None:
            if not (self.isotropic >= 0 and math.isfinite(self.isotropic)):
                raise MixtureInputError(f"{name}: the shared variance must be ≥ 0 and finite; got {isotropic}")
            self.covariances = None
            return
        C = np.asarray(covariances, dtype=float)
        if C.shape == (K, d) or (d == 1 and C.shape == (K,)):  # diagonal shorthand
            C = np.stack([np.diag(np.atleast_1d(c)) for c in C])
        if C.shape != (K, d, d):
            raise MixtureInputError(f"{name}: covariances must be K × d × d = {K} × {d} × {d}; got shape {C.shape}")
        if not np.all(np.isfinite(C)) or not np.allclose(C, np.swapaxes(C, 1, 2), rtol=1e-10, atol=1e-12):
            raise MixtureInputError(f"{name}: covariances must be finite symmetric matrices")
        try:
            self._chol = np.linalg.cholesky(C)
        except np.linalg.LinAlgError:
            bad = [k for k in range(K) if np.linalg.eigvalsh(C[k]).min() <= 0]
            raise MixtureInputError(f"{name}: covariance {bad[0]} is not positive definite (smallest eigenvalue "
                                    f"{np.linalg.eigvalsh(C[bad[0]]).min():.3g}); every component needs a "
                                    "positive-definite covariance") from None
        self.covariances = C
        self._logdet = 2 * np.log(np.diagonal(self._chol, axis1=1, axis2=2)).sum(axis=1)
        self._inv = np.linalg.inv(C)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_dict(cls, obj, name: str = "mixture") -> "GaussianMixture":
        if not isinstance(obj, dict) or not {"weights", "means", "covariances"} <= set(obj):
            raise MixtureInputError(f"{name}: a Gaussian mixture is a JSON object with keys weights, means, "
                                    "covariances")
        try:
            return cls(obj["weights"], obj["means"], obj["covariances"], name=name)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, PDEInputError):
                raise
            raise MixtureInputError(f"{name}: weights, means and covariances must be (nested) lists of numbers "
                                    f"of matching lengths ({exc})") from None

    @classmethod
    def load(cls, path: str) -> "GaussianMixture":
        try:
            with open(path, encoding="utf-8") as fh:
                obj = json.load(fh)
        except json.JSONDecodeError as exc:
            raise MixtureInputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        return cls.from_dict(obj, name=path)

    def to_dict(self) -> dict:
        C = self.covariances if self.covariances is not None else \
            np.broadcast_to(self.isotropic * np.eye(self.d), (self.K, self.d, self.d))
        return {"weights": self.weights.tolist(), "means": self.means.tolist(), "covariances": C.tolist()}

    def propagated(self, f, Xi) -> "GaussianMixture":
        """The marginal at time t of the linear SDE with per-axis f(t), Ξ(t) (module docstring)."""
        f = np.broadcast_to(np.asarray(f, float), (self.d,))
        Xi = np.broadcast_to(np.asarray(Xi, float), (self.d,))
        means = self.means * f
        if self.covariances is None and np.all(Xi == Xi[0]):
            return GaussianMixture(self.weights, means, isotropic=f[0] ** 2 * self.isotropic + Xi[0]) \
                if np.all(f == f[0]) else GaussianMixture(
                    self.weights, means, np.diag(f**2 * self.isotropic + Xi)[None].repeat(self.K, 0))
        C = self.covariances if self.covariances is not None else self.isotropic * np.eye(self.d)[None]
        C = C * np.outer(f, f)[None] + np.diag(Xi)[None]
        return GaussianMixture(self.weights, means, np.broadcast_to(C, (self.K, self.d, self.d)))

    # -- evaluation ---------------------------------------------------------------------
    def _terms(self, x):
        """(log w_k N_k(x) as (K, M), z_k = C_k⁻¹(x − m_k) as (K, M, d), tr C_k⁻¹) for a chunk of queries.
        Components lead: the reductions over k then run over whole rows (M long), not over a short last axis."""
        diff = x[None, :, :] - self.means[:, None, :]
        if self.covariances is None:
            v = self.isotropic
            if v == 0:
                raise NotSupportedError("point masses have no density: propagate the data to t > 0 first")
            z = diff / v
            logdet = np.full(self.K, self.d * math.log(v))
            trace = np.full(self.K, self.d / v)
        else:
            z = np.einsum("kij,kmj->kmi", self._inv, diff) if self.d > 1 else diff * self._inv[:, :, :1]
            logdet, trace = self._logdet, np.trace(self._inv, axis1=1, axis2=2)
        quad = (diff * z).sum(-1) if self.d > 1 else diff[:, :, 0] * z[:, :, 0]
        with np.errstate(divide="ignore"):
            logw = np.log(self.weights)
        log_terms = (logw - 0.5 * (logdet + self.d * math.log(2 * math.pi)))[:, None] - 0.5 * quad
        return log_terms, z, trace

    def _chunks(self, x):
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None] if self.d == 1 else x[None, :]
        if x.ndim != 2 or x.shape[1] != self.d:
            raise PDEInputError(f"points must have shape (M, {self.d}); got {x.shape}")
        rows = max(1, PAIRS_PER_CHUNK // (self.K * self.d))
        for i in range(0, len(x), rows):
            yield x[i:i + rows]

    def evaluate(self, x, score: bool = True, laplacian: bool = False):
        """(log p, ∇ ln p or None, Δ ln p or None) at queries x of shape (M, d)."""
        logs, scores, laps = [], [], []
        for xc in self._chunks(x):
            log_terms, z, trace = self._terms(xc)
            # log-sum-exp by hand: the shifted exponentials are also the posteriors r_k (one exp pass,
            # where scipy.special.logsumexp then exp again took 4x as long per reverse-SDE step)
            top = log_terms.max(axis=0)
            with np.errstate(under="ignore"):  # a posterior weight below 1e-308 is 0
                e = np.exp(log_terms - top)
            total = e.sum(axis=0)
            log_p = top + np.log(total)
            logs.append(log_p)
            if score or laplacian:
                r = e / total
                s = -(r[:, :, None] * z).sum(0)
                scores.append(s)
                if laplacian:
                    laps.append((r * ((z * z).sum(-1) - trace[:, None])).sum(0) - (s * s).sum(1))
        log_p = np.concatenate(logs)
        return (log_p, np.concatenate(scores) if scores else None, np.concatenate(laps) if laps else None)

    def log_density(self, x) -> np.ndarray:
        return self.evaluate(x, score=False)[0]

    def score(self, x) -> np.ndarray:
        return self.evaluate(x)[1]

    def laplacian_log(self, x) -> np.ndarray:
        return self.evaluate(x, laplacian=True)[2]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n exact draws."""
        k = rng.choice(self.K, size=n, p=self.weights)
        z = rng.standard_normal((n, self.d))
        if self.covariances is None:
            return self.means[k] + math.sqrt(self.isotropic) * z
        return self.means[k] + np.einsum("nij,nj->ni", self._chol[k], z)

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, second-moment matrix E[x xᵀ])."""
        mean = self.weights @ self.means
        C = self.covariances if self.covariances is not None else self.isotropic * np.eye(self.d)[None]
        second = np.einsum("k,kij->ij", self.weights, C + self.means[:, :, None] * self.means[:, None, :])
        return mean, second


def empirical(points, weights=None) -> GaussianMixture:
    """Data points (n, d) with optional weights as point masses: a density only after ``propagated`` (t > 0)."""
    Y = np.asarray(points, dtype=float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    w = np.full(len(Y), 1.0 / len(Y)) if weights is None else np.asarray(weights, float) / np.sum(weights)
    return GaussianMixture(w, Y, isotropic=0.0, name="data")
