"""Search the access graph for paths from people outside the boundary to non-public fields.

A person outside the boundary *can see* a field when (docs/architecture.md):
person -> account (holds / knows the credential / left logged in on the terminal)
-> terminal (assigned, or open at a location the person can be at) that reaches the system
-> menu screen the policy lets the account open -> transitions (checked: the policy must let
the account open the target; unchecked: nothing) -> a screen showing the field in clear
(masking ``clear``, or ``policy`` with an unmask allow).

Paths are grouped by root cause: the set of defective elements on the path with the fewest
defects. Screen walks depend only on the account's decision class, so they are computed once
per class, side of the boundary of the account holder, and span of the dates that can change
them; each person is searched once per span of their own dates (search/spans.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import networkx as nx

from accesssim.findings.results import ExposedGroup, Finding, Hop, PathStep, Report, Window
from accesssim.graph.compile import Node, active_edges, class_node, compile_graph
from accesssim.model.loader import LoadedModel
from accesssim.model.provenance import Source
from accesssim.model.schema import Account, FieldDisplay, Person, Terminal, Transition
from accesssim.policy.decisions import OPEN, UNMASK, Decisions
from accesssim.policy.load import LoadedPolicy
from accesssim.policy.rules import PolicyLine
from accesssim.search.defects import Defect, FailureType
from accesssim.search.explain import Explanation, explain
from accesssim.search.spans import Relevance, spans
from accesssim.time.boundary import Boundary
from accesssim.time.epochs import Epoch, epoch_index, merge_epochs
from accesssim.time.slices import Slice, build_slices

Progress = Callable[[int, int], None]
#: The mode in which disaster-purpose elements serve their purpose (not a defect by themselves).
DISASTER = "disaster"


@dataclass(frozen=True)
class Access:
    """How a person gets an account onto a system through a terminal."""

    person: str
    account: str
    system: str
    terminal: str
    way: str  # holds | knows | logged-in
    location: str | None  # None when the terminal is assigned to the person
    defects: frozenset[Defect]
    at_sources: tuple[Source, ...] = ()  # why the person can be at the location

    @property
    def length(self) -> int:
        """Hops of the access part of a witness (for choosing the shortest)."""
        return 2 + (self.location is not None) + (self.way == "logged-in") + len(self.defects)


@dataclass(frozen=True)
class Walk:
    """From a menu screen over transitions to a screen that shows a field in clear."""

    field: str
    entry: str
    transitions: tuple[Transition, ...]
    screen: str
    display: FieldDisplay
    defects: frozenset[Defect]

    @property
    def length(self) -> int:
        return len(self.transitions) + 2


_Witness = tuple[tuple[object, ...], Access, Walk, Slice]
_Span = tuple[str, int]
_OrgTerminals = tuple[tuple[tuple[str, str, tuple[Source, ...]], ...], ...]
#: Bound on the minimal defect sets kept per screen in one walk search.
MAX_LABELS = 16


@dataclass
class _Root:
    exposures: set[tuple[str, str]] = field(default_factory=set)
    spans: set[tuple[int, int]] = field(default_factory=set)  # first and last slice index
    witness: _Witness | None = None


def _without_display_defects(walk: Walk) -> Walk:
    """The walk as seen by a holder trusted for its field: only path defects remain."""
    kept = frozenset(d for d in walk.defects
                     if not d.element.startswith(("display:", "unmask-role:")))  # field-bound
    return replace(walk, defects=kept)


#: (person, field, first slice, last slice) -> root cause -> its best witness in that span.
_Found = dict[tuple[str, str, int, int], dict[frozenset[Defect], _Witness]]
#: A search's inputs: accesses, the distinct ones, their walks, the person's trust span.
_Inputs = tuple[list[Access], list[Access], tuple[dict[str, tuple[Walk, ...]], ...], _Span]


#: For one field: the index of each distinct access reaching it, and its walks to the field.
_FieldInputs = tuple[tuple[int, tuple[Walk, ...]], ...]


def _minimal_roots(found: _Found) -> dict[frozenset[Defect], _Root]:
    """Group exposures by root cause, keeping for each exposure only its minimal roots.

    A root that strictly contains another root giving the same person the same field in the
    same slice adds nothing to fix (the smaller one must be fixed anyway), so it is dropped
    for that exposure; a root left with no exposure is no finding. (A span's slices all
    have the same roots, see search/spans.py.)
    """
    roots: dict[frozenset[Defect], _Root] = defaultdict(_Root)
    # Which roots of a set are minimal, by set of roots: many exposures share theirs.
    minimal: dict[tuple[frozenset[Defect], ...], tuple[bool, ...]] = {}
    for (person, field_id, first, last), by_root in found.items():
        keys = tuple(by_root)
        flags = minimal.get(keys)
        if flags is None:
            flags = minimal[keys] = tuple(not any(other < root for other in keys)
                                          for root in keys)
        for (root, witness), keep in zip(by_root.items(), flags, strict=True):
            if not keep:
                continue
            data = roots[root]
            data.exposures.add((person, field_id))
            data.spans.add((first, last))
            if data.witness is None or witness[0] < data.witness[0]:
                data.witness = witness
    return roots


class Analyzer:
    """Holds one compiled model; ``run`` and ``explain`` are its two questions."""

    def __init__(self, loaded: LoadedModel, policy: LoadedPolicy, *, modes: Iterable[str],
                 at: dt.date | None = None, per_slice: bool = False,
                 progress: Progress | None = None):
        """``per_slice``: search every person in every slice (the straightforward search,
        which tests compare against) instead of once per span of the person's own cuts;
        ``progress(done, total)`` follows the Casbin decisions, account by account."""
        self.loaded = loaded
        self.per_slice = per_slice
        self.model = loaded.model
        self.policy = policy
        self.at = at
        self.boundary = Boundary(self.model)
        self.people = {p.id: p for p in self.model.people}
        self.accounts = {a.id: a for a in self.model.accounts}
        self.terminals = {t.id: t for t in self.model.terminals}
        self.systems = {s.id: s for s in self.model.systems}
        self.orgs = {o.id: o for o in self.model.organizations}
        self.fields = {f.id: f for s in self.model.systems for f in s.fields}
        self.screens = {x.id: x for s in self.model.systems for x in s.screens}
        self.role_purposes = dict(self.model.casbin.role_purposes)
        self.slices = build_slices(loaded, policy, list(modes), at)
        objects = {s.id: {OPEN: frozenset(x.id for x in s.screens),
                          UNMASK: frozenset(f.id for f in s.fields)} for s in self.model.systems}
        self.decisions = Decisions(policy, objects, self.role_purposes)
        self.graph: nx.MultiDiGraph = compile_graph(
            self.model, loaded.display_path, policy.policy_display, self.decisions, self.slices,
            self._relevant_accounts(), progress, {p.id for p in self._outsiders()})
        self.relevance = Relevance(self.model, self.graph, self.decisions, self.slices,
                                   self._walks_and_truncation, self.boundary.core)
        self._walk_memo: dict[tuple[Node, bool, _Span],
                              tuple[dict[str, tuple[Walk, ...]], bool]] = {}
        self._field_walk_memo: dict[tuple[Node, str, str, _Span, _Span],
                                    dict[str, tuple[Walk, ...]]] = {}
        self._trusted_walk_memo: dict[tuple[Node, bool, _Span, frozenset[str]],
                                      dict[str, tuple[Walk, ...]]] = {}
        self.truncated = False
        self._account_memo: dict[tuple[str, str, str, str, _Span], frozenset[Defect]] = {}
        self._terminal_memo: dict[tuple[str, str, str, bool, _Span], Defect | None] = {}
        self._access_memo: dict[tuple[str, _Span], list[Access]] = {}
        self._last_accesses: dict[str, list[Access]] = {}
        self._distinct_memo: dict[int, list[Access]] = {}
        self._hosted_memo: dict[tuple[str, _Span], tuple[str, ...]] = {}
        self._last_walks: dict[tuple[Node, object], dict[str, tuple[Walk, ...]]] = {}
        self._org_memo: dict[tuple[str, _Span], _OrgTerminals] = {}
        self._open_memo: dict[tuple[Node, str, str, int], frozenset[Defect]] = {}

    # -- setup --------------------------------------------------------------------------------
    def _relevant_accounts(self) -> set[str]:
        """Accounts someone outside a system's default boundary could use."""
        core = self.boundary.core
        relevant: set[str] = set()
        for acc in self.model.accounts:
            users = [acc.holder, *acc.known_by]
            if any(self.people[u].org not in core[s] for u in users for s in acc.systems):
                relevant.add(acc.id)
        for term in self.model.terminals:
            relevant.update(term.logged_in)
        return relevant

    def _outsiders(self) -> list[Person]:
        core = self.boundary.core
        secret = [s.id for s in self.model.systems if self.boundary.non_public(s.id)]
        return sorted((p for p in self.model.people if any(p.org not in core[s] for s in secret)),
                      key=lambda p: p.id)

    def explain(self, person_id: str, field_id: str) -> Explanation:
        """Why (or why not) this person can see this field; see explain.py."""
        return explain(self, person_id, field_id)

    # -- the search ---------------------------------------------------------------------------
    def run(self, progress: Progress | None = None) -> Report:
        """Search every outsider, once per mode and span of time in which nothing they can
        reach changes (search/spans.py), and group what they see by root cause.

        Notes: costs the sum over outsiders of (spans x one search of that person), not
        slices x outsiders, and a span whose inputs are those of the span before costs only
        the look-up of those inputs; ``per_slice`` gives the straightforward slices x
        outsiders.
        """
        found: _Found = defaultdict(dict)
        outsiders = self._outsiders()
        by_mode: dict[str, list[Slice]] = defaultdict(list)
        for sl in self.slices:
            by_mode[sl.mode].append(sl)
        days = {mode: [sl.day for sl in mode_slices] for mode, mode_slices in by_mode.items()}
        total = max(len(outsiders), 1)
        for done, person in enumerate(outsiders, start=1):
            if self.per_slice:
                for mode_slices in by_mode.values():
                    for sl in mode_slices:
                        self._search_person(person, sl, sl.index, found)
            else:
                cuts = self.relevance.person(person.id)
                for mode, mode_slices in by_mode.items():
                    self._search_spans(person, spans(mode_slices, days[mode], cuts), found)
            if progress and done % 20 == 0:
                progress(done, total)
        if progress:
            progress(total, total)
        untrusted = self.boundary.untrusted_headcount()
        findings = sorted((self._finding(root, data, untrusted)
                           for root, data in _minimal_roots(found).items()),
                          key=lambda f: (-f.headcount, f.id))
        warnings = list(self.policy.warnings)
        if self.truncated:
            warnings.append(f"more than {MAX_LABELS} minimal defect sets reached one screen; "
                            "some root causes may be missing (exposures are complete)")
        return Report(
            model_name=self.model.name,
            model_file=self.loaded.display_path,
            casbin_model=self.policy.model_display,
            casbin_policy=self.policy.policy_display,
            modes=tuple(sorted({s.mode for s in self.slices})),
            at=self.at,
            findings=tuple(findings),
            untrusted_headcount=untrusted,
            slices=len(self.slices),
            enforce_calls=self.decisions.enforce_calls,
            warnings=tuple(warnings),
        )

    def _search_spans(self, person: Person, person_spans: list[tuple[Slice, Slice]],
                      found: _Found) -> None:
        """Search the person in each span (in time order), field by field: a field whose
        inputs are those of the span before (the same accesses, and for each the same walks
        to the field) extends that span's entry instead of being searched again."""
        accesses_before: object = None
        before: dict[str, tuple[_FieldInputs, int, int]] = {}
        for sl, last in person_spans:
            inputs = self._inputs(person, sl)
            now: dict[str, tuple[_FieldInputs, int, int]] = {}
            redo: set[str] = set()
            by_field = self._field_inputs(person, sl, inputs)
            for field_id, field_inputs in by_field.items():
                old = before.get(field_id) if inputs[0] is accesses_before else None
                if old is not None and old[0] == field_inputs:
                    _, first, end = old
                    found[(person.id, field_id, first, last.index)] = found.pop(
                        (person.id, field_id, first, end))
                    now[field_id] = (field_inputs, first, last.index)
                else:
                    redo.add(field_id)
                    now[field_id] = (field_inputs, sl.index, last.index)
            if redo:
                self._record(person, sl, last.index, inputs, found, redo, by_field)
            before, accesses_before = now, inputs[0]

    def _field_inputs(self, person: Person, sl: Slice, inputs: _Inputs
                      ) -> dict[str, _FieldInputs]:
        """Per field the person is not trusted for: which distinct accesses reach it, and
        their walks to it (what ``_record`` reads for that field)."""
        result: dict[str, list[tuple[int, tuple[Walk, ...]]]] = {}
        hidden = self.boundary.answers(person, sl.mode, sl.day)
        for index, field_walks in enumerate(inputs[2]):
            for field_id, walks in field_walks.items():
                trusted = hidden.get(field_id)
                if trusted is None:
                    trusted = self.boundary.trusted(person, field_id, sl.mode, sl.day)
                    hidden[field_id] = trusted
                if not trusted:
                    result.setdefault(field_id, []).append((index, walks))
        return {field_id: tuple(found) for field_id, found in result.items()}

    def _inputs(self, person: Person, sl: Slice) -> _Inputs:
        """What one search of the person reads: the distinct accesses with their walks, and
        the span of the person's trust grants."""
        accesses = self.accesses(person.id, sl)
        distinct = self._distinct_memo.get(id(accesses))
        if distinct is None:
            seen: set[tuple[Node, str, frozenset[Defect]]] = set()
            distinct = []
            for access in accesses:
                cnode = class_node(self.graph, access.account, access.system)
                if cnode is None:
                    continue
                # Same class, same holder (whose trust decides display defects), same access
                # defects: the same exposures and root causes.
                key = (cnode, self.accounts[access.account].holder, access.defects)
                if key not in seen:
                    seen.add(key)
                    distinct.append(access)
            self._distinct_memo[id(accesses)] = distinct
        walks = tuple(self.field_walks(access, sl) for access in distinct)
        return accesses, distinct, walks, self._span(self.relevance.trust(person.id), sl)

    def _search_person(self, person: Person, sl: Slice, last: int, found: _Found) -> None:
        """Record every (person, field) exposure of the span from ``sl`` to slice ``last``
        under each root cause that gives it (searched in ``sl``, the same in the others)."""
        self._record(person, sl, last, self._inputs(person, sl), found)

    def _record(self, person: Person, sl: Slice, last: int, inputs: _Inputs,
                found: _Found, only: set[str] | None = None,
                by_field: dict[str, _FieldInputs] | None = None) -> None:
        """``_search_person`` on its inputs, for the fields in ``only`` (None: all);
        ``by_field``, the span's ``_field_inputs``, lets it read only those fields."""
        _, distinct, all_walks, _ = inputs
        if only is not None and by_field is not None:
            # The same fields, accesses and walks in the same order as the loop below.
            for field_id, field_inputs in by_field.items():
                if field_id in only:
                    kept = found.setdefault((person.id, field_id, sl.index, last), {})
                    for index, walks in field_inputs:
                        access = distinct[index]
                        length, defects = access.length, access.defects
                        for walk in walks:
                            root = defects | walk.defects if defects else walk.defects
                            rank = (length + walk.length, person.id, field_id, access.terminal,
                                    access.account, sl.index)
                            current = kept.get(root)
                            if current is None or rank < current[0]:
                                kept[root] = (rank, access, walk, sl)
            return
        hidden = self.boundary.answers(person, sl.mode, sl.day)  # trusted: nothing to record
        for access, field_walks in zip(distinct, all_walks, strict=True):
            length, defects = access.length, access.defects
            for field_id, walks in field_walks.items():
                trusted = hidden.get(field_id)
                if trusted is None:
                    trusted = self.boundary.trusted(person, field_id, sl.mode, sl.day)
                    hidden[field_id] = trusted
                if trusted or (only is not None and field_id not in only):
                    continue
                found_key = (person.id, field_id, sl.index, last)
                roots = found.get(found_key)
                if roots is None:
                    roots = found[found_key] = {}
                for walk in walks:
                    root = defects | walk.defects if defects else walk.defects
                    rank = (length + walk.length, person.id, field_id, access.terminal,
                            access.account, sl.index)
                    current = roots.get(root)
                    if current is None or rank < current[0]:
                        roots[root] = (rank, access, walk, sl)

    def accesses(self, person_id: str, sl: Slice) -> list[Access]:
        """Every (account, terminal, system) the person can put together in this slice.

        Notes: memoised per person and span of ``Relevance.access`` (the cuts of what the
        person can use), across modes unless ``Relevance.access_modal``: the list returned is
        shared, do not change it.
        """
        key = (person_id, self._span(self.relevance.access(person_id), sl))
        if (not self.per_slice and len(self.relevance.by_mode) > 1
                and not self.relevance.access_modal(person_id)):
            key = (person_id, ("", key[1][1]))  # the same in every mode on that day
        cached = self._access_memo.get(key)
        if cached is None:
            cached = self._find_accesses(person_id, sl)
            # Equal to the person's previous list: the same object (``_search_spans``).
            previous = self._last_accesses.get(person_id)
            if previous == cached:
                cached = previous
            self._last_accesses[person_id] = cached
            self._access_memo[key] = cached
        return cached

    def _find_accesses(self, person_id: str, sl: Slice) -> list[Access]:
        G = self.graph
        person = self.people[person_id]
        if not person.active(sl.mode, sl.day):
            return []
        pnode = ("person", person_id)
        own: dict[str, str] = {}
        for relation in ("holds", "knows"):
            for acc_node, _ in active_edges(G, pnode, relation, sl):
                own.setdefault(acc_node[1], relation)
        reachable: dict[str, tuple[str | None, tuple[Source, ...]]] = {}
        for t_node, _ in active_edges(G, pnode, "assigned", sl):
            reachable[t_node[1]] = (None, ())
        for loc_node, data in active_edges(G, pnode, "can-be-at", sl):
            for term_id in self._hosted(loc_node[1], sl):
                reachable.setdefault(term_id, (loc_node[1], data["sources"]))
        # Open to the person's organization: one terminal of each group that gives the same
        # accesses, the first not already reached (assigned: it gives location None).
        for group in self._org_terminals(person.org, sl):
            for term_id, loc_id, sources in group:
                if term_id not in reachable:
                    reachable[term_id] = (loc_id, sources)
                    break
        result = []
        # Terminals that differ only by id give the same exposures; the first (smallest id)
        # also gives the smallest witness, so the others are skipped.
        seen: set[tuple[str, str, str, bool, frozenset[Defect]]] = set()
        for term_id in sorted(reachable):
            term = self.terminals[term_id]
            location, at_sources = reachable[term_id]
            # A session left open is a way in of its own, even for someone who also knows the
            # password: both are kept, and the minimal root cause wins later.
            usable = sorted([(a, way) for a, way in own.items()
                             if term.accounts == "any" or a in term.accounts]
                            + [(n[1], "logged-in") for n, _ in
                               active_edges(G, ("terminal", term_id), "logged-in", sl)])
            if not usable:
                continue
            for sys_node, _ in active_edges(G, ("terminal", term_id), "reaches", sl):
                system = sys_node[1]
                term_defect = self._terminal_defect(person, term, system, location, sl)
                for acc_id, way in usable:
                    acc = self.accounts[acc_id]
                    if system not in acc.systems or not acc.active(sl.mode, sl.day):
                        continue
                    defects = self._account_defects(person, acc, system, way, sl)
                    if term_defect is not None:
                        defects = defects | {term_defect}
                    elif way == "logged-in" and acc.holder != person_id and not (
                            self.boundary.inside(person_id, system, sl.mode, sl.day)):
                        defects = defects | {Defect(
                            FailureType.CREDENTIAL_MISUSE, f"session:{term_id}:{acc_id}",
                            f"session of {acc_id} left open on {term_id} for people outside "
                            "the boundary", Source(self.loaded.display_path, term.line))}
                    key = (system, acc_id, way, location is None, defects)
                    if key in seen:
                        continue
                    seen.add(key)
                    result.append(Access(person_id, acc_id, system, term_id, way, location,
                                         defects, at_sources))
        return result

    def _span(self, cuts: list[dt.date], sl: Slice) -> _Span:
        """Which span between ``cuts`` holds the slice: memo keys for results that depend
        only on what those cuts cut (the slice itself when searching slice by slice)."""
        if self.per_slice:
            return ("", sl.index)
        return (sl.mode, epoch_index(cuts, sl.day))

    def _located(self, loc_id: str, sl: Slice) -> bool:
        return bool(self.graph.nodes[("location", loc_id)]["element"].active(sl.mode, sl.day))

    def _hosted(self, loc_id: str, sl: Slice) -> tuple[str, ...]:
        """The open terminals at the location, if it exists (memoised per span)."""
        key = (loc_id, self._span(self.relevance.location_access(loc_id), sl))
        cached = self._hosted_memo.get(key)
        if cached is None:
            cached = tuple(t_node[1] for t_node, _ in
                           active_edges(self.graph, ("location", loc_id), "hosts", sl)
                           if self.terminals[t_node[1]].open) if self._located(loc_id, sl) else ()
            self._hosted_memo[key] = cached
        return cached

    def _org_terminals(self, org_id: str, sl: Slice) -> _OrgTerminals:
        """The open terminals at locations open to the organization, as (terminal, location,
        sources), grouped so that a person gets the same accesses from any terminal of a group
        that is not assigned to them; each group sorted by terminal.

        Notes: memoised per organization and span, so a person costs the number of groups,
        not of the organization's terminals.
        """
        key = (org_id, self._span(self.relevance.org_access(org_id), sl))
        cached = self._org_memo.get(key)
        if cached is None:
            groups: dict[object, list[tuple[str, str, tuple[Source, ...]]]] = {}
            for loc_node, data in active_edges(self.graph, ("org", org_id), "open-to", sl):
                for term_id in self._hosted(loc_node[1], sl):
                    groups.setdefault(self._fold(term_id, sl), []).append(
                        (term_id, loc_node[1], data["sources"]))
            cached = tuple(tuple(sorted(group)) for group in groups.values())
            self._org_memo[key] = cached
        return cached

    def _fold(self, term_id: str, sl: Slice) -> object:
        """What a terminal's accesses depend on besides its id and location: the systems it
        reaches and the accounts it accepts. A terminal that may carry a defect naming it (an
        insider's terminal, or one with sessions left open) is a group of its own."""
        term = self.terminals[term_id]
        if term.logged_in or any(term.owner in self.boundary.core[s] for s in term.systems):
            return term_id
        systems = tuple(n[1] for n, _ in
                        active_edges(self.graph, ("terminal", term_id), "reaches", sl))
        return ("fold", systems, "any" if term.accounts == "any" else frozenset(term.accounts))

    def _account_defects(self, person: Person, acc: Account, system: str, way: str,
                         sl: Slice) -> frozenset[Defect]:
        """What is wrong with this person using this account (memoised; hot path)."""
        # Reads the mode and the holder's trust, nothing else that changes with time.
        key = (person.id, acc.id, system, way, self._span(self.relevance.trust(acc.holder), sl))
        cached = self._account_memo.get(key)
        if cached is not None:
            return cached
        src = self.loaded.display_path
        acc_src = Source(src, acc.line)
        holder = self.people[acc.holder]
        defects: set[Defect] = set()
        if way == "knows":
            defects.add(Defect(FailureType.CREDENTIAL_MISUSE, f"credential:{acc.id}",
                               f"credential of {acc.id} ({holder.org}) known outside the "
                               "boundary", acc_src))
        if acc.issued_by and person.id != acc.holder and acc.issued_by != person.org:
            defects.add(Defect(FailureType.EXTERNAL_ACCOUNT, f"external-account:{acc.id}",
                               f"account {acc.id} issued by {acc.issued_by} to {holder.org} is "
                               "used by people outside the boundary", acc_src))
        if acc.purpose == "disaster" and sl.mode != DISASTER and not self.boundary.inside(
                acc.holder, system, sl.mode, sl.day):
            defects.add(Defect(FailureType.EMERGENCY_RIGHTS, f"account:{acc.id}",
                               f"disaster account {acc.id} usable in {sl.mode} mode", acc_src))
        if acc.purpose == "outage-workaround" and not self.boundary.inside(
                acc.holder, system, sl.mode, sl.day):
            defects.add(Defect(FailureType.OUTAGE_WORKAROUND, f"account:{acc.id}",
                               f"account {acc.id} set up during an outage is still usable",
                               acc_src))
        result = frozenset(defects)
        self._account_memo[key] = result
        return result

    def access_hops(self, access: Access) -> tuple[Hop, ...]:
        """The first part of a witness, in plain words (built only for witnesses)."""
        src = self.loaded.display_path
        person = self.people[access.person]
        acc = self.accounts[access.account]
        term = self.terminals[access.terminal]
        acc_src, term_src = Source(src, acc.line), Source(src, term.line)
        holder = self.people[acc.holder]
        by_element = {d.element.split(":")[0]: d.type for d in access.defects}
        hops: list[Hop] = []
        if access.way == "holds":
            hops.append(Hop(f"{_who(person)} holds account {acc.id}", (acc_src,)))
        elif access.way == "knows":
            text = (f"{_who(person)} knows the ID/password of account {acc.id}, "
                    f"held by {_who(holder)}")
            if holder.org in [f.org for f in person.former_orgs]:
                text += f" (learned while at {holder.org})"
            hops.append(Hop(text, (acc_src,), by_element.get("credential")))
        if "external-account" in by_element:
            hops.append(Hop(f"account {acc.id} was issued by {acc.issued_by} to {holder.org}",
                            (acc_src,), by_element["external-account"]))
        if "account" in by_element:
            meant = ("for disaster response only" if acc.purpose == "disaster"
                     else "as an outage workaround")
            hops.append(Hop(f"account {acc.id} was set up {meant}", (acc_src,),
                            by_element["account"]))
        term_type = by_element.get("terminal")
        if access.location is None:
            hops.append(Hop(f"terminal {term.id} (owned by {term.owner}) is assigned to "
                            f"{_who(person)}", (term_src,), term_type))
        else:
            hops.append(Hop(f"{_who(person)} can be at {access.location}", access.at_sources))
            hops.append(Hop(f"terminal {term.id} (owned by {term.owner}) stands at "
                            f"{access.location}, usable by anyone there", (term_src,), term_type))
        if access.way == "logged-in":
            hops.append(Hop(f"terminal {term.id} is left logged in as account {acc.id}",
                            (term_src,), by_element.get("session")))
        hops.append(Hop(f"terminal {term.id} reaches system {access.system} and accepts "
                        f"{acc.id}", (term_src,)))
        return tuple(hops)

    def _terminal_defect(self, person: Person, term: Terminal, system: str,
                         location: str | None, sl: Slice) -> Defect | None:
        """An insider's terminal in an outsider's hands: name the way it got there."""
        # Reads the mode and the person's trust, nothing else that changes with time.
        key = (person.id, term.id, system, location is None,
               self._span(self.relevance.trust(person.id), sl))
        if key not in self._terminal_memo:
            self._terminal_memo[key] = self._find_terminal_defect(person, term, system,
                                                                  location, sl)
        return self._terminal_memo[key]

    def _find_terminal_defect(self, person: Person, term: Terminal, system: str,
                              location: str | None, sl: Slice) -> Defect | None:
        if term.owner not in self.boundary.core[system]:
            return None
        if self.boundary.inside(person.id, system, sl.mode, sl.day):
            return None
        if term.purpose == "disaster-lending" and sl.mode == DISASTER:
            return None  # lent for exactly this; the boundary decides what may be seen
        if term.purpose == "disaster-lending":
            kind, what = FailureType.DISASTER_LENDING, "lent for disaster response, still usable"
        elif term.purpose == "outage-workaround":
            kind, what = FailureType.OUTAGE_WORKAROUND, "set up during an outage, still usable"
        elif location is None:
            kind = FailureType.TERMINAL_MISDISTRIBUTION
            what = "handed to people outside the boundary"
        else:
            kind = FailureType.TERMINAL_PLACEMENT
            what = "placed where people outside the boundary can use it"
        return Defect(kind, f"terminal:{term.id}", f"terminal {term.id} of {term.owner} {what}",
                      Source(self.loaded.display_path, term.line))

    # -- screen walks ------------------------------------------------------------------------
    def field_walks(self, access: Access, sl: Slice) -> dict[str, tuple[Walk, ...]]:
        """The walks of this access's account, as they count for its holder.

        Display and unmask defects exist only for fields the holder may not see: a holder
        trusted (by a grant) for some fields is not charged for seeing those.
        """
        cnode = class_node(self.graph, access.account, access.system)
        if cnode is None:
            return {}
        holder = self.people[self.accounts[access.account].holder]
        # Holders the boundary cannot tell apart (same organization, no grant naming them)
        # share the result.
        org, named, cuts = self.boundary.who(holder)
        key = (cnode, org, named, self._span(self.relevance.raw_class(cnode), sl),
               self._span(cuts, sl))
        cached = self._field_walk_memo.get(key)
        if cached is not None:
            return cached
        outside = not self.boundary.inside(holder.id, access.system, sl.mode, sl.day)
        walks = self.walks(cnode, outside, sl)
        trusted = frozenset(field_id for field_id in walks if outside and self.boundary.trusted(
            holder, field_id, sl.mode, sl.day))
        # Most holders are trusted for no field: they share the walks as they are.
        shared = (cnode, outside, self._span(self.relevance.raw_class(cnode), sl), trusted)
        result = self._trusted_walk_memo.get(shared)
        if result is None:
            result = {field_id: (tuple(_without_display_defects(w) for w in found)
                                 if field_id in trusted else found)
                      for field_id, found in walks.items()} if trusted else walks
            if trusted:  # the previous span's walks where equal, as in ``walks``
                previous = self._last_walks.get((cnode, trusted), {})
                result = {field_id: previous[field_id] if previous.get(field_id) == found
                          else found for field_id, found in result.items()}
                self._last_walks[(cnode, trusted)] = result
            self._trusted_walk_memo[shared] = result
        self._field_walk_memo[key] = result
        return result

    def walks(self, cnode: Node, outside: bool, sl: Slice) -> dict[str, tuple[Walk, ...]]:
        """Every minimal way the class sees each non-public field in clear.

        A label-setting search over screens: each screen keeps the defect sets of the walks
        that reach it, minus any set that contains another (a superset adds nothing to fix).
        For each field the result is that antichain of defect sets, each with its shortest
        walk, fewest defects first. Independent root causes (a masking gap on one screen and an
        unchecked transition to another) are therefore all reported, not only the cheapest.

        Notes: at most ``MAX_LABELS`` sets are kept per screen; when that bound cuts, the
        report carries a warning.
        """
        walks, truncated = self._walks_and_truncation(cnode, outside, sl)
        self.truncated |= truncated
        return walks

    def _walks_and_truncation(self, cnode: Node, outside: bool, sl: Slice
                              ) -> tuple[dict[str, tuple[Walk, ...]], bool]:
        """``walks``, memoised, and whether ``MAX_LABELS`` cut it (without reporting it)."""
        key = (cnode, outside, self._span(self.relevance.raw_class(cnode), sl))
        if key in self._walk_memo:
            return self._walk_memo[key]
        truncated = False
        G = self.graph
        opens = {n[1] for n, _ in active_edges(G, cnode, OPEN, sl)}
        unmasks = {n[1] for n, _ in active_edges(G, cnode, UNMASK, sl)}
        Label = tuple[int, int, str, int, str, tuple[Transition, ...], frozenset[Defect]]
        heap: list[Label] = []
        counter = 0
        for screen_id in sorted(opens):
            screen = self.screens[screen_id]
            if screen.menu and screen.active(sl.mode, sl.day):
                d = self._open_defects(cnode, screen_id, OPEN, outside, sl)
                heap.append((len(d), 0, screen_id, counter, screen_id, (), d))
                counter += 1
        heapq.heapify(heap)
        kept: dict[str, list[tuple[str, tuple[Transition, ...], frozenset[Defect]]]] = {}
        while heap:
            _, hops, screen_id, _, entry, path, defects = heapq.heappop(heap)
            labels = kept.setdefault(screen_id, [])
            if any(d <= defects for _, _, d in labels):
                continue
            if len(labels) >= MAX_LABELS:
                truncated = True
                continue
            labels.append((entry, path, defects))
            for target, data in active_edges(G, ("screen", screen_id), "transition", sl):
                if not self.screens[target[1]].active(sl.mode, sl.day):
                    continue
                tr: Transition = data["transition"]
                if target[1] in opens:
                    step = self._open_defects(cnode, target[1], OPEN, outside, sl)
                elif not tr.checked:
                    step = frozenset({self._transition_defect(cnode[1].system, tr)})
                else:
                    continue
                total = defects | step
                if any(d <= total for _, _, d in kept.get(target[1], ())):
                    continue
                counter += 1
                heapq.heappush(heap, (len(total), hops + 1, target[1], counter, entry,
                                      (*path, tr), total))
        candidates: dict[str, list[tuple[tuple[int, int, str, int], Walk]]] = defaultdict(list)
        for screen_id in sorted(kept):
            for index, (entry, path, defects) in enumerate(kept[screen_id]):
                for field_node, data in active_edges(G, ("screen", screen_id), "shows", sl):
                    field_id = field_node[1]
                    if self.fields[field_id].data_class != "non-public":
                        continue
                    display: FieldDisplay = data["display"]
                    if display.masking == "masked":
                        continue
                    if display.masking == "policy":
                        if field_id not in unmasks:
                            continue
                        shown = self._open_defects(cnode, field_id, UNMASK, outside, sl)
                    elif outside and screen_id in opens:
                        # The policy means this account to be here, so the screen had to mask.
                        shown = frozenset({self._display_defect(screen_id, display)})
                    else:
                        shown = frozenset()
                    walk = Walk(field_id, entry, path, screen_id, display, defects | shown)
                    rank = (len(walk.defects), walk.length, screen_id, index)
                    candidates[field_id].append((rank, walk))
        walks: dict[str, tuple[Walk, ...]] = {}
        # The previous span's walks where they are equal: the search then compares spans by
        # identity (``_search_spans``).
        previous = self._last_walks.get((cnode, outside), {})
        for field_id in sorted(candidates):
            chosen: list[Walk] = []
            for _, walk in sorted(candidates[field_id], key=lambda item: item[0]):
                if not any(c.defects <= walk.defects for c in chosen):
                    chosen.append(walk)
            same = previous.get(field_id)
            walks[field_id] = same if same == tuple(chosen) else tuple(chosen)
        self._last_walks[(cnode, outside)] = walks
        self._walk_memo[key] = (walks, truncated)
        return walks, truncated

    def _grounds_rule(self, cnode: Node, obj: str, act: str, sl: Slice
                      ) -> tuple[PolicyLine | None, tuple[str, ...]]:
        cls = cnode[1]
        rep = self.decisions.representative(cls)
        grounds = self.decisions.grounds(rep, cls.system, obj, act, sl.mode, sl.day)
        if grounds is None:
            return None, ()
        sub = grounds.rule.get("sub", self.policy.p_tokens) or ""
        return grounds.rule, (*grounds.roles, sub)

    def _open_defects(self, cnode: Node, obj: str, act: str, outside: bool, sl: Slice
                      ) -> frozenset[Defect]:
        """Defects an allow itself carries: emergency rights, or unmasking for outsiders."""
        if not outside:
            return frozenset()
        key = (cnode, obj, act, sl.index)
        if key not in self._open_memo:
            rule, roles = self._grounds_rule(cnode, obj, act, sl)
            flagged = sorted(r for r in roles if self.role_purposes.get(r) == "disaster"
                             and sl.mode != DISASTER)
            workaround = sorted(r for r in roles
                                if self.role_purposes.get(r) == "outage-workaround")
            system = cnode[1].system
            source = Source(self.policy.policy_display, rule.line if rule else 0)
            subject = roles[-1] if roles else "?"
            defects: set[Defect] = set()
            # Keyed by role, not rule line: the fix is per role (gate it, or take it away).
            if flagged:
                defects.add(Defect(FailureType.EMERGENCY_RIGHTS,
                                   f"disaster-role:{system}:{flagged[0]}",
                                   f"disaster role {flagged[0]} has rights outside disaster mode "
                                   f"(e.g. {act} {obj})", source))
            elif workaround:
                defects.add(Defect(FailureType.OUTAGE_WORKAROUND,
                                   f"outage-role:{system}:{workaround[0]}",
                                   f"outage workaround role {workaround[0]} still grants rights "
                                   f"(e.g. {act} {obj})", source))
            elif act == UNMASK:
                defects.add(Defect(FailureType.MASKING_DEFECT, f"unmask-role:{system}:{subject}",
                                   f"policy lets {subject} unmask non-public fields for accounts "
                                   f"outside the boundary (e.g. {obj})", source))
            self._open_memo[key] = frozenset(defects)
        return self._open_memo[key]

    def _transition_defect(self, system: str, tr: Transition) -> Defect:
        return Defect(FailureType.UNCHECKED_TRANSITION, f"transition:{system}:{tr.key}",
                      f"transition {tr.source} -> {tr.target} does not check access to "
                      f"{tr.target}", Source(self.loaded.display_path, tr.line))

    def _display_defect(self, screen: str, display: FieldDisplay) -> Defect:
        kind = {"temporary-display": FailureType.TEMPORARY_DISPLAY,
                "encoding-omission": FailureType.ENCODING_OMISSION}.get(
                    display.purpose or "", FailureType.MASKING_DEFECT)
        return Defect(kind, f"display:{screen}:{kind.value}",
                      f"screen {screen} shows non-public data in clear to everyone on it",
                      Source(self.loaded.display_path, self.screens[screen].line))

    # -- rendering ----------------------------------------------------------------------------
    def walk_hops(self, access: Access, walk: Walk, sl: Slice) -> tuple[Hop, ...]:
        """The screen part of a witness, in plain words, for this very account."""
        acc, system, src = access.account, access.system, self.loaded.display_path
        pol = self.policy.policy_display
        hops: list[Hop] = []
        links = self.decisions.direct_links(acc, system)
        if links:
            roles = ", ".join(sorted({g.values[1] for g in links}))
            hops.append(Hop(f"account {acc} has role {roles} on {system}",
                            tuple(Source(pol, g.line) for g in links)))
        cnode = class_node(self.graph, acc, system)
        assert cnode is not None
        outside = not self.boundary.inside(self.accounts[acc].holder, system, sl.mode, sl.day)

        def allow_hop(obj: str, act: str, text: str, extra: tuple[Source, ...] = ()) -> Hop:
            defects = sorted(d.type for d in self._open_defects(cnode, obj, act, outside, sl)
                             if d in walk.defects)
            return self._allow_hop(acc, system, obj, act, text, sl, extra,
                                   defects[0] if defects else None)

        hops.append(allow_hop(walk.entry, OPEN, f"policy lets {acc} open menu screen {walk.entry}"))
        for tr in walk.transitions:
            tr_src = Source(src, tr.line)
            if self.decisions.allowed(self.decisions.class_of(acc, system), tr.target, OPEN,
                                      sl.mode, sl.day):
                hops.append(allow_hop(
                    tr.target, OPEN,
                    f"{tr.source} -> {tr.target} ({'checked' if tr.checked else 'unchecked'}); "
                    f"policy lets {acc} open {tr.target}", (tr_src,)))
            else:
                hops.append(Hop(f"{tr.source} -> {tr.target} is not checked, though the policy "
                                f"does not let {acc} open {tr.target}", (tr_src,),
                                FailureType.UNCHECKED_TRANSITION))
        disp_src = Source(src, walk.display.line)
        field_name = self.fields[walk.field].name or walk.field
        if walk.display.masking == "policy":
            hops.append(allow_hop(
                walk.field, UNMASK,
                f"{walk.screen} shows {walk.field} ({field_name}) masked unless allowed; "
                f"policy unmasks it for {acc}", (disp_src,)))
        else:
            defect = next((d.type for d in walk.defects if d.element.startswith("display:")), None)
            hops.append(Hop(f"{walk.screen} shows {walk.field} ({field_name}) in clear",
                            (disp_src,), defect))
        return tuple(hops)

    def _allow_hop(self, acc: str, system: str, obj: str, act: str, text: str, sl: Slice,
                   extra: tuple[Source, ...], defect: FailureType | None) -> Hop:
        """A hop resting on an allow: cite the g chain and the rule that grant it (or the
        matcher, when no single rule explains it)."""
        grounds = self.decisions.grounds(acc, system, obj, act, sl.mode, sl.day)
        if grounds is None:
            return Hop(text, (*extra, Source(self.policy.model_display, self.policy.matcher_line)),
                       defect)
        return Hop(text, (*extra, *grounds.sources(self.policy.policy_display)), defect)

    def _finding(self, root: frozenset[Defect], data: _Root, untrusted: int) -> Finding:
        assert data.witness is not None
        _, access, walk, sl = data.witness
        people = sorted({p for p, _ in data.exposures})
        groups = tuple(ExposedGroup(p, self.people[p].name or p, self.people[p].org,
                                    self.people[p].headcount) for p in people)
        headcount = sum(g.headcount for g in groups)
        defects = tuple(sorted(root))
        order = list(FailureType)
        types = tuple(sorted({d.type for d in defects}, key=order.index))
        digest = hashlib.sha256(
            "\n".join(f"{d.type.value} {d.element}" for d in defects).encode()).hexdigest()
        by_mode: dict[str, list[Epoch]] = defaultdict(list)
        for first, last in data.spans:
            by_mode[self.slices[first].mode].append(
                Epoch(self.slices[first].epoch.start, self.slices[last].epoch.end))
        windows = tuple(Window(mode, e.start, e.end) for mode in sorted(by_mode)
                        for e in merge_epochs(by_mode[mode]))
        return Finding(
            id=f"ASIM-{digest[:10]}",
            failure_types=types,
            defects=defects,
            people=groups,
            fields=tuple(sorted({f for _, f in data.exposures})),
            headcount=headcount,
            share=headcount / untrusted if untrusted else 0.0,
            witness=(*self.access_hops(access), *self.walk_hops(access, walk, sl)),
            windows=windows,
            path=witness_path(access, walk),
            exposures=tuple(sorted(data.exposures)),
        )


