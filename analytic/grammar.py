"""Parse PDE text into a LinearPDE with our own whitelisting AST walker (never eval/sympify).

Grammar (README, "Input grammar"): ``phi``, ``phi_t``, ``phi_xyt``…; ``dt dx dy dz
lap biharm`` of a phi-expression, ``fraclap(f, beta)`` = (−Δ)^β f; numbers, ``I``, ``pi``,
parameters, ``sqrt/exp/log`` of parameter expressions; ``+ - * / **``; optional ``lhs = rhs``.
Every node evaluates either to a constant (a SymPy expression in the parameters) or to a
phi-term (the Fourier symbol of a linear operator applied to phi); mixing them wrongly is
exactly what a nonlinear, inhomogeneous or variable-coefficient PDE looks like.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .errors import (
    NonlinearTermError,
    ParameterError,
    PDEInputError,
    PDESyntaxError,
    UnsafeInputError,
    VariableCoefficientError,
)
from .pde import AXIS_K, ASSUMPTIONS, LinearPDE, N, Parameter, degree_in_s, k, latex, s, text as print_text

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 64
MAX_INT_DIGITS = 30
MAX_DERIVATIVE_ORDER = 8
MAX_TERMS = 400
MAX_PARAMETERS = 16
MAX_EXP_ARGUMENT = 700.0  # e^700 ≈ 1e304, the edge of double precision
MAX_COEFFICIENT = 1e306
_MAX_INT = 10**MAX_INT_DIGITS

#: placeholder for |k|² while parsing: lap → −K2, biharm → K2², fraclap(·, β) → K2^β.
_K2 = sp.Dummy("K2", positive=True)

_PHI_OPS = {"dt": s, "dx": sp.I * AXIS_K["x"], "dy": sp.I * AXIS_K["y"], "dz": sp.I * AXIS_K["z"],
            "lap": -_K2, "biharm": _K2**2}
_CONST_FUNCS = {"sqrt": sp.sqrt, "exp": sp.exp, "log": sp.log}
_ALLOWED_CALLS = sorted([*_PHI_OPS, "fraclap", *_CONST_FUNCS])
_NODE_NAMES = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambda",
    ast.Compare: "comparisons", ast.BoolOp: "boolean operators", ast.IfExp: "conditional expressions",
    ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets", ast.Starred: "starred",
    ast.JoinedStr: "f-strings", ast.NamedExpr: "assignment expressions", ast.Await: "await",
    ast.ListComp: "comprehensions", ast.GeneratorExp: "comprehensions", ast.DictComp: "comprehensions",
    ast.SetComp: "comprehensions", ast.Slice: "slices", ast.Yield: "yield",
}


@dataclass(frozen=True)
class _Const:
    """A coefficient: a SymPy expression in the parameters only."""

    expr: sp.Expr


@dataclass(frozen=True)
class _Phi:
    """A linear operator applied to phi, stored as its Fourier symbol."""

    expr: sp.Expr


class _Walker:
    def __init__(self, text: str, offset: int, params: dict[str, Parameter]):
        self.text = text
        self.offset = offset
        self.params = params
        self.used_params: set[str] = set()

    # -- helpers ---------------------------------------------------------------------
    def _where(self, node) -> dict:
        col = getattr(node, "col_offset", None)
        if col is None:
            return {}
        end = getattr(node, "end_col_offset", None) or col + 1
        return {"column": self.offset + col + 1, "token": self.text[col:end][:60]}

    def _fail(self, cls, message, node):
        raise cls(message, **self._where(node))

    # -- the walk ---------------------------------------------------------------------
    def visit(self, node, depth=0):
        if depth > MAX_DEPTH:
            self._fail(UnsafeInputError, "expression nested too deeply{where}", node)
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            what = _NODE_NAMES.get(type(node), type(node).__name__)
            self._fail(UnsafeInputError, f"{what}: not part of the PDE grammar{{where}}", node)
        value = method(node, depth + 1)
        if value.expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            self._fail(PDEInputError, "coefficient is not finite{where} (division by zero or log(0)?)", node)
        for number in value.expr.atoms(sp.Rational):  # every number stays printable and re-readable
            if max(abs(number.p), number.q) >= _MAX_INT:
                self._fail(UnsafeInputError, f"number{{where}} needs more than {MAX_INT_DIGITS} digits as an exact "
                                             "fraction; rescale the PDE (multiply every term by a constant) if it is "
                                             f"a coefficient (an exponent is at most {MAX_EXPONENT})", node)
        if _expanded_terms(value.expr) > MAX_TERMS:
            self._fail(UnsafeInputError, f"expression{{where}} expands to more than {MAX_TERMS} terms", node)
        return value

    def visit_Expression(self, node, depth):
        return self.visit(node.body, depth)

    def visit_Constant(self, node, depth):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = "; write I for the imaginary unit" if isinstance(value, complex) else ""
            self._fail(UnsafeInputError, f"literal {value!r} is not a number the grammar accepts{{where}}{hint}", node)
        if isinstance(value, int):
            if len(str(abs(value))) > MAX_INT_DIGITS:
                self._fail(UnsafeInputError, f"integer with more than {MAX_INT_DIGITS} digits{{where}}", node)
            return _Const(sp.Integer(value))
        if value != value or value in (float("inf"), float("-inf")):
            self._fail(UnsafeInputError, "non-finite number{where}: it overflows double precision", node)
        if value == 0 and any(c in "123456789" for c in self._where(node).get("token", "").split("e")[0].split("E")[0]):
            self._fail(UnsafeInputError, "number{where} underflows to 0 in double precision; rescale the PDE "
                                         "(multiply every term by a constant)", node)
        frac = Fraction(repr(value))  # exact decimal value of the literal as written
        return _Const(sp.Rational(frac.numerator, frac.denominator))

    def visit_Name(self, node, depth):
        name = node.id
        if name == "phi":
            return _Phi(sp.Integer(1))
        if name.startswith("phi_"):
            return _Phi(self._derivative(name[4:], node))
        if name in ("x", "y", "z", "t"):
            self._fail(VariableCoefficientError,
                       f"coefficient depends on the variable {name}{{where}}; only constant coefficients "
                       "are supported (derivatives are written phi_x, dx(phi), ...)", node)
        if name == "I":
            return _Const(sp.I)
        if name == "pi":
            return _Const(sp.pi)
        if name in _ALLOWED_CALLS:
            self._fail(PDESyntaxError, f"{name} is a function; call it like {name}(phi){{where}}", node)
        if name not in self.params:
            try:
                self.params[name] = Parameter(name, "real", declared=False)
            except ParameterError as exc:
                self._fail(ParameterError, f"{exc}{{where}}", node)
        self.used_params.add(name)
        return _Const(self.params[name].symbol)

    def _derivative(self, letters: str, node) -> sp.Expr:
        if not letters or any(c not in "txyz" for c in letters):
            self._fail(PDESyntaxError,
                       "unknown derivative name{where}: subscripts of phi are letters from t, x, y, z "
                       "(e.g. phi_t, phi_xx, phi_xyt)", node)
        if len(letters) > MAX_DERIVATIVE_ORDER:
            self._fail(UnsafeInputError, f"derivative of order above {MAX_DERIVATIVE_ORDER}{{where}}", node)
        factor = sp.Integer(1)
        for c in letters:
            if c == "t":
                factor *= s
            else:
                factor *= sp.I * AXIS_K[c]
        return factor

    def visit_UnaryOp(self, node, depth):
        operand = self.visit(node.operand, depth)
        if isinstance(node.op, ast.USub):
            return type(operand)(-operand.expr)
        if isinstance(node.op, ast.UAdd):
            return operand
        self._fail(UnsafeInputError, "only unary + and - are allowed{where}", node)

    def visit_BinOp(self, node, depth):
        left = self.visit(node.left, depth)
        right = self.visit(node.right, depth)
        op = node.op
        if isinstance(op, (ast.Add, ast.Sub)):
            sign = 1 if isinstance(op, ast.Add) else -1
            if type(left) is type(right):
                return type(left)(left.expr + sign * right.expr)
            const_node = node.right if isinstance(right, _Const) else node.left
            self._fail(PDEInputError,
                       "term without phi{where}: the workbench takes homogeneous linear PDEs L phi = 0 "
                       "(the data source p_data(x) delta(t) is added by the pipeline); remove the term",
                       const_node)
        if isinstance(op, ast.Mult):
            if isinstance(left, _Phi) and isinstance(right, _Phi):
                self._fail(NonlinearTermError, "product of two phi-terms{where} is nonlinear", node)
            cls = _Phi if _Phi in (type(left), type(right)) else _Const
            return cls(left.expr * right.expr)
        if isinstance(op, ast.Div):
            if isinstance(right, _Phi):
                self._fail(NonlinearTermError, "phi in a denominator{where} is nonlinear", node)
            if right.expr == 0:
                self._fail(PDEInputError, "division by zero{where}", node)
            return type(left)(left.expr / right.expr)
        if isinstance(op, ast.Pow):
            if isinstance(left, _Phi) or isinstance(right, _Phi):
                self._fail(NonlinearTermError,
                           "power of a phi-term{where} is nonlinear (write phi_tt, not phi_t**2)", node)
            return _Const(self._power(left.expr, right.expr, node))
        self._fail(UnsafeInputError, "only + - * / ** are allowed{where}", node)

    def _power(self, base, exponent, node):
        if exponent.is_number:
            if not exponent.is_real or abs(exponent) > MAX_EXPONENT:
                self._fail(UnsafeInputError,
                           f"exponent{{where}} must be a real number of size at most {MAX_EXPONENT}", node)
            if base.is_number and base != 0 and abs(sp.log(abs(base), 10) * exponent) > 300:
                self._fail(UnsafeInputError, "power{where} is too large (more than 1e300)", node)
        return sp.Pow(base, exponent)

    def visit_Call(self, node, depth):
        if not isinstance(node.func, ast.Name):
            self._fail(UnsafeInputError, "only the grammar's functions can be called{where}", node)
        name = node.func.id
        if any(isinstance(a, ast.Starred) for a in node.args):  # keywords cannot occur: '=' splits the equation
            self._fail(UnsafeInputError, f"{name}(): starred arguments are not allowed{{where}}", node)
        if name not in _ALLOWED_CALLS:
            self._fail(PDESyntaxError,
                       f"unknown function {name}{{where}}; allowed: {', '.join(_ALLOWED_CALLS)}", node)
        want = 2 if name == "fraclap" else 1
        if len(node.args) != want:
            self._fail(PDESyntaxError, f"{name}() takes {want} argument(s), got {len(node.args)}{{where}}", node)
        args = [self.visit(a, depth) for a in node.args]
        if name in _CONST_FUNCS:
            if isinstance(args[0], _Phi):
                self._fail(NonlinearTermError, f"{name} of a phi-term{{where}} is nonlinear", node)
            if name == "exp" and args[0].expr.is_number and abs(complex(args[0].expr)) > MAX_EXP_ARGUMENT:
                self._fail(UnsafeInputError, f"exp(){{where}} of a number above {MAX_EXP_ARGUMENT:g} in size "
                                             "overflows double precision; rescale the PDE", node)
            return _Const(_CONST_FUNCS[name](args[0].expr))
        if not isinstance(args[0], _Phi):
            self._fail(PDEInputError, f"{name}() must be applied to a phi-expression{{where}}", node)
        if name == "fraclap":
            beta = args[1]
            if isinstance(beta, _Phi) or not beta.expr.is_real:
                self._fail(PDEInputError, "fraclap(f, beta): beta must be a real constant{where}", node)
            if beta.expr.is_number and abs(beta.expr) > MAX_EXPONENT:
                self._fail(UnsafeInputError, f"fraclap(f, beta): beta{{where}} must be at most {MAX_EXPONENT} "
                                             "in size", node)
            return _Phi(_K2**beta.expr * args[0].expr)
        return _Phi(_PHI_OPS[name] * args[0].expr)


def _expanded_terms(expr) -> int:
    """An upper bound on the number of terms of sp.expand(expr), without expanding it."""
    if isinstance(expr, sp.Add):
        return sum(_expanded_terms(a) for a in expr.args)
    if isinstance(expr, sp.Mul):
        return math.prod(_expanded_terms(a) for a in expr.args)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and expr.exp > 1:
        inner = _expanded_terms(expr.base)
        return math.comb(inner + int(expr.exp) - 1, int(expr.exp)) if inner > 1 else 1
    return 1


def _split_equation(text: str) -> list[tuple[str, int]]:
    for op in ("==", "<=", ">=", "!="):
        if op in text:
            col = text.index(op) + 1
            raise PDESyntaxError("comparison operators are not allowed{where}; write lhs = rhs with one '='",
                                 column=col, token=op)
    parts = text.split("=")
    if len(parts) > 2:
        col = text.index("=", text.index("=") + 1) + 1
        raise PDESyntaxError("more than one '='{where}", column=col, token="=")
    if len(parts) == 2:
        return [(parts[0], 0), (parts[1], len(parts[0]) + 1)]
    return [(text, 0)]


def _parse_side(side: str, offset: int, walker_params) -> tuple[object, _Walker]:
    stripped = side.strip()
    if not stripped:
        raise PDESyntaxError("empty side of the equation{where}", column=offset + 1)
    lead = len(side) - len(side.lstrip())
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        col = offset + lead + (exc.offset or 1)
        raise PDESyntaxError(f"syntax error{{where}}: {exc.msg}", column=col,
                             token=stripped[(exc.offset or 1) - 1:][:20] or None) from None
    except (RecursionError, MemoryError, ValueError):
        raise UnsafeInputError("expression too deeply nested or malformed") from None
    walker = _Walker(stripped, offset + lead, walker_params)
    return walker.visit(tree), walker


def _normalise_params(params) -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    if params is None:
        return out
    items = params.items() if isinstance(params, dict) else ((p.name, p) for p in params)
    for name, value in items:
        if isinstance(value, Parameter):
            out[name] = value
        elif isinstance(value, str):
            out[name] = Parameter(name, value.strip().lower())
        else:
            raise ParameterError(f"assumption for parameter {name!r} must be a string such as 'positive', "
                                 f"got {value!r}")
    return out


def check_text(text, kind: str, example: str) -> None:
    """Refuse what no grammar of ours reads: a non-string, over-long text, '#' and non-ASCII characters."""
    if not isinstance(text, str):
        raise PDESyntaxError(f"the {kind} must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise UnsafeInputError(f"input is {len(text)} characters long; the limit is {MAX_LENGTH}")
    for i, ch in enumerate(text):
        if ch == "#":  # Python would read the rest as a comment and drop it silently
            raise PDESyntaxError("character '#' not allowed{where}: the grammar has no comments", column=i + 1,
                                 token=ch)
        if ord(ch) > 127 or (ord(ch) < 32 and ch not in "\t\n\r"):
            raise PDESyntaxError(f"character not allowed{{where}}: write the {kind} in ASCII ({example})",
                                 column=i + 1, token=ch)


def parse(text: str, assumptions=None, dim: int | None = None) -> LinearPDE:
    """Parse PDE text (``"phi_t - lap(phi)"`` or ``"phi_t = lap(phi)"``) into a LinearPDE.

    ``assumptions`` maps parameter names to assumptions (positive, nonnegative, negative, nonpositive, nonzero,
    real); undeclared names are real. ``dim`` is the space dimension: symbolic N when omitted for
    isotropic operators, inferred from the axes used otherwise.
    """
    check_text(text, "PDE", "phi, lap(phi), ...")
    flat = " ".join(text.split())
    if not flat:
        raise PDESyntaxError("empty input: write a PDE such as 'phi_t - lap(phi)'")
    declared = _normalise_params(assumptions)
    known = dict(declared)
    raw, used = _operator(flat, known)
    unused = sorted(set(declared) - used)
    if unused:
        raise ParameterError(f"parameter(s) {', '.join(unused)} declared but not used in the PDE; "
                             "check the spelling or drop the declaration")
    if raw == 0:
        raise PDEInputError("the operator is identically zero (every term cancels)")
    if not raw.has(s):
        raise PDEInputError("no time derivative: a generative process needs phi_t, phi_tt, dt(...) "
                            "(t is the generation time)")
    if len(used) > MAX_PARAMETERS:
        raise ParameterError(f"the PDE has {len(used)} parameters; the limit is {MAX_PARAMETERS} (the case analysis "
                             "and the scan grow with their number): fix some of them to numbers")
    parameters = tuple(known[name] for name in sorted(used))
    _require_double_range(raw)
    # the axes are those the operator still involves after cancellation (0*phi_x is isotropic)
    axes = {a for a, kv in AXIS_K.items() if raw.has(kv)}
    pde = _build(flat, raw, axes, parameters, dim)
    _require_round_trip(pde, known, dim)
    return pde


def _require_double_range(raw: sp.Expr) -> None:
    """Every numeric coefficient must be representable in double precision (the numeric side uses it)."""
    for term in sp.Add.make_args(raw):
        coeff = term.as_independent(s, _K2, *AXIS_K.values(), as_Add=False)[0]
        if coeff.is_number:
            size = abs(sp.N(coeff, 15))
            if size > MAX_COEFFICIENT or 0 < size < 1 / MAX_COEFFICIENT:
                raise UnsafeInputError(f"coefficient {sp.sstr(sp.N(coeff, 4))} is outside double precision's range "
                                       f"({1 / MAX_COEFFICIENT:g} to {MAX_COEFFICIENT:g} in size); rescale the PDE")


def _operator(flat: str, known: dict) -> tuple[sp.Expr, set]:
    """The symbol of ``lhs [= rhs]`` in s, kx, ky, kz and |k|² (placeholder), and the parameters used."""
    sides = []
    used: set[str] = set()
    for side, offset in _split_equation(flat):
        value, walker = _parse_side(side, offset, known)
        sides.append((value, offset))
        used |= walker.used_params
    total = sp.Integer(0)
    for i, (value, offset) in enumerate(sides):
        sign = 1 if i == 0 else -1
        if isinstance(value, _Const):
            if value.expr != 0:
                raise PDEInputError("side without phi{where}: a PDE L phi = 0 needs phi in every term",
                                    column=offset + 1)
            continue
        total += sign * value.expr
    return sp.expand(total), used


def _require_round_trip(pde: LinearPDE, params: dict, dim) -> None:
    """What is printed is what is analysed: the canonical text must parse back to the same operator."""
    try:
        again, _ = _operator(pde.canonical, dict(params))
        axes = {a for a, kv in AXIS_K.items() if again.has(kv)}
        same = _build(pde.canonical, again, axes, pde.parameters, dim).symbol == pde.symbol
    except PDEInputError:
        same = False
    if not same:
        raise UnsafeInputError(f"the PDE cannot be written back exactly in the grammar (it prints as "
                               f"{pde.canonical[:120]!r}, which does not read back as the same operator); "
                               "simplify its coefficients")


def _build(text, raw, axes, parameters, dim) -> LinearPDE:
    isotropic = not axes
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int) or dim < 1 or dim > 100_000):
        raise PDEInputError(f"dimension {dim!r} is not valid; use a positive integer such as --dim 2")
    if isotropic:
        symbol = sp.expand(raw.subs(_K2, k**2))
        kvars = (k,)
        dimension = N if dim is None else dim
    else:
        needed = max("xyz".index(a) for a in axes) + 1
        dimension = needed if dim is None else dim
        if dimension < needed:
            raise PDEInputError(f"--dim {dim} is too small: the PDE differentiates along "
                                f"{', '.join(sorted(axes))}, which needs dimension {needed}")
        if dimension > 3:
            from .errors import NotSupportedError
            raise NotSupportedError("not supported yet: anisotropic PDEs (phi_x, dx(...)) beyond three "
                                    "dimensions; drop --dim or write an isotropic operator")
        kvars = tuple(AXIS_K[a] for a in "xyz"[:dimension])
        norm = sum(kv**2 for kv in kvars)
        if _expanded_terms(raw.subs(_K2, norm)) > MAX_TERMS:
            raise UnsafeInputError(f"the operator expands to more than {MAX_TERMS} terms in the components of k "
                                   "(a high power of the Laplacian beside a directional derivative); lower the power")
        symbol = sp.expand(raw.subs(_K2, norm))
    if symbol == 0:
        raise PDEInputError("the operator is identically zero (every term cancels once the Laplacian is written "
                            "out in the derivatives used)")
    if not symbol.has(s):
        raise PDEInputError("no time derivative survives (the t-derivative terms cancel)")
    time_order = degree_in_s(symbol)
    canonical, tex = render_operator(raw)
    return LinearPDE(text=text, canonical=canonical, latex=tex, symbol=symbol, kvars=kvars,
                     isotropic=isotropic, dimension=dimension, parameters=parameters, time_order=time_order)


def render_operator(raw: sp.Expr) -> tuple[str, str] | None:
    """Canonical text and LaTeX of an operator, rebuilt from its symbol in s, the axis k's and |k|² (highest
    t-order first): the one renderer of operators, for what the parser prints and what derivations print. None
    when the symbol is not a sum of monomials s^a k_x^b … |k|^(2β) (a non-local operator)."""
    if raw == 0:
        return "0", "0"
    grouped: dict = {}  # one coefficient per operator monomial: (a+b)**2*lap(phi), not three lap terms
    for term in sp.Add.make_args(raw):
        coeff, ops = term.as_independent(s, _K2, *AXIS_K.values(), as_Add=False)
        grouped[ops] = grouped.get(ops, 0) + coeff
    terms = []
    for term in (sp.factor(c) * ops for ops, c in grouped.items() if c != 0):
        coeff, powers = sp.Integer(1), {"t": 0, "x": 0, "y": 0, "z": 0}
        lap_power = sp.Integer(0)
        for factor in sp.Mul.make_args(term):
            base, exp = factor.as_base_exp()
            if base == s or base in AXIS_K.values():
                if not (exp.is_Integer and exp >= 0):
                    return None
                axis = "t" if base == s else next(a for a, v in AXIS_K.items() if v == base)
                powers[axis] += int(exp)
                if base != s:
                    coeff *= sp.I ** (-int(exp))
            elif base == _K2:
                lap_power += exp
            elif factor.has(s, _K2, *AXIS_K.values()):
                return None
            else:
                coeff *= factor
        if lap_power == 1:
            coeff = -coeff  # lap(f) has the symbol −|k|²
        terms.append((coeff, powers, lap_power))
    def spatial_order(term):
        _, powers, lap_power = term
        lap_order = 2 * lap_power if lap_power.is_number else 1
        return sum(powers.values()) - powers["t"] + lap_order

    terms.sort(key=lambda t: (-t[1]["t"], -spatial_order(t), str(t[0])))
    text_parts, latex_parts = [], []
    for coeff, powers, lap_power in terms:
        letters = "".join(a * powers[a] for a in "txyz")
        op_text = "phi" + (f"_{letters}" if letters else "")
        op_tex = r"\phi" + (f"_{{{letters}}}" if letters else "")
        if lap_power in (1, 2):  # lap and biharm; every other power of |k|² is written as fraclap
            op_text = f"{'lap' if lap_power == 1 else 'biharm'}({op_text})"
            op_tex = rf"\nabla^{{{2 * lap_power}}} {op_tex}"
        elif lap_power != 0:
            op_text = f"fraclap({op_text}, {print_text(lap_power)})"
            op_tex = rf"(-\Delta)^{{{latex(lap_power)}}} {op_tex}"
        text_parts.append(_with_coeff(coeff, op_text, print_text, "*"))
        latex_parts.append(_with_coeff(coeff, op_tex, latex, " "))
    return _join(text_parts), _join(latex_parts)


def _with_coeff(coeff, op, printer, sep):
    if coeff == 1:
        return op
    if coeff == -1:
        return "-" + op
    body = printer(coeff)
    if isinstance(coeff, sp.Add):
        body = f"({body})"
    return body + sep + op


def _join(parts):
    out = parts[0]
    for p in parts[1:]:
        out += " - " + p[1:].lstrip() if p.startswith("-") else " + " + p
    return out


def operator_forms(expr: sp.Expr) -> tuple[str, str]:
    """An isotropic operator symbol in s and k as PDE text on phi (phi_t, lap(phi), so that it parses back) and as
    LaTeX in the paper's notation (φ_t, ∇²φ); the Fourier form F⁻¹[… φ̂] where it is not local in that sense."""
    expr = sp.Integer(expr) if isinstance(expr, int) else expr  # a catalog's constant symbol (p = 1)
    forms = render_operator(sp.expand(expr.subs(k, sp.sqrt(_K2))))
    if forms is None:
        return (f"F^-1[({print_text(expr)}) * F[phi]]  (s = d/dt)",
                rf"\mathcal{{F}}^{{-1}}\left[\left({latex(expr)}\right) \hat{{\phi}}\right]")
    return forms


def operator_text(expr: sp.Expr) -> str:
    """`operator_forms`' text."""
    return operator_forms(expr)[0]


def operator_latex(expr: sp.Expr) -> str:
    """`operator_forms`' LaTeX."""
    return operator_forms(expr)[1]


__all__ = ["parse", "ASSUMPTIONS", "MAX_LENGTH", "operator_forms", "operator_text", "operator_latex"]
