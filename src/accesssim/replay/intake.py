"""What each log is and where its columns are, read before the engine touches the rows.

Only the first line of a CSV log (its header) and a Parquet log's schema are read here, in
Python; the rows themselves are read by the engine (sql.py). A log whose header lacks a column
the replay needs is refused at its line 1, before anything runs.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from accesssim.errors import InputError, Problem
from accesssim.replay.config import REQUIRED, ROLES, ReplayConfig


def _same_text(kind: pa.DataType) -> bool:
    """A Parquet type both engines turn into the same text (a float or a nested value each
    writes its own way: 1e+20 and 1.0E20)."""
    value = kind.value_type if pa.types.is_dictionary(kind) else kind
    return bool(pa.types.is_string(value) or pa.types.is_large_string(value)
                or pa.types.is_integer(value) or pa.types.is_null(value))


KINDS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


@dataclass(frozen=True)
class Source:
    """One log: its number (logs numbered in the order of their names), how to read it, and
    (CSV) the position of each role's column and the header's width, or (Parquet) each role's
    column name and whether the timestamp column is already typed."""

    fid: int
    path: Path
    shown: str
    kind: str  # csv | jsonl | parquet
    positions: tuple[tuple[str, int | None], ...] = ()
    width: int = 0
    columns: tuple[tuple[str, str | None], ...] = ()
    typed: bool = False


def _cells(line: str, delimiter: str) -> list[str]:
    cells = []
    for cell in line.split(delimiter):  # spaces only, as the engines trim the rows' cells
        text = cell.strip(" ")
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1].replace('""', '"').strip(" ")
        cells.append(text)
    return cells


def _first_line(path: Path, shown: str) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.readline()
    except OSError as exc:
        raise InputError.single(shown, 0, f"cannot read the log: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError.single(shown, 1, "the header is not UTF-8 text") from None
    # A line ends at CR too (old Mac exports): both engines split there, so must the header.
    return text.removeprefix("\ufeff").split("\r")[0].rstrip("\n")


def _breaks(block: bytes, end: int, after_cr: bool) -> int:
    """Line ends in ``block[:end]``: LF, CRLF or a CR alone, as the engines split lines
    (``after_cr``: the block before ended in CR, so an LF first completes that CRLF)."""
    found = (block.count(b"\n", 0, end) + block.count(b"\r", 0, end)
             - block.count(b"\r\n", 0, end))
    return found - 1 if after_cr and end > 0 and block[:1] == b"\n" else found


def check_text(path: Path, shown: str, chunk: int = 1 << 24) -> None:
    """Refuse a text log that is not UTF-8 or holds a NUL byte, at its line: the engines
    would otherwise read it differently (one stops, the other replaces the bytes)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    lines, after_cr = 1, False
    try:
        with path.open("rb") as handle:
            while block := handle.read(chunk):
                nul = block.find(b"\0")
                pending = len(decoder.getstate()[0])
                try:
                    if pending or not block.isascii():  # ASCII is UTF-8, checked quickly
                        decoder.decode(block)
                except UnicodeDecodeError as exc:
                    bad = max(exc.start - pending, 0)
                    raise InputError.single(shown, lines + _breaks(block, bad, after_cr),
                                            "not UTF-8 text: save the log as UTF-8") from None
                if nul >= 0:
                    raise InputError.single(shown, lines + _breaks(block, nul, after_cr),
                                            "a NUL byte in a log line")
                lines += _breaks(block, len(block), after_cr)
                after_cr = block.endswith(b"\r")
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InputError.single(shown, lines, "not UTF-8 text: save the log as UTF-8") from None
    except OSError as exc:
        raise InputError.single(shown, 0, f"cannot read the log: {exc.strerror}") from None


def _missing(shown: str, line: int, role: str, name: str, found: list[str]) -> Problem:
    return Problem(shown, line, f"no column {name!r} for the {role} (found: "
                   f"{', '.join(found) or 'nothing'}); map it in the mapping file")


