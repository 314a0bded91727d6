"""The failure catalogue: every single control failure of one design, each a ``Change``.

A failure is one control failing (docs/faults.md): a masking rule lost (``unmask``), a
transition left unchecked (``uncheck``), an insider's terminal moved where outsiders stand
(``move_terminal``) or handed to an outsider (``hand_terminal``), a credential shared with an
outsider (``share_credential``), a mode-gated allow right or element left on in every mode
(``ungate``), a validity window overrun (``extend`` to no end). Every one only ADDS access and
none moves the trust boundary, so applying more failures never closes a path (monotone by
construction; the brute-force property test checks it): a deny rule is never ungated or
extended, a terminal is only moved away from a place no outsider of its systems can be, and
a terminal that is not ``open`` is never moved (its place gives nobody access).

Each failure knows the systems it can touch: a minimal failure set for a field holds only
failures that touch the field's system (``Failure.touches``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from accesssim.changes.spec import Change
from accesssim.engine import Project
from accesssim.model.schema import (
    Account,
    Guarded,
    Location,
    Person,
    Screen,
    SystemModel,
    Terminal,
)
from accesssim.policy.rules import ANY, PolicyLine
from accesssim.time.boundary import Boundary

#: The most failures of one kind kept (the pairing kinds reach millions on large models).
CAP = 200

#: Every kind of failure, in the order reports list them, in plain words.
KINDS: dict[str, str] = {
    "unmask": "a masking rule lost: the field shown in clear",
    "uncheck": "a transition left unchecked",
    "move_terminal": "an insider's terminal moved where outsiders stand",
    "hand_terminal": "an insider's terminal handed to an outsider",
    "share_credential": "a credential shared with an outsider",
    "ungate": "a mode-gated allow right or element left on in every mode",
    "extend": "a validity window overrun (no end)",
}


@dataclass(frozen=True)
class Failure:
    """One control failing: its change, what it touches and how to name it.

    ``systems``: the systems whose fields it can open (None: any system). ``field``: for a
    masking failure, the one field it can open. ``rule``: for a failure of a policy line,
    that line's values (two failures of one line are applied as one edit of it).
    """

    id: str
    kind: str
    change: Change
    description: str
    systems: frozenset[str] | None
    field: str | None = None
    rule: tuple[str, ...] | None = None

    def touches(self, system: str, field_id: str) -> bool:
        """Could this failure matter to ``field_id`` (of ``system``)?"""
        if self.field is not None and self.field != field_id:
            return False
        return self.systems is None or system in self.systems


@dataclass(frozen=True)
class Catalogue:
    """The failures, sorted by id; ``capped``: kind -> (kept, enumerated); ``capped_systems``:
    the systems some failure left out by a cap could touch (None: every system)."""

    failures: tuple[Failure, ...]
    capped: dict[str, tuple[int, int]] = field(default_factory=dict)
    capped_systems: frozenset[str] | None = frozenset()

    def complete_for(self, system: str) -> bool:
        """No failure that could touch ``system`` was left out by a cap."""
        return self.capped_systems is not None and system not in self.capped_systems


def change(kind: str, params: dict[str, object]) -> Change:
    """A change made by a program (its parameters may be spelt like ``from``)."""
    return Change(kind, tuple(sorted((k, v) for k, v in params.items() if v is not None)))


def rule_text(ptype: str, values: Sequence[str]) -> str:
    """A policy line as the change-set vocabulary names it."""
    return ", ".join([ptype, *values])


class _Ctx:
    """What the catalogue looks up: the boundary's core organizations, who can be where."""

    def __init__(self, project: Project) -> None:
        self.model: SystemModel = project.loaded.model
        self.policy = project.policy
        self.core = Boundary(self.model).core
        self.secret = {s.id for s in self.model.systems
                       if any(f.data_class == "non-public" for f in s.fields)}
        self.all_systems = frozenset(s.id for s in self.model.systems)
        self.people = sorted(self.model.people, key=lambda p: p.id)
        self._outsiders: dict[frozenset[str], tuple[Person, ...]] = {}
        self.at: dict[str, list[Person]] = {}
        for loc in self.model.locations:
            self.at[loc.id] = [p for p in self.people
                               if loc.id in p.locations or p.org in loc.open_to]

    def outsiders(self, systems: Sequence[str]) -> tuple[Person, ...]:
        """Everyone outside the default boundary of one of these systems, by id (memoised)."""
        key = frozenset(systems)
        found = self._outsiders.get(key)
        if found is None:
            found = self._outsiders[key] = tuple(p for p in self.people
                                                 if self.outsider(p, systems))
        return found

    def outsider(self, person: Person, systems: Sequence[str]) -> bool:
        """Outside the default boundary of one of these systems that has secrets."""
        return any(person.org not in self.core[s] for s in systems if s in self.secret)

    def insider_terminal(self, term: Terminal) -> bool:
        return any(term.owner in self.core[s] for s in term.systems)

    def domain_systems(self, rule: PolicyLine) -> frozenset[str] | None:
        """The one system a rule can matter to, when the matcher ties rules to the request's
        domain (``r.dom == p.dom``) and the rule names a system; else None (any)."""
        # The engine's own reading of the matcher: ``r.dom == p.dom`` as a top-level
        # conjunct. Its mere text is not enough: inside ``(r.dom == p.dom || ...)`` a rule
        # of one domain can match requests of another.
        dom = rule.get("dom", self.policy.p_tokens)
        if self.policy.shape.dom_equal and dom in self.all_systems:
            return frozenset([dom])
        return None


