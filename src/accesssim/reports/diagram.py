"""One finding as a picture: its witness path from a person to a field, entities shaped and
coloured by kind, organisations as clusters on the trusted or untrusted side of the boundary,
defective hops in red with their failure type, and each hop's ``file:line`` as a tooltip.

The overview of every finding lives in ``diagram_overview``; the shared look in
``diagram_style``. ``render_dot`` runs Graphviz's ``dot``.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from accesssim.findings.results import Finding, Hop, Report
from accesssim.i18n import Translator, msg
from accesssim.model.schema import SystemModel
from accesssim.reports.diagram_names import Names, trusted_orgs
from accesssim.reports.diagram_overview import overview_dot
from accesssim.reports.diagram_style import (
    DEFECT,
    LOOKS,
    PLAIN_EDGE,
    TRUSTED,
    UNTRUSTED,
    label,
    legend,
    new_graph,
    number,
    render_dot,
    safe,
)
from accesssim.search.defects import FailureType

__all__ = ["finding_dot", "finding_svg", "overview_dot", "render_dot", "svg_fragment"]

#: How many field names a finding's title shows before "and N more".
TITLE_FIELDS = 3

#: Which edge of the drawn path each witness sentence (its English template) stands for.
SEGMENTS: dict[str, str] = {
    "{who} holds account {account}": "account",
    "{who} knows the ID/password of account {account}, held by {holder}": "credential",
    "{who} knows the ID/password of account {account}, held by {holder} "
    "(learned while at {org})": "credential",
    "account {account} was issued by {issuer} to {org}": "account",
    "account {account} was set up for disaster response only": "account",
    "account {account} was set up as an outage workaround": "account",
    "terminal {terminal} (owned by {owner}) is assigned to {who}": "terminal",
    "{who} can be at {location}": "location",
    "terminal {terminal} (owned by {owner}) stands at {location}, usable by anyone there":
        "terminal",
    "terminal {terminal} is left logged in as account {account}": "session",
    "terminal {terminal} reaches system {system} and accepts {account}": "system",
    "account {account} has role {roles} on {system}": "system",
    "policy lets {account} open menu screen {screen}": "entry",
    "{source} -> {target} (checked); policy lets {account} open {target}": "transition",
    "{source} -> {target} (unchecked); policy lets {account} open {target}": "transition",
    "{source} -> {target} is not checked, though the policy does not let {account} open "
    "{target}": "transition",
    "{screen} shows {field} ({name}) masked unless allowed; policy unmasks it for {account}":
        "field",
    "{screen} shows {field} ({name}) in clear": "field",
}


@dataclass
class _Edge:
    tail: str
    head: str
    hops: list[Hop] = field(default_factory=list)
    defects: set[FailureType] = field(default_factory=set)


def prefix_of(finding: Finding) -> str:
    """A prefix for every SVG id of one finding, so several pictures fit in one page."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", finding.id) + "-"


def title_fields(names: Names, fields: Sequence[str], tr: Translator) -> str:
    """The fields a title names: the first few, then how many more (a finding of fifty fields
    would make the picture as wide as its title; the report's tables list them all)."""
    shown = ", ".join(names.field(f) for f in fields[:TITLE_FIELDS])
    if len(fields) <= TITLE_FIELDS:
        return shown
    return tr(msg("{fields} and {count} more", fields=shown,
                  count=number(len(fields) - TITLE_FIELDS)))


def drawn_first(finding: Finding) -> list[str]:
    """The finding's fields, the one its path draws first (the title names it, then others)."""
    drawn = finding.path[-1].node.partition(":")[2]
    return sorted(finding.fields, key=lambda f: f != drawn)


def _arg(hop: Hop, name: str) -> str:
    return next((str(v) for k, v in hop.msg.args if k == name), "")


