"""How a replay reads its logs: the column mapping (YAML) and the calendar of disaster periods
(CSV). Both are checked strictly; every problem names its file and line (docs/replay.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from accesssim.errors import InputError, Problem
from accesssim.model.files import read_input_text
from accesssim.model.loader import line_at, parse_yaml
from accesssim.model.strict import StrictMapping

#: The roles of a log's columns; the first five must be present in every log.
ROLES = ("timestamp", "account", "terminal", "system", "screen", "customer", "fields", "session")
REQUIRED = ROLES[:5]
#: Characters a column name may not hold: names are written into the engines' JSON paths
#: (Spark reads ``$['*']`` as every field, not the field named ``*``).
_UNSAFE = frozenset("'\"\\`[]*")


class Columns(StrictMapping):
    """Role -> the column's name in the log (each defaults to its own name)."""

    timestamp: str = Field(default="timestamp", min_length=1)
    account: str = Field(default="account", min_length=1)
    terminal: str = Field(default="terminal", min_length=1)
    system: str = Field(default="system", min_length=1)
    screen: str = Field(default="screen", min_length=1)
    customer: str = Field(default="customer", min_length=1)
    fields: str = Field(default="fields", min_length=1)
    session: str = Field(default="session", min_length=1)

    @field_validator(*ROLES)
    @classmethod
    def _safe(cls, value: str) -> str:
        if _UNSAFE & set(value):
            raise ValueError("a column name may not hold quotes, backslashes, brackets or "
                             "asterisks")
        return value

    @model_validator(mode="after")
    def _distinct(self) -> Columns:
        names = [getattr(self, role) for role in ROLES]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"{', '.join(duplicated)} mapped to several roles")
        return self


class Modes(StrictMapping):
    """The model's names of the two modes a replay tells apart."""

    normal: str = Field(default="normal", min_length=1)
    disaster: str = Field(default="disaster", min_length=1)

    @model_validator(mode="after")
    def _different(self) -> Modes:
        # One name for both would judge every day in one mode: the calendar would be ignored.
        if self.normal == self.disaster:
            raise ValueError(f"normal and disaster are both mode {self.normal}: a replay must "
                             "tell the two apart")
        return self


class MappingFile(StrictMapping):
    """The whole mapping file of ``accesssim replay --mapping``."""

    columns: Columns = Field(default_factory=Columns)
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    fields_separator: str = Field(default=";", min_length=1)
    modes: Modes = Field(default_factory=Modes)

    @field_validator("delimiter")
    @classmethod
    def _usable(cls, value: str) -> str:
        if value in ('"', "\n", "\r", "\0"):
            raise ValueError("the delimiter may not be a quote, a line break or NUL")
        return value


@dataclass(frozen=True)
class Period:
    """One declared disaster, both days inclusive, and the calendar line declaring it."""

    first: dt.date
    last: dt.date
    name: str
    line: int


@dataclass(frozen=True)
class ReplayConfig:
    """Everything a replay needs to know about its logs besides the files themselves."""

    columns: tuple[tuple[str, str], ...] = tuple((r, r) for r in ROLES)  # (role, column name)
    named: tuple[str, ...] = ()  # the optional roles the mapping names: their columns must exist
    delimiter: str = ","
    fields_separator: str = ";"
    normal: str = "normal"
    disaster: str = "disaster"
    disasters: tuple[Period, ...] = ()

    def column(self, role: str) -> str:
        return dict(self.columns)[role]


def load_mapping(path: Path, shown: str) -> MappingFile:
    """Read and validate a mapping file; every problem carries its line in that file."""
    data: Any = parse_yaml(read_input_text(path, shown), shown)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError.single(shown, 1, "the mapping must be a YAML mapping")
    try:
        return MappingFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = list(err["loc"])
            where = ".".join(str(p) for p in loc) or "(top level)"
            message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            message = message.removeprefix("Value error, ")
            problems.append(Problem(shown, line_at(data, loc), f"{where}: {message}"))
        raise InputError(problems) from None


def _day(text: str, shown: str, line: int, column: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError.single(shown, line, f"{column}: {text!r} is not a date "
                                "(YYYY-MM-DD)") from None


def load_calendar(path: Path, shown: str) -> tuple[Period, ...]:
    """Read a calendar CSV (header ``from,until,name``; ISO dates, both days inclusive)."""
    text = read_input_text(path, shown)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    periods: list[Period] = []
    try:
        for row in reader:
            line = reader.line_num
            if line == 1 and [c.strip() for c in row] != ["from", "until", "name"]:
                raise InputError.single(shown, 1, "the header must be from,until,name")
            if line == 1 or not "".join(row).strip():
                continue
            if len(row) != 3:
                raise InputError.single(shown, line, f"expected 3 values (from,until,name), "
                                        f"found {len(row)}")
            first = _day(row[0].strip(), shown, line, "from")
            last = _day(row[1].strip(), shown, line, "until")
            if last < first:
                raise InputError.single(shown, line, f"until {last} is before from {first}")
            periods.append(Period(first, last, row[2].strip(), line))
    except csv.Error as exc:
        raise InputError.single(shown, reader.line_num, f"CSV error: {exc}") from None
    if not text.strip():
        raise InputError.single(shown, 1, "the header must be from,until,name")
    return tuple(periods)


def build_config(mapping: Path | None = None, mapping_shown: str | None = None,
                 calendar: Path | None = None, calendar_shown: str | None = None
                 ) -> ReplayConfig:
    """The configuration from an optional mapping file and an optional calendar."""
    spec = MappingFile() if mapping is None else load_mapping(
        mapping, mapping_shown or str(mapping))
    periods = () if calendar is None else load_calendar(calendar, calendar_shown or str(calendar))
    columns = tuple((role, str(getattr(spec.columns, role))) for role in ROLES)
    named = tuple(r for r in ROLES if r not in REQUIRED and r in spec.columns.model_fields_set)
    return ReplayConfig(columns=columns, named=named, delimiter=spec.delimiter,
                        fields_separator=spec.fields_separator, normal=spec.modes.normal,
                        disaster=spec.modes.disaster, disasters=periods)
