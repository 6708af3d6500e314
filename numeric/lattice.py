"""Real scalar φ⁴ theory on an L × L periodic lattice: Hybrid Monte Carlo, observables, exact references.

Actions (x runs over the V = L² sites, x + μ̂ is the periodic neighbour along axis μ = 1, 2):
    hopping      S[φ] = Σ_x [ −2κ Σ_μ φ_x φ_{x+μ̂} + (1 − 2λ) φ_x² + λ φ_x⁴ ]
                      = Σ_x [ −2κ Σ_μ φ_x φ_{x+μ̂} + φ_x² + λ (φ_x² − 1)² ] − λV,
    continuum    S[ϕ] = Σ_x [ ½ Σ_μ (ϕ_{x+μ̂} − ϕ_x)² + ½ μ² ϕ_x² + (g/4!) ϕ_x⁴ ].
With ϕ = √(2κ) φ (κ > 0) the two are equal for μ² = (1 − 2λ)/κ − 2d and g = 6λ/κ², d = 2: expanding the
square, Σ_x ½ Σ_μ (ϕ_{x+μ̂} − ϕ_x)² = Σ_x [d ϕ_x² − Σ_μ ϕ_x ϕ_{x+μ̂}], so −2κ φφ matches −ϕϕ, the ϕ² terms need
2κ(d + μ²/2) = 1 − 2λ and the ϕ⁴ terms g (2κ)²/24 = λ. Inversely κ is the positive root of
(g/3) κ² + (μ² + 2d) κ − 1 = 0 and λ = g κ²/6. The force is F = −∂S/∂φ_x = 2κ Σ_{±μ} φ_{x±μ̂} − 2(1 − 2λ) φ_x
− 4λ φ_x³. On L = 1 both neighbours of the site are the site itself, so S = (1 − 4κ − 2λ) φ² + λ φ⁴.
λ ≥ 0 keeps S bounded below; at λ = 0 the action is the Gaussian ½ φᵀAφ, A = 2(1 − κ Σ_μ (T_μ + T_μ⁻¹)) with
T_μ the shift, whose eigenvalues Â(k) = 2(1 − 2κ Σ_μ cos k_μ) must all be positive (κ < 1/4 for κ ≥ 0).

HMC (Duane et al. 1987): unit-variance Gaussian momenta π, H = ½ Σ π² + S, leapfrog (kick–drift–kick) of
``steps`` steps of size ε, then a Metropolis test per chain. All chains advance together as one array
(chains, L, L). The default start is cold: every chain at the constant field φ_x = v minimising the action of
constant fields, (1 − 2dκ − 2λ) v² + λ v⁴ (v = 0 unless that coefficient is negative). A hot start (φ_x ~ N(0, 1)
independently, ``start="hot"``) in the broken phase quenches into stripes, two domain walls wrapped around
the torus, that outlive any practical run (half of 8 chains at L = 16, κ = 0.4, λ = 0.022).
With ``step_size=None`` ε is tuned during thermalisation by a Robbins–Monro step on log ε towards a mean
acceptance probability of ``TARGET_ACCEPTANCE``, then frozen at the geometric mean of its values over the
second half of thermalisation, so the stored chain is an exact (non-adaptive) Markov chain.
``flip=True`` adds, after every trajectory and for each chain with probability ½, the move φ → −φ: S is even,
so its Metropolis ratio is 1 and the move is always accepted. It restores the Z2 symmetry that the broken
phase otherwise freezes on one vacuum. It is a coin flip rather than a flip every trajectory because a
deterministic flip only alternates the sign, and with an even ``separation`` every stored configuration would
carry the same sign. With flips ⟨M⟩ ≈ 0 and τ_int(M) ≈ ½; the slow mode is |M|, reported beside it.
A trajectory whose H is not finite (leapfrog at a fixed ε is unstable in the φ⁴ tail, where the curvature
12λφ² grows without bound) is rejected: its Metropolis probability is e^{−∞} = 0, so the chain stays exact.
Such trajectories are counted in ``Ensemble.divergences``; a sizeable count means ε is too large.
``Ensemble.thermalisation`` compares ⟨|M|⟩ (Z2-even, so blind to the flips) between the halves of every
chain (a drift from the start) and between each chain and the others (a chain stuck in a metastable state
agrees with itself), as z-scores with errors from the pooled variance and τ_int.

Observables of M = (1/V) Σ_x φ_x per configuration (DMasSQ's ``observable.py`` conventions, Wang, Aarts &
Zhou, arXiv:2309.17082):
    ⟨M⟩, ⟨|M|⟩,   χ₂ = V (⟨M²⟩ − ⟨M⟩²),   U_L = 1 − ⟨M⁴⟩ / (3 ⟨M²⟩²).
χ₂ subtracts ⟨M⟩², not ⟨|M|⟩², as DMasSQ does: with Z2 restored ⟨M⟩ ≈ 0, so in the broken phase χ₂ ≈ V⟨M²⟩
grows like V, the signature of the transition (the ⟨|M|⟩² form is the finite-size connected susceptibility
instead). The two-point function is connected, G(r) = ⟨φ_x φ_{x+rμ̂}⟩ − ⟨φ⟩², averaged over sites and both
axes, r = 0 … L//2. Every error bar is the blocked jackknife of ``numeric.statistics.jackknife`` over
consecutive configurations; the ensembles here are stored chain-major, so its blocks are contiguous
pieces of chains and must be much longer than τ_int (reported by ``hmc``).

τ_int = ½ + Σ_{t≥1} ρ(t) with Sokal's automatic window: the smallest W with W ≥ c τ_int(W), c = ``SOKAL_C``;
error τ_int √(2(2W + 1)/N) (Madras & Sokal 1988). A series shorter than about c τ_int has no such W; its
largest partial sum is returned, a lower bound.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.integrate import quad
from scipy.stats import norm

from analytic.errors import PDEInputError
from .statistics import jackknife

D = 2  # lattice dimension
TARGET_ACCEPTANCE = 0.8
SOKAL_C = 6
STARTS = ("cold", "hot")
THERMALISATION_Z = 3.0  # two means agree when they differ by less than this many standard errors …
THERMALISATION_ALPHA = 0.01  # … raised so that all of a healthy run's z-scores pass with this probability


def _finite(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise PDEInputError(f"{name} must be a finite number; got {value!r}")
    return float(value)


def _finite_field(phi, what: str = "phi") -> np.ndarray:
    phi = np.asarray(phi, dtype=float)
    if phi.ndim < 2:
        raise PDEInputError(f"{what} must have shape (..., L, L); got shape {phi.shape}")
    bad = int(np.sum(~np.isfinite(phi)))
    if bad:
        raise PDEInputError(f"{what} holds {bad} non-finite values of {phi.size}; configurations must be finite")
    return phi


def _configs(configs) -> np.ndarray:
    configs = _finite_field(configs, "configs")
    if configs.ndim != 3 or configs.shape[1] != configs.shape[2]:
        raise PDEInputError(f"configs must have shape (n, L, L); got {configs.shape}")
    return configs


def _integer(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise PDEInputError(f"{name} must be an integer ≥ {minimum}; got {value!r}")
    return int(value)


def _neighbours(phi: np.ndarray) -> np.ndarray:
    """Σ_μ φ_{x+μ̂} over the forward neighbours (each bond counted once)."""
    return np.roll(phi, -1, axis=-1) + np.roll(phi, -1, axis=-2)


@dataclass(frozen=True)
class Phi4:
    """φ⁴ theory in the hopping form (module docstring): hopping parameter κ, coupling λ ≥ 0."""

    kappa: float
    lam: float

    def __post_init__(self):
        _finite("kappa", self.kappa)
        if _finite("lam", self.lam) < 0:
            raise PDEInputError(f"lam = {self.lam} < 0 makes the action unbounded below; use lam ≥ 0")

    @classmethod
    def from_continuum(cls, mu2: float, g: float) -> "Phi4":
        """κ, λ from the continuum μ², g: κ the positive root of (g/3)κ² + (μ² + 2d)κ − 1 = 0, λ = gκ²/6."""
        mu2, g = _finite("mu2", mu2), _finite("g", g)
        if g < 0:
            raise PDEInputError(f"g = {g} < 0 makes the action unbounded below; use g ≥ 0")
        a = mu2 + 2 * D
        if g == 0 and a <= 0:
            raise PDEInputError(f"mu2 = {mu2} with g = 0 has no κ > 0 (needs mu2 > −{2 * D})")
        # the rationalised root: no cancellation when g κ² is tiny next to a κ
        kappa = 2.0 / (a + math.sqrt(a * a + 4.0 * g / 3.0))
        return cls(kappa, g * kappa**2 / 6.0)

    def _needs_positive_kappa(self):
        if self.kappa <= 0:
            raise PDEInputError(f"the continuum form needs ϕ = √(2κ) φ with κ > 0; got kappa = {self.kappa}")

    @property
    def mu2(self) -> float:
        self._needs_positive_kappa()
        return (1 - 2 * self.lam) / self.kappa - 2 * D

    @property
    def g(self) -> float:
        self._needs_positive_kappa()
        return 6 * self.lam / self.kappa**2

    def _action(self, phi: np.ndarray) -> np.ndarray:
        phi2 = phi * phi
        density = -2 * self.kappa * phi * _neighbours(phi) + (1 - 2 * self.lam) * phi2 + self.lam * phi2 * phi2
        return density.sum(axis=(-2, -1))

    def _force(self, phi: np.ndarray) -> np.ndarray:
        both = _neighbours(phi) + np.roll(phi, 1, axis=-1) + np.roll(phi, 1, axis=-2)
        return 2 * self.kappa * both - 2 * (1 - 2 * self.lam) * phi - 4 * self.lam * phi**3

    def action(self, phi) -> np.ndarray:
        """S[φ] (hopping form) of fields of shape (..., L, L), shape (...)."""
        return self._action(_finite_field(phi))

    def force(self, phi) -> np.ndarray:
        """−∂S/∂φ_x, the same shape as φ."""
        return self._force(_finite_field(phi))

    def action_continuum(self, varphi) -> np.ndarray:
        """S[ϕ] in the continuum form with this theory's μ², g (module docstring), shape (...)."""
        varphi = _finite_field(varphi, "varphi")
        mu2, g = self.mu2, self.g
        gradient = sum((np.roll(varphi, -1, axis=axis) - varphi) ** 2 for axis in (-1, -2))
        density = 0.5 * gradient + 0.5 * mu2 * varphi**2 + g / 24.0 * varphi**4
        return density.sum(axis=(-2, -1))


