"""``accesssim drift``: design versus deployed, element by element and exposure by exposure."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from accesssim.cli.guard import Exit, PathArg, analysis_done, handles_errors
from accesssim.cli.options import (
    AT_OPT,
    FORMAT_OPT,
    LANG_OPT,
    MODE_OPT,
    ROOT_OPT,
    as_date,
    lang_translator,
    load_project,
    write_output,
)
from accesssim.cli.outputs import refuse_inputs


@click.command()
@click.argument("design", type=PathArg(path_type=Path, dir_okay=False, exists=True))
@click.argument("deployed", type=PathArg(path_type=Path, dir_okay=False, exists=True))
@FORMAT_OPT
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), default=None,
              help="Write the result here instead of standard output.")
@MODE_OPT
@AT_OPT
@LANG_OPT
@ROOT_OPT
@handles_errors
def drift_cmd(design: Path, deployed: Path, fmt: str, output: Path | None, mode: str,
              at: dt.datetime | None, lang: str | None, root: Path | None) -> None:
    """Design versus deployed: the elements only one model has or that differ (each cited in
    both models and classified by the failure type it could cause), and the exposures the
    deployed model has and the design does not.

    \b
    Exit codes: 0 no exposure only in the deployed model, 1 some, 2 bad input.
    Examples:
      accesssim drift scenarios/incidents/02-tohoku-remediated.yaml \\
          scenarios/incidents/02-tohoku.yaml
      accesssim drift scenarios/incidents/02-tohoku-remediated.yaml \\
          scenarios/incidents/02-tohoku.yaml --format json -o drift.json
      accesssim drift scenarios/incidents/02-tohoku-remediated.yaml \\
          scenarios/incidents/02-tohoku.yaml --mode normal --lang ja
    """
    from accesssim.drift.run import blame, drift
    from accesssim.engine import resolve_modes
    from accesssim.errors import InputError

    tr = lang_translator(lang)
    ours, theirs = load_project(design, root), load_project(deployed, root)
    if output is not None:
        from accesssim.drift.compare import cited_files

        refuse_inputs(output, [*ours.inputs, *theirs.inputs, *cited_files(ours),
                               *cited_files(theirs)])
    modes = resolve_modes(ours, mode)
    refused = blame(ours, theirs, modes)
    if refused is not None:
        raise InputError.single(refused[0].loaded.display_path, 0, refused[1])
    result = drift(ours, theirs, modes=modes, at=as_date(at))
    from accesssim.reports.drift import drift_to_json, drift_to_text

    text = drift_to_json(result) if fmt == "json" else drift_to_text(result, tr)
    analysis_done()
    write_output(text, output)
    sys.exit(Exit.FINDINGS if result.widens else Exit.CLEAN)


drift_cmd.name = "drift"
