"""One document model, three writers: LaTeX (compilable), Markdown, and self-contained HTML.

A document is a list of blocks (Heading, Para, Table, Figure, Items). Text is plain Unicode;
maths is LaTeX inside `Math`, written as $…$ in LaTeX and Markdown and converted to MathML for
the HTML (latex2mathml: Chromium renders MathML natively, so no script and no network); `Code`
is a command or option, in a monospaced font. Prose written with inline markup (maths between
$ signs, code between backticks, as in Markdown: the catalog's errata) becomes these parts
through `prose`.
Figures are PNG files: referenced by relative path in LaTeX and Markdown, embedded as data URIs
in the HTML.
"""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from latex2mathml.converter import convert as _mathml


@dataclass(frozen=True)
class Math:
    latex: str
    display: bool = False


@dataclass(frozen=True)
class Code:
    text: str


Inline = str | Math | Code


@dataclass(frozen=True)
class Heading:
    level: int  # 1 section, 2 subsection, 3 subsubsection
    text: str


@dataclass(frozen=True)
class Para:
    parts: tuple  # of Inline


@dataclass(frozen=True)
class Items:
    items: tuple  # of tuples of Inline


@dataclass(frozen=True)
class Table:
    header: tuple  # of str
    rows: tuple  # of tuples of cells; a cell is a str, a Math or a tuple of Inline
    caption: str = ""
    widths: tuple | None = None  # relative column widths (LaTeX); equal when None


@dataclass(frozen=True)
class Figure:
    path: Path
    caption: str


def para(*parts) -> Para:
    return Para(tuple(parts))


_MARKUP = re.compile(r"\$([^$]+)\$|`([^`]+)`")


def prose(text: str) -> tuple:
    """Text with inline markup as parts: ``$…$`` is maths (LaTeX), ```…``` code, the rest words."""
    parts, at = [], 0
    for m in _MARKUP.finditer(text):
        parts += [text[at:m.start()]] if m.start() > at else []
        parts.append(Math(m.group(1)) if m.group(1) is not None else Code(m.group(2)))
        at = m.end()
    return tuple(parts + ([text[at:]] if at < len(text) else []))


def _parts(cell) -> tuple:
    return cell if isinstance(cell, tuple) else (cell,)


def _inline(parts, math, text, code) -> str:
    """Inline content in one output format: ``math(Math)``, ``code(Code)`` and ``text(str)`` per part, joined."""
    return "".join(math(part) if isinstance(part, Math) else code(part.text) if isinstance(part, Code) else text(part)
                   for part in parts)