def leapfrog(theory: Phi4, phi, pi, step_size: float, steps: int):
    """(φ, π) after ``steps`` kick–drift–kick leapfrog steps of H = ½Σπ² + S (time-reversible, volume-preserving)."""
    phi, pi = np.array(phi, dtype=float), np.array(pi, dtype=float)
    pi += 0.5 * step_size * theory._force(phi)
    for step in range(steps):
        phi += step_size * pi
        # merging the closing half-kick of one step with the opening one of the next
        pi += (step_size if step < steps - 1 else 0.5 * step_size) * theory._force(phi)
    return phi, pi


def _gaussian_symbol(kappa: float, L: int) -> np.ndarray:
    """Â(k) = 2(1 − 2κ Σ_μ cos k_μ) on the L × L lattice momenta k_μ = 2πj/L (FFT order)."""
    c = np.cos(2 * np.pi * np.arange(L) / L)
    return 2 * (1 - 2 * kappa * (c[:, None] + c[None, :]))


def _require_normalisable(kappa: float, L: int):
    A = _gaussian_symbol(kappa, L)
    if A.min() <= 0:
        j = np.unravel_index(np.argmin(A), A.shape)
        raise PDEInputError(f"kappa = {kappa} at lam = 0 gives A an eigenvalue {A.min():.4g} ≤ 0 at momentum "
                            f"2π{tuple(int(i) for i in j)}/{L}: no normalisable Gaussian (|kappa| < 1/4 suffices)")


