"""Rows -> model elements: each cell typed, mapped through its value table, checked, cited.

Every problem is a ``Problem`` whose file is ``file`` or ``file:sheet`` and whose line is the
row, so all bad rows are reported at once, sorted, as ``file:sheet:row: what``. With
``lenient`` the bad rows, and every row that rests on one, are left out and listed instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from collections.abc import Mapping as TypingMapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from accesssim.errors import Problem
from accesssim.inventory.mapping import KEYS, LIST_KEYS, REQUIRED, Column, Mapping, Table
from accesssim.inventory.readers import Cell, Row
from accesssim.model.schema import Account, Location, Organization, Person, Terminal

ELEMENTS = ("organizations", "people", "locations", "accounts", "terminals")
SCHEMAS: dict[str, type[BaseModel]] = {
    "organizations": Organization, "people": Person, "locations": Location,
    "accounts": Account, "terminals": Terminal,
}
#: Which section each referring key names (systems come from the hand-written parts).
REFERS: dict[str, str] = {
    "org": "organizations", "owner": "organizations", "open_to": "organizations",
    "issued_by": "organizations", "affiliated_with": "organizations",
    "works_for": "organizations", "holder": "people", "known_by": "people",
    "assigned_to": "people", "person": "people", "locations": "locations",
    "location": "locations", "accounts": "accounts", "logged_in": "accounts",
    "account": "accounts", "systems": "systems",
}
WORDS = {"organizations": "organisation", "people": "person", "locations": "location",
         "accounts": "account", "systems": "system"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0", ""}


class BadCell(ValueError):
    """One cell that cannot become the value its key needs."""


@dataclass(frozen=True)
class Record:
    """A converted row: an element (``kind`` in ELEMENTS) or a link (credentials, door_access)."""

    kind: str
    row: Row
    values: dict[str, Any]

    @property
    def ident(self) -> str | None:
        value = self.values.get("id")
        return value if isinstance(value, str) else None

    def refs(self) -> list[tuple[str, str]]:
        """(section, id) pairs this record names."""
        found = []
        for key, value in self.values.items():
            section = REFERS.get(key)
            if section is None or (self.kind == "accounts" and key == "accounts"):
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and not (key == "accounts" and item == "any"):
                    found.append((section, item))
        return found


@dataclass(frozen=True)
class Converted:
    """The imported sections (id -> element dict), and what was wrong or left out."""

    sections: dict[str, list[tuple[Record, dict[str, Any]]]]
    problems: tuple[Problem, ...]
    skipped: tuple[Problem, ...] = ()
    links: tuple[Record, ...] = field(default=())


def problem(row: Row, message: str) -> Problem:
    return Problem(f"{row.file}:{row.sheet}" if row.sheet else row.file, row.row, message)


def _text(value: Cell, key: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadCell(f"{key}: a boolean where a word is expected")
    if isinstance(value, float):
        if not value.is_integer():
            raise BadCell(f"{key}: the number {value} where a word is expected")
        if abs(value) >= 1e15:  # Excel keeps 15 significant digits: the rest may be lost
            raise BadCell(f"{key}: the number {value:.0f} has more than 15 digits, which a "
                          "spreadsheet number cannot hold exactly: store it as text")
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        raise BadCell(f"{key}: a date where a word is expected")
    return str(value)


def _through(value: str, key: str, table: str | None, values: TypingMapping[str, dict[str, str]]
             ) -> str:
    if table is None:
        return value
    mapped = values[table].get(value)
    if mapped is None:
        word = WORDS.get(REFERS.get(key, ""), key)
        raise BadCell(f"unknown {word} {value!r} in {key}: not in value table {table!r}")
    return mapped


def convert_cell(key: str, value: Cell, table: str | None, mapping: Mapping, sep: str) -> Any:
    """One cell as the value of model key ``key`` (None when empty); raises BadCell.

    A value table applies before the cell is typed, so it can turn a register's own words
    (はい/いいえ, ○/×) into what the key takes; list cells are mapped item by item."""
    if table is not None and key not in LIST_KEYS and isinstance(value, str) and value.strip():
        value, table = _through(value.strip(), key, table, mapping.values), None
    if key in ("valid_from", "valid_until"):
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            if value.time() != dt.time():
                raise BadCell(f"bad date in {key}: {value} has a time of day")
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value)
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            return dt.date.fromisoformat(text)
        except ValueError:
            raise BadCell(f"bad date in {key}: {text!r} (write YYYY-MM-DD)") from None
    if key == "headcount":
        if value is None or value == "":
            return None
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise BadCell(f"wrong type in headcount: {value!r} is not a whole number")
        if isinstance(value, (int, float)):
            return int(value)
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return int(value)
        raise BadCell(f"wrong type in headcount: {value!r} is not a whole number")
    if key == "open":
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise BadCell(f"wrong type in open: {value!r} is not true/false/yes/no/1/0")
    if key in LIST_KEYS:
        if isinstance(value, list):
            items = [str(v) for v in value]
        else:
            joined = _text(value, key)
            items = [] if joined is None else [p.strip() for p in joined.split(sep)]
        items = [_through(v, key, table, mapping.values) for v in items if v]
        if key == "accounts" and items in (["any"], ["none"], []):
            return {"any": "any", "none": []}.get(items[0]) if items else None
        return list(dict.fromkeys(items))
    word = _text(value, key)
    return None if word is None else _through(word, key, table, mapping.values)


def columns(spec: Table) -> list[tuple[str, Column]]:
    """The table's columns by model key, in the model's key order (computed once a table)."""
    return [(key, col) for key in KEYS[spec.kind] if (col := spec.column(key)) is not None]


def convert_row(spec: Table, row: Row, mapping: Mapping,
                cols: list[tuple[str, Column]] | None = None) -> tuple[Record | None, list[str]]:
    """A record, or the reasons the row is bad (all of them)."""
    if row.problem is not None:
        return None, [row.problem]
    cols = columns(spec) if cols is None else cols
    # An unreadable cell matters only in a column the mapping uses.
    unreadable = [row.bad[c.column] for _, c in cols if c.column in row.bad and c.column]
    if unreadable:
        return None, list(dict.fromkeys(unreadable))
    sep = spec.separator or mapping.separator
    values: dict[str, Any] = {}
    reasons: list[str] = []
    for key, col in cols:
        raw: Cell | list[str] = col.value if col.column is None else row.cells.get(col.column)
        try:
            value = convert_cell(key, raw, col.values, mapping, sep)  # type: ignore[arg-type]
        except BadCell as exc:
            reasons.append(str(exc))
            continue
        if value is None or (value == [] and key != "accounts"):
            if key in REQUIRED[spec.kind] or (spec.kind == "door_access" and key != "location"):
                reasons.append(f"missing {key} (column {col.column})" if col.column
                               else f"missing {key}")
            continue
        if key == "modes":
            reasons += [f"unknown mode {m!r} (the mapping's modes: {', '.join(mapping.modes)})"
                        for m in value if m not in mapping.modes]
        values[key] = value
    if reasons:
        return None, reasons
    record = Record(spec.kind, row, values)
    if spec.kind in SCHEMAS:
        try:
            SCHEMAS[spec.kind].model_validate(element(record))
        except ValidationError as exc:
            return None, [_schema_reason(err) for err in exc.errors()]
    return record, []


def _schema_reason(err: Any) -> str:
    where = ".".join(str(p) for p in err["loc"] if p not in ("list[str]", "literal['any']"))
    return f"wrong value in {where}: {err['msg']}"


def element(record: Record) -> dict[str, Any]:
    """The model mapping of an element record, keys in the model's documented order."""
    out: dict[str, Any] = {}
    for key in KEYS[record.kind]:
        if key in record.values and key not in ("valid_from", "valid_until"):
            out[key] = record.values[key]
    valid = {k: record.values[f"valid_{k2}"] for k, k2 in (("from", "from"), ("until", "until"))
             if f"valid_{k2}" in record.values}
    if valid:
        out["valid"] = valid
    return out


