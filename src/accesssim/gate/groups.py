"""Person groups that are not the same group in both versions, though their id is.

An exposure fact is (person id, field, mode, day). A change that keeps the id and the facts
but makes the group bigger (headcount) or another organization's staff lets more people, or
other people, see the field: the base's facts of that id must not count as seen before.
"""

from __future__ import annotations

from collections.abc import Iterable

from accesssim.engine import Project
from accesssim.gate.exposures import Exposure


def changed_groups(base: Project, head: Project) -> frozenset[str]:
    """Ids of people whose HEAD group has another organization or more people than the
    base's (a group that shrinks or keeps its size and organization is the same group)."""
    before = {p.id: p for p in base.loaded.model.people}
    changed = set()
    for person in head.loaded.model.people:
        old = before.get(person.id)
        if old is not None and (old.org != person.org or old.headcount < person.headcount):
            changed.add(person.id)
    return frozenset(changed)


def without_groups(exposures: Iterable[Exposure], people: frozenset[str]
                   ) -> tuple[Exposure, ...]:
    """The exposures of everyone but ``people`` (order kept)."""
    return tuple(e for e in exposures if e.person not in people)
