"""A Casbin policy held in a database table, read through ``casbin-async-sqlalchemy-adapter``.

The rows are read twice: directly, in id order, to check each one with the CSV path's checker
(``rules.check_rows``) and cite ``table:id``; and through the adapter, as a deployed system
loads them, to build the enforcer. The adapter joins a row's values with ", " and Casbin splits
that text again, so a value holding a comma, a NULL before a value, or spaces at a value's end
would silently change meaning: such rows are refused.

The async adapter, not the sync ``casbin-sqlalchemy-adapter``: that one's last release pulls the
pre-rename ``casbin`` distribution, which overwrites pycasbin's files (docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from casbin.model import Model
from casbin.persist.adapter import _extract_tokens
from casbin_async_sqlalchemy_adapter import Adapter
from sqlalchemy import Integer, String, delete, func, insert, inspect, select
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from accesssim.errors import InputError, Problem
from accesssim.model.database import PolicySource
from accesssim.policy.rules import PolicyFile, _unbalanced, check_rows

#: Value columns of the table: the reference model's p rule has 8 (the adapter's own class 6).
COLUMNS = tuple(f"v{i}" for i in range(8))
#: The length of every column (the adapter's own class: String(255)).
VALUE_LENGTH = 255
T = TypeVar("T")


def rule_class(table: str) -> type[Any]:
    """The adapter's table class for ``table``, with v0..v7, on a fresh metadata."""

    class Base(DeclarativeBase):
        pass

    class CasbinRule(Base):
        __tablename__ = table
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        ptype: Mapped[str | None] = mapped_column(String(VALUE_LENGTH))
        v0: Mapped[str | None] = mapped_column(String(VALUE_LENGTH))
        v1: Mapped[str | None] = mapped_column(String(VALUE_LENGTH))
        v2: Mapped[str | None] = mapped_column(String(VALUE_LENGTH))
        v3: Mapped[str | None] = mapped_column(String(VALUE_LENGTH))
        v4: Mapped[str | None] = mapped_column(String(VALUE_LENGTH))
        v5: Mapped[str | None] = mapped_column(String(VALUE_LENGTH))
        v6: Mapped[str | None] = mapped_column(String(VALUE_LENGTH))
        v7: Mapped[str | None] = mapped_column(String(VALUE_LENGTH))

        def __str__(self) -> str:
            """The adapter's text of a row: ptype and values up to the first NULL."""
            arr = [str(self.ptype)]
            for name in COLUMNS:
                value = getattr(self, name)
                if value is None:
                    break
                arr.append(value)
            return ", ".join(arr)

    return CasbinRule


def row_tokens(ptype: str | None, values: tuple[str | None, ...]) -> list[str] | str:
    """Casbin's tokens of a row as the adapter hands it over, or why they would differ from the
    row's own values (then the row means something else to Casbin than it says)."""
    if ptype is None or ptype == "":
        return "ptype is empty (NULL)"
    for name, value in zip(("ptype", *COLUMNS), (ptype, *values), strict=False):
        if value is not None and not isinstance(value, str):  # a BLOB, or a number column
            return (f"{name} holds {type(value).__name__} data, not text: the adapter joins the "
                    "values as text and fails on it")
    written = list(values)
    while written and written[-1] is None:
        written.pop()
    if None in written:
        first = written.index(None)
        return (f"v{first} is NULL but a later column is not: the adapter stops at the first "
                "NULL and would drop the rest")
    fields = [ptype, *(v for v in written if v is not None)]
    line = ", ".join(fields)
    unbalanced = _unbalanced(line)
    if unbalanced is not None:
        return unbalanced
    tokens: list[str] | None = _extract_tokens(line)
    if tokens != fields:
        return ("Casbin would read other fields than the row holds (a comma, a space at the "
                "start or end of a value, or a ptype starting with #)")
    return tokens


