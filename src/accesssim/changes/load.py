"""The change-set file (docs/whatif.md): read strictly, every problem at its line, at once.

Read like the waiver file: the model's safe YAML loader keeps lines, pydantic classes (one per
kind) check every item, and the JSON Schema (``accesssim schema --changes``) is generated from
the same classes, so the documented format and the reader cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from accesssim.changes.spec import KINDS, Change, ChangeSet
from accesssim.errors import InputError, Problem
from accesssim.model.loader import line_at, read_yaml
from accesssim.model.provenance import Source
from accesssim.model.schema import Purpose
from accesssim.model.strict import StrictMapping
from accesssim.mutate.edits import scalar

VERSION_KEY = "accesssim-changes"
FORMAT_VERSION = 1


_Strict = StrictMapping  # frozen, strict, unknown keys refused, line kept


_Id = Field(min_length=1)


class RoleLink(_Strict):
    member: str = Field(min_length=1, description="An account or role (the g line's first value).")
    role: str = Field(min_length=1, description="The role (the g line's second value).")
    system: str | None = Field(default=None, min_length=1,
                               description="The domain (the g line's third value), if the "
                                           "role definition has one.")


class PolicyRule(_Strict):
    rule: str = Field(min_length=1, description='A policy line as written in the CSV, e.g. '
                                                '"p, retail, takuso, menu, open, allow, *, *, *".')


class GateTarget(_Strict):
    """Exactly one of the targets."""

    rule: str | None = Field(default=None, min_length=1, description="A p line's values.")
    account: str | None = Field(default=None, min_length=1)
    terminal: str | None = Field(default=None, min_length=1)
    location: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_target(self) -> GateTarget:
        named = [k for k in _TARGETS if getattr(self, k, None) is not None]
        if len(named) != 1:
            allowed = ", ".join(k for k in _TARGETS if k in type(self).model_fields)
            raise ValueError(f"name exactly one of {allowed} (given: {', '.join(named) or 'none'})")
        return self


_TARGETS = ("rule", "account", "terminal", "location", "person", "screen")


class ExtendTarget(GateTarget):
    person: str | None = Field(default=None, min_length=1)
    screen: str | None = Field(default=None, min_length=1,
                               description="A screen id, or SYSTEM/SCREEN when ids repeat.")
    until: dt.date | None = Field(default=None, description="The new last day (inclusive), "
                                                            "YYYY-MM-DD unquoted; null or "
                                                            "omitted: no end.")


class TerminalRef(_Strict):
    terminal: str = _Id


class TerminalMove(TerminalRef):
    to: str = Field(min_length=1, description="The location it now stands at.")


class TerminalPerson(TerminalRef):
    person: str = _Id


class TerminalSession(TerminalRef):
    account: str = _Id


class ScreenField(_Strict):
    screen: str = Field(min_length=1, description="A screen id, or SYSTEM/SCREEN when ids repeat.")
    field: str = Field(min_length=1, description="A field id shown on that screen.")


class MaskParams(ScreenField):
    masking: Literal["policy", "masked"] = "policy"


class UnmaskParams(ScreenField):
    purpose: Purpose | None = None


class TransitionRef(_Strict):
    source: str = Field(alias="from", min_length=1,
                        description="The source screen (or SYSTEM/SCREEN).")
    target: str = Field(alias="to", min_length=1, description="The target screen id.")


class AccountRef(_Strict):
    account: str = _Id


class CredentialShare(AccountRef):
    person: str = _Id


class LocationOrg(_Strict):
    location: str = _Id
    org: str = _Id


class SplitSystem(_Strict):
    system: str = Field(min_length=1, description="The shared system.")
    into: str = Field(min_length=1, description="The id of the new system.")
    screens: list[str] = Field(min_length=1, description="The screens the new system copies.")
    for_: list[str] = Field(alias="for", min_length=1,
                            description="The organizations whose accounts move to the new system.")
    name: str | None = Field(default=None, min_length=1, description="The new system's name.")


_PARAMS: dict[str, type[_Strict]] = {
    "revoke": RoleLink, "grant": RoleLink, "remove_rule": PolicyRule, "add_rule": PolicyRule,
    "gate_to_disaster": GateTarget, "ungate": GateTarget, "extend": ExtendTarget,
    "move_terminal": TerminalMove, "withdraw_terminal": TerminalRef,
    "hand_terminal": TerminalPerson, "unassign_terminal": TerminalPerson,
    "end_session": TerminalSession, "mask": MaskParams, "unmask": UnmaskParams,
    "check": TransitionRef, "uncheck": TransitionRef, "rotate": AccountRef,
    "share_credential": CredentialShare,
    "close_location": LocationOrg, "open_location": LocationOrg, "split_system": SplitSystem,
}
assert set(_PARAMS) == set(KINDS), "every kind has its parameter class"


class ChangeItem(_Strict):
    """One change: exactly one kind key, its parameters, and an optional note."""

    revoke: RoleLink | None = None
    grant: RoleLink | None = None
    remove_rule: PolicyRule | None = None
    add_rule: PolicyRule | None = None
    gate_to_disaster: GateTarget | None = None
    ungate: GateTarget | None = None
    extend: ExtendTarget | None = None
    move_terminal: TerminalMove | None = None
    withdraw_terminal: TerminalRef | None = None
    hand_terminal: TerminalPerson | None = None
    unassign_terminal: TerminalPerson | None = None
    end_session: TerminalSession | None = None
    mask: MaskParams | None = None
    unmask: UnmaskParams | None = None
    check: TransitionRef | None = None
    uncheck: TransitionRef | None = None
    rotate: AccountRef | None = None
    share_credential: CredentialShare | None = None
    close_location: LocationOrg | None = None
    open_location: LocationOrg | None = None
    split_system: SplitSystem | None = None
    note: str | None = Field(default=None, description="Why (free text).")

    @model_validator(mode="after")
    def _one_kind(self) -> ChangeItem:
        named = [k for k in KINDS if getattr(self, k) is not None]
        if len(named) != 1:
            raise ValueError(f"each change has exactly one kind key (given: "
                             f"{', '.join(named) or 'none'}); kinds: {', '.join(KINDS)}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in KINDS if getattr(self, k) is not None)


assert set(ChangeItem.model_fields) - {"line", "key_lines", "note"} == set(KINDS)


class ChangeFile(_Strict):
    """The whole change-set file."""

    version: Literal[1] = Field(alias="accesssim-changes", description="Format version: 1.")
    note: str | None = Field(default=None, description="What the change set is for.")
    changes: list[ChangeItem] = Field(min_length=1,
                                      description="The changes, applied in this order.")

    @field_validator("version", mode="before")
    @classmethod
    def _exact_version(cls, value: object) -> object:
        if type(value) is not int or value != FORMAT_VERSION:
            raise ValueError(f"the change-set version must be the number {FORMAT_VERSION}, "
                             f"not {value!r}")
        return value


def json_schema() -> dict[str, object]:
    """The JSON Schema of the change-set file (``accesssim schema --changes``)."""
    schema = ChangeFile.model_json_schema(by_alias=True)
    item = schema["$defs"]["ChangeItem"]
    item["minProperties"] = 1
    item["oneOf"] = [{"required": [kind]} for kind in KINDS]
    for name, defn in schema["$defs"].items():
        if name in ("GateTarget", "ExtendTarget"):
            targets = [k for k in _TARGETS if k in defn["properties"]]
            defn["oneOf"] = [{"required": [k]} for k in targets]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://accesssim.invalid/schema/changes-v1.json"
    return schema


def load_changes(path: Path, shown: str) -> ChangeSet:
    """Read a change-set file (``shown``: its path as users see it); raise InputError listing
    every problem with its line."""
    return load_change_file(path, shown)[0]


def load_change_file(path: Path, shown: str) -> tuple[ChangeSet, tuple[str | None, ...]]:
    """``load_changes``, and the note of each change (None where it has none): notes are for
    the reader, no part of what a change does (``Change.key``)."""
    data = read_yaml(path, shown)
    if not isinstance(data, dict):
        raise InputError.single(shown, 1, "the change set must be a YAML mapping with "
                                          f"'{VERSION_KEY}: {FORMAT_VERSION}' and 'changes'")
    try:
        parsed = ChangeFile.model_validate(data)
    except ValidationError as exc:
        raise InputError([_problem(err, data, shown) for err in exc.errors()]) from None
    out = []
    for item in parsed.changes:
        kind = item.kind
        params = getattr(item, kind)
        assert isinstance(params, _Strict)
        values = params.model_dump(by_alias=True, exclude_none=True)
        out.append(Change.make(kind, Source(shown, item.line), **values))
    return ChangeSet(tuple(out), shown, parsed.note), tuple(i.note for i in parsed.changes)


def _problem(err: Any, data: Any, shown: str) -> Problem:
    """One validation error as a Problem at the line of the key (or item) it is about."""
    loc = list(err["loc"])
    where = ".".join(str(p) for p in loc) or "(top level)"
    kind, message = err["type"], err["msg"]
    if kind == "extra_forbidden":
        message = "unknown key"
        if len(loc) == 3 and loc[0] == "changes":
            message = f"unknown kind (kinds: {', '.join(KINDS)})"
        elif len(loc) == 4 and loc[0] == "changes" and loc[2] in _PARAMS:
            allowed = _PARAMS[loc[2]].model_fields
            names = [f.alias or n for n, f in allowed.items() if n not in ("line", "key_lines")]
            message = f"unknown parameter of {loc[2]} (it takes: {', '.join(names)})"
    elif kind == "missing":
        message = "missing key"
    elif kind in ("string_too_short", "too_short"):
        message = "must not be empty"
    elif kind == "date_type":
        given = err.get("input")
        message = f"{given!r} is not a date: write it unquoted as YYYY-MM-DD"
    elif kind == "model_type":
        message = "must be a mapping"
    elif kind == "list_type":
        message = "must be a list"
    elif kind == "value_error":
        message = str(err["ctx"]["error"])
    return Problem(shown, line_at(data, loc), f"{where}: {message}")


def dump_changes(cs: ChangeSet, notes: Sequence[str | None] = ()) -> str:
    """The change set as a file ``load_changes`` reads back to changes with equal keys;
    ``notes``: a note to write under each change, in order (None: none)."""
    out = [f"{VERSION_KEY}: {FORMAT_VERSION}"]
    if cs.note is not None:
        out.append(f"note: {scalar(cs.note)}")
    out.append("changes:")
    for index, change in enumerate(cs.changes):
        out.append(f"  - {describe(change)}")
        note = notes[index] if index < len(notes) else None
        if note is not None:
            out.append(f"    note: {json.dumps(note, ensure_ascii=False)}")
    return "\n".join(out) + "\n"


def describe(change: Change) -> str:
    """One change as its change-set line reads: ``kind: {param: value, ...}``."""
    params = ", ".join(f"{name}: {_flow(value)}" for name, value in change.params)
    return f"{change.kind}: {{{params}}}"


def _flow(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return scalar(value)
