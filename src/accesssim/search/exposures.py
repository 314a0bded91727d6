"""The search: every outsider, once per mode and span of time in which nothing they can reach
changes, filed by (person, field, span) under each root cause (set of defects) that gives it.

A person outside the boundary *can see* a field when (docs/architecture.md):
person -> account (holds / knows the credential / left logged in on the terminal)
-> terminal (assigned, or open at a location the person can be at) that reaches the system
-> menu screen the policy lets the account open -> transitions (checked: the policy must let
the account open the target; unchecked: nothing) -> a screen showing the field in clear
(masking ``clear``, or ``policy`` with an unmask allow). ``accesses.py`` finds the first part,
``walks.py`` the screen part; this module joins them per person and span.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from accesssim.graph.compile import Node, class_node
from accesssim.model.schema import Person
from accesssim.search.accesses import Access, AccessFinder
from accesssim.search.compiled import Compiled, Progress, Span
from accesssim.search.defects import Defect
from accesssim.search.spans import Relevance, spans
from accesssim.search.walks import FieldWalks, Walk, WalkFinder
from accesssim.time.slices import Slice

#: (rank, access, walk, slice): the best witness of a root cause, smallest rank first.
Witness = tuple[tuple[object, ...], Access, Walk, Slice]
#: (person, field, first slice, last slice) -> root cause -> its best witness in that span.
Found = dict[tuple[str, str, int, int], dict[frozenset[Defect], Witness]]
#: A search's inputs: accesses, the distinct ones, their walks, the person's trust span.
_Inputs = tuple[list[Access], list[Access], tuple[FieldWalks, ...], Span]
#: For one field: the index of each distinct access reaching it, and its walks to the field.
_FieldInputs = tuple[tuple[int, tuple[Walk, ...]], ...]


@dataclass(frozen=True)
class Search:
    """The compiled model and the memoised steps of the search over it."""

    compiled: Compiled
    relevance: Relevance
    accesses: AccessFinder
    walks: WalkFinder


def prepare(compiled: Compiled) -> Search:
    """The search's steps over one compiled model (nothing is searched yet)."""
    walks = WalkFinder(compiled)
    c = compiled
    relevance = Relevance(c.model, c.graph, c.decisions, c.slices, walks.walks_and_truncation,
                          c.boundary.core)
    walks.relevance = relevance
    return Search(compiled, relevance, AccessFinder(compiled, relevance), walks)


def find_exposures(search: Search, progress: Progress | None = None) -> Found:
    """Search every outsider, once per mode and span of time in which nothing they can
    reach changes (search/spans.py).

    Notes: costs the sum over outsiders of (spans x one search of that person), not
    slices x outsiders, and a span whose inputs are those of the span before costs only
    the look-up of those inputs; ``per_slice`` gives the straightforward slices x
    outsiders.
    """
    return _PersonSearch(search).run(progress)


class _PersonSearch:
    """One run of the search (its only state: which access lists were already reduced)."""

    def __init__(self, search: Search):
        self.s = search
        self.c = search.compiled
        self._distinct_memo: dict[int, list[Access]] = {}

    def run(self, progress: Progress | None) -> Found:
        found: Found = defaultdict(dict)
        outsiders = self.c.outsiders
        by_mode: dict[str, list[Slice]] = defaultdict(list)
        for sl in self.c.slices:
            by_mode[sl.mode].append(sl)
        days = {mode: [sl.day for sl in mode_slices] for mode, mode_slices in by_mode.items()}
        total = max(len(outsiders), 1)
        for done, person in enumerate(outsiders, start=1):
            if self.c.per_slice:
                for mode_slices in by_mode.values():
                    for sl in mode_slices:
                        self._search_person(person, sl, sl.index, found)
            else:
                cuts = self.s.relevance.person(person.id)
                for mode, mode_slices in by_mode.items():
                    self._search_spans(person, spans(mode_slices, days[mode], cuts), found)
            if progress and done % 20 == 0:
                progress(done, total)
        if progress:
            progress(total, total)
        return found

    def _search_spans(self, person: Person, person_spans: list[tuple[Slice, Slice]],
                      found: Found) -> None:
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
                self._record(person, sl, last.index, inputs[1], by_field, found, redo)
            before, accesses_before = now, inputs[0]

    def _field_inputs(self, person: Person, sl: Slice, inputs: _Inputs
                      ) -> dict[str, _FieldInputs]:
        """Per field the person is not trusted for: which distinct accesses reach it, and
        their walks to it (what ``_record`` reads for that field)."""
        result: dict[str, list[tuple[int, tuple[Walk, ...]]]] = {}
        hidden = self.c.boundary.answers(person, sl.mode, sl.day)
        for index, field_walks in enumerate(inputs[2]):
            for field_id, walks in field_walks.items():
                trusted = hidden.get(field_id)
                if trusted is None:
                    trusted = self.c.boundary.trusted(person, field_id, sl.mode, sl.day)
                    hidden[field_id] = trusted
                if not trusted:
                    result.setdefault(field_id, []).append((index, walks))
        return {field_id: tuple(found) for field_id, found in result.items()}

    def _inputs(self, person: Person, sl: Slice) -> _Inputs:
        """What one search of the person reads: the distinct accesses with their walks, and
        the span of the person's trust grants."""
        accesses = self.s.accesses.accesses(person.id, sl)
        distinct = self._distinct_memo.get(id(accesses))
        if distinct is None:
            seen: set[tuple[Node, str, frozenset[Defect]]] = set()
            distinct = []
            for access in accesses:
                cnode = class_node(self.c.graph, access.account, access.system)
                if cnode is None:
                    continue
                # Same class, same holder (whose trust decides display defects), same access
                # defects: the same exposures and root causes.
                key = (cnode, self.c.accounts[access.account].holder, access.defects)
                if key not in seen:
                    seen.add(key)
                    distinct.append(access)
            self._distinct_memo[id(accesses)] = distinct
        walks = tuple(self.s.walks.field_walks(access, sl) for access in distinct)
        return accesses, distinct, walks, self.c.span(self.s.relevance.trust(person.id), sl)

    def _search_person(self, person: Person, sl: Slice, last: int, found: Found) -> None:
        """Record every (person, field) exposure of the span from ``sl`` to slice ``last``
        under each root cause that gives it (searched in ``sl``, the same in the others)."""
        inputs = self._inputs(person, sl)
        self._record(person, sl, last, inputs[1], self._field_inputs(person, sl, inputs), found)

    def _record(self, person: Person, sl: Slice, last: int, distinct: list[Access],
                by_field: dict[str, _FieldInputs], found: Found,
                only: set[str] | None = None) -> None:
        """File each field's walks (``by_field``: ``_field_inputs``) under their root causes,
        keeping the best witness of each, for the fields in ``only`` (None: all)."""
        for field_id, field_inputs in by_field.items():
            if only is not None and field_id not in only:
                continue
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
