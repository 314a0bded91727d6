"""Which elements differ between two models: compared by kind and id (Casbin rules and role
links by value), each cited in the model(s) holding it. No classification here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from accesssim.drift.result import AttributeChange, Status
from accesssim.engine import Project
from accesssim.model.loader import LoadedModel
from accesssim.model.provenance import Source
from accesssim.model.schema import TrustGrant

#: Descriptive attributes and provenance (``source``: the inventory row an element was
#: imported from): they change no path, so a different name, note or row is no drift.
DESCRIPTIVE = frozenset({"name", "note", "description", "source"})
#: Attributes compared as elements of their own (a system's fields, screens, transitions; a
#: screen's displays), not as one list.
NESTED = frozenset({"fields", "screens", "transitions", "shows"})


@dataclass(frozen=True)
class Element:
    """One comparable element: its kind, id, attributes, and where each model holds it."""

    kind: str
    id: str
    values: dict[str, Any]
    cited: Source
    #: Every line of the element in its file (first line and its keys' lines).
    lines: frozenset[Source]
    item: object = None


@dataclass(frozen=True)
class Pair:
    """An element as each model holds it (None: that model lacks it)."""

    kind: str
    id: str
    status: Status
    design: Element | None
    deployed: Element | None
    changes: tuple[AttributeChange, ...]


def cite(loaded: LoadedModel, element: BaseModel) -> Source:
    """Where a model element is written: its inventory row when imported, else its line in
    the YAML file (root or included) it was read from."""
    return loaded.cite(element)


def _lines(loaded: LoadedModel, element: BaseModel) -> frozenset[Source]:
    """Every citation a hop or defect may give the element: its row, its first line, and
    the lines of its keys in its own file."""
    keys: dict[str, int] = getattr(element, "key_lines", {})
    return frozenset({loaded.cite(element), loaded.at(element),
                      *(loaded.at(element, k) for k in keys)})


def _values(element: BaseModel) -> dict[str, Any]:
    dumped = element.model_dump(mode="json", by_alias=True)
    return {k: v for k, v in dumped.items() if k not in DESCRIPTIVE | NESTED}


def trust_key(grant: TrustGrant) -> str:
    """A trust grant's id: who and what it names (its guards are compared as attributes)."""
    who = ",".join(sorted(grant.orgs + grant.people))
    what = ",".join(sorted(grant.systems + (grant.fields or ["*"])))
    return f"{who}->{what}"


#: What a trust grant's id already says.
TRUST_KEY = frozenset({"orgs", "people", "systems", "fields"})


def _model_elements(loaded: LoadedModel) -> Iterator[tuple[str, str, BaseModel]]:
    m = loaded.model
    for kind, items in (("organization", m.organizations), ("person", m.people),
                        ("location", m.locations), ("account", m.accounts),
                        ("terminal", m.terminals)):
        for item in items:
            yield kind, item.id, item
    for grant in m.trust:
        yield "trust", trust_key(grant), grant
    for system in m.systems:
        yield "system", system.id, system
        for data_field in system.fields:
            yield "field", f"{system.id}:{data_field.id}", data_field
        for screen in system.screens:
            yield "screen", f"{system.id}:{screen.id}", screen
            for shown in screen.shows:
                yield "display", f"{system.id}:{screen.id}:{shown.field}", shown
        for tr in system.transitions:
            yield "transition", f"{system.id}:{tr.key}", tr


def cited_files(project: Project) -> list[Path]:
    """The inventory files the model's imported elements cite by row (``source``): the
    report cites them, so an output must not replace one either."""
    loaded = project.loaded
    return sorted({loaded.root / loaded.cite(item).file
                   for _, _, item in _model_elements(loaded)
                   if getattr(item, "origin", None) is not None})


def elements(project: Project) -> dict[tuple[str, str], Element]:
    """Every comparable element of a project, keyed by (kind, id). A key met again (a screen
    showing one field twice under other guards, a rule written twice) is ``id#2``, ``id#3``
    in file order: each occurrence is compared, none hidden behind the first."""
    loaded, policy = project.loaded, project.policy
    found: dict[tuple[str, str], Element] = {}

    def add(kind: str, ident: str, values: dict[str, Any], where: Source,
            lines: frozenset[Source], item: object) -> None:
        key, n = ident, 1
        while (kind, key) in found:
            n += 1
            key = f"{ident}#{n}"
        found[(kind, key)] = Element(kind, key, values, where, lines, item)

    for kind, ident, item in _model_elements(loaded):
        values = _values(item)
        if kind == "trust":  # its guards (modes, valid, purpose) still differ
            values = {k: v for k, v in values.items() if k not in TRUST_KEY}
        add(kind, ident, values, cite(loaded, item),
            _lines(loaded, item), item)
    casbin = loaded.model.casbin
    for role, purpose in sorted(casbin.role_purposes.items()):
        where = Source(loaded.at(casbin).file, casbin.role_line(role))
        add("role-purpose", role, {"purpose": purpose}, where, frozenset({where}), None)
    where = Source(policy.model_display, policy.matcher_line)
    add(CASBIN_MODEL[0], CASBIN_MODEL[1], casbin_model(project), where, frozenset({where}),
        None)
    for kind, rules in (("rule", policy.rules), ("role-link", policy.groupings)):
        for line in rules:
            where = Source(policy.policy_display, line.line)
            add(kind, ", ".join((line.ptype, *line.values)), {}, where, frozenset({where}),
                line)
    return found


#: The Casbin model (.conf) as one element: every decision, so every path, rests on it.
CASBIN_MODEL = ("casbin-model", "conf")


def casbin_model(project: Project) -> dict[str, Any]:
    """The Casbin model's definitions as Casbin reads them (``r``, ``p``, ``g``, ``e``,
    ``m``...): two files that say the same differ in nothing, whatever their comments."""
    model = project.policy.enforcer.model
    present = set(model.keys())
    return {key: assertion.value for section in ("r", "p", "g", "e", "m")
            if section in present for key, assertion in sorted(model[section].items())}


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def _changes(old: Element, new: Element) -> tuple[AttributeChange, ...]:
    keys = sorted(set(old.values) | set(new.values))
    return tuple(AttributeChange(k, _text(old.values.get(k)), _text(new.values.get(k)))
                 for k in keys if old.values.get(k) != new.values.get(k))


def pairs(design: Project, deployed: Project) -> tuple[Pair, ...]:
    """Every element only in one model, or in both with other attribute values; by kind,
    then id."""
    ours, theirs = elements(design), elements(deployed)
    result: list[Pair] = []
    for key in sorted(set(ours) | set(theirs)):
        old, new = ours.get(key), theirs.get(key)
        if old is None:
            result.append(Pair(key[0], key[1], "added", None, new, ()))
        elif new is None:
            result.append(Pair(key[0], key[1], "removed", old, None, ()))
        else:
            changes = _changes(old, new)
            if changes:
                result.append(Pair(key[0], key[1], "changed", old, new, changes))
    return tuple(result)