def path_edges(finding: Finding) -> tuple[list[str], list[_Edge]]:
    """The entities (``kind:id``) and edges drawn for a finding, each witness hop placed on
    the edge it stands for (a hop whose sentence is unknown goes on the first edge)."""
    steps = {s.node.partition(":")[0]: s for s in finding.path}
    person, account = steps["person"].node, steps["account"].node
    terminal, system = steps["terminal"].node, steps["system"].node
    screens = [s.node for s in finding.path if s.node.startswith("screen:")]
    field_node = steps["field"].node
    location = next((f"location:{_arg(h, 'location')}" for h in finding.witness
                     if SEGMENTS.get(h.msg.template) == "location"), None)
    knows = any(SEGMENTS.get(h.msg.template) == "credential" for h in finding.witness)
    credential = f"credential:{account.partition(':')[2]}" if knows else None
    edges: dict[str, _Edge] = {}

    def edge(key: str, tail: str, head: str) -> None:
        edges[key] = _Edge(tail, head)

    if credential:
        edge("credential", person, credential)
        edge("account", credential, account)
    else:
        edge("account", person, account)
    if location:
        edge("location", person, location)
        edge("terminal", location, terminal)
        edge("session", account, terminal)
    else:
        edge("terminal", account, terminal)
        edges["session"] = edges["terminal"]
    edge("system", terminal, system)
    edge("entry", system, screens[0])
    for index, (tail, head) in enumerate(itertools.pairwise(screens)):
        edge(f"transition{index}", tail, head)
    edge("field", screens[-1], field_node)
    transitions = 0
    for hop in finding.witness:
        segment = SEGMENTS.get(hop.msg.template, "")
        if segment == "transition":
            segment, transitions = f"transition{transitions}", transitions + 1
        target = edges.get(segment) or next(iter(edges.values()))
        target.hops.append(hop)
        if hop.defect is not None:
            target.defects.add(hop.defect)
    arrivals = {e.head: e for e in edges.values()}
    arrivals[terminal] = edges["terminal"]
    worded = {h.defect for h in finding.witness if h.defect is not None}
    for step in finding.path:  # a defect no witness sentence carries: on its arrival edge
        if step.defect is not None and step.defect not in worded and step.node in arrivals:
            arrivals[step.node].defects.add(step.defect)
    nodes = [person, *([credential] if credential else []), account,
             *([location] if location else []), terminal, system, *screens, field_node]
    unique = list(dict.fromkeys(edges[k].tail + "\0" + edges[k].head for k in edges))
    drawn = []
    for key in unique:
        tail, head = key.split("\0")
        # by identity: "session" and "terminal" may be one edge, whose hops must show once
        same = list({id(e): e for e in edges.values()
                     if e.tail == tail and e.head == head}.values())
        drawn.append(_Edge(tail, head, [h for e in same for h in e.hops],
                           {d for e in same for d in e.defects}))
    return list(dict.fromkeys(nodes)), drawn


def finding_dot(model: SystemModel, report: Report, finding: Finding, tr: Translator) -> str:
    """The Graphviz source of one finding's picture (deterministic: same input, same bytes)."""
    names = Names(model)
    prefix = prefix_of(finding)
    nodes, edges = path_edges(finding)
    system = next(n for n in nodes if n.startswith("system:")).partition(":")[2]
    trusted = trusted_orgs(names.boundary, system, finding.fields)
    types = ", ".join(tr(t.label) for t in finding.failure_types)
    title = "\n".join([f"{finding.id}: {types}",
                       tr(msg("people exposed: {people}; fields: {fields}",
                              people=number(finding.headcount),
                              fields=title_fields(names, drawn_first(finding), tr))),
                       report.model_name])
    graph = new_graph(prefix + "finding", title, "TB")
    graph.attr(id=prefix + "graph")
    ids = {node: f"{prefix}n{index}" for index, node in enumerate(nodes)}
    by_org: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        by_org[names.org_of(node, finding)].append(node)
    for index, org in enumerate(sorted(by_org)):
        with graph.subgraph(name=f"cluster_{prefix}org{index}") as cluster:
            side = TRUSTED if org in trusted else UNTRUSTED
            word = (tr(msg("{org} (trusted)", org=names.org(org))) if org in trusted
                    else tr(msg("{org} (untrusted)", org=names.org(org))))
            # the path enters every cluster but the person's from above: its name goes below,
            # where no arrow crosses it
            where = "t" if nodes[0] in by_org[org] else "b"
            cluster.attr(label=label(word), id=f"{prefix}org-{index}", fontsize="11",
                         tooltip=safe(org), labelloc=where, **side)
            for node in by_org[org]:
                look = LOOKS[node.partition(":")[0]]
                text, tip = names.node_label(node, finding, tr)
                cluster.node(ids[node], label(text), shape=look.shape, fillcolor=look.fill,
                             id=ids[node], tooltip=safe(tip))
    for index, edge in enumerate(edges):
        tip = "\n".join(f"{tr(h.msg)} ({', '.join(str(s) for s in h.sources)})"
                        for h in edge.hops) or tr(msg("{tail} is used with {head}",
                                                      tail=edge.tail, head=edge.head))
        attrs = {"id": f"{prefix}e{index}", "tooltip": safe(tip),
                 "edgetooltip": safe(tip), "labeltooltip": safe(tip)}
        if edge.defects:
            words = "\n".join(tr(t.label) for t in FailureType if t in edge.defects)
            graph.edge(ids[edge.tail], ids[edge.head], label(words), **attrs, **DEFECT)
        else:
            graph.edge(ids[edge.tail], ids[edge.head], **attrs, **PLAIN_EDGE)
    kinds = [n.partition(":")[0] for n in nodes]
    legend(graph, prefix, list(dict.fromkeys(kinds)), tr, bool(any(e.defects for e in edges)),
           stride=1)
    source: str = graph.source
    return source


def svg_fragment(svg: bytes) -> str:
    """``dot``'s SVG without the XML prolog, DOCTYPE and comments: an inline ``<svg>``."""
    text = svg.decode("utf-8")
    text = text[text.index("<svg"):]
    return re.sub(r"<!--.*?-->\n?", "", text, flags=re.DOTALL)


def finding_svg(model: SystemModel, report: Report, finding: Finding, tr: Translator) -> str:
    """One finding's picture as an inline-able ``<svg>`` (ids prefixed by the finding id)."""
    return svg_fragment(render_dot(finding_dot(model, report, finding, tr), "svg"))
