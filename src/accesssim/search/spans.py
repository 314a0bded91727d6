"""Which days can change one person's result, so each person is searched once per span.

The analysis slices time at every date of the model (time/epochs.py): one slice per mode and
epoch. Searching every outsider in every slice costs epochs x people, and with many dated
elements both grow with the model (issue 6, D12). But one person's search reads only the
elements that person can reach: their own validity and trust grants, the accounts they hold or
know (and those accounts' holders' trust grants), the terminals assigned to them or open where
they can be, the sessions left open on those terminals, and for each account's decision class
the Casbin rules of the subjects it inherits from and the screens, transitions and displays it
can walk. Between two consecutive dates of those elements ("the person's cuts") the person's
result is the same in every slice, so it is searched once, on the first slice of the span.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Iterable

import networkx as nx

from accesssim.graph.compile import Node
from accesssim.graph.guards import DecisionGuard, ElementGuard
from accesssim.model.schema import Guarded, SystemModel, Transition
from accesssim.policy.decisions import OPEN, UNMASK, Decisions
from accesssim.time.epochs import boundaries
from accesssim.time.slices import Slice


def _cuts(elements: Iterable[Guarded]) -> set[dt.date]:
    """The days on which one of these elements starts or stops existing."""
    return set(boundaries((e.valid.start, e.valid.until) for e in elements if e.valid))


def _targets(G: nx.MultiDiGraph, node: Node, relation: str) -> list[tuple[Node, dict[str, object]]]:
    """Every out-edge of ``node`` with this relation, whatever its guard."""
    return [(v, data) for v, keyed in G._succ[node].items() for data in keyed.values()
            if data["relation"] == relation]


class Relevance:
    """The cuts of what each person, account, terminal, location and class can reach.

    Everything is memoised per element, so people who share a location or an account share
    its cuts.

    Notes: building one person's cuts costs the size of what that person can reach, the same
    order as one search of that person; the analysis then searches the person once per mode
    and span between those cuts, instead of once per global slice.
    """

    def __init__(self, model: SystemModel, graph: nx.MultiDiGraph, decisions: Decisions,
                 slices: list[Slice], walks: Callable[[Node, bool, Slice], object],
                 core: dict[str, frozenset[str]]):
        """``walks(class node, holder outside, slice)``: the analysis's memoised walks;
        ``core``: per system, the organizations always inside its boundary."""
        self.model = model
        self.core = core
        self.walks = walks
        self.by_mode: dict[str, tuple[list[Slice], list[dt.date]]] = {}
        for sl in slices:
            mode_slices, days = self.by_mode.setdefault(sl.mode, ([], []))
            mode_slices.append(sl)
            days.append(sl.day)
        self.graph = graph
        self.decisions = decisions
        self._people = {p.id: p for p in model.people}
        self._accounts = {a.id: a for a in model.accounts}
        self._terminals = {t.id: t for t in model.terminals}
        self._locations = {loc.id: loc for loc in model.locations}
        self._screens = {x.id: x for s in model.systems for x in s.screens}
        self._grants: dict[str, list[Guarded]] = {}
        for grant in model.trust:
            for who in {*grant.orgs, *grant.people}:
                self._grants.setdefault(who, []).append(grant)
        self._trust: dict[str, list[dt.date]] = {}
        self._class: dict[tuple[Node, bool], list[dt.date]] = {}
        self._raw_class: dict[Node, list[dt.date]] = {}
        self._account: dict[str, frozenset[dt.date]] = {}
        self._terminal: dict[str, frozenset[dt.date]] = {}
        self._location: dict[str, frozenset[dt.date]] = {}
        self._use: dict[tuple[str, str], frozenset[dt.date]] = {}
        self._access: dict[str, list[dt.date]] = {}
        self._org: dict[str, frozenset[dt.date]] = {}
        self._sorted: dict[tuple[str, str], list[dt.date]] = {}
        self._modal: dict[tuple[str, str], bool] = {}

    def trust(self, person_id: str) -> list[dt.date]:
        """Cuts of the trust grants naming the person or the person's organization."""
        if person_id not in self._trust:
            person = self._people[person_id]
            grants = {id(g): g for who in (person.id, person.org)
                      for g in self._grants.get(who, ())}
            self._trust[person_id] = sorted(_cuts(grants.values()))
        return self._trust[person_id]

    def of_class(self, cnode: Node, always_inside: bool) -> list[dt.date]:
        """Days on which a class's walks change, for a holder always inside the boundary or
        for one who may be outside it (then both kinds of walks count).

        The walks are compared on the first slice of consecutive spans of ``raw_class``;
        where they are equal, that cut changes nothing for anyone using the class. A class of
        one account (named by rules) keeps its raw cuts: few people use it, so comparing its
        walks over all time would cost more than the searches it saves.
        """
        if cnode[1].account is not None:
            return self.raw_class(cnode)
        key = (cnode, always_inside)
        if key not in self._class:
            raw = self.raw_class(cnode)
            variants = (False,) if always_inside else (False, True)
            days: set[dt.date] = set()
            for mode_slices, mode_days in self.by_mode.values():
                previous: object = None
                for first, _ in spans(mode_slices, mode_days, raw):
                    state = tuple(self.walks(cnode, outside, first) for outside in variants)
                    if previous is not None and state != previous:
                        days.add(first.day)
                    previous = state
            self._class[key] = sorted(days)
        return self._class[key]

    def raw_class(self, cnode: Node) -> list[dt.date]:
        """Days on which a class's walks may change: its decisions, and the screens,
        transitions and displays it can walk.

        A decision counts where Casbin's answer flips; where the rule that grounds an allow
        can carry a defect (unmask rights, or a role with a purpose on the way), every date of
        the rules that decide it counts. The walk can only enter menu screens the class may
        open at some time, and follow transitions to screens it may open at some time or that
        are unchecked; nothing else in the system can change its walks.
        """
        if cnode not in self._raw_class:
            G = self.graph
            days: set[dt.date] = set()
            purposes = not self.decisions.subjects(cnode[1]).isdisjoint(
                self.decisions.role_purposes)
            opens: set[str] = set()
            for act in (OPEN, UNMASK):
                for target, data in _targets(G, cnode, act):
                    guard = data["guard"]
                    assert isinstance(guard, DecisionGuard)
                    if act == OPEN:
                        opens.add(target[1])
                    days |= set(guard.cuts) if act == UNMASK or purposes else guard.changes()
            todo = [s for s in sorted(opens) if self._screens[s].menu]
            reached = set(todo)
            elements: list[Guarded] = []
            while todo:
                screen_id = todo.pop()
                elements.append(self._screens[screen_id])
                for _, data in _targets(G, ("screen", screen_id), "shows"):
                    display = data["display"]
                    assert isinstance(display, Guarded)
                    elements.append(display)
                for target, data in _targets(G, ("screen", screen_id), "transition"):
                    tr = data["transition"]
                    assert isinstance(tr, Transition)
                    elements.append(tr)
                    if target[1] not in reached and (target[1] in opens or not tr.checked):
                        reached.add(target[1])
                        todo.append(target[1])
            days |= _cuts(elements)
            self._raw_class[cnode] = sorted(days)
        return self._raw_class[cnode]

    def account(self, acc_id: str) -> frozenset[dt.date]:
        """Cuts of the account, its holder's trust grants and its classes in each system."""
        if acc_id not in self._account:
            acc = self._accounts[acc_id]
            days = _cuts([acc]) | set(self.trust(acc.holder))
            holder_org = self._people[acc.holder].org
            for system_id in acc.systems:
                cnode = self.graph.graph["classes"].get((acc_id, system_id))
                if cnode is not None:
                    days.update(self.of_class(cnode, holder_org in self.core[system_id]))
            self._account[acc_id] = frozenset(days)
        return self._account[acc_id]

    def terminal(self, term_id: str) -> frozenset[dt.date]:
        """Cuts of the terminal and of the sessions left open on it."""
        if term_id not in self._terminal:
            days = _cuts([self._terminals[term_id]])
            for acc_node, _ in _targets(self.graph, ("terminal", term_id), "logged-in"):
                days |= self.account(acc_node[1])
            self._terminal[term_id] = frozenset(days)
        return self._terminal[term_id]

    def location(self, loc_id: str) -> frozenset[dt.date]:
        """Cuts of the location and of the open terminals it hosts."""
        if loc_id not in self._location:
            days = _cuts([self._locations[loc_id]])
            for t_node, _ in _targets(self.graph, ("location", loc_id), "hosts"):
                if self._terminals[t_node[1]].open:
                    days |= self.terminal(t_node[1])
            self._location[loc_id] = frozenset(days)
        return self._location[loc_id]

    def person(self, person_id: str) -> list[dt.date]:
        """Every day on which this person's search result may change, sorted."""
        G, pnode = self.graph, ("person", person_id)
        days = _cuts([self._people[person_id]]) | set(self.trust(person_id))
        for relation, cuts_of in (("holds", self.account), ("knows", self.account),
                                  ("assigned", self.terminal), ("can-be-at", self.location),
                                  ("member", self.org)):
            for node, _ in _targets(G, pnode, relation):
                days |= cuts_of(node[1])
        return sorted(days)

    def org(self, org_id: str) -> frozenset[dt.date]:
        """Cuts of the locations open to the organization (``location``'s, for each)."""
        if org_id not in self._org:
            days: set[dt.date] = set()
            for loc_node, _ in _targets(self.graph, ("org", org_id), "open-to"):
                days |= self.location(loc_node[1])
            self._org[org_id] = frozenset(days)
        return self._org[org_id]

    def org_access(self, org_id: str) -> list[dt.date]:
        """Cuts of the locations open to the organization as ways in (``access``'s), sorted."""
        key = ("org", org_id)
        if key not in self._use:
            days: set[dt.date] = set()
            for loc_node, _ in _targets(self.graph, ("org", org_id), "open-to"):
                days |= self._used("location", loc_node[1])
            self._use[key] = frozenset(days)
        if key not in self._sorted:
            self._sorted[key] = sorted(self._use[key])
        return self._sorted[key]

    def location_access(self, loc_id: str) -> list[dt.date]:
        """Cuts of the location as a way in (with its open terminals and their sessions)."""
        key = ("location", loc_id)
        if key not in self._sorted:
            self._sorted[key] = sorted(self._used("location", loc_id))
        return self._sorted[key]


    def _used(self, kind: str, elem_id: str) -> frozenset[dt.date]:
        """Cuts of an account (with its holder's trust), a terminal (with its sessions) or a
        location (with its open terminals) as a way in, leaving out the classes' walks."""
        key = (kind, elem_id)
        if key not in self._use:
            G = self.graph
            if kind == "account":
                acc = self._accounts[elem_id]
                days = _cuts([acc]) | set(self.trust(acc.holder))
            elif kind == "terminal":
                days = _cuts([self._terminals[elem_id]])
                for acc_node, _ in _targets(G, ("terminal", elem_id), "logged-in"):
                    days |= self._used("account", acc_node[1])
            else:
                days = _cuts([self._locations[elem_id]])
                for t_node, _ in _targets(G, ("location", elem_id), "hosts"):
                    if self._terminals[t_node[1]].open:
                        days |= self._used("terminal", t_node[1])
            self._use[key] = frozenset(days)
        return self._use[key]

    def access(self, person_id: str) -> list[dt.date]:
        """Every day on which the person's accesses (accounts on terminals) may change: the
        person's cuts without those of the classes' walks, sorted."""
        if person_id not in self._access:
            G, pnode = self.graph, ("person", person_id)
            days = _cuts([self._people[person_id]]) | set(self.trust(person_id))
            for relation, kind in (("holds", "account"), ("knows", "account"),
                                   ("assigned", "terminal"), ("can-be-at", "location")):
                for node, _ in _targets(G, pnode, relation):
                    days |= self._used(kind, node[1])
            days.update(self.org_access(self._people[person_id].org))
            self._access[person_id] = sorted(days)
        return self._access[person_id]

    def access_modal(self, person_id: str) -> bool:
        """Whether the person's accesses may differ between modes on one day: some element
        ``access`` reads (the person, their trust grants, the accounts, terminals, sessions and
        locations they can use, their holders' grants, every edge between them) names modes,
        or an account or terminal has a disaster purpose (its defect depends on the mode).
        When not, the accesses of a day are those of any mode on that day."""
        return self._modal_of("person", person_id)

    def _modal_of(self, kind: str, elem_id: str) -> bool:
        key = (kind, elem_id)
        if key not in self._modal:
            self._modal[key] = self._find_modal(kind, elem_id)
        return self._modal[key]

    def _find_modal(self, kind: str, elem_id: str) -> bool:
        G = self.graph
        node: Node = (kind, elem_id)
        follow: tuple[tuple[str, str], ...]
        if kind == "person":
            person = self._people[elem_id]
            if person.modes is not None or self._modal_grants(elem_id):
                return True
            if self._modal_of("org", person.org):
                return True
            follow = (("holds", "account"), ("knows", "account"), ("assigned", "terminal"),
                      ("can-be-at", "location"))
        elif kind == "org":
            follow = (("open-to", "location"),)
        elif kind == "account":
            acc = self._accounts[elem_id]
            return (acc.modes is not None or acc.purpose == "disaster"
                    or self._modal_grants(acc.holder))
        elif kind == "terminal":
            term = self._terminals[elem_id]
            if term.modes is not None or term.purpose == "disaster-lending":
                return True
            if any(_modal_edge(data) for _, data in _targets(G, node, "reaches")):
                return True
            follow = (("logged-in", "account"),)
        else:
            if self._locations[elem_id].modes is not None:
                return True
            follow = (("hosts", "terminal"),)
        for relation, target_kind in follow:
            for target, data in _targets(G, node, relation):
                if _modal_edge(data) or self._modal_of(target_kind, target[1]):
                    return True
        return False

    def _modal_grants(self, person_id: str) -> bool:
        """Whether a trust grant naming the person or their organization names modes."""
        person = self._people[person_id]
        return any(g.modes is not None for who in (person.id, person.org)
                   for g in self._grants.get(who, ()))


def _modal_edge(data: dict[str, object]) -> bool:
    """An edge whose existence may depend on the mode (any guard but elements without
    modes)."""
    guard = data["guard"]
    return not isinstance(guard, ElementGuard) or any(
        getattr(e, "modes", None) is not None for e in guard.elements)


def spans(mode_slices: list[Slice], days: list[dt.date], cuts: list[dt.date] | None
          ) -> list[tuple[Slice, Slice]]:
    """The first and last slice of each run of one mode's slices between consecutive cuts.

    ``mode_slices`` are one mode's slices in time order and ``days`` their days; ``cuts``
    None gives every slice a span of its own (the straightforward search).

    Notes: O(cuts x log slices), independent of the number of slices otherwise.
    """
    if cuts is None or not mode_slices:
        return [(sl, sl) for sl in mode_slices]
    starts = sorted({0, *(bisect_left(days, day) for day in cuts)} - {len(days)})
    ends = [*starts[1:], len(days)]
    return [(mode_slices[a], mode_slices[b - 1]) for a, b in zip(starts, ends, strict=True)]
