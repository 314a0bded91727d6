"""A brute-force oracle for one replayed event, written from the rule in docs/replay.md.

It shares with the engine only what tests/oracle.py shares (the loader, ``Boundary.trusted``
and the slices); every Casbin answer comes from a plain ``casbin.Enforcer`` asked about the
full grid. Per event (slice, account, terminal, system, screen):

- bad: an id the model lacks;
- unexplained: the account is not on the system, the terminal does not reach it, either is
  not active, the account cannot reach the screen (menu screens it may open, then transitions:
  checked ones need an open allow on the target), or no active person can use the account on
  the terminal (tests/oracle.py ``can_use_terminal`` and ``can_use_account``);
- a candidate is exposed when the screen shows in clear (an active display, ``clear``, or
  ``policy`` with an unmask allow) a non-public field the candidate is not trusted for;
- confirmed: the holder is an exposed candidate; suspected: another candidate is; else
  legitimate. Attributed: the holder; the exposed candidates; every candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import casbin

import oracle
from accesssim.engine import Project
from accesssim.time.boundary import Boundary
from accesssim.time.slices import Slice


@dataclass(frozen=True)
class Expected:
    status: str
    people: tuple[str, ...] = ()
    exposed: tuple[tuple[str, str], ...] = ()  # (person, field) seen on the screen, sorted


class EventOracle:
    """Answers events of one project, one slice's grid at a time (memoised)."""

    def __init__(self, project: Project):
        self.project = project
        loaded = project.loaded
        self.enforcer: casbin.Enforcer = oracle.plain_enforcer(loaded.casbin_model_path,
                                                               loaded.casbin_policy_path)
        self.model = loaded.model
        self.boundary = Boundary(self.model)
        self._grids: dict[int, oracle.Grid] = {}

    def grid(self, sl: Slice) -> oracle.Grid:
        if sl.index not in self._grids:
            self._grids[sl.index] = oracle.full_grid(self.enforcer, self.project, sl.mode,
                                                     sl.day)
        return self._grids[sl.index]

    def event(self, sl: Slice, account: str, terminal: str, system_id: str,
              screen_id: str, previous: str = "") -> Expected:
        """The event's verdict; ``previous``: the screen of the event before it in its session
        (a legitimate event that could not follow it is unexplained; a violation stays one)."""
        found = self._event(sl, account, terminal, system_id, screen_id)
        if previous and found.status == "legitimate" and not self._follows(
                sl, account, system_id, previous, screen_id):
            return Expected("unexplained")
        return found

    def _follows(self, sl: Slice, account: str, system_id: str, previous: str,
                 screen_id: str) -> bool:
        """The same screen again, a menu screen the account may open, or a transition from
        ``previous`` it may take (a previous screen the model lacks tells nothing)."""
        if previous == screen_id:
            return True
        system = next(s for s in self.model.systems if s.id == system_id)
        screens = {x.id: x for x in system.screens}
        mode, day = sl.mode, sl.day
        grid = self.grid(sl)
        may_open = grid[(account, system_id, screen_id, oracle.OPEN)]
        if screens[screen_id].menu and screens[screen_id].active(mode, day) and may_open:
            return True
        if previous not in screens:  # the row before named a screen the model lacks
            return True
        return screens[previous].active(mode, day) and any(
            tr.source == previous and tr.target == screen_id and tr.active(mode, day)
            and screens[screen_id].active(mode, day) and (may_open or not tr.checked)
            for tr in system.transitions)

    def _event(self, sl: Slice, account: str, terminal: str, system_id: str,
               screen_id: str) -> Expected:
        m = self.model
        accounts = {a.id: a for a in m.accounts}
        terminals = {t.id: t for t in m.terminals}
        systems = {s.id: s for s in m.systems}
        locations = {x.id: x for x in m.locations}
        fields = {f.id: f for s in m.systems for f in s.fields}
        acc, term, system = accounts.get(account), terminals.get(terminal), systems.get(system_id)
        if acc is None or term is None or system is None or screen_id not in {
                x.id for x in system.screens}:
            return Expected("bad")
        mode, day = sl.mode, sl.day
        if (system_id not in acc.systems or system_id not in term.systems
                or not acc.active(mode, day) or not term.active(mode, day)):
            return Expected("unexplained")
        grid = self.grid(sl)
        if screen_id not in oracle.reached_screens(system, acc, grid, mode, day):
            return Expected("unexplained")
        candidates = sorted(p.id for p in m.people if p.active(mode, day)
                            and oracle.can_use_terminal(p, term, locations, mode, day)
                            and oracle.can_use_account(p, acc, term))
        if not candidates:
            return Expected("unexplained")
        screen = next(x for x in system.screens if x.id == screen_id)
        shown = {d.field for d in screen.shows if d.active(mode, day)
                 and fields[d.field].data_class == "non-public"
                 and (d.masking == "clear" or (d.masking == "policy" and grid[
                     (acc.id, system_id, d.field, oracle.UNMASK)]))}
        people = {p.id: p for p in m.people}
        exposed = sorted((p, f) for p in candidates for f in shown
                         if not self.boundary.trusted(people[p], f, mode, day))
        who = sorted({p for p, _ in exposed})
        if acc.holder in who:
            return Expected("confirmed", (acc.holder,),
                            tuple(e for e in exposed if e[0] == acc.holder))
        if who:
            return Expected("suspected", tuple(who), tuple(exposed))
        return Expected("legitimate", tuple(candidates))
