"""Candidate changes and path constraints: for one path an outsider takes to a field, every
change of the vocabulary that blocks it.

A *route* is one way through the model: the person's access (account, terminal, location),
a walk over screens, and for every step the reason it is allowed: an unchecked transition,
or the Casbin allow with its grounds (the rule and the g chain). Every candidate only takes
something away (docs/remediate.md, "Why the answer is optimal"), so a route survives a set of
changes exactly when the set holds none of the route's blockers: the hitting-set constraint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import product

from accesssim.changes.spec import Change
from accesssim.policy.decisions import OPEN, UNMASK
from accesssim.policy.rules import ANY, PolicyLine
from accesssim.search.accesses import Access
from accesssim.search.compiled import Compiled
from accesssim.search.exposures import Found, Search
from accesssim.search.walks import Walk
from accesssim.time.slices import Slice

DISASTER = "disaster"
#: The kinds a proposal may hold, in the order a change set applies them (a terminal is
#: withdrawn last, so that nothing after it names it).
VOCABULARY = ("check", "mask", "end_session", "rotate", "unassign_terminal", "revoke",
              "remove_rule", "gate_to_disaster", "close_location", "withdraw_terminal")
#: At most this many routes per witness (one per choice of unchecked-or-allowed transition);
#: the others, if they exist, come back in the next round.
MAX_VARIANTS = 16

Key = tuple[str, tuple[tuple[str, object], ...]]


@dataclass(frozen=True)
class Route:
    """One path and the keys of every candidate change that blocks it."""

    person: str
    field: str
    mode: str
    blockers: frozenset[Key]
    text: str


def rule_text(rule: PolicyLine) -> str:
    """A policy line as the change-set format writes it: ``p, a, b, ...``."""
    return ", ".join((rule.ptype, *rule.values))


def routes(search: Search, found: Found, renamed: Mapping[str, str] | None = None
           ) -> Iterator[tuple[Route, dict[Key, Change]]]:
    """The routes of every witness the search found, each with its candidates.

    ``renamed``: rule texts of the searched (patched) model -> the same rule in the original
    (a rule gated to disaster mode): every candidate names what the original holds."""
    c = search.compiled
    safe = _SafeRoles(c, renamed or {})
    for _, roots in sorted(found.items(), key=lambda item: item[0]):
        for _rank, access, walk, sl in sorted(roots.values(), key=lambda w: w[0]):
            yield from _routes(c, safe, access, walk, sl)


def gated_text(rule: str, tokens: tuple[str, ...]) -> str:
    """The text of a rule after ``gate_to_disaster``: its mode column set to disaster."""
    parts = rule.split(", ")
    parts[1 + tokens.index("mode")] = DISASTER
    return ", ".join(parts)


def _routes(c: Compiled, safe: _SafeRoles, access: Access, walk: Walk, sl: Slice
            ) -> Iterator[tuple[Route, dict[Key, Change]]]:
    made: dict[Key, Change] = {}

    def add(changes: list[Change]) -> frozenset[Key]:
        for ch in changes:
            made.setdefault(ch.key, ch)
        return frozenset(ch.key for ch in changes)

    acc, system = access.account, access.system
    base = add(_access_blockers(c, access, sl))
    base |= add(_casbin(c, safe, acc, system, walk.entry, OPEN, sl))
    cls = c.decisions.class_of(acc, system)
    options: list[list[frozenset[Key]]] = []
    for tr in walk.transitions:
        ways = []
        if c.decisions.allowed(cls, tr.target, OPEN, sl.mode, sl.day):
            ways.append(add(_casbin(c, safe, acc, system, tr.target, OPEN, sl)))
        if not tr.checked:
            ways.append(add([Change("check", (("from", tr.source), ("to", tr.target)))]))
        options.append(ways)
    if walk.display.masking == "policy":
        base |= add(_casbin(c, safe, acc, system, walk.field, UNMASK, sl))
    else:
        base |= add([Change.make("mask", screen=walk.screen, field=walk.field,
                                     masking="policy")])
    steps = " -> ".join((walk.entry, *(tr.target for tr in walk.transitions)))
    text = (f"{access.person} -> {acc} on {access.terminal}"
            + (f" at {access.location}" if access.location else "")
            + f" -> {steps} shows {walk.field} ({sl.mode})")
    for index, choice in enumerate(product(*options)):
        if index >= MAX_VARIANTS:
            break
        blockers = base.union(*choice)
        yield Route(access.person, walk.field, sl.mode, blockers, text), {
            k: made[k] for k in blockers}


def _access_blockers(c: Compiled, access: Access, sl: Slice) -> list[Change]:
    """Changes that take the person's way to the account and terminal away."""
    person, term, acc = access.person, access.terminal, access.account
    out = [Change.make("withdraw_terminal", terminal=term)]
    if access.way == "knows":
        out.append(Change.make("rotate", account=acc))
    elif access.way == "logged-in":
        out.append(Change.make("end_session", terminal=term, account=acc))
    if access.location is None:
        out.append(Change.make("unassign_terminal", terminal=term, person=person))
    else:
        out.append(Change.make("close_location", location=access.location,
                               org=c.people[person].org))
    return out