@dataclass
class Ensemble:
    """Configurations (n, L, L), chain-major (chain c holds rows c·n/chains …), and how they were made."""

    configs: np.ndarray
    theory: Phi4
    L: int
    chains: int
    acceptance: float
    step_size: float
    steps: int
    thermalise: int
    separation: int
    flip: bool
    seed: int
    wall_s: float
    tau_int: dict  # name → (τ_int, error) averaged over chains, or None when a chain holds one configuration
    thermalisation: dict  # the drift and stuck-chain check of ⟨|M|⟩ (module docstring); "agree" is the verdict
    divergences: int  # sampling trajectories with a non-finite H, all rejected

    def metadata(self) -> dict:
        return {"kappa": float(self.theory.kappa), "lam": float(self.theory.lam), "n": len(self.configs),
                "L": self.L, "chains": self.chains, "acceptance": self.acceptance, "step_size": self.step_size,
                "steps": self.steps, "thermalise": self.thermalise, "separation": self.separation,
                "flip": self.flip, "seed": self.seed, "wall_s": self.wall_s,
                "tau_int": {k: None if v is None else [float(v[0]), float(v[1])] for k, v in self.tau_int.items()},
                "thermalisation": self.thermalisation, "divergences": self.divergences}

    def save(self, folder) -> Path:
        """Write ``configs.npy`` and ``ensemble.json`` (every other field) into ``folder``; returns it."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "configs.npy", self.configs)
        (folder / "ensemble.json").write_text(json.dumps(self.metadata(), indent=1, allow_nan=False))
        return folder

    @classmethod
    def load(cls, folder) -> "Ensemble":
        folder = Path(folder)
        try:
            meta = json.loads((folder / "ensemble.json").read_text())
            configs = np.load(folder / "configs.npy", allow_pickle=False)
            ensemble = cls(configs=configs, theory=Phi4(meta["kappa"], meta["lam"]), L=int(meta["L"]),
                           chains=int(meta["chains"]), acceptance=float(meta["acceptance"]),
                           step_size=float(meta["step_size"]), steps=int(meta["steps"]),
                           thermalise=int(meta["thermalise"]), separation=int(meta["separation"]),
                           flip=bool(meta["flip"]), seed=int(meta["seed"]), wall_s=float(meta["wall_s"]),
                           tau_int={k: None if v is None else (float(v[0]), float(v[1]))
                                    for k, v in meta["tau_int"].items()},
                           thermalisation=dict(meta["thermalisation"]), divergences=int(meta["divergences"]))
            expected = (int(meta["n"]), ensemble.L, ensemble.L)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            raise PDEInputError(f"cannot load an ensemble from {folder}: {type(exc).__name__}: {exc}") from None
        if configs.shape != expected or configs.dtype.kind != "f":
            raise PDEInputError(f"{folder}/configs.npy has shape {configs.shape} and dtype {configs.dtype}; "
                                f"ensemble.json says float configurations of shape {expected}")
        _configs(configs)
        return ensemble

    def split(self, fraction: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
        """(train, test): whole chains when ``fraction``·chains is a whole number in 1 … chains − 1 (independent
        halves); otherwise the first ``fraction`` of every chain against the rest (correlated only across the
        one cut per chain, over about τ_int configurations)."""
        if not 0 < fraction < 1:
            raise PDEInputError(f"fraction must lie strictly between 0 and 1; got {fraction}")
        per_chain = len(self.configs) // self.chains
        by_chain = self.configs.reshape(self.chains, per_chain, self.L, self.L)
        whole = fraction * self.chains
        if abs(whole - round(whole)) < 1e-9 and 1 <= round(whole) < self.chains:
            k = round(whole)
            return by_chain[:k].reshape(-1, self.L, self.L), by_chain[k:].reshape(-1, self.L, self.L)
        k = round(fraction * per_chain)
        if not 1 <= k < per_chain:
            raise PDEInputError(f"fraction = {fraction} of {per_chain} configurations per chain leaves one side "
                                "empty; use a fraction nearer ½ or more configurations")
        return by_chain[:, :k].reshape(-1, self.L, self.L), by_chain[:, k:].reshape(-1, self.L, self.L)


def _trajectory(theory, phi, S, step_size, steps, rng):
    """One HMC trajectory on every chain: (φ, S, accepted, acceptance probability, H finite); non-finite H rejects."""
    pi = rng.standard_normal(phi.shape)
    H0 = S + 0.5 * (pi * pi).sum(axis=(-2, -1))
    u = rng.random(len(phi))
    # a too-large step can overflow the φ³ force; the finiteness test below decides, not a warning
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        phi_new, pi_new = leapfrog(theory, phi, pi, step_size, steps)
        S_new = theory._action(phi_new)
        dH = S_new + 0.5 * (pi_new * pi_new).sum(axis=(-2, -1)) - H0
        finite = np.isfinite(dH)
        probability = np.where(finite, np.exp(np.minimum(0.0, -dH)), 0.0)
        # log(1 − u) with u ∈ [0, 1) is finite, so the test never takes log 0
        accepted = finite & (np.log1p(-u) < -dH)
    phi = np.where(accepted[:, None, None], phi_new, phi)
    S = np.where(accepted, S_new, S)
    return phi, S, accepted, probability, finite


def hmc(theory: Phi4, L: int, n: int, seed: int = 0, chains: int = 8, thermalise: int = 200, steps: int = 10,
        step_size: float | None = None, separation: int = 1, flip: bool = True, progress=None,
        start: str = "cold") -> Ensemble:
    """n configurations (n/chains per chain, chain-major) of ``theory`` on an L × L lattice by HMC (module docstring).

    ``progress(i, total)`` is called after every trajectory of all chains, i = 1 … total."""
    if not isinstance(theory, Phi4):
        raise PDEInputError(f"theory must be a Phi4; got {type(theory).__name__}")
    L = _integer("L", L, 1)
    n = _integer("n", n, 2)
    chains = _integer("chains", chains, 1)
    thermalise = _integer("thermalise", thermalise, 0)
    steps = _integer("steps", steps, 1)
    separation = _integer("separation", separation, 1)
    seed = _integer("seed", seed, 0)
    if n % chains:
        raise PDEInputError(f"n = {n} configurations do not split evenly over chains = {chains}; "
                            "use a multiple of chains")
    tune = step_size is None
    if tune and thermalise < 1:
        raise PDEInputError("step_size = None tunes the step during thermalisation; give thermalise ≥ 1 "
                            "or a step_size")
    if not tune and not _finite("step_size", step_size) > 0:
        raise PDEInputError(f"step_size must be a finite number > 0 (or None to tune it); got {step_size!r}")
    if start not in STARTS:
        raise PDEInputError(f"start must be one of {STARTS}; got {start!r}")
    if theory.lam == 0:
        _require_normalisable(theory.kappa, L)

    clock = time.perf_counter()
    rng = np.random.default_rng(seed)
    per_chain = n // chains
    total = thermalise + per_chain * separation
    if start == "hot":
        phi = rng.standard_normal((chains, L, L))
    else:
        a = 1 - 2 * D * theory.kappa - 2 * theory.lam
        phi = np.full((chains, L, L), math.sqrt(-a / (2 * theory.lam)) if a < 0 else 0.0)
    S = theory._action(phi)
    # the tuner starts from a unit-length trajectory, about a third of the fastest free-field period 2π/√(2(1 + 4κ))
    log_eps = math.log(1.0 / steps if tune else step_size)
    tuned = []
    stored = np.empty((chains, per_chain, L, L))
    accepted_count = divergences = 0
    for i in range(total):
        sampling = i >= thermalise
        phi, S, accepted, probability, finite = _trajectory(theory, phi, S, math.exp(log_eps), steps, rng)
        if flip:
            phi = np.where((rng.random(chains) < 0.5)[:, None, None], -phi, phi)
        if sampling:
            accepted_count += int(accepted.sum())
            divergences += int((~finite).sum())
            if (i - thermalise + 1) % separation == 0:
                stored[:, (i - thermalise) // separation] = phi
        elif tune:
            # Robbins–Monro on log ε: gains 1/√(t+1) sum to ∞ (it reaches the target) while the noise averages out
            log_eps += (probability.mean() - TARGET_ACCEPTANCE) / math.sqrt(i + 1)
            tuned.append(log_eps)
        if tune and i == thermalise - 1:
            log_eps = float(np.mean(tuned[len(tuned) // 2:]))
        if progress is not None:
            progress(i + 1, total)

    M = stored.mean(axis=(-2, -1))
    series = {"M": M, "abs_M": np.abs(M), "M2": M * M}
    tau_int = {name: _chain_tau(s) for name, s in series.items()}
    return Ensemble(configs=stored.reshape(n, L, L), theory=theory, L=L, chains=chains,
                    acceptance=accepted_count / (chains * per_chain * separation), step_size=math.exp(log_eps),
                    steps=steps, thermalise=thermalise, separation=separation, flip=bool(flip), seed=seed,
                    wall_s=time.perf_counter() - clock, tau_int=tau_int,
                    thermalisation=_thermalisation(series["abs_M"], tau_int["abs_M"]), divergences=divergences)


def _chain_tau(series: np.ndarray):
    """(mean over chains of τ_int, its error from the chains' Madras–Sokal errors); None for one-row chains and
    for chains too short to vary (two configurations, one rejected trajectory: |M| is then constant)."""
    if series.shape[1] < 2 or any(np.ptp(s) == 0 for s in series):
        return None
    taus, errors = np.array([autocorrelation_time(s) for s in series]).T
    return float(taus.mean()), float(np.sqrt((errors**2).sum()) / len(taus))


def _thermalisation(abs_M: np.ndarray, tau_int) -> dict:
    """z-scores of ⟨|M|⟩: each chain's first half against its second half, and each chain against the others
    (a chain stuck in a metastable state agrees with itself; it shows against the others)."""
    chains, per_chain = abs_M.shape
    half = per_chain // 2
    tests = (2 if chains > 1 else 1) * chains
    threshold = max(THERMALISATION_Z, float(norm.isf(THERMALISATION_ALPHA / (2 * tests))))
    rule = (f"|z| < {threshold:.3g} for all {tests} z-scores of ⟨|M|⟩ (3, raised by Bonferroni so that a healthy "
            f"run fails with probability about {THERMALISATION_ALPHA:g}); z a difference of means over its standard "
            "error, from the variance of all chains pooled and their mean τ_int")
    if half < 2:
        return {"agree": None, "rule": rule, "reason": f"{per_chain} configurations per chain; needs 4"}
    if tau_int is None:
        return {"agree": None, "rule": rule, "reason": "|M| is constant along a chain (every trajectory rejected?): "
                                                       "no autocorrelation time; use longer chains"}
    # Pooled, not per chain: under the hypothesis tested all chains sample one law, and a short chain's own
    # variance is noisy. τ_int of a short chain is biased low by its own mean's subtraction, by about a factor
    # 1 + (2W + 1)/N with the window W ≈ c τ_int (Wolff 2004, Eq. 49); and at least ½, so that an antithetic
    # estimate does not shrink the error below that of independent samples.
    tau = max(tau_int[0] * (1 + (2 * SOKAL_C * tau_int[0] + 1) / per_chain), 0.5)
    unit = 2 * tau * abs_M.var(ddof=1)  # the variance of a mean, times its length (var over all chains' rows)
    first, second = abs_M[:, :half].mean(axis=1), abs_M[:, half:].mean(axis=1)
    out = {"rule": rule, "threshold": threshold, "tau_int": tau,
           "z_halves": [float(z) for z in (first - second) / np.sqrt(unit / half + unit / (per_chain - half))]}
    out["halves_agree"] = bool(max(map(abs, out["z_halves"])) < threshold)
    out["chains_agree"] = None
    if chains > 1:
        means = abs_M.mean(axis=1)
        others = (means.sum() - means) / (chains - 1)  # the chains are equally long: pooled = mean of means
        out["z_chains"] = [float(z) for z in (means - others) / np.sqrt(unit / per_chain * chains / (chains - 1))]
        out["chains_agree"] = bool(max(map(abs, out["z_chains"])) < threshold)
    out["agree"] = out["halves_agree"] and out["chains_agree"] is not False
    return out


def magnetisation(configs) -> np.ndarray:
    """M = (1/V) Σ_x φ_x of each configuration, shape (n,)."""
    return _configs(configs).mean(axis=(-2, -1))


def observables(configs, blocks: int | None = None) -> dict:
    """{"M", "abs_M", "chi2", "U_L"}: (value, blocked-jackknife error) of ⟨M⟩, ⟨|M|⟩, V(⟨M²⟩ − ⟨M⟩²),
    1 − ⟨M⁴⟩/(3⟨M²⟩²)."""
    configs = _configs(configs)
    V = configs.shape[1] * configs.shape[2]
    M = configs.mean(axis=(-2, -1))
    values = np.stack([M, np.abs(M), M**2, M**4], axis=1)

    def statistic(means, count):
        m1, a1, m2, m4 = np.moveaxis(means, -1, 0)
        return np.stack([m1, a1, V * (m2 - m1**2), 1 - m4 / (3 * m2**2)], axis=-1)

    theta, se = jackknife(values, statistic, blocks)
    return {name: (float(theta[j]), float(se[j])) for j, name in enumerate(("M", "abs_M", "chi2", "U_L"))}


def two_point(configs, blocks: int | None = None) -> dict:
    """Connected G(r) = ⟨φ_x φ_{x+rμ̂}⟩ − ⟨φ⟩², averaged over x and both axes: {"r", "G", "stderr"}, r = 0 … L//2."""
    configs = _configs(configs)
    L = configs.shape[1]
    r = np.arange(L // 2 + 1)
    products = [0.5 * (configs * (np.roll(configs, -k, axis=1) + np.roll(configs, -k, axis=2))).mean(axis=(1, 2))
                for k in r]
    values = np.stack(products + [configs.mean(axis=(1, 2))], axis=1)

    def statistic(means, count):
        return means[..., :-1] - means[..., -1:] ** 2

    G, se = jackknife(values, statistic, blocks)
    return {"r": r, "G": np.asarray(G), "stderr": np.asarray(se)}


def autocorrelation_time(series) -> tuple[float, float]:
    """(τ_int, error): τ_int = ½ + Σ_{t=1}^{W} ρ(t), Sokal's window W ≥ c τ_int(W), Madras–Sokal error."""
    x = np.asarray(series, dtype=float)
    if x.ndim != 1 or len(x) < 2 or not np.all(np.isfinite(x)):
        raise PDEInputError(f"series must be a finite 1-D array of at least 2 values; got shape {x.shape}")
    N = len(x)
    x = x - x.mean()
    if not np.any(x):
        raise PDEInputError("a constant series has no autocorrelation time (did every HMC trajectory reject?)")
    # zero-padding to 2N makes the FFT's circular correlation the linear one; the 1/N (not 1/(N − t)) estimator
    # keeps the far lags, which hold little data, from swamping the sum
    spectrum = np.fft.rfft(x, n=2 * N)
    autocovariance = np.fft.irfft(spectrum * spectrum.conj(), n=2 * N)[:N] / N
    rho = autocovariance / autocovariance[0]
    tau = 0.5 + np.cumsum(rho[1:])  # tau[W − 1] = τ_int(W)
    W = np.arange(1, N)
    inside = np.nonzero(W >= SOKAL_C * tau)[0]
    # no window fits: the series is shorter than about c τ_int; the largest partial sum is then a lower bound
    # (the full sum is 0 exactly for mean-centred data, so it would say nothing)
    w = inside[0] if len(inside) else int(np.argmax(tau))
    return float(tau[w]), float(tau[w] * math.sqrt(2 * (2 * W[w] + 1) / N))


def free_propagator(kappa: float, L: int) -> np.ndarray:
    """Exact G(r), r = 0 … L//2 along an axis, at λ = 0: (A⁻¹)_{0r} = (1/V) Σ_k e^{ik_1 r} / Â(k) (module docstring)."""
    kappa = _finite("kappa", kappa)
    L = _integer("L", L, 1)
    _require_normalisable(kappa, L)
    G = np.fft.ifft2(1.0 / _gaussian_symbol(kappa, L)).real
    return G[: L // 2 + 1, 0].copy()


def one_site_moments(kappa: float, lam: float) -> dict:
    """{"phi2", "phi4"}: ⟨φ²⟩, ⟨φ⁴⟩ on L = 1, where S = (1 − 4κ − 2λ)φ² + λφ⁴, by quadrature."""
    theory = Phi4(kappa, lam)
    kappa, lam = theory.kappa, theory.lam
    if lam == 0:
        _require_normalisable(kappa, 1)
    a = 1 - 4 * kappa - 2 * lam
    # the weight relative to its peak (no overflow in deep wells); the peak splits the range for quad
    peak = math.sqrt(-a / (2 * lam)) if a < 0 else 0.0
    excess = lambda x: a * x * x + lam * x**4 - (a * peak**2 + lam * peak**4)
    top = max(peak, 1.0)
    while excess(top) < 700:  # beyond, e^{−700} of the peak's weight: a finite range keeps x⁴ finite in quad
        top *= 2

    def moment(k):
        f = lambda x: x**k * math.exp(-excess(x))
        return quad(f, 0, peak)[0] + quad(f, peak, top)[0]

    Z = moment(0)
    return {"phi2": moment(2) / Z, "phi4": moment(4) / Z}
