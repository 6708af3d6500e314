"""GenPhys Workbench: can this linear PDE generate data? (Liu, Luo, Xu, Jaakkola, Tegmark, GenPhys)

Public API (ARCHITECTURE.md, Contracts):
    pde = genphys.parse("phi_t - lap(phi)", params={"eps": "positive"})
    result = genphys.check(pde)            # dispersion branches + Eq. 16 with evidence
    d = genphys.derive(pde, dim=2)         # + Green's function, density flow (p, v, R), C1, C2
    f = genphys.field(d, data)             # empirical field: f.density / log_density / velocity / rate (x, t)
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
from derivations.catalog import CATALOG, entry
from derivations.check import CheckResult, check
from derivations.derive import Derivation, derive
from derivations.fields import field

__all__ = [
    "parse", "check", "derive", "Derivation", "field", "LinearPDE", "Parameter", "CheckResult", "CATALOG", "entry",
    "GenphysError", "PDEInputError", "PDESyntaxError", "NonlinearTermError", "VariableCoefficientError",
    "UnsafeInputError", "NotSupportedError", "BudgetExceeded", "Holds", "Generative", "GeneratorOutcome",
]
