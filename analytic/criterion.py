"""The s-generative criterion (GenPhys Eq. 16, App. C) decided symbolically by case analysis.

With E(k) = max over kept branches of Re s_j(k) = Im ω_j(k), the criterion is E(k) < E(0) for
every k ≠ 0. Evolution keeps every branch; boundary keeps, at each k, the roots with Re s ≤ 0
(bounded as t → ∞). The decision procedure is general, not a table of PDEs:

1. parameters are split into sign cells allowed by their assumptions, each cell encoded by
   positive dummies (p → P, −P or 0), so SymPy's assumptions carry the case;
2. in each case, closed-form roots are taken; every radicand is classified over k > 0 (constant
   sign, or one sign change at k*) and k > 0 is cut into intervals where Re s_j is explicit;
3. on each interval h = Re s_j − E(0) must stay negative: proved by SymPy's sign reasoning
   (with radical rationalisation), or by "no root of h = 0 inside, negative at one point";
4. any sign that depends on the parameters alone splits the case again (> 0, = 0, < 0),
   encoded by solving for one dummy; the condition is the union of the cases that hold.

What cannot be decided is reported as undecided with the reason, never guessed: the caller
falls back to the numeric scan for it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import sympy as sp

from .dispersion import roots_in_s
from .outcome import Holds
from .pde import AXIS_K, LinearPDE, k, s

MAX_CASES = 64
MAX_SPLIT_DEPTH = 6
_SIGN_DEPTH = 4


class _Split(Exception):
    """A sign that depends on the parameters only: split the case on it."""

    def __init__(self, expr):
        super().__init__(str(expr))
        self.expr = expr


class _Undecided(Exception):
    """This route cannot decide the case; the message says why."""


@dataclass
class _Case:
    subs: dict  # original parameter symbol -> expression in positive dummies
    back: dict  # dummy -> expression in the original parameters
    conditions: tuple = ()
    depth: int = 0

    @property
    def dummies(self) -> set:
        return set(self.back)


@dataclass(frozen=True)
class CaseVerdict:
    """The criterion in one region of parameter space, with its evidence."""

    conditions: tuple
    holds: bool | None
    reason: str
    E0: sp.Expr | None = None
    witness: sp.Expr | dict | None = None

    @property
    def condition(self) -> sp.Basic:
        return sp.And(*self.conditions)


@dataclass(frozen=True)
class SymbolicCriterion:
    """Result of the symbolic route: per-case verdicts and the derived condition."""

    mode: str
    cases: tuple
    condition: sp.Basic | None  # Boolean over the parameters; None when nothing was decided
    complete: bool  # every case decided
    holds: Holds = Holds.UNDECIDED  # UNDECIDED unless every case is decided


# ---------------------------------------------------------------------------------------
# signs
# ---------------------------------------------------------------------------------------
def _sign_of(expr, depth: int = 0) -> int:
    """Sign (−1, 0, 1) of expr for every value of its (positive) variables; splits or gives up."""
    expr = sp.sympify(expr)  # safe: internal SymPy objects only, never user text
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise _Undecided(f"{sp.sstr(expr)} is not finite")
    known = _known_sign(expr)
    if known is not None:
        return known
    for form in (sp.factor(sp.together(expr)), sp.radsimp(expr)):
        known = _known_sign(form)
        if known is not None:
            return known
    if depth < _SIGN_DEPTH:
        rationalised = _sign_by_rationalising(expr, depth)
        if rationalised is not None:
            return rationalised
    if not _depends_on_k(expr):
        factored = sp.factor(sp.together(expr))
        for factor in sp.Mul.make_args(factored):
            base = factor.as_base_exp()[0]
            if _known_sign(factor) is None and _known_sign(base) is None:
                raise _Split(sp.factor(base))
        raise _Split(factored)
    raise _Undecided(f"cannot decide the sign of {sp.sstr(expr)}")


def _depends_on_k(expr) -> bool:
    """True when expr involves a wave number (k, kx, ky, kz or an interval variable K)."""
    return expr.has(k, *AXIS_K.values()) or any(
        isinstance(sym, sp.Dummy) and sym.name == "K" for sym in expr.free_symbols)


def _maximum(values: list) -> sp.Expr:
    """The largest of ``values`` (±oo allowed), comparing by proved signs (may split or give up)."""
    best = values[0]
    for v in values[1:]:
        if v == sp.oo or (best != sp.oo and v != -sp.oo and (best == -sp.oo or _sign_of(v - best) > 0)):
            best = v
    return best


def _known_sign(expr) -> int | None:
    if expr.is_zero:
        return 0
    if expr.is_positive:
        return 1
    if expr.is_negative:
        return -1
    return None


def _sign_by_rationalising(expr, depth) -> int | None:
    """sign(u + v√w) from sign(u), sign(v) and sign(u² − v²w)."""
    expanded = sp.expand(expr)
    roots = [p for p in expanded.atoms(sp.Pow) if p.exp == sp.S.Half and not p.base.is_number]
    for q in roots:
        parts = sp.collect(expanded, q, evaluate=False)
        if set(parts) - {sp.S.One, q}:
            continue
        u, v = parts.get(sp.S.One, sp.S.Zero), parts.get(q, sp.S.Zero)
        if u.has(q) or v.has(q):
            continue
        if _sign_of(q.base, depth + 1) < 0:  # may split the case on the radicand's sign
            raise _Undecided(f"{sp.sstr(expr)} is not real (square root of a negative quantity)")
        su, sv = _sign_of(u, depth + 1), _sign_of(v, depth + 1)
        if sv == 0 or su == sv:
            return su
        if su == 0:
            return sv
        return su * _sign_of(sp.expand(u**2 - v**2 * q.base), depth + 1)
    return None


# ---------------------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------------------
def _initial_case_count(pde: LinearPDE) -> int:
    per = {"positive": 1, "negative": 1, "nonnegative": 2, "nonpositive": 2, "nonzero": 2, "real": 3}
    return math.prod(per[p.assumption] for p in pde.parameters)


def _initial_cases(pde: LinearPDE) -> list[_Case]:
    """One case per sign cell of the parameters; a single unencoded case when there are over MAX_CASES."""
    if _initial_case_count(pde) > MAX_CASES:
        return [_Case({}, {}, ())]
    cells = []
    for p in pde.parameters:
        sym = p.symbol
        d = sp.Dummy(p.name, positive=True)
        pos = (None if p.assumption == "positive" else sp.Gt(sym, 0), d, {d: sym})
        neg = (None if p.assumption == "negative" else sp.Lt(sym, 0), -d, {d: -sym})
        zero = (sp.Eq(sym, 0), sp.S.Zero, {})
        options = {"positive": [pos], "negative": [neg], "nonnegative": [zero, pos],
                   "nonpositive": [neg, zero], "nonzero": [neg, pos], "real": [neg, zero, pos]}[p.assumption]
        cells.append([(sym, *o) for o in options])
    cases = []
    for combo in itertools.product(*cells):
        subs, back, conds = {}, {}, []
        for sym, cond, value, b in combo:
            subs[sym] = value
            back.update(b)
            if cond is not None:
                conds.append(cond)
        cases.append(_Case(subs, back, tuple(conds)))
    return cases


def sign_cells(pde: LinearPDE) -> list:
    """The parameter regions the case analysis starts from (one sign per parameter), as Booleans; one
    region (all parameters) when there would be more than MAX_CASES."""
    return [sp.And(*case.conditions) for case in _initial_cases(pde)]


def _split(case: _Case, expr) -> list:
    """Sub-cases for the sign of a parameter expression, each encoded by solving for one dummy."""
    orig = sp.simplify(expr.subs(case.back))
    for x in sorted(expr.free_symbols & case.dummies, key=str):
        try:
            sols = [r for r in sp.solve(expr, x) if r.is_positive]
        except (NotImplementedError, sp.PolynomialError):
            continue
        if len(sols) != 1:
            continue
        x0 = sols[0]
        d = sp.Dummy("d", positive=True)
        x_orig, x0_orig = case.back[x], x0.subs(case.back)
        out = [_substituted(case, x, x0, {}, sp.Eq(orig, 0))]
        for value, d_orig in ((x0 + d, x_orig - x0_orig), (x0 / (1 + d), x0_orig / x_orig - 1)):
            try:
                sign = _sign_of(expr.subs(x, value))
                cond = {1: sp.Gt(orig, 0), -1: sp.Lt(orig, 0), 0: sp.Eq(orig, 0)}[sign]
            except (_Split, _Undecided):
                cond = sp.Gt(x_orig, x0_orig) if value == x0 + d else sp.Lt(x_orig, x0_orig)
            out.append(_substituted(case, x, value, {d: d_orig}, cond))
        return out
    return [CaseVerdict(case.conditions + (rel,), None,
                        f"could not encode the case {sp.sstr(rel)} for the symbolic route")
            for rel in (sp.Gt(orig, 0), sp.Eq(orig, 0), sp.Lt(orig, 0))]


def _substituted(case: _Case, x, value, new_back, cond) -> _Case:
    subs = {p: sp.sympify(v).subs(x, value) for p, v in case.subs.items()}  # safe: internal values
    back = {d: e for d, e in case.back.items() if d != x}
    back.update(new_back)
    cond = sp.simplify(cond)
    conds = case.conditions if cond is sp.true else case.conditions + (cond,)
    return _Case(subs, back, conds, case.depth + 1)


# ---------------------------------------------------------------------------------------
# one case
# ---------------------------------------------------------------------------------------
def _decide_case(pde: LinearPDE, mode: str, case: _Case) -> CaseVerdict:
    L = sp.expand(pde.symbol.subs(case.subs))
    if not L.has(s):
        return CaseVerdict(case.conditions, False, "no time derivative survives here: L does not involve s")
    lead = sp.Poly(L, s).LC()
    if lead.has(*AXIS_K.values(), k):
        try:  # a definite sign for all k proves it never vanishes
            _sign_of(lead.subs(k, sp.Dummy("K", positive=True)))
        except _Undecided:
            raise _Undecided("the leading coefficient in s may vanish at some k > 0, where a branch "
                             "goes to infinity") from None
    # Routh-Hurwitz needs no roots: for cubic and higher evolution problems it is tried first, since
    # the cubic and quartic formulas' nested radicals rarely let the closed-form route decide.
    hurwitz_first = mode == "evolution" and pde.isotropic and sp.degree(L, s) >= 3
    if hurwitz_first:
        try:
            return _decide_hurwitz(L, case)
        except _Undecided as exc:
            hurwitz_failed = exc
    try:
        found = roots_in_s(L)
        if found is None:
            raise _Undecided("no closed-form roots in s")
        roots = [r for r, _ in found]
        if pde.isotropic:
            return _decide_isotropic(roots, mode, case)
        return _decide_anisotropic(roots, pde.kvars, mode, case)
    except _Undecided as first:
        if hurwitz_first:
            raise _Undecided(f"Routh-Hurwitz route: {hurwitz_failed}; closed-form branches: {first}") from None
        if mode != "evolution" or not pde.isotropic:
            raise
        try:
            return _decide_hurwitz(L, case)
        except _Undecided as second:
            raise _Undecided(f"{first}; Routh-Hurwitz route: {second}") from None


def _decide_hurwitz(L, case: _Case) -> CaseVerdict:
    """Evolution reading by Routh-Hurwitz: all roots of L(s + E(0), k) in Re s < 0 for every k > 0."""
    conds = case.conditions
    L0 = sp.expand(L.subs(k, 0))
    if sp.Poly(L0, s).degree() != sp.Poly(L, s).degree():
        raise _Undecided("the degree in s drops at k = 0")
    found = roots_in_s(L0)
    if found is None:
        raise _Undecided("no closed-form roots at k = 0")
    zero_roots = [r for r, _ in found]
    signs = {base: _sign_of(base) for base in _radicands(zero_roots)}
    growth = [_real_part(r, signs) for r in zero_roots]
    E0 = _maximum(growth)
    E0_orig = sp.simplify(E0.subs(case.back))
    P = sp.expand(L.subs(s, s + E0))
    if P.has(sp.I):  # P times its coefficient-conjugate: real, same real parts of roots
        P = sp.expand(P * sp.expand(P.subs(sp.I, -sp.I)))
    coeffs = sp.Poly(P, s).all_coeffs()
    lead = _sign_of(coeffs[0])
    coeffs = [lead * c for c in coeffs]
    n = len(coeffs) - 1
    K = sp.Dummy("K", positive=True)

    def a(i):
        return coeffs[i] if 0 <= i <= n else sp.S.Zero

    hurwitz = sp.Matrix(n, n, lambda i, j: a(2 * j - i + 1))
    for order in range(1, n + 1):
        minor = sp.expand(hurwitz[:order, :order].det().subs(k, K))
        ok, witness = _negative_for_all(-minor, K)
        if not ok:
            k_w = sp.simplify(witness.subs(case.back))
            return CaseVerdict(conds, False, f"Hurwitz determinant {order} of L(s + Im ω(0), k) is ≤ 0 at "
                                             f"k = {sp.sstr(k_w)}: a root has Im ω ≥ Im ω(0) = {E0_orig}",
                               E0_orig, {"k": k_w})
    return CaseVerdict(conds, True, f"Routh-Hurwitz: every branch has Im ω(k) < Im ω(0) = {E0_orig} for all k > 0",
                       E0_orig)


def _radicands(roots) -> list:
    out = []
    for r in roots:
        for p in r.atoms(sp.Pow):
            if p.exp.is_Rational and not p.exp.is_integer and not p.base.is_number:
                if p.base.is_positive or p.base in out:
                    continue
                out.append(p.base)
            elif not p.exp.is_number and not p.base.is_positive:
                raise _Undecided(f"power {sp.sstr(p)} with a symbolic exponent and a base of unknown sign")
    return out


def _real_part(expr, signs: dict) -> sp.Expr:
    """Re expr, given the sign of each radicand on the current k-range."""
    reps, back = {}, {}
    for base, sign in signs.items():
        if sign == 0:
            reps[base] = sp.S.Zero
            continue
        R = sp.Dummy("R", positive=True)
        reps[base] = R if sign > 0 else -R
        back[R] = base if sign > 0 else -base
    replaced = expr.xreplace({p: sp.Pow(reps[p.base], p.exp) for p in expr.atoms(sp.Pow) if p.base in reps})
    real = sp.re(sp.expand_complex(replaced))
    if real.has(sp.re) or real.has(sp.im):
        raise _Undecided(f"real part of {sp.sstr(expr)} is not explicit")
    return sp.simplify(real.xreplace(back))


def _structure(base) -> tuple:
    """(crossing k* or None, sign for k < k*, sign for k > k*) of a radicand over k > 0."""
    groups: dict = {}
    for term in sp.Add.make_args(sp.expand(base)):
        coeff, exp = term.as_coeff_exponent(k)
        if coeff.has(k):
            raise _Undecided(f"radicand {sp.sstr(base)} is not a sum of powers of k")
        groups[exp] = groups.get(exp, 0) + coeff
    groups = {e: c for e, c in groups.items() if c != 0}
    items = list(groups.items())
    signs = [_sign_of(c) for _, c in items]
    if len(set(signs)) == 1:
        return None, signs[0], signs[0]
    if len(items) != 2:
        raise _Undecided(f"radicand {sp.sstr(base)} may change sign more than once")
    (e1, c1), (e2, c2) = items
    if _sign_of(e2 - e1) < 0:
        (e1, c1), (e2, c2) = (e2, c2), (e1, c1)
    crossing = sp.simplify((-c1 / c2) ** (1 / (e2 - e1)))
    return crossing, _sign_of(c1), _sign_of(c2)


def _sorted_points(points) -> list:
    ordered: list = []
    for p in points:
        if any(_sign_of(p - q) == 0 for q in ordered):
            continue
        pos = 0
        while pos < len(ordered) and _sign_of(p - ordered[pos]) > 0:
            pos += 1
        ordered.insert(pos, p)
    return ordered


def _negative_for_all(h, K) -> tuple[bool, sp.Expr | None]:
    """Is h(K) < 0 for every K > 0? Returns (answer, a K where it fails)."""
    h = sp.simplify(h)
    if not h.has(K):
        sign = _sign_of(h)
        return sign < 0, (None if sign < 0 else sp.S.One)
    try:
        sign = _sign_of(h)
        return sign < 0, (None if sign < 0 else sp.S.One)
    except _Undecided:
        pass
    for p in h.atoms(sp.Pow):
        if p.base.has(K) and not p.exp.is_integer:
            nested = any(q.base.has(K) and not q.exp.is_integer for q in p.base.atoms(sp.Pow))
            if abs(p.exp) != sp.S.Half or nested:
                # sympy.solve may silently miss roots here; "no crossing" would not be a proof
                raise _Undecided(f"cannot locate the zeros of {sp.sstr(h)} reliably (nested or higher radicals)")
    try:
        candidates = sp.solve(h, K)
    except (NotImplementedError, sp.PolynomialError) as exc:
        raise _Undecided(f"cannot solve {sp.sstr(h)} = 0: {exc}") from None
    for sol in candidates:
        if sol.has(sp.I) or not _real(sol) or _sign_of(sol) <= 0:
            continue
        if sp.simplify(h.subs(K, sol)) != 0:
            raise _Undecided(f"unverified crossing of {sp.sstr(h)} at K = {sp.sstr(sol)}")
        return False, sol
    sign = _sign_of(h.subs(K, 1))
    return sign < 0, (None if sign < 0 else sp.S.One)


def _real(expr) -> bool:
    """Whether every even root in expr has a nonnegative radicand (splits the case when that depends
    on the parameters): a K that solves h(K) = 0 only with an imaginary square root is no crossing."""
    for p in expr.atoms(sp.Pow):
        if p.exp.is_Rational and p.exp.q % 2 == 0 and _sign_of(p.base) < 0:
            return False
    return True


def _decide_isotropic(roots, mode, case: _Case) -> CaseVerdict:
    conds = case.conditions
    radicands = _radicands(roots)
    structures = {}
    for base in radicands:
        structures[base] = _structure(base) if base.has(k) else (None, _sign_of(base), _sign_of(base))
    points = _sorted_points([c for c, _, _ in structures.values() if c is not None])
    bounds = [sp.S.Zero, *points, sp.oo]
    K = sp.Dummy("K", positive=True)

    def signs_at(index_lo, at_point=None):
        out = {}
        for base, (c, below, above) in structures.items():
            if c is None:
                out[base] = below
            elif at_point is not None and _sign_of(at_point - c) == 0:
                out[base] = 0
            else:
                lo = bounds[index_lo]
                out[base] = above if (lo != 0 and _sign_of(lo - c) >= 0) else below
        return out

    def k_of(i):
        lo, hi = bounds[i], bounds[i + 1]
        if hi == sp.oo:
            return lo + K
        return lo + (hi - lo) * K / (1 + K)

    # growth rates on each open interval, as functions of K
    intervals = []
    for i in range(len(bounds) - 1):
        sg = signs_at(i)
        intervals.append([_real_part(r, sg).subs(k, k_of(i)) for r in roots])
    at_points = [[_real_part(r, signs_at(i + 1, p)).subs(k, p) for r in roots] for i, p in enumerate(points)]

    # E(0): the limit k -> 0+ on the first interval
    limits = []
    for g in intervals[0]:
        value = g.subs(K, 0)
        if value.has(sp.nan, sp.zoo) or not value.is_finite:
            value = sp.limit(g, K, 0, "+")
        value = sp.simplify(value)
        if value.has(sp.nan, sp.zoo) or isinstance(value, sp.AccumBounds):  # ±oo is a verdict; nan is not
            raise _Undecided(f"the k → 0 limit of the growth rate {sp.sstr(g)} is not determined ({value})")
        limits.append(value)
    if mode == "boundary":
        limits = [v for v in limits if v == -sp.oo or (v.is_finite and _sign_of(v) <= 0)]
        if not limits:
            return CaseVerdict(conds, False, "no branch is bounded at k = 0 in the boundary reading")
    E0 = _maximum(limits)
    E0_orig = sp.simplify(E0.subs(case.back))
    if not E0.is_finite:
        return CaseVerdict(conds, False, f"Im ω(0) = {E0_orig} is not finite: the k → 0 limit of the envelope "
                                         "diverges, so Eq. 16 has no reference mode", E0_orig)

    for i, growth in enumerate(intervals):
        for g in growth:
            ok, witness = _negative_for_all(g - E0, K)
            if not ok and mode == "boundary":
                discarded, _ = _negative_for_all(-g, K)
                if discarded:
                    continue
                if witness is not None and _sign_of(g.subs(K, witness)) > 0:
                    raise _Undecided("a root crosses Re s = 0 inside an interval")
            if not ok:
                k_w = sp.simplify(k_of(i).subs(K, witness).subs(case.back))
                return CaseVerdict(conds, False, f"a branch has Im ω(k) ≥ Im ω(0) = {E0_orig} at k = {sp.sstr(k_w)}",
                                   E0_orig, {"k": k_w})
    for p, growth in zip(points, at_points):
        for g in growth:
            sign = _sign_of(g - E0)
            if sign >= 0 and not (mode == "boundary" and _sign_of(g) > 0):
                k_w = sp.simplify(p.subs(case.back))
                return CaseVerdict(conds, False, f"a branch has Im ω(k) ≥ Im ω(0) = {E0_orig} at k = {sp.sstr(k_w)}",
                                   E0_orig, {"k": k_w})
    kept = "every branch" if mode == "evolution" else "every bounded branch"
    return CaseVerdict(conds, True, f"{kept} has Im ω(k) < Im ω(0) = {E0_orig} for all k > 0", E0_orig)


def _decide_anisotropic(roots, kvars, mode, case: _Case) -> CaseVerdict:
    conds = case.conditions
    signs = {}
    for base in _radicands(roots):
        if not base.has(*kvars):
            signs[base] = _sign_of(base)
        elif base.is_nonnegative:
            signs[base] = 1
        elif base.is_nonpositive:
            signs[base] = -1
        else:
            raise _Undecided(f"radicand {sp.sstr(base)} changes sign with the direction of k")
    growth = [sp.expand(_real_part(r, signs)) for r in roots]
    at_zero = [sp.simplify(g.subs({kv: 0 for kv in kvars})) for g in growth]
    if mode == "boundary":
        if any(not g.is_polynomial(*kvars) for g in growth):
            raise _Undecided("boundary reading with anisotropic radicals")
        at_zero = [v for v in at_zero if _sign_of(v) <= 0]
        if not at_zero:
            return CaseVerdict(conds, False, "no branch is bounded at k = 0 in the boundary reading")
    E0 = _maximum(at_zero)
    E0_orig = sp.simplify(E0.subs(case.back))
    for g in growth:
        ok, witness = _negative_off_origin(sp.expand(g - E0), kvars)
        if not ok and mode == "boundary":
            ok_discard, _ = _negative_off_origin(sp.expand(-g), kvars)
            if ok_discard:
                continue
        if not ok:
            w = {str(kv): sp.simplify(sp.sympify(v).subs(case.back)) for kv, v in witness.items()}  # safe: internal values
            return CaseVerdict(conds, False, f"a branch has Im ω ≥ Im ω(0) = {E0_orig} at k = {w}", E0_orig, w)
    return CaseVerdict(conds, True, f"every branch has Im ω(k) < Im ω(0) = {E0_orig} for all k ≠ 0", E0_orig)


def _negative_off_origin(h, kvars) -> tuple[bool, dict | None]:
    """Is h(k) < 0 for every k ≠ 0 (polynomial h)? Returns (answer, a failing k)."""
    try:
        poly = sp.Poly(h, *kvars)
    except sp.PolynomialError:
        raise _Undecided(f"{sp.sstr(h)} is not polynomial in {kvars}") from None
    K = sp.Dummy("K", positive=True)
    for i, kv in enumerate(kvars):  # along each axis, both directions
        for direction in (1, -1):
            line = h.subs({other: 0 for other in kvars if other != kv}).subs(kv, direction * K)
            ok, witness = _negative_for_all(line, K)
            if not ok:
                return False, {v: (direction * witness if v == kv else 0) for v in kvars}
    terms = poly.terms()
    even = all(all(e % 2 == 0 for e in m) for m, _ in terms)
    if even and all(_sign_of(c) <= 0 for _, c in terms):
        pure = all(any(m[i] > 0 and sum(m) == m[i] and _sign_of(c) < 0 for m, c in terms) for i in range(len(kvars)))
        constant = poly.coeff_monomial(1)
        if pure or _sign_of(constant) < 0:
            return True, None
    if poly.is_homogeneous and poly.total_degree() == 2:
        hessian = sp.hessian(h, kvars) / 2
        minors = [(-1) ** (i + 1) * hessian[: i + 1, : i + 1].det() for i in range(len(kvars))]
        if all(_sign_of(m) > 0 for m in minors):
            return True, None
        for vec in itertools.product((1, -1, 0), repeat=len(kvars)):
            if any(vec) and _sign_of(h.subs(dict(zip(kvars, vec)))) >= 0:
                return False, dict(zip(kvars, vec))
    raise _Undecided(f"cannot decide the sign of {sp.sstr(h)} over k ≠ 0")


# ---------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------
def decide(pde: LinearPDE, mode: str) -> SymbolicCriterion:
    """Decide Eq. 16 for ``pde`` in ``mode`` over every parameter case; see the module docstring."""
    count = _initial_case_count(pde)
    if count > MAX_CASES:
        return _summarise(pde, mode, [CaseVerdict((), None, f"{count} parameter sign cases, above the limit of "
                                                            f"{MAX_CASES} for the case analysis")])
    queue = _initial_cases(pde)
    leaves: list[CaseVerdict] = []
    while queue:
        case = queue.pop(0)
        if isinstance(case, CaseVerdict):
            leaves.append(case)
            continue
        try:
            leaves.append(_decide_case(pde, mode, case))
        except _Split as split:
            if case.depth >= MAX_SPLIT_DEPTH or len(queue) + len(leaves) + 3 > MAX_CASES:
                leaves.append(CaseVerdict(case.conditions, None, "too many parameter cases"))
            else:
                queue.extend(_split(case, split.expr))
        except _Undecided as exc:
            leaves.append(CaseVerdict(case.conditions, None, str(exc)))
    return _summarise(pde, mode, leaves)


def _summarise(pde: LinearPDE, mode: str, leaves: list[CaseVerdict]) -> SymbolicCriterion:
    complete = all(c.holds is not None for c in leaves)
    decided = [c for c in leaves if c.holds is not None]
    if not decided:
        return SymbolicCriterion(mode, tuple(leaves), None, False)
    leaves = [_simplified(c, pde) if len(c.conditions) > 1 else c for c in leaves]
    leaves = [c for c in leaves if c.condition is not sp.false]  # regions that are empty
    condition = simplify_condition(sp.Or(*[c.condition for c in decided if c.holds]), pde)
    holds = Holds.UNDECIDED
    if complete:
        holds = Holds.YES if condition is sp.true else Holds.NO if condition is sp.false else Holds.CONDITIONAL
    return SymbolicCriterion(mode, tuple(leaves), condition, complete, holds)


def _simplified(case: CaseVerdict, pde: LinearPDE) -> CaseVerdict:
    """The case with its conditions (a chain of splits) as one simplified condition (none if always true)."""
    condition = simplify_condition(case.condition, pde)
    return CaseVerdict(() if condition is sp.true else (condition,), case.holds, case.reason, case.E0, case.witness)


def simplify_condition(condition, pde: LinearPDE):
    """A condition over the parameters in its simplest form under their assumptions (one symbol: as a set)."""
    if condition in (sp.true, sp.false):
        return condition
    syms = list(condition.free_symbols)
    if len(syms) == 1:
        try:
            as_set = condition.as_set()
            domain = {"positive": sp.Interval.open(0, sp.oo), "negative": sp.Interval.open(-sp.oo, 0),
                      "nonnegative": sp.Interval(0, sp.oo), "nonpositive": sp.Interval(-sp.oo, 0)}
            p = pde.parameter(str(syms[0]))
            full = domain.get(p.assumption, sp.Reals)
            if p.assumption == "nonzero":
                full = sp.Reals - sp.FiniteSet(0)
            region = as_set.intersect(full)
            if full.is_subset(region):
                return sp.true
            return sp.false if region is sp.S.EmptySet else region.as_relational(syms[0])
        except (NotImplementedError, TypeError, ValueError, KeyError):
            return condition
    return sp.simplify_logic(condition) if len(condition.atoms(sp.Rel)) <= 8 else condition
