"""One replay from start to end: the logs into the engine, the keys out to the Python half,
its verdicts back in, every event classified and counted there (docs/replay.md).

The events never come back into Python: only the distinct keys, the aggregates and the first
rows of each problem do, so a replay's memory does not grow with its logs (on DuckDB, past its
memory limit it spills to disk).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from accesssim.errors import InputError, Problem
from accesssim.findings.results import Report
from accesssim.replay import sql
from accesssim.replay.attribute import Key, KeyTables
from accesssim.replay.config import ReplayConfig
from accesssim.replay.intake import Source, plan
from accesssim.replay.result import (
    DIMENSIONS,
    EXAMPLES,
    STATUSES,
    FindingUse,
    Group,
    ReplayResult,
    Row,
    printable,
)
from accesssim.replay.result import Problem as RowProblem

Progress = Callable[[int, int], None]
#: The stages a replay reports its progress in.
STAGES = ("read", "keys", "verdicts", "classify", "summaries", "evidence")
#: Bad rows an ``--strict`` refusal lists (the count is always complete).
STRICT_LISTED = 200

_KEY_COLUMNS = (("slice", "int"), ("account", "str"), ("terminal", "str"), ("system", "str"),
                ("screen", "str"), ("previous", "str"))
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "files": (("fid", "int"), ("file", "str")),
    "slices": (("slice", "int"), ("mode", "str"), ("first_day", "date"), ("last_day", "date")),
    "disasters": (("first_day", "date"), ("last_day", "date")),
    "verdicts": (*_KEY_COLUMNS, ("status", "str"), ("reason", "str")),
    "attributions": (*_KEY_COLUMNS, ("person", "str"), ("org", "str"), ("headcount", "int")),
    "links": (*_KEY_COLUMNS, ("person", "str"), ("finding", "str"), ("failure_type", "str")),
}


class Explainer(Protocol):
    """What a replay needs of the model (replay/attribute.py's ``Replayer``)."""

    @property
    def report(self) -> Report: ...

    def slice_rows(self) -> list[tuple[int, str, dt.date | None, dt.date | None]]: ...

    def key_tables(self, keys: Iterable[Key]) -> KeyTables: ...


class Runner(Protocol):
    """An engine that runs sql.py's text (duck.py, spark.py)."""

    dialect: sql.Dialect
    failures: tuple[type[Exception], ...]  # the engine's own errors (bad input it met)

    def source_text(self, name: str, path: Path) -> None: ...

    def source_parquet(self, name: str, path: Path, columns: Sequence[tuple[str, str | None]],
                       typed: bool) -> None: ...

    def table(self, name: str, columns: Sequence[tuple[str, str]],
              rows: Sequence[tuple[Any, ...]]) -> None: ...

    def view(self, name: str, sql: str) -> None: ...

    def materialize(self, name: str, sql: str) -> None: ...

    def rows(self, sql: str) -> list[tuple[Any, ...]]: ...

    def write(self, sql: str, path: Path, fmt: str) -> None: ...

    def close(self) -> None: ...


def run_replay(replayer: Explainer, logs: list[Path], shown: list[str], config: ReplayConfig,
               *, engine: str = "duckdb", spark_master: str | None = None,
               evidence: Path | None = None, strict: bool = False,
               progress: Progress | None = None, spark: Any = None) -> ReplayResult:
    """Replay the logs against the model; write the violating events to ``evidence`` if given.

    ``spark``: an existing SparkSession to use (tests share one); ``--strict``: any bad row
    is an InputError listing them, and nothing is written.
    """
    sources = plan(logs, shown, config)
    slices = _slices(replayer, config, replayer.report.model_file)
    if evidence is not None and evidence.suffix.lower() not in (".parquet", ".csv"):
        raise InputError.single(str(evidence), 0, "the evidence file must be .parquet or .csv")
    if evidence is not None and any(evidence.resolve() == s.path.resolve() for s in sources):
        raise InputError.single(str(evidence), 0, "the evidence file would replace a log")
    with tempfile.TemporaryDirectory(prefix="accesssim-replay-") as work:
        runner = _runner(engine, Path(work), spark_master, spark)
        try:
            return _replay(runner, replayer, sources, slices, config, evidence, strict,
                           progress or (lambda done, total: None), tuple(shown))
        except runner.failures as exc:  # e.g. a log line longer than the engine reads
            text = str(exc).strip()
            message = text.splitlines()[0] if text else type(exc).__name__
            raise InputError.single(", ".join(s.shown for s in sources), 0,
                                    f"the {engine} engine could not replay the logs: "
                                    f"{message}") from None
        finally:
            # An engine that failed (Spark out of memory) may fail again while closing: that
            # must not hide the message above behind an internal error.
            with contextlib.suppress(*runner.failures):
                runner.close()


def _runner(engine: str, work: Path, master: str | None, spark: Any) -> Runner:
    if engine == "duckdb":
        from accesssim.replay.duck import DuckRunner
        return DuckRunner(work)
    if engine == "spark":
        from accesssim.replay.spark import SparkRunner, start_failures
        try:
            return SparkRunner(master, spark)
        except start_failures as exc:  # no Java runtime, or no cluster at that address
            text = str(exc).strip()
            raise InputError.single(f"--spark-master {master or 'local[*]'}", 0,
                                    "cannot start Spark: " + (text.splitlines()[0] if text
                                                              else type(exc).__name__)) from None
    raise InputError.single(f"--engine {engine}", 0, "unknown engine (duckdb or spark)")


def _slices(replayer: Explainer, config: ReplayConfig, model_file: str
            ) -> list[tuple[Any, ...]]:
    """The model's slices, their mode named by its role (normal, disaster) for the SQL."""
    rows = replayer.slice_rows()
    modes = {mode for _, mode, _, _ in rows}
    wanted = [config.normal] + ([config.disaster] if config.disasters else [])
    missing = [m for m in wanted if m not in modes]
    if missing:
        raise InputError.single(model_file, 0, f"mode {', '.join(missing)} is not a mode of the "
                                f"model "
                                f"(its modes: {', '.join(sorted(modes))}); name the model's "
                                "modes under modes: in the mapping file")
    roles = {config.normal: "normal", config.disaster: "disaster"}
    return [(i, roles[mode], first, last) for i, mode, first, last in rows if mode in roles]


def _stage(runner: Runner, source: Source, config: ReplayConfig) -> str:
    name = f"src_{source.fid}"
    d = runner.dialect
    if source.kind == "parquet":
        runner.source_parquet(name, source.path, source.columns, source.typed)
        return sql.stage_parquet(name, source.fid, source.typed)
    runner.source_text(name, source.path)
    if source.kind == "csv":
        return sql.stage_csv(d, name, source.fid, dict(source.positions), source.width,
                             config.delimiter)
    return sql.stage_jsonl(d, name, source.fid, dict(config.columns))


def _replay(runner: Runner, replayer: Explainer, sources: list[Source],
            slices: list[tuple[Any, ...]], config: ReplayConfig, evidence: Path | None,
            strict: bool, tick: Progress, shown: tuple[str, ...]) -> ReplayResult:
    total = len(STAGES)
    names = {s.fid: s.shown for s in sources}
    runner.table("files", TABLES["files"], sorted(names.items()))
    runner.table("slices", TABLES["slices"], slices)
    runner.table("disasters", TABLES["disasters"],
                 [(p.first, p.last) for p in config.disasters])
    runner.view("events", sql.events(runner.dialect,
                                     [_stage(runner, s, config) for s in sources]))
    runner.materialize("keyed", sql.KEYED)
    tick(1, total)
    runner.materialize("day_slice", sql.DAY_SLICE)
    keys = [Key(*row) for row in runner.rows(sql.KEYS)]
    tick(2, total)
    tables = replayer.key_tables(keys)
    for table in ("verdicts", "attributions", "links"):
        runner.table(table, TABLES[table], getattr(tables, table))
    tick(3, total)
    runner.materialize("cls", sql.CLASSIFY)
    counts = dict(runner.rows(sql.COUNTS))
    if strict and counts.get("bad"):
        _refuse(runner, names, counts["bad"])
    if counts.get("bad") and counts["bad"] == sum(counts.values()):
        _refuse(runner, names, counts["bad"], nothing=True)
    tick(4, total)
    problems = _problems(runner, names)
    runner.materialize("units", sql.UNITS)
    runner.materialize("ucustomers", sql.UNIT_CUSTOMERS)
    runner.materialize("ugroups", sql.UNIT_GROUPS)
    groups = _groups(runner)
    findings = _findings(runner, replayer.report)
    tick(5, total)
    if evidence is not None:
        write_evidence(runner, evidence)
    tick(6, total)
    report = replayer.report
    return ReplayResult(
        model_name=report.model_name, model_file=report.model_file, logs=shown,
        counts=tuple((s, int(counts.get(s, 0))) for s in STATUSES), findings=findings,
        groups=groups, unexplained=problems.get("unexplained", ()),
        bad=problems.get("bad", ()))


def _refuse(runner: Runner, names: dict[int, str], count: int, nothing: bool = False) -> None:
    """The bad rows as an error: under ``--strict``, or when no row at all could be replayed
    (a mapping that does not fit the export: a report of nothing would read as a clean one)."""
    rows = runner.rows(f"SELECT fid, line, reason FROM cls WHERE status = 'bad' "
                       f"ORDER BY fid, line LIMIT {STRICT_LISTED}")
    problems = [Problem(names[fid], int(line), printable(reason)) for fid, line, reason in rows]
    logs = ", ".join(dict.fromkeys(names[fid] for fid, _, _ in rows))
    if nothing:
        problems.append(Problem(logs, 0, f"none of the {count} rows could be replayed: check "
                                "the mapping (--mapping) against the logs' columns"))
    elif count > len(problems):
        problems.append(Problem(logs, 0, f"{count} bad rows in all (--strict)"))
    raise InputError(problems)


def _problems(runner: Runner, names: dict[int, str]) -> dict[str, tuple[RowProblem, ...]]:
    where: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for status, reason, fid, line in sorted(runner.rows(sql.examples(EXAMPLES)),
                                            key=lambda r: (r[0], r[1], r[2], r[3])):
        where[(status, reason)].append(Row(names[fid], int(line)))
    found: dict[str, list[RowProblem]] = defaultdict(list)
    for status, reason, count in runner.rows(sql.PROBLEMS):
        found[status].append(RowProblem(reason, int(count), tuple(where[(status, reason)])))
    return {status: tuple(sorted(items)) for status, items in found.items()}


def _groups(runner: Runner) -> tuple[Group, ...]:
    people = {tuple(row[:3]): int(row[3]) for row in runner.rows(sql.GROUP_PEOPLE)}
    customers = {tuple(row[:3]): int(row[3]) for row in runner.rows(sql.GROUP_CUSTOMERS)}
    found = []
    for dim, key, status, views, accounts, first, last in runner.rows(sql.GROUPS):
        at = (dim, key, status)
        found.append(Group(dim, key, status, people.get(at, 0), int(accounts), int(views),
                           customers.get(at, 0), first, last))
    return tuple(sorted(found, key=lambda g: (DIMENSIONS.index(g.dimension), g.key, g.status)))


def _findings(runner: Runner, report: Report) -> tuple[FindingUse, ...]:
    used: dict[str, dict[str, tuple[int, dt.date, dt.date]]] = defaultdict(dict)
    for finding, status, count, first, last in runner.rows(sql.FINDINGS):
        used[finding][status] = (int(count), first, last)
    result = []
    for finding in report.findings:
        by_status = used.get(finding.id, {})
        days = [d for _, first, last in by_status.values() for d in (first, last)]
        result.append(FindingUse(
            id=finding.id, failure_types=tuple(t.value for t in finding.failure_types),
            confirmed=by_status.get("confirmed", (0,))[0],
            suspected=by_status.get("suspected", (0,))[0],
            first=min(days) if days else None, last=max(days) if days else None))
    return tuple(sorted(result))


def write_evidence(runner: Runner, path: Path) -> None:
    """The violating events into ``path`` (Parquet or CSV by its suffix), all or nothing: the
    rows go to a temporary file beside it, renamed over it once complete."""
    fmt = "parquet" if path.suffix.lower() == ".parquet" else "csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        temporary.unlink()
        runner.write(sql.evidence(runner.dialect, as_text=fmt == "csv"), temporary, fmt)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
