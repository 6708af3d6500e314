"""Driven systems (issue 16): the integrators' weak order, the work and Jarzynski's equality on traps with known
free energies, the period finder, basins, the comparison's JSD against scipy on fixed bins, the learned-free
generator within its floor (and a blurred one outside), the paper's claims, and the `landscape compare` CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.spatial.distance import jensenshannon

from analytic.errors import PDEInputError
from derivations import driven
from derivations.driven import compare, compiled, histogram_energy, initial_points, thermodynamics
from genphys.cli import main
from numeric.langevin import BoltzmannGrid, period, simulate
from numeric.metrics import histogram_jsd

WELL = "(x**2 - 1)**2 + y**2/2"


@pytest.mark.parametrize("integrator", ["em", "lm"])
def test_weak_order_one_on_a_driven_trap(integrator):
    """V = 4(x − sin t)²/2: the error of E[X_T] against the closed form by quadrature halves with the step (weak
    order 1 at a finite time, for both schemes), well above the Monte Carlo error."""
    kappa, beta, T, m0 = 4.0, 256.0, 2.0, 1.0  # the mean's bias does not depend on β; its Monte Carlo error does
    cp = compiled("2*(x - sin(t))**2", beta=beta)
    exact = m0 * math.exp(-kappa * T) + kappa * quad(lambda s: math.exp(-kappa * (T - s)) * math.sin(s), 0, T)[0]
    errors = []
    for h in (0.05, 0.025, 0.0125):
        rng = np.random.default_rng(5)
        run = simulate(cp, np.full((400_000, 1), m0), beta, T, T, h, integrator, rng, work=False)
        x = run.snapshots[-1, :, 0]
        errors.append((x.mean() - exact, x.std() / math.sqrt(len(x))))
    (e1, se), (e2, _), (e3, _) = errors
    assert abs(e3) > 8 * se  # the bias is resolved at the finest step
    for coarse, fine in ((e1, e2), (e2, e3)):
        assert 1.6 < coarse / fine < 2.5, errors


def test_jarzynski_on_a_stiffening_trap():
    """V = (1 + t) x²/2 from equilibrium: ΔF = ln(k(T)/k(0))/(2β) (closed form) is what the grid gives, and
    ⟨e^{−βW}⟩ = e^{−βΔF} within 3 standard errors while ⟨W⟩ > ΔF (the second law); the controls: the same run
    started out of equilibrium breaks the equality, and e^{−β⟨W⟩} is far from e^{−βΔF}."""
    beta, T = 2.0, 1.0
    cp = compiled("(1 + t)*x**2/2", beta=beta)
    dF = math.log(2.0) / (2 * beta)
    grid = [BoltzmannGrid(cp, beta, tt, [np.linspace(-5, 5, 31)]).free_energy for tt in (0.0, T)]
    assert abs(grid[1] - grid[0] - dF) < 1e-6
    rng = np.random.default_rng(6)
    x0 = initial_points("boltzmann:-5,5", 40_000, 1, rng, cp, beta)
    run = simulate(cp, x0, beta, T, 0.1, 1e-3, "em", rng)
    th = thermodynamics(run, cp, beta, (-5.0, 5.0))
    last = th["rows"][-1]
    assert abs(last["delta_F"] - dF) < 1e-6 and last["jarzynski_checked"]
    assert abs(last["jarzynski_mean"] - math.exp(-beta * dF)) < 3 * last["jarzynski_se"]
    assert th["jarzynski"]["holds"] and th["second_law"]
    assert last["work"] - dF > 10 * last["work_se"]
    assert abs(math.exp(-beta * last["work"]) - math.exp(-beta * dF)) > 10 * last["jarzynski_se"]
    off = simulate(cp, rng.uniform(-0.2, 0.2, (40_000, 1)), beta, T, 0.1, 1e-3, "em", rng)
    W = off.work[-1]
    assert abs(np.exp(-beta * W).mean() - math.exp(-beta * dF)) > 10 * np.exp(-beta * W).std() / math.sqrt(len(W))
    # the first law holds by construction of the heat: W − Q = ΔV
    V = np.stack([cp.V(x, tt) for x, tt in zip(run.snapshots, run.times)])
    assert np.allclose(run.work - run.heat(cp), V - V[0])


def test_dragged_trap_power_and_no_free_energy_change():
    """V = (x − vt)²/2 dragged at v from equilibrium: ΔF = 0 and ⟨e^{−βW}⟩ = 1; in the steady state the
    power is v² (the drag force v times the speed v), so β·power is the entropy production rate βv²."""
    beta, v = 1.0, 0.5
    cp = compiled("(x - v*t)**2/2", {"v": "real"}, {"v": v}, beta=beta)
    rng = np.random.default_rng(7)
    x0 = initial_points("boltzmann:-5,5", 40_000, 1, rng, cp, beta)
    run = simulate(cp, x0, beta, 12.0, 0.5, 2e-3, "em", rng)
    th = thermodynamics(run, cp, beta, (-5.0, 5.0), points=25)
    first = [r for r in th["rows"] if r.get("jarzynski_checked")][0]
    assert abs(first["delta_F"]) < 1e-9 and abs(first["jarzynski_mean"] - 1) < 3 * first["jarzynski_se"]
    assert abs(th["power"] - v * v) < 3 * th["power_se"] + 0.01, th["power"]
    assert abs(th["entropy_production_rate"] - beta * v * v) < 3 * th["entropy_production_rate_se"] + 0.01


def test_period_finder():
    rng = np.random.default_rng(8)
    assert abs(period(compiled("cos(2*atan2(y, x) - t) + (x**2 + y**2 - 1)**2"), (-1, 1), 10, rng) - 2 * math.pi) \
        < 1e-6
    assert abs(period(compiled("cos(5*atan2(y, x) - pi/2*t) + x**2 + y**2"), (-1, 1), 10, rng) - 4) < 1e-6
    assert period(compiled(WELL), (-1, 1), 10, rng) == 0.0
    assert period(compiled("t*x**2 + y**2"), (-1, 1), 10, rng) is None  # the control: not periodic
    # a drive faster than the scan's spacing: the first match is a multiple, divided back to the period
    assert abs(period(compiled("cos(x - 300*t) + y**2"), (-1, 1), 10, rng) - 2 * math.pi / 300) < 1e-8


def test_second_law_only_from_equilibrium_and_divergence_named():
    """⟨W⟩ ≥ ΔF is checked only from an equilibrium start (from a uniform start ⟨W⟩ < 0 = ΔF is no violation);
    an unstable step says it diverged, not that V is singular; an unresolved Boltzmann grid is refused."""
    cp = compiled("x**4 - t*x**2", beta=1.0)
    rng = np.random.default_rng(13)
    run = simulate(cp, rng.uniform(-1, 1, (500, 1)), 1.0, 1.0, 0.1, 1e-3, "em", rng)
    assert thermodynamics(run, cp, 1.0)["second_law"] is None
    run = simulate(cp, initial_points("boltzmann:-2,2", 2000, 1, rng, cp, 1.0), 1.0, 1.0, 0.1, 1e-3, "em", rng)
    assert thermodynamics(run, cp, 1.0, (-2.0, 2.0))["second_law"] is True
    with pytest.raises(PDEInputError, match="diverged"):
        simulate(compiled("x**4"), rng.uniform(-30, 30, (50, 1)), 1.0, 1.0, 0.1, 0.1, "em", rng)
    with pytest.raises(PDEInputError, match="does not resolve"):
        initial_points("boltzmann:0,1e6", 10, 1, rng, compiled("x**2"), 10.0)


def test_basins_of_a_double_well():
    cp = compiled(WELL, beta=3.0)
    grid = BoltzmannGrid(cp, 3.0, 0.0, [np.linspace(-2, 2, 21)] * 2)
    minima, labels = grid.basins()
    assert np.allclose(np.abs(minima), [[1, 0], [1, 0]], atol=0.02) and set(np.unique(labels)) == {0, 1}
    x = grid.sample(20_000, np.random.default_rng(9))
    fractions, other = grid.basin_fractions(x, labels, 2)
    assert all(abs(f - 0.5) < 0.02 for f in fractions) and abs(sum(fractions) + other - 1) < 1e-12
    assert grid.basin_fractions(np.array([[1.0, 0.0], [5.0, 5.0]]), labels, 2)[1] == 0.5  # off the grid: other


@pytest.fixture(scope="module")
def static_run():
    """A static double well run to equilibrium: every snapshot is a draw of its Boltzmann law."""
    cp = compiled(WELL, beta=2.0)
    rng = np.random.default_rng(10)
    snap, _ = driven.simulate_snapshots(cp, rng.uniform(-1.5, 1.5, (4000, 2)), 2.0, 6.0, 1.0, 2e-3, "lm", rng)
    return cp, snap


def test_comparison_rows_and_floors(static_run):
    cp, snap = static_run
    edges = [np.linspace(-2, 2, 13), np.linspace(-2.5, 2.5, 13)]
    result = compare(snap, cp, 2.0, [6.0], edges, seed=0)
    rows = {r["method"]: r for r in result.rows}
    assert set(rows) == set(driven.METHODS)
    assert {"t", "method", "jsd", "jsd_noise_floor", "energy_distance", "basins"} <= set(rows["diffusion"])
    # JSD against scipy on the same fixed bins (plus overflow bins)
    test = result.samples[(6.0, "truth")]
    bins = [np.concatenate([[-np.inf], e, [np.inf]]) for e in edges]
    for method, row in rows.items():
        p = np.histogramdd(result.samples[(6.0, method)], bins=bins)[0].ravel()
        q = np.histogramdd(test, bins=bins)[0].ravel()
        assert abs(row["jsd"] - jensenshannon(p / p.sum(), q / q.sum()) ** 2) < 1e-12
    # at equilibrium every method is within about its floor; the learned-free diffusion generator reproduces the
    # snapshot within the resampling floor's spread, a blurred copy of it does not (the control)
    boots = [histogram_jsd(snap.train[-1][np.random.default_rng(s).integers(0, 2000, 2000)], test,
                                          bins) for s in range(20)]
    assert rows["diffusion"]["jsd"] < 1.2 * max(boots)
    assert rows["boltzmann_exact"]["jsd"] < 2 * rows["boltzmann_exact"]["jsd_noise_floor"]
    blurred = result.samples[(6.0, "diffusion")] + np.random.default_rng(11).normal(0, 0.4, (2000, 2))
    assert histogram_jsd(blurred, test, bins) > 2 * max(boots), (histogram_jsd(blurred, test, bins), boots)
    assert all(abs(f - 0.5) < 0.05 for f in rows["diffusion"]["basins_truth"])


def test_histogram_energy_is_its_own_boltzmann_law(static_run):
    """The paper's equilibrium method, learned-free: e^{−βV̂}/Z with V̂ = −β⁻¹ ln(frequencies) is the histogram."""
    _, snap = static_run
    edges = [np.linspace(-2, 2, 11)] * 2
    energy = histogram_energy(snap.train[-1], edges, 2.0)
    w = np.exp(-2.0 * energy)
    counts = np.histogramdd(snap.train[-1], bins=edges)[0]
    assert np.allclose(w / w.sum(), counts / counts.sum(), atol=1e-14)
    x = driven.histogram_boltzmann_sample(energy, edges, 2.0, 200_000, np.random.default_rng(12))
    freq = np.histogramdd(x, bins=edges)[0] / len(x)
    assert np.abs(freq - counts / counts.sum()).max() < 5e-3


