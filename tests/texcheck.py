"""Checks of LaTeX source without a TeX engine: balanced groups and environments, known macros only."""

import re

# LaTeX 2e kernel, amsmath/amssymb and the packages the preamble loads (geometry, graphicx, longtable,
# array, booktabs, hyperref, inputenc, fontenc): the macros our documents may use.
KNOWN = set("""
documentclass usepackage setlength emergencystretch allowdisplaybreaks title date maketitle begin end
section subsection subsubsection paragraph item caption centering includegraphics linewidth small
toprule midrule bottomrule endhead raggedright arraybackslash textbf textit texttt
textbackslash textasciitilde textasciicircum textless textgreater textbar ensuremath dots ldots
frac tfrac dfrac sqrt left right cdot quad qquad text mathbf mathcal mathrm operatorname
tilde hat bar overline times pm mp to leftarrow in approx sim equiv propto neq leq geq gtrsim lesssim
wedge vee neg infty partial nabla int sum prod langle rangle surd ell Re Im circ
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi rho sigma
tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
exp log ln sin cos tan sinh cosh tanh arcsin arccos arctan max min lim sup inf det
""".split())


def problems(source: str) -> list[str]:
    """What would break compilation: unknown macros, unbalanced braces/environments/maths, non-ASCII."""
    out = []
    bad = sorted({ch for ch in source if ord(ch) > 127})
    if bad:
        out.append(f"non-ASCII characters: {bad}")
    body = source.replace("\\\\", " ")  # a line break is not a macro
    body = re.sub(r"\\[{}$%&#_ ,:;!'\"`^~]", " ", body)  # escaped characters and spacing symbols
    for name in sorted(set(re.findall(r"\\([A-Za-z]+)", body)) - KNOWN):
        out.append(f"unknown macro \\{name}")
    depth = 0
    for ch in re.sub(r"\\[A-Za-z]+", " ", body):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            out.append("a } closes nothing")
            break
    if depth > 0:
        out.append(f"{depth} unclosed {{")
    stack = []
    for kind, name in re.findall(r"\\(begin|end)\{([A-Za-z*]+)\}", body):
        if kind == "begin":
            stack.append(name)
        elif not stack or stack.pop() != name:
            out.append(f"\\end{{{name}}} does not match")
            break
    if stack:
        out.append(f"unclosed environments {stack}")
    if body.count(r"\[") != body.count(r"\]"):
        out.append("unbalanced \\[ \\]")
    for i, line in enumerate(body.splitlines()):
        if line.count("$") % 2:
            out.append(f"odd number of $ on line {i + 1}")
    return out
