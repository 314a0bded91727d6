"""What a change opened: for each exposure identity the diff calls new or widened and that
lets its person see its field on a (mode, day) they did not before, the witness path in HEAD
and the changed lines on it (the lines a reviewer must look at).

The witness is the search's own best witness of that exposure, taken from a span that holds a
day the person did not see the field on before (any root cause), else a (mode, day) this
identity gained: a path that existed before explains nothing. Among those, one that cites a
changed line wins.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from accesssim.findings.results import Hop
from accesssim.findings.witness import access_hops, walk_hops
from accesssim.gate.diff import Change, Diff, Fact
from accesssim.gate.exposures import Exposure
from accesssim.gate.result import Opened
from accesssim.model.provenance import Source
from accesssim.search.defects import FailureType
from accesssim.search.exposures import Search, Witness
from accesssim.time.epochs import Epoch
from accesssim.time.slices import Slice


def opened(search: Search, diff: Diff, head: Iterable[Exposure],
           changed: frozenset[Source]) -> tuple[Opened, ...]:
    """One Opened per new or widened exposure identity that lets its person see its field
    on a (mode, day) they did not see it on before, sorted by fingerprint.

    An identity new only by its root cause (the field was already seen then, another way)
    opens nothing: the gate fails if, and only if, someone sees something they could not
    see before. Its ``gained`` is what it really gained, so the Opened's gains together are
    exactly the diff's widening. ``search``: HEAD's search, whose exposures ``head`` are;
    ``changed``: HEAD's lines that differ from the base (``gate.base.changed_lines``).
    """
    widened_by: dict[tuple[str, str], list[Fact]] = {}
    for fact in diff.widened:
        widened_by.setdefault((fact.person, fact.field), []).append(fact)
    # Only an identity whose person sees its field on a new day can open anything.
    by_fingerprint: dict[str, list[Exposure]] = {}
    for e in head:
        if (e.person, e.field) in widened_by:
            by_fingerprint.setdefault(e.fingerprint, []).append(e)
    result = []
    for change in diff.exposures:
        if change.status not in ("new", "widened") or change.id not in by_fingerprint:
            continue
        head_exposures = by_fingerprint[change.id]
        person, field_id = head_exposures[0].person, head_exposures[0].field
        widened = widened_by[(person, field_id)]
        gained = _intersection(change.gained, widened)
        if gained:
            result.append(_opened(search, change, head_exposures, changed, gained))
    return tuple(sorted(result, key=lambda o: o.fingerprint))


def _intersection(a: Iterable[Fact], b: Iterable[Fact]) -> tuple[Fact, ...]:
    """The days both hold, per person, field and mode (None: an open end)."""
    result = []
    for x in a:
        for y in b:
            if (x.person, x.field, x.mode) != (y.person, y.field, y.mode):
                continue
            start = y.start if x.start is None else x.start if y.start is None else max(
                x.start, y.start)
            end = y.end if x.end is None else x.end if y.end is None else min(x.end, y.end)
            if start is None or end is None or start <= end:
                result.append(Fact(x.person, x.field, x.mode, start, end))
    return tuple(sorted(set(result), key=lambda f: (
        f.person, f.field, f.mode, f.start or dt.date.min)))


def _opened(search: Search, change: Change, exposures: list[Exposure],
            changed: frozenset[Source], gained: tuple[Fact, ...]) -> Opened:
    assert change.status in ("new", "widened")
    first = exposures[0]
    person = search.compiled.people[first.person]
    hops = _witness_hops(search, _candidates(search, exposures, (gained, change.gained)),
                         changed)
    order = list(FailureType)
    return Opened(
        fingerprint=change.id,
        status=change.status,
        person=first.person,
        person_name=person.name or person.id,
        org=person.org,
        headcount=person.headcount,
        field=first.field,
        finding=first.finding,
        failure_types=tuple(sorted({t for t, _ in first.root}, key=order.index)),
        gained=gained,
        hops=hops,
        changed=tuple(sorted({s for hop in hops for s in hop.sources if s in changed})),
    )


def _candidates(search: Search, exposures: list[Exposure],
                tiers: tuple[tuple[Fact, ...], ...]) -> list[tuple[Witness, Slice]]:
    """The witnesses of the exposure's spans that hold a fact of the first tier that any
    span holds, best first (all its witnesses when none does), each with the slice to phrase
    it in: one on a day of that fact.

    A span's witness is a path on every day of the span, but the rule that allows a step can
    change inside it (an old rule's last day, a new rule's first): phrased on a gained day,
    the hops cite the rules that hold on that day, the new ones.
    """
    spans = [(e.mode, span, w) for e in exposures for span, w in e.witnesses]
    for facts in tiers:
        holding = [(w, _slice_on(search, w[3], span, fact)) for mode, span, w in spans
                   for fact in facts if fact.mode == mode
                   and _overlap(span, Epoch(fact.start, fact.end))]
        if holding:
            return sorted(holding, key=lambda item: item[0][0])
    return [(w, w[3]) for _, _, w in sorted(spans, key=lambda item: item[2][0])]


def _slice_on(search: Search, own: Slice, span: Epoch, fact: Fact) -> Slice:
    """The slice of the span (its own if it can) holding a day of the fact, that day its day."""
    window = Epoch(fact.start, fact.end)
    if span.contains(own.day) and window.contains(own.day):
        return own
    starts = [d for d in (span.start, fact.start) if d is not None]
    ends = [d for d in (span.end, fact.end) if d is not None]
    day = max(starts) if starts else min(ends) if ends else own.day
    for sl in search.compiled.slices:
        if sl.mode == own.mode and sl.epoch.contains(day):
            return dataclasses.replace(sl, day=day)
    return own


def _overlap(a: Epoch, b: Epoch) -> bool:
    return ((a.start is None or b.end is None or a.start <= b.end)
            and (b.start is None or a.end is None or b.start <= a.end))


#: How many witnesses to phrase looking for one that cites a changed line.
_TRIES = 8


def _witness_hops(search: Search, witnesses: list[tuple[Witness, Slice]],
                  changed: frozenset[Source]) -> tuple[Hop, ...]:
    """The hops of the first witness citing a changed line among the best few, else the
    best one's."""
    assert witnesses, "every exposure of a search has a witness"
    best: tuple[Hop, ...] = ()
    for (_, access, walk, _), sl in witnesses[:_TRIES]:
        hops = (*access_hops(search.compiled, access), *walk_hops(search, access, walk, sl))
        if not best:
            best = hops
        if any(s in changed for hop in hops for s in hop.sources):
            return hops
    return best