def test_comparison_refuses_bad_input(static_run):
    cp, snap = static_run
    with pytest.raises(PDEInputError, match="cover only"):
        compare(snap, cp, 2.0, [6.0], [np.linspace(0, 2, 11)] * 2)
    with pytest.raises(PDEInputError, match="outside the run"):
        compare(snap, cp, 2.0, [7.5], [np.linspace(-2, 2, 11)] * 2)
    with pytest.raises(PDEInputError, match="unknown method"):
        compare(snap, cp, 2.0, [6.0], [np.linspace(-2, 2, 11)] * 2, methods=("gan",))


@pytest.mark.slow
def test_paper_claims_carry_their_reasons():
    from derivations.driven_claims import CLAIMS

    found = {c.key: c.finding for c in CLAIMS}
    assert found["eq30-well"].agree is False and "cone" in found["eq30-well"].reason
    assert found["period"].agree is False and "τ = 4.000000" in found["period"].ours
    assert found["wells"].agree is True and found["step"].agree is None
    assert found["nonequilibrium"].agree is True
    for c in CLAIMS:
        assert (c.finding.agree is True) == (c.finding.reason == ""), c.key


def test_landscape_compare_cli(capsys, tmp_path):
    run_dir = tmp_path / "run"
    assert main(["landscape", "simulate", "cos(2*atan2(y, x) - t) + 4*(x**2 + y**2 - 1)**2", "--beta", "4",
                 "--init", "boltzmann:-1.6,1.6", "--n", "1000", "--T", "1", "--record", "0.5", "--step", "1e-3",
                 "--out", str(run_dir), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["thermodynamics"]["jarzynski"]["applies"] and "work_test" in np.load(run_dir / "snapshots.npz")
    assert main(["landscape", "compare", str(run_dir), "--times", "0.5,1", "--bins", "-1.6,1.6,16",
                 "--methods", "boltzmann_exact,diffusion", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(r["t"], r["method"]) for r in doc["rows"]] == [(0.5, "boltzmann_exact"), (0.5, "diffusion"),
                                                           (1.0, "boltzmann_exact"), (1.0, "diffusion")]
    assert json.loads((run_dir / "compare" / "compare.json").read_text())["rows"] == doc["rows"]
    assert {p.rsplit("/", 1)[-1] for p in doc["figures"]} == {"jsd.png", "basins.png", "landscape_t0.5.png",
                                                               "landscape_t1.png"}
    for argv, match in [(["compare", str(tmp_path)], "not a `genphys landscape simulate` folder"),
                        (["compare", str(run_dir), "--bins", "0,1,4"], "cover only"),
                        (["compare", str(run_dir), "--methods", "gan"], "unknown method"),
                        (["simulate", "x**2", "--init", "boltzmann:1,0"], "HIGH > LOW")]:
        assert main(["landscape", *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error:") and len(err.strip().splitlines()) == 1 and match in err, err
