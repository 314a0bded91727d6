"""Answer 'why (or why not) can this person see this field?' from the search's own steps."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from accesssim.errors import InputError
from accesssim.findings.results import Hop, Window
from accesssim.findings.witness import access_hops, walk_hops
from accesssim.i18n import Msg, msg
from accesssim.search.defects import Defect
from accesssim.search.exposures import Search
from accesssim.time.epochs import Epoch, merge_epochs
from accesssim.time.slices import Slice


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
    trusted_in: list[Window] = dc_field(default_factory=list)
    reasons: list[Msg] = dc_field(default_factory=list)

    @property
    def visible(self) -> bool:
        return bool(self.ways)


def explain(search: Search, person_id: str, field_id: str) -> Explanation:
    """Every root cause by which ``person_id`` sees ``field_id``, or why none exists.

    Built on the search itself (the same accesses and walks ``analyze`` uses), slice by slice.
    """
    c = search.compiled
    if person_id not in c.people:
        raise InputError.single(c.loaded.display_path, 0,
                                f"unknown person {person_id!r} (not a person, group or "
                                "organisation id of the model)")
    if field_id not in c.fields:
        raise InputError.single(c.loaded.display_path, 0, f"unknown field {field_id!r}")
    person = c.people[person_id]
    result = Explanation(person_id, field_id)
    ways: dict[frozenset[Defect], tuple[list[Slice], tuple[Hop, ...]]] = {}
    reasons: set[Msg] = set()
    if c.fields[field_id].data_class == "public":
        result.reasons.append(msg("{field} is public data", field=field_id))
        return result
    for sl in c.slices:
        window = Window(sl.mode, sl.epoch.start, sl.epoch.end)
        if c.boundary.trusted(person, field_id, sl.mode, sl.day):
            result.trusted_in.append(window)
            continue
        accesses = search.accesses.accesses(person_id, sl)
        in_slice: dict[frozenset[Defect], tuple[Hop, ...] | None] = {}
        if not accesses:
            reasons.add(msg("{window}: no terminal on which {person} can use an account",
                            window=window.said(), person=person_id))
        for access in accesses:
            walks = search.walks.field_walks(access, sl).get(field_id, ())
            if not walks:
                reasons.add(msg("{window}: with {account} on {terminal}, no screen it can "
                                "reach shows {field} in clear", window=window.said(),
                                account=access.account, terminal=access.terminal,
                                field=field_id))
                continue
            for walk in walks:
                root = access.defects | walk.defects
                if root not in in_slice and root not in ways:
                    in_slice[root] = (*access_hops(c, access),
                                      *walk_hops(search, access, walk, sl))
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
        result.reasons = sorted(reasons, key=str)  # in the English order, whatever the language
    return result


def _windows(slices: list[Slice]) -> tuple[Window, ...]:
    """Slices as merged windows per mode, worded as ``analyze`` words them."""
    by_mode: dict[str, list[Epoch]] = {}
    for sl in slices:
        by_mode.setdefault(sl.mode, []).append(sl.epoch)
    return tuple(Window(mode, epoch.start, epoch.end) for mode in sorted(by_mode)
                 for epoch in merge_epochs(by_mode[mode]))
