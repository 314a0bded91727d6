"""The import mapping file (docs/import.md): which table holds what, and which column is which key.

Typed, frozen, strict classes; the JSON Schema shipped as ``data/import-mapping.schema.json``
is generated from them, so the documented format and the code cannot drift apart. A problem
in the mapping file is reported at its own line (``mapping.yaml:12``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from accesssim.errors import InputError, Problem
from accesssim.model.files import read_input_text
from accesssim.model.loader import line_at, parse_yaml
from accesssim.model.strict import StrictMapping

TableKind = Literal["organizations", "people", "locations", "accounts", "terminals",
                    "credentials", "door_access"]

#: The model keys a column may fill, per table kind; ``id``-like keys first.
KEYS: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "kind", "affiliated_with", "works_for"),
    "people": ("id", "name", "org", "headcount", "locations", "modes", "valid_from",
               "valid_until", "purpose", "note"),
    "locations": ("id", "name", "owner", "open_to", "modes", "valid_from", "valid_until",
                  "purpose", "note"),
    "accounts": ("id", "holder", "systems", "known_by", "issued_by", "modes", "valid_from",
                 "valid_until", "purpose", "note"),
    "terminals": ("id", "location", "owner", "assigned_to", "open", "systems", "accounts",
                  "logged_in", "modes", "valid_from", "valid_until", "purpose", "note"),
    "credentials": ("account", "person"),
    "door_access": ("location", "org", "person"),
}
#: Keys a table of that kind must map.
REQUIRED: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "kind"),
    "people": ("id", "org"),
    "locations": ("id", "owner"),
    "accounts": ("id", "holder", "systems"),
    "terminals": ("id", "location", "owner", "systems"),
    "credentials": ("account", "person"),
    "door_access": ("location",),
}
#: Keys whose value is a list: a cell holds several values split by the separator.
LIST_KEYS = frozenset({"works_for", "locations", "modes", "open_to", "systems", "known_by",
                       "assigned_to", "accounts", "logged_in"})


_Strict = StrictMapping  # frozen, strict, unknown keys refused, line kept


class Column(_Strict):
    """Where one model key comes from: a column (optionally through a value table) or a constant."""

    column: str | None = Field(default=None, description="The column's header text.")
    values: str | None = Field(
        default=None, description="Name of a value table (``values:``) the cell is mapped "
        "through; a cell the table does not name is a bad row.")
    value: str | int | bool | list[str] | None = Field(
        default=None, description="A constant for every row instead of a column.")

    @model_validator(mode="after")
    def _one_source(self) -> Column:
        if (self.column is None) == (self.value is None):
            raise ValueError("give exactly one of column and value")
        if self.values is not None and self.column is None:
            raise ValueError("values needs a column")
        return self


class Table(_Strict):
    """One source table: a CSV file, XLSX sheet(s) or a Parquet file, and its columns."""

    kind: TableKind
    file: str = Field(description="Path relative to the mapping file (.csv, .xlsx, .parquet).")
    sheet: str | list[str] | None = Field(
        default=None, description="XLSX only: the sheet, or several sheets with the same "
        "header; the first sheet when omitted.")
    encoding: str = Field(default="utf-8", description="CSV only: e.g. utf-8, cp932, shift_jis.")
    delimiter: str = Field(default=",", min_length=1, max_length=1, description="CSV only.")
    header_row: int = Field(default=1, ge=1, description="The row holding the column headers "
                            "(CSV: line; XLSX: row number); records follow it.")
    separator: str | None = Field(
        default=None, min_length=1,
        description="Splits list-valued cells; the mapping's separator when omitted.")
    columns: dict[str, str | Column] = Field(
        description="Model key -> column header, or {column, values} or {value}.")

    @model_validator(mode="before")
    @classmethod
    def _drop_line_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("columns"), dict):
            cols = {k: v for k, v in data["columns"].items() if k not in ("__line__", "__keys__")}
            return {**data, "columns": cols}
        return data

    def problems(self) -> list[tuple[list[str], str]]:
        """(location in the table, what is wrong) for keys this kind of table does not have
        or needs."""
        allowed = KEYS[self.kind]
        found = [(["columns", key], f"{self.kind} has no key {key} (known: {', '.join(allowed)})")
                 for key in self.columns if key not in allowed]
        missing = [k for k in REQUIRED[self.kind] if k not in self.columns]
        if missing:
            found.append((["columns"], f"{self.kind} needs a column for {', '.join(missing)}"))
        if self.kind == "door_access" and ("org" in self.columns) == ("person" in self.columns):
            found.append((["columns"], "door_access needs exactly one of org and person"))
        return found

    def column(self, key: str) -> Column | None:
        spec = self.columns.get(key)
        return Column(column=spec) if isinstance(spec, str) else spec

    def sheets(self) -> list[str | None]:
        if isinstance(self.sheet, list):
            return list(self.sheet)
        return [self.sheet]


class Mapping(_Strict):
    """The whole mapping file."""

    accesssim_import: Literal[1] = Field(alias="accesssim-import", description="Format version.")
    name: str
    description: str | None = None
    modes: list[str] = Field(default_factory=lambda: ["normal", "disaster"], min_length=1)
    include: list[str] = Field(
        default_factory=list, description="Hand-written model parts (systems, screens, "
        "masking, casbin), relative to the mapping file; rebased into the written model.")
    separator: str = Field(default=";", min_length=1, description="Splits list-valued cells.")
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Value tables: name -> {cell text: model id}.")
    tables: list[Table] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _drop_value_lines(cls, data: Any) -> Any:
        """Value tables are free-form mappings: the reader's line markers are not entries."""
        if isinstance(data, dict) and isinstance(data.get("values"), dict):
            tables = {k: {c: v for c, v in t.items() if c not in ("__line__", "__keys__")}
                      if isinstance(t, dict) else t
                      for k, t in data["values"].items() if k not in ("__line__", "__keys__")}
            return {**data, "values": tables}
        return data

    @model_validator(mode="after")
    def _known_value_tables(self) -> Mapping:
        for n, table in enumerate(self.tables):
            for key in table.columns:
                spec = table.column(key)
                if spec is not None and spec.values is not None and spec.values not in self.values:
                    raise ValueError(f"tables.{n}.columns.{key}: no value table {spec.values!r}")
        return self


def load_mapping(path: Path, shown: str) -> tuple[Mapping, Any]:
    """Read and validate a mapping file; every problem carries its line in that file."""
    data = parse_yaml(read_input_text(path, shown), shown)
    if not isinstance(data, dict):
        raise InputError.single(shown, 1, "the mapping must be a YAML mapping")
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in (
                "str", "Column", "list", "int", "bool")))]
            where = ".".join(str(p) for p in loc) or "(top level)"
            message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            message = message.removeprefix("Value error, ")
            problems.append(Problem(shown, line_at(data, loc), f"{where}: {message}"))
        raise InputError(problems) from None
    problems = [Problem(shown, line_at(data, ["tables", n, *loc]), f"tables.{n}: {message}")
                for n, table in enumerate(mapping.tables) for loc, message in table.problems()]
    if problems:
        raise InputError(problems)
    return mapping, data


def json_schema() -> dict[str, object]:
    """The JSON Schema of the mapping file (shipped as data/import-mapping.schema.json)."""
    schema = Mapping.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://accesssim.invalid/schema/import-mapping-v1.json"
    return schema
