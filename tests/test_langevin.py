"""Driven overdamped Langevin dynamics (issue 16, first part): the potential grammar, the compiled force, the
integrators' invariant laws against closed forms, the stationary law against the Boltzmann law."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from analytic.errors import PDEInputError
from analytic.sde import derived_checks
from analytic.sde_grammar import parse_potential
from numeric.langevin import CompiledPotential, boltzmann_bins, simulate

ROTATING = "cos(2*atan2(y, x) - t) + (x**2 + y**2 - 1)**2"


def test_force_and_hessian_against_finite_differences():
    cp = CompiledPotential(parse_potential(ROTATING))
    x = np.random.default_rng(0).uniform(-1.5, 1.5, (20, 2))
    h, E = 1e-6, np.eye(2)
    for tt in (0.0, 1.3):
        fd = -np.stack([(cp.V(x + h * E[i], tt) - cp.V(x - h * E[i], tt)) / (2 * h) for i in range(2)], axis=1)
        assert np.allclose(cp.force(x, tt), fd, atol=1e-6)
    assert all(c.holds for c in derived_checks(parse_potential(ROTATING).sde(10)))


def test_potential_grammar_refusals():
    for bad, match in [("x dt", "syntax"), ("__import__('os')", "unknown function"), ("exp(dW)", "dt or dW"),
                       ("x.real", "attribute")]:
        with pytest.raises(PDEInputError, match=match):
            parse_potential(bad)
    assert len(parse_potential("x**2").variables) == 1 and len(parse_potential("x**2", dim=3).variables) == 3
    with pytest.raises(PDEInputError, match="--dim"):
        parse_potential("y**2", dim=1)


@pytest.mark.parametrize("integrator, expected", [
    ("em", lambda k, h, beta: 1 / (beta * k * (1 - h * k / 2))),  # Euler–Maruyama's invariant variance
    ("lm", lambda k, h, beta: 1 / (beta * k)),                    # Leimkuhler–Matthews: exact for a harmonic well
])
def test_invariant_variance_of_the_integrators(integrator, expected):
    """V = k x²/2 with a coarse step h = 0.2/k: the recorded variance matches each scheme's closed form
    (EM's 1/(βk(1 − hk/2)) is 11 % off the truth here, LM's is exact), within the Monte Carlo error."""
    k, beta, h = 2.0, 1.5, 0.1
    well = parse_potential("kappa*x**2/2")
    cp = CompiledPotential(well, {well.parameters[0].symbol: k})
    rng = np.random.default_rng(1)
    run = simulate(cp, rng.normal(0, 1, (20_000, 1)), beta, 20.0, 5.0, h, integrator, rng)
    tail = run.snapshots[1:, :, 0]  # 4 records after the first 5 time units (relaxation time 1/k)
    var, se = tail.var(), tail.var() * math.sqrt(2 / tail.size) * 2
    assert abs(var - expected(k, h, beta)) < 4 * se
    other = expected if integrator == "lm" else (lambda k, h, beta: 1 / (beta * k))
    if integrator == "em":  # the control: EM is measurably not exact at this step
        assert abs(var - other(k, h, beta)) > 4 * se


def test_stationary_law_is_boltzmann():
    """A static double well: the simulated histogram's JSD to the Boltzmann bin masses is within the finite-sample
    floor (the JSD of an exact Boltzmann sample of the same size), on fixed bins."""
    cp = CompiledPotential(parse_potential("(x**2 - 1)**2 + y**2/2"))
    beta, n = 2.0, 20_000
    rng = np.random.default_rng(2)
    run = simulate(cp, rng.uniform(-1.5, 1.5, (n, 2)), beta, 10.0, 10.0, 2e-3, "lm", rng)
    edges = [np.linspace(-2, 2, 21), np.linspace(-2.5, 2.5, 21)]
    masses, outside = boltzmann_bins(cp, beta, 0.0, edges)
    assert outside < 1e-3
    hist = np.histogram2d(*run.snapshots[-1].T, bins=edges)[0] / n
    floor_samples = rng.choice(masses.size, size=(20, n), p=(masses / masses.sum()).ravel())
    floors = [jensenshannon(np.bincount(s, minlength=masses.size) / n, masses.ravel()) ** 2 for s in floor_samples]
    jsd = jensenshannon(hist.ravel(), masses.ravel()) ** 2
    assert jsd < np.quantile(floors, 0.99) * 1.5, (jsd, np.quantile(floors, [0.5, 0.99]))
    # the control: a wrong temperature is far outside the floor
    wrong, _ = boltzmann_bins(cp, 1.0, 0.0, edges)
    assert jensenshannon(hist.ravel(), wrong.ravel()) ** 2 > 10 * max(floors)


def test_stiffness_notes_say_what_helps(caplog):
    """A step too large for the Hessian is told to shrink; a Hessian that is not finite where particles start (the
    cone √(x² + y²) at its tip) is told that no step is stable there, not to shrink the step."""
    import logging

    rng = np.random.default_rng(4)
    with caplog.at_level(logging.INFO, logger="genphys"):
        simulate(CompiledPotential(parse_potential("50*(x**2 + y**2)")), rng.normal(size=(20, 2)), 1.0, 0.1, 0.05,
                 0.05, "em", rng)
    assert "use a smaller step" in caplog.text and "not finite" not in caplog.text
    caplog.clear()
    cone = np.vstack([np.zeros((1, 2)), rng.normal(size=(19, 2))])
    with caplog.at_level(logging.INFO, logger="genphys"):
        try:
            simulate(CompiledPotential(parse_potential("sqrt(x**2 + y**2)")), cone, 1.0, 0.1, 0.05, 0.05, "em", rng)
        except PDEInputError:
            pass  # the force is not finite at the tip either: refused, after the note
    assert "no step size is stable there" in caplog.text and "use a smaller step" not in caplog.text


def test_bad_runs_are_refused():
    cp = CompiledPotential(parse_potential(ROTATING))
    rng = np.random.default_rng(3)
    x0 = np.zeros((10, 2))  # atan2 is singular at the origin
    with pytest.raises(PDEInputError, match="not finite at 10 particle"):
        simulate(cp, x0, 10.0, 1.0, 0.1, 0.01, "em", rng)
    ok = rng.uniform(0.5, 1, (10, 2))
    with pytest.raises(PDEInputError, match="not a multiple"):
        simulate(cp, ok, 10.0, 1.0, 0.1, 0.03, "em", rng)
    with pytest.raises(PDEInputError, match="beta"):
        simulate(cp, ok, -1.0, 1.0, 0.1, 0.01, "em", rng)
