"""What ``accesssim faults`` found, as typed frozen data the reports render.

Each field's answer says whether it is exact or a bound (docs/faults.md):

- ``exposed``: the design already lets an outsider see it; resilience 0 (exact).
- ``exact``: the smallest minimal set found has this size, and the catalogue is complete for
  the field's system (no cap left a failure out that could touch it).
- ``at-most``: a set of this size opens it, but a cap left failures out: maybe fewer suffice.
- ``at-least``: no set of up to k failures opens it, but all catalogued failures together do.
- ``none``: not even every catalogued failure together opens it (exact: the catalogue is
  monotone, so no subset opens it either).
- ``unknown``: a cap left failures out and no kept set of up to k opens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from accesssim.faults.catalogue import Failure

Status = Literal["exposed", "exact", "at-most", "at-least", "none", "unknown"]
#: Statuses whose number is the resilience itself.
EXACT: tuple[Status, ...] = ("exposed", "exact", "none")


@dataclass(frozen=True)
class FieldFaults:
    """One non-public field: its resilience, its minimal failure sets (failure ids, smallest
    first) and its weakest controls (the failures in the most of those sets)."""

    field: str
    system: str
    status: Status
    resilience: int | None  # the number shown (a bound for at-most / at-least); None: none
    sets: tuple[tuple[str, ...], ...]
    weakest: tuple[str, ...]

    @property
    def exact(self) -> bool:
        return self.status in EXACT

    @property
    def shown(self) -> str:
        """The resilience as printed: ``2``, ``<= 2``, ``>= 3``, ``none``, ``unknown``."""
        if self.status == "none":
            return "none"
        if self.status == "unknown":
            return "unknown"
        prefix = {"at-most": "<= ", "at-least": ">= "}.get(self.status, "")
        return f"{prefix}{self.resilience}"

    def below(self, minimum: int) -> bool:
        """Not shown to need at least ``minimum`` failures (exit 1 of ``accesssim faults``):
        an exact number or an at-least bound below it, or an at-most bound or unknown (a cap
        left failures out: fewer may suffice)."""
        if self.status == "none" or minimum <= 0:
            return False
        if self.status in ("at-most", "unknown"):
            return True
        return self.resilience is not None and self.resilience < minimum


@dataclass(frozen=True)
class Faults:
    """Every field's answer (sorted by system and field), the failures the sets name, the
    catalogue's size and caps, and how much the search cost."""

    model: str
    k: int
    fields: tuple[FieldFaults, ...]
    failures: tuple[Failure, ...]
    catalogue: dict[str, int]
    capped: dict[str, tuple[int, int]]
    analyses: int
    verified: int
    inputs: tuple[Path, ...] = ()

    def below(self, minimum: int) -> tuple[FieldFaults, ...]:
        return tuple(f for f in self.fields if f.below(minimum))

    @property
    def weakest(self) -> tuple[tuple[str, int], ...]:
        """Failures by the number of minimal sets (over every field) they are in, most first
        (ties by id), the ten weakest controls of the design."""
        counts: dict[str, int] = {}
        for f in self.fields:
            for s in f.sets:
                for fid in s:
                    counts[fid] = counts.get(fid, 0) + 1
        return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10])
