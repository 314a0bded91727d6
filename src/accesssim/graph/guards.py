"""Edge guards: in which slices an edge exists (its elements' dates, or where Casbin allowed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from accesssim.model.schema import Guarded
from accesssim.time.epochs import epoch_index
from accesssim.time.slices import Slice


class Guard(Protocol):
    def holds(self, sl: Slice) -> bool: ...


class _Active(Protocol):
    def active(self, mode: str, day: dt.date) -> bool: ...


@dataclass(frozen=True, slots=True)
class ElementGuard:
    """Holds when every element it rests on exists in the slice's mode and day."""

    elements: tuple[_Active, ...]

    def holds(self, sl: Slice) -> bool:
        return all(e.active(sl.mode, sl.day) for e in self.elements)


@dataclass(frozen=True, slots=True)
class DecisionGuard:
    """Holds where Casbin answered allow: per mode, the spans between ``cuts`` (by index).

    Stored per span of the rules naming the object, not per slice, so its size does not grow
    with the number of slices.
    """

    cuts: tuple[dt.date, ...]
    allowed: frozenset[tuple[str, int]]

    def holds(self, sl: Slice) -> bool:
        return (sl.mode, epoch_index(self.cuts, sl.day)) in self.allowed

    def changes(self) -> set[dt.date]:
        """The cuts on which the answer flips in some mode (the others change nothing)."""
        modes = {mode for mode, _ in self.allowed}
        return {day for index, day in enumerate(self.cuts, start=1) for mode in modes
                if ((mode, index - 1) in self.allowed) != ((mode, index) in self.allowed)}


def guard(*elements: Guarded) -> ElementGuard:
    """Holds where every element exists (typed, so no isinstance: pydantic's is slow here)."""
    return ElementGuard(elements)
