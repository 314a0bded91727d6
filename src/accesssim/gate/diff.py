"""The semantic diff of two analyses: which (person, field, mode, day) facts a change opened
or closed, and what became of each finding and each exposure.

Facts, not finding ids, decide widening: one more field shown in clear grows a finding under
the same id, and a ``new findings`` count would miss it. Pure functions over sorted exposures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from accesssim.gate.exposures import Exposure, RootKey

Status = Literal["new", "gone", "widened", "narrowed", "unchanged"]
#: Closed intervals of day ordinals; an open end is the calendar's first or last day.
_Intervals = list[tuple[int, int]]
_MIN, _MAX = dt.date.min.toordinal(), dt.date.max.toordinal()


@dataclass(frozen=True)
class Fact:
    """A person group sees a field in a mode on every day of an inclusive window (None:
    open end): the unit whose growth is a widening."""

    person: str
    field: str
    mode: str
    start: dt.date | None
    end: dt.date | None


@dataclass(frozen=True)
class Change:
    """What one finding (``id``: its finding id) or one exposure identity (``id``: its
    fingerprint) gained and lost. ``widened`` wins over ``narrowed`` when it did both:
    the gate must see every gain."""

    id: str
    root: RootKey
    status: Status
    gained: tuple[Fact, ...]
    lost: tuple[Fact, ...]


@dataclass(frozen=True)
class Diff:
    """``widened``/``narrowed``: facts in head not in base and the reverse, whatever the
    root cause; ``findings`` and ``exposures``: per finding id and per fingerprint."""

    widened: tuple[Fact, ...]
    narrowed: tuple[Fact, ...]
    findings: tuple[Change, ...]
    exposures: tuple[Change, ...]

    @property
    def widens(self) -> bool:
        """Someone sees a field in a mode on a day they could not before."""
        return bool(self.widened)

    def with_status(self, status: Status) -> tuple[Change, ...]:
        return tuple(c for c in self.findings if c.status == status)


def diff(base: Iterable[Exposure], head: Iterable[Exposure]) -> Diff:
    """Compare two analyses' exposures (``gate.exposures.exposures``)."""
    base, head = tuple(base), tuple(head)
    base_rows, head_rows = [_row(e) for e in base], [_row(e) for e in head]
    gained, lost = _compare(base_rows, head_rows)
    ids: dict[RootKey, str] = {}  # a finding's id is its root's: a few roots, many exposures

    def finding(e: Exposure) -> str:
        found = ids.get(e.root)
        if found is None:
            found = ids[e.root] = e.finding
        return found

    return Diff(gained, lost,
                _changes(base, head, base_rows, head_rows, finding),
                _changes(base, head, base_rows, head_rows, lambda e: e.fingerprint))


def facts(exposures: Iterable[Exposure]) -> tuple[Fact, ...]:
    """The exposures as facts, root causes forgotten, windows merged per person, field, mode."""
    return _facts(_coverage([_row(e) for e in exposures]))


#: An exposure as (person, field, mode, first day, last day), days as ordinals.
_Row = tuple[str, str, str, int, int]


def _row(e: Exposure) -> _Row:
    return (e.person, e.field, e.mode, _MIN if e.start is None else e.start.toordinal(),
            _MAX if e.end is None else e.end.toordinal())


def _changes(base: tuple[Exposure, ...], head: tuple[Exposure, ...], base_rows: list[_Row],
             head_rows: list[_Row], key: Callable[[Exposure], str]) -> tuple[Change, ...]:
    """One Change per key present on either side, sorted by key. A key whose rows are the
    same on both sides (in the same order) gained and lost nothing: not compared further."""
    sides: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for i, e in enumerate(base):
        sides[key(e)][0].append(i)
    for i, e in enumerate(head):
        sides[key(e)][1].append(i)
    result = []
    for k in sorted(sides):
        before = [base_rows[i] for i in sides[k][0]]
        after = [head_rows[i] for i in sides[k][1]]
        gained, lost = ((), ()) if before == after else _compare(before, after)
        status: Status = ("new" if not before else "gone" if not after
                          else "widened" if gained else "narrowed" if lost else "unchanged")
        root = (head[sides[k][1][0]] if after else base[sides[k][0][0]]).root
        result.append(Change(k, root, status, gained, lost))
    return tuple(result)


def _compare(base: list[_Row], head: list[_Row]) -> tuple[tuple[Fact, ...], tuple[Fact, ...]]:
    """(facts of head not in base, facts of base not in head)."""
    before, after = _coverage(base), _coverage(head)
    return (_facts({k: _minus(v, before.get(k, [])) for k, v in after.items()}),
            _facts({k: _minus(v, after.get(k, [])) for k, v in before.items()}))


def _coverage(rows: list[_Row]) -> dict[tuple[str, str, str], _Intervals]:
    """Per (person, field, mode): the days covered, as sorted disjoint merged intervals."""
    spread: dict[tuple[str, str, str], _Intervals] = defaultdict(list)
    for person, field_id, mode, start, end in rows:
        spread[(person, field_id, mode)].append((start, end))
    return {k: _merge(v) for k, v in spread.items()}


def _merge(intervals: _Intervals) -> _Intervals:
    merged: _Intervals = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _minus(a: _Intervals, b: _Intervals) -> _Intervals:
    """The days of ``a`` not in ``b`` (both merged)."""
    result: _Intervals = []
    for start, end in a:
        for b_start, b_end in b:
            if b_end < start or b_start > end:
                continue
            if b_start > start:
                result.append((start, b_start - 1))
            start = b_end + 1
            if start > end:
                break
        if start <= end:
            result.append((start, end))
    return result


def _facts(coverage: dict[tuple[str, str, str], _Intervals]) -> tuple[Fact, ...]:
    return tuple(Fact(p, f, m, _day(s, _MIN), _day(e, _MAX))
                 for (p, f, m), intervals in sorted(coverage.items()) for s, e in intervals)


def _day(ordinal: int, open_end: int) -> dt.date | None:
    return None if ordinal == open_end else dt.date.fromordinal(ordinal)


