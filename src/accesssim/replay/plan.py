"""What generated logs are made of: sessions of events whose class is known in advance.

Violations replay each finding's witness (its account on its terminal, its screens in order)
on a day inside one of the finding's windows; legitimate sessions are insiders using their
own accounts on terminals no outsider can use them from; the calendar declares a disaster
period wherever a disaster-mode session is planted. Every class comes from ``truth.Oracle``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from accesssim.engine import Analyzer
from accesssim.findings.results import Finding
from accesssim.replay.truth import Key, Oracle
from accesssim.time.slices import Slice

#: The day logs are centred on, when a slice allows it; each slice's days stay within a year.
ANCHOR = dt.date(2023, 4, 1)
HALF_RANGE = 182
#: Days of each declared disaster period.
PERIOD_DAYS = 7
#: Bounds that keep planning quick on a utility-scale model.
MAX_ACCOUNTS, MAX_TERMINALS, MAX_ENTRIES, MAX_SESSION = 200, 3, 3, 4
DISASTER = "disaster"


@dataclass(frozen=True)
class Event:
    """One planned row (without its timestamp, customer and session)."""

    account: str
    terminal: str
    system: str
    screen: str
    status: str
    finding: str = ""
    failure_types: str = ""  # ";"-joined


@dataclass(frozen=True)
class Template:
    """A session to repeat on days in [first, last]: its events in order."""

    events: tuple[Event, ...]
    first: dt.date
    last: dt.date
    session: bool = True


@dataclass(frozen=True)
class Plan:
    planted: tuple[Template, ...]  # one per finding and mode it could be planted in
    legitimate: tuple[Template, ...]
    unexplained: tuple[Template, ...]
    periods: tuple[tuple[dt.date, dt.date], ...]  # declared disaster periods
    modes: tuple[str, str]  # the names of the normal and the disaster mode
    unplanted: tuple[str, ...]  # findings no slice could plant (none, normally)
    systems: tuple[str, ...]
    sample: Event | None  # an existing key, to turn into bad rows


def _day_range(sl: Slice) -> tuple[dt.date, dt.date]:
    """The slice's days around ANCHOR (at most a year of them)."""
    start, end = sl.epoch.start, sl.epoch.end
    anchor = min(end, ANCHOR) if end else ANCHOR
    anchor = max(start, anchor) if start else anchor
    first = anchor - dt.timedelta(days=HALF_RANGE)
    last = anchor + dt.timedelta(days=HALF_RANGE)
    return max(first, start or first), min(last, end or last)


