"""Write small inventory tables (CSV in any encoding, XLSX with sheets, Parquet) for the
import tests, the round-trip property and the benchmark."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

Cell = Any
SUFFIX = {"csv": ".csv", "xlsx": ".xlsx", "parquet": ".parquet"}

#: The hand-written part the import tests' mappings include: two companies, a place, a system.
PARTS = """\
organizations:
  - {id: a_nw, name: A NW, kind: grid}
  - {id: b_ep, name: B EP, kind: retail, affiliated_with: a_nw}
locations:
  - {id: office, owner: a_nw, open_to: [a_nw]}
systems:
  - {id: sys, owner: a_nw}
casbin: {model: accesssim.conf, policy: policy.csv}
"""


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Cell]],
              encoding: str = "utf-8") -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if c is None else c for c in row] for row in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_xlsx(path: Path, sheets: dict[str, tuple[Sequence[str], Sequence[Sequence[Cell]]]]
               ) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
    book.save(path)


def write_parquet(path: Path, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {h: [row[i] for row in rows] for i, h in enumerate(header)}
    pq.write_table(pa.table(columns), path)


def write_table(folder: Path, stem: str, fmt: str, header: Sequence[str],
                rows: Sequence[Sequence[Cell]], sheet: str = "Sheet1",
                encoding: str = "utf-8") -> dict[str, Any]:
    """Write one table; return the mapping entry's file/sheet/encoding keys for it."""
    path = folder / f"{stem}{SUFFIX[fmt]}"
    if fmt == "csv":
        write_csv(path, header, rows, encoding)
        return {"file": path.name, "encoding": encoding}
    if fmt == "xlsx":
        write_xlsx(path, {sheet: (header, rows)})
        return {"file": path.name, "sheet": sheet}
    write_parquet(path, header, rows)
    return {"file": path.name}


def write_mapping(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