# ---------------------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------------------
PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{longtable,array,booktabs}
\IfFileExists{lmodern.sty}{\usepackage{lmodern}}{}  % vector fonts; without Debian's lmodern, bitmap ones
\usepackage{microtype}
\usepackage[hidelinks]{hyperref}
\setlength{\emergencystretch}{3em}
\allowdisplaybreaks
% \fit{...}: its content as it is, or shrunk to the line less 1em where it is wider (a formula cannot break, so
% a long one would run into the margin or over its neighbours; the 1em leaves room for the punctuation after it)
\newsavebox{\fitbox}
\newcommand{\fit}[1]{\sbox{\fitbox}{#1}\ifdim\wd\fitbox>\dimexpr\linewidth-1em\relax
  \resizebox{\dimexpr\linewidth-1em\relax}{!}{\usebox{\fitbox}}\else\usebox{\fitbox}\fi}
"""

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
_TEX_MATH = {"ω": r"\omega", "φ": r"\phi", "ϕ": r"\phi", "π": r"\pi", "ε": r"\epsilon", "ϵ": r"\epsilon",
             "ν": r"\nu", "κ": r"\kappa", "σ": r"\sigma", "α": r"\alpha", "β": r"\beta", "δ": r"\delta",
             "Δ": r"\Delta", "γ": r"\gamma", "μ": r"\mu", "λ": r"\lambda", "θ": r"\theta", "Θ": r"\Theta",
             "ρ": r"\rho", "τ": r"\tau", "χ": r"\chi", "ψ": r"\psi", "Σ": r"\Sigma", "ℓ": r"\ell",
             "∂": r"\partial", "∇": r"\nabla", "∞": r"\infty", "∫": r"\int", "∑": r"\sum", "√": r"\surd",
             "≠": r"\neq", "≤": r"\leq", "≥": r"\geq", "≈": r"\approx", "≳": r"\gtrsim", "≲": r"\lesssim",
             "±": r"\pm", "∓": r"\mp", "×": r"\times", "·": r"\cdot", "→": r"\to", "←": r"\leftarrow",
             "∈": r"\in", "∝": r"\propto", "≡": r"\equiv", "∼": r"\sim", "⟨": r"\langle", "⟩": r"\rangle",
             "⁻": "^{-}", "¹": "^{1}", "²": "^{2}", "³": "^{3}", "⁴": "^{4}", "⁰": "^{0}", "⁵": "^{5}",
             "⁶": "^{6}", "⁷": "^{7}", "⁸": "^{8}", "⁹": "^{9}", "½": r"\tfrac12", "∓": r"\mp",
             "₀": "_{0}", "₁": "_{1}", "₂": "_{2}", "ⱼ": "_{j}", "ᵢ": "_{i}", "°": r"^{\circ}", "ξ": r"\xi"}
_TEX_ACCENTS = {"\u0303": "tilde", "\u0302": "hat"}
_TEX_TEXT = {"−": "-", "–": "--", "—": "---", "’": "'", "‘": "`", "“": "``", "”": "''", "…": r"\dots{}",
             "é": r"\'e", "ö": r'\"o', "ü": r'\"u', "ä": r'\"a', "\u00a0": "~"}


def tex_text(text: str) -> str:
    """Plain Unicode text as LaTeX source (ASCII only): specials escaped, symbols as math."""
    out = []
    text = unicodedata.normalize("NFC", text)
    i = 0
    while i < len(text):
        ch = text[i]
        if i + 1 < len(text) and text[i + 1] in _TEX_ACCENTS:  # p̃, G̃, V̂: a combining accent
            out.append(rf"\ensuremath{{\{_TEX_ACCENTS[text[i + 1]]}{{{_tex_char(ch, math=True)}}}}}")
            i += 2
            continue
        out.append("-{}" if text[i:i + 2] == "--" else _tex_char(ch))  # an option's "--" is not an en dash
        i += 1
    return "".join(out)


def _tex_char(ch: str, math: bool = False) -> str:
    if ch in _TEX_SPECIAL and not math:
        return _TEX_SPECIAL[ch]
    if ch in _TEX_MATH:
        return _TEX_MATH[ch] if math else rf"\ensuremath{{{_TEX_MATH[ch]}}}"
    if ch in _TEX_TEXT:
        return _TEX_TEXT[ch]
    if ord(ch) < 128:
        return ch
    # never drop a character: unknown symbols keep their Unicode name
    return f"[{unicodedata.name(ch, hex(ord(ch)))}]"


def _tex_math(m: Math) -> str:
    """Maths shrunk to the line (or table cell) where it is wider: a formula wider than its line could not break."""
    if m.display:
        return rf"\[ \fit{{$\displaystyle {m.latex}$}} \]"
    return rf"\fit{{${m.latex}$}}"


def _tex_inline(parts) -> str:
    return _inline(parts, _tex_math, tex_text, lambda code: rf"\texttt{{{tex_text(code)}}}")


# The text block of the preamble's page (US letter less 2 cm margins, in pt), and the table sizes tried in turn:
# (font, width of a character in pt: Latin Modern digits are 0.5 em and lower case about as wide, \tabcolsep in pt).
# Enough to size a table's columns so that no word of a cell is wider than its column.
_TEXT_WIDTH_PT = 500.0
_TABLE_SIZES = (("small", 4.6, 6.0), ("footnotesize", 4.1, 4.0), ("scriptsize", 3.6, 3.0))
_BOLD = 1.12  # a bold header's characters against regular ones
_MATH_SHARE = 1.0  # a column holding formulas keeps this much of the width asked for it (they shrink to fit)


def _table_layout(block: Table) -> tuple[str, float, list[float]]:
    """(font, \tabcolsep in pt, each column's share of the text width less the separations): the block's relative
    widths, each column raised to fit its longest word (the header's in bold) and the others shrunk to make room,
    in the first of `_TABLE_SIZES` where that fits."""
    n = len(block.header)
    widths = block.widths or (1.0,) * n
    want = [w / sum(widths) for w in widths]
    words = lambda cell: [w for part in _parts(cell) if isinstance(part, str) for w in part.split()]  # noqa: E731
    longest = [max([len(w) * _BOLD for w in block.header[i].split()]
                   + [len(w) for row in block.rows for w in words(row[i])] + [0.0]) for i in range(n)]
    maths = [any(isinstance(part, Math) for row in block.rows for part in _parts(row[i])) for i in range(n)]
    for font, char_pt, sep_pt in _TABLE_SIZES:
        usable = _TEXT_WIDTH_PT - 2 * n * sep_pt
        need = [max(longest[i] * char_pt / usable, _MATH_SHARE * want[i] if maths[i] else 0.0) for i in range(n)]
        if sum(need) <= 1 or font == _TABLE_SIZES[-1][0]:
            break
    fixed = [False] * n
    while True:  # raise the columns that are too narrow to their need; share what is left among the others
        free = 1.0 - sum(need[i] for i in range(n) if fixed[i])
        scale = free / max(sum(want[i] for i in range(n) if not fixed[i]), 1e-12)
        short = [i for i in range(n) if not fixed[i] and want[i] * scale < need[i]]
        if not short or free <= 0:
            shares = [need[i] if fixed[i] else want[i] * scale for i in range(n)]
            return font, sep_pt, [f / max(sum(shares), 1.0) for f in shares]
        for i in short:
            fixed[i] = True


def _tex_block(block, root: Path) -> str:
    if isinstance(block, Heading):
        command = {1: "section", 2: "subsection", 3: "subsubsection"}.get(block.level, "paragraph")
        return rf"\{command}{{{tex_text(block.text)}}}"
    if isinstance(block, Para):
        return _tex_inline(block.parts)
    if isinstance(block, Items):
        # ragged right: an item's formulas cannot break, and a justified line before one would be stretched or overfull
        return ("{\\raggedright\n\\begin{itemize}\n" + "\n".join(rf"\item {_tex_inline(i)}" for i in block.items)
                + "\n\\end{itemize}}")
    if isinstance(block, Table):
        n = len(block.header)
        font, sep, shares = _table_layout(block)
        # \hspace{0pt}: the first word of a cell may be hyphenated too, when even the fitted width is too small
        spec = "".join(rf">{{\raggedright\arraybackslash\hspace{{0pt}}}}p{{{f:.3f}\dimexpr\linewidth-{2 * n}\tabcolsep\relax}}"
                       for f in shares)
        lines = [rf"{{\{font}\setlength{{\tabcolsep}}{{{sep:g}pt}}", rf"\begin{{longtable}}{{{spec}}}"]
        if block.caption:
            lines.append(rf"\caption*{{{tex_text(block.caption)}}}\\")  # the caption names the table itself
        head = " & ".join(rf"\textbf{{{tex_text(h)}}}" for h in block.header) + r" \\ \midrule"
        lines += [r"\toprule", head, r"\endhead"]
        for row in block.rows:
            lines.append(" & ".join(_tex_inline(_parts(cell)) for cell in row) + r" \\")
        lines += [r"\bottomrule", r"\end{longtable}}"]
        return "\n".join(lines)
    if isinstance(block, Figure):
        rel = os.path.relpath(block.path, root).replace(os.sep, "/")
        return "\n".join([r"\begin{figure}[htbp]", r"\centering", rf"\includegraphics[width=0.75\linewidth]{{{rel}}}",
                          rf"\caption{{{tex_text(block.caption)}}}", r"\end{figure}"])
    raise TypeError(f"internal: unknown block {block!r}")


def to_tex(blocks: list, title, root: Path, byline: str = "") -> str:
    """A standalone, compilable LaTeX document; figure paths relative to ``root`` (the .tex folder).

    ``title`` is text or a tuple of Inline parts (a PDE typeset in it); ``byline`` goes under it
    (who wrote the document and when)."""
    body = "\n\n".join(_tex_block(b, root) for b in blocks)
    return (PREAMBLE + rf"\title{{{_tex_inline(_parts(title))}}}" + "\n" + rf"\author{{{tex_text(byline)}}}" + "\n"
            + r"\date{}" + "\n\\begin{document}\n\\maketitle\n" + body + "\n\\end{document}\n")


def compile_pdf(tex: Path) -> tuple[Path | None, str]:
    """PDF next to ``tex`` with latexmk (or pdflatex twice); (None, how to install) without a TeX engine."""
    tex = Path(tex)
    if shutil.which("latexmk"):
        cmd = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", tex.name]
    elif shutil.which("pdflatex"):
        cmd = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name]
    else:
        return None, ("no TeX engine found (latexmk or pdflatex); the .tex is written. Install one, e.g. "
                      "`apt-get install texlive-latex-base texlive-latex-recommended latexmk lmodern`, and run "
                      f"`latexmk -pdf {tex.name}` in {tex.parent}")
    runs = 1 if cmd[0] == "latexmk" else 2  # pdflatex: a second run settles longtable widths
    for _ in range(runs):
        done = subprocess.run(cmd, cwd=tex.parent, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            log = (done.stdout or "") + (done.stderr or "")
            errors = [line for line in log.splitlines() if line.startswith("!")]
            return None, f"{cmd[0]} failed on {tex.name}: " + ("; ".join(errors[:3]) or log[-400:])
    return tex.with_suffix(".pdf"), f"compiled with {cmd[0]}"


# ---------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_|<>\[\]])")


def _md_inline(parts) -> str:
    return _inline(parts, lambda m: f"\n$$\n{m.latex}\n$$\n" if m.display else f"${m.latex}$",
                   lambda text: _MD_SPECIAL.sub(r"\\\1", text), lambda code: f"`{code}`")


def _md_block(block, root: Path) -> str:
    if isinstance(block, Heading):
        return "#" * (block.level + 1) + " " + block.text
    if isinstance(block, Para):
        return _md_inline(block.parts)
    if isinstance(block, Items):
        return "\n".join("- " + _md_inline(i).replace("\n", " ") for i in block.items)
    if isinstance(block, Table):
        cell = lambda c: _md_inline(_parts(c)).replace("\n", " ")
        lines = ([f"*{block.caption}*", ""] if block.caption else [])
        lines += ["| " + " | ".join(block.header) + " |", "|" + "---|" * len(block.header)]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in block.rows]
        return "\n".join(lines)
    if isinstance(block, Figure):
        rel = os.path.relpath(block.path, root).replace(os.sep, "/")
        caption = _md_inline((block.caption,))
        return f"![{caption}]({rel})\n\n*{caption}*"
    raise TypeError(f"internal: unknown block {block!r}")


def to_markdown(blocks: list, title: str, root: Path) -> str:
    return f"# {title}\n\n" + "\n\n".join(_md_block(b, root) for b in blocks) + "\n"


# ---------------------------------------------------------------------------------------
# HTML (self-contained)
# ---------------------------------------------------------------------------------------
# The page's widest text column, a window's scroll bar, a cell's padding and border (the CSS below), in px
_HTML_WIDTH_PX, _HTML_SCROLLBAR_PX, _HTML_CELL_PX = 1100, 16, 13
_HTML_FONT = {"small": 0.9, "footnotesize": 0.8, "scriptsize": 0.7}  # `_TABLE_SIZES` as CSS font sizes, in em
_CSS = f"""body{{font-family:system-ui,sans-serif;max-width:{_HTML_WIDTH_PX}px;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}}
table{{border-collapse:collapse;margin:1em 0;width:100%}}
th,td{{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}}
.m{{display:inline-block;max-width:100%;overflow-x:auto;overflow-y:hidden;vertical-align:middle}}.eq{{overflow-x:auto}}
th{{background:#f0f0f0}}caption{{caption-side:top;font-style:italic;text-align:left;padding:4px 0}}
figure{{margin:1em 0}}figure img{{max-width:100%}}figcaption{{font-size:0.9em;color:#555}}
math{{font-size:1.05em}}nav li{{margin:0.1em 0}}
"""


def _html_math(m: Math, cell: tuple[float, int] | None = None) -> str:
    """A formula cannot break: where it is wider than its line it scrolls inside it, never off the page. In a table
    cell (whose width follows its content) it is held to its column's share of the page less the cells' padding:
    ``cell`` is (the column's share in the LaTeX table, the number of columns)."""
    mathml = _mathml(m.latex, display="block" if m.display else "inline")
    if m.display:
        return f'<div class="eq">{mathml}</div>'
    if cell is None:
        return f'<span class="m">{mathml}</span>'
    share, n = cell
    page = f"min(100vw - 2em - {_HTML_SCROLLBAR_PX}px, {_HTML_WIDTH_PX}px)"
    return f'<span class="m" style="max-width:calc({share:.3f} * ({page} - {n * _HTML_CELL_PX}px))">{mathml}</span>'


def _html_inline(parts, cell: tuple[float, int] | None = None) -> str:
    return _inline(parts, lambda m: _html_math(m, cell), html.escape, lambda code: f"<code>{html.escape(code)}</code>")


def _anchors(blocks: list) -> dict:
    """A unique id per heading (repeated subsection titles get -2, -3, …)."""
    seen, out = {}, {}
    for i, b in enumerate(blocks):
        if isinstance(b, Heading):
            base = re.sub(r"[^a-z0-9]+", "-", b.text.lower()).strip("-") or "section"
            seen[base] = seen.get(base, 0) + 1
            out[i] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return out


def _html_block(block, anchor: str | None = None) -> str:
    if isinstance(block, Heading):
        level = block.level + 1
        return f'<h{level} id="{anchor}">{html.escape(block.text)}</h{level}>'
    if isinstance(block, Para):
        return f"<p>{_html_inline(block.parts)}</p>"
    if isinstance(block, Items):
        return "<ul>" + "".join(f"<li>{_html_inline(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Table):
        caption = f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
        font, _, shares = _table_layout(block)  # the LaTeX table's font and columns
        rows = "".join("<tr>" + "".join(f"<td>{_html_inline(_parts(c), (f, len(shares)))}</td>"
                                        for c, f in zip(row, shares))
                       + "</tr>" for row in block.rows)
        return f'<table style="font-size:{_HTML_FONT[font]}em">{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    if isinstance(block, Figure):
        data = base64.b64encode(Path(block.path).read_bytes()).decode("ascii")
        return (f'<figure><img alt="{html.escape(block.caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(block.caption)}</figcaption></figure>")
    raise TypeError(f"internal: unknown block {block!r}")


def to_html(blocks: list, title: str) -> str:
    """One self-contained page: figures embedded, maths as MathML, a table of contents."""
    anchors = _anchors(blocks)
    toc = "".join(f'<li><a href="#{anchors[i]}">{html.escape(b.text)}</a></li>'
                  for i, b in enumerate(blocks) if isinstance(b, Heading) and b.level == 1)
    body = "\n".join(_html_block(b, anchors.get(i)) for i, b in enumerate(blocks))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<nav><ul>{toc}</ul></nav>\n{body}\n</body></html>\n")
