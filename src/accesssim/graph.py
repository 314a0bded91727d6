"""Compile the model and the Casbin decisions into one typed networkx graph.

Nodes are ``(kind, id)`` tuples with a ``kind`` and the model ``element``. Every edge has a
``relation``, a ``guard`` (when it exists: modes, dates, or the analysis slices in which Casbin
allowed it) and ``sources`` (the YAML or Casbin lines it rests on).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import networkx as nx

from accesssim.decisions import OPEN, UNMASK, AccountClass, Decisions
from accesssim.model import Guarded, SystemModel
from accesssim.results import Source
from accesssim.timeline import Epoch, epoch_index

Node = tuple[str, Any]


@dataclass(frozen=True)
class Slice:
    """One mode and one epoch: the unit the analysis evaluates."""

    index: int
    mode: str
    epoch: Epoch
    day: dt.date


class Guard(Protocol):
    def holds(self, sl: Slice) -> bool: ...


class _Active(Protocol):
    def active(self, mode: str, day: dt.date) -> bool: ...


@dataclass(frozen=True)
class ElementGuard:
    """Holds when every element it rests on exists in the slice's mode and day."""

    elements: tuple[_Active, ...]

    def holds(self, sl: Slice) -> bool:
        return all(e.active(sl.mode, sl.day) for e in self.elements)


@dataclass(frozen=True)
class DecisionGuard:
    """Holds where Casbin answered allow: per mode, the spans between ``cuts`` (by index).

    Stored per span of the rules naming the object, not per slice, so its size does not grow
    with the number of slices.
    """

    cuts: tuple[dt.date, ...]
    allowed: frozenset[tuple[str, int]]

    def holds(self, sl: Slice) -> bool:
        return (sl.mode, epoch_index(self.cuts, sl.day)) in self.allowed

    def changes(self) -> set[dt.date]:
        """The cuts on which the answer flips in some mode (the others change nothing)."""
        modes = {mode for mode, _ in self.allowed}
        return {day for index, day in enumerate(self.cuts, start=1) for mode in modes
                if ((mode, index - 1) in self.allowed) != ((mode, index) in self.allowed)}


def guard(*elements: Guarded) -> ElementGuard:
    """Holds where every element exists (typed, so no isinstance: pydantic's is slow here)."""
    return ElementGuard(elements)


def compile_graph(
    model: SystemModel,
    model_file: str,
    policy_file: str,
    decisions: Decisions,
    slices: list[Slice],
    relevant_accounts: Iterable[str],
    progress: Callable[[int, int], None] | None = None,
) -> nx.MultiDiGraph:
    """Build the access graph; decisions are added for ``relevant_accounts`` only.

    Notes: decision edges cost one ``enforce`` per class, candidate object and epoch of the
    rules that name that object (see decisions.py), never the full account x screen grid.
    """
    G = nx.MultiDiGraph(model=model.name)

    def src(line: int) -> tuple[Source, ...]:
        return (Source(model_file, line),)

    for org in model.organizations:
        G.add_node(("org", org.id), kind="org", element=org, sources=src(org.line))
    for loc in model.locations:
        G.add_node(("location", loc.id), kind="location", element=loc, sources=src(loc.line))
    for person in model.people:
        node = ("person", person.id)
        G.add_node(node, kind="person", element=person, sources=src(person.line))
        G.add_edge(node, ("org", person.org), key="member", relation="member",
                   guard=guard(person), sources=src(person.line))
        for loc_id in person.locations:
            G.add_edge(node, ("location", loc_id), key="can-be-at", relation="can-be-at",
                       guard=guard(person), sources=src(person.line))
    for loc in model.locations:
        # One edge per organization, not per person: people reach it through ``member``.
        for org_id in dict.fromkeys(loc.open_to):
            G.add_edge(("org", org_id), ("location", loc.id), key="open-to",
                       relation="open-to", guard=guard(loc), sources=src(loc.line))
    for system in model.systems:
        G.add_node(("system", system.id), kind="system", element=system,
                   sources=src(system.line))
        for f in system.fields:
            G.add_node(("field", f.id), kind="field", element=f, system=system.id,
                       sources=src(f.line))
        for screen in system.screens:
            node = ("screen", screen.id)
            G.add_node(node, kind="screen", element=screen, system=system.id,
                       sources=src(screen.line))
            G.add_edge(("system", system.id), node, key="has-screen", relation="has-screen",
                       guard=guard(screen), sources=src(screen.line))
            for index, shown in enumerate(screen.shows):
                G.add_edge(node, ("field", shown.field), key=f"shows:{index}", relation="shows",
                           display=shown, guard=guard(screen, shown), sources=src(shown.line))
        for index, tr in enumerate(system.transitions):
            # Keyed by position: the same link may be listed twice (e.g. different windows).
            G.add_edge(("screen", tr.source), ("screen", tr.target), key=f"{tr.key}#{index}",
                       relation="transition", transition=tr, guard=guard(tr),
                       sources=src(tr.line))
    for acc in model.accounts:
        node = ("account", acc.id)
        G.add_node(node, kind="account", element=acc, sources=src(acc.line))
        G.add_edge(("person", acc.holder), node, key="holds", relation="holds",
                   guard=guard(acc), sources=src(acc.line))
        for knower in acc.known_by:
            G.add_edge(("person", knower), node, key="knows", relation="knows",
                       guard=guard(acc), sources=src(acc.line))
        for system_id in acc.systems:
            G.add_edge(node, ("system", system_id), key="logs-into", relation="logs-into",
                       guard=guard(acc), sources=src(acc.line))
    for term in model.terminals:
        node = ("terminal", term.id)
        G.add_node(node, kind="terminal", element=term, sources=src(term.line))
        G.add_edge(("location", term.location), node, key="hosts", relation="hosts",
                   guard=guard(term), sources=src(term.line))
        for person_id in term.assigned_to:
            G.add_edge(("person", person_id), node, key="assigned", relation="assigned",
                       guard=guard(term), sources=src(term.line))
        for system_id in term.systems:
            G.add_edge(node, ("system", system_id), key="reaches", relation="reaches",
                       guard=guard(term), sources=src(term.line))
        if term.accounts != "any":
            for acc_id in term.accounts:
                G.add_edge(node, ("account", acc_id), key="accepts", relation="accepts",
                           guard=guard(term), sources=src(term.line))
        for acc_id in term.logged_in:
            G.add_edge(node, ("account", acc_id), key="logged-in", relation="logged-in",
                       guard=guard(term), sources=src(term.line))
    _add_decisions(G, model, policy_file, decisions, slices, relevant_accounts, progress)
    return G


