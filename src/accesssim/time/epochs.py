"""Cut time into epochs: intervals in which no validity window starts or ends.

Every date-guarded element and Casbin rule is constant inside an epoch, so analysing one
representative day per epoch (and mode) covers all of time exactly.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, order=True)
class Epoch:
    """Inclusive [start, end]; None is an open end."""

    start: dt.date | None
    end: dt.date | None

    def representative(self) -> dt.date:
        if self.start is not None:
            return self.start
        if self.end is not None:
            return self.end
        return dt.date(2000, 1, 1)

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def label(self) -> str:
        start = self.start.isoformat() if self.start else "…"
        end = self.end.isoformat() if self.end else "…"
        return "always" if self.start is None and self.end is None else f"{start} – {end}"


def boundaries(windows: Iterable[tuple[dt.date | None, dt.date | None]]) -> list[dt.date]:
    """The days on which something starts (``from``) or stops (the day after ``until``)."""
    days: set[dt.date] = set()
    for start, until in windows:
        if start is not None:
            days.add(start)
        if until is not None and until < dt.date.max:
            days.add(until + ONE_DAY)
    return sorted(days)


def epochs(cuts: list[dt.date]) -> list[Epoch]:
    """The epochs that sorted boundary days cut the time line into."""
    if not cuts:
        return [Epoch(None, None)]
    result = [] if cuts[0] == dt.date.min else [Epoch(None, cuts[0] - ONE_DAY)]
    result += [Epoch(a, b - ONE_DAY) for a, b in pairwise(cuts)]
    result.append(Epoch(cuts[-1], None))
    return result


def epoch_index(cuts: Sequence[dt.date], day: dt.date) -> int:
    """Which epoch of ``epochs(cuts)`` holds ``day``."""
    return bisect_right(cuts, day)


def merge_epochs(items: Iterable[Epoch]) -> list[Epoch]:
    """Join adjacent or overlapping epochs into the fewest windows.

    The epochs may overlap (spans of different people), also on an open start.
    """
    merged: list[Epoch] = []
    for ep in sorted(items, key=lambda e: (e.start or dt.date.min)):
        if merged:
            last = merged[-1]
            if last.end is None:
                continue
            if ep.start is None or ep.start <= last.end + ONE_DAY:
                end = None if ep.end is None else max(ep.end, last.end)
                merged[-1] = Epoch(last.start, end)
                continue
        merged.append(ep)
    return merged
