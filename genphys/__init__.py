"""GenPhys Workbench: can this linear PDE generate data? (Liu, Luo, Xu, Jaakkola, Tegmark, GenPhys)

Public API (ARCHITECTURE.md, Contracts):
    pde = genphys.parse("phi_t - lap(phi)", params={"eps": "positive"})
    result = genphys.check(pde)            # dispersion branches + Eq. 16 with evidence
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
from analytic.pde import LinearPDE, Parameter
from derivations.catalog import CATALOG, entry
from derivations.check import CheckResult, check

__all__ = [
    "parse", "check", "LinearPDE", "Parameter", "CheckResult", "CATALOG", "entry",
    "GenphysError", "PDEInputError", "PDESyntaxError", "NonlinearTermError", "VariableCoefficientError",
    "UnsafeInputError", "NotSupportedError", "BudgetExceeded",
]
