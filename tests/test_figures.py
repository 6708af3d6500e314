"""Figures a user can compose (ax=, a Figure back, PNG/SVG/PDF) that show what the text argues."""

import matplotlib

matplotlib.use("Agg")  # a test process, not a notebook

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

import genphys
from report.figures import c2_figure, dispersion_figure, green_figure


@pytest.fixture(scope="module")
def heat():
    return genphys.derive(genphys.parse("phi_t - lap(phi)"), dim=2)


@pytest.fixture(scope="module")
def wave():
    return genphys.derive(genphys.parse("phi_tt - lap(phi)"), dim=2)


def _labels(ax):
    return [h.get_label() for h in ax.get_legend_handles_labels()[0]]


def test_figures_compose_into_the_callers_axes_and_return_a_figure_without_a_path(heat):
    fig, axes = plt.subplots(1, 3)
    for draw, ax in zip((dispersion_figure, green_figure, c2_figure), axes):
        assert draw(heat, ax=ax) is fig and ax.has_data()
    assert isinstance(dispersion_figure(heat), Figure)
    plt.close("all")


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_the_suffix_picks_the_format(heat, tmp_path, suffix, magic):
    path = dispersion_figure(heat, tmp_path / f"d{suffix}")
    assert path.read_bytes().startswith(magic)


def test_the_dispersion_figure_shades_where_eq16_fails_and_only_there(heat, wave):
    assert not any("fails" in label for label in _labels(dispersion_figure(heat).axes[0]))
    assert any("fails" in label for label in _labels(dispersion_figure(wave).axes[0]))  # E(k) = E(0) = 0
    plt.close("all")


def test_c2_is_drawn_on_log_log_beside_its_predicted_slope(heat):
    ax = c2_figure(heat).axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert any(label.startswith("predicted T^-1.00") for label in _labels(ax))  # heat: α = 2, 1 − F ∝ 1/T
    plt.close("all")


def test_run_figures_compose_and_plot_dispatches_on_the_result(heat):
    """The generator run's figures take axes too (samples: two, field: one per time, each with its colorbar, on
    equal axes); genphys.plot draws any result by kind and refuses a kind the result has not."""
    g = genphys.generate(heat, genphys.dataset("moons", 200, seed=0), n_samples=100, steps=8, seed=1)
    fig, axes = plt.subplots(1, 2)
    assert genphys.plot(g, "samples", ax=axes) is fig and all(a.has_data() for a in axes)
    field = genphys.plot(g, "field")
    panels = [a for a in field.axes if a.get_label() != "<colorbar>"]
    assert len(panels) == 4 and len(field.axes) == 8 and all(a.get_aspect() == 1.0 for a in panels)
    assert isinstance(genphys.plot(heat), Figure) and genphys.plot(heat, "c2").axes[0].get_yscale() == "log"
    with pytest.raises(genphys.PDEInputError, match="not one of samples, field"):
        genphys.plot(g, "c2")
    with pytest.raises(genphys.PDEInputError, match="pass 2 axes"):
        genphys.plot(g, "samples", ax=axes[:1])
    with pytest.raises(TypeError, match="Derivation or a Generation"):
        genphys.plot(heat.result)
    plt.close("all")


def test_sweep_figure_draws_into_the_callers_axes():
    import sympy as sp

    from report.figures import sweep_figure

    a = sp.Symbol("a")
    points = [{"values": {"a": v}, "holds": v > 0} for v in (-1.0, -0.5, 0.5, 1.0)]
    fig, ax = plt.subplots()
    assert sweep_figure(points, ["a"], a > 0, ax=ax, title="a > 0") is fig and len(ax.collections) >= 2
    plt.close("all")