@dataclass(frozen=True)
class TableRows:
    """The table's rows in id order: (id, tokens), and each row that cannot be read (id, why)."""

    rows: list[tuple[int, list[str]]]
    refused: list[tuple[int, str]]


def run_async(source: PolicySource, work: Callable[[AsyncConnection], Awaitable[T]],
              what: str) -> T:
    """Run ``work`` on a connection (one transaction); a database error becomes an InputError
    naming the URL (password hidden) and what went wrong, never a traceback."""

    async def main() -> T:
        engine = create_async_engine(source.connect_url())
        try:
            async with engine.begin() as conn:
                return await work(conn)
        finally:
            await engine.dispose()

    return run_guarded(source, main, what)


def run_guarded(source: PolicySource, main: Callable[[], Awaitable[T]], what: str) -> T:
    """``asyncio.run(main())`` with database errors as InputErrors (see ``run_async``)."""
    try:
        return asyncio.run(main())  # type: ignore[arg-type]
    except SQLAlchemyError as exc:
        raise InputError.single(source.shown, 0, f"{what}: {_reason(exc, source)}") from None
    except OSError as exc:
        raise InputError.single(source.shown, 0, f"{what}: {exc.strerror or exc}") from None


def _reason(exc: SQLAlchemyError, source: PolicySource) -> str:
    """The driver's own words, first line, without any password."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    reason = text[0] if text else type(exc).__name__
    password = source.connect_url().password if source.password_env else None
    if password:
        reason = reason.replace(str(password), "***")
    return reason


async def _read(conn: AsyncConnection, table: str) -> TableRows:
    extra = await _check_columns(conn, table)
    rule = rule_class(table)
    columns = [getattr(rule, name) for name in COLUMNS]
    result = (await conn.execute(select(rule.id, rule.ptype, *columns).order_by(rule.id))).all()
    _check_ids([row[0] for row in result], table)
    rows: list[tuple[int, list[str]]] = []
    refused: list[tuple[int, str]] = []
    for name in extra:  # a value in v8 and beyond: nothing dropped silently
        held = sql_table(table, sql_column("id"), sql_column(name))
        found = await conn.execute(select(held.c.id).where(held.c[name].is_not(None)))
        refused.extend((int(row[0]), f"{name} holds a value, but a rule has at most v0..v7: "
                        "it would be ignored") for row in found)
    for row in result:
        tokens = row_tokens(row[1], tuple(row[2:]))
        if isinstance(tokens, str):
            refused.append((int(row[0]), tokens))
        else:
            rows.append((int(row[0]), tokens))
    return TableRows(rows, refused)


def _check_ids(ids: list[Any], table: str) -> None:
    """Every row is cited ``table:id``: an id must be a whole number from 1 (0 reads as "no
    line") held by one row only (the adapter's ORM also merges rows sharing an id)."""
    bad = sorted({repr(i) for i in ids if isinstance(i, bool) or not isinstance(i, int) or i < 1})
    if bad:
        raise _Refused(f"table {table} has ids that are not whole numbers from 1 "
                       f"({', '.join(bad[:5])}): accesssim cites each row by its id")
    shared = sorted(i for i, n in Counter(ids).items() if n > 1)
    if shared:
        raise _Refused(f"table {table} has ids held by more than one row "
                       f"({', '.join(map(str, shared[:5]))}): accesssim cites each row by its id")


async def _check_columns(conn: AsyncConnection, table: str) -> list[str]:
    """The table exists and has the columns the adapter reads (its own default has only
    v0..v5): said plainly, instead of the driver's words about a failed SELECT. The value
    columns beyond v7 (v8, v9, ...), which no rule read here holds."""

    def columns(sync: Any) -> list[str] | None:
        found = inspect(sync)
        if not found.has_table(table):
            return None
        return [str(column["name"]) for column in found.get_columns(table)]

    names = await conn.run_sync(columns)
    if names is None:
        raise _Refused(f"table {table} does not exist")
    held = {name.lower() for name in names}
    missing = [name for name in ("id", "ptype", *COLUMNS) if name not in held]
    if missing:
        raise _Refused(f"table {table} lacks the columns {', '.join(missing)}: accesssim reads "
                       "id, ptype, v0..v7")
    extra = [n for n in names if re.fullmatch(r"v\d+", n.lower()) and n.lower() not in COLUMNS]
    return sorted(extra, key=lambda n: int(n[1:]))


def read_table(source: PolicySource) -> TableRows:
    """Every row of the table, in id order."""
    try:
        return run_async(source, lambda conn: _read(conn, source.table),
                         f"cannot read table {source.table}")
    except _Refused as exc:
        raise InputError.single(source.shown, 0, str(exc)) from None


def read_policy_table(source: PolicySource, conf_text: str, definitions: dict[str, int],
                      p_tokens: tuple[str, ...], modes: list[str], *,
                      order_matters: bool) -> PolicyFile:
    """The CSV path's ``read_policy_file`` for a table: every row checked and cited
    ``table:id``; ``rows`` are what the adapter loads into a Casbin model, for the enforcer.

    ``order_matters`` (a priority effect): the adapter reads without ORDER BY, so the rows it
    hands Casbin must come in id order, or the analysis would not be of the deployed order.
    """
    shown = source.table
    read = read_table(source)
    problems = [Problem(shown, number, why) for number, why in read.refused]
    rules, groupings = check_rows(read.rows, shown, definitions, p_tokens, modes, problems)
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line))
    model = Model()
    model.load_model_from_text(conf_text)
    engine = create_async_engine(source.connect_url())
    adapter = Adapter(engine, db_class=rule_class(source.table))

    async def load() -> None:
        try:
            await adapter.load_policy(model)
        finally:
            await engine.dispose()

    run_guarded(source, load, f"the adapter cannot read table {source.table}")
    loaded = [[key, *rule] for sec in ("p", "g") if sec in model.keys()
              for key, assertion in model[sec].items() for rule in assertion.policy]
    if Counter(map(tuple, loaded)) != Counter(tuple(tokens) for _, tokens in read.rows):
        raise InputError.single(shown, 0, "the adapter read other rows than the table held a "
                                "moment before (was it being written?): run again")
    if order_matters:
        for key in {tokens[0] for tokens in loaded}:
            if [t for t in loaded if t[0] == key] != [t for _, t in read.rows if t[0] == key]:
                raise InputError.single(shown, 0, "the database hands the rows to Casbin in "
                                        "another order than their ids, and the policy effect "
                                        "(priority) depends on the order")
    return PolicyFile(rules, groupings, loaded)


