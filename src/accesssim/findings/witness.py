"""Witnesses in plain words: the hops of one path from a person to a field, each citing the
YAML or Casbin lines it rests on (built only for the one witness each finding shows)."""

from __future__ import annotations

from accesssim.findings.results import Hop, PathStep
from accesssim.graph.compile import class_node
from accesssim.i18n import Msg, msg
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
    person = c.people[access.person]
    acc = c.accounts[access.account]
    term = c.terminals[access.terminal]
    acc_src, term_src = c.loaded.cite(acc), c.loaded.cite(term)
    holder = c.people[acc.holder]
    by_element = {d.element.split(":")[0]: d.type for d in access.defects}
    hops: list[Hop] = []
    if access.way == "holds":
        hops.append(Hop(msg("{who} holds account {account}", who=_who(person), account=acc.id),
                        (acc_src,)))
    elif access.way == "knows":
        text = msg("{who} knows the ID/password of account {account}, held by {holder}",
                   who=_who(person), account=acc.id, holder=_who(holder))
        if holder.org in [f.org for f in person.former_orgs]:
            text = msg("{who} knows the ID/password of account {account}, held by {holder} "
                       "(learned while at {org})", who=_who(person), account=acc.id,
                       holder=_who(holder), org=holder.org)
        hops.append(Hop(text, (acc_src,), by_element.get("credential")))
    if "external-account" in by_element:
        hops.append(Hop(msg("account {account} was issued by {issuer} to {org}",
                            account=acc.id, issuer=acc.issued_by or "", org=holder.org),
                        (acc_src,), by_element["external-account"]))
    if "account" in by_element:
        meant = (msg("account {account} was set up for disaster response only",
                     account=acc.id) if acc.purpose == "disaster"
                 else msg("account {account} was set up as an outage workaround",
                          account=acc.id))
        hops.append(Hop(meant, (acc_src,), by_element["account"]))
    term_type = by_element.get("terminal")
    if access.location is None:
        hops.append(Hop(msg("terminal {terminal} (owned by {owner}) is assigned to {who}",
                            terminal=term.id, owner=term.owner, who=_who(person)),
                        (term_src,), term_type))
    else:
        hops.append(Hop(msg("{who} can be at {location}", who=_who(person),
                            location=access.location), access.at_sources))
        hops.append(Hop(msg("terminal {terminal} (owned by {owner}) stands at {location}, "
                            "usable by anyone there", terminal=term.id, owner=term.owner,
                            location=access.location), (term_src,), term_type))
    if access.way == "logged-in":
        hops.append(Hop(msg("terminal {terminal} is left logged in as account {account}",
                            terminal=term.id, account=acc.id),
                        (term_src,), by_element.get("session")))
    hops.append(Hop(msg("terminal {terminal} reaches system {system} and accepts {account}",
                        terminal=term.id, system=access.system, account=acc.id),
                    (term_src,)))
    return tuple(hops)


def walk_hops(search: Search, access: Access, walk: Walk, sl: Slice) -> tuple[Hop, ...]:
    """The screen part of a witness, in plain words, for this very account."""
    c = search.compiled
    acc, system = access.account, access.system
    pol = c.policy.policy_display
    hops: list[Hop] = []
    links = c.decisions.direct_links(acc, system)
    if links:
        roles = ", ".join(sorted({g.values[1] for g in links}))
        hops.append(Hop(msg("account {account} has role {roles} on {system}", account=acc,
                            roles=roles, system=system),
                        tuple(Source(pol, g.line) for g in links)))
    cnode = class_node(c.graph, acc, system)
    assert cnode is not None
    outside = not c.boundary.inside(c.accounts[acc].holder, system, sl.mode, sl.day)

    def allow_hop(obj: str, act: str, text: Msg, extra: tuple[Source, ...] = ()) -> Hop:
        defects = sorted(d.type for d in search.walks.open_defects(cnode, obj, act, outside, sl)
                         if d in walk.defects)
        return _allow_hop(c, acc, system, obj, act, text, sl, extra,
                               defects[0] if defects else None)

    hops.append(allow_hop(walk.entry, OPEN, msg("policy lets {account} open menu screen "
                                                "{screen}", account=acc, screen=walk.entry)))
    for tr in walk.transitions:
        tr_src = c.loaded.cite(tr)
        if c.decisions.allowed(c.decisions.class_of(acc, system), tr.target, OPEN,
                                  sl.mode, sl.day):
            said = (msg("{source} -> {target} (checked); policy lets {account} open {target}",
                        source=tr.source, target=tr.target, account=acc) if tr.checked else
                    msg("{source} -> {target} (unchecked); policy lets {account} open {target}",
                        source=tr.source, target=tr.target, account=acc))
            hops.append(allow_hop(tr.target, OPEN, said, (tr_src,)))
        else:
            hops.append(Hop(msg("{source} -> {target} is not checked, though the policy "
                                "does not let {account} open {target}", source=tr.source,
                                target=tr.target, account=acc), (tr_src,),
                            FailureType.UNCHECKED_TRANSITION))
    disp_src = c.loaded.cite(walk.display)
    field_name = c.fields[walk.field].name or walk.field
    if walk.display.masking == "policy":
        hops.append(allow_hop(
            walk.field, UNMASK,
            msg("{screen} shows {field} ({name}) masked unless allowed; policy unmasks it "
                "for {account}", screen=walk.screen, field=walk.field, name=field_name,
                account=acc), (disp_src,)))
    else:
        defect = next((d.type for d in walk.defects if d.element.startswith("display:")), None)
        hops.append(Hop(msg("{screen} shows {field} ({name}) in clear", screen=walk.screen,
                            field=walk.field, name=field_name), (disp_src,), defect))
    return tuple(hops)

def _allow_hop(c: Compiled, acc: str, system: str, obj: str, act: str, text: Msg, sl: Slice,
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


def _who(person: Person) -> Msg:
    if person.headcount > 1:
        return msg("{person} ({org}, {count} people)", person=person.id, org=person.org,
                   count=person.headcount)
    return msg("{person} ({org})", person=person.id, org=person.org)