def witness_path(access: Access, walk: Walk) -> tuple[PathStep, ...]:
    """The entities of a witness, for pictures: person, account, terminal, screens, field."""

    def kind_of(defects: frozenset[Defect], *prefixes: str) -> FailureType | None:
        found = sorted(d.type for d in defects if d.element.startswith(prefixes))
        return found[0] if found else None

    steps = [
        PathStep(f"person:{access.person}"),
        PathStep(f"account:{access.account}",
                 kind_of(access.defects, "credential:", "external-account:", "account:")),
        PathStep(f"terminal:{access.terminal}",
                 kind_of(access.defects, "terminal:", "session:")),
        PathStep(f"system:{access.system}"),
        PathStep(f"screen:{walk.entry}", kind_of(walk.defects, "disaster-role:", "outage-role:")
                 if not walk.transitions else None),
    ]
    for tr in walk.transitions:
        transition_defect = kind_of(walk.defects, f"transition:{access.system}:{tr.key}")
        steps.append(PathStep(f"screen:{tr.target}", transition_defect))
    steps.append(PathStep(f"field:{walk.field}", kind_of(
        walk.defects, "display:", "unmask-role:", "disaster-role:", "outage-role:")))
    return tuple(steps)


def _who(person: Person) -> str:
    count = f", {person.headcount} people" if person.headcount > 1 else ""
    return f"{person.id} ({person.org}{count})"
