"""SDE grammar: accepted forms give the stated drift and noise; everything else is refused, never executed."""

import builtins
import io
import tokenize
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytic.errors import (
    GenphysError, ParameterError, PDEInputError, PDESyntaxError, UnsafeInputError, VariableCoefficientError,
)
from analytic.grammar import MAX_LENGTH, MAX_PARAMETERS
from analytic.pde import ParameterSymbol
from analytic.sde import COORDINATES, X, t
from analytic.sde_grammar import PRESETS, parse_sde, sde_values

x, y, z = (COORDINATES[c] for c in "xyz")
b0, b1 = ParameterSymbol("b0", positive=True), ParameterSymbol("b1", positive=True)


def same(a, b):
    return sp.simplify(a - b) == 0


def assert_round_trip(sde):
    again = parse_sde(sde.canonical, {p.name: p.assumption for p in sde.parameters if p.declared})
    assert again.variables == sde.variables
    for a, b in zip(again.drift + again.diffusion, sde.drift + sde.diffusion):
        assert same(a, b), (sde.text, sde.canonical)


def test_presets():
    ou = parse_sde("ou")
    assert ou.drift == (-X,) and ou.diffusion == (sp.sqrt(2),) and ou.variables == (X,) and ou.componentwise
    vp = parse_sde(" VP ")
    beta = b0 + (b1 - b0) * t
    assert same(vp.drift[0], -beta * X / 2) and same(vp.diffusion[0], sp.sqrt(beta))
    assert vp.defaults == (("b0", 0.1), ("b1", 20.0)) and [p.name for p in vp.parameters] == ["b0", "b1"]
    ve = parse_sde("ve")
    sigma = ParameterSymbol("sigma", positive=True)
    assert ve.drift == (0,) and ve.diffusion == (sigma**t,)
    assert sde_values(ve) == {sigma: 25.0}
    assert sde_values(vp) == {b0: 0.1, b1: 20.0}
    assert set(PRESETS) == {"ou", "vp", "ve"} and all(p.doc for p in PRESETS.values())
    for name in PRESETS:
        assert_round_trip(parse_sde(name))


def test_preset_assumptions_can_be_overridden():
    vp = parse_sde("vp", {"b0": "nonnegative"})
    assert {p.name: p.assumption for p in vp.parameters} == {"b0": "nonnegative", "b1": "positive"}
    with pytest.raises(ParameterError, match="declared but not used"):
        parse_sde("ou", {"b0": "positive"})


@pytest.mark.parametrize("text, drift, noise, variables", [
    ("dX = -X dt + sqrt(2) dW", [-X], [sp.sqrt(2)], (X,)),
    ("dX = sqrt(2) dW - X*dt", [-X], [sp.sqrt(2)], (X,)),  # either order, '*dt' or ' dt'
    ("dX = dW", [0], [1], (X,)),  # no dt-term: drift 0
    ("dX = -t*X dt + exp(-t) dW_X", [-t * X], [sp.exp(-t)], (X,)),
    ("\tdX=-X\tdt-dW;", [-X], [-1], (X,)),  # the sign of g is kept
    ("dX = 2*(X dt + dW) - X dt", [X], [2], (X,)),  # differentials distribute like any factor
    ("dx = (x - x**3) dt + 0.5 dW", [x - x**3], [sp.Rational(1, 2)], (x,)),
    ("dy = -x dt + dWy; dx = y dt + dW_x", [y, -x], [1, 1], (x, y)),  # stored in x, y order
    ("dx = (-x + y) dt + dW\ndy = -y*z dt + t dW\ndz = (atan2(x, y) + tanh(z)) dt + cos(t)**2 dW",
     [-x + y, -y * z, sp.atan2(x, y) + sp.tanh(z)], [1, t, sp.cos(t)**2], (x, y, z)),
])
def test_accepted_systems(text, drift, noise, variables):
    sde = parse_sde(text)
    assert sde.variables == variables
    assert all(same(a, b) for a, b in zip(sde.drift, drift)) and all(same(a, b) for a, b in zip(sde.diffusion, noise))
    assert_round_trip(sde)


