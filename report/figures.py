"""Figures: a derivation's dispersion branches, G(r, t) profiles and C2 overlap; a generator
run's samples, trajectories, and p, v on a grid at several t.

Importing this module leaves matplotlib's backend alone (inline plots in a notebook keep working); the CLI picks
the file-only Agg backend for itself (genphys.cli.main)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from analytic.errors import PDEInputError
from analytic.pde import k, r, t
from derivations.check import sample_values
from numeric import hankel
from numeric.dispersion_scan import spectrum
from numeric.empirical import grid
from numeric.particles import systematic_resample
from numeric.lambdified import np_function, np_real_function


def _save(fig, path: Path, dpi: int = 100) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def _axes(ax, figsize, panels: int = 1, **options):
    """(figure, axes): the caller's ``ax`` (to compose figures; a sequence of ``panels`` axes for a figure of
    several), else a new figure of ``figsize``, made by pyplot (which sets up Jupyter's inline display) and taken
    out of its registry at once: Jupyter shows the returned figure once, where the inline backend would also show
    every registered figure at the end of the cell."""
    if ax is not None:
        if panels > 1 and len(ax) != panels:
            raise PDEInputError(f"ax: this figure has {panels} panels; pass {panels} axes")
        return (ax[0] if panels > 1 else ax).figure, ax
    fig, ax = plt.subplots(1, panels, figsize=figsize, **options)
    plt.close(fig)
    return fig, ax


def _done(fig, path: Path | None, dpi: int = 100):
    """The saved ``path`` (the figure closed; PNG, SVG or PDF by its suffix), or the figure itself without one."""
    return fig if path is None else _save(fig, Path(path), dpi)


def params_label(sample: dict) -> str:
    return ", ".join(f"{name} = {value:g}" for name, value in sample.items())


def dispersion_figure(d, path: Path | None = None, ax=None):
    """Im ω_j(k) of every root and the envelope E(k) = max_j Im ω_j against E(0), at the first parameter sample,
    on log k, and on symmetric-log Im ω where the rates span decades (the gap at k → 0 and both signs stay
    visible), with the k where Eq. 16 fails
    (E(k) ≥ E(0)) shaded. Boundary reading: the envelope is over the decaying roots only (the ones G keeps).
    Saved to ``path`` when given (returned); else the Figure; drawn into ``ax`` when given."""
    sample = d.samples[0] if d.samples else {}
    ks = np.logspace(-3, 2, 201)
    rows = spectrum(d.pde, d.result.mode, sample, list(ks))
    width = max(len(rates) for rates, _ in rows)
    table = np.full((len(ks), width), np.nan)
    for i, (rates, _) in enumerate(rows):
        table[i, :len(rates)] = rates
    fig, ax = _axes(ax, (5.5, 3.8))
    for j in range(width):
        ax.plot(ks, table[:, j], lw=1.2, label=f"root {j + 1} (sorted by Im ω)")
    E = np.array([np.nan if E is None else E for _, E in rows])
    ax.plot(ks, E, "k--", lw=1.5, label="envelope E(k)")
    E0 = next((sc.E0 for sc in d.result.criterion.numeric if sc.params == sample), None)
    if E0 is not None and np.isfinite(E0):
        ax.axhline(E0, color="tab:red", lw=0.8, ls=":", label=f"E(0) = {E0:.3g}")
        fails = np.isfinite(E) & (E >= E0 - 1e-12 * max(1.0, abs(E0)))
        if fails.any():
            ax.fill_between(ks, 0, 1, where=fails, color="tab:red", alpha=0.12, transform=ax.get_xaxis_transform(),
                            label="Eq. 16 fails (E(k) ≥ E(0))")
    finite = np.abs(table[np.isfinite(table)])
    finite = finite[finite > 0]
    if not finite.size or finite.max() < 1e-12:  # every rate 0 (undamped waves): rounding noise, not a scale
        ax.set_ylim(-1.0, 1.0)
        ax.set_ylabel("Im ω(k) = Re s(k)")
    elif finite.max() > 100 * np.percentile(finite, 10):  # several decades: symmetric log
        linthresh = float(np.percentile(finite, 10))
        ax.set_yscale("symlog", linthresh=linthresh)
        decades = 10.0 ** np.arange(np.ceil(np.log10(linthresh)), np.floor(np.log10(finite.max())) + 1)
        ax.set_yticks(np.concatenate([-decades[::-1], [0.0], decades]))  # none inside ±linthresh: no overlap
        ax.set_ylabel("Im ω(k) = Re s(k)  (symlog)")
    else:
        ax.set_ylabel("Im ω(k) = Re s(k)")
    ax.set_xscale("log")
    ax.set_xlabel("wavenumber k")
    ax.set_title(f"{d.result.mode} reading" + (f"; {params_label(sample)}" if sample else ""), fontsize=9)
    ax.legend(fontsize=7)
    return _done(fig, path)


def _green_profiles(d, N: int, values: dict, radii: np.ndarray, times) -> list:
    """G(r, t) at the given times: the checked closed form, else the FFTLog transform of G̃."""
    closed = d.kernels[N].G
    out = []
    for tt in times:
        if closed is not None:
            with np.errstate(divide="ignore", invalid="ignore"):  # wave fronts: 1/√(t² − r²) at r = t
                g = np_function(closed.expr.subs(values), (r, t))(radii, tt)
            out.append(np.broadcast_to(np.asarray(g, dtype=complex), radii.shape))
        else:
            prof = hankel.profile(np_function(d.green.G_hat.subs(values).subs(t, tt), (k,)), N)
            out.append(prof.at(radii))
    return out


def green_figure(d, path: Path | None = None, times=(0.3, 1.0, 3.0), ax=None):
    """G(r, t) profiles at several t, N = 2 (real part; the imaginary part dashed where G is complex). None
    without a real-space dimension; saved to ``path`` when given, else the Figure; drawn into ``ax`` when given."""
    dims = [N for N in d.kernels if isinstance(N, int)]
    if not dims:
        return None
    N = 2 if 2 in dims else dims[0]
    sample = d.samples[0] if d.samples else {}
    values = sample_values(d.pde, sample)
    radii = np.linspace(0.01, 5.0, 500)
    fig, ax = _axes(ax, (5.5, 3.8))
    try:
        profiles = _green_profiles(d, N, values, radii, times)
    except Exception as exc:  # a kernel we cannot tabulate: the figure says why, the report goes on
        profiles = []
        ax.text(0.5, 0.5, "G(r, t) could not be tabulated:\n" + textwrap.fill(str(exc)[:240], 48), ha="center",
                va="center", fontsize=8, transform=ax.transAxes)
    finite = []
    for tt, g in zip(times, profiles):
        line, = ax.plot(radii, g.real, lw=1.2, label=f"t = {tt:g}")
        finite.append(g.real[np.isfinite(g.real)])
        if np.nanmax(np.abs(g.imag)) > 1e-12 * np.nanmax(np.abs(g)):
            ax.plot(radii, g.imag, lw=1.0, ls="--", color=line.get_color(), label=f"Im, t = {tt:g}")
            finite.append(g.imag[np.isfinite(g.imag)])
    if profiles:
        values_ = np.concatenate(finite)
        lo, hi = np.percentile(values_, [1, 99]) if values_.size else (-1.0, 1.0)
        pad = 0.1 * ((hi - lo) or 1.0)
        ax.set_ylim(lo - pad, hi + pad)  # wave fronts diverge: show the bulk
        source = "closed form" if d.kernels[N].G is not None else "numeric transform (FFTLog)"
        ax.set_title(f"G(r, t), N = {N}, {source}" + (f"; {params_label(sample)}" if sample else ""), fontsize=9)
        ax.legend(fontsize=7)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("distance r")
    ax.set_ylabel("G(r, t)")
    return _done(fig, path)


def c2_figure(d, path: Path | None = None, ax=None):
    """C2: 1 − F(T), the overlap deficit of the priors of two data points at distance 1, on log–log axes per N and
    parameter sample, each beside the predicted T^(−2/α) (dotted, through its last point). A line falling at the
    predicted slope is C2 holding; a flat one is a prior that remembers its data. None when C2 was not
    evaluated; saved to ``path`` when given, else the Figure; drawn into ``ax`` when given."""
    if not d.c2:
        return None
    fig, ax = _axes(ax, (5.5, 3.8))
    for c in d.c2:
        T, gap = np.asarray(c.T, float), 1.0 - np.asarray(c.F, float)
        shown = gap > 0
        label = f"N = {c.N}" + (f", {params_label(c.params)}" if c.params else "")
        if not shown.any():
            ax.plot([], [], "o-", label=f"{label}: F = 1 at every T")
            continue
        line, = ax.plot(T[shown], gap[shown], "o-", ms=3, lw=1.0,
                        label=label + ("" if c.slope is None else f" (slope {c.slope:.2f})"))
        if c.predicted is not None:
            T_end, g_end = T[shown][-1], gap[shown][-1]
            ax.plot(T, g_end * (T / T_end) ** c.predicted, ls=":", lw=1.0, color=line.get_color(),
                    label=f"predicted T^{c.predicted:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    low = min((g for c in d.c2 for g in 1.0 - np.asarray(c.F, float) if g > 0), default=1.0)
    ax.set_ylim(min(low / 2, 1e-3), 2.0)  # at least three decades: a flat line reads as flat
    ax.set_xlabel("prior time T")
    ax.set_ylabel("1 − F(T)")
    ax.set_title("C2: the priors of two data points at distance 1 (0 = forgotten)", fontsize=9)
    ax.legend(fontsize=6)
    return _done(fig, path)


def samples_figure(g, path: Path | None = None, ax=None):
    """Data (held-out) beside generated samples, with a few lineages (first two coordinates): a dot where one
    ends at t_min, a cross where it died in resampling (branching PDEs). Two panels (``ax``: two axes); saved to
    ``path`` when given, else the Figure."""
    data, samples = g.splits.held_out, g.run.samples
    if g.branching:  # weighted particles are shown as the metrics see them: resampled by weight
        samples = samples[systematic_resample(g.run.weights, np.random.default_rng(0))]
    if data.shape[1] == 1:
        return _samples_1d(g, data[:, 0], samples[:, 0], path, ax)
    fig, axes = _axes(ax, (10, 4.6), 2, sharex=True, sharey=True)
    axes[0].scatter(data[:, 0], data[:, 1], s=2, c="k", alpha=0.5)
    axes[0].set_title(f"data ({g.splits.name}, held-out, n = {len(data)})")
    axes[1].scatter(samples[:, 0], samples[:, 1], s=2, c="tab:blue", alpha=0.4)
    for path_ in np.transpose(g.run.trajectories, (1, 0, 2)):  # lineages; NaN once one dies in resampling
        alive = np.all(np.isfinite(path_), axis=1)
        end = path_[np.nonzero(alive)[0][-1]]
        axes[1].plot(path_[:, 0], path_[:, 1], lw=0.7, c="tab:orange", alpha=0.8)
        axes[1].plot(end[0], end[1], "o" if alive[-1] else "x", ms=3 if alive[-1] else 5,
                     c="tab:red" if alive[-1] else "k")
    axes[1].set_title(f"generated ({g.prior} prior, {g.run.method}, NFE {g.run.nfe}), "
                      f"test p = {g.metrics['test']['p_value']:.3g}")
    lo, hi = np.percentile(data[:, :2], [0.5, 99.5], axis=0)
    pad = 0.3 * (hi - lo)
    for panel in axes:
        panel.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        panel.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
        panel.set_aspect("equal", adjustable="box")
        panel.set_xlabel("$x_1$")
    axes[0].set_ylabel("$x_2$")
    fig.suptitle(g.derivation.pde.canonical)
    return _done(fig, path, dpi=110)


def _samples_1d(g, data: np.ndarray, samples: np.ndarray, path: Path | None, ax):
    """1-D data: the two histograms on common bins, and the lineages against log t."""
    fig, axes = _axes(ax, (10, 4.2), 2)
    edges = np.histogram_bin_edges(data, bins=40)
    axes[0].hist(data, bins=edges, density=True, alpha=0.5, color="k", label=f"data (held-out, n = {len(data)})")
    axes[0].hist(samples[np.isfinite(samples)], bins=edges, density=True, alpha=0.5, color="tab:blue",
                 label=f"generated, test p = {g.metrics['test']['p_value']:.3g}")
    axes[0].set_xlabel("x")
    axes[0].legend(fontsize=7)
    log_t = np.log10(g.run.times)
    for path_ in g.run.trajectories.transpose(1, 0, 2):
        axes[1].plot(log_t, path_[:, 0], lw=0.7, c="tab:orange", alpha=0.8)
    axes[1].set_xlabel("$\\log_{10} t$ (generation runs right to left)")
    axes[1].set_ylabel("x")
    fig.suptitle(g.derivation.pde.canonical)
    return _done(fig, path, dpi=110)


def field_figure(g, path: Path | None = None, count: int = 4, resolution: int = 60, stride: int = 4, ax=None):
    """log p (filled contours, with a colorbar) and the direction of v (unit arrows) at ``count`` log-spaced times,
    on equal axes; 2-D data only (else None). ``ax``: ``count`` axes; saved to ``path`` when given, else the
    Figure."""
    if g.field.N != 2:
        return None
    data = g.splits.train
    lo, hi = data.min(axis=0), data.max(axis=0)
    pad = 0.5 * (hi - lo)
    points, (xs, ys) = grid([(lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1])],
                            (resolution, resolution))
    times = np.exp(np.linspace(np.log(g.T), np.log(max(g.t_min, g.T * 1e-3)), count))
    fig, axes = _axes(ax, (4.4 * count, 4), count)
    for ax, tt in zip(np.atleast_1d(axes), times):
        logp = g.field.log_density(points, tt).reshape(resolution, resolution)
        logp = np.maximum(logp, logp.max() - 12)  # the top 12 nats: where the mass is
        v = g.field.velocity(points, tt)
        filled = ax.contourf(xs, ys, logp.T, levels=20, cmap="viridis")
        fig.colorbar(filled, ax=ax, shrink=0.8, label="log p")
        # v's direction as unit arrows on every `stride`-th grid point (cheaper than a streamplot)
        vx, vy = (v[:, i].reshape(resolution, resolution)[::stride, ::stride].T for i in (0, 1))
        speed = np.hypot(vx, vy)
        with np.errstate(invalid="ignore", divide="ignore"):
            ax.quiver(xs[::stride], ys[::stride], vx / speed, vy / speed, color="w", pivot="mid",
                      scale=1.6 * len(xs[::stride]), width=0.004)
        ax.set_title(f"log p and v/|v| at t = {tt:.3g}", fontsize=9)
        ax.set_aspect("equal")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    return _done(fig, path, dpi=90)


def sweep_figure(points: list[dict], names: list[str], condition, path: Path | None = None, title: str = "",
                 ax=None):
    """The phase diagram of a sweep: each point's verdict ("holds" true / false / undecided), with the region
    where the symbolic condition holds shaded (1 parameter) or outlined (2); None for more than 2 parameters.
    Saved to ``path`` when given (returned), else the Figure; drawn into ``ax`` when given."""
    if not 1 <= len(names) <= 2 or not points:
        return None
    colour = {True: "tab:green", False: "tab:red", None: "tab:gray"}
    label = {True: "holds", False: "fails", None: "undecided"}
    values = np.array([[p["values"][n] for n in names] for p in points], float)
    verdict = [p["holds"] for p in points]
    region = _condition_function(condition, names)
    fig, ax = _axes(ax, (7, 2.6 if len(names) == 1 else 5.5))
    lo, hi = values.min(axis=0), values.max(axis=0)
    fine = [np.linspace(a, b, 400) for a, b in zip(lo, hi)]
    if len(names) == 1:
        y = np.zeros(len(values))
        if region is not None:
            inside = region(fine[0])
            ax.fill_between(fine[0], -1, 1, where=inside, color="tab:green", alpha=0.12, step="mid",
                            label="symbolic condition holds")
        for v in (True, False, None):
            sel = [h is v for h in verdict]
            if any(sel):
                ax.scatter(values[sel, 0], y[sel], c=colour[v], s=18, label=label[v], zorder=3)
        ax.set_yticks([])
        ax.set_ylim(-1, 1)
        ax.set_xlabel(names[0])
    else:
        for v in (True, False, None):
            sel = [h is v for h in verdict]
            if any(sel):
                ax.scatter(values[sel, 0], values[sel, 1], c=colour[v], s=14, marker="s", label=label[v])
        if region is not None:
            A, B = np.meshgrid(*fine, indexing="ij")
            inside = region(A, B).astype(float)
            if 0 < inside.mean() < 1:
                ax.contour(A, B, inside, levels=[0.5], colors="k", linewidths=1.2)
                ax.plot([], [], c="k", lw=1.2, label="symbolic boundary")
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _done(fig, path, dpi=110)


def _condition_function(condition, names: list[str]):
    """A vectorised True/False of the symbolic condition in the swept parameters, or None (no condition, or one
    in other symbols). Parameter symbols are replaced by dummies first: no user name is printed into code."""
    import sympy as sp

    if condition is None or condition in (sp.true, sp.false):
        return None
    symbols = {s.name: s for s in condition.free_symbols}
    if set(symbols) - set(names):
        return None
    dummies = tuple(sp.Dummy() for _ in names)
    expr = condition.xreplace({symbols[n]: d for n, d in zip(names, dummies) if n in symbols})
    evaluate = np_real_function([expr], dummies)
    return lambda *values: evaluate(*values)[0] > 0.5  # the seam gives floats: 1.0 where the condition holds