def _add_decisions(
    G: nx.MultiDiGraph,
    model: SystemModel,
    policy_file: str,
    decisions: Decisions,
    slices: list[Slice],
    relevant_accounts: Iterable[str],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    accounts = {a.id: a for a in model.accounts}
    classes: dict[tuple[str, str], Node] = G.graph.setdefault("classes", {})
    by_mode: dict[str, tuple[list[Slice], list[dt.date]]] = {}
    shared: dict[tuple[AccountClass, str, str], tuple[DecisionGuard, bool, tuple[Source, ...]]]
    shared = {}
    for sl in slices:
        mode_slices, days = by_mode.setdefault(sl.mode, ([], []))
        mode_slices.append(sl)
        days.append(sl.day)
    ordered = sorted(set(relevant_accounts))
    for done, acc_id in enumerate(ordered):
        if progress is not None and done % 200 == 0:
            progress(done, len(ordered))
        for system_id in accounts[acc_id].systems:
            cls = decisions.class_of(acc_id, system_id)
            cnode = ("class", cls)
            classes[(acc_id, system_id)] = cnode
            links = decisions.direct_links(acc_id, system_id)
            G.add_edge(("account", acc_id), cnode, key=f"in-class:{system_id}",
                       relation="in-class", guard=guard(accounts[acc_id]),
                       sources=tuple(Source(policy_file, g.line) for g in links))
            if cnode in G and G.nodes[cnode].get("decided"):
                continue
            G.add_node(cnode, kind="class", element=cls, decided=True, sources=())
            for act, kind in ((OPEN, "screen"), (UNMASK, "field")):
                for obj in sorted(decisions.candidates(cls, act)):
                    # Classes that share their answers about obj share the edge's guard.
                    shared_key = (decisions.shared(cls, obj), obj, act)
                    if shared_key not in shared:
                        edge_guard, first = _decision_guard(decisions, cls, obj, act, by_mode)
                        sources: tuple[Source, ...] = ()
                        if first is not None:
                            grounds = decisions.grounds(acc_id, system_id, obj, act,
                                                        first.mode, first.day)
                            sources = grounds.sources(policy_file) if grounds else ()
                        shared[shared_key] = (edge_guard, first is not None, sources)
                    edge_guard, allowed, sources = shared[shared_key]
                    if allowed:
                        G.add_edge(cnode, (kind, obj), key=act, relation=act,
                                   guard=edge_guard, sources=sources)


def _decision_guard(decisions: Decisions, cls: AccountClass, obj: str, act: str,
                    by_mode: dict[str, tuple[list[Slice], list[dt.date]]]
                    ) -> tuple[DecisionGuard, Slice | None]:
    """Where Casbin allows ``act`` on ``obj`` to the class, and the first slice it does.

    Casbin is asked once per mode and span of the rules naming the object that holds a slice
    (the same questions, and as many, as asking slice by slice).

    Notes: costs O(spans x log slices) per object, not O(slices).
    """
    cuts = decisions.local_cuts(cls, obj)
    bounds = [None, *cuts, None]
    allowed: set[tuple[str, int]] = set()
    first: Slice | None = None
    for mode, (mode_slices, days) in by_mode.items():  # in slice order: modes, then time
        for index in range(len(cuts) + 1):
            start, stop = bounds[index], bounds[index + 1]
            lo = 0 if start is None else bisect_left(days, start)
            hi = len(days) if stop is None else bisect_left(days, stop)
            if lo < hi and decisions.allowed(cls, obj, act, mode, days[lo]):
                allowed.add((mode, index))
                if first is None:
                    first = mode_slices[lo]
    return DecisionGuard(tuple(cuts), frozenset(allowed)), first


def class_node(G: nx.MultiDiGraph, account: str, system: str) -> Node | None:
    """The decision class of an account in a system, if decisions were compiled for it."""
    classes: dict[tuple[str, str], Node] = G.graph["classes"]
    return classes.get((account, system))


def active_edges(G: nx.MultiDiGraph, node: Node, relation: str, sl: Slice
                 ) -> list[tuple[Node, dict[str, Any]]]:
    """Out-edges of ``node`` with this relation that exist in the slice, sorted by target.

    Reads the adjacency dict directly: this is the analysis hot path.
    """
    found = [(v, data) for v, keyed in G._succ[node].items() for data in keyed.values()
             if data["relation"] == relation and data["guard"].holds(sl)]
    if len(found) > 1:
        found.sort(key=lambda item: (str(item[0][1]), item[1].get("sources", ())))
    return found