@pytest.mark.parametrize("text, error, column, match", [
    ("dX = -X dt + X dW", VariableCoefficientError, 14, "multiplicative noise is not supported"),
    ("dx = -x dt + y*dW; dy = dW", VariableCoefficientError, 14, "multiplicative"),
    ("dX = dW/X", VariableCoefficientError, 9, "Itô and Stratonovich"),
    ("  dX = X dt + X dW", VariableCoefficientError, 15, "additive noise"),  # columns as typed
    ("dx = dW;\n dy = x*dW", VariableCoefficientError, 16, "multiplicative"),
    ("dX = -X dt + sqrt(2)dW", PDESyntaxError, 21, "space will do"),
    ("dX = -X dt + exp(dW)", PDESyntaxError, 14, "only as the factors"),
    ("dX = -X dt + dW**2", PDESyntaxError, 14, "product g dW"),
    ("dX = dt*dW", PDESyntaxError, 6, "product of differentials"),
    ("dX = -X dt**2 + dW", PDESyntaxError, 9, "power of dt"),
    ("dX = X/dt + dW", PDESyntaxError, 8, "denominator"),
    ("dX = X + dW", PDESyntaxError, 6, "term without dt or dW"),
    ("dx = -x**3 + x dt + dW", PDESyntaxError, 6, "term without dt or dW"),  # a bare drift term: bracket it
    ("dX = -X dt", PDEInputError, 6, "deterministic ODE is not an SDE"),
    ("dX = -X dt + 0*dW", PDEInputError, 6, "not an SDE"),
    ("dX = 1", PDESyntaxError, 6, "no dt or dW"),
    ("dX = dW; dx = dW", PDESyntaxError, 10, "mixed"),
    ("dx = dW; dX = dW", PDESyntaxError, 10, "mixed"),
    ("dx = dW; dx = dW", PDESyntaxError, 10, "twice"),
    ("dy = dW", PDESyntaxError, None, "add dx"),
    ("dx = dW; dz = dW", PDESyntaxError, None, "add dy"),
    ("dX = x dt + dW", PDESyntaxError, 6, "only X, t and parameters"),
    ("dx = z dt + dW; dy = dW", PDESyntaxError, 6, "add dz"),
    ("dx = X dt + dW", PDESyntaxError, 6, "componentwise"),
    ("dX = -X dt + dW_y", PDESyntaxError, 14, "own Wiener process"),
    ("x = dW", PDESyntaxError, 1, "left side"),
    ("dX -X dt + dW", PDESyntaxError, 1, "exactly one '='"),
    ("dX = dW = dt", PDESyntaxError, 9, "exactly one '='"),
    ("dX == dW", PDESyntaxError, 4, "comparison"),
    ("dX = 2 x dt + dW", PDESyntaxError, 8, "syntax error"),
    ("dX = -X dt + dW # note", PDESyntaxError, 17, "no comments"),
    ("dX = -X dt + dW\n  dy = __import__('os') dW", PDESyntaxError, 19, "mixed"),
    ("dx = -x dt + dW\ndy = __import__('os') dW", PDESyntaxError, 22, "unknown function __import__"),
    ("dX = ().__class__ dt + dW", UnsafeInputError, 6, "attribute"),
    ("dX = (lambda: 1) dW", UnsafeInputError, 7, "lambda"),
    ("dX = X[0] dt + dW", UnsafeInputError, 6, "subscripts"),
    ("dX = [X for X in t] dt + dW", UnsafeInputError, 6, "comprehensions"),
    ("dX = (X < 1) dt + dW", UnsafeInputError, 7, "comparisons"),
    ("dX = -X dt + 'a' dW", UnsafeInputError, 14, "not a real number"),
    ("dX = -X dt + 2j dW", UnsafeInputError, 14, "not a real number"),
    ("dX = exp(**kw) dW", UnsafeInputError, 6, "keyword"),
    ("dX = import os", UnsafeInputError, 6, "statement"),
    ("dX = foo(X) dt + dW", PDESyntaxError, 6, "unknown function foo"),
    ("dX = eval(X) dt + dW", PDESyntaxError, 6, "unknown function eval"),
    ("dX = open dW", PDESyntaxError, 6, "unknown name"),
    ("dX = phi dt + dW", PDESyntaxError, 6, "unknown name"),
    ("dX = I*X dt + dW", PDESyntaxError, 6, "unknown name"),
    ("dX = exp dt + dW", PDESyntaxError, 6, "is a function"),
    ("dX = atan2(X) dt + dW", PDESyntaxError, 6, "takes 2 argument"),
    ("dX = X**X dt + dW", PDESyntaxError, 6, "exponent"),
    ("dX = 2**X dt + dW", PDESyntaxError, 6, "exponent"),
    ("dX = X**100 dt + dW", UnsafeInputError, 6, "at most 64"),
    ("dX = 1e10**40 dW", UnsafeInputError, 6, "too large"),
    ("dX = exp(1000) dW", UnsafeInputError, 6, "overflows double"),
    ("dX = exp(700)*exp(700) dW", UnsafeInputError, 6, "double precision"),
    ("dX = 1e400 dW", UnsafeInputError, 6, "overflows"),
    ("dX = 1e-400 dW", UnsafeInputError, 6, "underflows"),
    ("dX = 1234567890123456789012345678901 dW", UnsafeInputError, 6, "digits"),
    ("dX = log(0) dW", PDEInputError, 6, "not a finite real number"),
    ("dX = sqrt(-1) dW", PDEInputError, 6, "real"),
    ("dX = 1/0 dt + dW", PDEInputError, 6, "division by zero"),
    ("dX = " + "-" * 100 + "X dt + dW", UnsafeInputError, None, "nested"),
    ("dX = " + "(" * 250 + "X" + ")" * 250 + " dW", PDESyntaxError, None, "nested parentheses"),
    ("dX = dW + " + "X*" * MAX_LENGTH, UnsafeInputError, None, "limit"),
    ("dX = -X dt + dW\x00", PDESyntaxError, 16, "ASCII"),
    ("", PDESyntaxError, None, "empty input"),
    (" ; \n ", PDESyntaxError, None, "empty input"),
])
def test_refusals(text, error, column, match):
    with pytest.raises(error, match=match.replace("(", r"\(").replace("*", r"\*")) as info:
        parse_sde(text)
    if column is not None:
        assert info.value.column == column, str(info.value)
        assert info.value.token and text.startswith(info.value.token, column - 1)  # the token as typed