def _casbin(c: Compiled, safe: _SafeRoles, account: str, system: str, obj: str, act: str,
            sl: Slice) -> list[Change]:
    """Changes that take away this allow as its grounds explain it: the rule removed (or
    gated to disaster mode, outside it), or a g line of the chain revoked. A g line is
    offered only when no deny rule hangs below its role, so revoking it can only take
    rights away; none at all when no single rule explains the allow."""
    memo = (account, system, obj, act, sl.mode, sl.day)
    if memo not in safe.casbin:
        safe.casbin[memo] = _casbin_changes(c, safe, *memo)
    return safe.casbin[memo]


def _casbin_changes(c: Compiled, safe: _SafeRoles, account: str, system: str, obj: str,
                    act: str, mode: str, day: dt.date) -> list[Change]:
    grounds = c.decisions.grounds(account, system, obj, act, mode, day)
    if grounds is None:
        return []
    text = safe.renamed.get(rule_text(grounds.rule), rule_text(grounds.rule))
    out = [Change.make("remove_rule", rule=text)]
    tokens = c.policy.p_tokens
    # Only a rule on in every mode may be gated: one limited to another mode (``normal``)
    # would be GIVEN in disaster mode, not a removal, and the hitting set assumes removals.
    if (mode != DISASTER and DISASTER in c.model.modes and "mode" in tokens
            and grounds.rule.get("mode", tokens) == ANY):
        out.append(Change.make("gate_to_disaster", rule=text))
    for g in grounds.chain:
        if safe(g.values[1]):
            out.append(Change.make("revoke", member=g.values[0], role=g.values[1],
                                   system=g.values[2] if len(g.values) > 2 else None))
    return out


class _SafeRoles:
    """Whether revoking a link to a role can only take rights away: no deny rule names the
    role or any role it inherits from (in any domain: the cautious answer)."""

    def __init__(self, c: Compiled, renamed: Mapping[str, str]):
        self.renamed = renamed
        self.casbin: dict[tuple[str, str, str, str, str, dt.date], list[Change]] = {}
        tokens = c.policy.p_tokens
        self.denied = frozenset(r.get("sub", tokens) or "" for r in c.policy.rules
                                if r.get("eft", tokens) == "deny")
        self.parents: dict[str, set[str]] = {}
        for g in c.policy.groupings:
            self.parents.setdefault(g.values[0], set()).add(g.values[1])
        self.memo: dict[str, bool] = {}

    def __call__(self, role: str) -> bool:
        if role not in self.memo:
            seen, todo = {role}, [role]
            while todo:
                for parent in self.parents.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            self.memo[role] = not (seen & self.denied)
        return self.memo[role]
