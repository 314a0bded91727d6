"""Exposures: who can see which field, in which mode and dates, through which root cause.

The unit the gate compares. One analysis's search (``search.exposures.Found``: per person,
field and span of slices, each root cause that gives it) is read with the same minimal-root
rule as the report (``findings.roots.minimal_entries``), and each exposure keeps its OWN
windows (a finding's windows are the union over all its people and fields, too coarse to
tell that one field gained a date). Nothing is re-derived: the facts are the engine's own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from accesssim.engine import Analyzer
from accesssim.findings.report import finding_id
from accesssim.findings.roots import minimal_entries
from accesssim.search.defects import Defect, FailureType
from accesssim.search.exposures import Found, Search, Witness, find_exposures
from accesssim.time.epochs import Epoch
from accesssim.time.slices import Slice

#: A root cause as plain data: its defects' (failure type, element), sorted.
RootKey = tuple[tuple[FailureType, str], ...]


@dataclass(frozen=True)
class Exposure:
    """One person group sees one field in one mode over one inclusive date window (None: an
    open end) through one minimal root cause."""

    person: str
    field: str
    mode: str
    start: dt.date | None
    end: dt.date | None
    root: RootKey
    #: Each span of the window with the search's best witness in it (not part of equality:
    #: the witness is how, the fields above are what). Empty for hand-made exposures.
    witnesses: tuple[tuple[Epoch, Witness], ...] = dataclasses.field(
        default=(), compare=False, repr=False)

    @property
    def finding(self) -> str:
        """The id of the report's finding this exposure belongs to (same root, same id)."""
        return finding_id(self.root)

    @property
    def fingerprint(self) -> str:
        """Stable identity: person, field and root elements; not mode or dates (what a change
        widens or narrows), not line numbers or order (what an unrelated edit moves)."""
        return fingerprint(self.person, self.field, self.root)


def fingerprint(person: str, field_id: str, root: RootKey) -> str:
    """The fingerprint of an exposure identity (see ``Exposure.fingerprint``)."""
    text = "\n".join([person, field_id, *(f"{t.value} {e}" for t, e in sorted(root))])
    return "EXP-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def sort_key(e: Exposure) -> tuple[object, ...]:
    """Person, field, mode, root, then dates (an open start first): a total order although
    dates may be None."""
    return (e.person, e.field, e.mode, e.root, e.start or dt.date.min, e.end or dt.date.max)


def exposures(analyzer: Analyzer) -> tuple[Exposure, ...]:
    """Every exposure of the analyzer's model (one search, as ``Analyzer.run`` does)."""
    return from_found(analyzer.search, find_exposures(analyzer.search))


def from_found(search: Search, found: Found, *, witnesses: bool = True
               ) -> tuple[Exposure, ...]:
    """The exposures of one search's ``Found``, windows merged per (person, field, mode, root).

    A span's slices are consecutive epochs of one mode, so the span covers exactly the days
    from its first slice's start to its last slice's end (as the report's windows do). One
    pass over ``found``: each span's days as day ordinals, merged per key (as
    ``merge_epochs`` would), each window keeping its spans' witnesses best first (none when
    not ``witnesses``: a base's exposures are compared, never explained).
    """
    return from_slices(search.compiled.slices, found, witnesses=witnesses)


def from_slices(slices: Sequence[Slice], found: Found, *, witnesses: bool = True
                ) -> tuple[Exposure, ...]:
    """``from_found`` given only the search's slices (the rest of it may be gone)."""
    keys: dict[frozenset[Defect], RootKey] = {}
    days: dict[tuple[int, int], _Span] = {}
    spread: dict[tuple[str, str, str, RootKey], list[tuple[_Span, Witness]]] = defaultdict(list)
    for (person, field_id, first, last), root, witness in minimal_entries(found):
        key = keys.get(root)
        if key is None:
            key = keys[root] = tuple(sorted((d.type, d.element) for d in root))
        span = days.get((first, last))
        if span is None:
            epoch = Epoch(slices[first].epoch.start, slices[last].epoch.end)
            span = days[(first, last)] = (epoch, _ordinal(epoch.start, _MIN),
                                          _ordinal(epoch.end, _MAX))
        spread[(person, field_id, slices[first].mode, key)].append((span, witness))
    result = [Exposure(person, field_id, mode, _day(start, _MIN), _day(end, _MAX), key, inside)
              for (person, field_id, mode, key), spans in spread.items()
              for start, end, inside in _windows(spans, witnesses)]
    return tuple(sorted(result, key=sort_key))


#: A span of slices: its days as an epoch, and as first and last day ordinals.
_Span = tuple[Epoch, int, int]
_MIN, _MAX = dt.date.min.toordinal(), dt.date.max.toordinal()


def _windows(spans: list[tuple[_Span, Witness]], witnesses: bool
             ) -> list[tuple[int, int, tuple[tuple[Epoch, Witness], ...]]]:
    """Adjacent or overlapping spans joined into windows (first and last day ordinals), each
    with its spans and their witnesses, best witness first (ties: in ``spans``' order)."""
    windows: list[tuple[int, int, list[int]]] = []
    for i in sorted(range(len(spans)), key=lambda i: spans[i][0][1]):
        start, end = spans[i][0][1], spans[i][0][2]
        if windows and start <= windows[-1][1] + 1:
            w_start, w_end, members = windows[-1]
            members.append(i)
            windows[-1] = (w_start, max(w_end, end), members)
        else:
            windows.append((start, end, [i]))
    if not witnesses:
        return [(start, end, ()) for start, end, _ in windows]
    return [(start, end, tuple(sorted(((spans[i][0][0], spans[i][1]) for i in sorted(members)),
                                      key=lambda item: item[1][0])))
            for start, end, members in windows]


def _ordinal(day: dt.date | None, open_end: int) -> int:
    return open_end if day is None else day.toordinal()


def _day(ordinal: int, open_end: int) -> dt.date | None:
    """A day ordinal back as a date, the calendar's own ends written as open (the same days)."""
    return None if ordinal == open_end else dt.date.fromordinal(ordinal)
