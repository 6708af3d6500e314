"""GenPhys Workbench: can this linear PDE generate data? (Liu, Luo, Xu, Jaakkola, Tegmark, GenPhys)

Public API (ARCHITECTURE.md, Contracts):
    pde = genphys.parse("phi_t - lap(phi)", params={"eps": "positive"})
    result = genphys.check(pde)            # dispersion branches + Eq. 16 with evidence
    d = genphys.derive(pde, dim=2)         # + Green's function, density flow (p, v, R), C1, C2
    f = genphys.field(d, data)             # empirical field: f.density / log_density / velocity / rate (x, t)

Stochastic side (Yu & Huang; the `genphys thermo` commands):
    sde = genphys.parse_sde("dX = -X dt + sqrt(2) dW")     # or "ou", "vp", "ve"
    data = genphys.GaussianMixture.load("mix.json")        # or thermo.paper_mixture(mu, sigma2, d)
    proc = genphys.thermo.process(sde, data)               # the linear class with f, Ξ checked
    genphys.thermo.rates(proc, data, [0.1, 1.0])           # π, φ, dS/dt, S and the reversal's
    genphys.thermo.speciation(proc, data); genphys.thermo.trajectories(proc, data, T=10, dt=0.01, n=10_000)

Driven systems (Beyond Equilibrium; the `genphys landscape` commands):
    cp = genphys.driven.compiled("cos(5*atan2(y, x) - pi/2*t) + 10*(sqrt(x**2 + y**2) - 1/2)**2", beta=10)
    x0 = genphys.driven.initial_points("uniform:-1,1", 2000, 2, rng)
    snap, run = genphys.driven.simulate_snapshots(cp, x0, 10, T=20, record=0.02, step=1e-3, integrator="em", rng=rng)
    genphys.driven.compare(snap, cp, 10, [0.1, 1, 5, 20], [np.linspace(-1.5, 1.5, 31)] * 2).rows
    genphys.driven.thermodynamics(run, cp, 10)            # work, heat, medium entropy, Jarzynski
"""

from analytic.errors import (
    BudgetExceeded,
    GenphysError,
    NonlinearTermError,
    NotSupportedError,
    PDEInputError,
    PDESyntaxError,
    UnsafeInputError,
    VariableCoefficientError,
)
from analytic.grammar import parse
from analytic.outcome import Generative, GeneratorOutcome, Holds
from analytic.pde import LinearPDE, Parameter
from analytic.sde import SDE, derived_checks
from analytic.sde_grammar import parse_sde
from derivations.catalog import CATALOG, entry
from derivations.check import CheckResult, check
from derivations.derive import Derivation, derive
from derivations.fields import field
from derivations import driven, thermo
from numeric.mixture import GaussianMixture

__all__ = [
    "parse", "check", "derive", "Derivation", "field", "LinearPDE", "Parameter", "CheckResult", "CATALOG", "entry",
    "GenphysError", "PDEInputError", "PDESyntaxError", "NonlinearTermError", "VariableCoefficientError",
    "UnsafeInputError", "NotSupportedError", "BudgetExceeded", "Holds", "Generative", "GeneratorOutcome",
    "parse_sde", "SDE", "derived_checks", "GaussianMixture", "thermo", "driven",
]
