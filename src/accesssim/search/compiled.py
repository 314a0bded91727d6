"""The model compiled for the search: lookups, slices, Casbin decisions and the access graph.

Built once per analysis (``compile_model``) and read by every later step; the search and the
findings never change it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from accesssim.graph.compile import compile_graph
from accesssim.model.loader import LoadedModel
from accesssim.model.schema import (
    Account,
    DataField,
    Organization,
    Person,
    Screen,
    SystemModel,
    Terminal,
)
from accesssim.policy.decisions import OPEN, UNMASK, Decisions
from accesssim.policy.load import LoadedPolicy
from accesssim.time.boundary import Boundary
from accesssim.time.epochs import epoch_index
from accesssim.time.slices import Slice, build_slices

Progress = Callable[[int, int], None]
#: A mode and the index of an epoch between some cuts: the key of results constant there.
Span = tuple[str, int]


@dataclass(frozen=True)
class Compiled:
    """Everything the search reads, by id; ``per_slice`` asks for the straightforward search
    (every person in every slice), which tests compare the span-by-span search against."""

    loaded: LoadedModel
    policy: LoadedPolicy
    at: dt.date | None
    per_slice: bool
    boundary: Boundary
    slices: list[Slice]
    decisions: Decisions
    graph: nx.MultiDiGraph
    people: dict[str, Person]
    accounts: dict[str, Account]
    terminals: dict[str, Terminal]
    orgs: dict[str, Organization]
    fields: dict[str, DataField]
    screens: dict[str, Screen]
    role_purposes: Mapping[str, str]
    outsiders: tuple[Person, ...]

    @property
    def model(self) -> SystemModel:
        return self.loaded.model

    def span(self, cuts: list[dt.date], sl: Slice) -> Span:
        """Which span between ``cuts`` holds the slice: memo keys for results that depend
        only on what those cuts cut (the slice itself when searching slice by slice)."""
        if self.per_slice:
            return ("", sl.index)
        return (sl.mode, epoch_index(cuts, sl.day))


def compile_model(loaded: LoadedModel, policy: LoadedPolicy, *, modes: Iterable[str],
                  at: dt.date | None = None, per_slice: bool = False,
                  progress: Progress | None = None) -> Compiled:
    """Slices, decision classes and the graph; ``progress(done, total)`` follows the Casbin
    decisions, account by account.

    Notes: decisions are compiled only for accounts someone outside a system's default
    boundary could use, and the graph only for what outsiders can reach (graph/compile.py).
    """
    model = loaded.model
    boundary = Boundary(model)
    people = {p.id: p for p in model.people}
    slices = build_slices(loaded, policy, list(modes), at)
    objects = {s.id: {OPEN: frozenset(x.id for x in s.screens),
                      UNMASK: frozenset(f.id for f in s.fields)} for s in model.systems}
    role_purposes = dict(model.casbin.role_purposes)
    decisions = Decisions(policy, objects, role_purposes)
    found = outsiders(model, boundary)
    graph = compile_graph(model, loaded.cite, policy.policy_display, decisions, slices,
                          relevant_accounts(model, boundary), progress, {p.id for p in found})
    return Compiled(
        loaded=loaded, policy=policy, at=at, per_slice=per_slice, boundary=boundary,
        slices=slices, decisions=decisions, graph=graph, people=people,
        accounts={a.id: a for a in model.accounts},
        terminals={t.id: t for t in model.terminals},
        orgs={o.id: o for o in model.organizations},
        fields={f.id: f for s in model.systems for f in s.fields},
        screens={x.id: x for s in model.systems for x in s.screens},
        role_purposes=role_purposes, outsiders=tuple(found))


def relevant_accounts(model: SystemModel, boundary: Boundary) -> set[str]:
    """Accounts someone outside a system's default boundary could use."""
    core = boundary.core
    people = {p.id: p for p in model.people}
    relevant: set[str] = set()
    for acc in model.accounts:
        users = [acc.holder, *acc.known_by]
        if any(people[u].org not in core[s] for u in users for s in acc.systems):
            relevant.add(acc.id)
    for term in model.terminals:
        relevant.update(term.logged_in)
    return relevant


def outsiders(model: SystemModel, boundary: Boundary) -> list[Person]:
    """People outside the default boundary of some system with non-public fields, by id."""
    core = boundary.core
    secret = [s.id for s in model.systems if boundary.non_public(s.id)]
    return sorted((p for p in model.people if any(p.org not in core[s] for s in secret)),
                  key=lambda p: p.id)
