"""The expected class of a generated event, computed from the model by its definition
(docs/replay.md): who could have made it, and what the screen shows them in clear.

This is the generator's own oracle, written from the rules rather than from the replay's
code, so that the tests comparing a replay with the generator's truth compare two answers.
It covers the keys the generator plants (an account on a terminal opening a screen the
account can reach); purposes (disaster lending, outage workarounds) are not modelled here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from dataclasses import dataclass
from functools import lru_cache

from accesssim.engine import Analyzer
from accesssim.model.schema import Account, Person, Terminal, Transition
from accesssim.policy.decisions import OPEN, UNMASK, AccountClass
from accesssim.time.slices import Slice


@dataclass(frozen=True, order=True)
class Key:
    """What the class of an event depends on: its slice, and who used what."""

    slice: int
    account: str
    terminal: str
    system: str
    screen: str


@dataclass(frozen=True)
class Navigation:
    entries: frozenset[str]
    steps: frozenset[tuple[str, str]]
    reachable: frozenset[str]


class Oracle:
    """Per key: the candidates, the fields the screen shows in clear, and the status."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.a = analyzer
        self.slices = list(analyzer.slices)
        self.locations = {loc.id: loc for loc in analyzer.model.locations}
        self.system_of = {s.id: s for s in analyzer.model.systems}
        # Who might use a terminal: those it is assigned to, those at its location, and
        # the members of the organizations the location is open to.
        self.at_location: dict[str, list[str]] = defaultdict(list)
        self.in_org: dict[str, list[str]] = defaultdict(list)
        for person in analyzer.model.people:
            self.in_org[person.org].append(person.id)
            for loc_id in person.locations:
                self.at_location[loc_id].append(person.id)
        self.hosted: dict[str, list[str]] = defaultdict(list)
        self.assigned: dict[str, list[str]] = defaultdict(list)
        for term in analyzer.model.terminals:
            self.hosted[term.location].append(term.id)
            for person_id in term.assigned_to:
                self.assigned[person_id].append(term.id)
        self.status = lru_cache(maxsize=None)(self._status)
        self.leaving: dict[tuple[str, str], list[Transition]] = defaultdict(list)
        for system in analyzer.model.systems:
            for tr in system.transitions:
                self.leaving[(system.id, tr.source)].append(tr)
        self._navigation: dict[tuple[int, AccountClass], Navigation] = {}

    def slice_of(self, mode: str, day: dt.date) -> Slice | None:
        """The slice an event of this mode on this day is judged in."""
        return next((s for s in self.slices if s.mode == mode and s.epoch.contains(day)), None)

    def uses_terminal(self, person: Person, term: Terminal, sl: Slice) -> bool:
        if person.id in term.assigned_to:
            return True
        if not term.open:
            return False
        loc = self.locations.get(term.location)
        if loc is None or not loc.active(sl.mode, sl.day):
            return False
        return term.location in person.locations or (
            person.org in loc.open_to and loc.active(sl.mode, sl.day))

    def candidates(self, key: Key) -> list[str]:
        """The people who could have made the event: they hold the account, know its
        credential or find it logged in on the terminal, and can use the terminal."""
        sl = self.slices[key.slice]
        acc: Account = self.a.accounts[key.account]
        term: Terminal = self.a.terminals[key.terminal]
        if not (acc.active(sl.mode, sl.day) and term.active(sl.mode, sl.day)
                and key.system in acc.systems and key.system in term.systems):
            return []
        logged_in = key.account in term.logged_in
        accepts = logged_in or term.accounts == "any" or key.account in term.accounts
        if not accepts:
            return []
        found = set()
        for person_id in self.might_use(term) if logged_in else [acc.holder, *acc.known_by]:
            person = self.a.people[person_id]
            if person.active(sl.mode, sl.day) and self.uses_terminal(person, term, sl):
                found.add(person.id)
        return sorted(found)

    def might_use(self, term: Terminal) -> list[str]:
        """Everyone who might use the terminal (``uses_terminal`` decides)."""
        found = list(term.assigned_to)
        if term.open:
            found += self.at_location[term.location]
            loc = self.locations.get(term.location)
            for org in loc.open_to if loc else ():
                found += self.in_org[org]
        return found

    def own_terminals(self, person: Person, sl: Slice) -> list[str]:
        """The terminals the person can use in the slice, sorted."""
        near = list(self.assigned[person.id])
        for loc in self.locations.values():
            if loc.id in person.locations or person.org in loc.open_to:
                near += self.hosted[loc.id]
        return sorted({t for t in near if self.uses_terminal(person, self.a.terminals[t], sl)
                       and self.a.terminals[t].active(sl.mode, sl.day)})

    def _allowed(self, account: str, system: str, obj: str, act: str, sl: Slice) -> bool:
        cls = self.a.decisions.class_of(account, system)
        return self.a.decisions.allowed(cls, obj, act, sl.mode, sl.day)

    def navigation(self, account: str, system: str, sl: Slice) -> Navigation:
        """The account's entries, steps and reachable screens (shared by its class)."""
        key = (sl.index, self.a.decisions.class_of(account, system))
        found = self._navigation.get(key)
        if found is None:
            found = self._navigation[key] = self._navigate(account, system, sl)
        return found

    def _navigate(self, account: str, system: str, sl: Slice) -> Navigation:
        """Entries: menu screens the account may open; steps: transitions it may take from a
        screen it reaches (unchecked, or checked and allowed to open the target)."""
        decisions = self.a.decisions
        cls = decisions.class_of(account, system)
        openable = decisions.candidates(cls, OPEN)

        def may_open(screen: str) -> bool:
            return screen in openable and decisions.allowed(cls, screen, OPEN, sl.mode, sl.day)

        screens = {s.id for s in self.system_of[system].screens if s.active(sl.mode, sl.day)}
        entries = frozenset(s.id for s in self.system_of[system].screens
                            if s.menu and s.id in screens and may_open(s.id))
        steps = set()
        seen = set(entries)
        todo = deque(sorted(seen))
        while todo:
            for t in self.leaving[(system, todo.popleft())]:
                if (t.target in screens and t.active(sl.mode, sl.day)
                        and (not t.checked or may_open(t.target))):
                    steps.add((t.source, t.target))
                    if t.target not in seen:
                        seen.add(t.target)
                        todo.append(t.target)
        return Navigation(entries, frozenset(steps), frozenset(seen))

    def entries(self, account: str, system: str, sl: Slice) -> frozenset[str]:
        """Screens the account may open from the menu."""
        return self.navigation(account, system, sl).entries

    def steps(self, account: str, system: str, sl: Slice) -> frozenset[tuple[str, str]]:
        """Transitions the account may take."""
        return self.navigation(account, system, sl).steps

    def shown(self, key: Key) -> frozenset[str]:
        """Non-public fields the screen shows in clear to the account in the slice."""
        sl = self.slices[key.slice]
        screen = next(s for s in self.system_of[key.system].screens if s.id == key.screen)
        if not screen.active(sl.mode, sl.day):
            return frozenset()
        secret = {f.id for f in self.a.boundary.non_public(key.system)}
        return frozenset(
            d.field for d in screen.shows
            if d.field in secret and d.active(sl.mode, sl.day) and (
                d.masking == "clear" or (d.masking == "policy" and self._allowed(
                    key.account, key.system, d.field, UNMASK, sl))))

    def exposed(self, person: str, key: Key) -> bool:
        sl = self.slices[key.slice]
        p = self.a.people[person]
        return any(not self.a.boundary.trusted(p, f, sl.mode, sl.day) for f in self.shown(key))

    def _status(self, key: Key) -> str:
        """confirmed | suspected | legitimate | unexplained (docs/replay.md)."""
        people = self.candidates(key)
        reachable = self.navigation(key.account, key.system, self.slices[key.slice]).reachable
        if not people or key.screen not in reachable:
            return "unexplained"
        holder = self.a.accounts[key.account].holder
        if holder in people and self.exposed(holder, key):
            return "confirmed"
        if any(self.exposed(p, key) for p in people):
            return "suspected"
        return "legitimate"
