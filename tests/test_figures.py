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
