"""Every finding in one picture that stays readable at utility scale: only what lies on some
finding's path, people grouped by organisation, terminals by owner, screens by system, one
edge per distinct hop labelled with its finding count, head count and failure types."""

from __future__ import annotations

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
    number,
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
        """One finding passes here: count everyone it exposes."""
        self.add_people(finding, {g.person: g.headcount for g in finding.people})
        if member:
            self.members.add(member)

    def add_people(self, finding: Finding, people: dict[str, int]) -> None:
        self.findings.add(finding.id)
        self.people.update(people)

    @property
    def headcount(self) -> int:
        return sum(self.people.values())


#: Defects on the way to the system (the access part of a path), by their element's kind.
ACCESS = ("credential:", "external-account:", "account:", "terminal:", "session:")


Hop = tuple[str, str, tuple[str, ...], set[FailureType]]


def _hops(names: Names, finding: Finding) -> list[Hop]:
    """The aggregated hops one finding's witness passes: (tail, head, screen ids the head
    stands for, failure types).
    Screens collapse into the menu screens and the screens reached by transitions, per system."""
    steps = finding.path
    system = names.system_of(finding)
    screens = [s for s in steps if s.node.startswith("screen:")]
    field_step = steps[-1]
    entry = f"entry:{system}"
    ids = [s.node.partition(":")[2] for s in screens]
    hops: list[Hop] = [(f"system:{system}", entry, (ids[0],),
                        {d for d in [screens[0].defect] if d})]
    last = entry
    if len(screens) > 1:
        last = f"reached:{system}"
        hops.append((entry, last, tuple(ids[1:]), {s.defect for s in screens[1:] if s.defect}))
    field_key = f"field:{system}\0{field_step.node.partition(':')[2]}"
    hops.append((last, field_key, (), {d for d in [field_step.defect] if d}))
    return hops


def overview_dot(model: SystemModel, report: Report, tr: Translator) -> str:
    """The Graphviz source of the overview (deterministic: sorted nodes and edges)."""
    names = Names(model)
    field_system = {f.id: s.id for s in model.systems for f in s.fields}
    people = {p.id: p for p in model.people}
    nodes: dict[str, _Agg] = defaultdict(_Agg)
    edges: dict[tuple[str, str], _Agg] = defaultdict(_Agg)
    seen: dict[tuple[str, str], _Agg] = defaultdict(_Agg)  # system -> field, any path
    trusted: set[str] = set()
    for finding in report.findings:
        system = names.system_of(finding)
        trusted |= trusted_orgs(names.boundary, system, finding.fields)
        access = {d.type for d in finding.defects if d.element.startswith(ACCESS)}
        heads = {g.person: g.headcount for g in finding.people}
        for person, field_id in finding.exposures:
            org = people[person].org if person in people else ""
            group, target = f"group:{org}", f"system:{field_system.get(field_id, system)}"
            nodes[group].add_people(finding, {person: heads.get(person, 1)})
            nodes[group].members.add(person)
            nodes[target].add_people(finding, {person: heads.get(person, 1)})
            edge = edges[(group, target)]
            edge.add_people(finding, {person: heads.get(person, 1)})
            edge.defects |= access
            key = f"field:{field_system.get(field_id, system)}\0{field_id}"
            nodes[key].add_people(finding, {person: heads.get(person, 1)})
            seen[(target, key)].add_people(finding, {person: heads.get(person, 1)})
            nodes[key].members.add(field_id)
            nodes[target].members.add(target.partition(":")[2])
        for tail, head, members, defects in _hops(names, finding):
            nodes[head].add(finding)
            nodes[head].members.update(members)
            agg = edges[(tail, head)]
            agg.add(finding)
            agg.defects |= defects
    trusted -= {key.partition(":")[2] for key in nodes if key.startswith("group:")}
    witnessed = {head for _, head in edges}
    dotted: dict[tuple[str, str], _Agg] = defaultdict(_Agg)
    for system_key, field_key in sorted(seen):
        agg = seen[(system_key, field_key)]
        if field_key in witnessed:
            continue
        other = f"others:{system_key.partition(':')[2]}"
        nodes.pop(field_key, None)
        nodes[other].members.add(field_key.partition("\0")[2])
        for into in (nodes[other], dotted[(system_key, other)]):
            into.findings |= agg.findings
            into.people.update(agg.people)
    edges.update(dotted)
    _fold_plain_fields(nodes, edges)
    title = tr(msg("{model}\nfindings: {count}; people exposed: {people}",
                   model=report.model_name, count=number(len(report.findings)),
                   people=number(report.exposed_headcount)))
    graph = new_graph("overview", title)
    graph.attr(id=PREFIX + "graph", ranksep="1.0", nodesep="0.12")
    ids = {key: f"{PREFIX}n{index}" for index, key in enumerate(sorted(nodes))}
    clusters: dict[str, list[str]] = defaultdict(list)
    for key in sorted(nodes):
        clusters[_org_of(names, key)].append(key)
    for index, org in enumerate(sorted(clusters)):
        side = org in trusted
        with graph.subgraph(name=f"cluster_{PREFIX}org{index}") as cluster:
            word = (tr(msg("{org} (trusted)", org=names.org(org))) if side
                    else tr(msg("{org} (untrusted)", org=names.org(org))))
            cluster.attr(label=label(word), id=f"{PREFIX}org-{index}", tooltip=safe(org),
                         **(TRUSTED if side else UNTRUSTED))
            for key in clusters[org]:
                look = LOOKS[_kind(key)]
                cluster.node(ids[key], label(_node_label(names, key, nodes[key], tr)),
                             shape=look.shape, fillcolor=look.fill, id=ids[key],
                             tooltip=safe(", ".join(sorted(nodes[key].members)) or " "))
    top = max((a.headcount for a in edges.values()), default=1) or 1
    for index, (tail, head) in enumerate(sorted(edges)):
        agg = edges[(tail, head)]
        words = [tr(msg("people: {people}; findings: {count}", count=len(agg.findings),
                        people=number(agg.headcount)))]
        words += [tr(t.label) for t in FailureType if t in agg.defects]
        width = f"{1 + 4 * agg.headcount / top:.1f}"
        attrs = {"id": f"{PREFIX}e{index}", "tooltip": safe("\n".join(sorted(agg.findings))),
                 "penwidth": width}
        style = ({**DEFECT, "penwidth": width} if agg.defects else
                 {**PLAIN_EDGE, "style": "dotted"} if (tail, head) in dotted else PLAIN_EDGE)
        graph.edge(ids[tail], ids[head], label("\n".join(words)), **{**attrs, **style})
    legend(graph, PREFIX, ["group", "system", "screen", "field"], tr,
           any(a.defects for a in edges.values()))
    source: str = graph.source
    return source


