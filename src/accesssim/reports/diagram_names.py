"""Names and sides for the pictures: each entity's display name (from the model YAML, often
Japanese), the organisation it belongs to, and which organisations are trusted."""

from __future__ import annotations

from collections.abc import Iterable

from accesssim.findings.results import Finding
from accesssim.i18n import Translator, msg
from accesssim.model.schema import SystemModel
from accesssim.reports.diagram_style import LOOKS, number
from accesssim.time.boundary import Boundary


def trusted_orgs(boundary: Boundary, system: str, fields: Iterable[str]) -> frozenset[str]:
    """Organisations on the trusted side for these fields of ``system``: the boundary's core
    (the system owner and its contractors, as the engine's ``Boundary`` computes it) and the
    organisations every one of these fields concerns (their own customers' data)."""
    core = boundary.core.get(system, frozenset())
    own = [set(boundary.fields[f].concerns) for f in fields if f in boundary.fields]
    concerned = set.intersection(*own) if own else set()
    return frozenset(core | concerned)


class Names:
    """Look-ups into one model: names, owners, holders."""

    def __init__(self, model: SystemModel):
        self.boundary = Boundary(model)
        self.orgs = {o.id: o.name or o.id for o in model.organizations}
        self.people = {p.id: p for p in model.people}
        self.accounts = {a.id: a for a in model.accounts}
        self.terminals = {t.id: t for t in model.terminals}
        self.locations = {loc.id: loc for loc in model.locations}
        self.systems = {s.id: s for s in model.systems}
        self.screens = {(s.id, x.id): x.name or x.id for s in model.systems for x in s.screens}
        self.fields = {f.id: f.name or f.id for s in model.systems for f in s.fields}

    def org(self, org: str) -> str:
        return self.orgs.get(org, org)

    def field(self, field: str) -> str:
        return self.fields.get(field, field)

    def system_of(self, finding: Finding) -> str:
        return next(s.node for s in finding.path if s.node.startswith("system:")).partition(
            ":")[2]

    def org_of(self, node: str, finding: Finding) -> str:
        """The organisation a path entity belongs to (its cluster)."""
        kind, _, ident = node.partition(":")
        if kind == "person":
            return self.people[ident].org if ident in self.people else ""
        if kind in ("account", "credential"):
            holder = self.accounts[ident].holder if ident in self.accounts else ""
            return self.people[holder].org if holder in self.people else ""
        if kind == "terminal":
            return self.terminals[ident].owner if ident in self.terminals else ""
        if kind == "location":
            return self.locations[ident].owner if ident in self.locations else ""
        system = ident if kind == "system" else self.system_of(finding)
        return self.systems[system].owner if system in self.systems else ""

    def name(self, node: str, finding: Finding) -> str:
        """The display name of a path entity (its id when the model gives none)."""
        kind, _, ident = node.partition(":")
        if kind == "person" and ident in self.people:
            return self.people[ident].name or ident
        if kind == "location" and ident in self.locations:
            return self.locations[ident].name or ident
        if kind == "system" and ident in self.systems:
            return self.systems[ident].name or ident
        if kind == "screen":
            return self.screens.get((self.system_of(finding), ident), ident)
        if kind == "field":
            return self.field(ident)
        return ident

    def node_label(self, node: str, finding: Finding, tr: Translator) -> tuple[str, str]:
        """(label, tooltip) of one path entity: kind, name, id (and head count of people)."""
        kind, _, ident = node.partition(":")
        name = self.name(node, finding)
        lines = [tr(LOOKS[kind].word), name]
        if kind == "credential":
            lines[1] = tr(msg("ID/password of {account}", account=ident))
        elif name != ident:
            lines.append(ident)
        if kind == "person" and ident in self.people:
            lines.append(tr(msg("headcount: {people}",
                                  people=number(self.people[ident].headcount))))
        return "\n".join(lines), f"{kind}: {ident}"
