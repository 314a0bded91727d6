"""Root causes: each exposure filed under every minimal set of defects that gives it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from accesssim.search.defects import Defect
from accesssim.search.exposures import Found, Witness


@dataclass
class Root:
    """What one root cause gives: exposures, the spans they hold in, the best witness."""

    exposures: set[tuple[str, str]] = field(default_factory=set)
    spans: set[tuple[int, int]] = field(default_factory=set)  # first and last slice index
    witness: Witness | None = None


def minimal_entries(found: Found
                    ) -> Iterator[tuple[tuple[str, str, int, int], frozenset[Defect], Witness]]:
    """Each (person, field, first slice, last slice) span with each of its minimal roots.

    A root that strictly contains another root giving the same person the same field in the
    same slice adds nothing to fix (the smaller one must be fixed anyway), so it is dropped
    for that exposure. (A span's slices all have the same roots, see search/spans.py.)
    """
    # Which roots of a set are minimal, by set of roots: many exposures share theirs.
    minimal: dict[tuple[frozenset[Defect], ...], tuple[bool, ...]] = {}
    for key, by_root in found.items():
        keys = tuple(by_root)
        flags = minimal.get(keys)
        if flags is None:
            flags = minimal[keys] = tuple(not any(other < root for other in keys)
                                          for root in keys)
        for (root, witness), keep in zip(by_root.items(), flags, strict=True):
            if keep:
                yield key, root, witness


def minimal_roots(found: Found) -> dict[frozenset[Defect], Root]:
    """Group exposures by root cause, keeping for each exposure only its minimal roots
    (``minimal_entries``); a root left with no exposure is no finding."""
    roots: dict[frozenset[Defect], Root] = defaultdict(Root)
    for (person, field_id, first, last), root, witness in minimal_entries(found):
        data = roots[root]
        data.exposures.add((person, field_id))
        data.spans.add((first, last))
        if data.witness is None or witness[0] < data.witness[0]:
            data.witness = witness
    return roots
