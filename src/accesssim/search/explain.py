"""Answer 'why (or why not) can this person see this field?' from the analyser's own search."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import TYPE_CHECKING, Any

from accesssim.errors import InputError
from accesssim.findings.results import Hop, Window
from accesssim.reports.json_format import hop_to_dict, window_to_dict
from accesssim.reports.text import cause_lines
from accesssim.search.defects import Defect
from accesssim.time.epochs import Epoch, merge_epochs
from accesssim.time.slices import Slice

if TYPE_CHECKING:
    from accesssim.search.analysis import Analyzer


@dataclass(frozen=True)
class Way:
    """One root cause by which the person sees the field, with a witness."""

    windows: tuple[Window, ...]
    defects: tuple[Defect, ...]
    hops: tuple[Hop, ...]


@dataclass
class Explanation:
    person: str
    field: str
    ways: list[Way] = dc_field(default_factory=list)
    trusted_in: list[str] = dc_field(default_factory=list)
    reasons: list[str] = dc_field(default_factory=list)

    @property
    def visible(self) -> bool:
        return bool(self.ways)

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person, "field": self.field, "visible": self.visible,
            "trusted_in": self.trusted_in,
            "ways": [{"holds_in": [window_to_dict(w) for w in way.windows],
                      "defects": [{"type": d.type.value, "element": d.element,
                                   "source": str(d.source)} for d in way.defects],
                      "witness": [hop_to_dict(h) for h in way.hops]} for way in self.ways],
            "reasons_not_visible": self.reasons,
        }

    def to_text(self) -> str:
        lines = []
        if self.ways:
            lines.append(f"{self.person} CAN see {self.field}, in {len(self.ways)} way(s):")
            for i, way in enumerate(self.ways, start=1):
                types = ", ".join(sorted({d.type.label for d in way.defects}))
                lines.append(f"  way {i}: {types}")
                lines.extend(cause_lines(way.windows, way.defects, way.hops))
        else:
            lines.append(f"{self.person} cannot see {self.field} (outside the allowed cases).")
        for label in self.trusted_in:
            lines.append(f"  inside the boundary for it in: {label}")
        for reason in self.reasons:
            lines.append(f"  - {reason}")
        return "\n".join(lines) + "\n"


def explain(engine: Analyzer, person_id: str, field_id: str) -> Explanation:
    """Every root cause by which ``person_id`` sees ``field_id``, or why none exists."""
    if person_id not in engine.people:
        raise InputError.single(engine.loaded.display_path, 0,
                                f"unknown person {person_id!r} (not a person, group or "
                                "organisation id of the model)")
    if field_id not in engine.fields:
        raise InputError.single(engine.loaded.display_path, 0, f"unknown field {field_id!r}")
    person = engine.people[person_id]
    result = Explanation(person_id, field_id)
    ways: dict[frozenset[Defect], tuple[list[Slice], tuple[Hop, ...]]] = {}
    reasons: set[str] = set()
    if engine.fields[field_id].data_class == "public":
        result.reasons.append(f"{field_id} is public data")
        return result
    for sl in engine.slices:
        label = Window(sl.mode, sl.epoch.start, sl.epoch.end).label()
        if engine.boundary.trusted(person, field_id, sl.mode, sl.day):
            result.trusted_in.append(label)
            continue
        accesses = engine.accesses(person_id, sl)
        in_slice: dict[frozenset[Defect], tuple[Hop, ...] | None] = {}
        if not accesses:
            reasons.add(f"{label}: no terminal on which {person_id} can use an account")
        for access in accesses:
            walks = engine.field_walks(access, sl).get(field_id, ())
            if not walks:
                reasons.add(f"{label}: with {access.account} on {access.terminal}, no screen "
                            f"it can reach shows {field_id} in clear")
                continue
            for walk in walks:
                root = access.defects | walk.defects
                if root not in in_slice and root not in ways:
                    in_slice[root] = (*engine.access_hops(access),
                                      *engine.walk_hops(access, walk, sl))
                else:
                    in_slice.setdefault(root, None)
        # A way whose defects contain another way's adds nothing to fix: keep minimal ones.
        for root, hops in in_slice.items():
            if any(other < root for other in in_slice):
                continue
            if root not in ways:
                assert hops is not None
                ways[root] = ([], hops)
            ways[root][0].append(sl)
    result.ways = [Way(_windows(slices), tuple(sorted(root)), hops)
                   for root, (slices, hops) in sorted(ways.items(),
                                                      key=lambda kv: sorted(kv[0]))]
    if not result.ways:
        result.reasons = sorted(reasons)
    return result


def _windows(slices: list[Slice]) -> tuple[Window, ...]:
    """Slices as merged windows per mode, worded as ``analyze`` words them."""
    by_mode: dict[str, list[Epoch]] = {}
    for sl in slices:
        by_mode.setdefault(sl.mode, []).append(sl.epoch)
    return tuple(Window(mode, epoch.start, epoch.end) for mode in sorted(by_mode)
                 for epoch in merge_epochs(by_mode[mode]))
