"""What the pictures share: one shape and colour per kind of entity, the trust boundary's two
sides, safe labels, and running Graphviz's ``dot``.

Graphviz is the standard for drawing graphs: its layered layout keeps a path readable in
order, and its SVG carries tooltips (``file:line`` of each hop) without any script.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from accesssim.errors import AccessSimError
from accesssim.i18n import N_, Translator
from accesssim.model.schema import SystemModel

if TYPE_CHECKING:
    import graphviz

#: Japanese first (display names in the incident models are Japanese), then any sans font.
FONT = "Noto Sans CJK JP,Noto Sans CJK,sans-serif"

#: What to install when ``dot`` is missing (Debian and Ubuntu package names).
INSTALL = "apt-get install graphviz fonts-noto-cjk"


@dataclass(frozen=True)
class Look:
    """How one kind of entity is drawn."""

    word: str  # the kind, as a person reads it (a msgid)
    shape: str
    fill: str


LOOKS: dict[str, Look] = {
    "person": Look(N_("Person"), "ellipse", "#fde9c9"),
    "group": Look(N_("People"), "ellipse", "#fde9c9"),
    "account": Look(N_("Account"), "note", "#e3eefc"),
    "credential": Look(N_("Credential"), "component", "#e3eefc"),
    "terminal": Look(N_("Terminal"), "box3d", "#e6f4e6"),
    "location": Look(N_("Location"), "house", "#f0e8f8"),
    "system": Look(N_("System"), "cylinder", "#dde3ea"),
    "screen": Look(N_("Screen"), "box", "#ffffff"),
    "field": Look(N_("Field"), "hexagon", "#fff7b3"),
}

#: Entries per column of the legend (a few short columns, not one tall one).
LEGEND_ROWS = 4

#: The two sides of the trust boundary: cluster border and fill.
TRUSTED = {"color": "#2e7d32", "style": "rounded,filled", "fillcolor": "#f1f8f1",
           "penwidth": "1.5"}
UNTRUSTED = {"color": "#c62828", "style": "rounded,filled,dashed", "fillcolor": "#fff3f3",
             "penwidth": "1.5"}
DEFECT = {"color": "#d00000", "fontcolor": "#d00000", "penwidth": "2.5"}
PLAIN_EDGE = {"color": "#555555"}


def label(text: str) -> str:
    """A label Graphviz prints as given: backslashes escaped, never read as HTML."""
    import graphviz

    # `&` first: Graphviz reads entities such as &amp; in any label; the package's nohtml keeps
    # a label that looks like <...> from being read as an HTML label
    text = graphviz.nohtml(graphviz.escape(text.replace("&", "&amp;")))
    return text


def number(count: int) -> str:
    """A count with thousands separators (1,613), as every report prints counts."""
    return f"{count:,}"


def safe(text: str) -> str:
    """An escString attribute (tooltip, URL-free text) with its backslashes escaped.

    Graphviz (2.43) reads a node's tooltip for escapes twice, so ``\\N`` there became the
    node's name: each backslash is written as four, which every tooltip (node, edge, cluster)
    prints as one."""
    return text.replace("&", "&amp;").replace("\\", "\\" * 4)


def new_graph(name: str, title: str, rankdir: Literal["LR", "TB"] = "LR") -> graphviz.Digraph:
    """A graph with the project's fonts and defaults: left to right (the overview's fan of
    fields), or top to bottom (one finding's path: a long chain drawn across would be too
    wide to read once a report scales it to the page)."""
    import graphviz  # imported here: `accesssim --help` should not pay for it

    graph = graphviz.Digraph(name, graph_attr={
        "rankdir": rankdir, "fontname": FONT, "fontsize": "12", "labelloc": "t",
        "label": label(title), "nodesep": "0.25", "ranksep": "0.5", "newrank": "true",
        "compound": "true"})
    graph.attr("node", fontname=FONT, fontsize="10", style="filled", penwidth="1.2")
    graph.attr("edge", fontname=FONT, fontsize="9")
    return graph


def org_names(model: SystemModel) -> dict[str, str]:
    return {o.id: o.name or o.id for o in model.organizations}


def legend(graph: graphviz.Digraph, prefix: str, kinds: list[str], tr: Translator,
           defects: bool, stride: int = LEGEND_ROWS) -> None:
    """A key to the picture: the kinds drawn, the two sides of the boundary, and what a red
    arrow means. Invisible arrows tie entry ``i`` to entry ``i + stride``: in a left-to-right
    picture columns of ``stride`` entries; ``stride=1`` in a top-to-bottom one, one column."""
    with graph.subgraph(name=f"cluster_{prefix}legend") as key:
        key.attr(label=label(tr(N_("Legend"))), color="#999999", style="rounded",
                 fontsize="10", id=f"{prefix}legend")
        key.attr("node", fontsize="9", height="0.3")
        names = []
        for kind in kinds:
            look = LOOKS[kind]
            node = f"{prefix}legend_{kind}"
            key.node(node, label(tr(look.word)), shape=look.shape, fillcolor=look.fill,
                     id=node)
            names.append(node)
        inside, outside = f"{prefix}legend_trusted", f"{prefix}legend_untrusted"
        key.node(inside, label(tr(N_("trusted side (system owner and its contractors)"))),
                 shape="box", id=inside, **TRUSTED)
        key.node(outside, label(tr(N_("untrusted side (outside the boundary)"))),
                 shape="box", id=outside, **UNTRUSTED)
        names += [inside, outside]
        if defects:
            red = f"{prefix}legend_defect"
            words = N_("red arrow: a defective hop, labelled with its failure type")
            key.node(red, label(tr(words)), shape="plaintext", style="", id=red,
                     fontcolor=DEFECT["color"])
            names.append(red)
        for a, b in zip(names, names[stride:], strict=False):
            key.edge(a, b, style="invis", minlen="1")


def dot_program(hint: str = "") -> str:
    """Graphviz's ``dot``, or a refusal saying exactly what to install (``hint``: what else the
    command could do without it)."""
    program = shutil.which("dot")
    if program is None:
        raise AccessSimError(
            "Graphviz's `dot` program is not installed (it draws svg and png); install it "
            f"with `{INSTALL}` on Debian or Ubuntu{hint}")
    return program


def render_dot(source: str, fmt: Literal["svg", "png"]) -> bytes:
    """Lay out ``source`` with Graphviz's ``dot``; say exactly what to install when missing."""
    program = dot_program()
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"),
                              capture_output=True, check=False, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AccessSimError(f"Graphviz's dot could not run: {exc}") from exc
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise AccessSimError(f"Graphviz's dot failed: {why}")
    return done.stdout
