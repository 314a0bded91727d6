"""Read one source table (CSV, XLSX sheets, Parquet) into rows that remember where they stand.

A row is cited as users see it in their tool: CSV by the physical line where the record
starts (the header is line 1), XLSX by the row number Excel shows, Parquet by the 1-based
record index. A cell that cannot be read (a byte the named encoding does not have, an Excel
error value, a control character) makes its row bad instead of stopping the whole import.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from accesssim.errors import AccessSimError
from accesssim.model.files import CONTROL, _read_bytes

_LINES = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

Cell = str | int | float | bool | dt.date | dt.datetime | None


class ReadError(AccessSimError):
    """The table as a whole cannot be read (missing sheet, not a spreadsheet, no header);
    ``key``: the mapping key the problem is cited at."""

    def __init__(self, message: str, key: str = "file") -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Row:
    """One record: its cells by column header, and where it stands."""

    file: str  # display path of the source file
    sheet: str | None
    row: int
    cells: dict[str, Cell]
    problem: str | None = None  # why the row cannot be read, if it cannot
    #: Cells that cannot be read, column -> why: a problem only if the mapping uses the column.
    bad: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.sheet}:{self.row}" if self.sheet else f"{self.file}:{self.row}"


@dataclass(frozen=True)
class Sheet:
    """The rows of one table (one CSV file, one XLSX sheet, one Parquet file)."""

    header: tuple[str, ...]
    rows: tuple[Row, ...]


def _control(cells: dict[str, Cell], bad: dict[str, str] | None = None) -> dict[str, str]:
    """``bad`` with every cell holding a control character added."""
    found = dict(bad or {})
    for name, value in cells.items():
        if isinstance(value, str) and (char := CONTROL.search(value)) is not None:
            found.setdefault(name, f"column {name}: control character U+{ord(char.group()):04X}")
    return found


def _decode_lines(raw: bytes, encoding: str) -> tuple[str, set[int]]:
    """The text, and the (1-based) lines holding bytes the encoding does not have.

    Decoded line by line so a bad byte costs one row, not the file; the line break byte
    never occurs inside a multibyte character of the ASCII-compatible encodings we accept
    (UTF-8, CP932/Shift_JIS, EUC-JP, Latin-1, ...).
    """
    bad: set[int] = set()
    parts = []
    # Lines end as the CSV reader counts them: CRLF, LF or a lone CR (old Mac exports).
    for number, line in enumerate(_LINES.findall(raw), start=1):
        try:
            parts.append(line.decode(encoding))
        except UnicodeDecodeError:
            bad.add(number)
            parts.append(line.decode(encoding, errors="replace"))
    text = "".join(parts)
    return (text[1:] if text.startswith("\ufeff") else text), bad


#: Every ASCII character a CSV file uses: an encoding we read must keep them as they are.
_PROBE = "".join(map(chr, range(32, 127))).replace("\\", "") + "\t\r\n\\u0041"


def _text_codec(encoding: str) -> str:
    """The codec's name, when it is a text encoding that keeps ASCII as it is (so a line
    break is a line break): not UTF-16/32, EBCDIC, UTF-7, or a bytes codec such as hex."""
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise ReadError(f"unknown encoding {encoding!r}", "encoding") from None
    if codec.name.startswith("utf-16") or codec.name.startswith("utf-32"):
        raise ReadError(f"encoding {encoding!r} is not supported: save the file as UTF-8",
                        "encoding")
    try:
        ascii_kept = _PROBE.encode("ascii").decode(codec.name, "replace") == _PROBE
    except (LookupError, UnicodeError, ValueError, TypeError):  # hex, base64, idna, ...
        ascii_kept = False
    if not ascii_kept:
        raise ReadError(f"encoding {encoding!r} is not supported: use a text encoding that "
                        "keeps ASCII as it is (utf-8, cp932, shift_jis, euc_jp, latin-1, ...)",
                        "encoding")
    return codec.name


def read_csv(path: Path, shown: str, encoding: str, delimiter: str, header_row: int) -> Sheet:
    """A CSV file in the named encoding; records start after ``header_row``."""
    name = _text_codec(encoding)
    raw = _read_bytes(path, shown)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ReadError("the file is UTF-16 (it starts with a UTF-16 byte order mark): save "
                        "it as UTF-8 or CP932", "encoding")
    if raw.startswith(codecs.BOM_UTF8) and not name.startswith("utf-8"):
        raise ReadError(f"the file starts with a UTF-8 byte order mark, so it is not {encoding}"
                        ": name its encoding utf-8", "encoding")
    text, bad_lines = _decode_lines(raw, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: tuple[str, ...] | None = None
    rows: list[Row] = []
    last = 0
    while True:
        start = last + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            last = reader.line_num
            if header is None and start < header_row:
                continue  # a title line above the header is not a record
            if header is None:
                raise ReadError(f"line {start}: the header cannot be read: {exc}",
                                "header_row") from None
            rows.append(Row(shown, None, start, {}, f"cannot read the record: {exc}"))
            continue
        last = reader.line_num
        if start < header_row:
            continue
        if header is None:
            if start != header_row:
                continue
            if set(range(start, last + 1)) & bad_lines:
                raise ReadError(f"line {start}: the header is not {encoding} text", "encoding")
            header = tuple(h.strip() for h in record)
            continue
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        cells: dict[str, Cell] = {h: (record[i].strip() if i < len(record) else None)
                                  for i, h in enumerate(header)}
        problem = None
        if set(range(start, last + 1)) & bad_lines:
            problem = f"unreadable cell: bytes that are not {encoding} text"
        elif len(record) > len(header):
            problem = f"{len(record)} cells but the header has {len(header)} columns"
        rows.append(Row(shown, None, start, cells, problem, _control(cells)))
    if header is None:
        raise ReadError(f"no header at line {header_row}", "header_row")
    return Sheet(header, tuple(rows))


def _excel_value(value: object) -> tuple[Cell, str | None]:
    from openpyxl.cell.cell import ERROR_CODES  # type: ignore[import-untyped]

    if isinstance(value, str):
        if value in ERROR_CODES:
            return None, f"Excel error value {value}"
        return value.strip(), None
    if value is None or isinstance(value, (int, float, bool, dt.date)):
        return value, None
    return None, f"a {type(value).__name__} value"


def read_xlsx(path: Path, shown: str, sheets: list[str | None], header_row: int) -> list[Sheet]:
    """The named sheets (the first when None) of a workbook, read-only, values not formulas.

    The workbook is read twice, for values and for formulas: a formula cell whose value was
    never saved (a file written by a script, not by Excel) reads as empty, and must make
    its row bad rather than become an empty cell."""
    import openpyxl  # type: ignore[import-untyped]

    _read_bytes(path, shown)  # the same checks as every input file (regular, size)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ReadError(f"not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        result = []
        for name in sheets:
            if name is not None and name not in book.sheetnames:
                raise ReadError(f"no sheet {name!r} (sheets: {', '.join(book.sheetnames)})",
                                "sheet")
            if not book.worksheets:
                raise ReadError("the workbook holds no worksheet")
            ws = book[name] if name is not None else book.worksheets[0]
            if not hasattr(ws, "iter_rows"):
                raise ReadError(f"sheet {name!r} is a chart, not a table", "sheet")
            try:
                result.append(_read_sheet(ws, formulas[ws.title], shown, ws.title, header_row))
            except ReadError:
                raise
            except Exception as exc:  # a damaged sheet: openpyxl, zipfile and XML errors
                raise ReadError(f"sheet {ws.title!r} is not readable "
                                f"({type(exc).__name__})") from None
        return result
    finally:
        book.close()
        formulas.close()


def _read_sheet(ws: object, raw: object, shown: str, title: str, header_row: int) -> Sheet:
    """Rows below the header, only as wide as the header: a stray formatted cell far off
    (XFD1048576) must not make every row 16,384 cells wide."""
    top = next(ws.iter_rows(min_row=header_row, max_row=header_row,  # type: ignore[attr-defined]
                            values_only=True), None)
    names = ["" if v is None else str(v).strip() for v in top or ()]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise ReadError(f"sheet {title!r}: no header at row {header_row}", "header_row")
    header = tuple(names)
    rows: list[Row] = []
    for number, (values, written) in enumerate(zip(
            ws.iter_rows(min_row=header_row + 1, max_col=len(header),  # type: ignore[attr-defined]
                         values_only=True),
            raw.iter_rows(min_row=header_row + 1, max_col=len(header),  # type: ignore[attr-defined]
                          values_only=True),
            strict=False), start=header_row + 1):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values) \
                and all(v is None for v in written):
            continue
        cells: dict[str, Cell] = {}
        unreadable: dict[str, str] = {}
        for i, h in enumerate(header):
            value, bad = _excel_value(values[i] if i < len(values) else None)
            if value is None and bad is None and i < len(written) and written[i] is not None:
                bad = "a formula whose value was never saved (open and save the file in Excel)"
            cells[h] = value
            if bad is not None:
                unreadable.setdefault(h, f"unreadable cell in column {h}: {bad}")
        rows.append(Row(shown, title, number, cells, None, _control(cells, unreadable)))
    return Sheet(header, tuple(rows))


def read_parquet(path: Path, shown: str) -> Sheet:
    """A Parquet file; record N (1-based) is row N."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    _read_bytes(path, shown)
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        raise ReadError(f"not a readable Parquet file ({type(exc).__name__})") from None
    header = tuple(table.column_names)
    rows = []
    for number, record in enumerate(_records(table), start=1):
        cells: dict[str, Cell] = {}
        unreadable: dict[str, str] = {}
        for name, value in record.items():
            if isinstance(value, str):
                value = value.strip()
            if isinstance(value, Decimal) and value.is_finite():  # NUMERIC(p, s) of a database
                value = int(value) if value == value.to_integral_value() else float(value)
            if value is not None and not isinstance(value, (str, int, float, bool, dt.date)):
                unreadable[name] = f"unreadable cell in column {name}: a {type(value).__name__}"
                value = None
            cells[name] = value
        rows.append(Row(shown, None, number, cells, None, _control(cells, unreadable)))
    return Sheet(header, tuple(rows))


def _records(table: object) -> Iterator[dict[str, Cell]]:
    yield from table.to_pylist()  # type: ignore[attr-defined]
