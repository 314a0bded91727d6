"""The Spark runner: the same queries (sql.py) on a Spark cluster, or in local mode.

Timestamps in the logs are local wall-clock times: the session's time zone is UTC so that no
value is ever shifted. Line numbers of text logs are exact on any number of partitions: each
block of a file numbers its own lines, offset by the lines of the blocks before it.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]
from py4j.protocol import Py4JError  # type: ignore[import-untyped]
from pyspark import StorageLevel
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from accesssim.replay.duck import arrow_table
from accesssim.replay.sql import SPARK, Dialect

#: What starting a session raises when it cannot start (no Java, a wrong master URL).
start_failures: tuple[type[Exception], ...] = (PySparkException, Py4JError, OSError)


#: Spark's logging in local mode: errors only (its start-up warnings are not the user's).
LOG_CONFIG = Path(__file__).resolve().parent.parent / "data" / "spark-log4j2.properties"


def spark_session(master: str | None = None) -> SparkSession:
    """A Spark session for replays (local[*] unless a master URL is given), quiet, in UTC.

    Locally, the driver reads the package's log4j configuration; on a cluster the cluster's
    own logging settings are left alone."""
    builder = SparkSession.builder.master(master or "local[*]")
    if (master or "local").startswith("local"):
        builder = builder.config("spark.driver.extraJavaOptions",
                                 f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}")
    session = (builder
               .appName("accesssim-replay")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkRunner:
    """Runs the replay's SQL as temporary views of one Spark session."""

    dialect: Dialect = SPARK
    failures: tuple[type[Exception], ...] = (PySparkException, Py4JError)

    def __init__(self, master: str | None = None, session: SparkSession | None = None) -> None:
        self.own = session is None
        self.spark = session if session is not None else spark_session(master)
        self.spark.conf.set("spark.sql.session.timeZone", "UTC")
        self.cached: list[DataFrame] = []
        self.views: list[str] = []

    def _view(self, name: str, frame: DataFrame) -> None:
        frame.createOrReplaceTempView(name)
        self.views.append(name)

    def source_text(self, name: str, path: Path) -> None:
        """A view of the file's lines: ``raw`` and ``line`` from 1 (exact on any split)."""
        lines = (self.spark.read.text(str(path))
                 .select(F.col("value").alias("raw"),
                         F.expr("input_file_block_start()").alias("block"),
                         F.monotonically_increasing_id().alias("seq")))
        lines = lines.persist(StorageLevel.MEMORY_AND_DISK)
        self.cached.append(lines)
        self._view(f"{name}_lines", lines)
        self._view(name, self.spark.sql(f"""
SELECT l.raw, o.before + row_number() OVER (PARTITION BY l.block ORDER BY l.seq) AS line
FROM {name}_lines AS l JOIN (
  SELECT block, sum(n) OVER (ORDER BY block ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    - n AS before
  FROM (SELECT block, count(*) AS n FROM {name}_lines GROUP BY block) AS c) AS o
ON l.block = o.block"""))

    def source_parquet(self, name: str, path: Path, columns: Sequence[tuple[str, str | None]],
                       typed: bool) -> None:
        """A view of a Parquet file: ``line`` (record from 1), ``ts`` and one text column per
        other role (NULL when the file lacks it)."""
        cells = [(F.col("_metadata.row_index") + 1).alias("line")]
        for role, column in columns:
            alias = "ts" if role == "timestamp" else role
            kind = "timestamp" if typed and role == "timestamp" else "string"
            cells.append((F.col(f"`{column}`") if column is not None else F.lit(None))
                         .cast(kind).alias(alias))
        self._view(name, self.spark.read.parquet(str(path)).select(*cells))

    def table(self, name: str, columns: Sequence[tuple[str, str]],
              rows: Sequence[tuple[Any, ...]]) -> None:
        self._view(name, self.spark.createDataFrame(arrow_table(columns, rows)))

    def view(self, name: str, sql: str) -> None:
        self._view(name, self.spark.sql(sql))

    def materialize(self, name: str, sql: str) -> None:
        frame = self.spark.sql(sql).persist(StorageLevel.MEMORY_AND_DISK)
        self.cached.append(frame)
        self._view(name, frame)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.spark.sql(sql).collect()]

    def write(self, sql: str, path: Path, fmt: str) -> None:
        """The rows of ``sql`` into ``path`` (a temporary name: the caller renames it): one
        part file written into a folder beside it, then moved."""
        folder = path.with_name(path.name + ".parts")
        frame = self.spark.sql(sql)
        writer = frame.coalesce(1).write.mode("overwrite")
        if fmt == "parquet":
            writer.parquet(str(folder))
        else:
            writer.options(header=True, quote='"', escape='"', ignoreLeadingWhiteSpace=False,
                           ignoreTrailingWhiteSpace=False, emptyValue="", nullValue="",
                           encoding="UTF-8").csv(str(folder))
        try:
            parts = sorted(p for p in folder.iterdir() if p.name.startswith("part-"))
            if len(parts) > 1:
                raise OSError(f"expected one part file in {folder}, found {len(parts)}")
            if parts and parts[0].stat().st_size > 0:
                parts[0].replace(path)
            elif fmt == "parquet":  # no rows: Spark may write no file at all
                pq.write_table(frame.limit(0).toArrow(), path)
            else:
                path.write_text(",".join(frame.columns) + "\n", encoding="utf-8")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        for frame in self.cached:
            frame.unpersist()
        for name in self.views:
            self.spark.catalog.dropTempView(name)
        if self.own:
            self.spark.stop()
