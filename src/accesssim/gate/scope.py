"""What a change takes out of the gate's sight without opening anything it can see.

A model is the gate's picture of the system. A pull request can shrink the picture and open
the real system in the same change: drop field ``usage`` from the model and add the policy
line that unmasks it. The analysis then sees nothing (the rule names a field it does not
know, a lint only), and the diff calls it narrowing. Such lines, new since the base, are
refused: the gate cannot tell what they open. So are people whose group changed under the
same id (``changed_groups``): their facts look unchanged, but more or other people see.
And a trust grant added, or a field made public, with the line it lets through would hide
it: when the boundaries differ, both versions are compared under the boundary they share
(``shared_boundary``), so moving the boundary and opening a path cannot cancel out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from accesssim.engine import Project
from accesssim.errors import InputError, Problem
from accesssim.gate.exposures import Exposure
from accesssim.model.schema import DataField, TrustGrant
from accesssim.policy.lints import reference_lints

#: Said in the outputs when the trust grants differ between the versions.
BOUNDARY_NOTE = ("the boundary differs (trust grants, or a field's data_class or concerns): "
                 "both versions are compared under the boundary they share (a boundary moved "
                 "in the same change cannot hide what it opens)")


def refuse_blind_lines(base: Project, head: Project, base_label: str) -> None:
    """HEAD's policy lines that name what HEAD's model does not describe, where the base had
    no such warning: an InputError at each line (exit 2)."""
    known = {(lint.code, lint.message) for lint in reference_lints(base)}
    new = [(lint.file, lint.line, f"{lint.message} [{lint.code}]")
           for lint in reference_lints(head) if (lint.code, lint.message) not in known]
    gone = ({a.id for a in base.loaded.model.accounts}
            - {a.id for a in head.loaded.model.accounts})
    policy = head.policy
    subjects = [*((r.get("sub", policy.p_tokens), r) for r in policy.rules),
                *((g.values[0], g) for g in policy.groupings)] if gone else []
    for subject, line in subjects:
        if subject in gone:
            new.append((policy.policy_display, line.line,
                        f"account {subject!r} is no longer in the model, but this line still "
                        "grants it"))
    if new:
        raise InputError([Problem(
            file, number, f"{message}; new since {base_label}: the gate cannot tell what "
            "this line opens in the real system (was it taken out of the model?); describe "
            "it in the model, or remove the line") for file, number, message in sorted(new)])


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


def shared_boundary(base: Project, head: Project) -> tuple[Project, Project] | None:
    """Both versions under the boundary they share, when theirs differ (None: the same).

    The boundary: the trust grants (kept: those in both, word for word), and each field's
    ``data_class`` (non-public when either version says so) and ``concerns`` (the
    organizations both versions name). Each is an exception to the boundary, so the shared
    one can only show more: a grant added, a field made public or a concern added in HEAD
    no longer hides what HEAD opens, and a boundary change alone opens nothing."""
    def key(grant: TrustGrant) -> str:
        return repr(grant.model_dump())

    def fields(project: Project) -> dict[str, DataField]:
        return {f.id: f for s in project.loaded.model.systems for f in s.fields}

    before, after = base.loaded.model.trust, head.loaded.model.trust
    base_fields, head_fields = fields(base), fields(head)
    same_fields = all((f.data_class, sorted(f.concerns)) == (
        g.data_class, sorted(g.concerns)) for i, f in base_fields.items()
        if (g := head_fields.get(i)) is not None)
    if sorted(map(key, before)) == sorted(map(key, after)) and same_fields:
        return None
    common = {key(g) for g in before} & {key(g) for g in after}
    return (_shared(base, [g for g in before if key(g) in common], head_fields),
            _shared(head, [g for g in after if key(g) in common], base_fields))


def _shared(project: Project, grants: list[TrustGrant], other: dict[str, DataField]
            ) -> Project:
    def field(f: DataField) -> DataField:
        o = other.get(f.id)
        if o is None:
            return f
        return f.model_copy(update={
            "data_class": "public" if "public" == f.data_class == o.data_class
            else "non-public",
            "concerns": [c for c in f.concerns if c in o.concerns]})

    model = project.loaded.model
    systems = [s.model_copy(update={"fields": [field(f) for f in s.fields]})
               for s in model.systems]
    shared = model.model_copy(update={"trust": grants, "systems": systems})
    return Project(replace(project.loaded, model=shared), project.policy)
