"""Typeset eight public-domain PEPs as conference-style PDF "papers".

The PDFs in qa/data/papers/ are the test material for the document-question
benchmark (qa/data/papers_questions.jsonl): real prose as people meet it in a
PDF, with two columns, hyphenated line ends, ligatures, running headers,
footnotes, figures and tables.

Source: the python/peps repository (each PEP's reStructuredText).  The text
is converted roughly to LaTeX (sections, paragraphs, lists, literal blocks,
inline code, footnotes) and run through pdflatex twice.  Standard library
only; needs pdflatex with the lmodern, fancyhdr, listings and pgf/TikZ
packages (Debian: texlive-latex-base texlive-latex-recommended
texlive-fonts-recommended texlive-pictures lmodern).

    python bench/make_papers.py [--peps DIR | --git-dir DIR] [--build /tmp/x] [--out DIR]

--peps DIR     read pep-XXXX.rst files from DIR
--git-dir DIR  read them from a bare clone of python/peps (git show HEAD:peps/...)
(default: --git-dir /work/.mirror/python+peps/repo if it exists, else ./peps)

The .tex/.aux/.log files and a plain-text rendering of each paper
(pep-XXXX.txt, used to check the questions' evidence) go to --build
(default /tmp/papers_build); only the PDFs are written to --out.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "qa" / "data" / "papers"
DEFAULT_GIT = Path("/work/.mirror/python+peps/repo")

# --------------------------------------------------------------------------
# Figures and tables added to the papers (their wording follows the PEP text)
# --------------------------------------------------------------------------

TIKZ_STYLE = (r"font=\footnotesize, >=Stealth, node distance=5mm and 4mm,"
              r" box/.style={draw, rounded corners=2pt, minimum height=5mm,"
              r" minimum width=14mm, inner sep=2pt, align=center}")

FIG_PEP1 = r"""
\begin{tikzpicture}[%s]
\node[box] (draft) {Draft};
\node[box, right=of draft] (acc) {Accepted};
\node[box, right=of acc] (final) {Final};
\node[box, above=of acc] (prov) {Provisional};
\node[box, above=of draft] (active) {Active};
\node[box, below=of draft] (def) {Deferred};
\node[box, below=of acc] (rej) {Rejected};
\node[box, below=of final] (sup) {Superseded};
\node[box, below=of rej] (wd) {Withdrawn};
\draw[->] (draft) -- (acc);
\draw[->] (acc) -- (final);
\draw[->] (draft) -- (prov);
\draw[->] (prov) -- (final);
\draw[->] (draft) -- (active);
\draw[<->] (draft) -- (def);
\draw[->] (draft) -- (rej);
\draw[->] (draft.south east) -- (wd.north west);
\draw[->] (final) -- (sup);
\end{tikzpicture}
""" % TIKZ_STYLE

FIG_PEP343 = r"""
\begin{tikzpicture}[%s, node distance=4mm and 3mm]
\node[box] (expr) {evaluate the context expression\\ \texttt{mgr = (EXPR)}};
\node[box, below=of expr] (enter) {call \texttt{mgr.\_\_enter\_\_()}\\ and bind its result to \texttt{VAR}};
\node[box, below=of enter] (block) {execute \texttt{BLOCK}};
\node[box, below left=of block, xshift=8mm] (ok) {normal end, break,\\ continue or return};
\node[box, below right=of block, xshift=-8mm] (exc) {exception raised};
\node[box, below=of ok] (exitn) {\texttt{\_\_exit\_\_(None,}\\ \texttt{None, None)}};
\node[box, below=of exc] (exite) {\texttt{\_\_exit\_\_(type,}\\ \texttt{value, traceback)}};
\node[box, below=of exite] (res) {true: exception swallowed\\ false: exception re-raised};
\draw[->] (expr) -- (enter);
\draw[->] (enter) -- (block);
\draw[->] (block) -- (ok);
\draw[->] (block) -- (exc);
\draw[->] (ok) -- (exitn);
\draw[->] (exc) -- (exite);
\draw[->] (exite) -- (res);
\end{tikzpicture}
""" % TIKZ_STYLE

FIG_PEP435 = r"""
\begin{tikzpicture}[%s, node distance=6mm and 6mm]
\node[box] (int) {\texttt{int}};
\node[box, right=of int] (enum) {\texttt{Enum}};
\node[box, below=of int, xshift=10mm] (ie) {\texttt{IntEnum}};
\node[box, right=of enum] (color) {\texttt{Color}\\ red, green, blue};
\node[box, below=of ie] (shape) {\texttt{Shape}\\ circle, square};
\draw[->] (ie) -- node[left, font=\scriptsize] {mix-in first} (int);
\draw[->] (ie) -- (enum);
\draw[->] (color) -- (enum);
\draw[->] (shape) -- (ie);
\end{tikzpicture}
""" % TIKZ_STYLE

FIG_PEP557 = r"""
\begin{tikzpicture}[%s, node distance=5mm and 5mm]
\node[box] (cls) {class with annotated fields\\ \texttt{name: str}\\ \texttt{unit\_price: float}\\ \texttt{quantity\_on\_hand: int = 0}};
\node[box, right=12mm of cls] (dec) {\texttt{@dataclass}};
\node[box, right=12mm of dec, minimum width=40mm] (out) {the same class, with generated\\ \texttt{\_\_init\_\_}, \texttt{\_\_repr\_\_}, \texttt{\_\_eq\_\_}\\ (and \texttt{\_\_lt\_\_} \dots\ \texttt{\_\_ge\_\_} if \texttt{order=True})};
\draw[->] (cls) -- (dec);
\draw[->] (dec) -- (out);
\end{tikzpicture}
""" % TIKZ_STYLE

FIG_PEP305 = r"""
\begin{tikzpicture}[%s, node distance=4mm and 4mm]
\node[box] (file) {CSV file\\ (opened in binary mode)};
\node[box, below=of file] (reader) {\texttt{csv.reader(iterable,}\\ \texttt{dialect='excel')}};
\node[box, below=of reader] (rows) {rows: each a list of strings};
\node[box, below=of rows] (writer) {\texttt{csv.writer(fileobj)}\\ \texttt{writerow()} / \texttt{writerows()}};
\node[box, below=of writer] (out) {CSV file};
\node[box, right=8mm of reader, minimum width=12mm] (dia) {dialect and\\ formatting\\ parameters};
\draw[->] (file) -- (reader);
\draw[->] (reader) -- (rows);
\draw[->] (rows) -- (writer);
\draw[->] (writer) -- (out);
\draw[->] (dia) -- (reader);
\draw[->] (dia) |- (writer);
\end{tikzpicture}
""" % TIKZ_STYLE

# Each paper: layout options, sections left out, added floats.
# A float is placed after the first top-level block whose text contains
# "after" ("replace" means the block is replaced by it).
PAPERS = {
    "0001": dict(
        columns=2, size="10pt", paper="letterpaper",
        drop=["PEP Formats and Templates", "PEP Header Preamble", "Auxiliary Files",
              "Changing Existing PEPs", "Transferring PEP Ownership",
              "PEP Editor Responsibilities & Workflow", "Footnotes", "Change History"],
        fixes=[("\nChange History -- A summary", "\n14. Change History -- A summary")],
        abstract_from="What is a PEP?",
        floats=[
            dict(kind="figure", replace=".. image:: pep-0001/process_flow.svg", tikz=FIG_PEP1,
                 caption="Possible paths of a PEP's status. A Draft PEP becomes Accepted and "
                         "then Final once its reference implementation is complete; it may "
                         "instead be Rejected, Withdrawn or Deferred, and a Final PEP may "
                         "later be Superseded by a newer one."),
            dict(kind="table", after="There are three kinds of PEP",
                 caption="The three kinds of PEP and what each one describes.",
                 spec=r"p{0.27\columnwidth}p{0.63\columnwidth}",
                 header=["Kind", "Describes"],
                 rows=[["Standards Track", "a new feature or implementation for Python"],
                       ["Informational", "a Python design issue, or general guidelines; "
                                         "it does not propose a new feature"],
                       ["Process", "a process surrounding Python, or a change to one"]]),
        ]),
    "0343": dict(
        columns=2, size="10pt", paper="a4paper",
        drop=["Examples", "References"],
        floats=[
            dict(kind="figure", after="The translation of the above statement is", tikz=FIG_PEP343,
                 caption="Control flow of the with statement. The ``__exit__()`` method is always "
                         "called; if ``BLOCK`` raised an exception and ``__exit__()`` returns a true "
                         "value, the exception is swallowed."),
        ]),
    "0435": dict(
        columns=2, size="10pt", paper="letterpaper",
        drop=["References"],
        floats=[
            dict(kind="figure", after="A variation of ``Enum`` is proposed", tikz=FIG_PEP435,
                 caption="Class relations of the proposed enum module. IntEnum mixes int into "
                         "Enum, so its members compare equal to integers; members of a plain "
                         "Enum such as Color never do."),
        ]),
    "0498": dict(
        columns=2, size="10pt", paper="a4paper",
        drop=["Examples from Python's source code", "References"],
        floats=[
            dict(kind="table", after="Following each expression, an optional type conversion",
                 caption="The three conversions allowed after an f-string expression.",
                 spec=r"lp{0.6\columnwidth}",
                 header=["Conversion", "Effect on the expression"],
                 rows=[["``!s``", "calls ``str()``"],
                       ["``!r``", "calls ``repr()``"],
                       ["``!a``", "calls ``ascii()``"]]),
        ]),
    "0285": dict(
        columns=1, size="11pt", paper="letterpaper",
        drop=[],
        floats=[
            dict(kind="table", after="Anyway, here are my BDFL pronouncements",
                 caption="Summary of the eight review questions and the BDFL pronouncement on each.",
                 spec=r"rp{0.62\textwidth}l",
                 header=["", "Question", "Pronouncement"],
                 rows=[["1", "Should this PEP be accepted?", "Yes"],
                       ["2", "Should ``str(True)`` return \"True\" or \"1\"?", "\"True\""],
                       ["3", "Constants named True and False, or true and false?", "True and False"],
                       ["4", "Eliminate non-Boolean operations on bools in the future?", "No"],
                       ["5", "Should ``operator.truth(x)`` return an int or a bool?", "bool"],
                       ["6", "Should bool inherit from int?", "Yes"],
                       ["7", "Should the name bool be changed?", "No"],
                       ["8", "Require a bool argument for Boolean operations?", "No"]]),
        ]),
    "0305": dict(
        columns=2, size="10pt", paper="letterpaper",
        drop=["References"],
        floats=[
            dict(kind="figure", after="This PEP supports three basic APIs", tikz=FIG_PEP305,
                 caption="Reading and writing with the proposed csv module. A reader returns "
                         "each row as a list of strings; a writer accepts rows and writes "
                         "delimited lines. Both take a dialect and individual formatting "
                         "parameters."),
            dict(kind="table", after="The \"excel-tab\" dialect is defined as",
                 caption="Formatting parameters of the excel dialect, which describes the "
                         "CSV format exported by Excel 97 and Excel 2000.",
                 spec=r"ll",
                 header=["Parameter", "Value"],
                 rows=[["delimiter", "``','`` (comma)"],
                       ["quotechar", "``'\"'`` (double quote)"],
                       ["doublequote", "True"],
                       ["skipinitialspace", "False"],
                       ["lineterminator", "``'\\r\\n'``"],
                       ["quoting", "QUOTE_MINIMAL"]]),
        ]),
    "0318": dict(
        columns=2, size="10pt", paper="a4paper",
        drop=["Examples"],
        floats=[]),
    "0557": dict(
        columns=1, size="10pt", paper="a4paper",
        drop=["Examples", "References"],
        floats=[
            dict(kind="figure", after="Data Classes save you from writing", tikz=FIG_PEP557,
                 caption="The dataclass decorator inspects the annotated fields of a class and "
                         "adds generated methods to that same class; no new class is created."),
            dict(kind="table", after="The parameters to ``dataclass`` are",
                 caption="Parameters of the dataclass decorator, their defaults, and what a "
                         "true value does.",
                 spec=r"llp{0.6\textwidth}",
                 header=["Parameter", "Default", "When true"],
                 rows=[["init", "True", "an ``__init__`` method is generated"],
                       ["repr", "True", "a ``__repr__`` method is generated"],
                       ["eq", "True", "an ``__eq__`` method is generated"],
                       ["order", "False", "``__lt__``, ``__le__``, ``__gt__`` and ``__ge__`` are generated"],
                       ["unsafe_hash", "False", "a ``__hash__`` method is forced"],
                       ["frozen", "False", "assigning to fields raises an exception"]]),
        ]),
}

UNNUMBERED = {"Copyright", "Acknowledgements", "Acknowledgments", "References"}

# --------------------------------------------------------------------------
# Inline markup
# --------------------------------------------------------------------------

INLINE_RE = re.compile(r"""
 (?P<code>``(?P<codet>.+?)``(?!`))
|(?P<role>:(?P<rname>[a-z]+):`(?P<rtext>[^`]+)`)
|(?P<link>`(?P<ltext>[^`<]+?)\s*<(?P<ltarget>[^>]+)>`__?)
|(?P<ref>`(?P<reftext>[^`]+)`__?)
|(?P<itarget>_`(?P<ittext>[^`]+)`)
|(?P<interp>`(?P<itext>[^`]+)`)
|(?P<strong>\*\*(?P<stext>[^*]+?)\*\*)
|(?P<em>(?<![\w*])\*(?P<etext>[^*\s][^*]*?)\*(?![\w*]))
|(?P<fn>[ ]?\[(?P<fnid>\d+|\#)\]_)
|(?P<url>https?://[^\s<>()]+[^\s<>().,;:])
|(?P<wref>\b(?P<wtext>[A-Za-z][\w.-]*[A-Za-z0-9])_(?!\w))
|(?P<esc>\\[ ])
""", re.X)

TEXT_ESC = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
            "%": r"\%", "#": r"\#", "_": r"\_", "^": r"\textasciicircum{}",
            "~": r"\textasciitilde{}"}
TT_ESC = dict(TEXT_ESC, **{"-": "-{}", "<": r"\textless{}", ">": r"\textgreater{}"})


def esc(s: str) -> str:
    return "".join(TEXT_ESC.get(c, c) for c in s)


def esc_tt(s: str, breakable: bool = True) -> str:
    out = []
    for i, c in enumerate(s):
        out.append(TT_ESC.get(c, c))
        # let long identifiers and URLs break at punctuation in narrow columns
        nxt = s[i + 1] if i + 1 < len(s) else ""
        if breakable and len(s) > 10 and nxt and (
                (c in "/._,(-" and nxt not in "_./-")
                or (len(s) > 16 and c.islower() and nxt.isupper())):
            out.append(r"\allowbreak{}")
    return "".join(out)


def smart_quotes(s: str, prev: str) -> str:
    """Typographic quotes for prose: "x" -> ``x'', 'x' -> `x'."""
    out = []
    for i, c in enumerate(s):
        p = s[i - 1] if i else prev
        opening = (p == "" or p.isspace() or p in "([{-/")
        if c == '"':
            out.append("``" if opening else "''")
        elif c == "'" and opening and i + 1 < len(s) and not s[i + 1].isspace():
            out.append("`")
        else:
            out.append(c)
    return "".join(out)


def prose_tex(s: str, prev: str) -> str:
    s = smart_quotes(s, prev)
    s = esc(s)
    return s


class Footnotes:
    """Citations ([1]_ and [#]_) become numbered footnotes in order of first use."""

    def __init__(self, numbered: dict[str, str], auto: list[str]):
        self.numbered = numbered
        self.auto = list(auto)
        self.auto_pos = 0
        self.assigned: dict[str, int] = {}  # source id -> footnote number
        self.count = 0
        self.texts: list[tuple[int, str]] = []  # plain texts, for the .txt rendering

    def use(self, fid: str):
        """Return (number, text or None if already printed)."""
        if fid == "#":
            if self.auto_pos >= len(self.auto):
                return None, None
            text = self.auto[self.auto_pos]
            self.auto_pos += 1
            self.count += 1
            return self.count, text
        if fid in self.assigned:
            return self.assigned[fid], None
        if fid not in self.numbered:
            return None, None
        self.count += 1
        self.assigned[fid] = self.count
        return self.count, self.numbered[fid]


def role_text(name: str, text: str) -> str:
    m = re.match(r"(.*?)\s*<([^>]+)>$", text, re.S)
    if m:
        return m.group(1)
    if name == "pep":
        return "PEP " + text.split("#")[0]
    if name == "rfc":
        return "RFC " + text
    if name in ("file", "samp"):
        return re.sub(r"[{}]", "", text)
    if name == "ref":
        return text.replace("-", " ")
    return text


def inline(s: str, fns: Footnotes | None, mode: str, in_abstract=False, pending=None):
    """Convert reST inline markup; mode 'tex' or 'txt'."""
    s = re.sub(r"\s+", " ", s).strip()
    out = []
    pos = 0
    prev = ""

    def text(t):
        nonlocal prev
        if not t:
            return
        out.append(prose_tex(t, prev) if mode == "tex" else t)
        prev = t[-1]

    for m in INLINE_RE.finditer(s):
        text(s[pos:m.start()])
        pos = m.end()
        g = m.lastgroup
        if g == "code":
            c = m.group("codet")
            out.append(r"\texttt{%s}" % esc_tt(c) if mode == "tex" else c)
            prev = "x"
        elif g == "role":
            text(role_text(m.group("rname"), m.group("rtext")))
        elif g == "link":
            text(m.group("ltext"))
        elif g == "ref":
            text(m.group("reftext"))
        elif g == "itarget":
            text(m.group("ittext"))
        elif g == "interp":
            t = m.group("itext")
            out.append(r"\emph{%s}" % prose_tex(t, prev) if mode == "tex" else t)
            prev = "x"
        elif g == "strong":
            t = m.group("stext")
            out.append(r"\textbf{%s}" % inline(t, fns, mode) if mode == "tex" else inline(t, fns, mode))
            prev = "x"
        elif g == "em":
            t = m.group("etext")
            out.append(r"\emph{%s}" % inline(t, fns, mode) if mode == "tex" else inline(t, fns, mode))
            prev = "x"
        elif g == "fn":
            if fns is None:
                continue
            num, body = fns.use(m.group("fnid"))
            if num is None:
                continue
            if body is None:  # second use of the same citation
                out.append(r"\textsuperscript{%d}" % num if mode == "tex" else "")
                continue
            if mode == "txt":
                fns.texts.append((num, inline(body, None, "txt")))
                continue
            btex = inline(body, None, "tex")
            if in_abstract:
                out.append(r"\footnotemark[%d]" % num)
                pending.append((num, btex))
            else:
                out.append(r"\footnote[%d]{%s}" % (num, btex))
        elif g == "url":
            u = m.group("url")
            out.append(r"\texttt{%s}" % esc_tt(u) if mode == "tex" else u)
            prev = "x"
        elif g == "wref":
            text(m.group("wtext"))
        elif g == "esc":
            pass
    text(s[pos:])
    res = "".join(out)
    if mode == "txt":
        res = re.sub(r"\s+", " ", res).strip()
    return res


# --------------------------------------------------------------------------
# Block structure
# --------------------------------------------------------------------------

BULLET_RE = re.compile(r"^([-*+]) +")
ENUM_RE = re.compile(r"^(?:(\d+|#)[.)]|\((\d+)\)) +")
UNDERLINE_RE = re.compile(r"^([=\-~^*#+\"])\1{2,}\s*$")


def ind(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def dedent(lines: list[str]) -> list[str]:
    n = min((ind(l) for l in lines if l.strip()), default=0)
    return [l[n:] if l.strip() else "" for l in lines]


def strip_blank(lines):
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    return lines


def take_indented(lines, i, min_ind):
    """Lines from i on that are blank or indented >= min_ind."""
    j = i
    while j < len(lines) and (not lines[j].strip() or ind(lines[j]) >= min_ind):
        j += 1
    k = j
    while k > i and not lines[k - 1].strip():
        k -= 1
    return lines[i:k], j


class Parser:
    def __init__(self):
        self.levels: list[str] = []

    def parse(self, lines: list[str], top=False) -> list[tuple]:
        blocks = []
        i, n = 0, len(lines)
        while i < n:
            line = lines[i]
            if not line.strip():
                i += 1
                continue
            # section title
            if (top and ind(line) == 0 and i + 1 < n and UNDERLINE_RE.match(lines[i + 1])
                    and len(lines[i + 1].strip()) >= len(line.strip())):
                ch = lines[i + 1].strip()[0]
                if ch not in self.levels:
                    self.levels.append(ch)
                blocks.append(("section", self.levels.index(ch) + 1, line.strip()))
                i += 2
                continue
            if ind(line) > 0:  # block quote
                sub, i = take_indented(lines, i, ind(line))
                blocks.append(("quote", self.parse(dedent(sub))))
                continue
            # directives and comments
            if line.startswith(".. "):
                m = re.match(r"\.\. (code-block|code|sourcecode)::", line)
                sub, j = take_indented(lines, i + 1, 1)
                if m:
                    blocks.append(("literal", "\n".join(dedent(strip_blank(sub)))))
                elif line.startswith(".. image::"):
                    blocks.append(("image", line.strip()))
                i = j
                continue
            if BULLET_RE.match(line) or ENUM_RE.match(line):
                kind = "bullets" if BULLET_RE.match(line) else "enum"
                rx = BULLET_RE if kind == "bullets" else ENUM_RE
                items = []
                start = None
                while i < n:
                    m = rx.match(lines[i])
                    if not m:
                        break
                    if kind == "enum" and start is None:
                        num = m.group(1) or m.group(2)
                        start = int(num) if num and num.isdigit() else 1
                    width = m.end()
                    body, j = take_indented(lines, i + 1, width)
                    item = [lines[i][width:]] + [l[width:] if l.strip() else "" for l in body]
                    items.append(self.parse(item))
                    i = j
                    while i < n and not lines[i].strip():
                        i += 1
                blocks.append((kind, items, start))
                continue
            if line.startswith(">>>"):
                j = i
                while j < n and lines[j].strip():
                    j += 1
                blocks.append(("literal", "\n".join(lines[i:j])))
                i = j
                continue
            # definition list item: one line followed by indented lines
            if i + 1 < n and lines[i + 1].strip() and ind(lines[i + 1]) > 0:
                sub, j = take_indented(lines, i + 1, ind(lines[i + 1]))
                blocks.append(("deflist", line.strip(), self.parse(dedent(sub))))
                i = j
                continue
            # paragraph
            j = i
            while j < n and lines[j].strip() and ind(lines[j]) == 0:
                if j > i and (BULLET_RE.match(lines[j]) and False):
                    break
                j += 1
            text = " ".join(l.strip() for l in lines[i:j])
            i = j
            literal_next = False
            if text.endswith("::"):
                literal_next = True
                if text == "::":
                    text = ""
                elif text.endswith(" ::"):
                    text = text[:-3]
                else:
                    text = text[:-1]
            if text:
                blocks.append(("para", text))
            if literal_next:
                while i < n and not lines[i].strip():
                    i += 1
                if i < n and ind(lines[i]) > 0:
                    sub, i = take_indented(lines, i, 1)
                    blocks.append(("literal", "\n".join(dedent(sub))))
        return blocks


# --------------------------------------------------------------------------
# Reading a PEP
# --------------------------------------------------------------------------

def split_header(src: str):
    lines = src.split("\n")
    hdr: dict[str, str] = {}
    key = None
    i = 0
    while i < len(lines) and lines[i].strip():
        l = lines[i]
        if l[0].isspace() and key:
            hdr[key] += " " + l.strip()
        else:
            key, _, val = l.partition(":")
            hdr[key] = val.strip()
        i += 1
    return hdr, lines[i:]


def strip_targets(lines: list[str]):
    """Remove hyperlink targets and citation bodies; return the citations."""
    out, numbered, auto = [], {}, []
    i = 0
    while i < len(lines):
        l = lines[i]
        m_t = re.match(r"^(\s*)\.\.\s+_[^:]+:", l)
        m_c = re.match(r"^(\s*)\.\. \[(\d+|#)\]\s*(.*)$", l)
        if m_t or m_c:
            base = ind(l)
            j = i + 1
            while j < len(lines) and lines[j].strip() and ind(lines[j]) > base:
                j += 1
            if m_c:
                body = " ".join([m_c.group(3)] + [x.strip() for x in lines[i + 1:j]])
                if m_c.group(2) == "#":
                    auto.append(body)
                else:
                    numbered[m_c.group(2)] = body
            i = j
            continue
        out.append(l)
        i += 1
    return out, numbered, auto


def read_pep(num: str, peps_dir: Path | None, git_dir: Path | None) -> str:
    if peps_dir:
        return (peps_dir / f"pep-{num}.rst").read_text(encoding="utf-8")
    return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:peps/pep-{num}.rst"],
                          check=True, capture_output=True, text=True).stdout


def block_text(b) -> str:
    if b[0] == "para":
        return b[1]
    if b[0] in ("literal", "image"):
        return b[1]
    if b[0] == "deflist":
        return b[1] + " " + " ".join(block_text(x) for x in b[2])
    if b[0] == "quote":
        return " ".join(block_text(x) for x in b[1])
    if b[0] in ("bullets", "enum"):
        return " ".join(block_text(x) for item in b[1] for x in item)
    return ""


def word_count(blocks) -> int:
    return sum(len(block_text(b).split()) for b in blocks if b[0] != "literal")


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

LST_SETUP = r"""\lstset{basicstyle=\ttfamily\small, columns=fullflexible, keepspaces=true,
  breaklines=true, breakatwhitespace=false, showstringspaces=false,
  xleftmargin=0.5em, aboveskip=4pt, belowskip=4pt, literate={ö}{{\"o}}1}"""


class Renderer:
    def __init__(self, fns: Footnotes, fns_txt: Footnotes, columns: int):
        self.fns = fns
        self.fns_txt = fns_txt
        self.columns = columns
        self.tex: list[str] = []
        self.txt: list[str] = []

    def il(self, s):
        return inline(s, self.fns, "tex")

    def it(self, s):
        return inline(s, self.fns_txt, "txt")

    def blocks(self, blocks, depth=0):
        for b in blocks:
            self.block(b, depth)

    def block(self, b, depth):
        kind = b[0]
        if kind == "section":
            _, level, title = b
            cmd = ["section", "subsection", "subsubsection", "paragraph"][min(level, 4) - 1]
            star = "*" if title in UNNUMBERED else ""
            self.tex.append("\n\\%s%s{%s}\n" % (cmd, star, self.il(title)))
            self.txt.append("\n" + self.it(title) + "\n")
        elif kind == "para":
            self.tex.append(self.il(b[1]) + "\n")
            self.txt.append(self.it(b[1]) + "\n")
        elif kind == "literal":
            code = b[1].rstrip("\n")
            self.tex.append("\\begin{lstlisting}\n%s\n\\end{lstlisting}\n" % code)
            self.txt.append(code + "\n")
        elif kind in ("bullets", "enum"):
            env = "itemize" if kind == "bullets" else "enumerate"
            self.tex.append("\\begin{%s}\n" % env)
            if kind == "enum" and b[2] and b[2] != 1:
                self.tex.append("\\setcounter{enum%s}{%d}\n" % ("i" * (depth + 1), b[2] - 1))
            for k, item in enumerate(b[1]):
                self.tex.append("\\item ")
                self.txt.append("%s " % ("-" if kind == "bullets" else "%d." % ((b[2] or 1) + k)))
                self.blocks(item, depth + (kind == "enum"))
            self.tex.append("\\end{%s}\n" % env)
        elif kind == "quote":
            self.tex.append("\\begin{quote}\n")
            self.blocks(b[1], depth)
            self.tex.append("\\end{quote}\n")
        elif kind == "deflist":
            self.tex.append("\\begin{description}\n\\item[%s] " % self.il(b[1]))
            self.txt.append(self.it(b[1]) + "\n")
            self.blocks(b[2], depth)
            self.tex.append("\\end{description}\n")
        elif kind == "float":
            self.float(b[1])
        elif kind == "image":
            pass
        self.tex.append("\n")

    def float(self, f):
        wide = "figure" if f["kind"] == "figure" else "table"
        cap_tex = self.il(f["caption"])
        cap_txt = self.it(f["caption"])
        if f["kind"] == "figure":
            body = "\\centering\n%s" % f["tikz"].strip()
            self.tex.append("\\begin{figure}[tbp]\n%s\n\\caption{%s}\n\\end{figure}\n"
                            % (body, cap_tex))
            label = "Figure"
        else:
            rows = []
            if f.get("header"):
                rows.append(" & ".join("\\textbf{%s}" % self.il(h) for h in f["header"]) + r" \\ \hline")
            for r in f["rows"]:
                rows.append(" & ".join(self.il(c) for c in r) + r" \\")
            self.tex.append("\\begin{table}[tbp]\n\\centering\\small\n\\caption{%s}\n"
                            "\\begin{tabular}{%s}\n\\hline\n%s\n\\hline\n\\end{tabular}\n\\end{table}\n"
                            % (cap_tex, f["spec"], "\n".join(rows)))
            label = "Table"
            for r in [f.get("header", [])] + f["rows"]:
                self.txt.append(" ".join(self.it(c) for c in r) + "\n")
        self.txt.append("%s: %s\n" % (label, cap_txt))


def build_paper(num: str, cfg: dict, src: str):
    for a, b in cfg.get("fixes", []):
        assert a in src, (num, a)
        src = src.replace(a, b)
    hdr, body = split_header(src)
    body, numbered, auto = strip_targets(body)
    parser = Parser()
    blocks = parser.parse(body, top=True)

    # drop sections (a dropped section takes its subsections with it)
    kept, skip_level = [], None
    for b in blocks:
        if b[0] == "section":
            if skip_level is not None and b[1] <= skip_level:
                skip_level = None
            if skip_level is None and b[2] in cfg["drop"]:
                skip_level = b[1]
        if skip_level is None:
            kept.append(b)
    blocks = kept

    # abstract: leading plain paragraphs of the Abstract section (or of another section)
    abs_title = cfg.get("abstract_from", "Abstract")
    abstract = []
    for k, b in enumerate(blocks):
        if b[0] == "section" and b[2] == abs_title:
            j = k + 1
            while j < len(blocks) and blocks[j][0] == "para" and len(abstract) < 3:
                if j + 1 < len(blocks) and blocks[j + 1][0] == "literal":
                    break
                abstract.append(blocks[j][1])
                j += 1
            rest = blocks[j:]
            nxt = rest[0] if rest else None
            if abs_title == "Abstract":
                if nxt is not None and nxt[0] != "section":
                    blocks = blocks[:k] + [("section", 1, "Introduction")] + rest
                else:
                    blocks = blocks[:k] + rest
            else:
                blocks = blocks[:k + 1] + rest
            break

    # floats
    for f in cfg["floats"]:
        key = f.get("after") or f.get("replace")
        for k, b in enumerate(blocks):
            if key in block_text(b) or (f.get("replace") and b[0] == "image" and b[1] == key):
                if f.get("replace"):
                    blocks[k] = ("float", f)
                else:
                    blocks.insert(k + 1, ("float", f))
                break
        else:
            raise SystemExit(f"pep-{num}: float anchor not found: {key!r}")

    fns = Footnotes(numbered, auto)
    fns_txt = Footnotes(numbered, auto)
    r = Renderer(fns, fns_txt, cfg["columns"])

    title = f"PEP {int(num)}: {hdr['Title']}"
    authors = [re.sub(r"\s*<[^>]*>", "", a).strip() for a in hdr["Author"].split(",")]
    authors = [a for a in authors if a]
    meta = [hdr.get("Type", ""), "Status: " + hdr.get("Status", "")]
    if hdr.get("Python-Version"):
        meta.append("Python " + hdr["Python-Version"])
    meta.append("Created " + hdr.get("Created", ""))
    pending: list[tuple[int, str]] = []
    abs_tex = "\n\n".join(inline(p, fns, "tex", in_abstract=True, pending=pending) for p in abstract)
    abs_txt = "\n".join(inline(p, fns_txt, "txt") for p in abstract)

    r.txt += [title + "\n", ", ".join(authors) + "\n", " · ".join(meta) + "\n",
              "Abstract\n", abs_txt + "\n"]
    r.blocks(blocks)

    head_title = inline(hdr["Title"], None, "tex")
    title_tex = inline(title, None, "tex")
    author_tex = r" \and ".join(esc(a) for a in authors)
    date_tex = r" \textbullet{} ".join(esc(m) for m in meta)
    twocol = cfg["columns"] == 2
    opts = ",".join(x for x in [cfg["size"], cfg["paper"], "twocolumn" if twocol else ""] if x)
    geometry = ("\\setlength{\\columnsep}{0.25in}\n" if twocol else "")
    fntexts = "".join("\\footnotetext[%d]{%s}\n" % p for p in pending)
    if pending:
        fntexts += "\\setcounter{footnote}{%d}\n" % max(n for n, _ in pending)
    if twocol:
        front = (
            "\\twocolumn[{%%\n\\maketitle\n\\thispagestyle{fancy}\n"
            "\\begin{center}\\begin{minipage}{0.82\\textwidth}\n"
            "\\begin{center}\\textbf{Abstract}\\end{center}\\vspace{-0.5ex}\n"
            "\\small %s\n\\end{minipage}\\end{center}\\vspace{1.5em}}]\n%s" % (abs_tex, fntexts))
    else:
        front = ("\\maketitle\n\\thispagestyle{fancy}\n\\begin{abstract}\n%s\n\\end{abstract}\n%s"
                 % (abs_tex, fntexts))
    tex = r"""\documentclass[%(opts)s]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
%% one design size per shape keeps the embedded fonts (and the PDF) small
\usefont{T1}{lmr}{m}{n}\usefont{T1}{lmtt}{m}{n}\normalfont
\DeclareFontShape{T1}{lmr}{m}{n}{<-> ec-lmr10}{}
\DeclareFontShape{T1}{lmr}{m}{it}{<-> ec-lmri10}{}
\DeclareFontShape{T1}{lmr}{bx}{n}{<-> ec-lmbx10}{}
\DeclareFontShape{T1}{lmtt}{m}{n}{<-> ec-lmtt10}{}
\usepackage[margin=0.8in,top=0.9in,bottom=0.9in,headsep=0.2in]{geometry}
\usepackage{fancyhdr}
\usepackage{listings}
\usepackage{tikz}
\usetikzlibrary{arrows.meta,positioning}
%(geometry)s\pdfinfo{/Title (%(pdftitle)s) /Author (%(pdfauthor)s)}
\pdftrailerid{}
\pdfcompresslevel=9 \pdfobjcompresslevel=3
\emergencystretch=1.5em
\pagestyle{fancy}
\fancyhf{}
\fancyhead[L]{\small\itshape PEP %(pepnum)d --- %(head_title)s}
\fancyhead[R]{\small\thepage}
\renewcommand{\headrulewidth}{0.4pt}
%(lst)s
\title{\bfseries %(title)s}
\author{%(author)s}
\date{\small %(date)s}
\begin{document}
%(front)s
%(body)s
\end{document}
""" % dict(opts=opts, geometry=geometry, pepnum=int(num), head_title=head_title,
           title=title_tex, author=author_tex, date=date_tex, front=front,
           body="".join(r.tex), lst=LST_SETUP % dict(lstsize=r"\footnotesize" if twocol else r"\small"),
           pdftitle=re.sub(r"[()\\]", "", title), pdfauthor=re.sub(r"[()\\]", "", ", ".join(authors)))

    txt = "".join(r.txt)
    if fns_txt.texts:
        txt += "\nFootnotes\n" + "".join("%d %s\n" % t for t in fns_txt.texts)
    words = word_count(blocks) + sum(len(p.split()) for p in abstract)
    return tex, txt, words


def run_latex(tex_path: Path, build: Path):
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000", FORCE_SOURCE_DATE="1")
    for _ in range(2):
        p = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                            f"-output-directory={build}", str(tex_path)],
                           capture_output=True, text=True, env=env)
        if p.returncode != 0:
            sys.stderr.write(p.stdout[-3000:])
            raise SystemExit(f"pdflatex failed on {tex_path}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peps", type=Path, help="directory with pep-XXXX.rst files")
    ap.add_argument("--git-dir", type=Path, help="bare git clone of python/peps")
    ap.add_argument("--build", type=Path, default=Path("/tmp/papers_build"))
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--only", nargs="*", help="PEP numbers to build (default: all)")
    a = ap.parse_args(argv)
    git_dir = a.git_dir
    if not a.peps and not git_dir:
        git_dir = DEFAULT_GIT if DEFAULT_GIT.exists() else None
        if git_dir is None:
            a.peps = Path("peps")
    if shutil.which("pdflatex") is None:
        raise SystemExit("pdflatex not found (apt-get install texlive-latex-base "
                         "texlive-latex-recommended texlive-fonts-recommended texlive-pictures lmodern)")
    a.build.mkdir(parents=True, exist_ok=True)
    a.out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    for num, cfg in PAPERS.items():
        if a.only and num not in a.only and num.lstrip("0") not in a.only:
            continue
        t1 = time.time()
        src = read_pep(num, a.peps, git_dir)
        tex, txt, words = build_paper(num, cfg, src)
        tex_path = a.build / f"pep-{num}.tex"
        tex_path.write_text(tex, encoding="utf-8")
        (a.build / f"pep-{num}.txt").write_text(txt, encoding="utf-8")
        run_latex(tex_path, a.build)
        pdf = a.build / f"pep-{num}.pdf"
        shutil.copyfile(pdf, a.out / pdf.name)
        print(f"pep-{num}.pdf  {words:5d} words  {pdf.stat().st_size // 1024:4d} KB  "
              f"{'two' if cfg['columns'] == 2 else 'one'}-column  {time.time() - t1:5.1f} s")
    print(f"total {time.time() - t0:.1f} s; PDFs in {a.out}, .tex/.log/.txt in {a.build}")


if __name__ == "__main__":
    main()
