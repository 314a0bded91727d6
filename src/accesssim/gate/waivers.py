"""Waivers: a known exposure of one model accepted by fingerprint, with an owner, a reason
and an expiry date.

The waiver file (``accesssim-waivers.yaml``, docs/waivers.md) is read with the model's own
safe YAML loader, so every problem carries its line, and checked in one pass: every problem
in the file is reported at once, not the first only. ``judge`` then decides, from the diff
and the expectation results, every reason a check fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from accesssim.errors import InputError, Problem
from accesssim.gate.result import ModelDiff, Opened, Reason, ReasonKind, Waiver
from accesssim.i18n import msg
from accesssim.model.loader import line_at, read_yaml
from accesssim.model.provenance import Source
from accesssim.model.strict import StrictMapping
from accesssim.suite.checks import CheckResult

#: The version key and its only value; a later format gets a new number.
VERSION_KEY = "accesssim-waivers"
FORMAT_VERSION = 1
FINGERPRINT = re.compile(r"EXP-[0-9a-f]{16}")
#: Reason kinds in the order they are listed.
_KIND_ORDER: dict[ReasonKind, int] = {
    "expectation": 0, "exposure": 1, "no-expectations": 2, "no-longer-checked": 3,
    "expired-waiver": 4}


_Strict = StrictMapping  # frozen, strict, unknown keys refused, line kept


class WaiverEntry(_Strict):
    """One accepted exposure."""

    fingerprint: str = Field(
        description="The exposure's fingerprint, EXP- and 16 lowercase hex digits, as "
                    "`accesssim diff` and `accesssim check` print it.",
        json_schema_extra={"pattern": "^EXP-[0-9a-f]{16}$"})
    model: str = Field(
        min_length=1,
        description="The model file whose exposure is accepted, as `accesssim check` shows it: "
                    "relative to the project root, e.g. scenarios/incidents/01-kansai.yaml. "
                    "The same fingerprint in another model is not covered.")
    owner: str = Field(min_length=1, description="Who accepted it (a person or a team).")
    reason: str = Field(min_length=1, description="Why this exposure is accepted.")
    expires: dt.date = Field(
        description="Last day the waiver covers (inclusive), YYYY-MM-DD, unquoted.")

    @field_validator("fingerprint")
    @classmethod
    def _shaped(cls, value: str) -> str:
        if FINGERPRINT.fullmatch(value) is None:
            raise ValueError(f"{value!r} is not a fingerprint: write EXP- and 16 lowercase hex "
                             "digits, as the check output prints it")
        return value

    @field_validator("model")
    @classmethod
    def _model_path(cls, value: str) -> str:
        shaped = PurePosixPath(value)
        if (not value.strip() or "\\" in value or shaped.is_absolute() or ".." in shaped.parts
                or shaped.as_posix() != value):
            raise ValueError(f"{value!r} is not a model path as the check output shows it: "
                             "write it relative to the project root, with / and no ./ or ../ "
                             "(e.g. scenarios/incidents/01-kansai.yaml)")
        return value

    @field_validator("owner", "reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class WaiverFile(_Strict):
    """The whole waiver file."""

    version: Literal[1] = Field(alias="accesssim-waivers", description="Format version: 1.")
    waivers: list[WaiverEntry] = Field(description="The accepted exposures (may be empty).")

    @field_validator("version", mode="before")
    @classmethod
    def _exact_version(cls, value: object) -> object:
        """``true`` and ``1.0`` equal 1 in Python; the version is the integer 1 only."""
        if type(value) is not int or value != FORMAT_VERSION:
            raise ValueError(f"the waiver file version must be the number {FORMAT_VERSION}, "
                             f"not {value!r}")
        return value


def json_schema() -> dict[str, object]:
    """The JSON Schema of the waiver file (``accesssim schema --waivers``)."""
    schema = WaiverFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://accesssim.invalid/schema/waivers-v1.json"
    return schema


def load_waivers(path: Path, shown: str) -> tuple[Waiver, ...]:
    """Read a waiver file (``shown``: its path as users see it); raise InputError listing
    every problem with its line. Sorted by line."""
    data = read_yaml(path, shown)
    if not isinstance(data, dict):
        raise InputError.single(shown, 1, "the waiver file must be a YAML mapping with "
                                          f"'{VERSION_KEY}: {FORMAT_VERSION}' and 'waivers'")
    problems = _duplicates(data, shown)
    try:
        parsed = WaiverFile.model_validate(data)
    except ValidationError as exc:
        problems += [_problem(err, data, shown) for err in exc.errors()]
        raise InputError(problems) from None
    if problems:
        raise InputError(problems)
    return tuple(Waiver(w.fingerprint, w.model, w.owner, w.reason, w.expires,
                        Source(shown, w.line))
                 for w in parsed.waivers)


def _problem(err: Any, data: Any, shown: str) -> Problem:
    """One validation error as a Problem at the line of the key (or item) it is about."""
    loc = list(err["loc"])
    where = ".".join(str(p) for p in loc) or "(top level)"
    kind, message = err["type"], err["msg"]
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "missing key"
    elif kind == "string_too_short":
        message = "must not be empty"
    elif kind == "date_type":
        given = err.get("input")
        shown_value = str(given) if isinstance(given, dt.date) else repr(given)
        message = (f"{shown_value} is not a date: write it unquoted as YYYY-MM-DD "
                   "(the last day the waiver covers)")
    elif kind == "model_type":
        message = "each waiver must be a mapping of fingerprint, model, owner, reason and expires"
    elif kind == "list_type":
        message = "must be a list of waivers (write [] for none)"
    elif kind == "value_error":
        message = str(err["ctx"]["error"])
    return Problem(shown, line_at(data, loc), f"{where}: {message}")


def _duplicates(data: dict[str, Any], shown: str) -> list[Problem]:
    """A fingerprint waived twice for one model (which one applies would depend on the
    order). The same fingerprint for two models is two waivers, each covering its model."""
    items = data.get("waivers")
    first: dict[tuple[str, str], int] = {}
    problems = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str) \
                or not isinstance(item.get("model"), str):
            continue
        key = (item["model"], item["fingerprint"])
        line = line_at(data, ["waivers", index, "fingerprint"])
        if key in first:
            problems.append(Problem(shown, line, f"waivers.{index}.fingerprint: {key[1]} "
                                                 f"is waived twice for {key[0]} (first at "
                                                 f"line {first[key]})"))
        else:
            first[key] = line
    return problems


def judge(models: tuple[ModelDiff, ...], expectations: tuple[CheckResult, ...],
          waivers: tuple[Waiver, ...], today: dt.date, empty_paths: tuple[str, ...],
          removed: tuple[str, ...] = (), unread: tuple[tuple[str, str], ...] = ()
          ) -> tuple[tuple[ModelDiff, ...], tuple[Reason, ...]]:
    """Attach to each opened exposure the unexpired waiver of its model and fingerprint (an
    expired waiver covers nothing; a waiver of another model neither), and list every reason
    the check fails, sorted. ``removed``: the base's scenario files (``REF:path``) that HEAD
    no longer has: their expectations and their diff left the gate, which must not pass
    silently. ``unread``: (Casbin file, the base model that read it) that no HEAD scenario
    reads although the file is still there."""
    covering = _covering(waivers, today)
    judged = tuple(replace(m, opened=tuple(
                       replace(o, waiver=covering.get((m.model, o.fingerprint)))
                       for o in m.opened))
                   for m in models)
    reasons = [*(_failed(r) for r in expectations if not r.passed),
               *(_exposure(o) for m in judged for o in m.opened if o.waiver is None),
               *(Reason.of("no-expectations",
                           msg("{path}: no expectation at all; a scenario the gate checks "
                               "must state what it expects", path=str(path)))
                 for path in empty_paths),
               *(Reason.of("no-longer-checked",
                           msg("{path}: a scenario the base checks is gone (deleted, renamed "
                               "or moved away): its expectations and its diff are no longer "
                               "checked", path=str(path)))
                 for path in removed),
               *(Reason.of("no-longer-checked",
                           msg("{file}: {model} checked it, no scenario checks it now, and it "
                               "is still here (maybe still deployed): point a scenario at it, "
                               "or delete it", file=str(file), model=str(model)))
                 for file, model in unread),
               *(_expired(w) for w in waivers if w.expired(today))]
    return judged, tuple(sorted(set(reasons), key=_reason_key))


def unused(models: Iterable[ModelDiff], waivers: Iterable[Waiver]) -> tuple[Waiver, ...]:
    """The waivers that match no opened exposure of their model: the exposure is gone, or
    the model is not among those checked (not a failure: worth a look, the waiver may be
    removed). Sorted by file and line."""
    opened = {(m.model, o.fingerprint) for m in models for o in m.opened}
    return tuple(sorted((w for w in waivers if (w.model, w.fingerprint) not in opened),
                        key=lambda w: (w.source, w.fingerprint)))


def _covering(waivers: Iterable[Waiver], today: dt.date) -> dict[tuple[str, str], Waiver]:
    """Per (model, fingerprint) the unexpired waiver that lasts longest (ties: the first by
    line)."""
    best: dict[tuple[str, str], Waiver] = {}
    for w in sorted(waivers, key=lambda w: (w.source, w.fingerprint)):
        key = (w.model, w.fingerprint)
        known = best.get(key)
        if not w.expired(today) and (known is None or w.expires > known.expires):
            best[key] = w
    return best


def _failed(result: CheckResult) -> Reason:
    return Reason.of("expectation", msg("expectation {expectation} ({kind}) fails: {summary}",
                                        expectation=result.expectation, kind=result.kind,
                                        summary=result.summary),
                     Source(result.scenario, result.line))


def _exposure(o: Opened) -> Reason:
    people = (msg("1 person") if o.headcount == 1
              else msg("{count} people", count=o.headcount))
    modes = sorted({f.mode for f in o.gained})
    gained = msg(" in mode {modes}", modes=", ".join(modes)) if modes else ""
    status = msg("new") if o.status == "new" else msg("widened")
    said = msg("{name} ({person}, {org}, {people}) can now see {field}{gained}: {status} "
               "exposure {fingerprint} of finding {finding}, not waived", name=o.person_name,
               person=o.person, org=o.org, people=people, field=o.field, gained=gained,
               status=status, fingerprint=o.fingerprint, finding=o.finding)
    return Reason.of("exposure", said, o.location, o.fingerprint)


def _expired(w: Waiver) -> Reason:
    return Reason.of("expired-waiver",
                     msg("the waiver of {fingerprint} in {model} (owner {owner}) expired on "
                         "{date}: renew it or remove it", fingerprint=w.fingerprint,
                         model=w.model, owner=w.owner, date=w.expires.isoformat()),
                     w.source, w.fingerprint)


def _reason_key(r: Reason) -> tuple[object, ...]:
    where = (0, r.source.file, r.source.line) if r.source is not None else (1, "", 0)
    return (_KIND_ORDER[r.kind], *where, r.fingerprint or "", r.message)
