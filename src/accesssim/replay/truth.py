"""The expected class of a generated event, computed from the model by its definition
(docs/replay.md): who could have made it, and what the screen shows them in clear.

This is the generator's own oracle, written from the rules rather than from the replay's
code, so that the tests comparing a replay with the generator's truth compare two answers.
It covers the keys the generator plants (an account on a terminal opening a screen the
account can reach); purposes (disaster lending, outage workarounds) are not modelled here.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass
from functools import lru_cache

from accesssim.engine import Analyzer
from accesssim.model.schema import Account, Person, Terminal
from accesssim.policy.decisions import OPEN, UNMASK
from accesssim.time.slices import Slice


@dataclass(frozen=True, order=True)
class Key:
    """What the class of an event depends on: its slice, and who used what."""

    slice: int
    account: str
    terminal: str
    system: str
    screen: str


class Oracle:
    """Per key: the candidates, the fields the screen shows in clear, and the status."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.a = analyzer
        self.slices = list(analyzer.slices)
        self.locations = {loc.id: loc for loc in analyzer.model.locations}
        self.system_of = {s.id: s for s in analyzer.model.systems}
        self.status = lru_cache(maxsize=None)(self._status)
        self.reachable = lru_cache(maxsize=None)(self._reachable)

    def slice_of(self, mode: str, day: dt.date) -> Slice | None:
        """The slice an event of this mode on this day is judged in."""
        return next((s for s in self.slices if s.mode == mode and s.epoch.contains(day)), None)

    def _uses_terminal(self, person: Person, term: Terminal, sl: Slice) -> bool:
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
        found = []
        for person in self.a.people.values():
            if not person.active(sl.mode, sl.day):
                continue
            has = logged_in or person.id == acc.holder or person.id in acc.known_by
            if has and self._uses_terminal(person, term, sl):
                found.append(person.id)
        return sorted(found)

    def _allowed(self, account: str, system: str, obj: str, act: str, sl: Slice) -> bool:
        cls = self.a.decisions.class_of(account, system)
        return self.a.decisions.allowed(cls, obj, act, sl.mode, sl.day)

    def entries(self, account: str, system: str, sl: Slice) -> frozenset[str]:
        """Screens the account may open from the menu."""
        return frozenset(s.id for s in self.system_of[system].screens
                         if s.menu and s.active(sl.mode, sl.day)
                         and self._allowed(account, system, s.id, OPEN, sl))

    def steps(self, account: str, system: str, sl: Slice) -> frozenset[tuple[str, str]]:
        """Transitions the account may take: unchecked, or checked and allowed to open."""
        screens = {s.id for s in self.system_of[system].screens if s.active(sl.mode, sl.day)}
        return frozenset((t.source, t.target) for t in self.system_of[system].transitions
                         if t.active(sl.mode, sl.day) and t.source in screens
                         and t.target in screens and (
                             not t.checked or self._allowed(account, system, t.target, OPEN, sl)))

    def _reachable(self, sl_index: int, account: str, system: str) -> frozenset[str]:
        sl = self.slices[sl_index]
        seen = set(self.entries(account, system, sl))
        steps = self.steps(account, system, sl)
        todo = deque(seen)
        while todo:
            here = todo.popleft()
            for source, target in steps:
                if source == here and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return frozenset(seen)

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
        if not people or key.screen not in self.reachable(key.slice, key.account, key.system):
            return "unexplained"
        holder = self.a.accounts[key.account].holder
        if holder in people and self.exposed(holder, key):
            return "confirmed"
        if any(self.exposed(p, key) for p in people):
            return "suspected"
        return "legitimate"
