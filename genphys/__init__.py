"""GenPhys Workbench: can this linear PDE generate data? (Liu, Luo, Xu, Jaakkola, Tegmark, GenPhys)

The whole public API is here (every example below runs in the tests, tests/test_api.py):

>>> import numpy as np, genphys
>>> pde = genphys.parse("phi_t - eps*lap(phi)", assumptions={"eps": "positive"})
>>> result = genphys.check(pde)                  # dispersion branches + Eq. 16 with evidence
>>> result.criterion.holds
<Holds.YES: 'yes'>
>>> d = genphys.derive(genphys.parse("phi_t - lap(phi)"), dim=2)   # + G, density flow (p, v, R), C1, C2
>>> str(d.generative)
's-generative'
>>> data = genphys.dataset("moons", 400, seed=0)
>>> f = genphys.field(d, data)                   # the exact empirical field: density, velocity, rate at (x, t)
>>> f.velocity(np.zeros((3, 2)), 0.5).shape
(3, 2)
>>> g = genphys.generate(d, data, n_samples=300, steps=20, seed=1)   # the learned-free generator, scored
>>> g.run.samples.shape, genphys.outcome(g).value
((300, 2), 'reproduced')
>>> genphys.score(g.run.samples, data[:100]).reproduced   # the two-sample test on any two sample sets
True

Figures take ``ax=`` to draw into your axes, save to a path (PNG, SVG or PDF by its suffix), or return the Figure
(inline in Jupyter):

>>> genphys.dispersion_figure(d)                 # Im ω(k) of each root, the envelope E(k) and E(0)
<Figure size 550x380 with 1 Axes>
>>> genphys.c2_figure(d, ax=None).axes[0].get_yscale()   # 1 − F(T) on log–log beside the predicted slope
'log'
>>> genphys.plot(g, "field", path=None)          # any result: derivations and generator runs, by kind
<Figure size 1760x400 with 8 Axes>

Parameters: ``assumptions`` (parse: "positive", "nonnegative", ..., "real") are what is known of a symbol;
``values`` (field, generate) are the numbers it takes in a run:

>>> m = genphys.derive(genphys.parse("phi_tt + lap(phi) - m**2*phi", {"m": "positive"}), dim=2)
>>> genphys.field(m, data, values={"m": 0.5}).N
2
>>> genphys.field(m, data)  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
...
genphys.ParameterError: 'phi_tt + lap(phi) - m**2*phi': missing a value for m; give each of its parameters a number (values={'m': 0.5} in Python, --value m=0.5 on the command line)

Results are plain data: `Derivation.to_json()` / `CheckResult.to_json()` give the CLI's JSON objects, and
`load_derivation` / `load_check` rebuild a result from one (by deriving again from the recorded PDE, which
the JSON is then checked against: a JSON is never evaluated).

`write_latex(d, "d.tex", pdf=False)` writes the derivation as LaTeX (with its figures; `genphys derive --latex`).
Longer work: `verify(names)` (the catalog's verification matrix), `report(out)` (HTML, Markdown, LaTeX and
figures); both run their pieces through Dask (``scheduler``: "serial", None for a LocalCluster, or an address).

Stochastic side (Yu & Huang; the `genphys thermo` commands):
    sde = genphys.parse_sde("dX = -X dt + sqrt(2) dW")     # or "ou", "vp", "ve"
    data = genphys.GaussianMixture.load("mix.json")        # or thermo.paper_mixture(mu, sigma2, d)
    proc = genphys.thermo.process(sde, data)               # the linear class with f, Ξ checked
    genphys.thermo.rates(proc, data, [0.1, 1.0])           # π, φ, dS/dt, S and the reversal's
    genphys.thermo.speciation(proc, data); genphys.thermo.trajectories(proc, data, T=10, dt=0.01, n=10_000)

SDE ladder (Zhou's slides; `genphys ladder`): drift → Fokker–Planck → score → probability-flow velocity, each
rung substituted back:
    genphys.zhou.ladder(genphys.parse_sde("vp"))["checks"]

Driven systems (Beyond Equilibrium; the `genphys landscape` commands):
    cp = genphys.driven.compiled("cos(5*atan2(y, x) - pi/2*t) + 10*(sqrt(x**2 + y**2) - 1/2)**2", beta=10)
    x0 = genphys.driven.initial_points("uniform:-1,1", 2000, 2, rng)
    snap, run = genphys.driven.simulate_snapshots(cp, x0, 10, T=20, record=0.02, step=1e-3, integrator="em", rng=rng)
    genphys.driven.compare(snap, cp, 10, [0.1, 1, 5, 20], [np.linspace(-1.5, 1.5, 31)] * 2).rows
    genphys.driven.thermodynamics(run, cp, 10)            # work, heat, medium entropy, Jarzynski

Errors: every error is a `GenphysError`; `PDEInputError` and its subclasses mean "what you wrote is wrong"
(the CLI's exit 2), `NotSupportedError` "valid but not supported yet" (exit 3).
"""

