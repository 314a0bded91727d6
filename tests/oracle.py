"""A brute-force oracle for exposures, written from the rule in issue 2, not from the engine.

It shares with the engine only the loader (the parsed model), the trust boundary
(``Boundary.trusted``) and the list of analysis slices (``build_slices``): no decision classes,
no candidate pruning, no graph, no project enforcer. Every Casbin answer comes from a plain
``casbin.Enforcer(conf, csv)`` built here, asked about the FULL grid (every account x every
screen and field of its systems x act) in every slice before anything else is looked at.

The rule, per slice (mode, representative day), with "active" meaning the element exists in
that mode on that day (its ``modes`` and ``valid`` guards):

person P (active) is exposed to non-public field F when P is not trusted for F, and there are
- an account A (active) that P holds, or whose credential P knows (``known_by``), or that is
  left ``logged_in`` on the terminal T below;
- a terminal T (active) assigned to P, or ``open: true`` at a location (active) that P can be at
  (listed in P's ``locations``, or P's org is in the location's ``open_to``);
- T reaches system S, S is one of A's systems, and T accepts A (``accounts: any`` or A listed;
  an account logged in on T is always usable on T);
- a walk in S: a menu screen (``menu: true``, active) that Casbin lets A ``open``, then any
  number of active transitions to active screens (checked: Casbin must let A ``open`` the
  target; unchecked: nothing is checked), ending on a screen with an active display of F whose
  masking is ``clear``, or ``policy`` and Casbin lets A ``unmask`` F. ``masked`` never shows.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import casbin

from accesssim.engine import Project
from accesssim.model.schema import Account, Location, Person, System, Terminal
from accesssim.time.boundary import Boundary
from accesssim.time.slices import Slice, build_slices

OPEN, UNMASK = "open", "unmask"

#: (account, system, object, act) -> allowed, for one slice.
Grid = dict[tuple[str, str, str, str], bool]


def plain_enforcer(conf: Path, csv: Path) -> casbin.Enforcer:
    """Casbin as a user would build it: no FastEnforcer, no tuning."""
    logging.getLogger("casbin").setLevel(logging.ERROR)
    return casbin.Enforcer(str(conf), str(csv))


def request_tokens(enforcer: casbin.Enforcer) -> tuple[str, ...]:
    """The request definition's tokens, in the order the model declares them."""
    return tuple(t.removeprefix("r_") for t in enforcer.model["r"]["r"].tokens)


def ask(enforcer: casbin.Enforcer, tokens: tuple[str, ...], sub: str, dom: str, obj: str,
        act: str, mode: str, day: dt.date) -> bool:
    """One ``enforce`` call, the request laid out in the model's own token order."""
    values = {"sub": sub, "dom": dom, "obj": obj, "act": act, "mode": mode,
              "date": day.isoformat()}
    return bool(enforcer.enforce(*(values[t] for t in tokens)))


def full_grid(enforcer: casbin.Enforcer, project: Project, mode: str, day: dt.date) -> Grid:
    """Every account x (every screen: open, every field: unmask) of each of its systems."""
    model = project.loaded.model
    tokens = request_tokens(enforcer)
    systems = {s.id: s for s in model.systems}
    grid: Grid = {}
    for acc in model.accounts:
        for sys_id in acc.systems:
            system = systems[sys_id]
            for screen in system.screens:
                grid[(acc.id, sys_id, screen.id, OPEN)] = ask(
                    enforcer, tokens, acc.id, sys_id, screen.id, OPEN, mode, day)
            for fld in system.fields:
                grid[(acc.id, sys_id, fld.id, UNMASK)] = ask(
                    enforcer, tokens, acc.id, sys_id, fld.id, UNMASK, mode, day)
    return grid


