"""Figures of the non-equilibrium side, one per figure of Yu & Huang (numbers as in the paper's captions).

Each function takes the JSON-ready results of derivations.thermo (or Trajectories) and a path, and
returns the path: Figs 2/7 (⟨e^{−ΔS_tot}⟩ against the number of paths), 3/8 (entropy-change
histograms), 4/6 (potential profiles over t), 5 (phase diagram), 9/10 (rates over t), 11 (Franz–Parisi).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .figures import _save, plt


def ift_figure(convergence: list[dict], path: Path, title: str) -> Path:
    """⟨e^{−ΔS_tot}⟩ over the first n paths with ±2 standard errors (Figs. 2, 7)."""
    n = np.array([c["n"] for c in convergence])
    mean = np.array([c["mean"] for c in convergence])
    se = np.array([c["se"] for c in convergence])
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.fill_between(n, mean - 2 * se, mean + 2 * se, alpha=0.25, label="± 2 standard errors")
    ax.plot(n, mean, "o-", ms=3, label=r"$\langle e^{-\Delta S_{tot}}\rangle$")
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label="fluctuation theorem: 1")
    ax.set_xscale("log")
    ax.set_xlabel("number of trajectories")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return _save(fig, path)


def histogram_figure(paths, path: Path, title: str) -> Path:
    """Normalised histograms of ΔS, ΔS_E, ΔS_tot and e^{−ΔS_tot} (Figs. 3, 8)."""
    fig, axes = plt.subplots(1, 4, figsize=(12, 2.9))
    quantities = ((paths.dS_system, r"$\Delta S$ (system)"), (paths.dS_environment, r"$\Delta S_E$ (environment)"),
                  (paths.dS_total, r"$\Delta S_{tot}$"), (np.exp(-paths.dS_total), r"$e^{-\Delta S_{tot}}$"))
    for ax, (values, label) in zip(axes, quantities):
        lo, hi = np.quantile(values, [0.001, 0.999])  # the extreme 0.2 % would stretch the axis, not inform
        ax.hist(values, bins=60, range=(lo, hi), density=True, color="C0", alpha=0.8)
        ax.axvline(values.mean(), color="C3", lw=1, label=f"mean {values.mean():.3g}")
        ax.set_xlabel(label)
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def profiles_figure(curves: list[dict], path: Path, title: str, t_S: float | None = None) -> Path:
    """U(λ) at several t along the data's line (Figs. 4, 6)."""
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for c in curves:
        ax.plot(c["lambda"], c["U"], label=f"t = {c['t']:.3g}")
    ax.set_xlabel(r"$x$ along the data's principal axis")
    ax.set_ylabel(r"$U(x, t) - U(0, t)$")
    ax.set_title(title + ("" if t_S is None else f"\nt_S = {t_S:.4f}"), fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, path)


def phase_figure(diagram: dict, path: Path, boundaries: dict | None = None) -> Path:
    """Phases over (μ, σ²) (Fig. 5), with the closed-form boundaries drawn over the computed grid."""
    phases = diagram["phases"]
    codes = np.array([[phases.index(cell["phase"]) for cell in row] for row in diagram["grid"]])
    mu, s2 = np.array(diagram["mu"]), np.array(diagram["sigma2"])
    fig, ax = plt.subplots(figsize=(5, 3.8))
    mesh = ax.pcolormesh(mu, s2, codes, shading="nearest", cmap=plt.get_cmap("Set2", 3), vmin=-0.5, vmax=2.5)
    bar = fig.colorbar(mesh, ticks=[0, 1, 2])
    bar.ax.set_yticklabels(phases, fontsize=7)
    for label, (x, y) in (boundaries or {}).items():
        ax.plot(x, y, "k--", lw=1)
        ax.annotate(label, (x[len(x) // 4], y[len(y) // 4]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(r"data mean $\mu$")
    ax.set_ylabel(r"data variance $\sigma^2$")
    ax.set_title(f"phases of the {diagram['notion'].replace('_', ' ')}", fontsize=10)
    return _save(fig, path)


def rates_figure(result: dict, path: Path, title: str, reverse: bool = False) -> Path:
    """π, φ and dS/dt over t for the forward (Fig. 9) or reverse (Fig. 10) process, with error bands."""
    rows = result["rates"]
    ts = np.array([r["t"] for r in rows])
    suffix = "_reverse" if reverse else ""
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for key, label in (("entropy_production", r"entropy production $\pi$"), ("entropy_flux" + suffix, r"entropy flux $\phi$"),
                       ("entropy_rate" + suffix, "system entropy rate")):
        value = np.array([r[key] for r in rows])
        error = np.array([r[key + "_error"] for r in rows])
        ax.plot(ts, value, label=label)
        ax.fill_between(ts, value - 2 * error, value + 2 * error, alpha=0.2)
    ax.axhline(0, color="k", lw=0.6)
    if reverse:
        ax.invert_xaxis()
    ax.set_xlabel("t" + (" (the reverse process runs right to left)" if reverse else ""))
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    return _save(fig, path)


def franz_parisi_figure(result: dict, path: Path, title: str) -> Path:
    """V(q, t), dV/dq and d²V/dq² with ±2 standard errors (Fig. 11)."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for curve in result["curves"]:
        q = np.array(curve["q"])
        for ax, key, label in zip(axes, ("V", "dV", "d2V"), ("V(q)", "dV/dq", "d²V/dq²")):
            value = np.array([e["value"] for e in curve[key]])
            error = np.array([e["error"] for e in curve[key]])
            ax.plot(q, value, label=f"t = {curve['t']:g}")
            ax.fill_between(q, value - 2 * error, value + 2 * error, alpha=0.2)
            ax.set_xlabel("q" + (" (squared distance)" if result["distance"] == "squared" else " (distance)"))
            ax.set_title(label, fontsize=10)
    axes[1].set_yscale("symlog")
    axes[2].set_yscale("symlog")
    axes[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)
