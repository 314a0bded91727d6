"""Every finding in one picture that stays readable at utility scale: only what lies on some
finding's path, people grouped by organisation, terminals by owner, screens by system, one
edge per distinct hop labelled with its finding count, head count and failure types."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from accesssim.findings.results import Finding, Report
from accesssim.i18n import Translator, msg
from accesssim.model.schema import SystemModel
from accesssim.reports.diagram_names import Names, trusted_orgs
from accesssim.reports.diagram_style import (
    DEFECT,
    LOOKS,
    PLAIN_EDGE,
    TRUSTED,
    UNTRUSTED,
    label,
    legend,
    new_graph,
    safe,
)
from accesssim.search.defects import FailureType

PREFIX = "overview-"


@dataclass
class _Agg:
    """One aggregated node or edge: which findings and people pass through it."""

    findings: set[str] = field(default_factory=set)
    people: dict[str, int] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)
    defects: set[FailureType] = field(default_factory=set)

    def add(self, finding: Finding, member: str = "") -> None:
        self.findings.add(finding.id)
        self.people.update({g.person: g.headcount for g in finding.people})
        if member:
            self.members.add(member)

    @property
    def headcount(self) -> int:
        return sum(self.people.values())


def _chain(names: Names, finding: Finding) -> list[tuple[str, str]]:
    """The aggregated entities one finding passes: (node key, member id)."""
    steps = [s.node for s in finding.path]
    person = steps[0].partition(":")[2]
    terminal = next(s for s in steps if s.startswith("terminal:"))
    system = names.system_of(finding)
    screen = [s for s in steps if s.startswith("screen:")][-1]
    field_id = steps[-1].partition(":")[2]
    return [
        (f"group:{names.org_of(steps[0], finding)}", person),
        (f"terminal:{names.org_of(terminal, finding)}", terminal.partition(":")[2]),
        (f"system:{system}", system),
        (f"screen:{system}", screen.partition(":")[2]),
        (f"field:{system}\0{field_id}", field_id),
    ]


def _defects_on(finding: Finding) -> list[set[FailureType]]:
    """The failure types arriving at each of the chain's four edges."""
    out: list[set[FailureType]] = [set(), set(), set(), set()]
    for step in finding.path:
        if step.defect is None:
            continue
        kind = step.node.partition(":")[0]
        index = {"account": 0, "terminal": 0, "system": 1, "screen": 2, "field": 3}[kind]
        out[index].add(step.defect)
    return out


def overview_dot(model: SystemModel, report: Report, tr: Translator) -> str:
    """The Graphviz source of the overview (deterministic: sorted nodes and edges)."""
    names = Names(model)
    nodes: dict[str, _Agg] = defaultdict(_Agg)
    edges: dict[tuple[str, str], _Agg] = defaultdict(_Agg)
    owner_side: dict[str, set[str]] = defaultdict(set)  # org -> systems it is trusted for
    for finding in report.findings:
        chain = _chain(names, finding)
        system = names.system_of(finding)
        for org in trusted_orgs(model, system, finding.fields):
            owner_side[org].add(system)
        for key, member in chain:
            nodes[key].add(finding, member)
        for defects, (start, end) in zip(_defects_on(finding), itertools.pairwise(chain),
                                         strict=True):
            agg = edges[(start[0], end[0])]
            agg.add(finding)
            agg.defects |= defects
    title = tr(msg("{model}: {count} findings, {people} people exposed",
                   model=report.model_name, count=f"{len(report.findings):,}",
                   people=f"{report.exposed_headcount:,}"))
    graph = new_graph("overview", title)
    graph.attr(id=PREFIX + "graph", ranksep="1.2", nodesep="0.15")
    ids = {key: f"{PREFIX}n{index}" for index, key in enumerate(sorted(nodes))}
    clusters: dict[str, list[str]] = defaultdict(list)
    for key in sorted(nodes):
        clusters[_org_of(names, key)].append(key)
    for number, org in enumerate(sorted(clusters)):
        trusted = bool(owner_side.get(org))
        with graph.subgraph(name=f"cluster_{PREFIX}org{number}") as cluster:
            word = (tr(msg("{org} (trusted)", org=names.org(org))) if trusted
                    else tr(msg("{org} (untrusted)", org=names.org(org))))
            cluster.attr(label=label(word), id=f"{PREFIX}org-{number}", tooltip=safe(org),
                         **(TRUSTED if trusted else UNTRUSTED))
            for key in clusters[org]:
                text = _node_label(names, key, nodes[key], tr)
                kind = key.partition(":")[0]
                look = LOOKS[kind]
                cluster.node(ids[key], label(text), shape=look.shape, fillcolor=look.fill,
                             id=ids[key], tooltip=safe(", ".join(sorted(nodes[key].members))))
    top = max((a.headcount for a in edges.values()), default=1) or 1
    for number, (tail, head) in enumerate(sorted(edges)):
        agg = edges[(tail, head)]
        words = [tr(msg("{count} findings, {people} people", count=len(agg.findings),
                        people=f"{agg.headcount:,}"))]
        words += [tr(t.label) for t in FailureType if t in agg.defects]
        width = f"{1 + 4 * agg.headcount / top:.1f}"
        attrs = {"id": f"{PREFIX}e{number}", "tooltip": safe("\n".join(sorted(agg.findings))),
                 "penwidth": width}
        style = {**DEFECT, "penwidth": width} if agg.defects else PLAIN_EDGE
        graph.edge(ids[tail], ids[head], label("\n".join(words)), **{**attrs, **style})
    legend(graph, PREFIX, ["group", "terminal", "system", "screen", "field"], tr,
           any(a.defects for a in edges.values()))
    source: str = graph.source
    return source


def _org_of(names: Names, key: str) -> str:
    kind, _, rest = key.partition(":")
    if kind in ("group", "terminal"):
        return rest
    system = rest.partition("\0")[0]
    return names.systems[system].owner if system in names.systems else ""


def _node_label(names: Names, key: str, agg: _Agg, tr: Translator) -> str:
    kind, _, rest = key.partition(":")
    if kind == "group":
        return tr(msg("people of {org}\n{groups} groups, {people} people", org=names.org(rest),
                      groups=len(agg.members), people=f"{agg.headcount:,}"))
    if kind == "terminal":
        return tr(msg("terminals of {org}: {count}", org=names.org(rest),
                      count=len(agg.members)))
    if kind == "system":
        system = names.systems.get(rest)
        return (system.name if system and system.name else rest)
    if kind == "screen":
        return tr(msg("{count} screens on paths", count=len(agg.members)))
    field_id = rest.partition("\0")[2]
    return f"{names.field(field_id)}\n{field_id}"
