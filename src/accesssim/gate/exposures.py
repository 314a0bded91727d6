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
from dataclasses import dataclass

from accesssim.engine import Analyzer
from accesssim.findings.report import finding_id
from accesssim.findings.roots import minimal_entries
from accesssim.search.defects import FailureType
from accesssim.search.exposures import Found, Search, Witness, find_exposures
from accesssim.time.epochs import Epoch, merge_epochs

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


def from_found(search: Search, found: Found) -> tuple[Exposure, ...]:
    """The exposures of one search's ``Found``, windows merged per (person, field, mode, root).

    A span's slices are consecutive epochs of one mode, so the span covers exactly the days
    from its first slice's start to its last slice's end (as the report's windows do).
    """
    slices = search.compiled.slices
    spread: dict[tuple[str, str, str, RootKey], list[tuple[Epoch, Witness]]] = defaultdict(list)
    for (person, field_id, first, last), root, witness in minimal_entries(found):
        key = tuple(sorted((d.type, d.element) for d in root))
        spread[(person, field_id, slices[first].mode, key)].append(
            (Epoch(slices[first].epoch.start, slices[last].epoch.end), witness))
    result = []
    for (person, field_id, mode, key), spans in spread.items():
        for e in merge_epochs([span for span, _ in spans]):
            inside = tuple(sorted(((span, w) for span, w in spans if _within(span, e)),
                                  key=lambda item: item[1][0]))
            result.append(Exposure(person, field_id, mode, *_open(e), key, inside))
    return tuple(sorted(result, key=sort_key))


def _within(span: Epoch, window: Epoch) -> bool:
    """A span lies in a merged window (spans never straddle two merged windows)."""
    return window.contains(span.representative())


def _open(e: Epoch) -> tuple[dt.date | None, dt.date | None]:
    """An epoch's ends with the calendar's own ends written as open (the same days)."""
    return (None if e.start == dt.date.min else e.start,
            None if e.end == dt.date.max else e.end)