def test_not_a_string():
    with pytest.raises(PDESyntaxError):
        parse_sde(None)


def test_parameters_declared_and_undeclared():
    sde = parse_sde("dx = (-kap*x + c) dt + sqrt(2*D) dW", {"kap": "positive", "D": "positive"})
    assert [p.name for p in sde.parameters] == ["D", "c", "kap"]  # sorted by name
    declared = {p.name: (p.assumption, p.declared) for p in sde.parameters}
    assert declared == {"D": ("positive", True), "c": ("real", False), "kap": ("positive", True)}
    assert all(isinstance(p.symbol, ParameterSymbol) for p in sde.parameters)
    kap = ParameterSymbol("kap", positive=True)
    assert sde.drift[0].has(kap) and not sde.drift[0].has(sp.Symbol("kap", positive=True))
    assert_round_trip(sde)


@pytest.mark.parametrize("params, match", [
    ({"kap": "positive", "q2": "real"}, "declared but not used"),
    ({"X": "real"}, "reserved by the SDE grammar"),
    ({"sin": "real"}, "reserved by the SDE grammar"),
    ({"dW_x": "real"}, "reserved"),
    ({"t": "real"}, "reserved"),
    ({"kap": "big"}, "not known"),
    ({"kap": 3}, "must be a string"),
])
def test_parameter_declaration_errors(params, match):
    with pytest.raises(ParameterError, match=match):
        parse_sde("dX = -kap*X dt + dW", params)


def test_too_many_parameters():
    names = [f"a{i}" for i in range(MAX_PARAMETERS + 1)]
    with pytest.raises(ParameterError, match="limit"):
        parse_sde(f"dX = ({' + '.join(names)}) dt + dW")


def test_sde_values():
    vp = parse_sde("vp")
    assert sde_values(vp, {"b1": 10}) == {b0: 0.1, b1: 10.0}
    sde = parse_sde("dX = -kap*X dt + g dW", {"kap": "positive"})
    values = sde_values(sde, {"kap": 2, "g": -1.5})
    assert values == {ParameterSymbol("kap", positive=True): 2.0, ParameterSymbol("g", real=True): -1.5}
    assert all(type(v) is float for v in values.values())
    assert sde_values(parse_sde("ou"), None) == {}
    for passed, match in [({"kap": 2}, "pass --value g=NUMBER"), ({"kap": 2, "g": 1, "h": 1}, "unknown parameter"),
                         ({"kap": -1, "g": 1}, "> 0"), ({"kap": 0, "g": 1}, "positive"),
                         ({"kap": float("nan"), "g": 1}, "finite"), ({"kap": float("inf"), "g": 1}, "finite"),
                         ({"kap": "abc", "g": 1}, "--value kap=NUMBER"), ({"kap": True, "g": 1}, "kap")]:
        with pytest.raises(ParameterError, match=match) as info:
            sde_values(sde, passed)
        assert "\n" not in str(info.value)
    with pytest.raises(ParameterError, match="< 0"):  # a default that an overridden assumption rules out
        sde_values(parse_sde("vp", {"b0": "negative"}))
    with pytest.raises(ParameterError, match="no parameters"):
        sde_values(parse_sde("ou"), {"b0": 1})


