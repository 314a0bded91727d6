"""``accesssim analyze``: the report, with progress on a terminal."""

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
    MODEL_ARG,
    REPORT_FORMAT_OPT,
    ROOT_OPT,
    as_date,
    checked_modes,
    lang_translator,
    load_project,
    write_output,
)
from accesssim.cli.outputs import refuse_inputs
from accesssim.cli.progress import phases as phases_bar
from accesssim.i18n import N_, msg
from accesssim.reports import OutputFormat, render

if TYPE_CHECKING:
    from accesssim.findings.results import Report
    from accesssim.i18n import Translator


def _closing_line(output: Path, report: Report, tr: Translator) -> str:
    """One line on stderr after writing a report file: what was written, in totals."""
    count = len(report.findings)
    findings = (tr(msg("1 finding")) if count == 1
                else tr(msg("{count} findings", count=f"{count:,}")))
    return tr(msg("wrote {file}: {findings}, {people} people exposed", file=str(output),
                  findings=findings, people=f"{report.exposed_headcount:,}"))


@click.command()
@MODEL_ARG
@MODE_OPT
@AT_OPT
@REPORT_FORMAT_OPT
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), default=None,
              help="Write the report here instead of standard output.")
@ROOT_OPT
@click.option("--quiet", is_flag=True, help="No progress bar.")
@LANG_OPT
@handles_errors
def analyze_cmd(model: Path, mode: str, at: dt.datetime | None, fmt: str, output: Path | None,
                root: Path | None, quiet: bool, lang: str | None) -> None:
    """Report every path from outside the boundary to a non-public field.

    \b
    Exit codes: 0 no finding, 1 findings, 2 bad input or incomplete analysis, 130 interrupted.
    Examples:
      accesssim analyze scenarios/incidents/01-kansai.yaml
      accesssim analyze scenarios/incidents/01-kansai.yaml --mode normal --at 2022-12-01
      accesssim analyze scenarios/incidents/01-kansai.yaml --lang ja
      accesssim analyze scenarios/reference.yaml --format json -o report.json
      accesssim analyze scenarios/incidents/05-chubu.yaml --format dot -o c.dot
      dot -Tsvg -O c.dot
    """
    from accesssim.engine import analyzer

    tr = lang_translator(lang)
    with phases_bar(not quiet, tr(N_("loading the model and Casbin files")), steps=3) as phases:
        project = load_project(model, root, phases.update)
        if output is not None:
            refuse_inputs(output, project.inputs)
        phases.phase(tr(N_("deciding with Casbin and building the access graph")))
        engine = analyzer(project, modes=checked_modes(project, mode), at=as_date(at),
                          progress=phases.update)
        phases.phase(tr(N_("searching every person outside the boundary")))
        report = engine.run(phases.update)
    text = render(report, OutputFormat(fmt), tr)
    analysis_done()
    write_output(text, output)
    if output is not None:
        click.echo(_closing_line(output, report, tr), err=True)
    sys.exit(Exit.FINDINGS if report.findings else Exit.CLEAN)


analyze_cmd.name = "analyze"
