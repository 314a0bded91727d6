"""Which failure type a difference could cause. The engine's evidence first: a difference is
*exercised* when the path of some exposed person rests on the element (drift/evidence.py),
and then has the types of the defects citing it (of the exposure's whole root cause when only
its path does). Otherwise a small
rule table (docs/drift.md) names the types it could cause, *latent*: no path rests on it today.
"""

from __future__ import annotations

from collections.abc import Iterable

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


def latent(pair: Pair, model: SystemModel, purposes: dict[str, str]) -> tuple[FailureType, ...]:
    """The rule table: the types an added or changed element could cause in ``model`` (the
    deployed one). A removed element opens nothing by itself here."""
    if pair.deployed is None:
        return ()
    item = pair.deployed.item
    orgs = {p.id: p.org for p in model.people}
    found: set[FailureType] = set()
    if isinstance(item, Terminal):
        found |= _terminal(item, model, orgs)
    elif isinstance(item, Account):
        if any(orgs.get(p) != orgs.get(item.holder) for p in item.known_by):
            found.add(F.CREDENTIAL_MISUSE)
    elif isinstance(item, Location | Person):
        places = {item.id} if isinstance(item, Location) else set(item.locations)
        for term in model.terminals:
            if isinstance(item, Person) and item.org == term.owner:
                continue
            if term.location in places:
                found |= _terminal(term, model, orgs) & {F.TERMINAL_PLACEMENT}
            if isinstance(item, Person) and item.id in term.assigned_to:
                found |= _terminal(term, model, orgs) & {F.TERMINAL_MISDISTRIBUTION}
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


def _terminal(term: Terminal, model: SystemModel, orgs: dict[str, str]) -> set[FailureType]:
    """A terminal used by another organisation's staff: handed to them, or left usable where
    they can be (open, or a session left signed in)."""
    found: set[FailureType] = set()
    if term.purpose == "disaster-lending":
        found.add(F.DISASTER_LENDING)
    if term.purpose == "outage-workaround":
        found.add(F.OUTAGE_WORKAROUND)
    if any(orgs.get(p) != term.owner for p in term.assigned_to):
        found.add(F.TERMINAL_MISDISTRIBUTION)
    if term.open or term.logged_in:
        place = next((loc for loc in model.locations if loc.id == term.location), None)
        others = {o for o in (place.open_to if place else []) if o != term.owner}
        others |= {p.org for p in model.people
                   if term.location in p.locations and p.org != term.owner}
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