@dataclass(frozen=True)
class _Rows:
    """One pairing kind's failures row by row, built only when kept under the cap."""

    kind: str
    counts: list[int]
    build: Callable[[int, int], Failure]
    systems: Callable[[int], frozenset[str]]


def catalogue(project: Project, cap: int = CAP) -> Catalogue:
    """Every single failure of the project's design (see ``KINDS``), each kind capped at
    ``cap`` failures spread evenly over its order (the cap is reported)."""
    ctx = _Ctx(project)
    found: list[Failure] = [*_masking(ctx), *_transitions(ctx), *_gates(ctx)]
    capped: dict[str, tuple[int, int]] = {}
    capped_systems: set[str] | None = set()
    by_kind: dict[str, list[Failure]] = {}
    for f in found:
        by_kind.setdefault(f.kind, []).append(f)
    result: list[Failure] = []
    for kind, group in by_kind.items():
        group = sorted(_unique(group), key=lambda f: f.id)
        if len(group) > cap:
            capped[kind] = (cap, len(group))
            kept = [group[i * len(group) // cap] for i in range(cap)]
            for f in set(group) - set(kept):
                capped_systems = None if f.systems is None or capped_systems is None \
                    else capped_systems | f.systems
            group = kept
        result += group
    for rows in (_moves(ctx), _hands(ctx), _shares(ctx)):
        total = sum(rows.counts)
        wanted = range(total) if total <= cap else [i * total // cap for i in range(cap)]
        picked: list[Failure] = []
        kept_rows: dict[int, int] = {}
        start = 0
        index = iter(wanted)
        nxt = next(index, None)
        for r, count in enumerate(rows.counts):
            while nxt is not None and nxt < start + count:
                picked.append(rows.build(r, nxt - start))
                kept_rows[r] = kept_rows.get(r, 0) + 1
                nxt = next(index, None)
            if total > cap and kept_rows.get(r, 0) < count and capped_systems is not None:
                capped_systems |= rows.systems(r)
            start += count
        if total > cap:
            capped[rows.kind] = (cap, total)
        result += picked
    return Catalogue(tuple(sorted(result, key=lambda f: f.id)), capped,
                     None if capped_systems is None else frozenset(capped_systems))


def _unique(group: list[Failure]) -> list[Failure]:
    """One failure per change (a field shown twice on a screen is one unmask). The change
    edits every place it names (the same transition in two systems, say), so the failure
    touches the systems of all of them."""
    seen: dict[object, Failure] = {}
    for f in group:
        first = seen.get(f.change.key)
        if first is None:
            seen[f.change.key] = f
        elif first.systems is not None:
            systems = None if f.systems is None else first.systems | f.systems
            seen[f.change.key] = replace(first, systems=systems)
    return list(seen.values())


def _masking(ctx: _Ctx) -> Iterator[Failure]:
    for system in ctx.model.systems:
        classes = {f.id: f.data_class for f in system.fields}
        for screen in system.screens:
            for d in screen.shows:
                if d.masking == "clear" or classes.get(d.field) != "non-public":
                    continue
                purpose = "encoding-omission" if d.masking == "masked" else None
                what = "an encoding step missed" if purpose else "the masking rule lost"
                yield Failure(f"unmask:{screen.id}/{d.field}", "unmask",
                              Change.make("unmask", screen=screen.id, field=d.field,
                                          purpose=purpose),
                              f"{d.field} shown in clear on {system.id}/{screen.id} ({what})",
                              frozenset([system.id]), field=d.field)


def _transitions(ctx: _Ctx) -> Iterator[Failure]:
    for system in ctx.model.systems:
        for tr in system.transitions:
            if tr.checked:
                yield Failure(f"uncheck:{tr.source}->{tr.target}", "uncheck",
                              change("uncheck", {"from": tr.source, "to": tr.target}),
                              f"{system.id}: {tr.source} -> {tr.target} opened without "
                              "checking the account's rights", frozenset([system.id]))


def _gates(ctx: _Ctx) -> Iterator[Failure]:
    """Mode-gated and dated allow rules and elements, left on."""
    tokens, model = ctx.policy.p_tokens, ctx.model
    modes = set(model.modes)
    for rule in ctx.policy.rules:
        if rule.get("eft", tokens) not in (None, "allow"):
            continue  # a deny rule left on more often denies more: not a failure of access
        text = rule_text(rule.ptype, rule.values)
        systems = ctx.domain_systems(rule)
        mode = rule.get("mode", tokens)
        if mode is not None and mode != ANY and mode in modes and len(modes) > 1:
            yield Failure(f"ungate:rule:{','.join(rule.values)}", "ungate",
                          Change.make("ungate", rule=text),
                          f"the {mode}-only rule `{text}` left on in every mode", systems,
                          rule=(rule.ptype, *rule.values))
        until = rule.get("valid_until", tokens)
        if until is not None and until != ANY:
            yield Failure(f"extend:rule:{','.join(rule.values)}", "extend",
                          Change.make("extend", rule=text, until=None),
                          f"the rule `{text}` left on after {until}", systems,
                          rule=(rule.ptype, *rule.values))
    everything: frozenset[str] | None = None
    named = (("account", model.accounts), ("terminal", model.terminals),
             ("location", model.locations))
    for kind, elements in named:
        for element in elements:
            systems = frozenset(getattr(element, "systems", ())) or everything
            if element.modes is not None and not modes <= set(element.modes):
                yield Failure(f"ungate:{kind}:{element.id}", "ungate",
                              change("ungate", {kind: element.id}),
                              f"the {'/'.join(element.modes) or 'never'}-only {kind} "
                              f"{element.id} left on in every mode", systems)
    extended: tuple[tuple[str, Sequence[Guarded]], ...] = (
        *named, ("person", model.people),
        ("screen", [s for system in model.systems for s in system.screens]))
    screen_systems: dict[str, set[str]] = {}
    for system in model.systems:
        for screen in system.screens:
            screen_systems.setdefault(screen.id, set()).add(system.id)
    for kind, group in extended:
        for item in group:
            if item.valid is None or item.valid.until is None:
                continue
            assert isinstance(item, (Account, Terminal, Location, Person, Screen))
            systems = frozenset(getattr(item, "systems", ())) or everything
            if kind == "screen":
                systems = frozenset(screen_systems[item.id])
            yield Failure(f"extend:{kind}:{item.id}", "extend",
                          change("extend", {kind: item.id}),
                          f"the {kind} {item.id} left on after {item.valid.until}", systems)


def _moves(ctx: _Ctx) -> _Rows:
    """Each open insider terminal that stands where no outsider of its systems can be, to
    each location where one can."""
    memo: dict[tuple[str, frozenset[str]], bool] = {}

    def reached(loc: str, systems: Sequence[str]) -> bool:
        key = (loc, frozenset(systems))
        if key not in memo:
            memo[key] = any(ctx.outsider(p, systems) for p in ctx.at.get(loc, ()))
        return memo[key]

    terms = [t for t in sorted(ctx.model.terminals, key=lambda t: t.id)
             if t.open and ctx.insider_terminal(t) and not reached(t.location, t.systems)]
    locations = sorted(ctx.at)
    targets = [[loc for loc in locations if reached(loc, t.systems)] for t in terms]

    def build(r: int, k: int) -> Failure:
        t, loc = terms[r], targets[r][k]
        return Failure(f"move_terminal:{t.id}:{loc}", "move_terminal",
                       Change.make("move_terminal", terminal=t.id, to=loc),
                       f"terminal {t.id} of {t.owner} moved from {t.location} to {loc}",
                       frozenset(t.systems))

    return _Rows("move_terminal", [len(x) for x in targets], build,
                 lambda r: frozenset(terms[r].systems))


def _hands(ctx: _Ctx) -> _Rows:
    """Each insider terminal to each outsider of its systems it is not assigned to yet."""
    terms = [t for t in sorted(ctx.model.terminals, key=lambda t: t.id)
             if ctx.insider_terminal(t)]
    rows = [(ctx.outsiders(t.systems), frozenset(t.assigned_to)) for t in terms]

    def build(r: int, k: int) -> Failure:
        t = terms[r]
        p = _kth(*rows[r], k)
        return Failure(f"hand_terminal:{t.id}:{p.id}", "hand_terminal",
                       Change.make("hand_terminal", terminal=t.id, person=p.id),
                       f"terminal {t.id} of {t.owner} handed to {p.id} ({p.org})",
                       frozenset(t.systems))

    return _Rows("hand_terminal", [_count(*row) for row in rows], build,
                 lambda r: frozenset(terms[r].systems))


def _shares(ctx: _Ctx) -> _Rows:
    """Each account's credential to each outsider of its systems who does not know it."""
    accounts = sorted(ctx.model.accounts, key=lambda a: a.id)
    rows = [(ctx.outsiders(a.systems), frozenset([a.holder, *a.known_by])) for a in accounts]

    def build(r: int, k: int) -> Failure:
        a = accounts[r]
        p = _kth(*rows[r], k)
        return Failure(f"share_credential:{a.id}:{p.id}", "share_credential",
                       Change.make("share_credential", account=a.id, person=p.id),
                       f"the credential of {a.id} (held by {a.holder}) shared with {p.id} "
                       f"({p.org})", frozenset(a.systems))

    return _Rows("share_credential", [_count(*row) for row in rows], build,
                 lambda r: frozenset(accounts[r].systems))


def _count(people: tuple[Person, ...], skip: frozenset[str]) -> int:
    return len(people) - sum(1 for p in people if p.id in skip) if len(skip) < 64 else \
        sum(1 for p in people if p.id not in skip)


def _kth(people: tuple[Person, ...], skip: frozenset[str], k: int) -> Person:
    """The k-th person not skipped."""
    for p in people:
        if p.id not in skip:
            if k == 0:
                return p
            k -= 1
    raise IndexError(k)
