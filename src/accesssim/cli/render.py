"""``accesssim render``: one finding, or the overview of every finding, as a picture."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

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
from accesssim.errors import AccessSimError


@click.command()
@MODEL_ARG
@click.option("--finding", "finding_id", default=None, metavar="ID",
              help="Draw this finding's path (ids as `accesssim analyze` prints them); "
                   "without it, the overview of every finding.")
@click.option("--format", "fmt", type=click.Choice(["dot", "svg", "png"]), default="svg",
              show_default=True, help="dot: the Graphviz source; svg and png need Graphviz.")
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), default=None,
              help="Write the picture here instead of standard output.")
@LANG_OPT
@MODE_OPT
@AT_OPT
@ROOT_OPT
@handles_errors
def render_cmd(model: Path, finding_id: str | None, fmt: str, output: Path | None,
               lang: str | None, mode: str, at: dt.datetime | None, root: Path | None) -> None:
    """Draw one finding's path, or the overview of every finding, with Graphviz.

    \b
    Exit codes: 0 no finding, 1 findings, 2 bad input, unknown finding or no Graphviz.
    Examples:
      accesssim render scenarios/incidents/01-kansai.yaml -o overview.svg
      accesssim render scenarios/incidents/01-kansai.yaml --finding ASIM-87b27343d6 \\
          --lang ja --format png -o finding.png
    """
    from accesssim.engine import analyzer
    from accesssim.reports.diagram import finding_dot, overview_dot, render_dot
    from accesssim.reports.diagram_style import dot_program

    if fmt != "dot":  # refuse before analysing, not after
        dot_program(", or use --format dot to write the source")
    if fmt == "png" and output is None and sys.stdout.isatty():
        raise AccessSimError("a PNG is binary and would garble the terminal: write it to a "
                             "file with -o FILE.png, or pipe the output")
    tr = lang_translator(lang)
    project = load_project(model, root)
    if output is not None:
        refuse_inputs(output, project.inputs)
    engine = analyzer(project, modes=checked_modes(project, mode), at=as_date(at))
    report = engine.run()
    analysis_done()
    if finding_id is None:
        source = overview_dot(project.loaded.model, report, tr)
    else:
        finding = next((f for f in report.findings if f.id == finding_id), None)
        if finding is None:
            raise AccessSimError(
                f"no finding {finding_id!r} in {report.model_file} for these modes and dates; "
                f"`accesssim analyze {model}` lists the finding ids (each block starts with one)")
        source = finding_dot(project.loaded.model, report, finding, tr)
    data: str | bytes = source if fmt == "dot" else render_dot(source, "svg" if fmt == "svg"
                                                               else "png")
    if output is not None:
        write_atomically(output, data)
    elif isinstance(data, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        click.echo(data, nl=False)
    sys.exit(Exit.FINDINGS if report.findings else Exit.CLEAN)


render_cmd.name = "render"