Progress = Callable[[int, int], None]


def convert(mapping: Mapping, tables: list[tuple[Table, list[Row]]],
            known: dict[str, set[str]], lenient: bool) -> Converted:
    """Every row of every table checked at once; ``known``: ids of the hand-written parts."""
    bad: list[Problem] = []
    records: list[Record] = []
    bad_ids: set[tuple[str, str]] = set()  # ids of rows that are bad: named, but left out
    bad_at: dict[str, Row] = {}  # the first bad row holding each such id
    for spec, rows in tables:
        cols = columns(spec)
        for row in rows:
            record, reasons = convert_row(spec, row, mapping, cols)
            bad.extend(problem(row, reason) for reason in reasons)
            if record is not None:
                records.append(record)
            elif spec.kind in ELEMENTS and (ident := _raw_id(spec, row, mapping)) is not None:
                bad_ids.add((spec.kind, ident))
                bad_at.setdefault(ident, row)
    defined: dict[tuple[str, str], Record] = {}
    seen: dict[str, Record] = {}
    kept: list[Record] = []
    for record in records:
        ident = record.ident
        if ident is None:
            kept.append(record)
            continue
        key = (record.kind, ident)
        first = seen.get(ident)
        if any(ident in ids for ids in known.values()):
            bad.append(problem(record.row, f"duplicate id {ident!r}: already in the "
                                           "hand-written model parts"))
        elif first is not None:  # ids are one namespace across the model (model-format.md)
            bad.append(problem(record.row, f"duplicate id {ident!r} (first at "
                                           f"{first.row.where})"))
        elif ident in bad_at:  # reported now, not only once that row is mended
            bad.append(problem(record.row, f"duplicate id {ident!r} (also at "
                                           f"{bad_at[ident].where}, a bad row)"))
        else:
            defined[key] = seen[ident] = record
            kept.append(record)
    # Ids of rows that are bad for other reasons still count as known: the row is reported
    # once, as itself, not again as every reference to it.
    named = {(s, i) for s, ids in known.items() for i in ids} | set(defined) | bad_ids
    missing_refs: list[Record] = []
    for record in kept:
        unknown = [(s, i) for s, i in record.refs() if (s, i) not in named]
        for section, ident in unknown:
            bad.append(problem(record.row, f"unknown {WORDS[section]} {ident!r}"))
        target = _link_target(record)
        if target is not None and target[1] in known.get(target[0], ()):
            bad.append(problem(record.row, f"{WORDS[target[0]]} {target[1]!r} is in the "
                               "hand-written parts: a table can only add to imported elements"))
            unknown.append(target)
        if unknown:
            missing_refs.append(record)
    if bad and not lenient:
        return Converted({}, tuple(sorted(set(bad))), ())
    bad_rows = {(p.file, p.line) for p in bad}
    dropped = {id(r) for r in missing_refs}  # records hold dicts: compared by identity
    kept = [r for r in kept if id(r) not in dropped and _key(r.row) not in bad_rows]
    skipped = list(bad)
    alive = {(s, i) for s, ids in known.items() for i in ids}
    alive |= {(r.kind, r.ident) for r in kept if r.ident is not None}
    while True:  # leave out what rests on a left-out row, until nothing more goes
        gone = [r for r in kept if any(ref not in alive for ref in r.refs())]
        if not gone:
            break
        for record in gone:
            section, ident = next(ref for ref in record.refs() if ref not in alive)
            skipped.append(problem(record.row, f"left out: rests on {WORDS[section]} "
                                               f"{ident!r}, which was left out"))
            if record.ident is not None:
                alive.discard((record.kind, record.ident))
        gone_ids = {id(r) for r in gone}
        kept = [r for r in kept if id(r) not in gone_ids]
    return Converted(_sections(kept), (), tuple(sorted(set(skipped))))


