"""``accesssim summary``: the regulator's table, one row per model, with whether each gap is
closed in its remediated variant."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from accesssim.cli.guard import Exit, PathArg, analysis_done, handles_errors
from accesssim.cli.options import (
    AT_OPT,
    LANG_OPT,
    MODE_OPT,
    ROOT_OPT,
    as_date,
    checked_modes,
    lang_translator,
    load_project,
    write_output,
)
from accesssim.cli.outputs import refuse_inputs
from accesssim.cli.progress import phases as phases_bar

if TYPE_CHECKING:
    from accesssim.engine import Project
    from accesssim.findings.results import Report
    from accesssim.i18n import Translator
    from accesssim.summary.rows import SummaryRow

FORMATS = ("text", "json", "csv", "markdown")


def _pairs(values: tuple[str, ...]) -> dict[Path, Path]:
    pairs: dict[Path, Path] = {}
    for value in values:
        model, sep, variant = value.partition("=")
        if not sep or not model or not variant:
            raise click.BadParameter(f"{value!r} is not MODEL=VARIANT", param_hint="--remediated")
        if not Path(variant).is_file():
            raise click.BadParameter(f"{variant}: no such file", param_hint="--remediated")
        pairs[Path(model)] = Path(variant)
    return pairs


@click.command()
@click.argument("models", nargs=-1, required=True,
                type=PathArg(path_type=Path, exists=True))
@MODE_OPT
@AT_OPT
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format (json: English keys and words).")
@LANG_OPT
@click.option("--remediated", "remediated", multiple=True, metavar="MODEL=VARIANT",
              help="Judge MODEL's gap by VARIANT instead of the NN-name-remediated.yaml "
                   "beside it (repeatable).")
@click.option("--bom", is_flag=True,
              help="csv: start with a UTF-8 byte-order mark, so Excel opens Japanese text "
                   "correctly.")
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), default=None,
              help="Write the table here instead of standard output.")
@ROOT_OPT
@click.option("--quiet", is_flag=True, help="No progress bar.")
@handles_errors
def summary_cmd(models: tuple[Path, ...], mode: str, at: dt.datetime | None, fmt: str,
                lang: str | None, remediated: tuple[str, ...], bom: bool,
                output: Path | None, root: Path | None, quiet: bool) -> None:
    """The regulator's summary: per model, which failure types, how many people of which
    organisations could see which fields, since when and until when, and whether the gap is
    closed (no finding in the remediated variant). A folder stands for its *.yaml models.

    \b
    Exit codes: 0 no open gap, 1 a gap is open (findings no variant shows closed), 2 bad input.
    Examples:
      accesssim summary scenarios/incidents/
      accesssim summary scenarios/incidents/ --format markdown --lang ja
      accesssim summary scenarios/incidents/ --format csv --bom -o summary.csv
    """
    from accesssim.summary.plan import plan

    if bom and fmt != "csv":
        raise click.UsageError("--bom is for --format csv (a byte-order mark for Excel)")
    tr = lang_translator(lang)
    planned = plan(models, _pairs(remediated))
    from accesssim.i18n import msg

    with phases_bar(not quiet, tr(msg("loading {count} models and their variants",
                                      count=len(planned)))) as phases:
        projects: list[tuple[Project, Project | None]] = []
        for p in planned:  # every file loads before any analysis: bad input stops at once
            projects.append(_loaded(p.model, p.variant, root, mode))
            phases.update(len(projects), len(planned))
        if output is not None:
            refuse_inputs(output, [f for pair in projects for p in pair if p
                                   for f in p.inputs])
        phases.phase(tr(msg("analysing {count} models and their variants",
                            count=len(projects))))
        rows: list[SummaryRow] = []
        for project, variant in projects:
            rows.append(_row(project, variant, mode, as_date(at)))
            phases.update(len(rows), len(projects))
    text = _render(rows, fmt, tr, bom)
    analysis_done()
    write_output(text, output)
    sys.exit(Exit.FINDINGS if any(r.status.gap_open for r in rows) else Exit.CLEAN)


def _loaded(model: Path, variant: Path | None, root: Path | None, mode: str
            ) -> tuple[Project, Project | None]:
    from accesssim.errors import InputError
    from accesssim.summary.variant import variant_problem

    project = load_project(model, root)
    if variant is None:
        return project, None
    judge = load_project(variant, root)
    why = variant_problem(project.loaded.model, judge.loaded.model,
                          checked_modes(project, mode))
    if why is not None:
        raise InputError.single(judge.loaded.display_path, 0, why)
    return project, judge


def _analyse(project: Project, mode: str, at: dt.date | None) -> Report:
    from accesssim.engine import analyze

    return analyze(project, modes=checked_modes(project, mode), at=at)


def _row(project: Project, variant: Project | None, mode: str, at: dt.date | None
         ) -> SummaryRow:
    from accesssim.summary.rows import summary_row

    report = _analyse(project, mode, at)
    # A model without findings needs no variant analysed: there is no gap to close.
    judged = _analyse(variant, mode, at) if variant is not None and report.findings else None
    return summary_row(project.loaded.model, report, judged)


def _render(rows: list[SummaryRow], fmt: str, tr: Translator, bom: bool) -> str:
    from accesssim.reports.summary import summary_to_csv, summary_to_markdown, summary_to_text
    from accesssim.reports.summary_json import summary_to_json

    if fmt == "json":
        return summary_to_json(rows)
    if fmt == "csv":
        return summary_to_csv(rows, tr, bom)
    if fmt == "markdown":
        return summary_to_markdown(rows, tr)
    return summary_to_text(rows, tr)


summary_cmd.name = "summary"
