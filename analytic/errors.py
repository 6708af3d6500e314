"""The workbench's error hierarchy (one base class, two families: your input / not supported yet)."""

from __future__ import annotations


class GenphysError(Exception):
    """Base of every error the workbench raises on purpose; ``kind`` (the JSON error type) is the class name."""

    kind = "GenphysError"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.kind = cls.__name__


class PDEInputError(GenphysError, ValueError):
    """You wrote something wrong: syntax, a nonlinear term, an unsafe construct, a bad option.

    ``column`` (1-based, within the text as typed) and ``token`` point at the offending piece
    when there is one.
    """

    def __init__(self, message: str, *, column: int | None = None, token: str | None = None):
        where = ""
        if column is not None:
            where = f" at column {column}" + (f" ({token!r})" if token else "")
        super().__init__(message.replace("{where}", where))
        self.column = column
        self.token = token


class PDESyntaxError(PDEInputError):
    """The text is not an expression of the PDE grammar."""


class NonlinearTermError(PDEInputError):
    """A term is not linear in phi (phi**2, phi*phi_t, exp(phi), phi in a denominator)."""


class VariableCoefficientError(PDEInputError):
    """A coefficient depends on x, y, z or t; only constant coefficients are supported."""


class UnsafeInputError(PDEInputError):
    """A construct the grammar never allows (attributes, subscripts, lambdas, huge powers...)."""


class ParameterError(PDEInputError):
    """A parameter name or assumption is invalid."""


class NotSupportedError(GenphysError):
    """Valid input that this version cannot handle yet."""


class BudgetExceeded(GenphysError):
    """A symbolic step ran past its time budget."""