def _fold_plain_fields(nodes: dict[str, _Agg], edges: dict[tuple[str, str], _Agg]) -> None:
    """Fields that no defective hop reaches (the defect lies earlier on their paths) fold into
    one node per screen group that shows them, so the fields drawn one by one are those a
    masking or unmasking defect exposes."""
    into: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for tail, head in edges:
        into[head].append((tail, head))
    for head, pairs in sorted(into.items()):
        if not head.startswith("field:") or any(edges[pair].defects for pair in pairs):
            continue
        agg = nodes.pop(head)
        for pair in pairs:
            group = f"shown:{pair[0]}"
            nodes[group].members.add(head.partition("\0")[2])
            nodes[group].findings |= agg.findings
            nodes[group].people.update(agg.people)
            edge = edges.pop(pair)
            merged = edges[(pair[0], group)]
            merged.findings |= edge.findings
            merged.people.update(edge.people)


def _kind(key: str) -> str:
    kind = key.partition(":")[0]
    return {"entry": "screen", "reached": "screen", "others": "field", "shown": "field"}.get(
        kind, kind)


def _org_of(names: Names, key: str) -> str:
    kind, _, rest = key.partition(":")
    if kind == "group":
        return rest
    if kind == "shown":
        rest = rest.partition(":")[2]
    system = rest.partition("\0")[0]
    return names.systems[system].owner if system in names.systems else ""


def _node_label(names: Names, key: str, agg: _Agg, tr: Translator) -> str:
    kind, _, rest = key.partition(":")
    if kind == "group":
        return tr(msg("people of {org}\nheadcount: {people} (people entries: {groups})",
                      org=names.org(rest), groups=len(agg.members),
                      people=number(agg.headcount)))
    if kind == "system":
        system = names.systems.get(rest)
        return (system.name if system and system.name else rest)
    if kind == "entry":
        return tr(msg("menu screens: {count}", count=len(agg.members)))
    if kind == "reached":
        return tr(msg("screens reached by transitions: {count}", count=len(agg.members)))
    if kind == "shown":
        return tr(msg("fields reached: {count}\nheadcount: {people}",
                      count=len(agg.members), people=number(agg.headcount)))
    if kind == "others":
        return tr(msg("other fields exposed: {count}\nheadcount: {people}",
                      count=len(agg.members), people=number(agg.headcount)))
    field_id = rest.partition("\0")[2]
    return "\n".join([names.field(field_id), field_id,
                      tr(msg("headcount: {people}", people=number(agg.headcount)))])
