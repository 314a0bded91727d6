"""DuckDB and Spark run the same replay queries and must agree exactly: the same
ReplayResult and the same evidence rows on the same logs (one local Spark session)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accesssim.engine import load_project
from accesssim.replay.attribute import Replayer
from accesssim.replay.config import build_config
from accesssim.replay.generate import generate_logs
from accesssim.replay.run import run_replay
from accesssim.replay.sql import EVIDENCE_COLUMNS as EVIDENCE
from helpers import REPO
from replay_fake import FakeReplayer, write_csv


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from accesssim.replay.spark import spark_session

    session = spark_session("local[1]")
    session.conf.set("spark.sql.shuffle.partitions", "1")
    yield session
    session.stop()


def _logs(folder: Path) -> tuple[list[Path], list[str]]:
    csv_log = write_csv(folder / "a.csv", [
        "2024-01-05 10:00,a-retail,t-retail,crm,menu,c1,s1",
        "",
        "2024-01-05T10:01:00.250,a-retail,t-retail,crm,list,c1,s1",
        '2024-01-05T10:02:03.250,a-retail,t-retail,crm,detail,"c,2",s1',
        "2024-01-05 10:03,a-grid,t-retail,crm,detail,c3,s2",
        "2024-03-11 10:03,a-grid,t-retail,crm,detail,c3,s3",
        "2024-13-05 10:03,a-grid,t-retail,crm,detail,c3,s2",
        "2024-01-05 10:03,a-grid,t-retail,crm",
        "2024-01-05 10:03,,t-retail,crm,menu,,",
        "2024-01-05 10:03,zz,t-retail,crm,menu,,",
        '2024-08-05,"a-grid",t-grid,crm,menu,"c""q",',
        "2024-08-05 11:00,a-shared,t-grid,crm,detail,c4,s9",
        "2024-08-05 11:00,a-grid\u3000,t-grid,crm,menu,c4,",  # DuckDB's trim took U+3000 away
    ])
    jsonl = folder / "b.jsonl"
    jsonl.write_text("\n".join([
        '{"timestamp":"2024-01-05 10:00","account":"a-retail","terminal":"t-retail",'
        '"system":"crm","screen":"menu","session":"j1"}',
        "[1]",
        "",
        '{"timestamp":"2024-01-05 10:05","account":"a-retail","terminal":"t-retail",'
        '"system":"crm","screen":"detail","session":"j1","customer":"c1"}',
        "nope",
        # Java's $ matched before the final line break: Spark read this time, DuckDB did not
        '{"timestamp":"2024-01-05 10:00\\n","account":"a-grid","terminal":"t-grid",'
        '"system":"crm","screen":"menu"}',
    ]) + "\n", encoding="utf-8")
    parquet = folder / "c.parquet"
    pq.write_table(pa.table({
        "timestamp": pa.array([dt.datetime(2024, 2, 1, 9), None, dt.datetime(2024, 9, 1, 8)],
                              pa.timestamp("us")),
        "account": ["a-grid", "a-grid", "a-retail"], "terminal": ["t-retail", "t-grid", "x"],
        "system": ["crm", "crm", "crm"], "screen": ["list", "menu", "menu"],
        "customer": ["c7", None, "c8"]}), parquet)
    return [jsonl, parquet, csv_log], ["b.jsonl", "c.parquet", "a.csv"]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_engines_agree_on_generated_logs_of_an_incident(tmp_path: Path, spark: Any) -> None:
    """``generate-logs`` on Kyushu (a terminal lent for disasters: a calendar, both modes),
    JSON Lines with its planted violations and bad rows: the real model's replay is the same
    on DuckDB and Spark, evidence included."""
    project = load_project(REPO / "scenarios" / "incidents" / "03-kyushu.yaml")
    generate_logs(project, tmp_path, 400, seed=3, fmt="jsonl")
    replayer = Replayer(project)
    config = build_config(calendar=tmp_path / "calendar.csv", calendar_shown="calendar.csv")
    results = {engine: run_replay(replayer, [tmp_path / "events.jsonl"], ["events.jsonl"],
                                  config, engine=engine, spark=spark,
                                  evidence=tmp_path / f"{engine}.csv")
               for engine in ("duckdb", "spark")}
    assert results["duckdb"] == results["spark"]
    assert results["duckdb"].violations > 0 and results["duckdb"].count("bad") > 0
    left, right = _csv_rows(tmp_path / "duckdb.csv"), _csv_rows(tmp_path / "spark.csv")
    assert left == right and len(left) == results["duckdb"].violations


@pytest.mark.thorough
def test_duckdb_and_spark_agree(tmp_path: Path, spark: Any) -> None:
    """Same counts, problems, findings, summaries and Parquet evidence on both engines."""
    logs, shown = _logs(tmp_path)
    calendar = tmp_path / "calendar.csv"
    calendar.write_text("from,until,name\n2024-03-10,2024-03-12,quake\n", encoding="utf-8")
    config = build_config(calendar=calendar, calendar_shown="calendar.csv")
    results = {}
    for engine in ("duckdb", "spark"):
        seen: list[tuple[int, int]] = []
        results[engine] = run_replay(
            FakeReplayer(), logs, shown, config, engine=engine, spark=spark,
            evidence=tmp_path / f"{engine}.parquet",
            progress=lambda done, total, seen=seen: seen.append((done, total)))
        assert seen == [(n, 6) for n in range(1, 7)]
    duck, other = results["duckdb"], results["spark"]
    assert duck == other
    assert dict(duck.counts) == {"confirmed": 3, "suspected": 2, "legitimate": 2,
                                 "unexplained": 2, "bad": 11}
    assert duck.groups and any(f.used for f in duck.findings)
    left = pq.read_table(tmp_path / "duckdb.parquet")
    right = pq.read_table(tmp_path / "spark.parquet")
    assert left.to_pylist() == right.to_pylist()
    assert [f.type for f in left.schema] == [f.type for f in right.schema]
    assert left.column("timestamp").to_pylist()[1] == dt.datetime(2024, 1, 5, 10, 1, 0, 250000)


@pytest.mark.thorough  # Spark is slow to start jobs: the default run keeps one Spark test
def test_line_numbers_and_csv_evidence_agree_over_many_blocks(tmp_path: Path,
                                                              spark: Any) -> None:
    """A log Spark reads in many blocks is numbered exactly as DuckDB numbers it, and the
    CSV evidence files hold the same rows."""
    lines = [f"2024-01-05 10:00,{'a-retail' if n % 7 == 0 else 'a-grid'},"
             f"{'t-retail' if n % 5 == 0 else 't-grid'},crm,menu,c{n % 13},"
             if n % 1009 else f"2024-01-05 10:00,zz,t-grid,crm,menu,c{n},"
             for n in range(2, 30_002)]
    logs = [write_csv(tmp_path / "long.csv", lines)]
    spark.conf.set("spark.sql.files.maxPartitionBytes", "16384")
    try:
        assert spark.read.text(str(logs[0])).rdd.getNumPartitions() > 10
        results = {engine: run_replay(FakeReplayer(), logs, ["long.csv"], build_config(),
                                      engine=engine, spark=spark,
                                      evidence=tmp_path / f"{engine}.csv")
                   for engine in ("duckdb", "spark")}
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert results["duckdb"] == results["spark"]
    bad = results["spark"].bad[0]
    assert bad.reason == "unknown account zz" and bad.count == 29
    assert [r.line for r in bad.rows][:3] == [1009, 2018, 3027]
    left, right = _csv_rows(tmp_path / "duckdb.csv"), _csv_rows(tmp_path / "spark.csv")
    assert left == right and len(left) == results["duckdb"].violations > 0


@pytest.mark.thorough
def test_no_violations_still_writes_an_evidence_file(tmp_path: Path, spark: Any) -> None:
    """Without violations the evidence file holds the columns and no rows, on both engines."""
    logs = [write_csv(tmp_path / "ok.csv", ["2024-01-05 10:00,a-grid,t-grid,crm,menu,c1,"])]
    for suffix in ("csv", "parquet"):
        for engine in ("duckdb", "spark"):
            out = tmp_path / f"{engine}.{suffix}"
            result = run_replay(FakeReplayer(), logs, ["ok.csv"], build_config(),
                                engine=engine, spark=spark, evidence=out)
            assert result.violations == 0 and result.count("legitimate") == 1
            if suffix == "csv":
                assert out.read_text(encoding="utf-8").splitlines() == [",".join(EVIDENCE)]
            else:
                table = pq.read_table(out)
                assert table.num_rows == 0 and table.column_names == list(EVIDENCE)
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            ["ok.csv", *(f"{e}.{s}" for e in ("duckdb", "spark")
                         for s in ("csv", "parquet")[:1 + (suffix == "parquet")])])
