"""Witnesses in plain words: the hops of one path from a person to a field, each citing the
YAML or Casbin lines it rests on (built only for the one witness each finding shows)."""

from __future__ import annotations

from accesssim.findings.results import Hop, PathStep
from accesssim.graph.compile import class_node
from accesssim.model.provenance import Source
from accesssim.model.schema import Person
from accesssim.policy.decisions import OPEN, UNMASK
from accesssim.search.accesses import Access
from accesssim.search.compiled import Compiled
from accesssim.search.defects import Defect, FailureType
from accesssim.search.exposures import Search
from accesssim.search.walks import Walk
from accesssim.time.slices import Slice


def access_hops(c: Compiled, access: Access) -> tuple[Hop, ...]:
    """The first part of a witness, in plain words (built only for witnesses)."""
    src = c.loaded.display_path
    person = c.people[access.person]
    acc = c.accounts[access.account]
    term = c.terminals[access.terminal]
    acc_src, term_src = Source(src, acc.line), Source(src, term.line)
    holder = c.people[acc.holder]
    by_element = {d.element.split(":")[0]: d.type for d in access.defects}
    hops: list[Hop] = []
    if access.way == "holds":
        hops.append(Hop(f"{_who(person)} holds account {acc.id}", (acc_src,)))
    elif access.way == "knows":
        text = (f"{_who(person)} knows the ID/password of account {acc.id}, "
                f"held by {_who(holder)}")
        if holder.org in [f.org for f in person.former_orgs]:
            text += f" (learned while at {holder.org})"
        hops.append(Hop(text, (acc_src,), by_element.get("credential")))
    if "external-account" in by_element:
        hops.append(Hop(f"account {acc.id} was issued by {acc.issued_by} to {holder.org}",
                        (acc_src,), by_element["external-account"]))
    if "account" in by_element:
        meant = ("for disaster response only" if acc.purpose == "disaster"
                 else "as an outage workaround")
        hops.append(Hop(f"account {acc.id} was set up {meant}", (acc_src,),
                        by_element["account"]))
    term_type = by_element.get("terminal")
    if access.location is None:
        hops.append(Hop(f"terminal {term.id} (owned by {term.owner}) is assigned to "
                        f"{_who(person)}", (term_src,), term_type))
    else:
        hops.append(Hop(f"{_who(person)} can be at {access.location}", access.at_sources))
        hops.append(Hop(f"terminal {term.id} (owned by {term.owner}) stands at "
                        f"{access.location}, usable by anyone there", (term_src,), term_type))
    if access.way == "logged-in":
        hops.append(Hop(f"terminal {term.id} is left logged in as account {acc.id}",
                        (term_src,), by_element.get("session")))
    hops.append(Hop(f"terminal {term.id} reaches system {access.system} and accepts "
                    f"{acc.id}", (term_src,)))
    return tuple(hops)


def walk_hops(search: Search, access: Access, walk: Walk, sl: Slice) -> tuple[Hop, ...]:
    """The screen part of a witness, in plain words, for this very account."""
    c = search.compiled
    acc, system, src = access.account, access.system, c.loaded.display_path
    pol = c.policy.policy_display
    hops: list[Hop] = []
    links = c.decisions.direct_links(acc, system)
    if links:
        roles = ", ".join(sorted({g.values[1] for g in links}))
        hops.append(Hop(f"account {acc} has role {roles} on {system}",
                        tuple(Source(pol, g.line) for g in links)))
    cnode = class_node(c.graph, acc, system)
    assert cnode is not None
    outside = not c.boundary.inside(c.accounts[acc].holder, system, sl.mode, sl.day)

    def allow_hop(obj: str, act: str, text: str, extra: tuple[Source, ...] = ()) -> Hop:
        defects = sorted(d.type for d in search.walks.open_defects(cnode, obj, act, outside, sl)
                         if d in walk.defects)
        return _allow_hop(c, acc, system, obj, act, text, sl, extra,
                               defects[0] if defects else None)

    hops.append(allow_hop(walk.entry, OPEN, f"policy lets {acc} open menu screen {walk.entry}"))
    for tr in walk.transitions:
        tr_src = Source(src, tr.line)
        if c.decisions.allowed(c.decisions.class_of(acc, system), tr.target, OPEN,
                                  sl.mode, sl.day):
            hops.append(allow_hop(
                tr.target, OPEN,
                f"{tr.source} -> {tr.target} ({'checked' if tr.checked else 'unchecked'}); "
                f"policy lets {acc} open {tr.target}", (tr_src,)))
        else:
            hops.append(Hop(f"{tr.source} -> {tr.target} is not checked, though the policy "
                            f"does not let {acc} open {tr.target}", (tr_src,),
                            FailureType.UNCHECKED_TRANSITION))
    disp_src = Source(src, walk.display.line)
    field_name = c.fields[walk.field].name or walk.field
    if walk.display.masking == "policy":
        hops.append(allow_hop(
            walk.field, UNMASK,
            f"{walk.screen} shows {walk.field} ({field_name}) masked unless allowed; "
            f"policy unmasks it for {acc}", (disp_src,)))
    else:
        defect = next((d.type for d in walk.defects if d.element.startswith("display:")), None)
        hops.append(Hop(f"{walk.screen} shows {walk.field} ({field_name}) in clear",
                        (disp_src,), defect))
    return tuple(hops)

def _allow_hop(c: Compiled, acc: str, system: str, obj: str, act: str, text: str, sl: Slice,
               extra: tuple[Source, ...], defect: FailureType | None) -> Hop:
    """A hop resting on an allow: cite the g chain and the rule that grant it (or the
    matcher, when no single rule explains it)."""
    grounds = c.decisions.grounds(acc, system, obj, act, sl.mode, sl.day)
    if grounds is None:
        return Hop(text, (*extra, Source(c.policy.model_display, c.policy.matcher_line)),
                   defect)
    return Hop(text, (*extra, *grounds.sources(c.policy.policy_display)), defect)


def witness_path(access: Access, walk: Walk) -> tuple[PathStep, ...]:
    """The entities of a witness, for pictures: person, account, terminal, screens, field."""

    def kind_of(defects: frozenset[Defect], *prefixes: str) -> FailureType | None:
        found = sorted(d.type for d in defects if d.element.startswith(prefixes))
        return found[0] if found else None

    steps = [
        PathStep(f"person:{access.person}"),
        PathStep(f"account:{access.account}",
                 kind_of(access.defects, "credential:", "external-account:", "account:")),
        PathStep(f"terminal:{access.terminal}",
                 kind_of(access.defects, "terminal:", "session:")),
        PathStep(f"system:{access.system}"),
        PathStep(f"screen:{walk.entry}", kind_of(walk.defects, "disaster-role:", "outage-role:")
                 if not walk.transitions else None),
    ]
    for tr in walk.transitions:
        transition_defect = kind_of(walk.defects, f"transition:{access.system}:{tr.key}")
        steps.append(PathStep(f"screen:{tr.target}", transition_defect))
    steps.append(PathStep(f"field:{walk.field}", kind_of(
        walk.defects, "display:", "unmask-role:", "disaster-role:", "outage-role:")))
    return tuple(steps)


def _who(person: Person) -> str:
    count = f", {person.headcount} people" if person.headcount > 1 else ""
    return f"{person.id} ({person.org}{count})"
