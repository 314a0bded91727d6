"""Which failure type a difference could cause. The engine's evidence first: a difference is
*exercised* when the path of some exposed person rests on the element (drift/evidence.py),
and then has the types of the defects citing it (of the exposure's whole root cause when only
its path does). Otherwise a small
rule table (docs/drift.md) names the types it could cause, *latent*: no path rests on it today.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from accesssim.drift.compare import Pair
from accesssim.drift.evidence import Resting
from accesssim.gate.exposures import Exposure
from accesssim.model.schema import (
    Account,
    FieldDisplay,
    Location,
    Person,
    SystemModel,
    Terminal,
    Transition,
)
from accesssim.policy.rules import UNMASK, PolicyLine
from accesssim.search.defects import FailureType

F = FailureType


def exercised(pair: Pair, resting: Resting
              ) -> tuple[tuple[FailureType, ...], tuple[str, ...], tuple[Exposure, ...]]:
    """The failure types and finding ids of the deployed exposures whose own paths rest on
    the deployed element (``evidence``), and those exposures. Its types are those of the
    defects citing it, or all of an exposure's root's when only its path does."""
    if pair.deployed is None:
        return (), (), ()
    lines = pair.deployed.lines
    types: set[FailureType] = set()
    ids: set[str] = set()
    hits = resting.on(pair.kind, pair.id, lines)
    for exposure, grounds in hits:
        by_defect = {d.type for d in grounds.defects if d.source in lines}
        types |= by_defect or {t for t, _ in exposure.root}
        ids.add(exposure.finding)
    return _ordered(types), tuple(sorted(ids)), tuple(e for e, _ in hits)


def _ordered(types: Iterable[FailureType]) -> tuple[FailureType, ...]:
    """In the paper's order (the enum's)."""
    chosen = set(types)
    return tuple(t for t in FailureType if t in chosen)


@dataclass(frozen=True)
class ModelIndex:
    """The deployed model's look-ups the rule table reads, built once per run (a pass over
    every person or terminal per difference was most of a utility-scale run)."""

    orgs: dict[str, str]
    places: dict[str, Location]
    at_location: dict[str, tuple[Terminal, ...]]
    assigned: dict[str, tuple[Terminal, ...]]
    #: Per location, the organisations of the people who can be there.
    present: dict[str, frozenset[str]]

    @classmethod
    def of(cls, model: SystemModel) -> ModelIndex:
        at: dict[str, list[Terminal]] = defaultdict(list)
        to: dict[str, list[Terminal]] = defaultdict(list)
        present: dict[str, set[str]] = defaultdict(set)
        for term in model.terminals:
            at[term.location].append(term)
            for p in term.assigned_to:
                to[p].append(term)
        for person in model.people:
            for loc in person.locations:
                present[loc].add(person.org)
        return cls({p.id: p.org for p in model.people}, {x.id: x for x in model.locations},
                   {k: tuple(v) for k, v in at.items()}, {k: tuple(v) for k, v in to.items()},
                   {k: frozenset(v) for k, v in present.items()})


def latent(pair: Pair, model: SystemModel, purposes: dict[str, str],
           index: ModelIndex | None = None) -> tuple[FailureType, ...]:
    """The rule table: the types an added or changed element could cause in ``model`` (the
    deployed one; ``index``: its look-ups). A removed element opens nothing by itself here."""
    if pair.deployed is None:
        return ()
    ix = index or ModelIndex.of(model)
    item = pair.deployed.item
    orgs = ix.orgs
    found: set[FailureType] = set()
    if isinstance(item, Terminal):
        found |= _terminal(item, ix)
    elif isinstance(item, Account):
        if any(orgs.get(p) != orgs.get(item.holder) for p in item.known_by):
            found.add(F.CREDENTIAL_MISUSE)
    elif isinstance(item, Location | Person):
        person = item if isinstance(item, Person) else None
        places = set(person.locations) if person else {item.id}
        for place in sorted(places):
            for term in ix.at_location.get(place, ()):
                if person is None or person.org != term.owner:
                    found |= _terminal(term, ix) & {F.TERMINAL_PLACEMENT}
        for term in ix.assigned.get(item.id, ()) if person else ():
            if person is not None and person.org != term.owner:
                found |= _terminal(term, ix) & {F.TERMINAL_MISDISTRIBUTION}
    elif isinstance(item, Transition) and not item.checked:
        found.add(F.UNCHECKED_TRANSITION)
    elif isinstance(item, FieldDisplay):
        found |= _display(item)
    elif isinstance(item, PolicyLine):
        if item.ptype.startswith("p") and UNMASK in item.values:
            found.add(F.MASKING_DEFECT)
        if any(purposes.get(v) == "disaster" for v in item.values):
            found.add(F.EMERGENCY_RIGHTS)
    return _ordered(found)


def _terminal(term: Terminal, ix: ModelIndex) -> set[FailureType]:
    """A terminal used by another organisation's staff: handed to them, or left usable where
    they can be (open, or a session left signed in)."""
    found: set[FailureType] = set()
    if term.purpose == "disaster-lending":
        found.add(F.DISASTER_LENDING)
    if term.purpose == "outage-workaround":
        found.add(F.OUTAGE_WORKAROUND)
    if any(ix.orgs.get(p) != term.owner for p in term.assigned_to):
        found.add(F.TERMINAL_MISDISTRIBUTION)
    if term.open or term.logged_in:
        place = ix.places.get(term.location)
        others = {o for o in (place.open_to if place else []) if o != term.owner}
        others |= ix.present.get(term.location, frozenset()) - {term.owner}
        if others:
            found.add(F.TERMINAL_PLACEMENT)
    return found


def _display(shown: FieldDisplay) -> set[FailureType]:
    if shown.masking == "masked":
        return set()
    if shown.purpose == "temporary-display":
        return {F.TEMPORARY_DISPLAY}
    if shown.purpose == "encoding-omission":
        return {F.ENCODING_OMISSION}
    return {F.MASKING_DEFECT}