@pytest.mark.parametrize("text", [
    "dX = atan2(X, 1) dt + abs(t) dW",  # prints atan(X) and t
    "dX = (sqrt(X**2) + abs(X)) dt + exp(1) dW",  # prints Abs(X) and E
    "dX = 0.1*X**(1/3) dt + 1/sqrt(1 + t) dW",
    "dX = -X/(1 + X**2) dt + 2**t*pi dW",
    "dx = (atan2(y, x) + log(1 + x**2)) dt + sin(t) dW; dy = (tanh(x - y) - exp(-y**2/2)) dt + 1e-3 dW",
])
def test_canonical_text_reads_back(text):
    sde = parse_sde(text)
    assert "." not in sde.canonical  # exact numbers only
    assert_round_trip(sde)


TOKENS = ["dX = ", "dx = ", "dy = ", "; ", "\n", "=", " dt", " dW", "dt", "dW", "dW_y", "X", "x", "y", "z", "t", "pi",
          "b0", "exp(", "log(", "sqrt(", "atan2(", "abs(", "Abs(", "tanh(", "(", ")", ",", "+", "-", "*", "/", "**",
          "2", "0.5", "1e308", "9" * 31, " ", "__import__('os')", "().__class__", "lambda", ":", "open", "eval",
          "[", "]", ".", "'os'", "phi", "I", "#", "=="]


def _check_outcome(text):
    try:
        sde = parse_sde(text)
    except PDEInputError:
        return
    assert_round_trip(sde)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=20).map("".join)
       | st.lists(st.sampled_from(TOKENS), max_size=14).map(lambda ts: "dX = " + "".join(ts) + " dW")
       | st.text(max_size=60))
def test_random_text_parses_and_round_trips_or_raises_input_errors(text):
    _check_outcome(text)


_ATOMS = ["X", "t", "2", "0.25", "kap", "pi", "exp(-t)", "sqrt(X**2 + 1)", "(X - 1)", "atan2(X, 2)", "abs(X)", "sin(X)",
          "cos(t)", "tanh(X)", "log(1 + t)", "1/3", "X**3", "a**t"]


@st.composite
def _sdes(draw):
    def expr(depth=0):
        if depth > 1 or draw(st.booleans()):
            return draw(st.sampled_from(_ATOMS))
        return f"({expr(depth + 1)} {draw(st.sampled_from(['+', '-', '*', '/']))} {expr(depth + 1)})"
    drift = expr()
    noise = "*".join(draw(st.lists(st.sampled_from(["2", "t", "kap", "exp(-t)", "sqrt(1 + t)", "a**t", "1/7"]),
                                   min_size=1, max_size=3)))
    return f"dX = {drift} dt + {noise} dW" if draw(st.booleans()) else f"dX = {noise}*dW - {drift}*dt"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_sdes())
def test_well_formed_sdes_round_trip(text):
    _check_outcome(text)


def test_printed_form_is_what_is_returned():
    sde = parse_sde("dX = abs(sin(3)*abs(3 + a)) dt + 3 dW")  # SymPy drops the inner Abs only when reading it back
    assert sde.drift == (sp.sin(3) * sp.Abs(ParameterSymbol("a", real=True) + 3),)
    assert sde.text == "dX = abs(sin(3)*abs(3 + a)) dt + 3 dW"
    assert parse_sde(sde.canonical).drift == sde.drift
    with pytest.raises(UnsafeInputError, match="cannot be written back"):  # prints exp(1400), beyond the limit
        parse_sde("dX = exp(700)*X*exp(700) dt + dW")


def test_parsing_never_calls_eval_or_exec(monkeypatch):
    texts = ["ou", "vp", "ve", "dx = (y - x) dt + dW; dy = -x dt + t dW", "dX = abs(abs(3*a)) dt + dW",
             "dX = __import__('os').system('true') dW", "dX = eval('1') dW", "dX = exec dW", "dX = (lambda: 0)() dW",
             "dX = X dt + X dW", "dX = exp(700)*X*exp(700) dt + dW"]

    def parse_all():
        for text in texts:
            try:
                parse_sde(text)
            except GenphysError:
                pass

    parse_all()  # first SymPy's lazy imports, which run module code through exec

    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec called while parsing")
    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    parse_all()


def test_source_never_mentions_eval_outside_comments():
    source = Path(__file__).parents[1].joinpath("analytic", "sde_grammar.py").read_text()
    code = [tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type not in (tokenize.COMMENT,)]
    for word in ("eval", "exec", "sympify", "parse_expr", "lambdify"):
        assert not any(word in piece for piece in code), word
