"""The whole remediation vocabulary a model admits, built from the model alone (not from any
path): what brute force enumerates in tests/test_remediate_brute.py and
benchmarks/bench_remediate.py, so that both check ``remediate`` against the same universe."""

from __future__ import annotations

from accesssim.changes.spec import Change
from accesssim.engine import Project


def universe(project: Project) -> list[Change]:
    """Every change of the remediation vocabulary this model admits (docs/remediate.md)."""
    m, pol = project.loaded.model, project.policy
    tokens = pol.p_tokens
    out: list[Change] = []
    public = {f.id for s in m.systems for f in s.fields if f.data_class == "public"}
    for s in m.systems:
        out += [Change("check", (("from", t.source), ("to", t.target)))
                for t in s.transitions if not t.checked]
        out += [Change.make("mask", screen=x.id, field=d.field, masking="policy")
                for x in s.screens for d in x.shows
                if d.masking == "clear" and d.field not in public]
    for t in m.terminals:
        out.append(Change.make("withdraw_terminal", terminal=t.id))
        out += [Change.make("unassign_terminal", terminal=t.id, person=p) for p in t.assigned_to]
        out += [Change.make("end_session", terminal=t.id, account=a) for a in t.logged_in]
    out += [Change.make("rotate", account=a.id) for a in m.accounts if a.known_by]
    for loc in m.locations:
        orgs = set(loc.open_to) | {p.org for p in m.people if loc.id in p.locations}
        out += [Change.make("close_location", location=loc.id, org=o) for o in sorted(orgs)]
    denied = {r.values[tokens.index("sub")] for r in pol.rules
              if r.values[tokens.index("eft")] == "deny"}
    for r in pol.rules:
        if r.values[tokens.index("eft")] != "allow":
            continue
        text = ", ".join((r.ptype, *r.values))
        out.append(Change.make("remove_rule", rule=text))
        if r.values[tokens.index("mode")] != "disaster" and "disaster" in m.modes:
            out.append(Change.make("gate_to_disaster", rule=text))
    for g in pol.groupings:
        roles, todo = {g.values[1]}, [g.values[1]]
        while todo:
            role = todo.pop()
            for h in pol.groupings:
                if h.values[0] == role and h.values[1] not in roles:
                    roles.add(h.values[1])
                    todo.append(h.values[1])
        if not roles & denied:
            out.append(Change.make("revoke", member=g.values[0], role=g.values[1],
                                   system=g.values[2] if len(g.values) > 2 else None))
    return sorted({c.key: c for c in out}.values(), key=lambda c: repr(c.key))
