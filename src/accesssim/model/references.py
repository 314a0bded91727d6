"""Cross-checks of a validated model: every reference resolves (errors), and input that is
accepted but probably a mistake (warnings). Each problem carries its YAML line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from accesssim.errors import Problem
from accesssim.model.schema import EXPECTATION_KINDS, SystemModel


def _place(here: str, file: str, line: int) -> str:
    """Where something else is, said from ``here``: its line, or its file and line."""
    return f"line {line}" if file == here else f"{file}:{line}"


def check_references(model: SystemModel, shown: str) -> Iterator[Problem]:
    """Unknown or duplicate ids and dangling references, each with its line."""
    ids: dict[str, set[str]] = {}
    owners: list[tuple[str, str, str, int]] = []
    groups: list[tuple[str, list[Any]]] = [
        ("organization", model.organizations),
        ("person", model.people),
        ("location", model.locations),
        ("account", model.accounts),
        ("terminal", model.terminals),
        ("system", model.systems),
        *(("field", s.fields) for s in model.systems),
        *(("screen", s.screens) for s in model.systems),
    ]
    for kind, items in groups:
        if items:
            ids.setdefault(kind, set()).update([item.id for item in items])
    if len(set().union(*ids.values())) == sum(len(items) for _, items in groups):
        owners = []  # every id is distinct: no duplicate to name, ``ids`` is complete
    else:
        ids = {}
        for kind, items in groups:
            for item in items:
                owners.append((kind, item.id, item.yaml_file or shown, item.line))
    counts = Counter(i for _, i, _, _ in owners)
    first: dict[str, tuple[str, int]] = {}
    for kind, ident, file, line in owners:
        if counts[ident] > 1 and ident in first:
            yield Problem(file, line,
                          f"duplicate id {ident!r} (first at {_place(file, *first[ident])})")
        first.setdefault(ident, (file, line))
        ids.setdefault(kind, set()).add(ident)

    # Problems are gathered in order; a reference's line is only looked up when it is wrong.
    out: list[Problem] = []
    nothing: set[str] = set()

    def need(kind: str, ref: str | None, element: Any, key: str, what: str) -> None:
        if ref is not None and ref not in ids.get(kind, nothing):
            out.append(Problem(element.yaml_file or shown, element.line_of(key),
                               f"{what} refers to unknown {kind} {ref!r}"))

    def need_all(kind: str, refs: list[str], element: Any, key: str, what: str) -> None:
        known = ids.get(kind, nothing)
        if known.issuperset(refs):
            return
        for ref in refs:
            if ref not in known:
                out.append(Problem(element.yaml_file or shown, element.line_of(key),
                                   f"{what} refers to unknown {kind} {ref!r}"))

    declared = set(model.modes) | {"normal"}  # a missing 'normal' is reported once

    def need_mode(element: Any) -> None:
        modes = element.modes
        if not modes or declared.issuperset(modes):
            return
        for m in modes:
            if m not in declared:
                out.append(Problem(
                    element.yaml_file or shown, element.line_of("modes"),
                    f"unknown mode {m!r} (declared: {', '.join(model.modes)})"
                ))

    if len(set(model.modes)) != len(model.modes):
        out.append(Problem(shown, model.line_of("modes"), "a mode is listed twice in modes"))
    if "normal" not in model.modes:
        out.append(Problem(shown, model.line_of("modes"), "modes must include 'normal'"))
    for org in model.organizations:
        need("organization", org.affiliated_with, org, "affiliated_with", "affiliated_with")
        need_all("organization", org.works_for, org, "works_for", "works_for")
    for grant in model.trust:
        need_mode(grant)
        need_all("organization", grant.orgs, grant, "orgs", "trust.orgs")
        need_all("person", grant.people, grant, "people", "trust.people")
        need_all("system", grant.systems, grant, "systems", "trust.systems")
        need_all("field", grant.fields or [], grant, "fields", "trust.fields")
        if not grant.orgs and not grant.people:
            out.append(Problem(grant.yaml_file or shown, grant.line,
                               "a trust grant needs orgs or people"))
    for person in model.people:
        need_mode(person)
        need("organization", person.org, person, "org", "org")
        need_all("location", person.locations, person, "locations", "locations")
        for former in person.former_orgs:
            need("organization", former.org, former, "org", "former_orgs")
    for place in model.locations:
        need_mode(place)
        need("organization", place.owner, place, "owner", "owner")
        need_all("organization", place.open_to, place, "open_to", "open_to")
    for acc in model.accounts:
        need_mode(acc)
        need("person", acc.holder, acc, "holder", "holder")
        need_all("system", acc.systems, acc, "systems", "systems")
        need_all("person", acc.known_by, acc, "known_by", "known_by")
        need("organization", acc.issued_by, acc, "issued_by", "issued_by")
    for term in model.terminals:
        need_mode(term)
        need("location", term.location, term, "location", "location")
        need("organization", term.owner, term, "owner", "owner")
        need_all("person", term.assigned_to, term, "assigned_to", "assigned_to")
        need_all("system", term.systems, term, "systems", "systems")
        need_all("account", term.logged_in, term, "logged_in", "logged_in")
        if term.accounts != "any":
            need_all("account", term.accounts, term, "accounts", "accounts")
    for system in model.systems:
        need("organization", system.owner, system, "owner", "owner")
        own_fields = {f.id for f in system.fields}
        own_screens = {s.id for s in system.screens}
        for data_field in system.fields:
            need_all("organization", data_field.concerns, data_field, "concerns", "concerns")
        for screen in system.screens:
            need_mode(screen)
            for shown_field in screen.shows:
                need_mode(shown_field)
                if shown_field.field not in own_fields:
                    out.append(Problem(
                        shown_field.yaml_file or shown,
                        shown_field.line_of("field"),
                        f"screen {screen.id!r} shows {shown_field.field!r}, "
                        f"which is not a field of system {system.id!r}",
                    ))
        for tr in system.transitions:
            need_mode(tr)
            for end in (tr.source, tr.target):
                if end not in own_screens:
                    out.append(Problem(
                        tr.yaml_file or shown,
                        tr.line,
                        f"transition {tr.key!r}: {end!r} is not a screen of system {system.id!r}",
                    ))
    yield from out
    yield from _check_expectations(model, shown, ids)
    for role in model.casbin.role_purposes:
        if not role:
            yield Problem(model.casbin.yaml_file or shown, model.casbin.role_line(role),
                          "empty role name in role_purposes")


def _check_expectations(
    model: SystemModel, shown: str, ids: dict[str, set[str]]
) -> Iterator[Problem]:
    """Every expectation names one kind, known modes and existing elements."""
    who = ids.get("organization", set()) | ids.get("person", set())
    fields = ids.get("field", set())
    seen: dict[str, tuple[str, int]] = {}
    for exp in model.expectations:
        line, file = exp.line, exp.yaml_file or shown
        if exp.id in seen:
            yield Problem(file, line, f"duplicate expectation id {exp.id!r} "
                          f"(first at {_place(file, *seen[exp.id])})")
        seen.setdefault(exp.id, (file, line))
        kinds = [k for k in EXPECTATION_KINDS if getattr(exp, k) is not None]
        if len(kinds) != 1:
            yield Problem(
                file,
                line,
                f"expectation {exp.id!r} needs exactly one of "
                f"{', '.join(EXPECTATION_KINDS)} (has {len(kinds)})",
            )
            continue
        if exp.mode is not None and exp.mode not in model.modes and exp.mode != "normal":
            yield Problem(file, line, f"unknown mode {exp.mode!r}")
        names: list[tuple[str, set[str], str]] = []
        if exp.finding:
            names += [(w, who, "from") for w in exp.finding.from_]
            names += [(f, fields, "fields") for f in exp.finding.fields]
        if exp.no_path:
            names += [(w, who, "from") for w in exp.no_path.from_]
            names += [(f, fields, "fields") for f in exp.no_path.fields or []]
            names += [(s, ids.get("system", set()), "systems") for s in exp.no_path.systems or []]
        if exp.exposed_fields:
            names += [(exp.exposed_fields.group, who, "group")]
            names += [(f, fields, "fields") for f in exp.exposed_fields.fields]
        if exp.who_can_see:
            names += [(exp.who_can_see.field, fields, "field")]
            names += [(p, ids.get("person", set()), "people") for p in exp.who_can_see.people]
        if exp.decision:
            d = exp.decision
            names += [
                (d.account, ids.get("account", set()), "account"),
                (d.system, ids.get("system", set()), "system"),
                (d.object, fields | ids.get("screen", set()), "object"),
            ]
        for name, known, key in names:
            if name not in known:
                yield Problem(
                    file, line, f"expectation {exp.id!r}: {key} refers to unknown id {name!r}"
                )


def model_warnings(model: SystemModel, shown: str) -> Iterator[Problem]:
    """Input that loads but is probably a mistake: it makes an element cover nothing."""
    system_fields = {s.id: {f.id for f in s.fields} for s in model.systems}
    guarded: list[tuple[str, Any]] = [
        *(("trust grant", g) for g in model.trust),
        *((f"person {p.id!r}", p) for p in model.people),
        *((f"location {p.id!r}", p) for p in model.locations),
        *((f"account {a.id!r}", a) for a in model.accounts),
        *((f"terminal {t.id!r}", t) for t in model.terminals),
    ]
    for system in model.systems:
        for screen in system.screens:
            guarded.append((f"screen {screen.id!r}", screen))
            guarded += [(f"display of {d.field!r} on {screen.id!r}", d) for d in screen.shows]
        guarded += [(f"transition {t.key!r}", t) for t in system.transitions]
    for what, element in guarded:
        if element.modes == []:
            yield Problem(element.yaml_file or shown, element.line_of("modes"),
                          f"{what} has modes: [] and so exists in no mode; "
                          "leave modes out for every mode")
    for grant in model.trust:
        if grant.fields == []:
            yield Problem(grant.yaml_file or shown, grant.line_of("fields"),
                          "trust grant has fields: [] and so trusts no field; "
                          "leave fields out for every field of its systems")
        if not grant.systems:
            yield Problem(grant.yaml_file or shown, grant.line_of("systems"),
                          "trust grant has systems: [] and so trusts no field")
        covered = set().union(*(system_fields.get(s, set()) for s in grant.systems))
        for field_id in grant.fields or []:
            if field_id not in covered:
                yield Problem(grant.yaml_file or shown, grant.line_of("fields"),
                              f"trust grant lists field {field_id!r}, which is not a field of "
                              "its systems: the grant does not cover it")
    for term in model.terminals:
        if term.accounts == "any":
            continue
        for acc_id in term.logged_in:
            if acc_id not in term.accounts:
                yield Problem(term.yaml_file or shown, term.line_of("logged_in"),
                              f"terminal {term.id!r} has {acc_id!r} logged in but does not "
                              "list it in accounts: the open session is used all the same")
