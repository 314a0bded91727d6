"""What a change takes out of the gate's sight without opening anything it can see.

A model is the gate's picture of the system. A pull request can shrink the picture and open
the real system in the same change: drop field ``usage`` from the model and add the policy
line that unmasks it. The analysis then sees nothing (the rule names a field it does not
know, a lint only), and the diff calls it narrowing. Such lines, new since the base, are
refused: the gate cannot tell what they open. So are people whose group changed under the
same id (``changed_groups``): their facts look unchanged, but more or other people see.
"""

from __future__ import annotations

from collections.abc import Iterable

from accesssim.engine import Project
from accesssim.errors import InputError, Problem
from accesssim.gate.exposures import Exposure
from accesssim.policy.lints import reference_lints


def refuse_blind_lines(base: Project, head: Project, base_label: str) -> None:
    """HEAD's policy lines that name what HEAD's model does not describe, where the base had
    no such warning: an InputError at each line (exit 2)."""
    known = {(lint.code, lint.message) for lint in reference_lints(base)}
    new = [lint for lint in reference_lints(head) if (lint.code, lint.message) not in known]
    if new:
        raise InputError([Problem(
            lint.file, lint.line,
            f"{lint.message} [{lint.code}]; new since {base_label}: the gate cannot tell what "
            "this line opens in the real system (was it taken out of the model?); describe "
            "it in the model, or remove the line") for lint in new])


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
