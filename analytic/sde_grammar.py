"""Parse SDE text into an SDE with our own whitelisting AST walker, the PDE grammar's twin.

Grammar (README, "Non-equilibrium thermodynamics", SDE text): one or more equations separated by ';' or
newlines, each ``dV = b dt + g dW``. Either the single componentwise ``dX = …`` (each coordinate of
X ∈ R^d obeys it; b uses X, t and parameters) or one equation for each of x | x, y | x, y, z (b uses
those coordinates, t and parameters). Terms come in any order; ``dt`` and ``dW`` (also ``dW_x`` or
``dWx`` for dx) are factors written ``b dt`` or ``b*dt``; without a dt-term the drift is 0, without
a dW-term the input is refused. Expressions: numbers, ``pi``, ``E``, parameters, the variables,
``t``, the functions ``exp log sqrt sin cos tanh atan2 abs`` (plus ``Abs``, ``atan`` and ``E``,
which is how results print), ``+ - * / **`` with an exponent free of the state. The noise g
depends on t and parameters only (additive noise). Every node stands for plain + drift·dt +
noise·dW, so a misplaced differential (dt*dW, dt**2, exp(dW), x + dW) is refused where it occurs.
Columns (1-based) count characters from the start of the text as typed, newlines included.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction

import sympy as sp

from .errors import ParameterError, PDEInputError, PDESyntaxError, UnsafeInputError, VariableCoefficientError
from .grammar import (MAX_COEFFICIENT, MAX_DEPTH, MAX_EXP_ARGUMENT, MAX_EXPONENT, MAX_INT_DIGITS,
                      MAX_PARAMETERS, MAX_TERMS, _MAX_INT, _NODE_NAMES, _expanded_terms, _normalise_params,
                      check_text)
from .pde import Parameter
from .sde import COORDINATES, SDE, Potential, X, t

# Text is only ever parsed into an AST and walked: no eval, exec, sympify, parse_expr or lambdify here.

_FUNCTIONS = {"exp": (sp.exp, 1), "log": (sp.log, 1), "sqrt": (sp.sqrt, 1), "sin": (sp.sin, 1),
              "cos": (sp.cos, 1), "tanh": (sp.tanh, 1), "atan2": (sp.atan2, 2), "abs": (sp.Abs, 1),
              "Abs": (sp.Abs, 1), "atan": (sp.atan, 1)}  # Abs, atan, E: how SymPy prints abs(u), atan2(u, v > 0)
_CONSTANTS = {"pi": sp.pi, "E": sp.E}  # and exp(1), so that every result reads back
_RESERVED = {"X", "dt", *_FUNCTIONS}  # beyond pde's reserved names; dW… is reserved by prefix
# '2 dt' → '2*dt' with the columns kept: a space before dt/dW after an operand is a syntax error anyway
_IMPLICIT = re.compile(r"(?<=[\w.)\]}'\"])\s+(?=(?:dt|dW\w*)\b)")
_ASSUMPTION_TESTS = {"positive": (lambda v: v > 0, " > 0"), "nonnegative": (lambda v: v >= 0, " >= 0"),
                     "negative": (lambda v: v < 0, " < 0"), "nonpositive": (lambda v: v <= 0, " <= 0"),
                     "nonzero": (lambda v: v != 0, " != 0"), "real": (lambda v: True, "")}


@dataclass(frozen=True)
class Preset:
    """A named SDE: its text, default parameter values, parameter assumptions and where it comes from."""

    text: str
    defaults: tuple = ()
    assumptions: dict = field(default_factory=dict)
    doc: str = ""


PRESETS = {
    "ou": Preset("dX = -X dt + sqrt(2) dW", doc="Ornstein–Uhlenbeck (Yu & Huang Eq. 1); stationary law N(0, 1)"),
    "vp": Preset("dX = -0.5*(b0 + (b1 - b0)*t)*X dt + sqrt(b0 + (b1 - b0)*t) dW", (("b0", 0.1), ("b1", 20.0)),
                 {"b0": "positive", "b1": "positive"},
                 "variance preserving (Song et al.), linear schedule β(t) = b0 + (b1 − b0) t on t ∈ [0, 1]"),
    "ve": Preset("dX = sigma**t dW", (("sigma", 25.0),), {"sigma": "positive"},
                 "variance exploding (Song et al.): Var X_t − Var X_0 = (σ^(2t) − 1)/(2 ln σ)"),
}


@dataclass(frozen=True)
class _Value:
    """plain + drift·dt + noise·dW; ``marks`` says which differentials were written (even times 0)."""

    plain: sp.Expr = sp.S.Zero
    drift: sp.Expr = sp.S.Zero
    noise: sp.Expr = sp.S.Zero
    marks: frozenset = frozenset()


def _size(expr) -> float:
    try:
        return abs(complex(expr))
    except (TypeError, ValueError, OverflowError):
        return math.inf


class _Walker:
    def __init__(self, source: str, offset: int, known: dict, state: dict, variable: str):
        self.source, self.offset, self.known, self.state, self.variable = source, offset, known, state, variable
        self.used: set[str] = set()

    def fail(self, cls, message, node):
        col = node.col_offset
        raise cls(message, column=self.offset + col + 1,
                  token=self.source[col:node.end_col_offset or col + 1][:60])

    def visit(self, node, depth=0):
        if depth > MAX_DEPTH:
            self.fail(UnsafeInputError, f"expression nested more than {MAX_DEPTH} levels deep{{where}}", node)
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            what = _NODE_NAMES.get(type(node), type(node).__name__)
            self.fail(UnsafeInputError, f"{what}{{where}}: not part of the SDE grammar (numbers, names, "
                                        f"{', '.join(_FUNCTIONS)} and + - * / **)", node)
        value = method(node, depth + 1)
        for expr in (value.plain, value.drift, value.noise):
            if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
                self.fail(PDEInputError, "value is not a finite real number{where} (a division by zero, log(0), "
                                         "or sqrt or log of a negative number?); an SDE here is real", node)
            if any(max(abs(q.p), q.q) >= _MAX_INT for q in expr.atoms(sp.Rational)):
                self.fail(UnsafeInputError, f"number{{where}} needs more than {MAX_INT_DIGITS} digits as an exact "
                                            "fraction; rescale the SDE", node)
            if expr.is_number and _size(expr) > MAX_COEFFICIENT:
                self.fail(UnsafeInputError, f"number{{where}} is above {MAX_COEFFICIENT:g} in size, outside double "
                                            "precision's range; rescale the SDE", node)
            if _expanded_terms(expr) > MAX_TERMS:
                self.fail(UnsafeInputError, f"expression{{where}} expands to more than {MAX_TERMS} terms", node)
        return value

    def visit_Constant(self, node, depth):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(UnsafeInputError, "literal{where} is not a real number; write numbers such as 2, 0.5 or "
                                        "1e-3", node)
        if isinstance(value, int):
            if len(str(abs(value))) > MAX_INT_DIGITS:
                self.fail(UnsafeInputError, f"integer with more than {MAX_INT_DIGITS} digits{{where}}", node)
            return _Value(sp.Integer(value))
        if not math.isfinite(value):
            self.fail(UnsafeInputError, "number{where} overflows double precision", node)
        mantissa = self.source[node.col_offset:node.end_col_offset].lower().split("e")[0]
        if value == 0 and any(c in "123456789" for c in mantissa):
            self.fail(UnsafeInputError, "number{where} underflows to 0 in double precision; rescale the SDE", node)
        frac = Fraction(repr(value))  # the exact decimal value as written: 0.1 → 1/10
        return _Value(sp.Rational(frac.numerator, frac.denominator))

    def visit_Name(self, node, depth):
        name, v = node.id, self.variable
        if name == "dt":
            return _Value(drift=sp.S.One, marks=frozenset({"dt"}))
        if name.startswith("dW"):
            if name not in ("dW", f"dW_{v}", f"dW{v}"):
                self.fail(PDESyntaxError, f"noise{{where}} is not that of d{v}: each coordinate has its own "
                                          f"Wiener process; write dW (or dW_{v})", node)
            return _Value(noise=sp.S.One, marks=frozenset({"dW"}))
        if name in self.state:
            return _Value(self.state[name])
        if name == "t":
            return _Value(t)
        if name in _CONSTANTS:
            return _Value(_CONSTANTS[name])
        if name in _FUNCTIONS:
            self.fail(PDESyntaxError, f"{name} is a function{{where}}; call it, e.g. {name}(t)", node)
        if name in ("X", "x", "y", "z"):
            why = ("the componentwise form dX = … uses only X, t and parameters; write dx = …; dy = … instead"
                   if v == "X" else "X belongs to the componentwise form dX = …; dx, dy, dz use x, y, z"
                   if name == "X" else f"the system has equations for {', '.join(self.state)} only; add d{name} = …")
            self.fail(PDESyntaxError, f"variable{{where}} not allowed here: {why}", node)
        if name not in self.known:
            try:
                self.known[name] = Parameter(name, "real", declared=False)
            except ParameterError as exc:
                self.fail(PDESyntaxError, f"unknown name{{where}}: not a variable, t, pi or E, nor a parameter "
                                          f"name ({exc})", node)
        self.used.add(name)
        return _Value(self.known[name].symbol)

    def visit_UnaryOp(self, node, depth):
        value = self.visit(node.operand, depth)
        if isinstance(node.op, ast.USub):
            return _Value(-value.plain, -value.drift, -value.noise, value.marks)
        if isinstance(node.op, ast.UAdd):
            return value
        self.fail(UnsafeInputError, "only unary + and - are allowed{where}", node)

    def visit_BinOp(self, node, depth):
        left, right, op = self.visit(node.left, depth), self.visit(node.right, depth), node.op
        if isinstance(op, (ast.Add, ast.Sub)):
            if bool(left.marks) != bool(right.marks):
                self.fail(PDESyntaxError, "term without dt or dW{where}: each term is b dt or g dW; multiply it "
                                          "by dt (drift) or dW (noise)", node.right if left.marks else node.left)
            sign = 1 if isinstance(op, ast.Add) else -1
            return _Value(left.plain + sign * right.plain, left.drift + sign * right.drift,
                          left.noise + sign * right.noise, left.marks | right.marks)
        if isinstance(op, ast.Mult):
            if left.marks and right.marks:
                self.fail(PDESyntaxError, "product of differentials{where}: an Itô SDE has the terms b dt and "
                                          "g dW only (no dt*dW, dt*dt or dW*dW)", node)
            marked, factor, factor_node = (left, right, node.right) if left.marks else (right, left, node.left)
            return self._scale(marked, factor.plain, factor_node)
        if isinstance(op, ast.Div):
            if right.marks:
                self.fail(PDESyntaxError, "dt or dW in a denominator{where}: write b dt + g dW", node.right)
            if right.plain == 0:
                self.fail(PDEInputError, "division by zero{where}", node)
            return self._scale(left, 1 / right.plain, node.right)
        if isinstance(op, ast.Pow):
            if left.marks or right.marks:
                self.fail(PDESyntaxError, "power of dt or dW{where}: the noise term is a product g dW "
                                          "(Itô's dW**2 = dt is not written here) and dt appears to the "
                                          "first power", node)
            return _Value(self._power(left.plain, right.plain, node))
        self.fail(UnsafeInputError, "only + - * / ** are allowed{where}", node)

    def _scale(self, value, factor, node):
        if "dW" in value.marks and factor.free_symbols & set(self.state.values()):
            self.fail(VariableCoefficientError,
                      "noise depends on the state{where}: multiplicative noise is not supported (its Itô and "
                      "Stratonovich readings differ, and the thermodynamics here assumes additive noise "
                      "g(t) dW); make the dW-coefficient depend on t and parameters only", node)
        return _Value(value.plain * factor, value.drift * factor, value.noise * factor, value.marks)

    def _power(self, base, exponent, node):
        if exponent.free_symbols & set(self.state.values()):
            self.fail(PDESyntaxError, "exponent{where} depends on the state: a power's exponent is built from "
                                      "numbers, t and parameters (exp() takes any argument)", node)
        if exponent.is_number:
            if _size(exponent) > MAX_EXPONENT:
                self.fail(UnsafeInputError, f"exponent{{where}} must be at most {MAX_EXPONENT} in size", node)
            if base.is_number and base != 0 and _size(sp.log(abs(base), 10) * exponent) > 300:
                self.fail(UnsafeInputError, "power{where} is too large (more than 1e300)", node)
        return sp.Pow(base, exponent)

    def visit_Call(self, node, depth):
        if not isinstance(node.func, ast.Name):
            self.fail(UnsafeInputError, "only the grammar's functions can be called{where}", node)
        name = node.func.id
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(UnsafeInputError, f"{name}(): keyword and starred arguments are not allowed{{where}}", node)
        if name not in _FUNCTIONS:
            self.fail(PDESyntaxError, f"unknown function {name}{{where}}; allowed: {', '.join(_FUNCTIONS)}", node)
        func, arity = _FUNCTIONS[name]
        if len(node.args) != arity:
            self.fail(PDESyntaxError, f"{name}() takes {arity} argument(s), got {len(node.args)}{{where}}", node)
        args = [self.visit(a, depth) for a in node.args]
        if any(a.marks for a in args):
            self.fail(PDESyntaxError, f"{name}() of dt or dW{{where}}: differentials enter only as the factors "
                                      "of b dt and g dW", node)
        if name == "exp" and args[0].plain.is_number and _size(args[0].plain) > MAX_EXP_ARGUMENT:
            self.fail(UnsafeInputError, f"exp(){{where}} of a number above {MAX_EXP_ARGUMENT:g} in size overflows "
                                        "double precision; rescale the SDE", node)
        return _Value(func(*(a.plain for a in args)))


def _equations(body: str) -> list[tuple[str, str, int, int]]:
    """(variable, right side, column of the left side, offset of the right side) per non-blank equation."""
    out, start = [], 0
    for sep in re.finditer(r"[;\n\r]|\Z", body):
        segment, offset, start = body[start:sep.start()], start, sep.end()
        if not segment.strip():
            continue
        lead = offset + len(segment) - len(segment.lstrip()) + 1
        for op in ("==", "<=", ">=", "!="):
            if op in segment:
                raise PDESyntaxError("comparison{where} not allowed: each equation is dV = b dt + g dW",
                                     column=offset + segment.index(op) + 1, token=op)
        if segment.count("=") != 1:
            extra = segment.find("=", segment.find("=") + 1)
            raise PDESyntaxError("equation{where} needs exactly one '=': write dX = b dt + g dW",
                                 column=offset + extra + 1 if extra > 0 else lead,
                                 token="=" if extra > 0 else segment.strip()[:60])
        lhs, rhs = segment.split("=")
        if lhs.strip() not in ("dX", "dx", "dy", "dz"):
            raise PDESyntaxError("left side{where} must be dX (componentwise) or dx, dy, dz (a coupled system)",
                                 column=lead, token=lhs.strip() or "=")
        out.append((lhs.strip()[1], rhs, lead, offset + len(lhs) + 1))
    return out


def _side(variable, rhs, offset, known, state) -> tuple[sp.Expr, sp.Expr, set]:
    """Drift, noise and the parameter names used by the right side of d<variable>."""
    source = rhs.strip()
    offset += len(rhs) - len(rhs.lstrip())
    if not source:
        raise PDESyntaxError(f"empty right side of d{variable}{{where}}: write b dt + g dW", column=offset)
    try:
        tree = ast.parse(_IMPLICIT.sub(lambda m: m.group()[:-1] + "*", source))
    except SyntaxError as exc:
        col = exc.offset or 1
        raise PDESyntaxError(f"syntax error{{where}}: {exc.msg} (write products with '*'; before dt and dW a "
                             "space will do)", column=offset + col, token=source[col - 1:][:20] or None) from None
    except (RecursionError, MemoryError, ValueError):
        raise UnsafeInputError(f"the right side of d{variable} is too deeply nested or malformed") from None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        raise UnsafeInputError(f"statement{{where}}: the right side of d{variable} must be an expression",
                               column=offset + 1, token=source[:60])
    walker = _Walker(source, offset, known, state, variable)
    value = walker.visit(tree.body[0].value)
    if not value.marks:
        raise PDESyntaxError(f"right side of d{variable}{{where}} has no dt or dW: write b dt + g dW",
                             column=offset + 1, token=source[:60])
    if value.noise == 0:
        raise PDEInputError(f"d{variable} has no noise term g dW with g ≠ 0{{where}}: a deterministic ODE is not "
                            "an SDE; add one such as sqrt(2) dW", column=offset + 1, token=source[:60])
    return value.drift, value.noise, walker.used


def _build(text: str, body: str, known: dict, defaults: tuple) -> tuple[SDE, set]:
    equations = _equations(body)
    if not equations:
        raise PDESyntaxError("empty input: write an SDE such as 'dX = -X dt + sqrt(2) dW' or a preset (ou, vp, ve)")
    names = [v for v, *_ in equations]
    for i, (v, _, column, _) in enumerate(equations):
        if (v == "X") != (names[0] == "X"):
            raise PDESyntaxError("dX and dx, dy, dz mixed{where}: write either the single componentwise equation "
                                 "dX = … or one equation per coordinate", column=column, token=f"d{v}")
        if v in names[:i]:
            raise PDESyntaxError(f"d{v} appears twice{{where}}; write one equation per coordinate",
                                 column=column, token=f"d{v}")
    if names != ["X"] and sorted(names) != list("xyz"[:len(names)]):
        missing = ", ".join(f"d{v}" for v in "xyz"[:max("xyz".index(v) for v in names) + 1] if v not in names)
        raise PDESyntaxError(f"equations for {', '.join(sorted(names))}: a system has the coordinates x; x, y; or "
                             f"x, y, z; add {missing}")
    variables = (X,) if names == ["X"] else tuple(COORDINATES[v] for v in "xyz"[:len(names)])
    state = {v.name: v for v in variables}
    sides, used = {}, set()
    for v, rhs, _, offset in equations:
        drift, noise, names_used = _side(v, rhs, offset, known, state)
        sides[v] = (drift, noise)
        used |= names_used
    drifts, noises = zip(*(sides[v.name] for v in variables))
    present = set().union(*(e.free_symbols for e in drifts + noises))
    parameters = tuple(known[n] for n in sorted(used) if known[n].symbol in present)
    if len(parameters) > MAX_PARAMETERS:
        raise ParameterError(f"the SDE has {len(parameters)} parameters; the limit is {MAX_PARAMETERS}: fix some "
                             "of them to numbers")
    return SDE(text=text, drift=drifts, diffusion=noises, variables=variables, parameters=parameters,
               defaults=defaults), used


def parse_sde(text: str, params: dict | None = None) -> SDE:
    """Parse SDE text (module docstring) or a preset name (``PRESETS``) into an SDE.

    ``params`` maps parameter names to assumptions (positive, nonnegative, negative, nonpositive, nonzero,
    real), overriding a preset's; undeclared names are real.
    """
    check_text(text, "SDE", "dX = -X dt + sqrt(2) dW")
    preset = PRESETS.get(text.strip().lower(), Preset(text))
    known = {**_normalise_params(preset.assumptions), **_normalise_params(params)}
    for name in known:
        if name in _RESERVED or name.startswith("dW"):
            raise ParameterError(f"parameter name {name!r} is reserved by the SDE grammar (a variable, "
                                 "differential or function); choose another name")
    declared = set(known)
    sde, used = _build(text, preset.text, known, preset.defaults)
    unused = sorted(declared - used)
    if unused:
        raise ParameterError(f"parameter(s) {', '.join(unused)} declared but not used in the SDE; check the "
                             "spelling or drop the declaration")
    # what is printed is what is analysed: the canonical text must read back as the same SDE
    again = _read_back(sde, known)
    if again is not None and _exprs(again) != _exprs(sde):
        # SymPy simplifies some printed forms further when reading them (Abs(Abs(a)) → Abs(a)): keep the
        # read-back form when it is the same function and reads back as itself
        stable = _read_back(again, known)
        if stable is None or _exprs(stable) != _exprs(again) or not all(
                (a - b).equals(0) for a, b in zip(_exprs(again), _exprs(sde))):
            again = None
    if again is None:
        raise UnsafeInputError(f"the SDE cannot be written back exactly in the grammar (it prints as "
                               f"{sde.canonical[:120]!r}, which does not read back the same); simplify it")
    return replace(again, text=text)


def parse_potential(text: str, params: dict | None = None, dim: int | None = None) -> Potential:
    """Parse a potential V(t, x[, y[, z]]) with the same walker and guarantees as the SDEs (no dt, no dW).

    The coordinates are x, y, z up to the highest one used, or ``dim`` of them (at most 3)."""
    check_text(text, "potential", "cos(2*atan2(y, x) - t) + (x**2 + y**2 - 1)**2")
    known = _normalise_params(params)
    for name in known:
        if name in _RESERVED or name.startswith("dW"):
            raise ParameterError(f"parameter name {name!r} is reserved by the grammar; choose another name")
    source = text.strip()
    if not source:
        raise PDESyntaxError("empty input: write a potential such as '(x**2 - 1)**2 + y**2'")
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        col = exc.offset or 1
        raise PDESyntaxError(f"syntax error{{where}}: {exc.msg} (write products with '*')",
                             column=len(text) - len(text.lstrip()) + col, token=source[col - 1:][:20] or None) from None
    except (RecursionError, MemoryError, ValueError):
        raise UnsafeInputError("the potential is too deeply nested or malformed") from None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        raise UnsafeInputError("statement{where}: a potential is one expression", column=1, token=source[:60])
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    highest = max([0] + ["xyz".index(c) + 1 for c in names & set("xyz")])
    if dim is not None and not (highest <= dim <= 3):
        raise PDEInputError(f"--dim {dim}: the potential uses {'xyz'[:highest] or 'no coordinate'}, so give a "
                            f"dimension from {max(highest, 1)} to 3")
    variables = tuple(COORDINATES[c] for c in "xyz"[:dim or max(highest, 1)])
    walker = _Walker(source, len(text) - len(text.lstrip()), known, {v.name: v for v in variables}, "x")
    value = walker.visit(tree.body[0].value)
    if value.marks:
        raise PDESyntaxError("dt or dW in a potential: V(t, x, y) is a plain expression (the SDE is built from it)")
    unused = sorted(set(known) - walker.used)
    if unused:
        raise ParameterError(f"parameter(s) {', '.join(unused)} declared but not used in the potential")
    parameters = tuple(known[n] for n in sorted(walker.used) if known[n].symbol in value.plain.free_symbols)
    if len(parameters) > MAX_PARAMETERS:
        raise ParameterError(f"the potential has {len(parameters)} parameters; the limit is {MAX_PARAMETERS}")
    return Potential(text, value.plain, variables, parameters)


def _read_back(sde: SDE, known: dict) -> SDE | None:
    try:
        return _build(sde.canonical, sde.canonical, dict(known), sde.defaults)[0]
    except PDEInputError:
        return None


def _exprs(sde: SDE) -> tuple:
    return sde.drift + sde.diffusion


def sde_values(sde: SDE, given: dict | None = None) -> dict:
    """Each parameter's symbol → its float value: ``given`` (name → value) over the preset's ``defaults``."""
    given = dict(given or {})
    names = [p.name for p in sde.parameters]
    unknown = sorted(map(str, set(given) - set(names)))
    if unknown:
        have = f"its parameters are {', '.join(names)}" if names else "it has no parameters"
        raise ParameterError(f"unknown parameter(s) {', '.join(unknown)} for this SDE ({have}); drop that --value")
    defaults = dict(sde.defaults)
    values = {}
    for p in sde.parameters:
        raw = given.get(p.name, defaults.get(p.name))
        if raw is None:
            raise ParameterError(f"parameter {p.name} has no value: pass --value {p.name}=NUMBER")
        try:
            value = math.nan if isinstance(raw, bool) else float(raw)
        except (TypeError, ValueError, OverflowError):
            value = math.nan
        holds, rule = _ASSUMPTION_TESTS[p.assumption]
        if not math.isfinite(value) or not holds(value):
            raise ParameterError(f"parameter {p.name} = {str(raw)[:40]} must be a finite number{rule} "
                                 f"({p.assumption}); pass --value {p.name}=NUMBER with such a value")
        values[p.symbol] = value
    return values
