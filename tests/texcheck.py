"""Checks of LaTeX source without a TeX engine: balanced groups and environments, known macros only."""

import re

# LaTeX 2e kernel, amsmath/amssymb and the packages the preamble loads (geometry, graphicx, longtable,
# array, booktabs, hyperref, inputenc, fontenc, lmodern, microtype), and the preamble's \fit: the macros our
# documents may use.
KNOWN = set("""
documentclass usepackage setlength emergencystretch allowdisplaybreaks title author date maketitle begin end
newsavebox newcommand sbox ifdim wd else fi resizebox usebox fitbox fit displaystyle dimexpr relax tabcolsep hspace IfFileExists footnotesize scriptsize
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


# an overfull box under this is invisible (TeX reports boxes a hair too wide, e.g. a 0.5pt table rule)
OVERFULL_TOLERANCE_PT = 1.0


def overfull_boxes(log: str) -> list[str]:
    """The overfull \\hbox warnings of a TeX log wider than the tolerance: text run into the margin or a neighbour."""
    return [m.group(0) for m in re.finditer(r"Overfull \\hbox \(([0-9.]+)pt too wide\)[^\n]*", log)
            if float(m.group(1)) > OVERFULL_TOLERANCE_PT]


def page_problems(pdf, folder, margin_cm: float = 2.0, dpi: int = 40) -> list[str]:
    """Each page rendered (pdftoppm) as a reader would see it: not blank, and nothing printed in the side margins
    (``margin_cm``, the preamble's geometry; the inner 80 % of each margin is checked, for anti-aliasing)."""
    import subprocess
    from pathlib import Path

    import matplotlib.image as mpimg
    import numpy as np

    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(Path(folder) / "page")], check=True, timeout=300)
    pages = sorted(Path(folder).glob("page-*.png"))
    out = [] if pages else ["pdftoppm rendered no page"]
    strip = int(0.8 * margin_cm / 2.54 * dpi)
    for page in pages:
        ink = np.any(mpimg.imread(page)[..., :3] < 0.8, axis=-1)
        if ink.mean() < 0.002:
            out.append(f"{page.name}: blank")
        for side, band in (("left", ink[:, :strip]), ("right", ink[:, -strip:])):
            if band.any():
                out.append(f"{page.name}: ink in the {side} margin ({int(band.sum())} pixels)")
    return out
