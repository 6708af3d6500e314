"""Figures of a generator run: samples vs data with trajectories, and p, v on a grid at several t."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from numeric.fields import grid  # noqa: E402


def samples_figure(g, path: Path) -> Path:
    """Data (held-out) beside generated samples, with the first trajectories (first two coordinates)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), sharex=True, sharey=True)
    data, samples = g.splits.held_out, g.run.samples
    axes[0].scatter(data[:, 0], data[:, 1], s=2, c="k", alpha=0.5)
    axes[0].set_title(f"data ({g.splits.name}, held-out, n = {len(data)})")
    axes[1].scatter(samples[:, 0], samples[:, 1], s=2, c="tab:blue", alpha=0.4)
    for path_ in np.transpose(g.run.trajectories, (1, 0, 2)):
        axes[1].plot(path_[:, 0], path_[:, 1], lw=0.7, c="tab:orange", alpha=0.8)
        axes[1].plot(path_[-1, 0], path_[-1, 1], "o", ms=3, c="tab:red")
    axes[1].set_title(f"generated ({g.prior} prior, {g.run.method}, NFE {g.run.nfe}), "
                      f"ED {g.metrics['energy_distance']:.3g}")
    lo, hi = np.percentile(data[:, :2], [0.5, 99.5], axis=0)
    pad = 0.3 * (hi - lo)
    axes[0].set_xlim(lo[0] - pad[0], hi[0] + pad[0])
    axes[0].set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    fig.suptitle(g.derivation.pde.canonical)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def field_figure(g, path: Path, count: int = 4, resolution: int = 60) -> Path | None:
    """log p (contours) and v (streamlines) at ``count`` log-spaced times; 2-D data only."""
    if g.field.N != 2:
        return None
    data = g.splits.train
    lo, hi = data.min(axis=0), data.max(axis=0)
    pad = 0.5 * (hi - lo)
    points, (xs, ys) = grid([(lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1])],
                            (resolution, resolution))
    times = np.exp(np.linspace(np.log(g.T), np.log(max(g.t_min, g.T * 1e-3)), count))
    fig, axes = plt.subplots(1, count, figsize=(4 * count, 4))
    for ax, tt in zip(axes, times):
        logp = g.field.log_density(points, tt).reshape(resolution, resolution)
        logp = np.maximum(logp, logp.max() - 12)  # the top 12 nats: where the mass is
        v = g.field.velocity(points, tt)
        ax.contourf(xs, ys, logp.T, levels=20, cmap="viridis")
        ax.streamplot(xs, ys, v[:, 0].reshape(resolution, resolution).T, v[:, 1].reshape(resolution, resolution).T,
                      color="w", density=0.8, linewidth=0.6)
        ax.set_title(f"log p and v at t = {tt:.3g}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