class Planner:
    def __init__(self, analyzer: Analyzer, findings: tuple[Finding, ...], modes: tuple[str, str]):
        self.a = analyzer
        self.oracle = Oracle(analyzer)
        self.findings = findings
        self.normal, self.disaster = modes
        # Disaster periods: the first days of each epoch's range, normal days after them
        # (an epoch of one day stays normal).
        self.periods: dict[tuple[dt.date | None, dt.date | None], tuple[dt.date, dt.date]] = {}
        if self.disaster in {s.mode for s in analyzer.slices}:
            for sl in analyzer.slices:
                first, last = _day_range(sl)
                if first < last:
                    end = min(last - dt.timedelta(days=1),
                              first + dt.timedelta(days=PERIOD_DAYS - 1))
                    self.periods[(sl.epoch.start, sl.epoch.end)] = (first, end)

    def days(self, sl: Slice) -> tuple[dt.date, dt.date] | None:
        """The days an event of this slice may fall on, given the declared periods."""
        first, last = _day_range(sl)
        period = self.periods.get((sl.epoch.start, sl.epoch.end))
        if sl.mode == self.disaster:
            return period
        if sl.mode != self.normal:
            return None
        return (period[1] + dt.timedelta(days=1), last) if period else (first, last)

    def _session(self, sl: Slice, account: str, terminal: str, system: str,
                 screens: list[str]) -> tuple[Event, ...]:
        """The events of one session, each with its class (a step the account may not take
        makes the event unexplained)."""
        entries = self.oracle.entries(account, system, sl)
        steps = self.oracle.steps(account, system, sl)
        events = []
        for i, screen in enumerate(screens):
            status = self.oracle.status(Key(sl.index, account, terminal, system, screen))
            if i and screen not in entries and (screens[i - 1], screen) not in steps:
                status = "unexplained"
            events.append(Event(account, terminal, system, screen, status))
        return tuple(events)

    def planted(self) -> tuple[list[Template], list[str]]:
        """One template per finding and mode: its witness on a day inside its windows."""
        templates, missing = [], []
        for finding in self.findings:
            found = [t for mode in (self.normal, self.disaster)
                     if (t := self._plant(finding, mode)) is not None]
            if not found:
                missing.append(finding.id)
            templates.extend(found)
        return templates, missing

    def _plant(self, finding: Finding, mode: str) -> Template | None:
        nodes = [step.node.split(":", 1) for step in finding.path]
        ids = {kind: value for kind, value in nodes if kind != "screen"}
        screens = [value for kind, value in nodes if kind == "screen"]
        if not screens or not {"person", "account", "terminal", "system"} <= ids.keys():
            return None
        account, terminal, system = ids["account"], ids["terminal"], ids["system"]
        types = ";".join(t.value for t in finding.failure_types)
        windows = [w for w in finding.windows if w.mode == mode]
        for sl in sorted(self.a.slices, key=lambda s: (s.epoch.start == s.epoch.end, s.index)):
            inside = any((w.start is None or sl.epoch.end is None or w.start <= sl.epoch.end)
                         and (w.end is None or sl.epoch.start is None or sl.epoch.start <= w.end)
                         for w in windows)
            if sl.mode != mode or not inside:
                continue
            key = Key(sl.index, account, terminal, system, screens[-1])
            if ids["person"] not in self.oracle.candidates(key):
                continue
            events = self._session(sl, account, terminal, system, screens)
            session = True
            if events[-1].status == "unexplained":  # not a session the replay can follow
                events, session = self._session(sl, account, terminal, system, screens[-1:]), False
            if events[-1].status not in ("confirmed", "suspected"):
                continue
            days = self.days(sl)
            if days is None:
                continue
            last = Event(account, terminal, system, screens[-1], events[-1].status,
                         finding.id, types)
            return Template((*events[:-1], last), days[0], days[1], session)
        return None

    def legitimate(self) -> list[Template]:
        """Insiders on their own accounts, on terminals no outsider can use them from."""
        found: list[Template] = []
        accounts = sorted(self.a.accounts)[:MAX_ACCOUNTS]
        for sl in self.a.slices:
            if self.days(sl) is None:
                continue
            days = self.days(sl)
            assert days is not None
            for account in accounts:
                for terminal in self._own_terminals(account, sl):
                    for system in self.a.accounts[account].systems:
                        found.extend(Template(e, days[0], days[1]) for e in
                                     self._insider_sessions(sl, account, terminal, system))
        return found

    def _own_terminals(self, account: str, sl: Slice) -> list[str]:
        holder = self.a.people[self.a.accounts[account].holder]
        return self.oracle.own_terminals(holder, sl)[:MAX_TERMINALS]

    def _insider_sessions(self, sl: Slice, account: str, terminal: str,
                          system: str) -> list[tuple[Event, ...]]:
        if system not in self.a.terminals[terminal].systems:
            return []
        probe = Key(sl.index, account, terminal, system, "")
        people = self.oracle.candidates(probe)
        if not people or not all(self.a.boundary.inside(p, system, sl.mode, sl.day)
                                 for p in people):
            return []
        steps = sorted(self.oracle.steps(account, system, sl))
        sessions = []
        entries = sorted(self.oracle.entries(account, system, sl))
        for entry in entries[::max(1, len(entries) // MAX_ENTRIES)][:MAX_ENTRIES]:
            screens = [entry]
            while len(screens) < MAX_SESSION:
                nxt = [t for s, t in steps if s == screens[-1] and t not in screens]
                if not nxt:
                    break
                screens.append(nxt[0])
            events = self._session(sl, account, terminal, system, screens)
            kept = []
            for event in events:
                if event.status != "legitimate":
                    break
                kept.append(event)
            if kept:
                sessions.append(tuple(kept))
        return sessions

    def unexplained(self) -> list[Template]:
        """An existing account on a terminal no one in the model can use it from."""
        for sl in self.a.slices:
            days = self.days(sl) if sl.mode == self.normal else None
            if days is None:
                continue
            for account in sorted(self.a.accounts):
                for system in self.a.accounts[account].systems:
                    entries = sorted(self.oracle.entries(account, system, sl))
                    for terminal in sorted(self.a.terminals):
                        if not entries or system not in self.a.terminals[terminal].systems:
                            continue
                        key = Key(sl.index, account, terminal, system, entries[0])
                        if not self.oracle.candidates(key) and \
                                self.oracle.status(key) == "unexplained":
                            event = Event(account, terminal, system, entries[0], "unexplained")
                            return [Template((event,), days[0], days[1], False)]
        return []


def make_plan(analyzer: Analyzer, findings: tuple[Finding, ...],
              modes: tuple[str, str]) -> Plan:
    planner = Planner(analyzer, findings, modes)
    planted, missing = planner.planted()
    legitimate = planner.legitimate()
    unexplained = planner.unexplained()
    sample = next((t.events[0] for t in (*legitimate, *planted)), None)
    return Plan(tuple(planted), tuple(legitimate), tuple(unexplained),
                tuple(sorted(set(planner.periods.values()))), modes, tuple(missing),
                tuple(sorted(analyzer.systems)), sample)