def reached_screens(system: System, acc: Account, grid: Grid, mode: str, day: dt.date
                    ) -> set[str]:
    """Screens the account reaches: open-allowed menu screens, then usable transitions."""
    screens = {x.id: x for x in system.screens}

    def may_open(screen_id: str) -> bool:
        return grid[(acc.id, system.id, screen_id, OPEN)]

    reached = {x.id for x in system.screens
               if x.menu and x.active(mode, day) and may_open(x.id)}
    todo = list(reached)
    while todo:  # every walk: closure over the transitions usable from each screen reached
        here = todo.pop()
        for tr in system.transitions:
            if tr.source != here or not tr.active(mode, day) or tr.target in reached:
                continue
            if not screens[tr.target].active(mode, day):
                continue
            if tr.checked and not may_open(tr.target):
                continue
            reached.add(tr.target)
            todo.append(tr.target)
    return reached


def visible_fields(system: System, acc: Account, grid: Grid, mode: str, day: dt.date
                   ) -> set[str]:
    """Fields (any class) that account ``acc`` can see in clear by some walk in ``system``."""
    screens = {x.id: x for x in system.screens}
    reached = reached_screens(system, acc, grid, mode, day)
    seen = set()
    for screen_id in reached:
        for display in screens[screen_id].shows:
            if not display.active(mode, day):
                continue
            if display.masking == "clear" or (
                    display.masking == "policy"
                    and grid[(acc.id, system.id, display.field, UNMASK)]):
                seen.add(display.field)
    return seen


def can_use_terminal(person: Person, term: Terminal, locations: dict[str, Location],
                     mode: str, day: dt.date) -> bool:
    if person.id in term.assigned_to:
        return True
    if not term.open:
        return False
    loc = locations[term.location]
    return loc.active(mode, day) and (loc.id in person.locations or person.org in loc.open_to)


def can_use_account(person: Person, acc: Account, term: Terminal) -> bool:
    if acc.id in term.logged_in:
        return True
    knows = acc.holder == person.id or person.id in acc.known_by
    return knows and (term.accounts == "any" or acc.id in term.accounts)


def exposures_in(project: Project, enforcer: casbin.Enforcer, sl: Slice
                 ) -> set[tuple[str, str]]:
    """(person, field) pairs exposed in one slice, by enumerating every combination."""
    model = project.loaded.model
    mode, day = sl.mode, sl.day
    boundary = Boundary(model)
    systems = {s.id: s for s in model.systems}
    locations = {x.id: x for x in model.locations}
    fields = {f.id: f for s in model.systems for f in s.fields}
    grid = full_grid(enforcer, project, mode, day)
    seen_by: dict[tuple[str, str], set[str]] = {}
    found: set[tuple[str, str]] = set()
    for person in model.people:
        if not person.active(mode, day):
            continue
        for acc in model.accounts:
            if not acc.active(mode, day):
                continue
            for term in model.terminals:
                if not term.active(mode, day):
                    continue
                if not can_use_terminal(person, term, locations, mode, day):
                    continue
                if not can_use_account(person, acc, term):
                    continue
                for sys_id in term.systems:
                    if sys_id not in acc.systems:
                        continue
                    key = (acc.id, sys_id)
                    if key not in seen_by:
                        seen_by[key] = visible_fields(systems[sys_id], acc, grid, mode, day)
                    for field_id in seen_by[key]:
                        if fields[field_id].data_class != "non-public":
                            continue
                        if boundary.trusted(person, field_id, mode, day):
                            continue
                        found.add((person.id, field_id))
    return found


def slices_of(project: Project, *, modes: list[str] | None = None,
              at: dt.date | None = None) -> list[Slice]:
    return build_slices(project.loaded, project.policy,
                        list(modes or project.loaded.model.modes), at)


def exposures(project: Project, *, modes: list[str] | None = None,
              at: dt.date | None = None) -> set[tuple[str, str, int]]:
    """Every (person, field, slice index) exposure, over the slices ``build_slices`` gives."""
    loaded = project.loaded
    enforcer = plain_enforcer(loaded.casbin_model_path, loaded.casbin_policy_path)
    return {(p, f, sl.index) for sl in slices_of(project, modes=modes, at=at)
            for p, f in exposures_in(project, enforcer, sl)}