__version__ = "0.1.0"

from analytic.errors import (
    BudgetExceeded,
    GenphysError,
    NonlinearTermError,
    NotSupportedError,
    ParameterError,
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
from derivations.check import CheckResult, check, load_check
from derivations.derive import Derivation, derive, load_derivation
from derivations.fields import field
from derivations.generate import Generation, generate, outcome, verify
from derivations import driven, thermo, zhou
from numeric.datasets import builtin as dataset
from numeric.empirical import EmpiricalField, grid
from numeric.metrics import TwoSampleTest, two_sample_test as score
from numeric.mixture import GaussianMixture

__all__ = [
    "__version__", "parse", "check", "derive", "field", "generate", "outcome", "score", "verify", "report",
    "dataset", "grid", "load_derivation", "load_check", "plot", "dispersion_figure", "green_figure", "c2_figure",
    "write_latex",
    "LinearPDE", "Parameter", "CheckResult", "Derivation", "EmpiricalField", "Generation", "TwoSampleTest",
    "CATALOG", "entry", "Holds", "Generative", "GeneratorOutcome",
    "GenphysError", "PDEInputError", "PDESyntaxError", "NonlinearTermError", "VariableCoefficientError",
    "UnsafeInputError", "ParameterError", "NotSupportedError", "BudgetExceeded",
    "parse_sde", "SDE", "derived_checks", "GaussianMixture", "thermo", "driven", "zhou",
]

#: the figures `plot` draws for each kind of result (the first is the default)
PLOTS = {Derivation: ("dispersion", "green", "c2"), Generation: ("samples", "field")}


def plot(result, kind: str | None = None, path=None, ax=None):
    """A figure of ``result``: a `Derivation` ("dispersion", "green", "c2") or a `Generation` ("samples",
    "field"), the first kind by default. Saved to ``path`` (PNG, SVG or PDF) when given, else the Figure; drawn
    into ``ax`` (the samples figure: two axes; the field: four). A function rather than a method on the results,
    because the results' layer (derivations/) may not import the figures' (report/)."""
    from report import figures

    kinds = next((v for cls, v in PLOTS.items() if isinstance(result, cls)), None)
    if kinds is None:
        raise TypeError(f"plot draws a Derivation or a Generation, not {type(result).__name__}")
    kind = kinds[0] if kind is None else kind
    if kind not in kinds:
        raise PDEInputError(f"plot: kind {kind!r} is not one of {', '.join(kinds)} for a {type(result).__name__}")
    return getattr(figures, f"{kind}_figure")(result, path=path, ax=ax)


#: loaded on first use: report/ loads matplotlib, which `import genphys` does not need (benchmarks/startup.py)
_LAZY = {"report": "report.build", "dispersion_figure": "report.figures", "green_figure": "report.figures",
         "c2_figure": "report.figures", "write_latex": "report.derivation"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'genphys' has no attribute {name!r}")
