"""Compile the model and the Casbin decisions into one typed networkx graph.

Nodes are ``(kind, id)`` tuples with a ``kind`` and the model ``element``. Every edge has a
``relation``, a ``guard`` (when it exists: modes, dates, or the analysis slices in which Casbin
allowed it) and ``sources`` (the YAML or Casbin lines it rests on).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from typing import Any

import networkx as nx

from accesssim.graph.guards import DecisionGuard, guard
from accesssim.model.provenance import Source
from accesssim.model.schema import SystemModel
from accesssim.policy.decisions import OPEN, UNMASK, AccountClass, Decisions
from accesssim.time.slices import Slice

Node = tuple[str, Any]


_AddNode = Callable[[Node, dict[str, Any]], None]
_AddEdge = Callable[[Node, Node, str, dict[str, Any]], None]


def _writers(G: nx.MultiDiGraph) -> tuple[_AddNode, _AddEdge]:
    """``add_node`` and ``add_edge`` as networkx's, writing the adjacency dicts directly.

    The same dicts, filled the same way (a missing end node is created bare, a repeated key
    updates its edge), without the per-call keyword dicts and cache clearing that cost more
    than the graph itself at utility scale.
    """
    succ, pred, nodes = G._succ, G._pred, G._node

    def add_node(node: Node, attr: dict[str, Any]) -> None:
        if node in succ:
            nodes[node].update(attr)
        else:
            succ[node], pred[node], nodes[node] = {}, {}, attr

    def add_edge(u: Node, v: Node, key: str, data: dict[str, Any]) -> None:
        if u not in succ:
            succ[u], pred[u], nodes[u] = {}, {}, {}
        if v not in succ:
            succ[v], pred[v], nodes[v] = {}, {}, {}
        keyed = succ[u].get(v)
        if keyed is None:
            keyed = succ[u][v] = pred[v][u] = {}
        if key in keyed:
            keyed[key].update(data)
        else:
            keyed[key] = data

    return add_node, add_edge


def compile_graph(
    model: SystemModel,
    cite: Callable[[Any], Source],
    policy_file: str,
    decisions: Decisions,
    slices: list[Slice],
    relevant_accounts: Iterable[str],
    progress: Callable[[int, int], None] | None = None,
    searched: AbstractSet[str] | None = None,
) -> nx.MultiDiGraph:
    """Build the access graph; decisions are added for ``relevant_accounts`` only.

    ``searched``: the people whose ways in are ever looked up, those outside the boundary of
    some system with non-public fields (anyone else is trusted for every non-public field, so
    neither the search nor ``explain`` asks for their accounts or terminals). Accounts that
    none of them holds or knows and that are not relevant, other people's terminal
    assignments, and closed terminals assigned to none of them are left out (None:
    everyone's are compiled).

    Notes: decision edges cost one ``enforce`` per class, candidate object and epoch of the
    rules that name that object (see decisions.py), never the full account x screen grid.
    """
    relevant_accounts = set(relevant_accounts)
    G = nx.MultiDiGraph(model=model.name)

    cited: dict[Source, tuple[Source, ...]] = {}

    def src(element: Any) -> tuple[Source, ...]:
        """One tuple per citation, shared by everything that cites it."""
        source = cite(element)
        found = cited.get(source)
        if found is None:
            found = cited[source] = (source,)
        return found

    add_node, add_edge = _writers(G)
    systems = {system.id: ("system", system.id) for system in model.systems}
    for org in model.organizations:
        G.add_node(("org", org.id), kind="org", element=org, sources=src(org))
    for loc in model.locations:
        G.add_node(("location", loc.id), kind="location", element=loc, sources=src(loc))
    for person in model.people:
        node = ("person", person.id)
        G.add_node(node, kind="person", element=person, sources=src(person))
        G.add_edge(node, ("org", person.org), key="member", relation="member",
                   guard=guard(person), sources=src(person))
        for loc_id in person.locations:
            G.add_edge(node, ("location", loc_id), key="can-be-at", relation="can-be-at",
                       guard=guard(person), sources=src(person))
    for loc in model.locations:
        # One edge per organization, not per person: people reach it through ``member``.
        for org_id in dict.fromkeys(loc.open_to):
            G.add_edge(("org", org_id), ("location", loc.id), key="open-to",
                       relation="open-to", guard=guard(loc), sources=src(loc))
    for system in model.systems:
        system_node = systems[system.id]
        add_node(system_node, {"kind": "system", "element": system, "sources": src(system)})
        for f in system.fields:
            add_node(("field", f.id), {"kind": "field", "element": f, "system": system.id,
                                       "sources": src(f)})
        for screen in system.screens:
            node, screen_guard, sources = ("screen", screen.id), guard(screen), src(screen)
            add_node(node, {"kind": "screen", "element": screen, "system": system.id,
                            "sources": sources})
            add_edge(system_node, node, "has-screen",
                     {"relation": "has-screen", "guard": screen_guard, "sources": sources})
            for index, shown in enumerate(screen.shows):
                add_edge(node, ("field", shown.field), f"shows:{index}",
                         {"relation": "shows", "display": shown, "guard": guard(screen, shown),
                          "sources": src(shown)})
        for index, tr in enumerate(system.transitions):
            # Keyed by position: the same link may be listed twice (e.g. different windows).
            add_edge(("screen", tr.source), ("screen", tr.target), f"{tr.key}#{index}",
                     {"relation": "transition", "transition": tr, "guard": guard(tr),
                      "sources": src(tr)})
    # One guard and one sources tuple per element, shared by all of its edges.
    compiled: set[str] = set()
    for acc in model.accounts:
        if (searched is not None and acc.id not in relevant_accounts
                and acc.holder not in searched and searched.isdisjoint(acc.known_by)):
            continue
        compiled.add(acc.id)
        node, acc_guard, sources = ("account", acc.id), guard(acc), src(acc)
        add_node(node, {"kind": "account", "element": acc, "sources": sources})
        add_edge(("person", acc.holder), node, "holds",
                 {"relation": "holds", "guard": acc_guard, "sources": sources})
        for knower in acc.known_by:
            add_edge(("person", knower), node, "knows",
                     {"relation": "knows", "guard": acc_guard, "sources": sources})
        for system_id in acc.systems:
            add_edge(node, systems.get(system_id, ("system", system_id)), "logs-into",
                     {"relation": "logs-into", "guard": acc_guard, "sources": sources})
    for term in model.terminals:
        if not (searched is None or term.open or not searched.isdisjoint(term.assigned_to)):
            continue  # a closed terminal is used only by the people it is assigned to
        node, term_guard, sources = ("terminal", term.id), guard(term), src(term)
        add_node(node, {"kind": "terminal", "element": term, "sources": sources})
        add_edge(("location", term.location), node, "hosts",
                 {"relation": "hosts", "guard": term_guard, "sources": sources})
        for person_id in term.assigned_to:
            if searched is not None and person_id not in searched:
                continue
            add_edge(("person", person_id), node, "assigned",
                     {"relation": "assigned", "guard": term_guard, "sources": sources})
        for system_id in term.systems:
            add_edge(node, systems.get(system_id, ("system", system_id)), "reaches",
                     {"relation": "reaches", "guard": term_guard, "sources": sources})
        if term.accounts != "any":
            for acc_id in term.accounts:
                if acc_id not in compiled:
                    continue
                add_edge(node, ("account", acc_id), "accepts",
                         {"relation": "accepts", "guard": term_guard, "sources": sources})
        for acc_id in term.logged_in:
            add_edge(node, ("account", acc_id), "logged-in",
                     {"relation": "logged-in", "guard": term_guard, "sources": sources})
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
