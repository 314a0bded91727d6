"""``accesssim replay``: recorded accesses classified against the model, on DuckDB or Spark."""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from accesssim.cli.guard import Exit, PathArg, analysis_done, handles_errors
from accesssim.cli.options import (
    LANG_OPT,
    MODEL_ARG,
    ROOT_OPT,
    lang_translator,
    load_project,
    write_output,
)
from accesssim.cli.outputs import prepare_folder, refuse_inputs
from accesssim.cli.progress import phases as phases_bar
from accesssim.errors import AccessSimError
from accesssim.i18n import N_

if TYPE_CHECKING:
    from accesssim.i18n import Translator
    from accesssim.replay.result import ReplayResult

FORMATS = ("text", "json", "csv")
EVIDENCE_SUFFIXES = (".parquet", ".csv")
#: A log named by a URL (``s3a://bucket/key``, ``hdfs://...``): not read in this version.
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _local_logs(logs: Sequence[str]) -> list[Path]:
    """The logs as files on this machine: each must exist. A URL is refused by name: the
    header of every log is read here before the engine runs (docs/replay.md)."""
    for log in logs:
        if URL.match(log):
            raise AccessSimError(f"cannot read log {log}: logs are read from files on this "
                                 "machine (or a shared file system mounted here), not from "
                                 "URLs")
    local = [Path(log) for log in logs]
    for path in local:
        if not path.is_file():
            raise AccessSimError(f"cannot read log {path}: "
                                 + ("it is a folder" if path.is_dir() else "no such file"))
    return local


def _evidence_path(value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in EVIDENCE_SUFFIXES:
        raise click.BadParameter(f"{value}: the evidence file must end in .parquet or .csv",
                                 param_hint="--evidence")
    return value


@contextmanager
def staged(target: Path | None) -> Iterator[Path | None]:
    """A new hidden file beside ``target`` (same suffix: the engine picks the format by it) for
    the engine to write; it replaces ``target`` only when the caller calls ``place``, and is
    removed on any failure, so an exit 2 leaves nothing behind (not even the folders made
    for it)."""
    if target is None:
        yield None
        return
    folder = target.parent
    created = next((p for p in reversed((folder, *folder.parents)) if not p.exists()), None)
    prepare_folder(folder, target)
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=target.suffix)
    except OSError as exc:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise AccessSimError(f"cannot write {target}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
        if created is not None and not target.exists():
            shutil.rmtree(created, ignore_errors=True)


def place(tmp: Path, target: Path) -> None:
    """Move the staged evidence into place (one rename in the same folder)."""
    try:
        os.replace(tmp, target)
    except OSError as exc:
        raise AccessSimError(f"cannot write {target}: {exc.strerror or exc}") from exc


def render(result: ReplayResult, fmt: str, tr: Translator, bom: bool) -> str:
    from accesssim.reports.replay import replay_to_csv, replay_to_json, replay_to_text

    if fmt == "json":
        return replay_to_json(result)
    if fmt == "csv":
        return replay_to_csv(result, tr, bom)
    return replay_to_text(result, tr)


@click.command()
@MODEL_ARG
@click.argument("logs", nargs=-1, required=True)
@click.option("--mapping", type=PathArg(path_type=Path, dir_okay=False, exists=True),
              default=None, help="Column mapping of the logs (YAML; default: the columns "
                                 "are named timestamp, account, terminal, system, screen...).")
@click.option("--calendar", type=PathArg(path_type=Path, dir_okay=False, exists=True),
              default=None, help="Declared disaster periods (CSV: from,until,name).")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb",
              show_default=True, help="Where the queries run.")
@click.option("--spark-master", default=None, metavar="URL",
              help="--engine spark: local[N], spark://HOST:7077 or yarn (default: local[*], "
                   "every core of this machine).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format (csv: the summary groups; json: English "
                                      "keys and words).")
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), default=None,
              help="Write the result here instead of standard output.")
@click.option("--evidence", type=PathArg(path_type=Path, dir_okay=False), default=None,
              metavar="FILE.parquet|FILE.csv", help="Write the violating events here.")
@click.option("--strict", is_flag=True, help="Any bad row is an error (exit 2).")
@click.option("--bom", is_flag=True, help="csv: start with a UTF-8 byte-order mark (Excel).")
@LANG_OPT
@ROOT_OPT
@click.option("--quiet", is_flag=True, help="No progress bar.")
@handles_errors
def replay_cmd(model: Path, logs: tuple[str, ...], mapping: Path | None, calendar: Path | None,
               engine: str, spark_master: str | None, fmt: str, output: Path | None,
               evidence: Path | None, strict: bool, bom: bool, lang: str | None,
               root: Path | None, quiet: bool) -> None:
    """Replay recorded accesses: classify each logged event (confirmed or suspected boundary
    violation, legitimate, unexplained by the model, bad row), link violations to the findings
    of analyze, and count them per organisation, failure type, account and month.

    \b
    Exit codes: 0 no violation, 1 violations, 2 bad input (or a bad row with --strict).
    Examples:
      accesssim replay scenarios/incidents/02-tohoku.yaml docs/examples/replay/access-log.csv \\
          --mapping docs/examples/replay/replay.yaml
      accesssim replay scenarios/incidents/02-tohoku.yaml docs/examples/replay/access-log.csv \\
          --mapping docs/examples/replay/replay.yaml \\
          --calendar docs/examples/replay/disasters.csv \\
          --format json -o replay.json --evidence evidence.parquet
      accesssim replay scenarios/incidents/02-tohoku.yaml docs/examples/replay/access-log.csv \\
          --mapping docs/examples/replay/replay.yaml --format csv --lang ja -o replay.csv
    """
    if spark_master is not None and engine != "spark":
        raise click.UsageError("--spark-master is for --engine spark")
    tr = lang_translator(lang)
    evidence = _evidence_path(evidence)
    local = _local_logs(logs)
    with phases_bar(not quiet, tr(N_("loading the model and the log mapping")),
                    steps=3) as phases:
        project = load_project(model, root)
        inputs = [*project.inputs, *local, *(p for p in (mapping, calendar) if p)]
        for target in (output, evidence):
            if target is not None:
                refuse_inputs(target, inputs)
        if output is not None and evidence is not None and (
                output.resolve() == evidence.resolve()):
            raise AccessSimError(f"cannot write {evidence}: -o names the same file; "
                                 "choose another for the evidence")
        from accesssim.replay.attribute import Replayer
        from accesssim.replay.config import build_config
        from accesssim.replay.run import run_replay

        config = build_config(mapping, str(mapping) if mapping else None,
                              calendar, str(calendar) if calendar else None)
        phases.phase(tr(N_("analysing the model and attributing accesses")))
        replayer = Replayer(project, progress=phases.update)
        phases.phase(tr(N_("replaying the logs")))
        with staged(evidence) as tmp:
            result = run_replay(replayer, local, list(logs), config, engine=engine,
                                spark_master=spark_master, evidence=tmp, strict=strict,
                                progress=phases.update)
            text = render(result, fmt, tr, bom)
            analysis_done()
            # The report first: it can fail (a folder that is a file), the evidence's rename
            # beside its staged copy hardly can; an exit 2 then leaves no evidence behind.
            write_output(text, output)
            if tmp is not None and evidence is not None:
                place(tmp, evidence)
    sys.exit(Exit.FINDINGS if result.violations else Exit.CLEAN)


replay_cmd.name = "replay"
