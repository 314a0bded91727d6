"""The DuckDB runner: the replay's queries (sql.py) on one machine, spilling to disk beyond
its memory limit, so a log larger than memory still replays."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

from accesssim.replay.sql import DUCKDB, Dialect

#: Column types of the tables handed over from Python.
ARROW = {"int": pa.int32(), "big": pa.int64(), "date": pa.date32(), "str": pa.string()}


def arrow_table(columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]) -> pa.Table:
    """Rows as an Arrow table of the given (name, type) columns (types as in ``ARROW``)."""
    arrays = [pa.array([row[i] for row in rows], type=ARROW[kind])
              for i, (_, kind) in enumerate(columns)]
    return pa.Table.from_arrays(arrays, names=[name for name, _ in columns])


def _path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DuckRunner:
    """Runs the replay's SQL in a DuckDB database file inside ``workdir`` (deleted after)."""

    dialect: Dialect = DUCKDB
    failures: tuple[type[Exception], ...] = (duckdb.Error,)

    def __init__(self, workdir: Path, *, memory_limit: str = "1536MB",
                 threads: int | None = None) -> None:
        self.con = duckdb.connect(str(workdir / "replay.duckdb"))
        # DuckDB's own progress bar writes to stdout: it would land inside a JSON or CSV
        # report written there (the CLI shows its own on stderr).
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute(f"SET temp_directory = {_path(workdir / 'spill')}")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")

    def source_text(self, name: str, path: Path) -> None:
        """A view of the file's lines: ``raw`` (NULL for an empty line) and ``line`` from 1."""
        self.con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT raw, row_number() OVER () AS line "
            f"FROM read_csv({_path(path)}, columns = {{'raw': 'VARCHAR'}}, header = false, "
            "delim = chr(0), quote = '', escape = '', auto_detect = false, parallel = false, "
            "strict_mode = false, null_padding = false)")

    def source_parquet(self, name: str, path: Path, columns: Sequence[tuple[str, str | None]],
                       typed: bool) -> None:
        """A view of a Parquet file: ``line`` (record from 1), ``ts`` and one text column per
        other role (NULL when the file lacks it)."""
        cells = []
        for role, column in columns:
            alias = "ts" if role == "timestamp" else role
            kind = "TIMESTAMP" if typed and role == "timestamp" else "VARCHAR"
            cells.append(f"CAST({_ident(column)} AS {kind}) AS {alias}" if column is not None
                         else f"CAST(NULL AS {kind}) AS {alias}")
        self.con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT file_row_number + 1 AS line, "
            f"{', '.join(cells)} FROM read_parquet({_path(path)}, file_row_number = true)")

    def table(self, name: str, columns: Sequence[tuple[str, str]],
              rows: Sequence[tuple[Any, ...]]) -> None:
        self.con.register(f"arrow_{name}", arrow_table(columns, rows))
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM arrow_{name}")
        self.con.unregister(f"arrow_{name}")

    def view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")

    def materialize(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.con.execute(sql).fetchall()]

    def write(self, sql: str, path: Path, fmt: str) -> None:
        """The rows of ``sql`` into ``path`` (a temporary name: the caller renames it)."""
        options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
        self.con.execute(f"COPY ({sql}) TO {_path(path)} ({options})")

    def close(self) -> None:
        self.con.close()