def _raw_id(spec: Table, row: Row, mapping: Mapping) -> str | None:
    """The id a bad row would have defined, when it can be read."""
    col = spec.column("id")
    if col is None or col.column is None:
        return None
    try:
        ident = convert_cell("id", row.cells.get(col.column), col.values, mapping, ";")
    except BadCell:
        return None
    return ident if isinstance(ident, str) else None


def _link_target(record: Record) -> tuple[str, str] | None:
    """The imported element a link row adds to."""
    if record.kind == "credentials":
        return ("accounts", record.values["account"])
    if record.kind == "door_access":
        if "org" in record.values:
            return ("locations", record.values["location"])
        return ("people", record.values["person"])
    return None


def _key(row: Row) -> tuple[str, int]:
    return (f"{row.file}:{row.sheet}" if row.sheet else row.file, row.row)


def _sections(records: list[Record]) -> dict[str, list[tuple[Record, dict[str, Any]]]]:
    """Elements by section, sorted by id, with the links (credentials, door access) applied."""
    elements = {(r.kind, r.ident): element(r) for r in records if r.kind in ELEMENTS}
    for link in records:
        if link.kind == "credentials":
            target = elements.get(("accounts", link.values["account"]))
            if target is not None:
                _add(target, "known_by", link.values["person"])
        elif link.kind == "door_access":
            location = link.values["location"]
            if "org" in link.values and ("locations", location) in elements:
                _add(elements[("locations", location)], "open_to", link.values["org"])
            elif "person" in link.values and ("people", link.values["person"]) in elements:
                _add(elements[("people", link.values["person"])], "locations", location)
    out: dict[str, list[tuple[Record, dict[str, Any]]]] = {s: [] for s in ELEMENTS}
    for record in records:
        if record.kind in ELEMENTS:
            out[record.kind].append((record, elements[(record.kind, record.ident)]))
    for section in out.values():
        section.sort(key=lambda pair: str(pair[1]["id"]))
    return out


def _add(target: dict[str, Any], key: str, value: str) -> None:
    target[key] = sorted({*target.get(key, []), value})
