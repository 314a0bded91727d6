"""What each deployed exposure rests on: the exposed person's OWN paths, not a finding's one
witness. A finding groups every person its root cause exposes but shows one witness, drawn
for one of them; another person of the same finding reaches the field from their own person
element, accounts and locations, which that witness never names.

Every exposure of the search (``gate.exposures.from_found``) keeps, per span of its window,
the search's best witness for its root cause; this reads all of them. A path rests on the
elements its hops and defects cite (by file and line, or inventory row), and on the elements
it passes through: the person, the account, the terminal, the location the person can be at,
the system, the screens, the transitions, the field and the Casbin model that decides every
step (a person's ``locations`` or ``org``
are cited by no hop, yet the path starts there), and what leaves the person outside the
boundary: their organisation and the trust grants naming them and the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accesssim.drift.compare import CASBIN_MODEL, trust_key
from accesssim.findings.witness import access_hops, walk_hops
from accesssim.gate.exposures import Exposure
from accesssim.model.provenance import Source
from accesssim.search.defects import Defect
from accesssim.search.exposures import Search, Witness


@dataclass(frozen=True)
class Grounds:
    """What one exposure's paths rest on."""

    #: Every citation of every hop and defect of its witnesses.
    sources: frozenset[Source]
    #: The (kind, id) of every element its witnesses pass through, as ``drift`` keys them.
    elements: frozenset[tuple[str, str]]
    #: The defects of its witnesses (each with its own citation).
    defects: frozenset[Defect]


def path_elements(w: Witness) -> set[tuple[str, str]]:
    """The elements one witness passes through, keyed as ``drift.compare`` keys them."""
    _, access, walk, _ = w
    system = access.system
    found = {CASBIN_MODEL, ("person", access.person), ("account", access.account),
             ("terminal", access.terminal), ("system", system),
             ("screen", f"{system}:{walk.entry}"), ("field", f"{system}:{walk.field}")}
    if access.location is not None:
        found.add(("location", access.location))
    for tr in walk.transitions:
        found |= {("transition", f"{system}:{tr.key}"), ("screen", f"{system}:{tr.target}")}
    return found


class GroundsFinder:
    """Grounds of exposures of one search, each witness's hops built once."""

    def __init__(self, search: Search):
        self.search = search
        self._memo: dict[tuple[int, int, int], frozenset[Source]] = {}
        self._people = search.compiled.people
        self._trust = search.compiled.model.trust

    def _grants(self, person_id: str, field_id: str, system: str) -> set[tuple[str, str]]:
        """What puts the person outside the boundary for the field: their organisation (its
        ``works_for`` makes it the owner's contractor, its kind a grid company or not), and
        the trust grants naming the person (or their organisation) and the field, which do
        not trust the person here, or there would be no exposure."""
        org = self._people[person_id].org
        found = {("trust", trust_key(g)) for g in self._trust
                 if (org in g.orgs or person_id in g.people) and system in g.systems
                 and (g.fields is None or field_id in g.fields)}
        return found | {("organization", org)}

    def _sources(self, w: Witness) -> frozenset[Source]:
        _, access, walk, sl = w
        key = (id(access), id(walk), sl.index)
        cached = self._memo.get(key)
        if cached is None:
            hops = (*access_hops(self.search.compiled, access),
                    *walk_hops(self.search, access, walk, sl))
            cached = frozenset(s for hop in hops for s in hop.sources)
            self._memo[key] = cached
        return cached

    def grounds(self, exposures: Iterable[Exposure]) -> Grounds:
        """The union over the exposures' witnesses (one exposure, or every root cause and
        window of one person, field and mode)."""
        sources: set[Source] = set()
        elements: set[tuple[str, str]] = set()
        defects: set[Defect] = set()
        for exposure in exposures:
            if not exposure.witnesses:
                raise ValueError("drift needs exposures read with their witnesses")
            for _, w in exposure.witnesses:
                sources |= self._sources(w)
                elements |= path_elements(w)
                elements |= self._grants(exposure.person, exposure.field, w[1].system)
                defects |= w[1].defects | w[2].defects
        sources |= {d.source for d in defects}
        return Grounds(frozenset(sources), frozenset(elements), frozenset(defects))


class Resting:
    """Which exposures rest on an element: an index of their grounds by citation and by
    element, so that each difference costs its own lines, not a pass over every exposure."""

    def __init__(self, grounded: Iterable[tuple[Exposure, Grounds]]):
        self.grounded = list(grounded)
        self._by_source: dict[Source, set[int]] = {}
        self._by_element: dict[tuple[str, str], set[int]] = {}
        for i, (_, g) in enumerate(self.grounded):
            for s in g.sources:
                self._by_source.setdefault(s, set()).add(i)
            for element in g.elements:
                self._by_element.setdefault(element, set()).add(i)

    def on(self, kind: str, ident: str, lines: Iterable[Source]
           ) -> list[tuple[Exposure, Grounds]]:
        """The exposures whose paths cite one of ``lines`` or pass through the element."""
        if kind == "trust":  # a grant written twice: the same who and what
            ident = ident.split("#")[0]
        hit = set(self._by_element.get((kind, ident), ()))
        for s in lines:
            hit |= self._by_source.get(s, set())
        return [self.grounded[i] for i in sorted(hit)]