def _csv(fid: int, path: Path, shown: str, config: ReplayConfig) -> Source:
    header = _first_line(path, shown)
    if not header.strip():
        raise InputError.single(shown, 1, "the first line must be the header naming the columns")
    if any(c.startswith('"') and not (len(c) > 1 and c.endswith('"'))
           for c in (x.strip(" ") for x in header.split(config.delimiter))):
        raise InputError.single(shown, 1, "quoted value holding the delimiter in the header")
    names = _cells(header, config.delimiter)
    problems = [_missing(shown, 1, role, config.column(role), names)
                for role in (*REQUIRED, *config.named) if config.column(role) not in names]
    if problems:
        raise InputError(problems)
    twice = sorted({config.column(r) for r in ROLES if names.count(config.column(r)) > 1})
    if twice:
        raise InputError.single(shown, 1, f"column {', '.join(twice)} appears twice")
    positions = tuple((role, names.index(config.column(role)) + 1
                       if config.column(role) in names else None) for role in ROLES)
    return Source(fid, path, shown, "csv", positions=positions, width=len(names))


def _parquet(fid: int, path: Path, shown: str, config: ReplayConfig) -> Source:
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError.single(shown, 0, f"not a readable Parquet file ({exc})") from None
    names = list(schema.names)
    problems = [_missing(shown, 0, role, config.column(role), names)
                for role in (*REQUIRED, *config.named) if config.column(role) not in names]
    if problems:
        raise InputError(problems)
    ts = schema.field(config.column("timestamp")).type
    if pa.types.is_timestamp(ts) and ts.tz is not None:
        raise InputError.single(shown, 0, f"column {config.column('timestamp')!r} holds "
                                "timestamps with a time zone; replay reads local wall-clock time")
    typed = pa.types.is_timestamp(ts) or pa.types.is_date(ts)
    for role in ROLES[1:]:  # the fields shown are not replayed: a list of them is fine
        name = config.column(role)
        kind = schema.field(name).type if name in names else pa.string()
        if role != "fields" and not _same_text(kind):
            raise InputError.single(shown, 0, f"column {name!r} holds {kind}, not text or "
                                    "whole numbers: the engines would write it differently")
    columns = tuple((role, config.column(role) if config.column(role) in names else None)
                    for role in ROLES)
    return Source(fid, path, shown, "parquet", columns=columns, typed=typed)


def plan(logs: list[Path], shown: list[str], config: ReplayConfig) -> list[Source]:
    """Every log checked and numbered (by the name it is shown under: the report's order)."""
    if len(logs) != len(shown) or not logs:
        raise InputError.single("LOGS", 0, "give at least one log")
    twice = sorted({s for s in shown if shown.count(s) > 1})
    if twice:
        raise InputError([Problem(s, 0, "the same log is given twice") for s in twice])
    first: dict[object, str] = {}
    for name, path in zip(shown, logs, strict=True):  # ./a.csv and a.csv, a link to it
        at = path.stat() if path.is_file() else None
        same = (at.st_dev, at.st_ino) if at is not None else path.resolve()
        if same in first:
            raise InputError.single(name, 0, f"the same log is given twice (also as "
                                    f"{first[same]})")
        first[same] = name
    sources = []
    for fid, (name, path) in enumerate(sorted(zip(shown, logs, strict=True))):
        kind = KINDS.get(path.suffix.lower())
        if kind is None:
            raise InputError.single(name, 0, "unknown log format: name it .csv, .jsonl, "
                                    ".ndjson or .parquet")
        if not path.is_file():
            raise InputError.single(name, 0, "no such log file")
        if kind != "parquet":
            check_text(path, name)
        if kind == "csv":
            sources.append(_csv(fid, path, name, config))
        elif kind == "parquet":
            sources.append(_parquet(fid, path, name, config))
        else:
            sources.append(Source(fid, path, name, "jsonl"))
    return sources
