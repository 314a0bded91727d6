"""``accesssim report``: the self-contained HTML audit report people read."""

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
    ROOT_OPT,
    as_date,
    checked_modes,
    lang_translator,
    load_project,
)
from accesssim.cli.outputs import refuse_inputs, write_atomically
from accesssim.errors import InputError

if TYPE_CHECKING:
    pass

_FILE = PathArg(path_type=Path, dir_okay=False)


@click.command("report")
@MODEL_ARG
@click.option("-o", "--output", type=_FILE, required=True, metavar="REPORT.html",
              help="The HTML file to write (replaced in one step).")
@LANG_OPT
@MODE_OPT
@AT_OPT
@click.option("--remediated", "remediated", type=_FILE, default=None, metavar="MODEL2",
              help="The remediated variant to compare with (default: NN-name-remediated.yaml "
                   "beside the model, when it exists).")
@click.option("--keep", "keep_path", type=_FILE, default=None, metavar="KEEP.yaml",
              help="Propose a remediation (as `accesssim remediate --keep`) and show it.")
@ROOT_OPT
@click.option("--quiet", is_flag=True, help="No progress lines on standard error.")
@handles_errors
def report_cmd(model: Path, output: Path, lang: str | None, mode: str, at: dt.datetime | None,
               remediated: Path | None, keep_path: Path | None, root: Path | None,
               quiet: bool) -> None:
    """Write one HTML file with the verdict, exposure charts and tables, and every finding
    with its diagram, path, window and fix. No network, no external assets.

    \b
    Exit codes: 0 no finding, 1 findings, 2 bad input or incomplete analysis, 130 interrupted.
    Examples:
      accesssim report scenarios/incidents/01-kansai.yaml -o kansai.html --lang ja
      accesssim report scenarios/incidents/01-kansai.yaml -o kansai.html \\
          --keep scenarios/incidents/remedies/01-kansai.keep.yaml
    """
    from accesssim.engine import analyze
    from accesssim.remediate.files import load_keep
    from accesssim.reports.diagram import finding_svg
    from accesssim.reports.html import report_to_html
    from accesssim.reports.html_fix import proposal_view, variant_view
    from accesssim.summary.variant import remediated_variant, variant_problem

    def say(line: str) -> None:
        if not quiet:
            click.echo(line, err=True)

    tr = lang_translator(lang)
    project = load_project(model, root)
    variant_path = remediated or remediated_variant(model)
    variant = load_project(variant_path, root) if variant_path is not None else None
    inputs = [*project.inputs, *(variant.inputs if variant else ()),
              *((keep_path,) if keep_path else ())]
    refuse_inputs(output, inputs)
    keep = load_keep(keep_path, str(keep_path), project.loaded.model) if keep_path else ()
    modes = checked_modes(project, mode)
    if variant is not None:
        why = variant_problem(project.loaded.model, variant.loaded.model, modes)
        if why is not None:
            raise InputError.single(variant.loaded.display_path, 0, why)
    day = as_date(at)
    say(f"analysing {project.loaded.display_path}")
    report = analyze(project, modes=modes, at=day)
    model_data = project.loaded.model
    svgs = {f.id: finding_svg(model_data, report, f, tr) for f in report.findings}
    fixed = None
    if variant is not None:
        say(f"analysing the remediated variant {variant.loaded.display_path}")
        fixed = variant_view(variant, modes, day)
    proposal = None
    if keep_path is not None:
        proposal = proposal_view(project, keep, str(keep_path), report, modes, day, tr, say)
    html = report_to_html(model_data, report, tr, svgs, fixed, proposal)
    analysis_done()
    write_atomically(output, html)
    say(f"wrote {output}: {len(report.findings)} finding(s), "
        f"{report.exposed_headcount:,} people exposed")
    sys.exit(Exit.FINDINGS if report.findings else Exit.CLEAN)


report_cmd.name = "report"
