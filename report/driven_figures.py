"""Figures of driven systems (Beyond Equilibrium, Fig. 1): JSD(t) per method beside its floors (Fig. 1b), the
landscape and every method's samples at chosen times (Fig. 1c–d), basin populations over time, and the work."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .figures import _save, plt

LABELS = {"boltzmann_exact": "equilibrium: exact Boltzmann e^(−βV(t))",
          "boltzmann_histogram": "equilibrium: Boltzmann of V̂ = −β⁻¹ln(histogram)",
          "diffusion": "non-equilibrium: learned-free diffusion",
          "diffusion_neighbours": "non-equilibrium: diffusion on neighbouring times", "truth": "truth (test half)"}


def jsd_figure(rows: list[dict], path: Path, title: str) -> Path:
    """JSD(generated ‖ test) against t for each method, with the noise and resampling floors (Fig. 1b)."""
    fig, ax = plt.subplots(figsize=(6.2, 3.6))
    for i, method in enumerate(dict.fromkeys(r["method"] for r in rows)):
        sel = [r for r in rows if r["method"] == method]
        ax.plot([r["t"] for r in sel], [r["jsd"] for r in sel], "o-", ms=3, color=f"C{i}", label=LABELS[method])
    first = [r for r in rows if r["method"] == rows[0]["method"]]
    ts = [r["t"] for r in first]
    ax.plot(ts, [r["jsd_noise_floor"] for r in first], "k--", lw=1, label="noise floor: train vs test")
    ax.plot(ts, [r["jsd_resampling_floor"] for r in first], "k:", lw=1, label="resampling floor: bootstrap of train")
    ax.set_yscale("log")
    ax.set_xlabel("t")
    ax.set_ylabel("JSD (natural log)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=6.5)
    return _save(fig, path)


def landscape_figure(cmp, cp, tt: float, edges: list, path: Path, title: str) -> Path:
    """At time tt: V(t,·) with the test particles, V̂ from the train histogram, and each method's samples, all on
    the same axes (Fig. 1c–d; 2-D potentials)."""
    methods = [m for (t_, m) in cmp.samples if t_ == tt and m != "truth"]
    fig, axes = plt.subplots(1, 2 + len(methods), figsize=(2.6 * (2 + len(methods)), 2.8), sharex=True, sharey=True)
    lo, hi = edges[0][0], edges[0][-1]
    g = np.linspace(lo, hi, 200)
    X, Y = np.meshgrid(g, g, indexing="xy")
    V = cp.V(np.stack([X.ravel(), Y.ravel()], axis=1), tt).reshape(X.shape)
    ax = axes[0]
    ax.contourf(X, Y, V, levels=30, cmap="viridis")
    truth = cmp.samples[(tt, "truth")]
    ax.plot(truth[:, 0], truth[:, 1], ".", ms=0.8, color="w")
    ax.set_title(f"V(t = {tt:g}) and the test particles", fontsize=7)
    energy = cmp.energies[tt]
    finite = np.where(np.isfinite(energy), energy, np.nan)
    axes[1].imshow(finite.T, origin="lower", extent=(edges[0][0], edges[0][-1], edges[1][0], edges[1][-1]),
                   cmap="viridis", aspect="auto")
    axes[1].set_title("V̂ = −β⁻¹ ln(train histogram)", fontsize=7)
    for ax, m in zip(axes[2:], methods):
        x = cmp.samples[(tt, m)]
        ax.plot(x[:, 0], x[:, 1], ".", ms=0.8, color="C0")
        ax.set_title(LABELS[m].split(": ")[-1], fontsize=7)
    for ax in axes:
        ax.set_xlim(lo, hi)
        ax.set_ylim(edges[1][0], edges[1][-1])
        ax.set_aspect("equal")
        ax.tick_params(labelsize=6)
    fig.suptitle(title, fontsize=9)
    return _save(fig, path)


def basins_figure(rows: list[dict], path: Path, title: str) -> Path:
    """The largest difference of basin populations from the truth's (the test half's), per method over t, beside
    the same for the train half (the sampling floor)."""
    fig, ax = plt.subplots(figsize=(6.2, 3.2))
    methods = list(dict.fromkeys(r["method"] for r in rows))

    def gap(a, b):
        return max((abs(x - y) for x, y in zip(a, b)), default=np.nan)

    first = [r for r in rows if r["method"] == methods[0]]
    ts = [r["t"] for r in first]
    ax.plot(ts, [gap(r["basins_train"], r["basins_truth"]) for r in first], "k--", lw=1,
            label="floor: train half against test half")
    for i, method in enumerate(methods):
        sel = [r for r in rows if r["method"] == method]
        ax.plot(ts, [gap(r["basins"], r["basins_truth"]) for r in sel], "o-", ms=3, color=f"C{i}",
                label=LABELS[method])
    ax.set_xlabel("t")
    ax.set_ylabel("max |population − truth| over basins")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=6.5)
    return _save(fig, path)


def work_figure(thermo: dict, path: Path, title: str) -> Path:
    """Mean work, heat and medium entropy/β over t with ±2 standard errors."""
    rows = thermo["rows"]
    t = np.array([r["t"] for r in rows])
    fig, ax = plt.subplots(figsize=(5.2, 3.2))
    for key, label in (("work", "⟨W⟩"), ("heat", "⟨Q⟩ (heat to the medium)")):
        m = np.array([r[key] for r in rows])
        se = np.array([r[key + "_se"] for r in rows])
        ax.fill_between(t, m - 2 * se, m + 2 * se, alpha=0.25)
        ax.plot(t, m, "o-", ms=3, label=label)
    if thermo.get("jarzynski", {}).get("applies"):
        dF = [r.get("delta_F", np.nan) for r in rows]
        ax.plot(t, dF, "k--", lw=1, label="ΔF (grid)")
    ax.set_xlabel("t")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, path)
