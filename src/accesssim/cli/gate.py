"""``accesssim diff`` and ``accesssim check``: the CI gate on policy and model changes.

Everything is computed first, then every output is written (each atomically); an error
writes only its own ERROR documents (JSON, Markdown) and exits 2.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from accesssim.cli.guard import Exit, PathArg, analysis_done, handles_errors
from accesssim.cli.options import (
    FORMAT_OPT,
    LANG_OPT,
    ROOT_OPT,
    lang_translator,
    load_project,
    write_output,
)
from accesssim.cli.outputs import prepare_folder, refuse_inputs, write_all
from accesssim.cli.progress import phases as phases_bar
from accesssim.errors import AccessSimError

if TYPE_CHECKING:
    from accesssim.gate.result import GateReport
    from accesssim.i18n import Translator

BASE_REF_OPT = click.option(
    "--base-ref", metavar="REF", default=None,
    help="Compare with the version of every file the model names at this git ref "
         "(read with git show: no checkout).")
OUTPUT_OPT = click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False),
                          default=None, help="Write the output here instead of standard output.")
QUIET_OPT = click.option("--quiet", is_flag=True, help="No progress bar.")
_FILE = PathArg(path_type=Path, dir_okay=False)


@contextmanager
def _error_documents(fmt: str, output: Path | None, markdown: Path | None,
                     inputs: list[Path], *, step_summary: bool = False) -> Iterator[None]:
    """On an error (exit 2): the JSON output and the Markdown say ERROR and why, whole;
    then the error goes on to ``handles_errors``. A file the run reads is never replaced."""
    try:
        yield
    except AccessSimError as exc:
        from accesssim.reports.gate_json import error_to_json
        from accesssim.reports.gate_markdown import error_to_markdown

        message = str(exc)
        if fmt == "json":
            _write_quietly(error_to_json(message), output, inputs)
        if markdown is not None:
            _write_quietly(error_to_markdown(message), markdown, inputs)
        if step_summary:
            _append_step_summary(error_to_markdown(message), quiet=True)
        raise


#: Kinds of file a run reads: an error document never replaces one (the error may have come
#: before every input was known, e.g. a base model's Casbin files).
_INPUT_SUFFIXES = (".yaml", ".yml", ".csv", ".conf")


def _write_quietly(text: str, target: Path | None, inputs: list[Path]) -> None:
    """Best effort: the error being reported matters more than this document."""
    try:
        if target is not None:
            refuse_inputs(target, inputs)
            if target.suffix.lower() in _INPUT_SUFFIXES and target.exists():
                return
        write_output(text, target)
    except (AccessSimError, OSError):
        pass


def _append_step_summary(text: str, *, quiet: bool = False, only_try: bool = False) -> None:
    """Append to ``$GITHUB_STEP_SUMMARY`` when set (GitHub shows it on the run's page);
    ``only_try``: open it for appending, write nothing."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    try:
        with open(summary, "a", encoding="utf-8") as handle:
            if not only_try:
                handle.write(text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        if not quiet:
            raise AccessSimError(f"cannot append to $GITHUB_STEP_SUMMARY ({summary}): "
                                 f"{exc.strerror or exc}") from exc


@click.command("diff")
@click.argument("models", nargs=-1, required=True, type=_FILE)
@BASE_REF_OPT
@FORMAT_OPT
@OUTPUT_OPT
@ROOT_OPT
@QUIET_OPT
@handles_errors
def diff_cmd(models: tuple[Path, ...], base_ref: str | None, fmt: str, output: Path | None,
             root: Path | None, quiet: bool) -> None:
    """Compare the exposures of two versions of a model: what the change opened.

    MODELS: two model files, BASE then HEAD; or HEAD alone with --base-ref REF, to read the
    base version of the model and its Casbin files from git (a model absent at REF is an
    empty base).

    \b
    Exit codes: 0 nothing opened or widened, 1 some exposure new or widened, 2 bad input,
    unknown ref, not a git repository or incomplete analysis, 130 interrupted.
    Examples:
      accesssim diff scenarios/incidents/01-kansai.yaml --base-ref origin/main
      accesssim diff old/model.yaml scenarios/model.yaml --format json -o diff.json
    """
    from accesssim.gate.check import analyse, compare, open_base
    from accesssim.reports.gate_json import diff_to_json
    from accesssim.reports.gate_text import diff_to_text

    if base_ref is None and len(models) != 2:
        raise click.UsageError("give two models (BASE HEAD), or one model and --base-ref REF")
    if base_ref is not None and len(models) != 1:
        raise click.UsageError("with --base-ref, give only the HEAD model")
    head_path, base_path = models[-1], (models[0] if base_ref is None else None)
    inputs: list[Path] = list(models)
    with _error_documents(fmt, output, None, inputs), phases_bar(not quiet, "loading") as phases:
        phases.phase("loading the model and Casbin files")
        head = load_project(head_path, root, phases.update)
        inputs += head.inputs
        with open_base(head_path, base_path=base_path, base_ref=base_ref, root=root) as base:
            if base_path is not None and base.project is not None:
                inputs += base.project.inputs
            if output is not None:
                refuse_inputs(output, inputs)
            head_run = analyse(head, phases)
            md = compare(head, head_run, base, phases)
        text = diff_to_json(md) if fmt == "json" else diff_to_text(md)
    analysis_done()
    write_output(text, output)
    sys.exit(Exit.FINDINGS if md.opened or md.diff.widens else Exit.CLEAN)


@click.command("check")
@click.argument("paths", nargs=-1, type=PathArg(path_type=Path))
@BASE_REF_OPT
@click.option("--waivers", type=_FILE, default=None,
              help="The waiver file (default: ./accesssim-waivers.yaml when it exists).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day waivers expire against (YYYY-MM-DD; default: today).")
@FORMAT_OPT
@OUTPUT_OPT
@click.option("--markdown", type=_FILE, default=None,
              help="Also write Markdown for the pull request here. It is appended to "
                   "$GITHUB_STEP_SUMMARY whenever that is set.")
@click.option("--sarif", type=_FILE, default=None,
              help="Also write SARIF 2.1.0 for code scanning here.")
@click.option("--junit", type=_FILE, default=None, help="Also write JUnit XML here.")
@ROOT_OPT
@QUIET_OPT
@LANG_OPT
@handles_errors
def check_cmd(paths: tuple[Path, ...], base_ref: str | None, waivers: Path | None,
              today: dt.datetime | None, fmt: str, output: Path | None,
              markdown: Path | None, sarif: Path | None, junit: Path | None,
              root: Path | None, quiet: bool, lang: str | None) -> None:
    """Gate a change: every scenario's expectations, and with --base-ref the diff of every
    scenario against the git ref (default folder: scenarios/).

    Fails on a broken expectation, a new or widened exposure no unexpired waiver covers, a
    PATH whose scenarios state no expectation at all, and an expired waiver. When
    $GITHUB_STEP_SUMMARY is set, the Markdown report is appended to it.

    \b
    Exit codes: 0 pass, 1 fail, 2 error (bad input, unknown ref, Casbin failure, incomplete
    analysis), 130 interrupted.
    Examples:
      accesssim check --base-ref origin/main
      accesssim check --base-ref origin/main --sarif out/gate.sarif --markdown out/gate.md
      accesssim check scenarios/incidents --format json -o out/check.json --junit out/junit.xml
    """
    from accesssim.engine import tune_collector
    from accesssim.gate.check import run_check, scenario_files
    from accesssim.reports.gate_json import check_to_json
    from accesssim.reports.gate_markdown import check_to_markdown
    from accesssim.reports.gate_text import check_to_text

    tr = lang_translator(lang)  # the text and Markdown people read; JSON, SARIF, JUnit: English
    tune_collector()  # as every command that analyses a model
    files = [p for p in (output, markdown, sarif, junit) if p is not None]
    _distinct(files)
    paths = paths or (Path("scenarios"),)
    inputs: list[Path] = [*(p for p in paths if p.is_file())]
    if waivers is not None:
        inputs.append(waivers)
    with (_error_documents(fmt, output, markdown, inputs, step_summary=True),
          phases_bar(not quiet, "loading") as phases):
        inputs += scenario_files(list(paths))[0]
        for target in files:
            refuse_inputs(target, inputs)
        checked = run_check(list(paths), base_ref=base_ref, root=root, waivers=waivers,
                            today=today.date() if today else None, progress=phases)
        inputs += checked.inputs
        for target in files:
            refuse_inputs(target, inputs)
            prepare_folder(target.parent, target)
        report = checked.report
        texts = _check_texts(report, markdown, sarif, junit, tr)
        main = check_to_json(report) if fmt == "json" else check_to_text(report, tr)
        summary = (check_to_markdown(report, tr) if os.environ.get("GITHUB_STEP_SUMMARY")
                   else "")
    analysis_done()
    if summary:  # an unwritable summary stops the run before any output is written
        _append_step_summary("", only_try=True)
    write_all([*texts, *([(output, main)] if output is not None else [])])
    if output is None:
        write_output(main, None)
    if summary:
        _append_step_summary(summary)
    sys.exit(Exit.FINDINGS if report.result == "FAIL" else Exit.CLEAN)


def _check_texts(report: GateReport, markdown: Path | None, sarif: Path | None,
                 junit: Path | None, tr: Translator) -> list[tuple[Path, str]]:
    """The extra documents, all computed before any is written."""
    from accesssim.reports.gate_markdown import check_to_markdown
    from accesssim.reports.junit import gate_to_junit
    from accesssim.reports.sarif import check_to_sarif

    texts = []
    if markdown is not None:
        texts.append((markdown, check_to_markdown(report, tr)))
    if sarif is not None:
        texts.append((sarif, check_to_sarif(report)))
    if junit is not None:
        texts.append((junit, gate_to_junit(report)))
    return texts


def _distinct(files: Sequence[Path]) -> None:
    """Two outputs into one file would leave only the last."""
    seen: dict[Path, Path] = {}
    for path in files:
        key = path.resolve()
        if key in seen:
            raise click.UsageError(f"{seen[key]} and {path} are the same file: give each "
                                   "output its own")
        seen[key] = path