async def count_rows(conn: AsyncConnection, table: str) -> int:
    rule = rule_class(table)
    return int((await conn.execute(select(func.count()).select_from(rule))).scalar_one())


def write_table(source: PolicySource, rows: list[list[str]], *, replace: bool) -> int:
    """Write the rules (ptype and values, in order: ids follow it) in one transaction; the
    table is created when missing. A non-empty table is refused unless ``replace``."""
    rule = rule_class(source.table)

    async def work(conn: AsyncConnection) -> int:
        await conn.run_sync(rule.metadata.create_all)
        held = await count_rows(conn, source.table)
        if held and not replace:
            raise _Refused(f"table {source.table} already holds {held} rows: pass --replace "
                           "to replace them")
        await conn.execute(delete(rule))
        if rows:  # one statement for every row: ids follow the list's order
            await conn.execute(insert(rule), [
                {"ptype": tokens[0], **{name: (tokens[i + 1] if i + 1 < len(tokens) else None)
                                        for i, name in enumerate(COLUMNS)}}
                for tokens in rows])
        return len(rows)

    try:
        return run_async(source, work, f"cannot write table {source.table}")
    except _Refused as exc:
        raise InputError.single(source.shown, 0, str(exc)) from None


class _Refused(Exception):
    """Raised inside the transaction to roll it back with a message for the user."""
